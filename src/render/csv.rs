//! CSV output (RFC 4180): a header row, then one line per row; null is an empty field. Text is
//! escaped as for people ([`crate::model::escape_str`]: control characters as `\xNN`, the
//! backslash doubled), so no control character of a value reaches the output and a row is
//! always one line.

use std::io::{self, Write};

use crate::model::{Table, escape_str};

/// Writes `table` as CSV.
pub fn write_csv(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    let header: Vec<String> = table
        .columns()
        .iter()
        .map(|c| field(&escape_str(&c.name)))
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

    #[test]
    fn control_characters_are_escaped() {
        // Found by the `render` fuzz target: a tab in a sysctl value (net.ipv4.tcp_mem) or an
        // ESC in a socket path went raw into CSV output.
        let mut t = Table::new("t", vec![Column::new("a\x1b", Type::Str, "")]);
        t.push([Value::str("18432\t24576\n\x1b[31m\\")]);
        t.push([Value::name(b"b\xff\x07")]);
        let mut buf = Vec::new();
        write_csv(&t, &mut buf).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "a\\x1b\n18432\\x0924576\\x0a\\x1b[31m\\\\\nb\\xff\\x07\n"
        );
    }
}
