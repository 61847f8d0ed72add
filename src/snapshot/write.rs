//! Writing a snapshot document straight from the tables, without building a JSON tree first:
//! a large table (a full Internet routing table is close to a million rows) is written row by
//! row. Keys come in a fixed order, `format` and `version` first, so `head -c 60 FILE` tells
//! what a file is (netpry's reader accepts any order).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::{FORMAT, Snapshot, VERSION};
use crate::model::{Table, Value};

/// The whole document.
pub(super) struct Doc<'a>(pub &'a Snapshot);

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

/// The `tables` object.
struct Tables<'a>(&'a Snapshot);

impl Serialize for Tables<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.tables.len()))?;
        for (name, t) in &self.0.tables {
            m.serialize_entry(name, &TableDoc(t))?;
        }
        m.end()
    }
}

/// One table: `{"columns":[{"name":..,"type":..}],"rows":[[..],..]}`.
struct TableDoc<'a>(&'a Table);

impl Serialize for TableDoc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("columns", &Columns(self.0))?;
        m.serialize_entry("rows", &Rows(self.0))?;
        m.end()
    }
}

struct Columns<'a>(&'a Table);

impl Serialize for Columns<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
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

struct Rows<'a>(&'a Table);

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for r in 0..self.0.len() {
            seq.serialize_element(&Row(self.0, r))?;
        }
        seq.end()
    }
}

/// Row `.1` of a table, read cell by cell from its columns.
struct Row<'a>(&'a Table, usize);

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let mut seq = s.serialize_seq(Some(t.width()))?;
        for c in 0..t.width() {
            seq.serialize_element(&Cell(&t.cell(self.1, c)))?;
        }
        seq.end()
    }
}

/// A cell with its JSON type kept (IP addresses as strings, a float that JSON cannot hold as
/// null), as [`Value::to_json`] writes it.
struct Cell<'a>(&'a Value);

impl Serialize for Cell<'_> {
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
