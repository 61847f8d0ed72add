//! CSV output (RFC 4180): a header row, then one line per row; null is an empty field.

use std::io::{self, Write};

use crate::model::Table;

/// Writes `table` as CSV.
pub fn write_csv(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    let header: Vec<String> = table
        .columns()
        .iter()
        .map(|c| field(&crate::model::escape_str(&c.name)))
        .collect();
    writeln!(out, "{}", header.join(","))?;
    for row in table.rows() {
        let cells: Vec<String> = row.iter().map(|v| field(&super::cell_text(v))).collect();
        writeln!(out, "{}", cells.join(","))?;
    }
    Ok(())
}

/// Quotes a field when it contains a comma, quote, or line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Type, Value};

    #[test]
    fn quotes_only_when_needed() {
        let mut t = Table::new(
            "t",
            vec![
                Column::new("a", Type::Str, ""),
                Column::new("b", Type::Int, ""),
            ],
        );
        t.push([Value::str("x,\"y\""), Value::Null]);
        let mut buf = Vec::new();
        write_csv(&t, &mut buf).unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "a,b\n\"x,\"\"y\"\"\",\n");
    }
}
