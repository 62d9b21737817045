//! How the client wants text output: its terminal's width and whether it
//! takes colour. Commands render text inside the server, so these travel
//! with the command (`Request::Command`) instead of being read there.

use serde::{Deserialize, Serialize};

/// Output options of the client that runs a command.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// Columns available for a line of text; None: no limit (a pipe without
    /// `$COLUMNS`, where scripts want whole lines).
    pub width: Option<u16>,
    /// ANSI colours in text tables.
    pub color: bool,
}

/// One step of a long command (import, demo, model apply, backup…): a
/// client shows it as a progress bar on a terminal and drops it otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    /// What is being done ("import accounts", "demo book").
    pub what: String,
}

/// Thins a stream of progress steps to at most about one per percent, so
/// that a 200k-row import sends a hundred messages, not 200k. Any long
/// command (backup and restore included) reports through one of these.
pub struct Ticker {
    what: String,
    total: u64,
    last: Option<u64>,
}

impl Ticker {
    pub fn new(what: impl Into<String>, total: u64) -> Ticker {
        Ticker {
            what: what.into(),
            total,
            last: None,
        }
    }

    /// What is being done, as the steps say.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The step to report for `done`, if it is worth reporting.
    pub fn step(&mut self, done: u64) -> Option<Progress> {
        let done = done.min(self.total);
        let grain = (self.total / 100).max(1);
        let due = match self.last {
            None => true,
            Some(last) => done >= last + grain || (done == self.total && last != done),
        };
        if !due {
            return None;
        }
        self.last = Some(done);
        Some(Progress {
            done,
            total: self.total,
            what: self.what.clone(),
        })
    }
}

/// Progress shown as a bar on stderr: only when stderr is a terminal and
/// the user did not ask for `--quiet`, so pipes and logs stay clean.
pub struct ProgressView {
    enabled: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl ProgressView {
    /// A view that draws on this process's stderr if it is a terminal.
    pub fn stderr(quiet: bool) -> ProgressView {
        ProgressView {
            enabled: !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
            bar: None,
        }
    }

    /// True when steps are drawn (a terminal, not quiet).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn show(&mut self, p: &Progress) {
        if !self.enabled {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let b = indicatif::ProgressBar::with_draw_target(
                Some(p.total),
                indicatif::ProgressDrawTarget::stderr(),
            );
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})")
            {
                b.set_style(style.progress_chars("=> "));
            }
            b
        });
        bar.set_length(p.total);
        bar.set_message(p.what.clone());
        bar.set_position(p.done);
    }

    /// Removes the bar (before the command's own output or error).
    pub fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

impl Drop for ProgressView {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticker_reports_about_once_per_percent_and_the_end() {
        let mut t = Ticker::new("import", 10_000);
        let steps: Vec<Progress> = (0..=10_000).filter_map(|n| t.step(n)).collect();
        assert_eq!(steps.len(), 101);
        assert_eq!(steps.first().unwrap().done, 0);
        assert_eq!(steps.last().unwrap().done, 10_000);
        let mut small = Ticker::new("x", 3);
        let n = (0..=3).filter_map(|n| small.step(n)).count();
        assert_eq!(n, 4);
        assert!(small.step(3).is_none(), "the end is reported once");
    }

    #[test]
    fn quiet_never_draws() {
        let mut v = ProgressView::stderr(true);
        assert!(!v.enabled());
        v.show(&Progress {
            done: 1,
            total: 2,
            what: "x".into(),
        });
        assert!(v.bar.is_none());
    }
}
