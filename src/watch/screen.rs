//! The terminal view of `netpry watch`, drawn in place: a header, then the table with a mark
//! column (`+` added, `-` removed, `~` changed), changed cells in reverse video and, unless
//! `NO_COLOR` is set, added rows green and removed rows red. Pure: the caller gives the rows
//! as text, the size of the terminal and whether to colour, and a writer.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

/// What happened to a row in the last interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// New in the last interval.
    Added,
    /// Gone in the last interval (shown for one interval).
    Removed,
    /// Some cells changed.
    Changed,
    /// As before.
    Same,
}

/// One row of the view, already formatted.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewRow {
    /// The row's mark.
    pub mark: Mark,
    /// Cell texts, one per column.
    pub cells: Vec<String>,
    /// Which cells changed in the last interval.
    pub hot: Vec<bool>,
}

/// A whole screen.
#[derive(Debug, Clone)]
pub struct View<'a> {
    /// Header lines (host, namespace, time, interval, counts, keys).
    pub header: &'a [String],
    /// Column titles.
    pub columns: &'a [String],
    /// Rows, in display order.
    pub rows: &'a [ViewRow],
    /// Whether to use colour.
    pub color: bool,
    /// Terminal width in columns.
    pub width: usize,
    /// Terminal height in lines.
    pub height: usize,
}

const WIDEST_CELL: usize = 40;

/// Draws `view` from the top-left corner, clearing what the last screen left behind.
pub fn draw(view: &View, out: &mut dyn Write) -> io::Result<()> {
    let mut widths: Vec<usize> = view.columns.iter().map(|c| c.width()).collect();
    let room = view.height.saturating_sub(view.header.len() + 1).max(1);
    let shown = if view.rows.len() > room {
        room.saturating_sub(1)
    } else {
        view.rows.len()
    };
    for r in &view.rows[..shown] {
        for (w, c) in widths.iter_mut().zip(&r.cells) {
            *w = (*w).max(c.width()).min(WIDEST_CELL);
        }
    }
    out.write_all(b"\x1b[H")?;
    for h in view.header {
        line(out, &fit(h, view.width), "")?;
    }
    let titles: Vec<(&str, bool)> = view.columns.iter().map(|c| (c.as_str(), false)).collect();
    row_line(out, view, &widths, ' ', &titles, "\x1b[1m")?;
    for r in &view.rows[..shown] {
        let (mark, style) = match r.mark {
            Mark::Added => ('+', if view.color { "\x1b[32m" } else { "" }),
            Mark::Removed => ('-', if view.color { "\x1b[31;2m" } else { "\x1b[2m" }),
            Mark::Changed => ('~', ""),
            Mark::Same => (' ', ""),
        };
        let cells: Vec<(&str, bool)> = r
            .cells
            .iter()
            .zip(r.hot.iter().chain(std::iter::repeat(&false)))
            .map(|(c, h)| (c.as_str(), *h))
            .collect();
        row_line(out, view, &widths, mark, &cells, style)?;
    }
    if shown < view.rows.len() {
        let more = format!("… {} more rows", view.rows.len() - shown);
        line(out, &fit(&more, view.width), "")?;
    }
    out.write_all(b"\x1b[J")?;
    out.flush()
}

/// Writes one table line: the mark, then the cells padded to `widths`, cut at the terminal
/// width; hot cells in reverse video.
fn row_line(
    out: &mut dyn Write,
    view: &View,
    widths: &[usize],
    mark: char,
    cells: &[(&str, bool)],
    style: &str,
) -> io::Result<()> {
    let mut text = String::new();
    text.push_str(style);
    text.push(mark);
    let mut used = 1;
    for ((cell, hot), &w) in cells.iter().zip(widths) {
        if used + 1 >= view.width {
            break;
        }
        let room = (view.width - used - 1).min(w);
        let cell = fit(cell, room);
        let pad = room.saturating_sub(cell.width());
        text.push(' ');
        if *hot {
            text.push_str("\x1b[7m");
            text.push_str(&cell);
            text.push_str("\x1b[27m");
        } else {
            text.push_str(&cell);
        }
        text.extend(std::iter::repeat_n(' ', pad));
        used += 1 + room;
    }
    line(
        out,
        text.trim_end(),
        if style.is_empty() { "" } else { "\x1b[0m" },
    )
}

fn line(out: &mut dyn Write, text: &str, end: &str) -> io::Result<()> {
    write!(out, "{text}{end}\x1b[K\r\n")
}

/// `s` cut to `width` columns (with `…` when cut).
fn fit(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// A sparkline of `values` (highest = full block), one character each.
pub fn sparkline(values: impl IntoIterator<Item = f64>) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let v: Vec<f64> = values.into_iter().collect();
    let max = v.iter().copied().fold(0.0_f64, f64::max);
    v.iter()
        .map(|&x| {
            if max <= 0.0 || x <= 0.0 {
                BARS[0]
            } else {
                BARS[((x / max) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
}

/// A rate per second in a short human form (`0`, `12`, `1.5k`, `3.2M`).
pub fn human_rate(x: f64) -> String {
    let a = x.abs();
    if a < 1000.0 {
        if a == a.trunc() {
            format!("{x:.0}")
        } else {
            format!("{x:.1}")
        }
    } else if a < 1e6 {
        format!("{:.1}k", x / 1e3)
    } else if a < 1e9 {
        format!("{:.1}M", x / 1e6)
    } else {
        format!("{:.1}G", x / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(color: bool) -> String {
        let header = ["netpry watch · h".to_string()];
        let columns = ["name".to_string(), "mtu".to_string()];
        let rows = [
            ViewRow {
                mark: Mark::Added,
                cells: vec!["dummy0".into(), "1500".into()],
                hot: vec![false, false],
            },
            ViewRow {
                mark: Mark::Changed,
                cells: vec!["lo".into(), "9000".into()],
                hot: vec![false, true],
            },
            ViewRow {
                mark: Mark::Removed,
                cells: vec!["gone".into(), "1500".into()],
                hot: vec![false, false],
            },
        ];
        let view = View {
            header: &header,
            columns: &columns,
            rows: &rows,
            color,
            width: 80,
            height: 24,
        };
        let mut buf = Vec::new();
        draw(&view, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn marks_highlights_and_colour() {
        let t = text(true);
        assert!(t.starts_with("\x1b[H"), "{t:?}");
        assert!(t.contains("\x1b[32m+ dummy0 1500\x1b[0m"), "{t:?}");
        assert!(t.contains("~ lo     \x1b[7m9000\x1b[27m"), "{t:?}");
        assert!(t.contains("\x1b[31;2m- gone"), "{t:?}");
        let plain = text(false);
        assert!(!plain.contains("\x1b[32m") && !plain.contains("\x1b[31"));
        assert!(plain.contains("+ dummy0") && plain.contains("\x1b[7m9000"));
    }

    #[test]
    fn sparklines_and_rates() {
        assert_eq!(sparkline([0.0, 1.0, 2.0]), "▁▅█");
        assert_eq!(sparkline([0.0, 0.0]), "▁▁");
        assert_eq!(human_rate(12.0), "12");
        assert_eq!(human_rate(1500.0), "1.5k");
        assert_eq!(fit("abcdef", 4), "abc…");
    }
}
