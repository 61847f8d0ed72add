//! `sysctls`: every readable `net.*` sysctl with its value, named, ordered and filtered exactly
//! like `sysctl -a` (an interface `vx.1` appears as `net.ipv4.conf.vx/1.forwarding`).

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};
use crate::source::records::SysctlRecord;

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "sysctls",
    doc: "Network sysctls (net.*) with their current values, as `sysctl -a` shows them",
    source: "/proc/sys/net (read directly, named by the sysctl.d(5) rule)",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

static FIELDS: [Field<SysctlRecord>; 2] = [
    Field::new(
        Column::new(
            "name",
            Type::Str,
            "Dotted name as sysctl(8) prints it; a dot inside a component shows as `/` (vx/1)",
        ),
        |r| Value::raw(&r.name),
    ),
    Field::new(
        Column::new(
            "value",
            Type::Str,
            "Value as the kernel prints it, final newline removed (several numbers are tab separated)",
        ),
        |r| Value::raw(&r.value),
    ),
];

columns_fn!(FIELDS);

fn collect(req: &Request, _notes: &Notes) -> Result<Table> {
    Ok(build(&crate::source::linux::net_sysctls()?, req))
}

/// Builds the table from sysctl records, keeping their order.
pub fn build(records: &[SysctlRecord], req: &Request) -> Table {
    field::build(DEF.name, &FIELDS, req, records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_name_and_value() {
        let recs = [SysctlRecord {
            name: "net.ipv4.conf.vx/1.forwarding".into(),
            value: "1".into(),
        }];
        let t = build(&recs, &Request::default());
        assert_eq!(
            t.row(0),
            &[Value::str("net.ipv4.conf.vx/1.forwarding"), Value::str("1")]
        );
        assert_eq!(
            build(&recs, &Request::columns(&["value"])).row(0),
            &[Value::str("1")]
        );
    }
}
