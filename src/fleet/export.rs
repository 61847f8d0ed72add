//! `netpry export DIR`: every table of every snapshot (or of the running host) as
//! newline-delimited JSON, partitioned the way DuckDB, ClickHouse, Spark and Trino read it:
//! `DIR/table=NAME/host=HOST/TIME.ndjson`.
//!
//! Every row is one JSON object holding `host`, `snapshot_time` and `netns` first, then the
//! table's columns. Types are stable per column: `int` columns are JSON integers (netpry keeps
//! integers as signed 64-bit values and saturates larger counters at 9223372036854775807, so
//! no value beyond the signed range is ever written), `float` columns numbers (null when not
//! finite), `ip` columns strings, `bool` booleans, `str` columns strings — a name that is not
//! UTF-8 is written as text with each invalid byte as `\xHH`, as netpry shows it. Null is
//! `null`. `netns` is the row's namespace inode where the table records one (sockets,
//! processes, every table of an `--all-netns` snapshot; the `netns` table's own `inode`), and
//! null where the snapshot does not say.
//!
//! Host names (and table names, which a hand-made snapshot chooses) are made safe before they
//! become path components: letters, digits, `.`, `-` and `_` stay, anything else (`/`, a
//! control character, a space, a byte that is not UTF-8) becomes `_`, `..` cannot stay whole,
//! and a changed name gets `~` and eight hex digits of a hash of the original, so that two
//! names never share a directory. Files are written safely ([`crate::outfile`]: a temporary
//! file created exclusively and renamed into place, so no reader sees a partial file), but not
//! synced one by one (thousands of fsyncs would take most of the time; run `sync` when an
//! export must survive a power cut); tables without rows are not written.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::{Table, Value};
use crate::snapshot::Snapshot;

use super::Progress;

/// What an export wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stats {
    /// Snapshots exported.
    pub snapshots: usize,
    /// Files written.
    pub files: usize,
    /// Rows written.
    pub rows: usize,
}

/// Exports `n` snapshots, the `i`-th given by `load(i)`, to `dir` (in parallel, with progress
/// on a terminal). Stops at the first failure.
pub fn export(
    dir: &Path,
    n: usize,
    load: impl Fn(usize) -> Result<Snapshot> + Sync,
) -> Result<Stats> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Io {
        what: format!("creating {}", dir.display()),
        source: e,
    })?;
    let progress = Progress::new("exporting", n);
    let done = super::par_map(n, &progress, |i| write_snapshot(dir, &load(i)?));
    progress.finish();
    let mut total = Stats::default();
    for s in done {
        let s = s?;
        total.snapshots += 1;
        total.files += s.files;
        total.rows += s.rows;
    }
    Ok(total)
}

/// Writes every table of `snap` with rows under `dir`.
pub fn write_snapshot(dir: &Path, snap: &Snapshot) -> Result<Stats> {
    let host = path_part(&raw_bytes(&snap.info.host));
    let stamp: String = snap
        .info
        .time
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect();
    let file = format!("{}.ndjson", path_part(stamp.as_bytes()));
    let mut stats = Stats {
        snapshots: 1,
        ..Stats::default()
    };
    for (name, table) in &snap.tables {
        if table.is_empty() {
            continue;
        }
        let part: PathBuf = dir
            .join(format!("table={}", path_part(name.as_bytes())))
            .join(format!("host={host}"));
        std::fs::create_dir_all(&part).map_err(|e| Error::Io {
            what: format!("creating {}", part.display()),
            source: e,
        })?;
        let path = part.join(&file);
        crate::outfile::write_atomically_unsynced(&path, |w| {
            write_rows(w, table, &snap.info.host, &snap.info.time).map_err(Error::Output)
        })?;
        stats.files += 1;
        stats.rows += table.len();
    }
    Ok(stats)
}

/// The bytes a header's host name stands for (a name carried as raw text is decoded).
fn raw_bytes(host: &str) -> Vec<u8> {
    crate::model::rawtext::decode(host).into_owned()
}

/// `name` made safe as one path component (see the module documentation).
pub fn path_part(name: &[u8]) -> String {
    let mut safe: String = name
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                char::from(b)
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    // `..` anywhere becomes `__`, so that no part is `..` or starts a hidden file with `..`.
    while safe.contains("..") {
        safe = safe.replace("..", "_.");
    }
    if safe.is_empty() || safe == "." || safe.starts_with('.') {
        safe.insert(0, '_');
    }
    if safe.as_bytes() != name {
        safe.push_str(&format!("~{:08x}", fnv1a(name)));
    }
    safe
}

/// FNV-1a, 32 bits: short, stable across versions and platforms.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Writes the rows of `t` as JSON objects, one a line.
pub fn write_rows(w: &mut dyn Write, t: &Table, host: &str, time: &str) -> std::io::Result<()> {
    let netns_col = if t.name() == "netns" {
        t.column_index("inode")
    } else {
        t.column_index("netns")
    };
    let skip = ["host", "snapshot_time", "netns"];
    // `,"name":` for each column written, ready to copy.
    let cols: Vec<(usize, Vec<u8>)> = t
        .columns()
        .iter()
        .enumerate()
        .filter(|(_, c)| !skip.contains(&c.name.as_ref()))
        .map(|(i, c)| {
            let mut key = b",".to_vec();
            push_str(&mut key, &c.name);
            key.push(b':');
            (i, key)
        })
        .collect();
    let mut start = b"{\"host\":".to_vec();
    push_value(&mut start, &Value::raw(host));
    start.extend_from_slice(b",\"snapshot_time\":");
    push_str(&mut start, time);
    start.extend_from_slice(b",\"netns\":");
    let mut line: Vec<u8> = Vec::with_capacity(1024);
    for row in t.rows() {
        line.clear();
        line.extend_from_slice(&start);
        match netns_col.map(|i| &row[i]) {
            Some(v @ Value::Int(_)) => push_value(&mut line, v),
            _ => line.extend_from_slice(b"null"),
        }
        for (i, key) in &cols {
            line.extend_from_slice(key);
            push_value(&mut line, &row[*i]);
        }
        line.extend_from_slice(b"}\n");
        w.write_all(&line)?;
    }
    Ok(())
}

/// `s` as a JSON string.
fn push_str(out: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// One value as JSON of its column's type (see the module documentation).
fn push_value(out: &mut Vec<u8>, v: &Value) {
    use std::io::Write as _;
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Float(f) if f.is_finite() => {
            let _ = serde_json::to_writer(&mut *out, f);
        }
        Value::Float(_) => out.extend_from_slice(b"null"),
        Value::Str(s) => push_str(out, s),
        Value::Bytes(b) => push_str(out, &crate::model::escape_bytes(b)),
        Value::Ip(ip) => {
            out.push(b'"');
            let _ = write!(out, "{ip}");
            out.push(b'"');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Type};

    #[test]
    fn path_parts_stay_one_safe_component() {
        assert_eq!(path_part(b"web-01.example.org"), "web-01.example.org");
        for hostile in [
            &b"../../etc"[..],
            b"..",
            b".",
            b"",
            b"a/b",
            b"x\0y",
            b"line\nbreak",
            b"\xff\xfe",
            b".hidden",
        ] {
            let p = path_part(hostile);
            assert!(
                !p.contains('/') && !p.contains("..") && !p.starts_with('.') && !p.is_empty(),
                "{p}"
            );
            assert!(p.chars().all(|c| c.is_ascii_graphic()), "{p}");
            assert!(p.contains('~'), "{p}");
        }
        // Names that differ stay apart even when they clean up alike.
        assert_ne!(path_part(b"a/b"), path_part(b"a b"));
        assert!(path_part(&[b'h'; 300]).len() <= 64 + 9);
    }

    #[test]
    fn rows_carry_host_time_and_netns_with_stable_types() {
        let mut t = Table::new(
            "sockets",
            vec![
                Column::new("state", Type::Str, ""),
                Column::new("netns", Type::Int, ""),
                Column::new("rtt", Type::Float, ""),
                Column::new("local_addr", Type::Ip, ""),
                Column::new("bytes", Type::Int, ""),
            ],
        );
        t.push([
            Value::str("LISTEN"),
            Value::Int(4026531840),
            Value::Float(f64::NAN),
            Value::Ip("::1".parse().unwrap()),
            Value::int(u64::MAX),
        ]);
        t.push([
            Value::Bytes(b"a\xff".to_vec().into()),
            Value::Null,
            Value::Float(1.5),
            Value::Null,
            Value::Int(-1),
        ]);
        let mut out = Vec::new();
        write_rows(&mut out, &t, "h\"1", "T").unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"host":"h\"1","snapshot_time":"T","netns":4026531840,"state":"LISTEN","rtt":null,"local_addr":"::1","bytes":9223372036854775807}"#
        );
        assert_eq!(
            lines[1],
            r#"{"host":"h\"1","snapshot_time":"T","netns":null,"state":"a\\xff","rtt":1.5,"local_addr":null,"bytes":-1}"#
        );
        for l in lines {
            serde_json::from_str::<serde_json::Value>(l).unwrap();
        }
    }
}
