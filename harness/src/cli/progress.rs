//! The live progress line of `harness run`: runs done of all, failures so far, and which
//! scenario the printed comparisons are waiting for. On stderr, and only on a terminal:
//! piped or redirected output gets no progress line at all.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
    failed: usize,
}

impl Progress {
    /// `first` names the run the report starts with.
    pub fn new(runs: usize, first: Option<String>) -> Progress {
        // indicatif draws nothing when stderr is not a terminal (a pipe, a file, CI).
        let bar = ProgressBar::with_draw_target(Some(runs as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {pos}/{len} runs  {elapsed}  {wide_msg}")
        {
            bar.set_style(style);
        }
        if let Some(first) = first {
            bar.set_message(format!("waiting for {first}"));
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar, failed: 0 }
    }

    /// One run finished; `waiting_for` names what the printed report waits on.
    pub fn finished(&mut self, failed: bool, waiting_for: Option<String>) {
        self.failed += usize::from(failed);
        let mut message = match self.failed {
            0 => String::new(),
            n => format!("{n} failed · "),
        };
        if let Some(what) = waiting_for {
            message.push_str(&format!("waiting for {what}"));
        }
        self.bar.set_message(message);
        self.bar.inc(1);
    }

    /// Prints through the bar: it is lifted off the terminal while `print` writes.
    pub fn print(&self, print: impl FnOnce()) {
        self.bar.suspend(print);
    }

    pub fn done(self) {
        self.bar.finish_and_clear();
    }
}
