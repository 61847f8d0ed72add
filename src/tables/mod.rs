//! The table registry: every table netpry knows, its schema and its collector.
//!
//! Each table lives in its own module, which owns its column list (name, type, one-line
//! description and how to read the cell from a source record) and its `collect` function.
//! [`TABLES`] lists them all; the CLI, snapshots, the script API, the REPL's completion and the
//! book all read this one list.

pub mod addresses;
pub mod conntrack;
pub mod conntrack_stats;
pub mod dev_snmp6;
mod field;
pub mod identity;
pub mod if_inet6;
pub mod interfaces;
pub mod ipv6_route;
pub mod multicast;
pub mod name_files;
pub mod names;
pub mod neighbours;
pub mod netns;
pub mod processes;
pub mod route_nexthops;
pub mod routes;
pub mod rules;
pub mod slabs;
pub mod sockets;
pub mod stats;
pub mod sysctls;
pub mod views;

use crate::error::{Error, Result};
use crate::model::{Column, Table, Type, Value};

pub use crate::door::source::records;
pub use crate::model::Notes;
pub use field::{Field, TableBuilder};
pub use sockets::SocketSelect;

/// What a caller wants collected: a projection (only these columns) and, for sockets, a
/// kernel-side selection. The default collects everything.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Collect only these columns, in this order (`None`: every column).
    pub columns: Option<Vec<String>>,
    /// Which sockets to dump (protocols, families, TCP states); ignored by other tables.
    pub sockets: SocketSelect,
}

impl Request {
    /// A request for only `columns`.
    pub fn columns<S: AsRef<str>>(columns: &[S]) -> Request {
        Request {
            columns: Some(columns.iter().map(|c| c.as_ref().to_string()).collect()),
            ..Request::default()
        }
    }

    /// Whether column `name` is wanted.
    pub fn wants(&self, name: &str) -> bool {
        self.columns
            .as_ref()
            .is_none_or(|cols| cols.iter().any(|c| c == name))
    }
}

/// A registered table.
pub struct TableDef {
    /// The table's name, as scripts call it (`sockets`, `routes`, ...).
    pub name: &'static str,
    /// One-line description.
    pub doc: &'static str,
    /// Where the rows come from (kernel interface), for the book and `.schema`.
    pub source: &'static str,
    /// The full schema.
    pub columns: fn() -> &'static [Column],
    /// Collects the table from the running kernel.
    pub collect: fn(&Request, &Notes) -> Result<Table>,
    /// Applies the row selection of a request (e.g. socket protocols and states) to a table read
    /// from a snapshot, where the kernel cannot filter for us.
    pub restrict: fn(&Request, &mut Table),
}

/// [`TableDef::restrict`] for tables whose requests select no rows.
pub fn restrict_nothing(_req: &Request, _table: &mut Table) {}

impl std::fmt::Debug for TableDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableDef")
            .field("name", &self.name)
            .finish()
    }
}

impl TableDef {
    /// The table's default view on a terminal (see [`views`]).
    pub fn view(&self) -> Option<&'static views::DefaultView> {
        views::view(self.name)
    }

    /// The schema as a table: one row per column (name, type, description).
    pub fn schema_table(&self) -> Table {
        let mut t = Table::new(
            self.name,
            vec![
                Column::new("column", Type::Str, "Column name"),
                Column::new("type", Type::Str, "Value type"),
                Column::new("description", Type::Str, "What the column holds"),
            ],
        );
        for c in (self.columns)() {
            t.push([
                Value::str(&c.name),
                Value::str(c.ty.name()),
                Value::str(&c.doc),
            ]);
        }
        t
    }
}

/// The registry as a table: name, number of columns, description of every table.
pub fn listing() -> Table {
    let mut t = Table::new(
        "tables",
        vec![
            Column::new("name", Type::Str, "Table name"),
            Column::new("columns", Type::Int, "Number of columns"),
            Column::new("description", Type::Str, "What the table holds"),
        ],
    );
    for def in TABLES {
        t.push([
            Value::str(def.name),
            Value::int((def.columns)().len()),
            Value::str(def.doc),
        ]);
    }
    t
}

/// Every table, in the order they are listed to users.
pub static TABLES: &[TableDef] = &[
    sockets::DEF,
    processes::DEF,
    interfaces::DEF,
    addresses::DEF,
    if_inet6::DEF,
    routes::DEF,
    route_nexthops::DEF,
    ipv6_route::DEF,
    rules::DEF,
    neighbours::DEF,
    multicast::DEF,
    stats::DEF,
    dev_snmp6::DEF,
    slabs::DEF,
    sysctls::DEF,
    conntrack::DEF,
    conntrack_stats::DEF,
    name_files::DEF,
    netns::DEF,
];

/// The table named `name`, or an error listing the valid names.
pub fn lookup(name: &str) -> Result<&'static TableDef> {
    TABLES.iter().find(|t| t.name == name).ok_or_else(|| {
        let names = TABLES.iter().map(|t| t.name);
        let hint = crate::error::suggest(name, names.clone());
        let mut known = names.collect::<Vec<_>>().join(", ");
        if hint.starts_with("; did you mean") {
            known.push_str(&hint);
        }
        Error::UnknownTable {
            name: name.to_string(),
            known,
        }
    })
}

/// Checks that every name in `req.columns` is a column of `def`.
pub fn check_columns(def: &TableDef, req: &Request) -> Result<()> {
    let Some(cols) = &req.columns else {
        return Ok(());
    };
    let schema = (def.columns)();
    for c in cols {
        if !schema.iter().any(|s| s.name == c.as_str()) {
            return Err(Error::UnknownColumn {
                table: def.name.to_string(),
                column: c.clone(),
                hint: crate::error::suggest(c, schema.iter().map(|s| s.name.as_ref())),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for t in TABLES {
            assert!(seen.insert(t.name), "duplicate table {}", t.name);
            assert!(!t.doc.is_empty());
            let mut cols = std::collections::HashSet::new();
            for c in (t.columns)() {
                assert!(
                    cols.insert(c.name.clone()),
                    "duplicate column {}.{}",
                    t.name,
                    c.name
                );
                assert!(
                    c.name
                        .chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_'),
                    "{}.{} is not snake_case",
                    t.name,
                    c.name
                );
                assert!(
                    !c.doc.is_empty(),
                    "{}.{} has no description",
                    t.name,
                    c.name
                );
            }
        }
    }

    #[test]
    fn unknown_table_lists_the_known_ones() {
        let e = lookup("sockts").unwrap_err().to_string();
        assert!(
            e.contains("no table 'sockts'") && e.contains("sockets, processes"),
            "{e}"
        );
    }

    #[test]
    fn unknown_column_suggests() {
        let e = check_columns(lookup("sockets").unwrap(), &Request::columns(&["stat"]))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "no column 'stat' in sockets; did you mean 'state'?");
    }
}
