//! `processes`: placeholder until its collector lands.

use super::{Notes, Request, TableDef};
use crate::error::{Error, Result};
use crate::model::{Column, Table};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "processes",
    doc: "processes",
    source: "",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

fn columns() -> &'static [Column] {
    &[]
}

fn collect(_req: &Request, _notes: &Notes) -> Result<Table> {
    Err(Error::Usage("processes: not collected yet".into()))
}
