//! Showing untrusted text: names from the system and values from snapshot files are bytes that
//! any local user (or another host) chose, so everything netpry shows for people escapes them.
//!
//! The escape is visible and reversible: printable UTF-8 is kept as it is; the backslash becomes
//! `\\`; every byte of a control character (C0, DEL, C1), of a bidirectional override and every
//! byte that is not part of valid UTF-8 becomes `\xNN` (two lowercase hex digits). So
//! `b"b\xff\xfe"` shows as `b\xff\xfe`, an ESC as `\x1b`, and [`unescape`] gives the bytes back.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Escapes `bytes` for display (see the module documentation).
pub fn escape_bytes(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => escape_str(s),
        Err(_) => Cow::Owned(escape_lossless(bytes)),
    }
}

/// Escapes valid UTF-8 text for display; borrowed when nothing needs escaping (the common case).
pub fn escape_str(s: &str) -> Cow<'_, str> {
    if s.chars().all(|c| !needs_escape(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped_str(&mut out, s);
    Cow::Owned(out)
}

/// Escapes `bytes` and cuts the result to at most `max` characters (an ellipsis `...` marks a
/// cut), for error messages that quote a hostile value.
pub fn escape_bounded(bytes: &[u8], max: usize) -> String {
    let escaped = escape_bytes(bytes);
    if escaped.chars().count() <= max {
        return escaped.into_owned();
    }
    let keep = max.saturating_sub(3);
    let mut out = String::with_capacity(keep + 3);
    let mut used = 0;
    let mut chars = escaped.chars();
    // Whole escapes only: a `\\` or `\xNN` is kept entirely or not at all.
    while let Some(c) = chars.next() {
        let unit: String = match c {
            '\\' => {
                let len = if chars.as_str().starts_with('x') {
                    3
                } else {
                    1
                };
                std::iter::once(c).chain(chars.by_ref().take(len)).collect()
            }
            _ => c.to_string(),
        };
        let n = unit.chars().count();
        if used + n > keep {
            break;
        }
        used += n;
        out.push_str(&unit);
    }
    out.push_str("...");
    out
}

/// The bytes an escaped text stands for; `None` when `s` is not a valid escape (a lone
/// backslash or a bad `\x` sequence).
pub fn unescape(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        match b.get(i + 1)? {
            b'\\' => {
                out.push(b'\\');
                i += 2;
            }
            b'x' => {
                let hex = s.get(i + 2..i + 4)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 4;
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Whether `c` is shown escaped: controls (C0, DEL, C1), the backslash, and the bidirectional
/// embeddings, overrides and isolates that can reorder what a terminal shows.
fn needs_escape(c: char) -> bool {
    c == '\\'
        || c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

fn push_escaped_str(out: &mut String, s: &str) {
    for c in s.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if needs_escape(c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "\\x{b:02x}");
            }
        } else {
            out.push(c);
        }
    }
}

fn escape_lossless(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 16);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                push_escaped_str(&mut out, s);
                return out;
            }
            Err(e) => {
                let (good, rest) = bytes.split_at(e.valid_up_to());
                // Valid by construction: the prefix up to `valid_up_to`.
                push_escaped_str(&mut out, std::str::from_utf8(good).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len());
                for b in &rest[..bad] {
                    let _ = write!(out, "\\x{b:02x}");
                }
                bytes = &rest[bad..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(escape_str("eth0 /run/x.sock"), Cow::Borrowed(_)));
        assert_eq!(escape_bytes("héllo wörld".as_bytes()), "héllo wörld");
    }

    #[test]
    fn controls_invalid_bytes_and_backslash_are_visible() {
        assert_eq!(escape_bytes(b"b\xff\xfe"), "b\\xff\\xfe");
        assert_eq!(escape_bytes(b"\x1b[31mred\x07"), "\\x1b[31mred\\x07");
        assert_eq!(escape_bytes(b"a\\xff"), "a\\\\xff");
        assert_eq!(escape_bytes("x\u{9b}y".as_bytes()), "x\\xc2\\x9by");
        assert_eq!(escape_bytes("\u{202e}txt".as_bytes()), "\\xe2\\x80\\xaetxt");
        assert_eq!(escape_bytes(b"tab\there\n"), "tab\\x09here\\x0a");
        assert_eq!(escape_bytes(b"\0"), "\\x00");
    }

    #[test]
    fn escape_round_trips() {
        let samples: [&[u8]; 7] = [
            b"",
            b"plain",
            b"b\xff\xfe",
            b"\\\\x41",
            b"\xe2\x82",
            "é\u{202e}\u{85}".as_bytes(),
            &[0, 1, 2, 0x7f, 0x80, 0xc0, 0xf5, b'\\', b'x'],
        ];
        for s in samples {
            assert_eq!(unescape(&escape_bytes(s)).as_deref(), Some(s), "{s:?}");
        }
        assert_eq!(unescape("\\"), None);
        assert_eq!(unescape("\\xZZ"), None);
        assert_eq!(unescape("\\q"), None);
    }

    #[test]
    fn bounded_quotes_cut_cleanly() {
        assert_eq!(escape_bounded(b"short", 10), "short");
        let long = vec![b'a'; 1000];
        let q = escape_bounded(&long, 20);
        assert_eq!(q.chars().count(), 20);
        assert!(q.ends_with("..."));
        let cut = escape_bounded(b"aaaaaaa\x1b\x1b\x1b", 12);
        assert!(!cut.trim_end_matches("...").ends_with("\\x1"), "{cut}");
        assert!(unescape(cut.trim_end_matches("...")).is_some(), "{cut}");
    }
}
