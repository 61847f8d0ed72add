//! `netpry diff OLD.json NEW.json`: what changed between two snapshots, table by table, with
//! the same engine as `netpry watch`. A summary line per table (`+added -removed ~changed`),
//! then the rows; rates when both snapshots carry their times. Exit status as diff(1): 0 when
//! nothing differs, 1 when something does, 2 for trouble.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::model::Table;
use crate::query::change::{Action, ChangeSpec, Changes, Delta, changes, key_text};
use crate::render::cell_text;
use crate::snapshot::Snapshot;

use super::events::{EventContext, write_events};
use super::screen::human_rate;

/// What to compare.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Only these tables (all tables of either snapshot when empty).
    pub tables: Vec<String>,
    /// Compare snapshots of different hosts.
    pub any_host: bool,
    /// JSON events instead of text.
    pub json: bool,
}

/// Seconds since the epoch of an RFC 3339 UTC time as snapshots write it
/// (`2026-11-28T16:32:29Z`); `None` for anything else.
pub fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Compares the snapshots at `old` and `new` and writes the differences to `out`; returns 0
/// when nothing differs and 1 when something does.
pub fn run(old: &Path, new: &Path, opts: &DiffOptions, out: &mut dyn Write) -> Result<u8> {
    let a = Snapshot::load(old)?;
    let b = Snapshot::load(new)?;
    diff(&a, &b, opts, out)
}

/// [`run`] over loaded snapshots.
pub fn diff(a: &Snapshot, b: &Snapshot, opts: &DiffOptions, out: &mut dyn Write) -> Result<u8> {
    if a.info.host != b.info.host && !opts.any_host {
        return Err(Error::Usage(format!(
            "the snapshots are of different hosts ('{}' and '{}'); add --any-host to compare them anyway",
            crate::model::escape_str(&a.info.host),
            crate::model::escape_str(&b.info.host)
        )));
    }
    let names: Vec<String> = if opts.tables.is_empty() {
        let mut n: Vec<String> = a.tables.keys().chain(b.tables.keys()).cloned().collect();
        n.sort();
        n.dedup();
        // Registry order first, then any other tables a snapshot holds.
        let pos = |t: &str| crate::tables::TABLES.iter().position(|d| d.name == t);
        n.sort_by_key(|t| (pos(t).unwrap_or(usize::MAX), t.clone()));
        n
    } else {
        for t in &opts.tables {
            crate::tables::lookup(t)?;
        }
        opts.tables.clone()
    };
    let elapsed = match (parse_time(&a.info.time), parse_time(&b.info.time)) {
        (Some(x), Some(y)) if y > x => Some((y - x) as f64),
        _ => None,
    };
    let mut results: Vec<(String, Arc<Table>, Arc<Table>, Changes)> = Vec::new();
    let mut missing = Vec::new();
    for name in &names {
        let (ta, tb) = match (a.tables.get(name), b.tables.get(name)) {
            (Some(x), Some(y)) => (Arc::clone(x), Arc::clone(y)),
            (x, y) => {
                missing.push(format!(
                    "{name}: not in the {} snapshot; not compared",
                    match (x, y) {
                        (None, None) => "old or the new",
                        (None, _) => "old",
                        _ => "new",
                    }
                ));
                continue;
            }
        };
        let spec = ChangeSpec::for_table(&tb);
        let ch = changes(&ta, &tb, &spec, elapsed);
        results.push((name.clone(), ta, tb, ch));
    }
    let w = |r: std::io::Result<()>| r.map_err(Error::Output);
    let differ = results.iter().any(|r| !r.3.is_empty());
    if opts.json {
        for (name, ta, tb, ch) in &results {
            let ctx = EventContext {
                time: &b.info.time,
                host: &b.info.host,
                netns: None,
                table: name,
                initial: false,
            };
            w(write_events(&ctx, ta, tb, ch, out))?;
        }
    } else {
        let span = match elapsed {
            Some(e) => format!(", {e} s apart"),
            None => String::new(),
        };
        w(writeln!(
            out,
            "{} {} -> {} {}{span}",
            crate::model::escape_str(&a.info.host),
            a.info.time,
            crate::model::escape_str(&b.info.host),
            b.info.time
        ))?;
        for (name, _, _, ch) in &results {
            let (x, y, z) = ch.counts();
            w(writeln!(out, "{name}: +{x} -{y} ~{z}"))?;
        }
        for m in &missing {
            w(writeln!(out, "{m}"))?;
        }
        for (name, ta, tb, ch) in results.iter().filter(|r| !r.3.is_empty()) {
            w(writeln!(out, "\n--- {name}"))?;
            for r in &ch.rows {
                w(writeln!(out, "{}", row_line(ta, tb, ch, r)))?;
            }
        }
    }
    Ok(u8::from(differ))
}

/// One row of the text output: `+ key  col=value ...` for added and removed rows (the
/// non-null cells outside the key), `~ key  col: old -> new ...` for changed ones, with counter deltas and rates.
fn row_line(old: &Table, new: &Table, ch: &Changes, r: &crate::query::change::RowChange) -> String {
    let key = key_text(old, new, ch, r);
    let cells = |t: &Table, i: usize| -> String {
        let key_cols = if std::ptr::eq(t, new) {
            &ch.key
        } else {
            &ch.old_key
        };
        t.columns()
            .iter()
            .zip(t.row(i))
            .enumerate()
            .filter(|(c, (_, v))| !v.is_null() && !key_cols.contains(c))
            .map(|(_, cv)| cv)
            .map(|(c, v)| format!("{}={}", c.name, cell_text(&v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    match (r.action, r.old, r.new) {
        (Action::Added, _, Some(n)) => format!("+ {key}  {}", cells(new, n)),
        (Action::Removed, Some(o), _) => format!("- {key}  {}", cells(old, o)),
        (_, Some(o), Some(n)) => {
            let parts: Vec<String> = r
                .changed
                .iter()
                .filter_map(|&c| {
                    let oc = ch.old_column[c]?;
                    let mut s = format!(
                        "{}: {} -> {}",
                        new.columns()[c].name,
                        cell_text(&old.cell(o, oc)),
                        cell_text(&new.cell(n, c))
                    );
                    if let Some(cc) = r.counters.iter().find(|cc| cc.column == c) {
                        match (cc.delta, cc.rate) {
                            (Delta::Up(d), Some(rate)) => {
                                s.push_str(&format!(" (+{d}, {}/s)", human_rate(rate)));
                            }
                            (Delta::Up(d), None) => s.push_str(&format!(" (+{d})")),
                            (Delta::Reset, _) => s.push_str(" (reset)"),
                        }
                    }
                    Some(s)
                })
                .collect();
            format!("~ {key}  {}", parts.join(", "))
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_times_parse_back() {
        for secs in [0, 1_795_883_549, 951_782_400] {
            assert_eq!(
                parse_time(&crate::snapshot::rfc3339(secs)),
                Some(secs as i64)
            );
        }
        assert_eq!(parse_time("2026-11-28 16:32:29"), None);
        assert_eq!(parse_time("2026-13-28T16:32:29Z"), None);
        assert_eq!(parse_time(""), None);
    }
}
