//! Progress of loading or exporting many snapshots: a bar on stderr with files done / total,
//! the rate and the time left, only when stderr is a terminal and there is more than one file;
//! nothing at all otherwise (a pipe, a log file, a test).

use std::io::IsTerminal;

/// A progress bar that may be hidden; cheap to tick from many threads.
#[derive(Debug)]
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// A bar for `total` files doing `what` ("loading sockets"), shown only when stderr is a
    /// terminal and `total` is more than one.
    pub fn new(what: &str, total: usize) -> Progress {
        if total < 2 || !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total as u64),
            indicatif::ProgressDrawTarget::stderr(),
        );
        let style = indicatif::ProgressStyle::with_template(
            "netpry: {msg} {pos}/{len} files  {rate} files/s  {eta} left  {wide_bar}",
        );
        if let Ok(style) = style {
            bar.set_style(style.with_key(
                "rate",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}", s.per_sec());
                },
            ));
        }
        bar.set_message(what.to_string());
        Progress(Some(bar))
    }

    /// A progress that shows nothing.
    pub fn hidden() -> Progress {
        Progress(None)
    }

    /// One more file done.
    pub fn inc(&self) {
        if let Some(b) = &self.0 {
            b.inc(1);
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_or_no_terminal_shows_nothing() {
        assert!(Progress::new("x", 1).0.is_none());
        assert!(Progress::hidden().0.is_none());
        // `cargo test` captures stderr through a pipe or a file, never a terminal here.
        if !std::io::stderr().is_terminal() {
            assert!(Progress::new("x", 10).0.is_none());
        }
    }
}
