//! Building a table from computed rows (the result of a script's `map`), inferring each
//! column's type from its values.

use crate::model::{Column, Table, Type, Value};

/// A table named `name` with `columns` and `rows` (each row one value per column). A column's
/// type is the type all its non-null values share, or [`Type::Any`] when they differ or are
/// all null.
pub fn from_rows(name: &str, columns: &[String], rows: Vec<Vec<Value>>) -> Table {
    let schema: Vec<Column> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut ty: Option<Type> = None;
            for row in &rows {
                match (row[i].type_of(), ty) {
                    (None, _) => {}
                    (Some(t), None) => ty = Some(t),
                    (Some(t), Some(seen)) if t != seen => {
                        ty = Some(Type::Any);
                        break;
                    }
                    _ => {}
                }
            }
            Column::computed(c.clone(), ty.unwrap_or(Type::Any))
        })
        .collect();
    let mut t = Table::with_capacity(name.to_string(), schema, rows.len());
    for row in rows {
        t.push(row);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_types_from_values() {
        let cols = ["n".to_string(), "mixed".to_string(), "none".to_string()];
        let t = from_rows(
            "m",
            &cols,
            vec![
                vec![Value::Int(1), Value::Int(1), Value::Null],
                vec![Value::Null, Value::str("x"), Value::Null],
            ],
        );
        let types: Vec<Type> = t.columns().iter().map(|c| c.ty).collect();
        assert_eq!(types, [Type::Int, Type::Any, Type::Any]);
        assert_eq!(t.len(), 2);
    }
}
