//! Text output: an aligned table (tabled) fitted to a width, and plain tab-separated rows.

use std::io::{self, Write};

use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::peaker::Priority;
use tabled::settings::{Alignment, Modify, Style, Width};

use crate::model::{Table, Type};

/// Writes `table` as an aligned table; numbers are right-aligned; when `width` is given the
/// widest columns are truncated until the table fits.
pub fn write_table(table: &Table, width: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    if table.width() == 0 {
        return writeln!(out, "(no columns)");
    }
    let mut b = Builder::with_capacity(table.len() + 1, table.width());
    b.push_record(table.columns().iter().map(|c| c.name.to_string()));
    for row in table.rows() {
        b.push_record(row.iter().map(|v| v.to_string()));
    }
    let mut t = b.build();
    if table.is_empty() {
        // A header-only table: no header separator, or the box would be left open.
        t.with(Style::sharp().remove_horizontals());
    } else {
        t.with(Style::sharp());
    }
    for (i, c) in table.columns().iter().enumerate() {
        if matches!(c.ty, Type::Int | Type::Float) {
            t.with(Modify::new(Columns::one(i)).with(Alignment::right()));
        }
    }
    if let Some(w) = width {
        t.with(Width::truncate(w).priority(Priority::max(true)));
    }
    writeln!(out, "{t}")
}

/// Writes rows as tab-separated values, no header (null is empty).
pub fn write_plain(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    for row in table.rows() {
        let mut first = true;
        for v in row {
            if !first {
                out.write_all(b"\t")?;
            }
            first = false;
            write!(out, "{v}")?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Value};

    fn sample() -> Table {
        let mut t = Table::new(
            "t",
            vec![
                Column::new("name", Type::Str, ""),
                Column::new("mtu", Type::Int, ""),
            ],
        );
        t.push([Value::str("lo"), Value::Int(65536)]);
        t.push([Value::str("a-very-long-interface-name"), Value::Int(1500)]);
        t
    }

    #[test]
    fn table_aligns_numbers_right() {
        let mut buf = Vec::new();
        write_table(&sample(), None, &mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.contains("│ lo                         │ 65536 │"), "{s}");
        assert!(s.contains("│  1500 │"), "{s}");
    }

    #[test]
    fn table_fits_the_width() {
        let mut buf = Vec::new();
        write_table(&sample(), Some(20), &mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.lines().all(|l| l.chars().count() <= 20), "{s}");
    }

    #[test]
    fn an_empty_table_is_a_closed_box() {
        let mut t = sample();
        t.retain(|_| false);
        let mut buf = Vec::new();
        write_table(&t, None, &mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert_eq!(s, "┌──────┬─────┐\n│ name │ mtu │\n└──────┴─────┘\n");
    }

    #[test]
    fn plain_is_tab_separated() {
        let mut buf = Vec::new();
        write_plain(&sample(), &mut buf).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "lo\t65536\na-very-long-interface-name\t1500\n"
        );
    }
}
