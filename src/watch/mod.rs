//! `netpry watch` and `netpry diff`: change over time. Watch collects a table, a script's
//! result or netstat's output every interval and shows what changed since the last one: on a
//! terminal as a view redrawn in place ([`screen`]), otherwise as a stream of JSON events
//! ([`events`]). Diff ([`diff`]) runs the same engine ([`crate::query::change`]) between two
//! snapshots.

pub mod diff;
pub mod events;
pub mod screen;
mod target;
mod terminal;
mod view;

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::model::Table;
use crate::query::change::{ChangeSpec, Changes, changes};

pub use target::Target;

/// How to watch.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seconds between collections.
    pub interval: f64,
    /// Stop after this many collections (`None`: until quit).
    pub count: Option<u64>,
    /// What to collect.
    pub target: Target,
    /// JSON events even on a terminal (`--format json`).
    pub json: bool,
}

/// The smallest interval accepted, in seconds.
pub const MIN_INTERVAL: f64 = 0.1;

/// Runs a watch until `q`, Ctrl-C, `--count` collections, or a closed output; returns the
/// exit status (0).
pub fn run(opts: &Options) -> Result<u8> {
    if !(MIN_INTERVAL..=86_400.0).contains(&opts.interval) {
        return Err(Error::Usage(format!(
            "watch: the interval must be between {MIN_INTERVAL} and 86400 seconds, got {}",
            opts.interval
        )));
    }
    let terminal = !opts.json && std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    // Each interval re-reads the same sockets: keep their owners instead of rescanning /proc.
    crate::catalog::keeping_owners(|| {
        if terminal {
            view::run(opts)
        } else {
            run_json(opts)
        }
    })
}

/// One collection: the table and when it was taken.
struct Sample {
    table: Table,
    at: Instant,
    time: String,
}

/// Collects `target` now.
fn sample(target: &Target, notes: &mut Vec<String>) -> Result<Sample> {
    let at = Instant::now();
    // The clock alone: host_info would also read the host name and kernel release each interval.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let time = crate::snapshot::rfc3339(secs);
    let table = target.collect(notes)?;
    Ok(Sample { table, at, time })
}

/// The changes from `old` (taken at `prev`; an empty table the first time, so every row is
/// added) to `next`.
fn compare(old: &Table, prev: Option<Instant>, next: &Sample, spec: &ChangeSpec) -> Changes {
    let elapsed = prev.map(|p| next.at.duration_since(p).as_secs_f64());
    changes(old, &next.table, spec, elapsed)
}

/// An empty table with the columns of `t` (the "before" of the first collection).
fn empty_like(t: &Table) -> Table {
    Table::new(t.name().to_string(), t.schema())
}

/// Sleeps until `deadline`, waking to notice Ctrl-C or a reader that has gone; false when
/// either happened.
fn sleep_until(deadline: Instant) -> bool {
    loop {
        if crate::script::interrupt_requested() || terminal::stdout_closed() {
            return false;
        }
        let now = Instant::now();
        if now >= deadline {
            return true;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(50)));
    }
}

/// The JSON event stream on standard output.
fn run_json(opts: &Options) -> Result<u8> {
    // Ctrl-C ends the stream between collections (the program's one handler; scripts
    // watched with -e poll the same flag).
    crate::interrupt::install();
    let host = crate::catalog::Catalog::live().host_info().host;
    let netns = crate::catalog::this_process::current_netns();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut prev: Option<Sample> = None;
    let mut spec: Option<ChangeSpec> = None;
    let start = Instant::now();
    let mut n: u64 = 0;
    let mut notes = Vec::new();
    // `NETPRY_DEBUG_STATS=1`: where each interval's time went, on stderr (benchmarks).
    let timings = std::env::var_os("NETPRY_DEBUG_STATS").is_some_and(|v| v == "1");
    let cpu = || {
        if timings {
            crate::catalog::this_process::cpu_seconds()
        } else {
            0.0
        }
    };
    loop {
        let t0 = cpu();
        let next = sample(&opts.target, &mut notes)?;
        let t1 = cpu();
        let mut err = std::io::stderr();
        for note in notes.drain(..) {
            let _ = writeln!(err, "netpry: note: {note}");
        }
        let spec = spec.get_or_insert_with(|| ChangeSpec::for_table(&next.table));
        let empty;
        let old = match &prev {
            Some(p) => &p.table,
            None => {
                empty = empty_like(&next.table);
                &empty
            }
        };
        let ch = compare(old, prev.as_ref().map(|p| p.at), &next, spec);
        let t2 = cpu();
        let ctx = events::EventContext {
            time: &next.time,
            host: &host,
            netns,
            table: next.table.name(),
            initial: prev.is_none(),
        };
        events::write_events(&ctx, old, &next.table, &ch, &mut out).map_err(Error::Output)?;
        out.flush().map_err(Error::Output)?;
        if timings {
            let ms = |a: f64, b: f64| (b - a) * 1000.0;
            crate::errln!(
                "netpry-stats: interval {}: CPU collect {:.1} ms, compare {:.1} ms, events {:.1} ms",
                n + 1,
                ms(t0, t1),
                ms(t1, t2),
                ms(t2, cpu())
            );
        }
        prev = Some(next);
        n += 1;
        if opts.count.is_some_and(|c| n >= c) {
            return Ok(0);
        }
        let deadline = start + Duration::from_secs_f64(opts.interval * n as f64);
        if !sleep_until(deadline) {
            return Ok(0);
        }
    }
}
