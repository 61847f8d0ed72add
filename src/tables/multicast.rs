//! `multicast`: multicast group memberships per interface (IPv4 from `/proc/net/igmp`, then
//! IPv6 from `/proc/net/igmp6`, then link-layer groups from `/proc/net/dev_mcast`), as
//! `netstat -g` and `ip maddr` show them.

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::linux::igmp::{self, GroupRecord};
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "multicast",
    doc: "Multicast group memberships per interface",
    source: "/proc/net/igmp, /proc/net/igmp6 and /proc/net/dev_mcast",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

static FIELDS: [Field<GroupRecord>; 7] = [
    Field::new(
        Column::new(
            "family",
            Type::Str,
            "inet (IGMP), inet6 (MLD) or link (a link-layer group)",
        ),
        |g| Value::str(g.family),
    ),
    Field::new(Column::new("ifindex", Type::Int, "Interface index"), |g| {
        g.ifindex.into()
    }),
    Field::new(Column::new("ifname", Type::Str, "Interface name"), |g| {
        Value::raw(&g.ifname)
    }),
    Field::new(
        Column::new(
            "group",
            Type::Ip,
            "Multicast group address; null on link rows",
        ),
        |g| Value::opt_ip(g.group),
    ),
    Field::new(
        Column::new(
            "lladdr",
            Type::Str,
            "Link-layer group address of a link row (lowercase colon hex); null on IP rows",
        ),
        |g| Value::opt_str(g.lladdr.as_deref()),
    ),
    Field::new(
        Column::new(
            "users",
            Type::Int,
            "Memberships held (sockets, or the kernel itself)",
        ),
        |g| g.users.into(),
    ),
    Field::new(
        Column::new(
            "querier",
            Type::Str,
            "IGMP version of the interface's querier (V1, V2, V3); null except on inet rows",
        ),
        |g| Value::opt_str(g.querier.as_deref()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_columns_are_named_like_the_other_tables() {
        let names: Vec<&str> = columns().iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(
            names,
            [
                "family", "ifindex", "ifname", "group", "lladdr", "users", "querier"
            ]
        );
        let link = igmp::parse_dev_mcast("4    eth0            1     0     01005e000001\n");
        let t = field::build(
            DEF.name,
            &FIELDS,
            &Request::columns(&["family", "ifindex", "ifname", "group", "lladdr"]),
            &link,
        );
        assert_eq!(
            t.row(0),
            &[
                Value::str("link"),
                Value::Int(4),
                Value::str("eth0"),
                Value::Null,
                Value::str("01:00:5e:00:00:01")
            ]
        );
    }
}
