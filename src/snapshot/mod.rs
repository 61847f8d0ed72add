//! Snapshots: every table, with host name, kernel release and time, in one versioned JSON
//! document that any netpry command can read instead of the kernel (`--snapshot FILE`).
//!
//! Layout (version 1):
//! `{"format":"netpry-snapshot","version":1,"netpry":"0.1.0","host":..,"kernel":..,
//!   "time":"2026-11-28T16:32:29Z","tables":{"sockets":{"columns":[{"name":..,"type":..}],
//!   "rows":[[..],..]},..},"errors":{"table":"why it is missing"}}`.
//! Values keep their JSON types; IP addresses are strings in columns of type `ip`. A file
//! whose name ends in `.gz` is written gzip-compressed, and compressed documents are read
//! transparently (from files or standard input, `--snapshot -`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::model::Table;

mod fast;
mod read;
mod write;

/// The `format` marker of a snapshot document.
pub const FORMAT: &str = "netpry-snapshot";
/// The longest problem description quoted from a snapshot, in characters.
const MAX_PROBLEM: usize = 400;

/// The snapshot layout version this build writes and reads.
pub const VERSION: u64 = 1;

/// Where and when a snapshot was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// Host name.
    pub host: String,
    /// Kernel release (`uname -r`).
    pub kernel: String,
    /// UTC time, RFC 3339.
    pub time: String,
}

/// A loaded (or freshly taken) snapshot.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Provenance.
    pub info: SnapshotInfo,
    /// Tables by name.
    pub tables: BTreeMap<String, Arc<Table>>,
    /// Tables that could not be collected, with the reason.
    pub errors: BTreeMap<String, String>,
}

impl Snapshot {
    /// Writes the document to `w` (compact JSON and a final newline).
    pub fn write(&self, w: &mut dyn std::io::Write) -> Result<()> {
        write::write_doc(self, &mut *w).map_err(Error::Output)?;
        w.write_all(b"\n").map_err(Error::Output)
    }

    /// Reads and validates the snapshot at `path`.
    pub fn load(path: &Path) -> Result<Snapshot> {
        let bad = |problem: String| Error::Snapshot {
            path: path.to_path_buf(),
            problem,
        };
        // A file is read as a stream by the fast reader; anything it gives up on (a problem
        // to describe, an unusual layout, standard input) is read whole by the full reader.
        if let Some(s) = fast::load(path) {
            return Ok(s.derive_missing());
        }
        let text = crate::input::read_snapshot(path).map_err(bad)?;
        Snapshot::parse(&text).map_err(bad)
    }

    /// Writes the document to the file at `path` safely ([`crate::outfile::write_atomically`]),
    /// gzip-compressed when the name ends in `.gz`.
    pub fn write_file(&self, path: &Path) -> Result<()> {
        crate::outfile::write_atomically(path, |w| {
            if path.extension().is_some_and(|e| e == "gz") {
                let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::default());
                self.write(&mut gz)?;
                gz.finish().map_err(Error::Output)?;
                Ok(())
            } else {
                self.write(w)
            }
        })
    }

    /// [`Snapshot::parse`] building only table `name` (the others are left out, as if the
    /// snapshot did not hold them; `errors` is kept whole).
    pub fn parse_table(text: &[u8], name: &str) -> std::result::Result<Snapshot, String> {
        let only = |name: &str| match fast::parse(text, Some(name)) {
            Some(s) => Ok(s),
            None => read::parse_only(text, Some(name)).map_err(one_line),
        };
        let s = only(name)?;
        if name == DERIVED_HOPS && !s.tables.contains_key(name) {
            // Saved before the table existed: derived from the routes.
            return Ok(only("routes")?.derive_missing().only(name));
        }
        Ok(s)
    }

    /// The header of a snapshot document (host, kernel, time), checked like [`Snapshot::parse`]
    /// checks it, without building its tables.
    pub fn parse_info(text: &[u8]) -> std::result::Result<SnapshotInfo, String> {
        read::info(text).map_err(one_line)
    }

    /// Parses a snapshot document; the error is a one-line description of the problem.
    pub fn parse(text: &[u8]) -> std::result::Result<Snapshot, String> {
        if let Some(s) = fast::parse(text, None) {
            return Ok(s.derive_missing());
        }
        read::parse(text)
            .map(Snapshot::derive_missing)
            .map_err(one_line)
    }

    /// Completes a snapshot saved by an older netpry with the tables derived from others: a
    /// `route_nexthops` table read back from the `routes` table's `nexthops` text (once, here:
    /// no front end reads that text). A snapshot without `routes` gets none, and the reason
    /// `routes` is missing, if recorded, is `route_nexthops`' too.
    fn derive_missing(mut self) -> Snapshot {
        if self.tables.contains_key(DERIVED_HOPS) {
            return self;
        }
        match self.tables.get("routes") {
            Some(routes) => {
                let t = crate::tables::route_nexthops::derive(routes);
                self.tables.insert(DERIVED_HOPS.to_string(), Arc::new(t));
            }
            None => {
                if let Some(why) = self.errors.get("routes").cloned() {
                    self.errors.entry(DERIVED_HOPS.to_string()).or_insert(why);
                }
            }
        }
        self
    }

    /// The snapshot with only table `name` kept (`errors` whole).
    fn only(mut self, name: &str) -> Snapshot {
        self.tables.retain(|k, _| k == name);
        self
    }
}

/// The table a snapshot saved before it existed gets from its `routes` table.
const DERIVED_HOPS: &str = "route_nexthops";

/// A problem quoted from a file kept on one line whatever names it holds, and short whatever
/// their length.
fn one_line(e: String) -> String {
    let mut line: String = e
        .chars()
        .map(|c| {
            // Controls and bidirectional overrides, as escape_str finds them.
            let plain = c == '\\'
                || matches!(
                    crate::model::escape_str(c.encode_utf8(&mut [0; 4])),
                    std::borrow::Cow::Borrowed(_)
                );
            if plain {
                c.to_string()
            } else {
                c.escape_default().to_string()
            }
        })
        .take(MAX_PROBLEM)
        .collect();
    if e.chars().count() > MAX_PROBLEM {
        line.push_str("...");
    }
    line
}

/// Where a snapshot file is written by default: `netpry-HOST-YYYYMMDDTHHMMSSZ.json`, in the
/// current directory. Host and time may come from another host's snapshot: both are made safe
/// for a file name ([`crate::outfile::file_name_part`]), so `x/../../TRAV` stays here.
pub fn default_path(info: &SnapshotInfo) -> PathBuf {
    let stamp: String = info
        .time
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect();
    let host = crate::outfile::file_name_part(&info.host);
    let stamp = crate::outfile::file_name_part(&stamp);
    PathBuf::from(format!("netpry-{host}-{stamp}.json"))
}

/// Seconds since the epoch as RFC 3339 UTC (`2026-11-28T16:32:29Z`).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Type, Value};

    fn sample() -> Snapshot {
        let mut t = Table::new(
            "sockets",
            vec![
                Column::new("local_addr", Type::Ip, "a"),
                Column::new("local_port", Type::Int, "p"),
                Column::new("state", Type::Str, "s"),
            ],
        );
        t.push([
            Value::Ip("::1".parse().unwrap()),
            Value::Int(22),
            Value::str("LISTEN"),
        ]);
        t.push([Value::Null, Value::Int(0), Value::Null]);
        let mut tables = BTreeMap::new();
        tables.insert("sockets".to_string(), Arc::new(t));
        Snapshot {
            info: SnapshotInfo {
                host: "h".into(),
                kernel: "6.1".into(),
                time: rfc3339(0),
            },
            tables,
            errors: BTreeMap::new(),
        }
    }

    #[test]
    fn round_trip_keeps_every_value_and_type() {
        let s = sample();
        let mut buf = Vec::new();
        s.write(&mut buf).unwrap();
        let back = Snapshot::parse(&buf).unwrap();
        assert_eq!(back.info, s.info);
        assert_eq!(back.tables["sockets"].row(0), s.tables["sockets"].row(0));
        assert_eq!(back.tables["sockets"].columns()[0].ty, Type::Ip);
    }

    #[test]
    fn corrupt_documents_are_described() {
        let mut buf = Vec::new();
        sample().write(&mut buf).unwrap();
        let truncated = &buf[..buf.len() / 2];
        assert!(
            Snapshot::parse(truncated)
                .unwrap_err()
                .starts_with("truncated JSON")
        );
        assert!(
            Snapshot::parse(b"{]")
                .unwrap_err()
                .starts_with("not valid JSON")
        );
        assert!(
            Snapshot::parse(b"[]")
                .unwrap_err()
                .contains("not a netpry snapshot")
        );
        let v2 = String::from_utf8(buf.clone())
            .unwrap()
            .replace("\"version\":1", "\"version\":2");
        assert_eq!(
            Snapshot::parse(v2.as_bytes()).unwrap_err(),
            "unsupported snapshot version 2 (this netpry reads version 1)"
        );
        let badip = String::from_utf8(buf)
            .unwrap()
            .replace("\"::1\"", "\"nope\"");
        assert!(
            Snapshot::parse(badip.as_bytes())
                .unwrap_err()
                .contains("local_addr is not of type ip")
        );
    }

    #[test]
    fn the_document_starts_with_its_format_and_version() {
        let mut buf = Vec::new();
        sample().write(&mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(
            text.starts_with(r#"{"format":"netpry-snapshot","version":1,"netpry":""#),
            "{text}"
        );
        assert!(text.contains(
            r#""columns":[{"name":"local_addr","type":"ip"},{"name":"local_port","type":"int"},{"name":"state","type":"str"}],"rows":[["::1",22,"LISTEN"],[null,0,null]]"#
        ));
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn a_header_read_early_still_sees_the_whole_document() {
        // Every header key first: the header pass stops there, the body pass reads the rest.
        let doc = br#"{"format":"netpry-snapshot","version":1,"host":"h","kernel":"k","time":"T","tables":{"t":{"columns":[{"name":"n","type":"int"}],"rows":[[1]]}}}"#;
        let s = Snapshot::parse(doc).unwrap();
        assert_eq!((s.info.kernel.as_str(), s.tables["t"].len()), ("k", 1));
        // A key given twice: the last one counts, even after all five were seen.
        let twice = br#"{"format":"netpry-snapshot","version":1,"host":"h","kernel":"k","version":2,"time":"T","tables":{}}"#;
        assert_eq!(
            Snapshot::parse(twice).unwrap_err(),
            "unsupported snapshot version 2 (this netpry reads version 1)"
        );
        // A broken body after a complete header is still an error.
        let broken = br#"{"format":"netpry-snapshot","version":1,"host":"h","kernel":"k","time":"T","tables":{"t":"#;
        assert!(
            Snapshot::parse(broken)
                .unwrap_err()
                .starts_with("truncated JSON")
        );
    }

    #[test]
    fn keys_in_any_order_and_rows_before_columns() {
        let doc = br#"{"tables":{"t":{"rows":[["a",1],["a",2]],"columns":[{"type":"str","name":"s"},{"name":"n","type":"int"}]}},"errors":{"u":"why"},"version":1,"time":"T","format":"netpry-snapshot","host":"h","extra":[1,{"x":2}]}"#;
        let s = Snapshot::parse(doc).unwrap();
        let t = &s.tables["t"];
        assert_eq!(t.len(), 2);
        assert_eq!(t.row(1), &[Value::str("a"), Value::Int(2)]);
        assert_eq!(s.errors["u"], "why");
        assert_eq!((s.info.host.as_str(), s.info.time.as_str()), ("h", "T"));
    }

    #[test]
    fn repeated_text_is_shared_between_cells() {
        let doc = br#"{"format":"netpry-snapshot","version":1,"tables":{"t":{"columns":[{"name":"s","type":"str"}],"rows":[["eth0"],["eth0"],["lo"]]}}}"#;
        let s = Snapshot::parse(doc).unwrap();
        let t = &s.tables["t"];
        let (Value::Str(a), Value::Str(b)) = (&t.row(0)[0], &t.row(1)[0]) else {
            panic!("not text")
        };
        assert!(Arc::ptr_eq(a, b));
    }

    #[test]
    fn every_table_problem_names_table_row_and_column() {
        let doc = |rows: &str| {
            format!(
                r#"{{"format":"netpry-snapshot","version":1,"tables":{{"t":{{"columns":[{{"name":"n","type":"int"}}],"rows":{rows}}}}}}}"#
            )
        };
        let err = |rows: &str| Snapshot::parse(doc(rows).as_bytes()).unwrap_err();
        assert!(
            err("[[1],7]").starts_with("table t row 1: not an array"),
            "{}",
            err("[[1],7]")
        );
        assert!(err("[[1],{}]").starts_with("table t row 1: not an array"));
        assert!(err("[[1,2]]").starts_with("table t row 0: 2 values, expected 1"));
        assert!(err("[[]]").starts_with("table t row 0: 0 values, expected 1"));
        assert!(err(r#"[["x"]]"#).starts_with(r#"table t row 0: n is not of type int: "x""#));
        let no_rows = br#"{"format":"netpry-snapshot","version":1,"tables":{"t":{"columns":[]}}}"#;
        assert!(
            Snapshot::parse(no_rows)
                .unwrap_err()
                .starts_with("table t: missing \"rows\"")
        );
        let no_tables = br#"{"format":"netpry-snapshot","version":1}"#;
        assert_eq!(
            Snapshot::parse(no_tables).unwrap_err(),
            "missing \"tables\" object"
        );
        let cols_not_array =
            br#"{"format":"netpry-snapshot","version":1,"tables":{"t":{"columns":5,"rows":[]}}}"#;
        assert!(
            Snapshot::parse(cols_not_array)
                .unwrap_err()
                .starts_with("table t: missing \"columns\"")
        );
        for rows in [r#""columns":[],"rows":5"#, r#""rows":5,"columns":[]"#] {
            let doc = format!(
                r#"{{"format":"netpry-snapshot","version":1,"tables":{{"t":{{{rows}}}}}}}"#
            );
            let e = Snapshot::parse(doc.as_bytes()).unwrap_err();
            assert!(e.starts_with("table t: missing \"rows\""), "{e}");
        }
        let long = format!(
            r#"{{"format":"netpry-snapshot","version":1,"tables":{{"t\u202e{}":{{"rows":[]}}}}}}"#,
            "x".repeat(100_000)
        );
        let e = Snapshot::parse(long.as_bytes()).unwrap_err();
        assert!(
            e.len() < 500 && e.ends_with("...") && !e.contains('\u{202e}'),
            "{e}"
        );
        let newline = br#"{"format":"netpry-snapshot","version":1,"tables":{"a\nb":{"rows":[]}}}"#;
        let e = Snapshot::parse(newline).unwrap_err();
        assert!(!e.contains('\n') && e.contains("a\\nb"), "{e}");
        let bad_col = br#"{"format":"netpry-snapshot","version":1,"tables":{"t":{"columns":[{"name":"n","type":"nope"}],"rows":[]}}}"#;
        assert!(
            Snapshot::parse(bad_col)
                .unwrap_err()
                .starts_with("table t: bad column entry")
        );
        // A version from the future is refused before its tables are read.
        let future = br#"{"tables":{"t":5},"format":"netpry-snapshot","version":7}"#;
        assert!(
            Snapshot::parse(future)
                .unwrap_err()
                .starts_with("unsupported snapshot version 7")
        );
    }

    // Reads tests/fixtures, which the packaged crate leaves out.
    #[cfg(netpry_captures)]
    #[test]
    fn damaged_documents_fail_with_one_line() {
        let mut buf = Vec::new();
        sample().write(&mut buf).unwrap();
        let fixture = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/script.json"
        ))
        .unwrap();
        let mut refused = 0;
        crate::mutate::each_variant(&[&buf, &fixture], 400, 77, |b| {
            if let Err(e) = Snapshot::parse(b) {
                refused += 1;
                assert!(!e.is_empty() && !e.contains('\n'), "{e}");
            }
        });
        assert!(refused > 400, "{refused}");
    }

    #[test]
    fn one_table_can_be_built_alone() {
        let doc = br#"{"format":"netpry-snapshot","version":1,"host":"h","tables":{"a":{"columns":[{"name":"n","type":"int"}],"rows":[[1]]},"b":{"columns":[{"name":"n","type":"int"}],"rows":[[2],[3]]}},"errors":{"c":"why"}}"#;
        let s = Snapshot::parse_table(doc, "b").unwrap();
        assert_eq!(s.tables.keys().collect::<Vec<_>>(), ["b"]);
        assert_eq!(s.tables["b"].len(), 2);
        assert_eq!(s.errors["c"], "why");
        assert!(Snapshot::parse_table(doc, "c").unwrap().tables.is_empty());
        // The document is still checked whole.
        assert!(Snapshot::parse_table(&doc[..doc.len() - 3], "b").is_err());
    }

    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_883_549), "2026-11-28T16:32:29Z");
    }
}
