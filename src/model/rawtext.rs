//! Raw text: bytes from the system carried losslessly inside a Rust `String`.
//!
//! Interface names, socket paths, process names and the lines of /proc files are bytes that
//! are usually, but not always, UTF-8. The parsers and formatters that handle them work on
//! `str`, so a byte that is not part of valid UTF-8 is carried as one character of a reserved
//! range of the supplementary private use area (U+10FF80 + byte − 0x80 … U+10FFFF); the rare
//! valid character that already lies in that range is carried byte by byte the same way, so
//! the mapping is injective and [`decode`] gives back exactly the original bytes.
//!
//! [`encode_bytewise`] carries every byte at or above 0x80 as its own character, so widths and
//! cuts counted in characters are counted in bytes, as net-tools counts them; netstat's output
//! goes through [`RawWriter`], which turns the reserved characters back into the bytes.

use std::borrow::Cow;
use std::io::{self, Write};

/// First character of the reserved range: stands for byte 0x80.
const BASE: u32 = 0x10_FF00;

/// The UTF-8 lead byte of every character in the reserved range.
const LEAD: u8 = 0xf4;

fn is_reserved(c: char) -> bool {
    (BASE + 0x80..=BASE + 0xff).contains(&(c as u32))
}

fn byte_char(b: u8) -> char {
    // BASE + 0x80..=BASE + 0xff are all valid scalar values.
    char::from_u32(BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// Carries `bytes` in a `String` (borrowed when they are UTF-8 without reserved characters).
pub fn encode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) if !s.as_bytes().contains(&LEAD) || !s.chars().any(is_reserved) => Cow::Borrowed(s),
        _ => Cow::Owned(encode_slow(bytes)),
    }
}

/// Owned [`encode`], for a `Vec<u8>` read from a file.
pub fn encode_owned(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) if !s.as_bytes().contains(&LEAD) || !s.chars().any(is_reserved) => s,
        Ok(s) => encode_slow(s.as_bytes()),
        Err(e) => encode_slow(e.as_bytes()),
    }
}

fn encode_slow(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    loop {
        let (good, bad, rest) = match std::str::from_utf8(bytes) {
            Ok(s) => (s, &[][..], &[][..]),
            Err(e) => {
                let (good, tail) = bytes.split_at(e.valid_up_to());
                let n = e.error_len().unwrap_or(tail.len());
                // Valid by construction: the prefix up to `valid_up_to`.
                (
                    std::str::from_utf8(good).unwrap_or_default(),
                    &tail[..n],
                    &tail[n..],
                )
            }
        };
        for c in good.chars() {
            if is_reserved(c) {
                let mut buf = [0u8; 4];
                out.extend(c.encode_utf8(&mut buf).bytes().map(byte_char));
            } else {
                out.push(c);
            }
        }
        out.extend(bad.iter().map(|&b| byte_char(b)));
        if rest.is_empty() {
            return out;
        }
        bytes = rest;
    }
}

/// Carries every byte at or above 0x80 as its own reserved character (one character per byte).
pub fn encode_bytewise(bytes: &[u8]) -> Cow<'_, str> {
    if bytes.is_ascii() {
        // ASCII is UTF-8.
        return Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default());
    }
    Cow::Owned(
        bytes
            .iter()
            .map(|&b| if b < 0x80 { b as char } else { byte_char(b) })
            .collect(),
    )
}

/// Whether `s` carries any byte in a reserved character (so it differs from its bytes).
pub fn is_encoded(s: &str) -> bool {
    s.as_bytes().contains(&LEAD) && s.chars().any(is_reserved)
}

/// How many bytes `s` carries: its UTF-8 length, a reserved character counting one.
pub fn raw_len(s: &str) -> usize {
    if !s.as_bytes().contains(&LEAD) {
        return s.len();
    }
    s.chars()
        .map(|c| if is_reserved(c) { 1 } else { c.len_utf8() })
        .sum()
}

/// The longest prefix of `s` that carries at most `n` bytes and does not split a character
/// (C's `%.Ns` on the bytes `s` carries).
pub fn cut_raw(s: &str, n: usize) -> &str {
    let mut used = 0;
    for (at, c) in s.char_indices() {
        used += if is_reserved(c) { 1 } else { c.len_utf8() };
        if used > n {
            return &s[..at];
        }
    }
    s
}

/// The bytes `s` carries: reserved characters become their byte, everything else its UTF-8.
pub fn decode(s: &str) -> Cow<'_, [u8]> {
    if !is_encoded(s) {
        return Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        if is_reserved(c) {
            out.push((c as u32 - BASE) as u8);
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    Cow::Owned(out)
}

/// A writer that passes text through, turning reserved characters back into the bytes they
/// carry (netstat prints names raw, as net-tools does).
pub struct RawWriter<W: Write> {
    inner: W,
    /// The start of a reserved character split across two writes.
    pending: Vec<u8>,
}

impl<W: Write> RawWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        RawWriter {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<W: Write> Write for RawWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() && !buf.contains(&LEAD) {
            return self.inner.write_all(buf).map(|()| buf.len());
        }
        let mut data = std::mem::take(&mut self.pending);
        data.extend_from_slice(buf);
        let mut out = Vec::with_capacity(data.len());
        let mut i = 0;
        while i < data.len() {
            if data[i] == LEAD {
                if data.len() - i < 4 {
                    self.pending = data[i..].to_vec();
                    break;
                }
                if let Ok(s) = std::str::from_utf8(&data[i..i + 4]) {
                    let c = s.chars().next().unwrap_or_default();
                    if is_reserved(c) {
                        out.push((c as u32 - BASE) as u8);
                        i += 4;
                        continue;
                    }
                }
            }
            out.push(data[i]);
            i += 1;
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let p = std::mem::take(&mut self.pending);
            self.inner.write_all(&p)?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for RawWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: [&[u8]; 7] = [
        b"",
        b"eth0",
        b"b\xff\xfe",
        "h\u{e9}llo".as_bytes(),
        "\u{10ff80}\u{10ffff}x".as_bytes(),
        b"\xf4\x8f\xbe",
        b"\x80\xf4\x8f\xbe\x80\xc3",
    ];

    #[test]
    fn encode_then_decode_is_identity() {
        for s in SAMPLES {
            assert_eq!(&*decode(&encode(s)), s, "{s:?}");
            assert_eq!(&*decode(&encode_owned(s.to_vec())), s, "{s:?}");
            assert_eq!(&*decode(&encode_bytewise(s)), s, "{s:?}");
        }
        assert!(matches!(encode(b"eth0"), Cow::Borrowed(_)));
        assert!(matches!(decode("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn lengths_and_cuts_count_carried_bytes() {
        let s = encode(b"b\xff\xfe\xc3\xa9x");
        assert_eq!(raw_len(&s), 6);
        assert_eq!(&*decode(cut_raw(&s, 3)), b"b\xff\xfe");
        assert_eq!(&*decode(cut_raw(&s, 4)), b"b\xff\xfe");
        assert_eq!(&*decode(cut_raw(&s, 5)), b"b\xff\xfe\xc3\xa9");
        assert_eq!(cut_raw("abc", 9), "abc");
    }

    #[test]
    fn bytewise_counts_one_character_per_byte() {
        let s = encode_bytewise("\u{e9}t\u{e9}".as_bytes());
        assert_eq!(s.chars().count(), 5);
        assert_eq!(encode(b"b\xff\xfe").split_whitespace().count(), 1);
    }

    #[test]
    fn raw_writer_restores_bytes_even_across_writes() {
        for s in SAMPLES {
            let text = format!("[{:<12}]", encode_bytewise(s));
            let mut out = Vec::new();
            {
                let mut w = RawWriter::new(&mut out);
                for chunk in text.as_bytes().chunks(3) {
                    w.write_all(chunk).unwrap();
                }
            }
            let mut want = b"[".to_vec();
            want.extend_from_slice(s);
            want.resize(13.max(s.len() + 1), b' ');
            want.push(b']');
            assert_eq!(out, want, "{s:?}");
        }
    }
}
