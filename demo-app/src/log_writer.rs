//! The log's writer thread. Request threads append their formatted lines to one shared
//! buffer; a single thread takes the whole buffer and writes it out to stderr.
//!
//! Why not a queue with one message per line (tracing-appender's `non_blocking`): its
//! writer thread sleeps whenever the queue is empty, so under load nearly every line costs
//! the request thread a futex wake-up and the writer a context switch and a `write`. perf
//! on prod under 32 connections put that thread at 10-12 % of the process's CPU, and an
//! error answer (two lines) paid it twice (docs/performance.md). Here a request thread
//! only wakes the writer when the buffer was empty; the writer then lets lines gather for
//! `GATHER` and writes them with one call: at most about a thousand writes a second (two
//! thousand wake-ups of the writer: the request's and the end of its sleep), however many
//! lines.
//!
//! Nothing is dropped: when stderr cannot keep up and the buffer holds `MAX_BUFFERED`
//! bytes, a logging thread waits for room (the back-pressure a full disk or pipe
//! deserves). A line reaches stderr within about `GATHER` of being logged. Dropping the
//! `Flush` guard writes out the rest, waiting at most `CLOSE_WAIT` for a stalled stderr (a
//! service told to stop must stop); a line logged after the writer has finished is
//! written straight to the output by the thread that logs it.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

use crate::lock::lock;

/// How long the writer lets lines gather once the first one is waiting: the longest a line
/// waits for stderr, and what bounds the writes (and wake-ups) to about 1,000 a second.
pub const GATHER: Duration = Duration::from_millis(1);

/// Bytes the buffer holds before a logging thread waits for the writer.
pub const MAX_BUFFERED: usize = 8 * 1024 * 1024;

/// How long dropping the guard waits for the writer to write out what is left.
pub const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// A buffer that grew past this in a burst is given back down to `KEPT_CAPACITY` once
/// written (the app may run under a small `memory_limit_mb`).
const SHRINK_ABOVE: usize = 1024 * 1024;
const KEPT_CAPACITY: usize = 64 * 1024;

/// Where logging threads put their lines (a `MakeWriter` for tracing-subscriber).
#[derive(Clone)]
pub struct LogWriter {
    shared: Arc<Shared>,
}

/// Keep it until the process ends: dropping it writes out every buffered line and stops
/// the writer thread.
#[must_use = "dropping the guard stops the log writer"]
pub struct Flush {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    close_wait: Duration,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when the buffer gets its first line, and when the log closes.
    lines_waiting: Condvar,
    /// Signalled when the writer has taken the buffer, for threads waiting for room.
    room: Condvar,
    /// Signalled when the writer has written everything and stopped.
    finished: Condvar,
    /// The output. The writer thread holds it while it writes a batch; once the writer has
    /// finished, a logging thread writes its own line through it.
    out: Mutex<Box<dyn Write + Send>>,
    max_buffered: usize,
}

#[derive(Default)]
struct State {
    lines: Vec<u8>,
    /// The guard was dropped: write out what is left, then stop.
    closed: bool,
    /// The writer stopped with nothing left; lines now go straight to `out`.
    finished: bool,
    /// Logging threads waiting for room (the writer wakes them only when there are some).
    waiting_for_room: usize,
}

/// Starts the writer thread over `out`.
pub fn start<W: Write + Send + 'static>(out: W) -> io::Result<(LogWriter, Flush)> {
    start_with(out, MAX_BUFFERED, CLOSE_WAIT)
}

fn start_with<W: Write + Send + 'static>(
    out: W,
    max_buffered: usize,
    close_wait: Duration,
) -> io::Result<(LogWriter, Flush)> {
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        lines_waiting: Condvar::new(),
        room: Condvar::new(),
        finished: Condvar::new(),
        out: Mutex::new(Box::new(out)),
        // At least one byte: with none, a logging thread would wait for room forever.
        max_buffered: max_buffered.max(1),
    });
    let writer_side = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name("demo-app-log-writer".to_string())
        .spawn(move || write_out(&writer_side))?;
    Ok((
        LogWriter {
            shared: Arc::clone(&shared),
        },
        Flush {
            shared,
            thread: Some(thread),
            close_wait,
        },
    ))
}

/// The writer thread: waits for a line, lets more gather, writes the lot; until closed
/// and empty.
fn write_out(shared: &Shared) {
    let mut batch = Vec::new();
    loop {
        let mut state = lock(&shared.state);
        while state.lines.is_empty() && !state.closed {
            state = wait(&shared.lines_waiting, state);
        }
        if state.lines.is_empty() {
            // Closed, and everything is written. Under the lock, so a line logged from
            // here on sees `finished` and is written by its own thread.
            state.finished = true;
            drop(state);
            shared.finished.notify_all();
            return;
        }
        if !state.closed {
            drop(state);
            std::thread::sleep(GATHER);
            state = lock(&shared.state);
        }
        // The emptied batch goes back as the buffer: its capacity is reused.
        std::mem::swap(&mut batch, &mut state.lines);
        let someone_waits = state.waiting_for_room > 0;
        drop(state);
        if someone_waits {
            shared.room.notify_all();
        }
        // A failed write (stderr closed under us) cannot be reported anywhere else; the
        // service goes on.
        let mut out = lock(&shared.out);
        let _ = out.write_all(&batch).and_then(|()| out.flush());
        drop(out);
        batch.clear();
        if batch.capacity() > SHRINK_ABOVE {
            batch.shrink_to(KEPT_CAPACITY);
        }
    }
}

fn wait<'a, T>(condvar: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    condvar.wait(guard).unwrap_or_else(PoisonError::into_inner)
}

impl Drop for Flush {
    /// Has the writer write out what is left and waits for it, at most `close_wait`: past
    /// that (stderr stalled: a full pipe nobody reads) the thread is left to finish, or
    /// not, with the process.
    fn drop(&mut self) {
        let shared = &self.shared;
        let mut state = lock(&shared.state);
        state.closed = true;
        shared.lines_waiting.notify_one();
        let (state, _) = shared
            .finished
            .wait_timeout_while(state, self.close_wait, |state| !state.finished)
            .unwrap_or_else(PoisonError::into_inner);
        let finished = state.finished;
        drop(state);
        if let Some(thread) = self.thread.take()
            && finished
        {
            let _ = thread.join();
        }
    }
}

/// One logging thread's handle on the buffer. tracing-subscriber writes each formatted
/// line with one `write_all`, and `write` takes all of it, so lines never interleave.
pub struct LineSink<'a> {
    shared: &'a Shared,
}

impl Write for LineSink<'_> {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let shared = self.shared;
        let mut state = lock(&shared.state);
        while state.lines.len() >= shared.max_buffered && !state.finished {
            state.waiting_for_room += 1;
            state = wait(&shared.room, state);
            state.waiting_for_room -= 1;
        }
        if state.finished {
            // The writer has stopped (the guard is gone): this thread writes its own line.
            drop(state);
            let mut out = lock(&shared.out);
            out.write_all(line)?;
            out.flush()?;
            return Ok(line.len());
        }
        let was_empty = state.lines.is_empty();
        state.lines.extend_from_slice(line);
        drop(state);
        if was_empty {
            shared.lines_waiting.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = LineSink<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineSink {
            shared: &self.shared,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use tracing_subscriber::fmt::MakeWriter as _;

    use super::{LogWriter, start_with};

    /// An output that keeps what it is given, `delay` per write (a slow disk or pipe).
    #[derive(Clone, Default)]
    struct Kept {
        bytes: Arc<Mutex<Vec<u8>>>,
        delay: Duration,
    }

    impl Write for Kept {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            std::thread::sleep(self.delay);
            self.bytes.lock().expect("kept").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn log_lines(writer: &LogWriter, thread: usize, lines: usize) {
        for n in 0..lines {
            let line = format!("{{\"thread\":{thread},\"n\":{n}}}\n");
            writer
                .make_writer()
                .write_all(line.as_bytes())
                .expect("buffered");
        }
    }

    /// Every line of every thread arrives whole and in its thread's order, even when the
    /// output is slow and the buffer is tiny (logging threads wait for room instead).
    #[test]
    fn no_line_is_lost_split_or_reordered_when_stderr_is_slow() {
        let kept = Kept {
            delay: Duration::from_micros(200),
            ..Kept::default()
        };
        let (writer, flush) =
            start_with(kept.clone(), 256, Duration::from_secs(30)).expect("writer thread");
        let threads: Vec<_> = (0..4)
            .map(|thread| {
                let writer = writer.clone();
                std::thread::spawn(move || log_lines(&writer, thread, 500))
            })
            .collect();
        for thread in threads {
            thread.join().expect("logging thread");
        }
        drop(flush);
        let text = String::from_utf8(kept.bytes.lock().expect("kept").clone()).expect("utf-8");
        let mut next = [0usize; 4];
        for line in text.lines() {
            let value: serde_json::Value = serde_json::from_str(line).expect("a whole line");
            let thread = value["thread"].as_u64().expect("thread") as usize;
            assert_eq!(value["n"].as_u64(), Some(next[thread] as u64), "{line}");
            next[thread] += 1;
        }
        assert_eq!(next, [500; 4]);
    }

    /// A lone line reaches the output soon, with the guard still held.
    #[test]
    fn a_line_is_written_without_waiting_for_more() {
        let kept = Kept::default();
        let (writer, _flush) =
            start_with(kept.clone(), 1024, Duration::from_secs(30)).expect("writer thread");
        log_lines(&writer, 0, 1);
        let deadline = Instant::now() + Duration::from_secs(5);
        while kept.bytes.lock().expect("kept").is_empty() {
            assert!(
                Instant::now() < deadline,
                "the line never reached the output"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(
            *kept.bytes.lock().expect("kept"),
            b"{\"thread\":0,\"n\":0}\n"
        );
    }

    /// A line logged once the guard is gone (the subscriber outlives it) is still written,
    /// by the thread that logs it.
    #[test]
    fn a_line_logged_after_the_guard_is_dropped_is_still_written() {
        let kept = Kept::default();
        let (writer, flush) =
            start_with(kept.clone(), 1024, Duration::from_secs(30)).expect("writer thread");
        log_lines(&writer, 0, 1);
        drop(flush);
        log_lines(&writer, 1, 1);
        assert_eq!(
            *kept.bytes.lock().expect("kept"),
            b"{\"thread\":0,\"n\":0}\n{\"thread\":1,\"n\":0}\n"
        );
    }

    /// An output that never returns until `release` is dropped (a pipe nobody reads).
    struct Stalled {
        release: std::sync::mpsc::Receiver<()>,
    }

    impl Write for Stalled {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            let _ = self.release.recv();
            Err(std::io::Error::other("released"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A stalled stderr cannot keep a stopping service from stopping: the guard gives up
    /// after its wait.
    #[test]
    fn dropping_the_guard_does_not_wait_forever_for_a_stalled_output() {
        let (release, stalled) = std::sync::mpsc::channel();
        let (writer, flush) = start_with(
            Stalled { release: stalled },
            1024,
            Duration::from_millis(100),
        )
        .expect("writer thread");
        log_lines(&writer, 0, 1);
        // The writer is now stuck in `write` (after its gather wait).
        std::thread::sleep(Duration::from_millis(50));
        let dropped = Instant::now();
        drop(flush);
        assert!(dropped.elapsed() < Duration::from_secs(20));
        drop(release);
    }
}
