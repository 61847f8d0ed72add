//! Writing messages to standard error (and lines to standard output) without ever panicking:
//! `eprintln!` and `println!` panic when the stream is closed or full (`netpry ... 2>&1 | true`),
//! so every message of the program goes through [`err`] or [`out`], which write to the locked
//! handle and report, rather than panic on, a failure.

use std::borrow::Cow;
use std::fmt;
use std::io::Write;

/// Writes one line (`args` and a newline) to standard error. A closed or full standard error
/// loses the message: there is nowhere left to report that to.
pub fn err(args: fmt::Arguments<'_>) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_fmt(args).and_then(|()| e.write_all(b"\n"));
}

/// Writes `text` to standard error as it is (no newline added); failures are ignored as in
/// [`err`].
pub fn err_text(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Writes one line (`args` and a newline) to standard output and flushes it; the error, e.g. a
/// closed pipe, is the caller's to handle.
pub fn out(args: fmt::Arguments<'_>) -> std::io::Result<()> {
    let mut o = std::io::stdout().lock();
    o.write_fmt(args)?;
    o.write_all(b"\n")?;
    o.flush()
}

/// `text` with every control character (but newline and tab, which lay out multi-line
/// messages) and bidirectional override shown as `\xNN`, as [`crate::model::escape_str`] shows
/// them; backslashes are left alone, since values quoted inside a message are already escaped.
/// The last line of defence for messages that may quote hostile text.
pub fn visible(text: &str) -> Cow<'_, str> {
    let plain = |c: char| {
        matches!(c, '\\' | '\n' | '\t')
            || matches!(
                crate::model::escape_str(c.encode_utf8(&mut [0; 4])),
                Cow::Borrowed(_)
            )
    };
    if text.chars().all(plain) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if plain(c) {
            out.push(c);
        } else {
            out.push_str(&crate::model::escape_str(c.encode_utf8(&mut [0; 4])));
        }
    }
    Cow::Owned(out)
}

/// `eprintln!` that never panics: formats its arguments as one line on standard error through
/// [`err`].
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::console::err(format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn visible_escapes_controls_but_keeps_layout_and_backslashes() {
        assert_eq!(super::visible("a\tb\nc \\x41"), "a\tb\nc \\x41");
        assert_eq!(
            super::visible("bad\x1b[2J\0\u{202e}"),
            "bad\\x1b[2J\\x00\\xe2\\x80\\xae"
        );
    }
}
