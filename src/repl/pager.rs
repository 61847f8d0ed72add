//! Output of the shell: text that fits the screen is printed; longer text goes through a pager
//! (`$PAGER`, or `less -FRX` when it is unset or empty), unless paging is off (`.pager off`) or
//! standard output is not a terminal. A pager that cannot be started falls back to printing.

use std::io::{self, IsTerminal, Write};
use std::process::{Command, Stdio};

/// The pager command used when `$PAGER` is unset or empty.
pub const DEFAULT_PAGER: &str = "less -FRX";

/// Where the shell's results go.
#[derive(Debug, Clone)]
pub struct Pager {
    /// Whether long output is paged (`.pager on|off`).
    pub enabled: bool,
}

impl Default for Pager {
    fn default() -> Pager {
        Pager { enabled: true }
    }
}

impl Pager {
    /// Shows `text`: through the pager when it is longer than the terminal, otherwise printed.
    pub fn show(&self, text: &str) -> io::Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        let out = io::stdout();
        if self.enabled && out.is_terminal() {
            if let Some((w, h)) = terminal_size::terminal_size() {
                if screen_lines(text, usize::from(w.0)) >= usize::from(h.0) && run_pager(text) {
                    return Ok(());
                }
            }
        }
        let mut out = out.lock();
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
        out.flush()
    }
}

/// The pager command line: `$PAGER` or [`DEFAULT_PAGER`].
pub fn command_line() -> String {
    match std::env::var("PAGER") {
        Ok(p) if !p.trim().is_empty() => p,
        _ => DEFAULT_PAGER.to_string(),
    }
}

/// Pipes `text` through the pager; false when the pager could not be started.
fn run_pager(text: &str) -> bool {
    let cmd = command_line();
    let child = Command::new("sh")
        .arg("-c")
        .arg(&cmd)
        .stdin(Stdio::piped())
        .env(
            "LESSCHARSET",
            std::env::var("LESSCHARSET").unwrap_or_else(|_| "utf-8".into()),
        )
        .spawn();
    let Ok(mut child) = child else { return false };
    if let Some(mut stdin) = child.stdin.take() {
        // The reader may quit early (q in less): a broken pipe is not an error.
        let _ = stdin.write_all(text.as_bytes());
    }
    let _ = child.wait();
    true
}

/// How many terminal lines `text` takes on a screen `width` columns wide (long lines wrap).
pub fn screen_lines(text: &str, width: usize) -> usize {
    let width = width.max(1);
    text.lines()
        .map(|l| display_width(l).div_ceil(width).max(1))
        .sum()
}

/// Display width of a line: characters, not counting ANSI escape sequences.
fn display_width(line: &str) -> usize {
    let mut n = 0;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // Skip a CSI sequence up to its final byte.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_wrapped_lines() {
        assert_eq!(screen_lines("a\nb\n", 80), 2);
        assert_eq!(screen_lines(&"x".repeat(100), 40), 3);
        assert_eq!(screen_lines("\n\n", 80), 2);
        assert_eq!(screen_lines("\x1b[1mbold\x1b[0m", 4), 1);
    }
}
