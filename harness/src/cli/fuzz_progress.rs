//! The live line of `harness fuzz`: requests, buckets, elapsed of the bound, and the phase
//! (sending or shrinking). On a terminal it is redrawn a few times a second; on a pipe (a
//! CI log) one plain line goes to stderr every `PIPE_EVERY`, so the log shows the run is
//! alive. It runs on its own thread, reading the engine's counters, so it keeps moving
//! whatever the requests do.

use std::io::IsTerminal as _;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::fuzz::Progress;
use crate::fuzz::progress::{Snapshot, Stage};

const TERMINAL_EVERY: Duration = Duration::from_millis(150);
const PIPE_EVERY: Duration = Duration::from_secs(5);

pub struct Ticker {
    stop: mpsc::Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Starts the line for the run called `name`, bounded by `limit` and `requests`.
    pub fn start(
        progress: Arc<Progress>,
        name: String,
        requests: usize,
        limit: Duration,
    ) -> Ticker {
        let (stop, stopped) = mpsc::channel::<()>();
        let terminal = std::io::stderr().is_terminal();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let bar = terminal.then(|| {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                if let Ok(style) = ProgressStyle::with_template("{spinner} {wide_msg}") {
                    bar.set_style(style);
                }
                bar
            });
            let every = if terminal { TERMINAL_EVERY } else { PIPE_EVERY };
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                let line = line(
                    &name,
                    progress.snapshot(),
                    requests,
                    started.elapsed(),
                    limit,
                );
                match &bar {
                    Some(bar) => {
                        bar.set_message(line);
                        bar.tick();
                    }
                    None => eprintln!("{line}"),
                }
            }
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
        });
        Ticker {
            stop,
            thread: Some(thread),
        }
    }

    pub fn done(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        let _ = self.stop.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `fuzz prod/sqlite · sending · 812/2000 requests · 5 buckets · 6.1 s of 120 s`.
fn line(name: &str, now: Snapshot, requests: usize, elapsed: Duration, limit: Duration) -> String {
    let phase = match now.stage {
        Stage::Planning => "planning inputs".to_string(),
        Stage::Sending => "sending".to_string(),
        Stage::Shrinking => format!("shrinking ({} requests)", now.shrink_requests),
    };
    format!(
        "fuzz {name} · {phase} · {}/{requests} requests · {} bucket{} · {:.1} s of {} s",
        now.sent,
        now.buckets,
        if now.buckets == 1 { "" } else { "s" },
        elapsed.as_secs_f64(),
        limit.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_the_phase_and_the_bound() {
        let snapshot = Snapshot {
            sent: 812,
            buckets: 1,
            stage: Stage::Shrinking,
            shrink_requests: 9,
        };
        assert_eq!(
            line(
                "prod/sqlite",
                snapshot,
                2000,
                Duration::from_millis(6100),
                Duration::from_secs(120)
            ),
            "fuzz prod/sqlite · shrinking (9 requests) · 812/2000 requests · 1 bucket · 6.1 s of 120 s"
        );
    }
}
