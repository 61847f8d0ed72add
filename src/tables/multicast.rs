//! `multicast`: multicast group memberships per interface (IPv4 from `/proc/net/igmp`, then
//! IPv6 from `/proc/net/igmp6`), as `netstat -g` and `ip maddr` show them.

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};
use crate::source::linux::igmp::{self, GroupRecord};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "multicast",
    doc: "Multicast group memberships per interface",
    source: "/proc/net/igmp and /proc/net/igmp6",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

static FIELDS: [Field<GroupRecord>; 5] = [
    Field::new(
        Column::new("family", Type::Str, "Address family: inet or inet6"),
        |g| Value::str(if g.v6 { "inet6" } else { "inet" }),
    ),
    Field::new(Column::new("ifindex", Type::Int, "Interface index"), |g| {
        g.ifindex.into()
    }),
    Field::new(Column::new("interface", Type::Str, "Interface name"), |g| {
        Value::str(&g.interface)
    }),
    Field::new(
        Column::new("group", Type::Ip, "Multicast group address"),
        |g| Value::Ip(g.group),
    ),
    Field::new(
        Column::new(
            "users",
            Type::Int,
            "Memberships held (sockets, or the kernel itself)",
        ),
        |g| g.users.into(),
    ),
];

columns_fn!(FIELDS);

fn collect(req: &Request, notes: &Notes) -> Result<Table> {
    let mut problems = Vec::new();
    let records = igmp::groups(&mut problems);
    for p in problems {
        notes.add(format!("multicast: {p}"));
    }
    Ok(field::build(DEF.name, &FIELDS, req, &records))
}
