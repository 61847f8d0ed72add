//! Writing a snapshot document straight from the column stores, without building a JSON tree
//! or a [`Value`] per cell: a large table (a million sockets, or a full Internet routing table)
//! is written row by row into a buffer that is handed to the writer in large chunks. Each
//! column gets an encoder made once per table: numbers are formatted by serde_json's own
//! formatter (so the bytes are those serde would write), IPv4 addresses from their packed
//! form, and each distinct text of a column is escaped once, then copied for every cell that
//! holds it. Keys come in a fixed order, `format` and `version` first, so `head -c 60 FILE`
//! tells what a file is (netpry's reader accepts any order).

use std::io::{self, Write};
use std::net::IpAddr;

use serde::ser::{Serialize, Serializer};
use serde_json::ser::{CompactFormatter, Formatter};

use super::{FORMAT, Snapshot, VERSION};
use crate::model::store::{Ints, Nulls};
use crate::model::{Store, Table, Value};

/// Bytes gathered before they are handed to the writer.
const CHUNK: usize = 256 * 1024;

/// Writes the whole document (compact JSON, no final newline) to `w`.
pub(super) fn write_doc(snap: &Snapshot, w: &mut dyn Write) -> io::Result<()> {
    let mut out = Out {
        w,
        buf: Vec::with_capacity(CHUNK + 4096),
    };
    out.buf.extend_from_slice(b"{\"format\":");
    out.json(&FORMAT)?;
    out.buf.extend_from_slice(b",\"version\":");
    out.json(&VERSION)?;
    out.buf.extend_from_slice(b",\"netpry\":");
    out.json(&env!("CARGO_PKG_VERSION"))?;
    out.buf.extend_from_slice(b",\"host\":");
    out.json(&snap.info.host)?;
    out.buf.extend_from_slice(b",\"kernel\":");
    out.json(&snap.info.kernel)?;
    out.buf.extend_from_slice(b",\"time\":");
    out.json(&snap.info.time)?;
    out.buf.extend_from_slice(b",\"tables\":{");
    for (i, (name, t)) in snap.tables.iter().enumerate() {
        if i > 0 {
            out.buf.push(b',');
        }
        out.json(name)?;
        out.buf.extend_from_slice(b":{\"columns\":");
        out.json(&Columns(t))?;
        out.buf.extend_from_slice(b",\"rows\":[");
        rows(t, &mut out)?;
        out.buf.extend_from_slice(b"]}");
    }
    out.buf.extend_from_slice(b"},\"errors\":");
    out.json(&snap.errors)?;
    out.buf.push(b'}');
    out.flush()
}

/// The output buffer in front of the writer.
struct Out<'w> {
    w: &'w mut dyn Write,
    buf: Vec<u8>,
}

impl Out<'_> {
    /// Appends `v` as serde_json writes it.
    fn json<T: Serialize + ?Sized>(&mut self, v: &T) -> io::Result<()> {
        serde_json::to_writer(&mut self.buf, v).map_err(io::Error::from)?;
        self.spill()
    }

    /// Hands the buffer to the writer once it holds a chunk.
    #[inline]
    fn spill(&mut self) -> io::Result<()> {
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

/// The `columns` array: `[{"name":..,"type":..},..]`.
struct Columns<'a>(&'a Table);

impl Serialize for Columns<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let cols = self.0.columns();
        let mut seq = s.serialize_seq(Some(cols.len()))?;
        for c in cols {
            let mut one = std::collections::BTreeMap::new();
            one.insert("name", c.name.as_ref());
            one.insert("type", c.ty.name());
            seq.serialize_element(&one)?;
        }
        seq.end()
    }
}

/// Rows formatted together: by one worker, before they are handed to the writer.
const BLOCK: usize = 4096;

/// Writes every row of `t`: `[..],[..]` (without the enclosing brackets). A big table's rows
/// are formatted by a worker per core, block by block, and written in order; at most two
/// blocks per worker wait, so memory stays flat however big the table.
fn rows(t: &Table, out: &mut Out) -> io::Result<()> {
    let encs: Vec<Enc> = (0..t.width()).map(|c| Enc::new(t.store(c))).collect();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if workers < 2 || t.len() < 4 * BLOCK {
        for r in 0..t.len() {
            row(&encs, r, &mut out.buf);
            out.spill()?;
        }
        return Ok(());
    }
    let blocks = t.len().div_ceil(BLOCK);
    std::thread::scope(|s| {
        let queues: Vec<_> = (0..workers)
            .map(|w| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
                let encs = &encs;
                s.spawn(move || {
                    for b in (w..blocks).step_by(workers) {
                        let mut buf = Vec::with_capacity(BLOCK * 256);
                        for r in b * BLOCK..((b + 1) * BLOCK).min(t.len()) {
                            row(encs, r, &mut buf);
                        }
                        if tx.send(buf).is_err() {
                            return; // the writer failed and stopped listening
                        }
                    }
                });
                rx
            })
            .collect();
        for b in 0..blocks {
            let Ok(block) = queues[b % workers].recv() else {
                return Err(io::Error::other("a snapshot row formatter stopped"));
            };
            out.buf.extend_from_slice(&block);
            out.spill()?;
        }
        Ok(())
    })
}

/// Appends row `r` (`[..]`, after a comma unless it is the first row).
#[inline]
fn row(encs: &[Enc], r: usize, buf: &mut Vec<u8>) {
    if r > 0 {
        buf.push(b',');
    }
    buf.push(b'[');
    for (c, e) in encs.iter().enumerate() {
        if c > 0 {
            buf.push(b',');
        }
        e.write(r, buf);
    }
    buf.push(b']');
}

/// How one column's cells are written.
enum Enc<'a> {
    Null,
    Int(&'a Ints, &'a Nulls),
    Float(&'a [f64], &'a Nulls),
    Bool(&'a [bool], &'a Nulls),
    Ip4(&'a [u32], &'a Nulls),
    Ip(&'a [IpAddr], &'a Nulls),
    /// The JSON of every distinct text, by code (code `c` is `texts[c - 1]`; 0 is null).
    Text(Vec<Vec<u8>>, &'a Ints),
    Mixed(&'a [Value]),
}

impl<'a> Enc<'a> {
    fn new(s: &'a Store) -> Enc<'a> {
        match s {
            Store::Null(_) => Enc::Null,
            Store::Int(v, n) => Enc::Int(v, n),
            Store::Float(v, n) => Enc::Float(v, n),
            Store::Bool(v, n) => Enc::Bool(v, n),
            Store::Ip4(v, n) => Enc::Ip4(v, n),
            Store::Ip(v, n) => Enc::Ip(v, n),
            Store::Text(d, c) => Enc::Text(
                d.values()
                    .iter()
                    .map(|v| {
                        let mut b = Vec::new();
                        cell(v, &mut b);
                        b
                    })
                    .collect(),
                c,
            ),
            Store::Mixed(v) => Enc::Mixed(v),
        }
    }

    /// Appends the cell of row `r`.
    #[inline]
    fn write(&self, r: usize, b: &mut Vec<u8>) {
        match self {
            Enc::Null => b.extend_from_slice(b"null"),
            Enc::Int(v, n) if !n.get(r) => {
                let _ = CompactFormatter.write_i64(b, v.get(r));
            }
            Enc::Float(v, n) if !n.get(r) => float(v[r], b),
            Enc::Bool(v, n) if !n.get(r) => {
                b.extend_from_slice(if v[r] { b"true" } else { b"false" });
            }
            Enc::Ip4(v, n) if !n.get(r) => {
                b.push(b'"');
                ipv4(v[r], b);
                b.push(b'"');
            }
            Enc::Ip(v, n) if !n.get(r) => match v[r] {
                IpAddr::V4(a) => {
                    b.push(b'"');
                    ipv4(u32::from(a), b);
                    b.push(b'"');
                }
                // Hex digits, colons and dots only: nothing to escape.
                a => {
                    let _ = write!(b, "\"{a}\"");
                }
            },
            Enc::Text(texts, codes) => {
                match usize::try_from(codes.get(r))
                    .ok()
                    .and_then(|c| c.checked_sub(1))
                    .and_then(|c| texts.get(c))
                {
                    Some(t) => b.extend_from_slice(t),
                    None => b.extend_from_slice(b"null"),
                }
            }
            Enc::Mixed(v) => cell(&v[r], b),
            _ => b.extend_from_slice(b"null"),
        }
    }
}

/// A float as serde_json writes it (null when JSON cannot hold it).
#[inline]
fn float(f: f64, b: &mut Vec<u8>) {
    if f.is_finite() {
        let _ = CompactFormatter.write_f64(b, f);
    } else {
        b.extend_from_slice(b"null");
    }
}

/// Dotted decimal of a packed IPv4 address (as `Ipv4Addr`'s `Display` writes it).
#[inline]
fn ipv4(a: u32, b: &mut Vec<u8>) {
    for (i, o) in a.to_be_bytes().into_iter().enumerate() {
        if i > 0 {
            b.push(b'.');
        }
        if o >= 100 {
            b.push(b'0' + o / 100);
        }
        if o >= 10 {
            b.push(b'0' + o / 10 % 10);
        }
        b.push(b'0' + o % 10);
    }
}

/// Any value with its JSON type kept (IP addresses as strings, a float that JSON cannot hold
/// as null), as [`Value::to_json`] writes it.
fn cell(v: &Value, b: &mut Vec<u8>) {
    match v {
        Value::Null => b.extend_from_slice(b"null"),
        Value::Bool(x) => b.extend_from_slice(if *x { b"true" } else { b"false" }),
        Value::Int(n) => {
            let _ = CompactFormatter.write_i64(b, *n);
        }
        Value::Float(f) => float(*f, b),
        Value::Str(t) => {
            let _ = serde_json::to_writer(&mut *b, &**t);
        }
        Value::Bytes(_) => {
            let _ = serde_json::to_writer(&mut *b, &v.to_json());
        }
        Value::Ip(IpAddr::V4(a)) => {
            b.push(b'"');
            ipv4(u32::from(*a), b);
            b.push(b'"');
        }
        Value::Ip(a) => {
            let _ = write!(b, "\"{a}\"");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use serde::ser::SerializeMap;

    use super::*;
    use crate::model::{Column, Type};
    use crate::snapshot::SnapshotInfo;

    /// The serde writer this module replaced: the reference for the bytes.
    struct Doc<'a>(&'a Snapshot);

    impl Serialize for Doc<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let snap = self.0;
            let mut m = s.serialize_map(Some(8))?;
            m.serialize_entry("format", FORMAT)?;
            m.serialize_entry("version", &VERSION)?;
            m.serialize_entry("netpry", env!("CARGO_PKG_VERSION"))?;
            m.serialize_entry("host", &snap.info.host)?;
            m.serialize_entry("kernel", &snap.info.kernel)?;
            m.serialize_entry("time", &snap.info.time)?;
            m.serialize_entry("tables", &Tables(snap))?;
            m.serialize_entry("errors", &snap.errors)?;
            m.end()
        }
    }

    struct Tables<'a>(&'a Snapshot);

    impl Serialize for Tables<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(self.0.tables.len()))?;
            for (name, t) in &self.0.tables {
                let mut one = BTreeMap::new();
                one.insert("columns", serde_json::to_value(Columns(t)).unwrap());
                let rows: Vec<serde_json::Value> = t
                    .rows()
                    .map(|r| r.iter().map(|v| Ref(v).json()).collect())
                    .collect();
                one.insert("rows", serde_json::Value::Array(rows));
                m.serialize_entry(name, &one)?;
            }
            m.end()
        }
    }

    /// A cell as the old writer serialized it.
    struct Ref<'a>(&'a Value);

    impl Ref<'_> {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }

    impl Serialize for Ref<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self.0 {
                Value::Null => s.serialize_unit(),
                Value::Bool(b) => s.serialize_bool(*b),
                Value::Int(n) => s.serialize_i64(*n),
                Value::Float(f) if f.is_finite() => s.serialize_f64(*f),
                Value::Float(_) => s.serialize_unit(),
                Value::Str(t) => s.serialize_str(t),
                Value::Bytes(_) => self.0.to_json().serialize(s),
                Value::Ip(ip) => s.collect_str(ip),
            }
        }
    }

    fn old_bytes(snap: &Snapshot) -> Vec<u8> {
        serde_json::to_vec(&Doc(snap)).unwrap()
    }

    fn new_bytes(snap: &Snapshot) -> Vec<u8> {
        let mut b = Vec::new();
        write_doc(snap, &mut b).unwrap();
        b
    }

    fn snap_of(tables: Vec<Table>) -> Snapshot {
        let mut errors = BTreeMap::new();
        errors.insert("x\"y".to_string(), "why\n\u{202e}".to_string());
        Snapshot {
            info: SnapshotInfo {
                host: "h\u{7f}".into(),
                kernel: "6.1".into(),
                time: "T".into(),
            },
            tables: tables
                .into_iter()
                .map(|t| (t.name().to_string(), Arc::new(t)))
                .collect(),
            errors,
        }
    }

    #[test]
    fn bytes_are_those_of_the_serde_writer() {
        let ip = |s: &str| Value::Ip(s.parse().unwrap());
        let mut t = Table::new(
            "t",
            vec![
                Column::new("i", Type::Int, ""),
                Column::new("f", Type::Float, ""),
                Column::new("b", Type::Bool, ""),
                Column::new("a", Type::Ip, ""),
                Column::new("a6", Type::Ip, ""),
                Column::new("s", Type::Str, ""),
                Column::new("m", Type::Any, ""),
                Column::new("n", Type::Int, ""),
            ],
        );
        let floats = [
            0.0,
            -0.0,
            1.5,
            1e21,
            1e-7,
            123_456_789.125,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            0.1 + 0.2,
        ];
        let texts = [
            Value::str("ESTABLISHED"),
            Value::str("a\"b\\c\n\u{1}\u{202e}é"),
            Value::Bytes(Arc::from(&b"\xff\x00x"[..])),
            Value::Null,
        ];
        let addrs = [
            "0.0.0.0",
            "255.255.255.255",
            "10.0.100.9",
            "127.0.0.1",
            "::",
            "::ffff:1.2.3.4",
            "fe80::1",
            "2001:db8::8a2e:370:7334",
        ];
        for i in 0..40usize {
            let mixed = match i % 5 {
                0 => Value::Int(i as i64),
                1 => Value::str("x"),
                2 => Value::Float(0.5),
                3 => ip("::1"),
                _ => Value::Null,
            };
            t.push([
                if i % 7 == 3 {
                    Value::Null
                } else {
                    Value::Int((i as i64 - 20) * 987_654_321_987)
                },
                if i % 9 == 4 {
                    Value::Null
                } else {
                    Value::Float(floats[i % floats.len()])
                },
                if i % 4 == 0 {
                    Value::Null
                } else {
                    Value::Bool(i % 3 == 0)
                },
                if i % 6 == 5 {
                    Value::Null
                } else {
                    ip(addrs[i % 4])
                },
                ip(addrs[i % addrs.len()]),
                texts[i % texts.len()].clone(),
                mixed,
                Value::Null,
            ]);
        }
        let empty = Table::new("e", vec![Column::new("x", Type::Str, "")]);
        let snap = snap_of(vec![t, empty]);
        assert_eq!(
            String::from_utf8(new_bytes(&snap)).unwrap(),
            String::from_utf8(old_bytes(&snap)).unwrap()
        );
        let none = snap_of(Vec::new());
        assert_eq!(new_bytes(&none), old_bytes(&none));
    }

    #[test]
    fn a_large_table_is_written_in_chunks() {
        let mut t = Table::new("big", vec![Column::new("s", Type::Str, "")]);
        for i in 0..40_000 {
            t.push([Value::str(format!("text number {}", i % 100))]);
        }
        let snap = snap_of(vec![t]);
        assert!(new_bytes(&snap).len() > 2 * CHUNK);
        assert_eq!(new_bytes(&snap), old_bytes(&snap));
    }

    #[test]
    fn a_writer_that_fails_midway_stops_the_row_formatters() {
        struct FailAfter(usize);
        impl Write for FailAfter {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                if self.0 < b.len() {
                    return Err(io::Error::other("disk full"));
                }
                self.0 -= b.len();
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut t = Table::new("big", vec![Column::new("n", Type::Int, "")]);
        for i in 0..200_000 {
            t.push([Value::Int(i)]);
        }
        let snap = snap_of(vec![t]);
        let err = write_doc(&snap, &mut FailAfter(3 * CHUNK)).expect_err("the write fails");
        assert_eq!(err.to_string(), "disk full");
    }
}
