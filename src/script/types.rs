//! The custom types scripts see: `Table` (a shared table), `Row` (a table and a row index, never
//! copied into an object map), `Ip` (an address that compares as an address) and `Grouping`
//! (a table waiting for its aggregate), and the conversion between cell values and Rhai values.

use std::net::IpAddr;
use std::sync::Arc;

use rhai::{Dynamic, ImmutableString};

use crate::model::{Table, Value};

/// A table as a script value: cloning shares the rows.
#[derive(Debug, Clone)]
pub struct TableRef(pub Arc<Table>);

impl TableRef {
    /// Wraps a freshly computed table.
    pub fn new(t: Table) -> TableRef {
        TableRef(Arc::new(t))
    }
}

/// One row: the table it belongs to and its index. Reading `row.col` looks the column up and
/// converts that one cell; nothing else is copied.
#[derive(Debug, Clone)]
pub struct Row {
    /// The table.
    pub table: Arc<Table>,
    /// Row index.
    pub index: usize,
}

impl Row {
    /// The cells of this row.
    pub fn cells(&self) -> Vec<Value> {
        self.table.row(self.index)
    }
}

/// Iterates a table's rows (`for row in table`).
pub struct RowIter {
    table: Arc<Table>,
    next: usize,
}

impl Iterator for RowIter {
    type Item = Row;
    fn next(&mut self) -> Option<Row> {
        (self.next < self.table.len()).then(|| {
            self.next += 1;
            Row {
                table: Arc::clone(&self.table),
                index: self.next - 1,
            }
        })
    }
}

impl IntoIterator for TableRef {
    type Item = Row;
    type IntoIter = RowIter;
    fn into_iter(self) -> RowIter {
        RowIter {
            table: self.0,
            next: 0,
        }
    }
}

/// An IP address value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ip(pub IpAddr);

/// `table.group_by(col)`: the table and the key column, finished by `.count()`, `.sum(col)`,
/// `.min(col)` or `.max(col)`.
#[derive(Debug, Clone)]
pub struct Grouping {
    /// The grouped table.
    pub table: Arc<Table>,
    /// The key columns' names.
    pub keys: Vec<String>,
}

/// A cell as a Rhai value: null is `()`, integers `i64`, floats `f64`, text a string, booleans
/// `bool`, addresses [`Ip`].
pub fn to_dynamic(v: &Value) -> Dynamic {
    match v {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Int(n) => Dynamic::from_int(*n),
        Value::Float(x) => Dynamic::from_float(*x),
        Value::Str(s) => Dynamic::from(ImmutableString::from(&**s)),
        // Scripts see a name that is not UTF-8 in its escaped form (`b\xff`); joins and
        // filters done by the table methods compare the bytes themselves.
        Value::Bytes(_) => Dynamic::from(ImmutableString::from(v.to_string())),
        Value::Ip(ip) => Dynamic::from(Ip(*ip)),
    }
}

/// A Rhai value as a cell. Values with no cell type (arrays, maps, rows, tables) become their
/// text form.
pub fn from_dynamic(d: &Dynamic) -> Value {
    if d.is_unit() {
        Value::Null
    } else if let Ok(b) = d.as_bool() {
        Value::Bool(b)
    } else if let Ok(n) = d.as_int() {
        Value::Int(n)
    } else if let Ok(x) = d.as_float() {
        Value::Float(x)
    } else if let Some(ip) = d.clone().try_cast::<Ip>() {
        Value::Ip(ip.0)
    } else if let Ok(s) = d.as_immutable_string_ref() {
        Value::str(&*s)
    } else {
        Value::str(d.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip_through_rhai_values() {
        for v in [
            Value::Null,
            Value::Bool(true),
            Value::Int(-3),
            Value::Float(2.5),
            Value::str("ESTAB"),
            Value::Ip("fe80::1".parse().unwrap()),
        ] {
            assert_eq!(from_dynamic(&to_dynamic(&v)), v);
        }
    }
}
