//! Snapshots: every table, with host name, kernel release and time, in one versioned JSON
//! document that any netpry command can read instead of the kernel (`--snapshot FILE`).
//!
//! Layout (version 1):
//! `{"format":"netpry-snapshot","version":1,"netpry":"0.1.0","host":..,"kernel":..,
//!   "time":"2026-11-28T16:32:29Z","tables":{"sockets":{"columns":[{"name":..,"type":..}],
//!   "rows":[[..],..]},..},"errors":{"table":"why it is missing"}}`.
//! Values keep their JSON types; IP addresses are strings in columns of type `ip`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value as Json, json};

use crate::error::{Error, Result};
use crate::model::{Column, Table, Type, Value};

/// The `format` marker of a snapshot document.
pub const FORMAT: &str = "netpry-snapshot";
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
    /// Serializes to the versioned JSON document.
    pub fn to_json(&self) -> Json {
        let mut tables = Map::new();
        for (name, t) in &self.tables {
            let columns: Vec<Json> = t
                .columns()
                .iter()
                .map(|c| json!({"name": c.name, "type": c.ty.name()}))
                .collect();
            let rows: Vec<Json> = t
                .rows()
                .map(|r| Json::Array(r.iter().map(Value::to_json).collect()))
                .collect();
            tables.insert(name.clone(), json!({"columns": columns, "rows": rows}));
        }
        json!({
            "format": FORMAT,
            "version": VERSION,
            "netpry": env!("CARGO_PKG_VERSION"),
            "host": self.info.host,
            "kernel": self.info.kernel,
            "time": self.info.time,
            "tables": tables,
            "errors": self.errors,
        })
    }

    /// Writes the document to `w` (compact JSON and a final newline).
    pub fn write(&self, w: &mut dyn std::io::Write) -> Result<()> {
        serde_json::to_writer(&mut *w, &self.to_json())
            .map_err(|e| Error::Output(std::io::Error::from(e)))?;
        w.write_all(b"\n").map_err(Error::Output)
    }

    /// Reads and validates the snapshot at `path`.
    pub fn load(path: &Path) -> Result<Snapshot> {
        let bad = |problem: String| Error::Snapshot {
            path: path.to_path_buf(),
            problem,
        };
        let text = std::fs::read(path).map_err(|e| bad(format!("cannot read: {e}")))?;
        Snapshot::parse(&text).map_err(bad)
    }

    /// Parses a snapshot document; the error is a one-line description of the problem.
    pub fn parse(text: &[u8]) -> std::result::Result<Snapshot, String> {
        let doc: Json = serde_json::from_slice(text).map_err(|e| {
            if e.is_eof() {
                format!("truncated JSON ({e})")
            } else {
                format!("not valid JSON ({e})")
            }
        })?;
        let obj = doc
            .as_object()
            .ok_or("not a netpry snapshot (top level is not an object)")?;
        if obj.get("format").and_then(Json::as_str) != Some(FORMAT) {
            return Err(format!(
                "not a netpry snapshot (no \"format\": \"{FORMAT}\")"
            ));
        }
        let version = obj
            .get("version")
            .and_then(Json::as_u64)
            .ok_or("missing version")?;
        if version != VERSION {
            return Err(format!(
                "unsupported snapshot version {version} (this netpry reads version {VERSION})"
            ));
        }
        let text_field = |k: &str| obj.get(k).and_then(Json::as_str).unwrap_or("").to_string();
        let info = SnapshotInfo {
            host: text_field("host"),
            kernel: text_field("kernel"),
            time: text_field("time"),
        };
        let tables_obj = obj
            .get("tables")
            .and_then(Json::as_object)
            .ok_or("missing \"tables\" object")?;
        let mut tables = BTreeMap::new();
        for (name, t) in tables_obj {
            tables.insert(name.clone(), Arc::new(parse_table(name, t)?));
        }
        let errors = obj
            .get("errors")
            .and_then(Json::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Snapshot {
            info,
            tables,
            errors,
        })
    }
}

fn parse_table(name: &str, t: &Json) -> std::result::Result<Table, String> {
    let cols = t
        .get("columns")
        .and_then(Json::as_array)
        .ok_or_else(|| format!("table {name}: missing \"columns\""))?;
    let mut columns = Vec::with_capacity(cols.len());
    for c in cols {
        let cname = c.get("name").and_then(Json::as_str);
        let ty = c
            .get("type")
            .and_then(|v| serde_json::from_value::<Type>(v.clone()).ok());
        let (Some(cname), Some(ty)) = (cname, ty) else {
            return Err(format!("table {name}: bad column entry {c}"));
        };
        // Keep the registry's description when the column is a known one.
        let doc = crate::tables::lookup(name)
            .ok()
            .and_then(|d| {
                (d.columns)()
                    .iter()
                    .find(|k| k.name == cname)
                    .map(|k| k.doc.clone())
            })
            .unwrap_or_default();
        columns.push(Column {
            name: cname.to_string().into(),
            ty,
            doc,
        });
    }
    let rows = t
        .get("rows")
        .and_then(Json::as_array)
        .ok_or_else(|| format!("table {name}: missing \"rows\""))?;
    let mut table = Table::with_capacity(name.to_string(), columns.clone(), rows.len());
    for (i, r) in rows.iter().enumerate() {
        let cells = r
            .as_array()
            .ok_or_else(|| format!("table {name} row {i}: not an array"))?;
        if cells.len() != columns.len() {
            return Err(format!(
                "table {name} row {i}: {} values, expected {}",
                cells.len(),
                columns.len()
            ));
        }
        let mut row = Vec::with_capacity(cells.len());
        for (cell, col) in cells.iter().zip(&columns) {
            row.push(Value::from_json(cell, col.ty).ok_or_else(|| {
                format!(
                    "table {name} row {i}: {} is not of type {}: {cell}",
                    col.name,
                    col.ty.name()
                )
            })?);
        }
        table.push(row);
    }
    Ok(table)
}

/// Where a snapshot file is written by default: `netpry-HOST-YYYYMMDDTHHMMSSZ.json`.
pub fn default_path(info: &SnapshotInfo) -> PathBuf {
    let stamp: String = info
        .time
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect();
    PathBuf::from(format!("netpry-{}-{stamp}.json", info.host))
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
    fn rfc3339_formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_883_549), "2026-11-28T16:32:29Z");
    }
}
