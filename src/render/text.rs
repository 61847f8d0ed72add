//! Text output: an aligned table (drawn by tabled) fitted to a width, and plain tab-separated
//! rows.
//!
//! Both formats go to people's terminals, so control characters inside values (C0, DEL, C1: a
//! process can put an escape sequence in its argv0, anyone can name a UNIX socket so) are
//! printed as visible escapes (`\e`, `\t`, `\n`, `\x07`, `\u{9b}`); a row is always one line.
//!
//! Fitting ([`super::fit`]): addresses, numbers and names are never cut; only long text is,
//! and columns that still do not fit are left out (empty ones first), a last line saying which
//! and how to see them.

use std::borrow::Cow;
use std::io::{self, Write};

use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Alignment, Modify, Style};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::fit::ColumnInfo;
use crate::model::{Table, Type};

/// Writes `table` as an aligned table; numbers are right-aligned; when `width` is given the
/// table is fitted to it (see the module documentation).
pub fn write_table(table: &Table, width: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    write_table_noting(table, width, &[], out)
}

/// [`write_table`], saying in the footer that the columns `hidden` (left out before, by a
/// default view) are not shown either.
pub fn write_table_noting(
    table: &Table,
    width: Option<usize>,
    hidden: &[String],
    out: &mut dyn Write,
) -> io::Result<()> {
    if table.width() == 0 {
        return writeln!(out, "(no columns)");
    }
    let headers: Vec<String> = table
        .columns()
        .iter()
        .map(|c| escape_controls(&c.name).into_owned())
        .collect();
    let ncols = headers.len();
    // One flat vector of cells, row after row: fewer allocations for big tables.
    let mut cells: Vec<String> = Vec::with_capacity(table.len() * ncols);
    for row in table.rows() {
        cells.extend(row.iter().map(|v| super::cell_text(v).into_owned()));
    }
    let mut natural: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    let mut empty = vec![true; ncols];
    for row in cells.chunks_exact(ncols) {
        for ((n, e), c) in natural.iter_mut().zip(empty.iter_mut()).zip(row) {
            *n = (*n).max(cell_width(c));
            *e &= c.is_empty();
        }
    }
    let infos: Vec<ColumnInfo> = table
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| ColumnInfo {
            natural: natural[i],
            header: headers[i].width(),
            text: super::fit::is_text(c.ty),
            empty: empty[i] && !cells.is_empty(),
        })
        .collect();
    let fitted = match width {
        Some(w) => super::fit::fit(&infos, &[], w),
        None => super::fit::Fitted {
            shown: (0..ncols).collect(),
            widths: natural.clone(),
            left_out: Vec::new(),
        },
    };
    let shown = &fitted.shown;
    // Cells are cut to their column's width here; tabled draws the box around them.
    let cut = |row: &[String]| -> Vec<String> {
        shown
            .iter()
            .zip(&fitted.widths)
            .map(|(&i, &w)| {
                let c = &row[i];
                if cell_width(c) > w {
                    let mut cut = String::with_capacity(w + 2);
                    push_cut(&mut cut, c, w);
                    cut
                } else {
                    c.clone()
                }
            })
            .collect()
    };
    let mut b = Builder::with_capacity(table.len() + 1, shown.len());
    b.push_record(cut(&headers));
    for row in cells.chunks_exact(ncols) {
        b.push_record(cut(row));
    }
    let mut t = b.build();
    if cells.is_empty() {
        // A header-only table: no header separator, or the box would be left open.
        t.with(Style::sharp().remove_horizontals());
    } else {
        t.with(Style::sharp());
    }
    for (k, &i) in shown.iter().enumerate() {
        if matches!(table.columns()[i].ty, Type::Int | Type::Float) {
            t.with(Modify::new(Columns::one(k)).with(Alignment::right()));
        }
    }
    writeln!(out, "{t}")?;
    let mut left: Vec<String> = fitted
        .left_out
        .iter()
        .map(|&i| headers[i].clone())
        .collect();
    left.extend(hidden.iter().map(|h| escape_controls(h).into_owned()));
    if !left.is_empty() {
        let note = hidden_note(&left, !hidden.is_empty(), width.unwrap_or(usize::MAX));
        writeln!(out, "{note}")?;
    }
    Ok(())
}

/// The last line under a table some of whose columns were left out: how many, which (as
/// many names as fit in `w`), and how to see them (`--all` too when a default view left some
/// out).
fn hidden_note(hidden: &[String], view: bool, w: usize) -> String {
    let head = format!(
        "… {} more column{}",
        hidden.len(),
        if hidden.len() == 1 { "" } else { "s" }
    );
    let tail = if view {
        ": --all, -c or select([...]) shows them"
    } else {
        ": pick columns with select([...]) or -c, or use --format json"
    };
    let names = hidden.join(", ");
    // The names matter most: with the full advice, a short one, or none, before cutting them.
    for t in [tail, ": select([...]) shows them", ""] {
        let note = format!("{head} ({names}){t}");
        if note.width() <= w {
            return note;
        }
    }
    let room = w.saturating_sub(head.width() + tail.width() + 3);
    let mut note = head;
    if room >= 8 {
        note.push_str(" (");
        push_cut(&mut note, &names, room);
        note.push(')');
    }
    note.push_str(tail);
    if note.width() > w {
        let full = std::mem::take(&mut note);
        push_cut(&mut note, &full, w);
    }
    note
}

/// Display width, fast for ASCII (most cells).
fn cell_width(s: &str) -> usize {
    if s.is_ascii() { s.len() } else { s.width() }
}

fn pad(line: &mut String, n: usize) {
    line.extend(std::iter::repeat_n(' ', n));
}

/// Appends `s` cut to exactly `w` columns, its last one `…` (padding where a wide character
/// would straddle the cut).
fn push_cut(line: &mut String, s: &str, w: usize) {
    if w == 0 {
        return;
    }
    let mut used = 0;
    for ch in s.chars() {
        let cw = ch.width().unwrap_or(0);
        if used + cw > w - 1 {
            break;
        }
        line.push(ch);
        used += cw;
    }
    pad(line, w - 1 - used);
    line.push('…');
}

/// `s` with control characters (C0, DEL, C1) replaced by visible escapes: `\e`, `\t`, `\n`,
/// `\r`, `\x07`…, `\x7f`, `\u{9b}`… Borrowed when there is none.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    crate::model::escape_str(s)
}

/// Writes rows as tab-separated values, no header (null is empty). Control characters in
/// values, tabs and newlines included, are escaped, so a row is one line and a tab always
/// separates two fields.
pub fn write_plain(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    let mut line = String::new();
    for row in table.rows() {
        line.clear();
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                line.push('\t');
            }
            line.push_str(&super::cell_text(v));
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
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

    fn render(t: &Table, w: Option<usize>) -> String {
        let mut buf = Vec::new();
        write_table(t, w, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    /// A table like `sockets`: many columns, some long values.
    fn wide(cols: usize) -> Table {
        let columns: Vec<_> = (0..cols)
            .map(|i| Column {
                name: format!("column_{i}").into(),
                ty: Type::Str,
                doc: "".into(),
            })
            .collect();
        let mut t = Table::new("wide", columns);
        for r in 0..5 {
            t.push((0..cols).map(|c| Value::str(format!("value-{r}-{c}-{}", "x".repeat(c % 7)))));
        }
        t
    }

    #[test]
    fn table_aligns_numbers_right() {
        let s = render(&sample(), None);
        assert_eq!(
            s,
            "┌────────────────────────────┬───────┐\n\
             │ name                       │   mtu │\n\
             ├────────────────────────────┼───────┤\n\
             │ lo                         │ 65536 │\n\
             │ a-very-long-interface-name │  1500 │\n\
             └────────────────────────────┴───────┘\n"
        );
    }

    #[test]
    fn names_and_numbers_are_never_cut_columns_are_left_out_instead() {
        let s = render(&sample(), Some(35));
        assert!(s.lines().all(|l| l.width() <= 35), "{s}");
        assert!(s.contains("│ a-very-long-interface-name │"), "{s}");
        assert_eq!(s.lines().last().unwrap(), "… 1 more column (mtu)", "{s}");
        // Long text is cut, to no less than LONG_TEXT.
        let mut t = Table::new(
            "t",
            vec![
                Column::new("addr", Type::Ip, ""),
                Column::new("cmdline", Type::Str, ""),
            ],
        );
        t.push([
            Value::Ip("2001:db8::1234:5678".parse().unwrap()),
            Value::str("x".repeat(100)),
        ]);
        let s = render(&t, Some(70));
        assert!(s.lines().all(|l| l.width() <= 70), "{s}");
        assert!(s.contains("│ 2001:db8::1234:5678 │ xxxx"), "{s}");
        assert!(s.contains("x…"), "{s}");
        // Empty columns go first.
        let mut t = Table::new(
            "t",
            vec![
                Column::new("a", Type::Ip, ""),
                Column::new("nothing_here", Type::Str, ""),
                Column::new("b", Type::Ip, ""),
            ],
        );
        t.push([
            Value::Ip("10.0.0.1".parse().unwrap()),
            Value::Null,
            Value::Ip("10.0.0.2".parse().unwrap()),
        ]);
        let s = render(&t, Some(30));
        assert!(s.contains("│ 10.0.0.1 │ 10.0.0.2 │"), "{s}");
        assert!(s.contains("1 more column (nothing_here)"), "{s}");
    }

    #[test]
    fn wide_tables_fit_show_content_and_say_what_is_hidden() {
        let t = wide(37);
        for w in [40, 80, 200] {
            let s = render(&t, Some(w));
            assert!(s.lines().all(|l| l.width() <= w), "width {w}:\n{s}");
            let header = s.lines().nth(1).unwrap();
            assert!(
                header.starts_with("│ column_0 ") && header.contains("│ column_1 "),
                "{s}"
            );
            // Values are visible, not cut to nothing.
            for l in s.lines().skip(3).take(5) {
                assert!(
                    l.split('│')
                        .filter(|c| !c.is_empty())
                        .all(|c| c.contains("value-")),
                    "{s}"
                );
            }
            let last = s.lines().last().unwrap();
            assert!(
                last.starts_with("… ") && last.contains("more columns"),
                "{s}"
            );
        }
        let s = render(&t, Some(80));
        assert_eq!(
            s.lines().last().unwrap(),
            "… 32 more columns: pick columns with select([...]) or -c, or use --format json"
        );
        let s = render(&t, Some(200));
        assert!(
            s.lines().last().unwrap().contains(" more columns (column_"),
            "{s}"
        );
    }

    #[test]
    fn no_column_is_cut_below_its_name() {
        let t = wide(5);
        let s = render(&t, Some(60));
        assert!(s.lines().all(|l| l.width() <= 60), "{s}");
        for h in s
            .lines()
            .nth(1)
            .unwrap()
            .split('│')
            .filter(|c| !c.is_empty())
        {
            assert!(h.trim().starts_with("column_") && !h.contains('…'), "{s}");
        }
    }

    #[test]
    fn a_table_that_fits_is_not_touched() {
        assert_eq!(render(&wide(3), Some(200)), render(&wide(3), None));
    }

    #[test]
    fn a_tiny_width_keeps_one_column() {
        let s = render(&wide(3), Some(8));
        assert!(s.lines().take(3).all(|l| l.width() <= 8), "{s}");
        assert!(s.contains("│ val… │") && s.ends_with("\n… 2 mor…\n"), "{s}");
    }

    #[test]
    fn an_empty_table_is_a_closed_box() {
        let mut t = sample();
        t.retain(|_| false);
        assert_eq!(
            render(&t, None),
            "┌──────┬─────┐\n│ name │ mtu │\n└──────┴─────┘\n"
        );
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

    #[test]
    fn control_characters_are_visible_escapes() {
        assert!(matches!(escape_controls("plain é ✓"), Cow::Borrowed(_)));
        assert_eq!(
            escape_controls("x\x1b]0;pwned\x07\t\n\r\x7f\u{9b}y\0"),
            "x\\x1b]0;pwned\\x07\\x09\\x0a\\x0d\\x7f\\xc2\\x9by\\x00"
        );
    }

    #[test]
    fn no_control_character_reaches_the_terminal() {
        let mut t = Table::new(
            "t",
            vec![
                Column::new("argv0", Type::Str, ""),
                Column::new("n", Type::Int, ""),
            ],
        );
        t.push([Value::str("x\x1b]0;pwned\x07"), Value::Int(1)]);
        t.push([Value::str("two\nlines\tand\u{85}"), Value::Int(2)]);
        let s = render(&t, Some(80));
        assert!(!s.chars().any(|c| c.is_control() && c != '\n'), "{s:?}");
        assert!(s.contains("│ x\\x1b]0;pwned\\x07 "), "{s}");
        assert_eq!(s.lines().count(), 6, "{s}");
        let mut buf = Vec::new();
        write_plain(&t, &mut buf).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "x\\x1b]0;pwned\\x07\t1\ntwo\\x0alines\\x09and\\xc2\\x85\t2\n"
        );
    }
}
