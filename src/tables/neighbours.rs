//! `neighbours`: the IPv4 ARP and IPv6 neighbour discovery caches plus proxy entries
//! (rtnetlink RTM_GETNEIGH), like `ip neigh show nud all` and `ip neigh show proxy`.

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::records::NeighbourRecord;
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "neighbours",
    doc: "ARP and NDP neighbour entries: address, MAC and NUD state",
    source: "rtnetlink RTM_GETNEIGH dumps (like `ip neigh show nud all` and `ip neigh show proxy`)",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

static FIELDS: [Field<NeighbourRecord>; 13] = [
    Field::new(Column::new("ifindex", Type::Int, "Interface index"), |n| {
        n.ifindex.into()
    }),
    Field::new(
        Column::new(
            "ifname",
            Type::Str,
            "Interface name; null if the interface vanished",
        ),
        |n| Value::opt_raw(n.ifname.as_deref()),
    ),
    Field::new(
        Column::new("family", Type::Str, "Address family: inet or inet6"),
        |n| n.family.map_or(Value::Null, |f| Value::str(f.name())),
    ),
    Field::new(Column::new("addr", Type::Ip, "Neighbour IP address"), |n| {
        Value::opt_ip(n.addr)
    }),
    Field::new(
        Column::new(
            "mac",
            Type::Str,
            "Hardware address, lowercase colon hex; null when unknown",
        ),
        |n| Value::opt_str(n.mac.as_deref()),
    ),
    Field::new(
        Column::new(
            "state",
            Type::Str,
            "NUD state: REACHABLE, STALE, DELAY, PROBE, FAILED, INCOMPLETE, NOARP, PERMANENT, NONE (`|`-joined if several)",
        ),
        |n| Value::str(&n.state),
    ),
    Field::new(
        Column::new("router", Type::Bool, "The neighbour is an IPv6 router"),
        |n| n.router.into(),
    ),
    Field::new(
        Column::new("proxy", Type::Bool, "A proxy ARP / proxy NDP entry"),
        |n| n.proxy.into(),
    ),
    Field::new(
        Column::new(
            "used_ms",
            Type::Int,
            "Milliseconds since the entry was last used (NDA_CACHEINFO); null when absent",
        ),
        |n| n.used_ms.map_or(Value::Null, |v| i64::from(v).into()),
    ),
    Field::new(
        Column::new(
            "confirmed_ms",
            Type::Int,
            "Milliseconds since reachability was last confirmed (NDA_CACHEINFO); null when absent",
        ),
        |n| n.confirmed_ms.map_or(Value::Null, |v| i64::from(v).into()),
    ),
    Field::new(
        Column::new(
            "updated_ms",
            Type::Int,
            "Milliseconds since the entry last changed state (NDA_CACHEINFO); null when absent",
        ),
        |n| n.updated_ms.map_or(Value::Null, |v| i64::from(v).into()),
    ),
    Field::new(
        Column::new(
            "refcnt",
            Type::Int,
            "Kernel reference count (NDA_CACHEINFO); null when absent",
        ),
        |n| n.refcnt.map_or(Value::Null, |v| i64::from(v).into()),
    ),
    Field::new(
        Column::new(
            "reachable_ms",
            Type::Int,
            "The interface's base reachable time in ms (sysctl `neigh.<if>.base_reachable_time_ms`); null if unreadable",
        ),
        |n| {
            n.reachable_ms
                .and_then(|v| i64::try_from(v).ok())
                .map_or(Value::Null, Value::from)
        },
    ),
];

columns_fn!(FIELDS);

fn collect(req: &Request, _notes: &Notes) -> Result<Table> {
    let recs =
        crate::door::source::linux::neighbours(req.wants("ifname"), req.wants("reachable_ms"))?;
    Ok(build(&recs, req))
}

/// Builds the table from neighbour records.
pub fn build(recs: &[NeighbourRecord], req: &Request) -> Table {
    field::build(DEF.name, &FIELDS, req, recs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::door::source::records::Family;

    #[test]
    fn booleans_and_null_mac() {
        let rec = NeighbourRecord {
            ifindex: 2,
            family: Some(Family::Inet),
            addr: Some("10.1.0.99".parse().unwrap()),
            state: "NONE".into(),
            proxy: true,
            ..NeighbourRecord::default()
        };
        let t = build(
            &[rec],
            &Request::columns(&["mac", "state", "router", "proxy"]),
        );
        assert_eq!(
            t.row(0),
            &[
                Value::Null,
                Value::str("NONE"),
                Value::Bool(false),
                Value::Bool(true)
            ]
        );
    }
}
