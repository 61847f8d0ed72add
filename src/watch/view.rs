//! The interactive side of `netpry watch` on a terminal: the collection loop with keys
//! (`q` quit, space pause, `r` rates or absolute values), and turning each interval's changes
//! into the rows [`super::screen`] draws, with per-second rates and sparklines of recent
//! intervals for counter columns. `netpry watch table stats` shows, like `nstat`, only the
//! counters that moved, with their delta.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::screen::{self, Mark, ViewRow};
use super::terminal::RawTerminal;
use super::{Options, Sample, compare, empty_like, sample};
use crate::error::{Error, Result};
use crate::model::Table;
use crate::query::change::{Action, ChangeSpec, Changes, Delta, key_text};
use crate::render::cell_text;

/// How many intervals a sparkline shows.
const SPARK: usize = 8;

/// What the view keeps between intervals.
struct State {
    rates: bool,
    paused: bool,
    interval: u64,
    /// Recent rates per row key and counter column: (interval, rate).
    history: HashMap<(String, usize), VecDeque<(u64, f64)>>,
}

/// Runs the terminal view until `q` or Ctrl-C (or `--count` intervals).
pub fn run(opts: &Options) -> Result<u8> {
    let term = RawTerminal::enter().map_err(Error::Output)?;
    let host = crate::catalog::Catalog::live().host_info().host;
    let netns = crate::catalog::this_process::current_netns();
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut state = State {
        rates: true,
        paused: false,
        interval: 0,
        history: HashMap::new(),
    };
    let mut prev: Option<Sample> = None;
    let mut last: Option<(Table, Changes)> = None;
    let mut spec: Option<ChangeSpec> = None;
    let mut notes = Vec::new();
    let mut next_at = Instant::now();
    let mut collected: u64 = 0;
    loop {
        if !state.paused && Instant::now() >= next_at {
            let next = sample(&opts.target, &mut notes)?;
            let spec = spec.get_or_insert_with(|| ChangeSpec::for_table(&next.table));
            let old = match prev.take() {
                Some(p) => p,
                None => Sample {
                    table: empty_like(&next.table),
                    at: next.at,
                    time: next.time.clone(),
                },
            };
            let first = collected == 0;
            let ch = compare(&old.table, (!first).then_some(old.at), &next, spec);
            state.interval += 1;
            remember_rates(&mut state, &old.table, &next.table, &ch);
            last = Some((old.table, ch));
            prev = Some(next);
            collected += 1;
            next_at += Duration::from_secs_f64(opts.interval);
            if next_at < Instant::now() {
                next_at = Instant::now();
            }
        }
        if let (Some(p), Some((old, ch))) = (&prev, &last) {
            let header = header(opts, &host, netns, p, ch, &state, notes.last());
            draw(&header, old, &p.table, ch, &state, color)?;
        }
        if opts.count.is_some_and(|c| collected >= c) {
            break;
        }
        // Keys until the next collection.
        let mut redraw = false;
        while !redraw {
            let wait = next_at.saturating_duration_since(Instant::now());
            if !state.paused && wait.is_zero() {
                break;
            }
            match term.key(wait.min(Duration::from_millis(200))) {
                Some(b'q' | b'Q' | 3) => {
                    drop(term);
                    return Ok(0);
                }
                Some(b' ') => {
                    state.paused = !state.paused;
                    if !state.paused {
                        next_at = Instant::now();
                    }
                    redraw = true;
                }
                Some(b'r' | b'R') => {
                    state.rates = !state.rates;
                    redraw = true;
                }
                _ => {}
            }
        }
    }
    drop(term);
    Ok(0)
}

/// Records this interval's counter rates for the sparklines, and forgets rows not seen for a
/// whole sparkline.
fn remember_rates(state: &mut State, old: &Table, new: &Table, ch: &Changes) {
    let now = state.interval;
    for r in &ch.rows {
        if r.action != Action::Changed || r.counters.is_empty() {
            continue;
        }
        let key = key_text(old, new, ch, r);
        for cc in &r.counters {
            let rate = match cc.delta {
                Delta::Up(_) => cc.rate.unwrap_or(0.0),
                Delta::Reset => 0.0,
            };
            let h = state.history.entry((key.clone(), cc.column)).or_default();
            h.push_back((now, rate));
            while h.len() > SPARK {
                h.pop_front();
            }
        }
    }
    state
        .history
        .retain(|_, h| h.back().is_some_and(|(i, _)| now - i < SPARK as u64));
}

/// The sparkline of a row's counter over the last intervals (0 where it did not move).
fn spark_of(state: &State, key: &str, col: usize) -> String {
    let mut values = [0.0; SPARK];
    if let Some(h) = state.history.get(&(key.to_string(), col)) {
        for (i, r) in h {
            let age = state.interval - i;
            if (age as usize) < SPARK {
                values[SPARK - 1 - age as usize] = *r;
            }
        }
    }
    screen::sparkline(values)
}

fn header(
    opts: &Options,
    host: &str,
    netns: Option<u64>,
    p: &Sample,
    ch: &Changes,
    state: &State,
    note: Option<&String>,
) -> Vec<String> {
    let (a, r, c) = ch.counts();
    let ns = if crate::namespaces::choice() == crate::namespaces::Choice::All {
        "all".to_string()
    } else {
        netns.map_or_else(|| "?".to_string(), |n| n.to_string())
    };
    let mut status = Vec::new();
    if state.paused {
        status.push("PAUSED");
    }
    status.push(if state.rates { "rates/s" } else { "absolute" });
    let mut h = vec![
        format!(
            "netpry watch {} · host {host} · netns {ns} · {} · every {}s · {}",
            opts.target.describe(),
            p.time,
            opts.interval,
            status.join(" · ")
        ),
        format!(
            "+{a} -{r} ~{c} · {} rows · q quit · space pause · r rates/absolute",
            p.table.len()
        ),
    ];
    if let Some(n) = note {
        h.push(format!("note: {n}"));
    }
    h
}

/// Builds the rows of the view and draws them.
fn draw(
    header: &[String],
    old: &Table,
    new: &Table,
    ch: &Changes,
    state: &State,
    color: bool,
) -> Result<()> {
    let nstat = new.name() == "stats" && !old.is_empty();
    let mut marks: Vec<Option<usize>> = vec![None; new.len()];
    for (i, r) in ch.rows.iter().enumerate() {
        if let Some(n) = r.new {
            marks[n] = Some(i);
        }
    }
    let mut columns: Vec<String> = new.columns().iter().map(|c| c.name.to_string()).collect();
    let value_col = new.column_index("value");
    if nstat {
        columns.push("delta".into());
    }
    let rows_out = |n: usize, rc: Option<usize>| -> ViewRow {
        let r = rc.map(|i| &ch.rows[i]);
        let mark = match r.map(|r| r.action) {
            Some(Action::Added) => Mark::Added,
            Some(Action::Changed) => Mark::Changed,
            _ => Mark::Same,
        };
        let key = r
            .filter(|r| !r.counters.is_empty())
            .map(|r| key_text(old, new, ch, r));
        let mut cells = Vec::with_capacity(columns.len());
        let mut hot = Vec::with_capacity(columns.len());
        for (c, v) in new.row(n).iter().enumerate() {
            hot.push(r.is_some_and(|r| r.changed.contains(&c)));
            let counter = ch.counters.contains(&c) && mark != Mark::Added;
            if state.rates && counter {
                let rate = r
                    .and_then(|r| r.counters.iter().find(|cc| cc.column == c))
                    .map(|cc| match cc.delta {
                        Delta::Up(_) => screen::human_rate(cc.rate.unwrap_or(0.0)),
                        Delta::Reset => "reset".to_string(),
                    })
                    .unwrap_or_else(|| "0".into());
                let spark = key.as_deref().map_or_else(
                    || screen::sparkline([0.0; SPARK]),
                    |k| spark_of(state, k, c),
                );
                cells.push(format!("{rate}/s {spark}"));
            } else {
                cells.push(cell_text(v).into_owned());
            }
        }
        if nstat {
            let d = r
                .and_then(|r| r.counters.iter().find(|cc| Some(cc.column) == value_col))
                .map_or_else(String::new, |cc| match cc.delta {
                    Delta::Up(d) => d.to_string(),
                    Delta::Reset => "reset".into(),
                });
            cells.push(d);
            hot.push(false);
        }
        ViewRow { mark, cells, hot }
    };
    let (width, height) = terminal_size::terminal_size()
        .map_or((80, 24), |(w, h)| (usize::from(w.0), usize::from(h.0)));
    // Which rows to format: all when they fit, else what moved first (formatting every row
    // of a 100k-socket table each interval would cost more than collecting it).
    let removed: Vec<usize> = ch
        .rows
        .iter()
        .filter(|r| r.action == Action::Removed)
        .filter_map(|r| r.old)
        .collect();
    let mut picks: Vec<(bool, usize)> = (0..new.len())
        .filter(|&n| !nstat || marks[n].is_some())
        .map(|n| (true, n))
        .chain(removed.iter().map(|&o| (false, o)))
        .collect();
    let room = height.saturating_sub(header.len() + 1);
    if picks.len() > room {
        picks.sort_by_key(|&(is_new, n)| is_new && marks[n].is_none());
        // Keep one more than fits so the screen says how many are left out.
        let total = picks.len();
        picks.truncate(room);
        picks.extend(std::iter::repeat_n((false, usize::MAX), total - room));
    }
    let mut rows: Vec<ViewRow> = Vec::with_capacity(picks.len());
    for (is_new, n) in picks {
        if n == usize::MAX {
            // Placeholder for a row left out: only counted.
            rows.push(ViewRow {
                mark: Mark::Same,
                cells: Vec::new(),
                hot: Vec::new(),
            });
            continue;
        }
        if is_new {
            rows.push(rows_out(n, marks[n]));
            continue;
        }
        let mut cells: Vec<String> = ch
            .old_column
            .iter()
            .map(|oc| oc.map_or_else(String::new, |oc| cell_text(&old.cell(n, oc)).into_owned()))
            .collect();
        if nstat {
            cells.push(String::new());
        }
        let hot = vec![false; cells.len()];
        rows.push(ViewRow {
            mark: Mark::Removed,
            cells,
            hot,
        });
    }
    let view = screen::View {
        header,
        columns: &columns,
        rows: &rows,
        color,
        width,
        height,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    screen::draw(&view, &mut out).map_err(Error::Output)
}
