//! The fast snapshot reader: one streaming pass over the document, straight into column
//! stores, for the documents netpry writes (and any well-formed one like them).
//!
//! It reads from a buffer refilled from the file (or the decompressor) as it goes, so memory
//! is the tables themselves plus one buffer, whatever the file's size, and it turns each cell
//! into its column's store directly from the bytes (integers without a JSON number, IPv4
//! addresses without a string, each distinct text of a column looked up once). It is strict
//! and says nothing about problems: anything it does not expect (a JSON error, a value of the
//! wrong type, rows before columns, a repeated key, an unknown version, a size over the input
//! bound) makes it give up, and the caller reads the document again with the full reader of
//! [`super::read`], which describes the problem or handles the unusual layout. A document
//! either reader accepts gives the same snapshot.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value as Json;

use super::{FORMAT, Snapshot, SnapshotInfo, VERSION};
use crate::model::store::Ints;
use crate::model::{Column, ColumnData, Store, Table, Type, Value};

/// Bytes read at a time.
const BUF: usize = 1 << 20;
/// Nesting skipped inside unknown keys before giving up (serde_json stops at 128).
const MAX_DEPTH: usize = 100;

/// Why the fast reader stopped: the caller falls back to the full reader.
#[derive(Debug)]
pub(super) struct GiveUp;

type R<T> = Result<T, GiveUp>;

/// Reads the snapshot file at `path` (gzip or not); `None` when the full reader must do it
/// (not a regular file, over the bound, or anything the fast reader gives up on).
pub(super) fn load(path: &Path) -> Option<Snapshot> {
    use std::os::unix::fs::OpenOptionsExt;
    if path.as_os_str() == "-" {
        return None;
    }
    let limit = crate::input::limit(crate::input::Kind::Snapshot).ok()?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > limit {
        return None;
    }
    let mut src = Src::new(Box::new(file), limit);
    if src.starts_with(&[0x1f, 0x8b]).ok()? {
        // Start again on a decompressor of the same bytes (what was read is handed back).
        let head = src.buf[src.pos..src.end].to_vec();
        let rest = src.reader;
        let raw = std::io::Cursor::new(head).chain(rest);
        let gz = flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(BUF, raw));
        src = Src::new(Box::new(gz), limit);
    }
    parse_src(&mut src, None).ok()
}

/// Parses a document held in memory; `None` when the full reader must do it.
pub(super) fn parse(text: &[u8], only: Option<&str>) -> Option<Snapshot> {
    let mut src = Src::new(Box::new(text), u64::MAX);
    parse_src(&mut src, only).ok()
}

/// A refillable window on the input.
struct Src<'a> {
    reader: Box<dyn Read + 'a>,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    read: u64,
    limit: u64,
}

impl<'a> Src<'a> {
    fn new(reader: Box<dyn Read + 'a>, limit: u64) -> Src<'a> {
        Src {
            reader,
            buf: vec![0; BUF],
            pos: 0,
            end: 0,
            eof: false,
            read: 0,
            limit,
        }
    }

    /// Moves the bytes from `keep` (at most the read position) to the front and reads more
    /// after them (positions from `keep` on move down by `keep`); gives up on an I/O error or
    /// when the input grows past its bound. Must not be called at the end of input.
    fn refill(&mut self, keep: usize) -> R<()> {
        debug_assert!(!self.eof && keep <= self.pos);
        self.buf.copy_within(keep..self.end, 0);
        self.end -= keep;
        self.pos -= keep;
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    self.end += n;
                    self.read += n as u64;
                    if self.read > self.limit {
                        return Err(GiveUp);
                    }
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(GiveUp),
            }
        }
        Ok(())
    }

    /// Whether the input starts with `magic` (read first; nothing is consumed).
    fn starts_with(&mut self, magic: &[u8]) -> R<bool> {
        while self.end - self.pos < magic.len() && !self.eof {
            self.refill(self.pos)?;
        }
        Ok(self.buf[self.pos..self.end].starts_with(magic))
    }

    /// The next byte that is not white space, not consumed (`None` at the end).
    #[inline]
    fn peek(&mut self) -> R<Option<u8>> {
        loop {
            while self.pos < self.end {
                match self.buf[self.pos] {
                    b' ' | b'\n' | b'\r' | b'\t' => self.pos += 1,
                    b => return Ok(Some(b)),
                }
            }
            if self.eof {
                return Ok(None);
            }
            self.refill(self.pos)?;
        }
    }

    /// Consumes the next non-space byte, which must be `b`.
    #[inline]
    fn expect(&mut self, b: u8) -> R<()> {
        if self.peek()? == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    /// After a value in a list: `true` when another follows (a comma, consumed), `false` at
    /// `close` (consumed).
    #[inline]
    fn more(&mut self, close: u8) -> R<bool> {
        match self.peek()? {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(false)
            }
            _ => Err(GiveUp),
        }
    }

    /// Opens a list (`[` or `{`, given as `open`); `true` when it is not empty.
    fn open(&mut self, open: u8, close: u8) -> R<bool> {
        self.expect(open)?;
        if self.peek()? == Some(close) {
            self.pos += 1;
            return Ok(false);
        }
        Ok(true)
    }

    /// A string (the opening quote next), as the range of its raw bytes in `buf` and whether
    /// it has escapes; valid until the next read.
    fn raw_string(&mut self) -> R<(usize, usize, bool)> {
        self.expect(b'"')?;
        let mut start = self.pos;
        let mut i = start;
        let mut escaped = false;
        loop {
            while i < self.end {
                match self.buf[i] {
                    b'"' => {
                        self.pos = i + 1;
                        return Ok((start, i, escaped));
                    }
                    b'\\' => {
                        escaped = true;
                        // Skip the escaped byte (a quote or backslash must not end the scan).
                        i += 2;
                    }
                    0..=0x1f => return Err(GiveUp),
                    _ => i += 1,
                }
            }
            if self.eof {
                return Err(GiveUp);
            }
            // Keep the string so far (`i` may be one past the end after an escape).
            let rel = i - start;
            self.refill(start)?;
            start = 0;
            i = rel;
        }
    }

    /// A string's text.
    fn string(&mut self) -> R<String> {
        let (a, b, escaped) = self.raw_string()?;
        let raw = &self.buf[a..b];
        if escaped {
            unescape(raw)
        } else {
            std::str::from_utf8(raw)
                .map(str::to_string)
                .map_err(|_| GiveUp)
        }
    }

    /// A number token (its bytes are checked against JSON's grammar), as a range in `buf`.
    fn number(&mut self) -> R<(usize, usize)> {
        self.peek()?;
        let mut start = self.pos;
        let mut i = start;
        loop {
            while i < self.end
                && matches!(self.buf[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
            {
                i += 1;
            }
            if i < self.end || self.eof {
                break;
            }
            let rel = i - start;
            self.refill(start)?;
            start = 0;
            i = rel;
        }
        if !json_number(&self.buf[start..i]) {
            return Err(GiveUp);
        }
        self.pos = i;
        Ok((start, i))
    }

    /// A plain integer that fits in 18 digits, read in one step when the whole token is in
    /// the buffer (the next non-space byte starts it); `None` leaves everything to
    /// [`Src::number`].
    #[inline]
    fn int_fast(&mut self) -> Option<i64> {
        let t = &self.buf[self.pos..self.end];
        let neg = t.first() == Some(&b'-');
        let mut i = usize::from(neg);
        let start = i;
        let mut n: i64 = 0;
        while let Some(&d) = t.get(i) {
            if !d.is_ascii_digit() {
                break;
            }
            n = n * 10 + i64::from(d - b'0');
            i += 1;
            if i - start > 18 {
                return None;
            }
        }
        let digits = i - start;
        // The token must end inside the buffer, at something that is not part of a number.
        let next = *t.get(i)?;
        if digits == 0
            || (digits > 1 && t[start] == b'0')
            || matches!(next, b'.' | b'e' | b'E' | b'+' | b'-')
            || (neg && n == 0)
        {
            return None;
        }
        self.pos += i;
        Some(if neg { -n } else { n })
    }

    /// `true`, `false` or `null` (the first byte is next).
    fn literal(&mut self) -> R<Lit> {
        self.peek()?;
        while self.end - self.pos < 5 && !self.eof {
            self.refill(self.pos)?;
        }
        let rest = &self.buf[self.pos..self.end];
        let (lit, n) = if rest.starts_with(b"null") {
            (Lit::Null, 4)
        } else if rest.starts_with(b"true") {
            (Lit::Bool(true), 4)
        } else if rest.starts_with(b"false") {
            (Lit::Bool(false), 5)
        } else {
            return Err(GiveUp);
        };
        // A literal ends at a delimiter (`nullx` is not JSON).
        if rest
            .get(n)
            .is_some_and(|b| !matches!(b, b',' | b']' | b'}' | b' ' | b'\n' | b'\r' | b'\t'))
        {
            return Err(GiveUp);
        }
        self.pos += n;
        Ok(lit)
    }

    /// Skips any value, checking it is JSON.
    fn skip(&mut self, depth: usize) -> R<()> {
        if depth > MAX_DEPTH {
            return Err(GiveUp);
        }
        match self.peek()?.ok_or(GiveUp)? {
            b'"' => {
                let (a, b, escaped) = self.raw_string()?;
                check_string(&self.buf[a..b], escaped)
            }
            b'[' => {
                if self.open(b'[', b']')? {
                    loop {
                        self.skip(depth + 1)?;
                        if !self.more(b']')? {
                            break;
                        }
                    }
                }
                Ok(())
            }
            b'{' => {
                if self.open(b'{', b'}')? {
                    loop {
                        let (a, b, escaped) = self.raw_string()?;
                        check_string(&self.buf[a..b], escaped)?;
                        self.expect(b':')?;
                        self.skip(depth + 1)?;
                        if !self.more(b'}')? {
                            break;
                        }
                    }
                }
                Ok(())
            }
            b'-' | b'0'..=b'9' => {
                let (a, b) = self.number()?;
                // Out-of-range floats are errors for serde_json.
                number(&self.buf[a..b]).map(|_| ())
            }
            _ => self.literal().map(|_| ()),
        }
    }
}

enum Lit {
    Null,
    Bool(bool),
}

/// A JSON number's value: an integer when it is one that fits, else a finite float.
enum Num {
    Int(i64),
    Float(f64),
}

/// Whether `t` follows JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn json_number(t: &[u8]) -> bool {
    let mut i = usize::from(t.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < t.len() && t[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > s
    };
    let int_start = i;
    if !digits(&mut i) || (t[int_start] == b'0' && i - int_start > 1) {
        return false;
    }
    if t.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == t.len()
}

/// The value of a number token checked by [`json_number`], as serde_json reads it: an integer
/// when it has no fraction or exponent and fits `i64` (not `-0`, which serde_json reads as a
/// float), else a finite float. Integers above `i64::MAX` are left to the full reader.
fn number(t: &[u8]) -> R<Num> {
    if !t.iter().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        let (neg, digits) = match t.split_first() {
            Some((b'-', d)) => (true, d),
            _ => (false, t),
        };
        let mut n: u64 = 0;
        for &d in digits {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
                .ok_or(GiveUp)?;
        }
        return if neg {
            match n {
                0 => Err(GiveUp),
                n if n <= 1 << 63 => Ok(Num::Int((n as i64).wrapping_neg())),
                _ => Err(GiveUp),
            }
        } else {
            i64::try_from(n).map(Num::Int).map_err(|_| GiveUp)
        };
    }
    let s = std::str::from_utf8(t).map_err(|_| GiveUp)?;
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(Num::Float(f)),
        _ => Err(GiveUp),
    }
}

/// Checks a raw string's bytes (UTF-8, escapes) without keeping its text.
fn check_string(raw: &[u8], escaped: bool) -> R<()> {
    if escaped {
        unescape(raw).map(|_| ())
    } else {
        std::str::from_utf8(raw).map(|_| ()).map_err(|_| GiveUp)
    }
}

/// The text of a string's raw bytes with escapes (JSON's, surrogate pairs joined; a lone
/// surrogate gives up, as serde_json refuses it).
fn unescape(raw: &[u8]) -> R<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    let hex4 = |i: usize| -> R<u32> {
        let h = raw.get(i..i + 4).ok_or(GiveUp)?;
        let s = std::str::from_utf8(h).map_err(|_| GiveUp)?;
        if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(GiveUp);
        }
        u32::from_str_radix(s, 16).map_err(|_| GiveUp)
    };
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let e = *raw.get(i + 1).ok_or(GiveUp)?;
        i += 2;
        let c = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = hex4(i)?;
                i += 4;
                let code = if (0xD800..0xDC00).contains(&hi) {
                    if raw.get(i..i + 2) != Some(b"\\u") {
                        return Err(GiveUp);
                    }
                    let lo = hex4(i + 2)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err(GiveUp);
                    }
                    i += 6;
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                char::from_u32(code).ok_or(GiveUp)?
            }
            _ => return Err(GiveUp),
        };
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }
    String::from_utf8(out).map_err(|_| GiveUp)
}

/// The whole document.
fn parse_src(src: &mut Src, only: Option<&str>) -> R<Snapshot> {
    let mut seen = HashSet::new();
    let mut format_ok = false;
    let mut version_ok = false;
    let mut info = SnapshotInfo {
        host: String::new(),
        kernel: String::new(),
        time: String::new(),
    };
    let mut tables = None;
    let mut errors = BTreeMap::new();
    if src.open(b'{', b'}')? {
        loop {
            let key = src.string()?;
            src.expect(b':')?;
            if !seen.insert(key.clone()) {
                return Err(GiveUp);
            }
            match key.as_str() {
                "format" => {
                    format_ok = src.string()? == FORMAT;
                    if !format_ok {
                        return Err(GiveUp);
                    }
                }
                "version" => {
                    let (a, b) = src.number()?;
                    version_ok = matches!(number(&src.buf[a..b])?, Num::Int(v) if v as u64 == VERSION && v >= 0);
                    if !version_ok {
                        return Err(GiveUp);
                    }
                }
                "host" => info.host = src.string()?,
                "kernel" => info.kernel = src.string()?,
                "time" => info.time = src.string()?,
                "tables" => {
                    // A version from the future is refused before its tables are read.
                    if !seen.contains("format") || !seen.contains("version") {
                        return Err(GiveUp);
                    }
                    tables = Some(parse_tables(src, only)?);
                }
                "errors" => {
                    if src.open(b'{', b'}')? {
                        loop {
                            let k = src.string()?;
                            src.expect(b':')?;
                            let v = src.string()?;
                            if errors.insert(k, v).is_some() {
                                return Err(GiveUp);
                            }
                            if !src.more(b'}')? {
                                break;
                            }
                        }
                    }
                }
                _ => src.skip(1)?,
            }
            if !src.more(b'}')? {
                break;
            }
        }
    }
    if src.peek()?.is_some() || !format_ok || !version_ok {
        return Err(GiveUp);
    }
    Ok(Snapshot {
        info,
        tables: tables.ok_or(GiveUp)?,
        errors,
    })
}

/// The `tables` object.
fn parse_tables(src: &mut Src, only: Option<&str>) -> R<BTreeMap<String, Arc<Table>>> {
    let mut out = BTreeMap::new();
    let mut seen = HashSet::new();
    if src.open(b'{', b'}')? {
        loop {
            let name = src.string()?;
            src.expect(b':')?;
            if !seen.insert(name.clone()) {
                return Err(GiveUp);
            }
            if only.is_some_and(|o| o != name) {
                src.skip(1)?;
            } else {
                let t = parse_table(src, &name)?;
                out.insert(name, Arc::new(t));
            }
            if !src.more(b'}')? {
                break;
            }
        }
    }
    Ok(out)
}

/// One table: `{"columns":[..],"rows":[..]}` (other keys skipped; columns first).
fn parse_table(src: &mut Src, name: &str) -> R<Table> {
    let mut columns: Option<Vec<Column>> = None;
    let mut table = None;
    if src.open(b'{', b'}')? {
        loop {
            let key = src.string()?;
            src.expect(b':')?;
            match key.as_str() {
                "columns" if columns.is_none() => {
                    let mut cols = Vec::new();
                    if src.open(b'[', b']')? {
                        loop {
                            cols.push(column_entry(src)?);
                            if !src.more(b']')? {
                                break;
                            }
                        }
                    }
                    columns = Some(super::read::parse_columns(name, &cols).map_err(|_| GiveUp)?);
                }
                "rows" if table.is_none() => {
                    let cols = columns.as_ref().ok_or(GiveUp)?;
                    table = Some(parse_rows(src, name, cols)?);
                }
                "columns" | "rows" => return Err(GiveUp),
                _ => src.skip(1)?,
            }
            if !src.more(b'}')? {
                break;
            }
        }
    }
    table.ok_or(GiveUp)
}

/// A `columns` entry: an object of exactly `name` and `type`, both strings.
fn column_entry(src: &mut Src) -> R<Json> {
    let mut o = serde_json::Map::new();
    if src.open(b'{', b'}')? {
        loop {
            let k = src.string()?;
            src.expect(b':')?;
            let v = src.string()?;
            if !matches!(k.as_str(), "name" | "type") || o.insert(k, Json::String(v)).is_some() {
                return Err(GiveUp);
            }
            if !src.more(b'}')? {
                break;
            }
        }
    }
    Ok(Json::Object(o))
}

/// One column's values as they are read.
struct Col {
    ty: Type,
    /// Every column but `str`.
    store: Store,
    /// A `str` column: codes into `texts`, its distinct texts (by their bytes in `index`).
    codes: Ints,
    texts: Vec<Value>,
    index: HashMap<Box<[u8]>, u32>,
    /// The code of the text read last (consecutive cells often repeat one: states, names).
    last: u32,
}

impl Col {
    fn new(ty: Type) -> Col {
        Col {
            ty,
            store: Store::default(),
            codes: Ints::default(),
            texts: Vec::new(),
            index: HashMap::new(),
            last: 0,
        }
    }

    /// Appends a text cell of a `str` column (its raw bytes, with escapes or not).
    #[inline]
    fn push_text(&mut self, raw: &[u8], escaped: bool) -> R<()> {
        if !escaped && self.last != 0 {
            let held = &self.texts[self.last as usize - 1];
            if held.as_str().is_some_and(|t| t.as_bytes() == raw) {
                self.codes.push(i64::from(self.last));
                return Ok(());
            }
        }
        let owned;
        let text: &[u8] = if escaped {
            owned = unescape(raw)?;
            owned.as_bytes()
        } else {
            std::str::from_utf8(raw).map_err(|_| GiveUp)?;
            raw
        };
        let code = match self.index.get(text) {
            Some(&c) => c,
            None => {
                // `text` is UTF-8 (checked or unescaped above).
                let s = std::str::from_utf8(text).map_err(|_| GiveUp)?;
                self.texts.push(Value::str(s));
                let c = u32::try_from(self.texts.len()).map_err(|_| GiveUp)?;
                self.index.insert(text.into(), c);
                c
            }
        };
        self.last = code;
        self.codes.push(i64::from(code));
        Ok(())
    }

    /// Appends a null.
    #[inline]
    fn push_null(&mut self) {
        if self.ty == Type::Str {
            self.codes.push(0);
        } else {
            self.store.push(Value::Null);
        }
    }

    /// The finished store.
    fn finish(self) -> Store {
        let mut s = if self.ty == Type::Str {
            Store::from_texts(self.texts, self.codes)
        } else {
            self.store
        };
        s.shrink();
        s
    }
}

/// The `rows` array, cell by cell into the column stores.
fn parse_rows(src: &mut Src, name: &str, columns: &[Column]) -> R<Table> {
    let mut cols: Vec<Col> = columns.iter().map(|c| Col::new(c.ty)).collect();
    let mut len = 0usize;
    if src.open(b'[', b']')? {
        loop {
            src.expect(b'[')?;
            for (k, col) in cols.iter_mut().enumerate() {
                if k > 0 {
                    src.expect(b',')?;
                }
                cell(src, col)?;
            }
            src.expect(b']')?;
            len += 1;
            if !src.more(b']')? {
                break;
            }
        }
    }
    let data = cols
        .into_iter()
        .map(|c| Arc::new(ColumnData::ready(c.finish())))
        .collect();
    Ok(Table::from_columns(
        name.to_string(),
        columns.to_vec(),
        data,
        len,
    ))
}

/// Appends one cell to its column, read as its column's type reads it ([`super::read`]).
#[inline]
fn cell(src: &mut Src, col: &mut Col) -> R<()> {
    let b = src.peek()?.ok_or(GiveUp)?;
    match (b, col.ty) {
        (b'"', Type::Str) => {
            let (a, e, escaped) = src.raw_string()?;
            col.push_text(&src.buf[a..e], escaped)
        }
        (b'"', Type::Any) => {
            let (a, e, escaped) = src.raw_string()?;
            let raw = &src.buf[a..e];
            let s = if escaped {
                unescape(raw)?
            } else {
                std::str::from_utf8(raw).map_err(|_| GiveUp)?.to_string()
            };
            col.store.push(Value::str(s));
            Ok(())
        }
        (b'"', Type::Ip) => {
            let (a, e, escaped) = src.raw_string()?;
            if escaped {
                return Err(GiveUp);
            }
            match ip(&src.buf[a..e])? {
                IpAddr::V4(v4) => col.store.push_ip4(u32::from(v4)),
                v6 => col.store.push(Value::Ip(v6)),
            }
            Ok(())
        }
        (b'-' | b'0'..=b'9', Type::Int | Type::Float | Type::Any) => {
            let n = match src.int_fast() {
                Some(n) => Num::Int(n),
                None => {
                    let (a, e) = src.number()?;
                    number(&src.buf[a..e])?
                }
            };
            match (n, col.ty) {
                (Num::Int(n), Type::Float) => col.store.push_float(n as f64),
                (Num::Int(n), _) => col.store.push_int(n),
                (Num::Float(f), Type::Float | Type::Any) => col.store.push_float(f),
                (Num::Float(_), _) => return Err(GiveUp),
            }
            Ok(())
        }
        (b'n' | b't' | b'f', _) => match (src.literal()?, col.ty) {
            (Lit::Null, _) => {
                col.push_null();
                Ok(())
            }
            (Lit::Bool(x), Type::Bool | Type::Any) => {
                col.store.push(Value::Bool(x));
                Ok(())
            }
            _ => Err(GiveUp),
        },
        _ => Err(GiveUp),
    }
}

/// An address, IPv4 dotted decimal read directly, anything else by the standard parser.
#[inline]
fn ip(raw: &[u8]) -> R<IpAddr> {
    let mut octets = [0u8; 4];
    let mut k = 0;
    let mut n: u32 = 0;
    let mut digits = 0;
    let mut plain = true;
    for &b in raw {
        match b {
            b'0'..=b'9' if digits < 3 => {
                // No leading zeros (the standard parser refuses them).
                if digits == 1 && n == 0 {
                    plain = false;
                    break;
                }
                n = n * 10 + u32::from(b - b'0');
                digits += 1;
            }
            b'.' if digits > 0 && k < 3 && n <= 255 => {
                octets[k] = n as u8;
                k += 1;
                n = 0;
                digits = 0;
            }
            _ => {
                plain = false;
                break;
            }
        }
    }
    if plain && k == 3 && digits > 0 && n <= 255 {
        octets[3] = n as u8;
        return Ok(IpAddr::V4(Ipv4Addr::from(octets)));
    }
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(GiveUp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_json_and_serde() {
        for ok in ["0", "-1", "10", "1.5", "-0.0", "1e5", "1E+5", "2.5e-3"] {
            assert!(json_number(ok.as_bytes()), "{ok}");
        }
        for bad in ["01", "-", "1.", ".5", "1e", "+1", "1-2", "--1", ""] {
            assert!(!json_number(bad.as_bytes()), "{bad}");
        }
        assert!(matches!(
            number(b"-9223372036854775808"),
            Ok(Num::Int(i64::MIN))
        ));
        assert!(number(b"9223372036854775808").is_err());
        assert!(number(b"-0").is_err());
        assert!(matches!(number(b"1e2"), Ok(Num::Float(f)) if f == 100.0));
        assert!(number(b"1e400").is_err());
    }

    #[test]
    fn strings_unescape_like_json() {
        assert_eq!(
            unescape(br#"a\"b\\c\/\n\u00e9\ud83d\ude00"#).unwrap(),
            "a\"b\\c/\né😀"
        );
        assert!(unescape(br"\ud83d").is_err());
        assert!(unescape(br"\x").is_err());
    }

    #[test]
    fn addresses_read_fast_or_by_the_standard_parser() {
        let ok = |s: &str| ip(s.as_bytes()).unwrap();
        assert_eq!(ok("10.0.255.1"), "10.0.255.1".parse::<IpAddr>().unwrap());
        assert_eq!(
            ok("::ffff:1.2.3.4"),
            "::ffff:1.2.3.4".parse::<IpAddr>().unwrap()
        );
        for bad in [
            "01.2.3.4",
            "1.2.3",
            "256.1.1.1",
            "1.2.3.4.5",
            "1..2.3",
            "",
            "x",
        ] {
            assert!(ip(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    /// The full reader's result for `doc`, and the fast one's (when it does not give up).
    fn both(doc: &[u8]) -> (Result<Snapshot, String>, Option<Snapshot>) {
        (super::super::read::parse(doc), parse(doc, None))
    }

    #[test]
    fn a_document_either_reader_accepts_reads_the_same() {
        let docs: [&[u8]; 6] = [
            br#"{"format":"netpry-snapshot","version":1,"host":"h","kernel":"k","time":"T","tables":{"t":{"columns":[{"name":"s","type":"str"},{"name":"n","type":"int"},{"name":"a","type":"ip"},{"type":"float","name":"f"},{"name":"b","type":"bool"},{"name":"x","type":"any"}],"rows":[["a\u00e9",1,"10.0.0.1",1,true,1.5],[null,-7,"::1",2.5e3,null,"y"],["a\u00e9",null,null,null,false,false]]},"e":{"columns":[],"rows":[[],[]]}},"errors":{"u":"why"}}"#,
            br#" { "version" : 1 , "format" : "netpry-snapshot" , "tables" : { } , "extra" : [ 1 , { "x" : [ ] } , null , "s\"" ] } "#,
            br#"{"format":"netpry-snapshot","version":1,"tables":{"t":{"columns":[{"name":"n","type":"int"}],"rows":[["x"]]}}}"#,
            br#"{"format":"netpry-snapshot","version":1,"tables":{"t":{"rows":[[1]],"columns":[{"name":"n","type":"int"}]}}}"#,
            br#"{"format":"netpry-snapshot","version":2,"tables":{}}"#,
            br#"{"format":"netpry-snapshot","version":1,"tables":{"t":{"columns":[{"name":"n","type":"int"}],"rows":[[1],[2]]}}} x"#,
        ];
        for doc in docs {
            let (full, fast) = both(doc);
            if let Some(fast) = fast {
                let full = full.expect("the full reader accepts what the fast one does");
                assert_eq!(fast.info, full.info);
                assert_eq!(fast.errors, full.errors);
                assert_eq!(fast.tables, full.tables);
            }
        }
        assert!(both(docs[0]).1.is_some() && both(docs[1]).1.is_some());
        // The type error, rows before columns, the future version, the trailing bytes.
        for doc in &docs[2..] {
            assert!(both(doc).1.is_none());
        }
    }

    #[test]
    fn a_long_document_is_read_across_refills() {
        let mut doc = String::from(
            r#"{"format":"netpry-snapshot","version":1,"tables":{"t":{"columns":[{"name":"s","type":"str"},{"name":"a","type":"ip"},{"name":"n","type":"int"}],"rows":["#,
        );
        for i in 0..60_000 {
            if i > 0 {
                doc.push(',');
            }
            doc.push_str(&format!(
                r#"["name \"{}\" {}","10.{}.{}.1",{}]"#,
                i % 50,
                "x".repeat(i % 40),
                i % 256,
                i / 256 % 256,
                i * 1000
            ));
        }
        doc.push_str("]}}}");
        assert!(doc.len() > 2 * BUF);
        let fast = parse(doc.as_bytes(), None).expect("fast reader");
        let full = super::super::read::parse(doc.as_bytes()).unwrap();
        assert_eq!(fast.tables, full.tables);
        assert_eq!(fast.tables["t"].len(), 60_000);
    }
}
