//! `select`: keep some columns, in the order given.

use crate::error::{Error, Result, suggest};
use crate::model::{Column, Table};

/// The table with only `columns`, in that order; an unknown name is an error that suggests the
/// closest column.
pub fn select<S: AsRef<str>>(table: &Table, columns: &[S]) -> Result<Table> {
    let mut idx = Vec::with_capacity(columns.len());
    for c in columns {
        let c = c.as_ref();
        idx.push(table.column_index(c).ok_or_else(|| Error::UnknownColumn {
            table: table.name().to_string(),
            column: c.to_string(),
            hint: suggest(c, table.columns().iter().map(|k| k.name.as_ref())),
        })?);
    }
    let schema: Vec<Column> = idx.iter().map(|&i| table.columns()[i].clone()).collect();
    let mut out = Table::with_capacity(table.name().to_string(), schema, table.len());
    for row in table.rows() {
        out.push(idx.iter().map(|&i| row[i].clone()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Type, Value};

    #[test]
    fn select_reorders_and_rejects_unknown() {
        let mut t = Table::new(
            "t",
            vec![
                Column::new("a", Type::Int, "a"),
                Column::new("b", Type::Int, "b"),
            ],
        );
        t.push([Value::Int(1), Value::Int(2)]);
        let s = select(&t, &["b", "a"]).unwrap();
        assert_eq!(s.row(0), &[Value::Int(2), Value::Int(1)]);
        let e = select(&t, &["bb"]).unwrap_err().to_string();
        assert_eq!(e, "no column 'bb' in t; did you mean 'b'?");
    }
}
