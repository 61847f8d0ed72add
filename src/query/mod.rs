//! Table operations in plain Rust, shared by scripts, the REPL and the netstat front end.
//! Each operation takes tables and returns a new table; none of them prints or collects.
//!
//! Column names are checked here, once per operation, so every caller gets the same
//! "no column 'stat' in sockets; did you mean 'state'?" error.

mod aggs;
mod build;
pub mod change;
mod conntrack_match;
mod filter;
mod group;
mod join;
pub mod route_sim;
mod select;
mod sort;

pub use aggs::{Agg, group_aggregates};
pub use build::from_rows;
pub use conntrack_match::join_conntrack;
pub use filter::{filter, filter_columns, limit, take_rows};
pub use group::{Aggregate, aggregate, average, distinct, group_by};
pub use join::{JoinKind, JoinPlan, join};
pub use route_sim::{Decision, RouteIndex, SourceSelector};
pub use select::select;
pub use sort::sort;

use crate::error::{Error, Result, suggest};
use crate::model::Table;

/// Position of column `name` in `table`, or an error naming the table and suggesting the
/// closest column.
pub fn column_index(table: &Table, name: &str) -> Result<usize> {
    table
        .column_index(name)
        .ok_or_else(|| unknown_column(table, name))
}

/// The "no column" error for `name` in `table`.
pub fn unknown_column(table: &Table, name: &str) -> Error {
    Error::UnknownColumn {
        table: table.name().to_string(),
        column: name.to_string(),
        hint: suggest(name, table.columns().iter().map(|k| k.name.as_ref())),
    }
}

#[cfg(test)]
pub(crate) mod testdata {
    //! A small sockets-like table shared by the query tests.

    use crate::model::{Column, Table, Type, Value};

    /// proto, state, local_port, remote_addr, pid (one null pid, one null address).
    pub fn socks() -> Table {
        let mut t = Table::new(
            "sockets",
            vec![
                Column::new("proto", Type::Str, "p"),
                Column::new("state", Type::Str, "s"),
                Column::new("local_port", Type::Int, "l"),
                Column::new("remote_addr", Type::Ip, "r"),
                Column::new("pid", Type::Int, "i"),
            ],
        );
        let ip = |s: &str| Value::Ip(s.parse().unwrap());
        t.push([
            Value::str("tcp"),
            Value::str("LISTEN"),
            Value::Int(22),
            Value::Null,
            Value::Int(10),
        ]);
        t.push([
            Value::str("tcp"),
            Value::str("ESTAB"),
            Value::Int(22),
            ip("10.0.0.9"),
            Value::Int(10),
        ]);
        t.push([
            Value::str("tcp"),
            Value::str("ESTAB"),
            Value::Int(443),
            ip("10.0.0.10"),
            Value::Int(20),
        ]);
        t.push([
            Value::str("udp"),
            Value::str("UNCONN"),
            Value::Int(53),
            Value::Null,
            Value::Null,
        ]);
        t
    }

    /// pid, name (pid 10 and 30).
    pub fn procs() -> Table {
        let mut t = Table::new(
            "processes",
            vec![
                Column::new("pid", Type::Int, "i"),
                Column::new("name", Type::Str, "n"),
            ],
        );
        t.push([Value::Int(10), Value::str("sshd")]);
        t.push([Value::Int(30), Value::str("cron")]);
        t
    }
}
