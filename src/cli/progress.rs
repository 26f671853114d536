//! The progress bar: the library's [`Progress`] events drawn with indicatif on stderr.
//!
//! The bar stays hidden for the first moment ([`SHOW_AFTER`]), so quick runs print nothing extra,
//! and the caller creates one only when stderr is a terminal, `--quiet` is off and the output is
//! not JSON. It is cleared before the report and the diagnostics are printed.

use dedup::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a scan runs before the bar appears.
pub const SHOW_AFTER: Duration = Duration::from_millis(700);

/// The documents counter in the message is refreshed every this many documents (formatting a
/// message for each of millions of documents would cost more than the bar is worth).
const MESSAGE_EVERY: u64 = 256;

/// A [`Progress`] observer that draws one bar, stage after stage.
pub struct ProgressReport {
    bar: ProgressBar,
    started: Instant,
    show_after: Duration,
    target: fn() -> ProgressDrawTarget,
    shown: AtomicBool,
    signed: AtomicU64,
}

impl ProgressReport {
    /// A bar on stderr that appears after [`SHOW_AFTER`].
    pub fn stderr() -> Self {
        ProgressReport::new(SHOW_AFTER, ProgressDrawTarget::stderr)
    }

    /// A bar that appears on `target` once `show_after` has passed.
    pub fn new(show_after: Duration, target: fn() -> ProgressDrawTarget) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(style("reading {bar:30} {pos}/{len} files, {msg}"));
        bar.set_message("0 documents signed");
        ProgressReport {
            bar,
            started: Instant::now(),
            show_after,
            target,
            shown: AtomicBool::new(false),
            signed: AtomicU64::new(0),
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// True once the bar has been put on its target.
    pub fn is_shown(&self) -> bool {
        self.shown.load(Ordering::Relaxed)
    }

    /// Puts the bar on its target once the scan has run long enough.
    fn show_when_due(&self) {
        if !self.is_shown()
            && self.started.elapsed() >= self.show_after
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target((self.target)());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    fn stage(&self, template: &str, length: u64) {
        self.bar.set_style(style(template));
        self.bar.set_message("");
        self.bar.set_length(length);
        self.bar.set_position(0);
        self.show_when_due();
    }

    fn signed_message(&self, signed: u64) {
        self.bar.set_message(format!("{signed} documents signed"));
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(&format!("{{spinner}} {template}"))
        .expect("a valid template")
        .progress_chars("=> ")
}

impl Progress for ProgressReport {
    fn files_found(&self, files: u64) {
        self.bar.set_length(files);
        self.show_when_due();
    }

    fn file_read(&self) {
        self.bar.inc(1);
        self.signed_message(self.signed.load(Ordering::Relaxed));
        self.show_when_due();
    }

    fn document_signed(&self) {
        let signed = self.signed.fetch_add(1, Ordering::Relaxed) + 1;
        if signed % MESSAGE_EVERY == 0 {
            self.signed_message(signed);
            self.show_when_due();
        }
    }

    fn reloading(&self, documents: u64) {
        self.stage("re-reading {bar:30} {pos}/{len} documents", documents);
    }

    fn document_reloaded(&self) {
        self.bar.inc(1);
        self.show_when_due();
    }

    fn verifying(&self, pairs: u64) {
        self.stage("verifying {bar:30} {pos}/{len} pairs", pairs);
    }

    fn pair_verified(&self) {
        self.bar.inc(1);
        self.show_when_due();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_stage_and_waits_before_showing() {
        let waiting = ProgressReport::new(Duration::from_secs(3600), ProgressDrawTarget::hidden);
        waiting.files_found(2);
        waiting.file_read();
        assert!(!waiting.is_shown());

        let report = ProgressReport::new(Duration::ZERO, ProgressDrawTarget::hidden);
        report.files_found(3);
        assert!(report.is_shown());
        for _ in 0..MESSAGE_EVERY + 1 {
            report.document_signed();
        }
        report.file_read();
        report.file_read();
        assert_eq!((report.bar.position(), report.bar.length()), (2, Some(3)));
        assert_eq!(report.bar.message(), "257 documents signed");
        report.reloading(5);
        report.document_reloaded();
        assert_eq!((report.bar.position(), report.bar.length()), (1, Some(5)));
        report.verifying(10);
        for _ in 0..4 {
            report.pair_verified();
        }
        assert_eq!((report.bar.position(), report.bar.length()), (4, Some(10)));
        report.finish();
        assert!(report.bar.is_finished());
    }
}
