//! `conntrack_stats`: how full connection tracking is and what it dropped. One total row
//! (`cpu` null) with the entry count, the maximum and the hash buckets
//! (`net.netfilter.nf_conntrack_{count,max,buckets}`) and the counters summed over CPUs, then
//! one row per CPU from `/proc/net/stat/nf_conntrack`, with the names `conntrack -S` uses.

use super::{Notes, Request, TableDef};
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "conntrack_stats",
    doc: "Connection tracking usage (count, max, buckets) and per-CPU counters (found, drop, early_drop, ...)",
    source: "/proc/sys/net/netfilter/nf_conntrack_{count,max,buckets} and /proc/net/stat/nf_conntrack (like `conntrack -S`)",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

/// Counter columns: (column, name in /proc/net/stat/nf_conntrack, description).
const COUNTERS: [(&str, &str, &str); 10] = [
    ("found", "found", "Lookups that found an entry"),
    ("invalid", "invalid", "Packets that could not be tracked"),
    ("insert", "insert", "Entries inserted"),
    (
        "insert_failed",
        "insert_failed",
        "Insertions that failed (a clash with an existing entry)",
    ),
    (
        "drop",
        "drop",
        "Packets dropped because the table was full or an insertion failed",
    ),
    (
        "early_drop",
        "early_drop",
        "Unassured entries evicted to make room when the table was full",
    ),
    (
        "error",
        "icmp_error",
        "ICMP errors that did not match a connection",
    ),
    (
        "search_restart",
        "search_restart",
        "Table lookups restarted (a resize or concurrent change)",
    ),
    ("clash_resolve", "clashres", "Insertion clashes resolved"),
    (
        "chaintoolong",
        "chainlength",
        "Insertions refused because a hash chain was too long",
    ),
];

fn columns() -> &'static [Column] {
    static COLUMNS: std::sync::LazyLock<Vec<Column>> = std::sync::LazyLock::new(|| {
        let mut c = vec![
            Column::new(
                "cpu",
                Type::Int,
                "CPU number; null on the first row, the total",
            ),
            Column::new("count", Type::Int, "Entries in the table (total row only)"),
            Column::new(
                "max",
                Type::Int,
                "Maximum entries, nf_conntrack_max (total row only)",
            ),
            Column::new("buckets", Type::Int, "Hash table buckets (total row only)"),
            Column::new(
                "used_pct",
                Type::Float,
                "count as a percentage of max (total row only)",
            ),
        ];
        c.extend(
            COUNTERS
                .iter()
                .map(|(n, _, d)| Column::new(n, Type::Int, d)),
        );
        c
    });
    &COLUMNS
}

fn collect(req: &Request, notes: &Notes) -> Result<Table> {
    let sysctl = |n: &str| -> Option<i64> {
        crate::door::source::linux::read_sysctl(&format!("net.netfilter.nf_conntrack_{n}"))
            .ok()
            .flatten()
            .and_then(|v| v.trim().parse().ok())
    };
    let limits = [sysctl("count"), sysctl("max"), sysctl("buckets")];
    let cpus = crate::door::source::linux::conntrack::cpu_stats();
    if cpus.is_none() && limits.iter().all(Option::is_none) {
        notes.add("conntrack_stats: this kernel has no connection tracking; the table is empty");
    }
    Ok(build(limits, cpus, req))
}

/// Builds the table from the three limits and the parsed per-CPU file (names, rows).
pub fn build(
    limits: [Option<i64>; 3],
    cpus: Option<(Vec<String>, Vec<Vec<u64>>)>,
    req: &Request,
) -> Table {
    let all = columns();
    let picked: Vec<usize> = match &req.columns {
        None => (0..all.len()).collect(),
        Some(cols) => cols
            .iter()
            .filter_map(|c| all.iter().position(|x| x.name == c.as_str()))
            .collect(),
    };
    let schema: Vec<Column> = picked.iter().map(|&i| all[i].clone()).collect();
    let mut t = Table::new(DEF.name, schema);
    let (names, rows) = cpus.unwrap_or_default();
    let at = |row: &[u64], proc_name: &str| {
        names
            .iter()
            .position(|n| n == proc_name)
            .and_then(|i| row.get(i))
            .copied()
    };
    let [count, max, buckets] = limits;
    let used = match (count, max) {
        (Some(c), Some(m)) if m > 0 => Value::Float((c as f64) * 100.0 / (m as f64)),
        _ => Value::Null,
    };
    let mut total: Vec<Value> = vec![
        Value::Null,
        Value::opt_int(count),
        Value::opt_int(max),
        Value::opt_int(buckets),
        used,
    ];
    total.extend(COUNTERS.iter().map(|(_, p, _)| {
        let sum: Option<u64> = rows.iter().map(|r| at(r, p)).sum();
        Value::opt_int(sum)
    }));
    t.push(picked.iter().map(|&i| total[i].clone()));
    for (cpu, row) in rows.iter().enumerate() {
        let mut cells = vec![
            Value::int(cpu),
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
        ];
        cells.extend(COUNTERS.iter().map(|(_, p, _)| Value::opt_int(at(row, p))));
        t.push(picked.iter().map(|&i| cells[i].clone()));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_row_then_one_row_per_cpu() {
        let names = ["entries", "found", "drop", "icmp_error", "clashres"].map(String::from);
        let rows = vec![vec![2, 1, 0, 3, 0], vec![2, 4, 5, 0, 1]];
        let t = build(
            [Some(2), Some(100), Some(1024)],
            Some((names.to_vec(), rows)),
            &Request::default(),
        );
        assert_eq!(t.len(), 3);
        let col = |r: usize, n: &str| t.cell(r, t.column_index(n).unwrap()).clone();
        assert_eq!(col(0, "cpu"), Value::Null);
        assert_eq!(col(0, "used_pct"), Value::Float(2.0));
        assert_eq!(col(0, "found"), Value::Int(5));
        assert_eq!(col(0, "error"), Value::Int(3));
        assert_eq!(col(2, "clash_resolve"), Value::Int(1));
        assert_eq!(col(1, "max"), Value::Null);
        // Counters this kernel's file lacks are null, not zero.
        assert_eq!(col(1, "early_drop"), Value::Null);
        let only = build([None, None, None], None, &Request::columns(&["max", "cpu"]));
        assert_eq!(only.columns()[0].name, "max");
        assert_eq!(only.len(), 1);
    }
}
