//! `select`: keep some columns, in the order given.

use super::column_index;
use crate::error::Result;
use crate::model::Table;

/// The table with only `columns`, in that order; an unknown name is an error that suggests the
/// closest column, and a name given twice is an error naming it (a table, and a JSON object
/// per row, cannot hold two columns of one name).
pub fn select<S: AsRef<str>>(table: &Table, columns: &[S]) -> Result<Table> {
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].iter().any(|p| p.as_ref() == c.as_ref()) {
            return Err(crate::error::Error::Usage(format!(
                "select: column '{}' is named twice",
                c.as_ref()
            )));
        }
    }
    let idx = columns
        .iter()
        .map(|c| column_index(table, c.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    // The columns are shared, not copied.
    Ok(table.project(&idx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Type, Value};

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
        assert_eq!(s.row(0), [Value::Int(2), Value::Int(1)]);
        let e = select(&t, &["bb"]).unwrap_err().to_string();
        assert_eq!(e, "no column 'bb' in t; did you mean 'b'?");
        let e = select(&t, &["a", "b", "a"]).unwrap_err().to_string();
        assert_eq!(e, "select: column 'a' is named twice");
    }
}
