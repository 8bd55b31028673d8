//! The log's writer thread. Request threads append their formatted lines to one shared
//! buffer; a single thread takes the whole buffer and writes it out to stderr.
//!
//! Why not a queue with one message per line (tracing-appender's `non_blocking`): its
//! writer thread sleeps whenever the queue is empty, so under load nearly every line costs
//! the request thread a futex wake-up and the writer a context switch and a `write`. perf
//! on prod under 32 connections put that thread at 10-12 % of the process's CPU, and an
//! error answer (two lines) paid it twice (docs/performance.md). Here a request thread
//! only wakes the writer when the buffer was empty; the writer then lets lines gather for
//! `GATHER` and writes them with one call: at most about a thousand wake-ups and writes a
//! second, however many lines.
//!
//! Nothing is dropped: when stderr cannot keep up and the buffer holds `MAX_BUFFERED`
//! bytes, a logging thread waits for room (the back-pressure a full disk or pipe
//! deserves). A line reaches stderr within about `GATHER` of being logged, and dropping
//! the `Flush` guard writes out the rest before the process ends.

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
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when the buffer gets its first line, and when the log closes.
    lines_waiting: Condvar,
    /// Signalled when the writer has taken the buffer.
    room: Condvar,
    max_buffered: usize,
}

#[derive(Default)]
struct State {
    lines: Vec<u8>,
    closed: bool,
}

/// Starts the writer thread over `out`.
pub fn start<W: Write + Send + 'static>(out: W) -> io::Result<(LogWriter, Flush)> {
    start_with(out, MAX_BUFFERED)
}

fn start_with<W: Write + Send + 'static>(
    out: W,
    max_buffered: usize,
) -> io::Result<(LogWriter, Flush)> {
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        lines_waiting: Condvar::new(),
        room: Condvar::new(),
        max_buffered,
    });
    let writer_side = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name("demo-app-log-writer".to_string())
        .spawn(move || write_out(&writer_side, out))?;
    Ok((
        LogWriter {
            shared: Arc::clone(&shared),
        },
        Flush {
            shared,
            thread: Some(thread),
        },
    ))
}

/// The writer thread: waits for a line, lets more gather, writes the lot; until closed
/// and empty.
fn write_out(shared: &Shared, mut out: impl Write) {
    let mut batch = Vec::new();
    loop {
        let mut state = lock(&shared.state);
        while state.lines.is_empty() && !state.closed {
            state = wait(&shared.lines_waiting, state);
        }
        if state.lines.is_empty() {
            return; // closed, and everything is written
        }
        if !state.closed {
            drop(state);
            std::thread::sleep(GATHER);
            state = lock(&shared.state);
        }
        // The emptied batch goes back as the buffer: its capacity is reused.
        std::mem::swap(&mut batch, &mut state.lines);
        drop(state);
        shared.room.notify_all();
        // A failed write (stderr closed under us) cannot be reported anywhere else; the
        // service goes on.
        let _ = out.write_all(&batch).and_then(|()| out.flush());
        batch.clear();
    }
}

fn wait<'a>(condvar: &Condvar, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
    condvar.wait(guard).unwrap_or_else(PoisonError::into_inner)
}

impl Drop for Flush {
    fn drop(&mut self) {
        lock(&self.shared.state).closed = true;
        self.shared.lines_waiting.notify_one();
        self.shared.room.notify_all();
        if let Some(thread) = self.thread.take() {
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
        while state.lines.len() >= shared.max_buffered && !state.closed {
            state = wait(&shared.room, state);
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
        let (writer, flush) = start_with(kept.clone(), 256).expect("writer thread");
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
        let (writer, _flush) = start_with(kept.clone(), 1024).expect("writer thread");
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
}
