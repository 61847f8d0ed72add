//! Reading a snapshot document without building a JSON tree of it: a first pass checks the
//! format marker and version while skipping everything else, a second turns each table's rows
//! into typed values as they are read. Memory stays close to the size of the tables
//! themselves (a JSON tree of a million-row table takes several times that), and repeated
//! text (states, device and table names) is shared between cells rather than copied.
//!
//! Problems are reported as one line: `truncated JSON (..)`, `not valid JSON (..)`, or what is
//! wrong with which table, row and column.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

use super::{FORMAT, Snapshot, SnapshotInfo, VERSION};
use crate::model::{Column, Table, Type, Value};

/// Distinct texts shared per column; beyond this many, new texts are stored unshared.
const SHARED_TEXTS: usize = 4096;

/// The checked header of a document, without its tables.
pub(super) fn info(text: &[u8]) -> Result<SnapshotInfo, String> {
    let header = checked_header(text)?;
    Ok(SnapshotInfo {
        host: header.host,
        kernel: header.kernel,
        time: header.time,
    })
}

/// The first pass, with the format marker and version checked. It stops once it has every
/// header key (netpry writes them first), so a large document is parsed in full only once,
/// by the body pass.
fn checked_header(text: &[u8]) -> Result<Header, String> {
    let early = std::cell::RefCell::new(None);
    let header = match run(text, HeaderSeed(&early)) {
        Ok(h) => h,
        Err(e) if e.starts_with(HEADER_DONE) => early.take().unwrap_or_default(),
        Err(e) => return Err(e),
    };
    if header.format.as_deref() != Some(FORMAT) {
        return Err(format!(
            "not a netpry snapshot (no \"format\": \"{FORMAT}\")"
        ));
    }
    let version = header.version.ok_or("missing version")?;
    if version != VERSION {
        return Err(format!(
            "unsupported snapshot version {version} (this netpry reads version {VERSION})"
        ));
    }
    Ok(header)
}

/// Parses a document; the error is a one-line description of the problem.
pub(super) fn parse(text: &[u8]) -> Result<Snapshot, String> {
    parse_only(text, None)
}

/// [`parse`], building only table `only` when given (the others are skipped unread, as if
/// absent; fleets read one table of many files).
pub(super) fn parse_only(text: &[u8], only: Option<&str>) -> Result<Snapshot, String> {
    let header = checked_header(text)?;
    let body = run(text, BodySeed(only))?;
    Ok(Snapshot {
        info: SnapshotInfo {
            host: header.host,
            kernel: header.kernel,
            time: header.time,
        },
        tables: body.tables.ok_or("missing \"tables\" object")?,
        errors: body.errors,
    })
}

/// Runs one pass over the whole text.
fn run<T>(text: &[u8], seed: impl for<'de> DeserializeSeed<'de, Value = T>) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let out = seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    out.map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => format!("truncated JSON ({e})"),
        serde_json::error::Category::Data => e.to_string(),
        _ => format!("not valid JSON ({e})"),
    })
}

/// The visitor methods for every JSON type but an array, each failing with `self.$msg()`.
macro_rules! only_arrays {
    ($ret:ty, $msg:ident) => {
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<$ret, A::Error> {
            Err(de::Error::custom(self.$msg()))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<$ret, E> {
            Err(E::custom(self.$msg()))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<$ret, E> {
            Err(E::custom(self.$msg()))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<$ret, E> {
            Err(E::custom(self.$msg()))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<$ret, E> {
            Err(E::custom(self.$msg()))
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<$ret, E> {
            Err(E::custom(self.$msg()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<$ret, E> {
            Err(E::custom(self.$msg()))
        }
    };
}

/// The error that ends the header pass early, once every header key was read.
const HEADER_DONE: &str = "netpry: header read";

/// What the first pass keeps.
#[derive(Default)]
struct Header {
    format: Option<String>,
    version: Option<u64>,
    host: String,
    kernel: String,
    time: String,
}

/// The header pass; a header read in full before the end of the document is left in the cell.
struct HeaderSeed<'a>(&'a std::cell::RefCell<Option<Header>>);

impl<'de> DeserializeSeed<'de> for HeaderSeed<'_> {
    type Value = Header;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Header, D::Error> {
        d.deserialize_any(HeaderVisitor(self.0))
    }
}

struct HeaderVisitor<'a>(&'a std::cell::RefCell<Option<Header>>);

impl<'de> Visitor<'de> for HeaderVisitor<'_> {
    type Value = Header;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a snapshot object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Header, A::Error> {
        let mut h = Header::default();
        let mut seen = std::collections::HashSet::new();
        let mut dup = false;
        while let Some(key) = m.next_key::<String>()? {
            let text = |v: Json| v.as_str().unwrap_or("").to_string();
            match key.as_str() {
                "format" => h.format = m.next_value::<Json>()?.as_str().map(str::to_string),
                "version" => h.version = m.next_value::<Json>()?.as_u64(),
                "host" => h.host = text(m.next_value()?),
                "kernel" => h.kernel = text(m.next_value()?),
                "time" => h.time = text(m.next_value()?),
                _ => {
                    m.next_value::<IgnoredAny>()?;
                    continue;
                }
            }
            // With a key given twice the pass reads on to the end (the last one wins).
            dup |= !seen.insert(key);
            if !dup && seen.len() == 5 {
                *self.0.borrow_mut() = Some(h);
                return Err(de::Error::custom(HEADER_DONE));
            }
        }
        Ok(h)
    }
    // Anything but an object is not a snapshot; say so after the pass.
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Header, A::Error> {
        while s.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Header::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Header, E> {
        Ok(Header::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Header, E> {
        Ok(Header::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Header, E> {
        Ok(Header::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Header, E> {
        Ok(Header::default())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Header, E> {
        Ok(Header::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Header, E> {
        Ok(Header::default())
    }
}

/// What the second pass keeps.
struct Body {
    tables: Option<BTreeMap<String, Arc<Table>>>,
    errors: BTreeMap<String, String>,
}

/// The body pass; `Some(name)` builds only that table.
struct BodySeed<'o>(Option<&'o str>);

impl<'de> DeserializeSeed<'de> for BodySeed<'_> {
    type Value = Body;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Body, D::Error> {
        d.deserialize_map(BodyVisitor(self.0))
    }
}

struct BodyVisitor<'o>(Option<&'o str>);

impl<'de> Visitor<'de> for BodyVisitor<'_> {
    type Value = Body;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a snapshot object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Body, A::Error> {
        let mut body = Body {
            tables: None,
            errors: BTreeMap::new(),
        };
        while let Some(key) = m.next_key::<String>()? {
            match key.as_str() {
                "tables" => body.tables = Some(m.next_value_seed(TablesSeed(self.0))?),
                "errors" => {
                    if let Json::Object(o) = m.next_value::<Json>()? {
                        body.errors = o
                            .into_iter()
                            .map(|(k, v)| (k, v.as_str().unwrap_or("").to_string()))
                            .collect();
                    }
                }
                _ => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(body)
    }
}

struct TablesSeed<'o>(Option<&'o str>);

impl<'de> DeserializeSeed<'de> for TablesSeed<'_> {
    type Value = BTreeMap<String, Arc<Table>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(TablesVisitor(self.0))
    }
}

struct TablesVisitor<'o>(Option<&'o str>);

impl<'de> Visitor<'de> for TablesVisitor<'_> {
    type Value = BTreeMap<String, Arc<Table>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a \"tables\" object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(name) = m.next_key::<String>()? {
            if self.0.is_some_and(|only| only != name) {
                m.next_value::<IgnoredAny>()?;
                continue;
            }
            let t = m.next_value_seed(TableSeed { name: &name })?;
            out.insert(name, Arc::new(t));
        }
        Ok(out)
    }
}

struct TableSeed<'n> {
    name: &'n str,
}

impl<'de> DeserializeSeed<'de> for TableSeed<'_> {
    type Value = Table;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Table, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TableSeed<'_> {
    type Value = Table;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "table {} as an object", self.name)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Table, A::Error> {
        let name = self.name;
        let mut columns: Option<Vec<Column>> = None;
        let mut table: Option<Table> = None;
        // Rows written before the columns (by hand) are kept as JSON until the types are known.
        let mut early_rows: Option<Vec<Json>> = None;
        while let Some(key) = m.next_key::<String>()? {
            match key.as_str() {
                "columns" => {
                    let Json::Array(cols) = m.next_value()? else {
                        return Err(de::Error::custom(missing(name, "columns")));
                    };
                    columns = Some(parse_columns(name, &cols).map_err(de::Error::custom)?);
                }
                "rows" => match &columns {
                    Some(cols) => {
                        table = Some(m.next_value_seed(RowsSeed {
                            name,
                            columns: cols,
                        })?);
                    }
                    None => {
                        let Json::Array(rows) = m.next_value()? else {
                            return Err(de::Error::custom(missing(name, "rows")));
                        };
                        early_rows = Some(rows);
                    }
                },
                _ => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        let columns = columns.ok_or_else(|| de::Error::custom(missing(name, "columns")))?;
        if let Some(t) = table {
            return Ok(t);
        }
        let rows = early_rows.ok_or_else(|| de::Error::custom(missing(name, "rows")))?;
        let mut b = Builder::new(name, &columns, rows.len());
        for (i, r) in rows.iter().enumerate() {
            let cells = r
                .as_array()
                .ok_or_else(|| de::Error::custom(not_an_array(name, i)))?;
            if cells.len() != columns.len() {
                return Err(de::Error::custom(count_error(
                    name,
                    i,
                    cells.len(),
                    columns.len(),
                )));
            }
            for cell in cells {
                b.cell(i, cell).map_err(de::Error::custom)?;
            }
            b.end_row();
        }
        Ok(b.table)
    }
}

fn missing(name: &str, key: &str) -> String {
    format!("table {name}: missing \"{key}\" (an array)")
}

fn not_an_array(name: &str, i: usize) -> String {
    format!("table {name} row {i}: not an array")
}

fn count_error(name: &str, i: usize, got: usize, want: usize) -> String {
    format!("table {name} row {i}: {got} values, expected {want}")
}

/// The columns of table `name` from its `columns` entries; known columns keep the registry's
/// description.
pub(super) fn parse_columns(name: &str, cols: &[Json]) -> Result<Vec<Column>, String> {
    let def = crate::tables::lookup(name).ok();
    cols.iter()
        .map(|c| {
            let cname = c.get("name").and_then(Json::as_str);
            let ty = c
                .get("type")
                .and_then(|v| serde_json::from_value::<Type>(v.clone()).ok());
            let (Some(cname), Some(ty)) = (cname, ty) else {
                return Err(format!("table {name}: bad column entry {c}"));
            };
            let doc = def
                .and_then(|d| {
                    (d.columns)()
                        .iter()
                        .find(|k| k.name == cname)
                        .map(|k| k.doc.clone())
                })
                .unwrap_or_default();
            Ok(Column {
                name: cname.to_string().into(),
                ty,
                doc,
            })
        })
        .collect()
}

/// Builds a table cell by cell, sharing repeated text per column.
struct Builder<'a> {
    name: &'a str,
    columns: &'a [Column],
    table: Table,
    row: Vec<Value>,
    shared: Vec<HashSet<Arc<str>>>,
}

impl<'a> Builder<'a> {
    fn new(name: &'a str, columns: &'a [Column], rows: usize) -> Builder<'a> {
        Builder {
            name,
            columns,
            table: Table::with_capacity(name.to_string(), columns.to_vec(), rows),
            row: Vec::with_capacity(columns.len()),
            shared: vec![HashSet::new(); columns.len()],
        }
    }

    /// Adds the next cell of row `i` (the row's cells come in column order).
    fn cell(&mut self, i: usize, cell: &Json) -> Result<(), String> {
        let k = self.row.len();
        let col = &self.columns[k];
        let v = match (cell, col.ty) {
            (Json::String(s), Type::Str | Type::Any) => Value::Str(self.share(k, s)),
            _ => Value::from_json(cell, col.ty).ok_or_else(|| {
                format!(
                    "table {} row {i}: {} is not of type {}: {cell}",
                    self.name,
                    col.name,
                    col.ty.name()
                )
            })?,
        };
        self.row.push(v);
        Ok(())
    }

    fn share(&mut self, k: usize, s: &str) -> Arc<str> {
        let set = &mut self.shared[k];
        if let Some(a) = set.get(s) {
            return Arc::clone(a);
        }
        let a: Arc<str> = Arc::from(s);
        if set.len() < SHARED_TEXTS {
            set.insert(Arc::clone(&a));
        }
        a
    }

    fn end_row(&mut self) {
        self.table.push(self.row.drain(..));
    }

    /// Adds a cell already read as a value (by [`CellSeed`]).
    fn value(&mut self, v: Value) {
        self.row.push(v);
    }
}

/// One cell of a row whose columns are known, read straight into a [`Value`] of its column's
/// type (no JSON tree per cell; texts shared through the builder).
struct CellSeed<'b, 'a> {
    builder: &'b mut Builder<'a>,
    index: usize,
}

impl CellSeed<'_, '_> {
    fn ty(&self) -> Type {
        self.builder.columns[self.builder.row.len()].ty
    }

    /// The error for a cell that does not fit its column, as [`Builder::cell`] words it.
    fn wrong<E: de::Error>(&self, cell: &Json) -> E {
        let col = &self.builder.columns[self.builder.row.len()];
        E::custom(format!(
            "table {} row {}: {} is not of type {}: {cell}",
            self.builder.name,
            self.index,
            col.name,
            col.ty.name()
        ))
    }

    fn json<E: de::Error>(self, cell: Json) -> Result<(), E> {
        self.builder.cell(self.index, &cell).map_err(E::custom)
    }
}

impl<'de> DeserializeSeed<'de> for CellSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a cell")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.builder.value(Value::Null);
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        match self.ty() {
            Type::Bool | Type::Any => {
                self.builder.value(Value::Bool(b));
                Ok(())
            }
            _ => Err(self.wrong(&Json::Bool(b))),
        }
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<(), E> {
        match self.ty() {
            Type::Int | Type::Any => self.builder.value(Value::Int(n)),
            Type::Float => self.builder.value(Value::Float(n as f64)),
            _ => return Err(self.wrong(&Json::from(n))),
        }
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<(), E> {
        match i64::try_from(n) {
            Ok(i) => self.visit_i64(i),
            // Too large for an integer column: as the JSON reader judges it.
            Err(_) => self.json(Json::from(n)),
        }
    }
    fn visit_f64<E: de::Error>(self, x: f64) -> Result<(), E> {
        match self.ty() {
            Type::Float | Type::Any => {
                self.builder.value(Value::Float(x));
                Ok(())
            }
            _ => self.json(Json::from(x)),
        }
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        match self.ty() {
            Type::Str | Type::Any => {
                let k = self.builder.row.len();
                let v = Value::Str(self.builder.share(k, s));
                self.builder.value(v);
                Ok(())
            }
            Type::Ip => match s.parse() {
                Ok(ip) => {
                    self.builder.value(Value::Ip(ip));
                    Ok(())
                }
                Err(_) => Err(self.wrong(&Json::String(s.to_string()))),
            },
            _ => Err(self.wrong(&Json::String(s.to_string()))),
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<(), A::Error> {
        let cell = Json::deserialize(de::value::MapAccessDeserializer::new(m))?;
        self.json(cell)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<(), A::Error> {
        let cell = Json::deserialize(de::value::SeqAccessDeserializer::new(s))?;
        self.json(cell)
    }
}

/// The `rows` array of a table whose columns are known.
struct RowsSeed<'a> {
    name: &'a str,
    columns: &'a [Column],
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = Table;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Table, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = Table;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "table {} rows as an array", self.name)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Table, A::Error> {
        let mut b = Builder::new(self.name, self.columns, s.size_hint().unwrap_or(0));
        let mut i = 0;
        while s
            .next_element_seed(RowSeed {
                builder: &mut b,
                index: i,
            })?
            .is_some()
        {
            i += 1;
        }
        Ok(b.table)
    }
    only_arrays!(Table, missing_rows);
}

impl RowsSeed<'_> {
    fn missing_rows(&self) -> String {
        missing(self.name, "rows")
    }
}

/// One row: its cells are added to the builder as they are read.
struct RowSeed<'b, 'a> {
    builder: &'b mut Builder<'a>,
    index: usize,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&not_an_array(self.builder.name, self.index))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        let b = self.builder;
        let want = b.columns.len();
        let mut got = 0;
        loop {
            if got < want {
                let seed = CellSeed {
                    builder: &mut *b,
                    index: self.index,
                };
                if s.next_element_seed(seed)?.is_none() {
                    break;
                }
            } else if s.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            got += 1;
        }
        if got != want {
            b.row.clear();
            return Err(de::Error::custom(count_error(
                b.name, self.index, got, want,
            )));
        }
        b.end_row();
        Ok(())
    }
    only_arrays!((), row_not_an_array);
}

impl RowSeed<'_, '_> {
    fn row_not_an_array(&self) -> String {
        not_an_array(self.builder.name, self.index)
    }
}
