//! `routes`: IPv4 and IPv6 routes of every routing table (rtnetlink RTM_GETROUTE), like
//! `ip route show table all` plus `ip -6 route show table all`.

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::linux::rtnames::table_name;
use crate::door::source::records::RouteRecord;
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "routes",
    doc: "IPv4 and IPv6 routes of every routing table",
    source: "rtnetlink RTM_GETROUTE dumps (like `ip route show table all` and `ip -6 route show table all`)",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

fn zero_null(n: u32) -> Value {
    if n == 0 { Value::Null } else { n.into() }
}

static FIELDS: [Field<RouteRecord>; 26] = [
    Field::new(
        Column::new("table", Type::Int, "Routing table id (254 main, 255 local)"),
        |r| r.table.into(),
    ),
    Field::new(
        Column::new(
            "table_name",
            Type::Str,
            "Table name: main, local, default, a name from rt_tables, or the id",
        ),
        |r| Value::str(table_name(r.table)),
    ),
    Field::new(
        Column::new("family", Type::Str, "Address family: inet or inet6"),
        |r| r.family.map_or(Value::Null, |f| Value::str(f.name())),
    ),
    Field::new(
        Column::new(
            "type",
            Type::Str,
            "Route type: unicast, local, broadcast, multicast, blackhole, unreachable, prohibit, throw, ...",
        ),
        |r| Value::str(&r.route_type),
    ),
    Field::new(
        Column::new(
            "dst",
            Type::Ip,
            "Destination network (0.0.0.0 or :: for default)",
        ),
        |r| Value::opt_ip(r.dst),
    ),
    Field::new(
        Column::new(
            "dst_len",
            Type::Int,
            "Destination prefix length (0 for default)",
        ),
        |r| r.dst_len.into(),
    ),
    Field::new(
        Column::new(
            "src",
            Type::Ip,
            "Source prefix selector (IPv6 `from`); null if none",
        ),
        |r| Value::opt_ip(r.src),
    ),
    Field::new(
        Column::new("src_len", Type::Int, "Source selector prefix length"),
        |r| r.src_len.into(),
    ),
    Field::new(
        Column::new(
            "tos",
            Type::Int,
            "TOS selector of an IPv4 route (`tos 0x10` is 16); 0 for any",
        ),
        |r| r.tos.into(),
    ),
    Field::new(
        Column::new(
            "gateway",
            Type::Ip,
            "Next-hop gateway; null for direct routes",
        ),
        |r| Value::opt_ip(r.gateway),
    ),
    Field::new(
        Column::new(
            "dev",
            Type::Str,
            "Output interface name; null if none or vanished",
        ),
        |r| Value::opt_raw(r.dev.as_deref()),
    ),
    Field::new(
        Column::new("oif", Type::Int, "Output interface index; null if none"),
        |r| zero_null(r.oif),
    ),
    Field::new(
        Column::new(
            "prefsrc",
            Type::Ip,
            "Preferred source address; null if none",
        ),
        |r| Value::opt_ip(r.prefsrc),
    ),
    Field::new(
        Column::new(
            "metric",
            Type::Int,
            "Route priority (RTA_PRIORITY); 0 when the kernel sends none",
        ),
        |r| r.metric.unwrap_or(0).into(),
    ),
    Field::new(
        Column::new(
            "protocol",
            Type::Str,
            "Who installed it: kernel, boot, static, dhcp, ra, bird, ..., or the number",
        ),
        |r| Value::str(&r.protocol),
    ),
    Field::new(
        Column::new(
            "scope",
            Type::Str,
            "Scope: global, site, link, host, nowhere",
        ),
        |r| Value::str(&r.scope),
    ),
    Field::new(
        Column::new(
            "flags",
            Type::Str,
            "Route flags in `ip` spelling, comma separated (onlink, linkdown, dead, ...)",
        ),
        |r| Value::str(&r.flags),
    ),
    Field::new(
        Column::new("mtu", Type::Int, "Path MTU metric, bytes (0 unset)"),
        |r| r.mtu.into(),
    ),
    Field::new(
        Column::new(
            "advmss",
            Type::Int,
            "Advertised MSS metric, bytes (0 unset)",
        ),
        |r| r.advmss.into(),
    ),
    Field::new(
        Column::new(
            "window",
            Type::Int,
            "TCP window clamp metric, bytes (0 unset)",
        ),
        |r| r.window.into(),
    ),
    Field::new(
        Column::new(
            "rtt_ms",
            Type::Int,
            "Initial RTT metric, milliseconds (0 unset)",
        ),
        |r| r.rtt_ms.into(),
    ),
    Field::new(
        Column::new(
            "pref",
            Type::Str,
            "IPv6 router preference: low, medium, high; null for IPv4",
        ),
        |r| Value::opt_str(r.pref.as_deref()),
    ),
    Field::new(
        Column::new(
            "nexthops",
            Type::Str,
            "Multipath next hops as text, `via GW dev DEV weight W` joined by `; ` (the same hops, typed: the route_nexthops table); null for single-path routes",
        ),
        |r| {
            if r.nexthops.is_empty() {
                Value::Null
            } else {
                Value::raw(&r.nexthops)
            }
        },
    ),
    Field::new(
        Column::new(
            "refcnt",
            Type::Int,
            "IPv6 only: the kernel's reference count of the route (/proc/net/ipv6_route; a multipath route's is the sum over its next hops); null for IPv4",
        ),
        |r| r.refcnt.map_or(Value::Null, Value::from),
    ),
    Field::new(
        Column::new(
            "rtf_flags",
            Type::Int,
            "IPv6 only: the kernel's RTF_* flag bits (/proc/net/ipv6_route): 0x1 up, 0x2 gateway, 0x200 reject, 0x10000 default router (RA), 0x40000 addrconf (RA/autoconfiguration), 0x400000 expires, 0x200000 no next hop, 0x80000000 local, ...; null for IPv4",
        ),
        |r| r.rtf_flags.map_or(Value::Null, Value::from),
    ),
    Field::new(
        Column::new(
            "expires",
            Type::Int,
            "Seconds until the route expires, as `ip` shows them (learned from router advertisements, or added with `expires`); null if it does not",
        ),
        |r| r.expires.map_or(Value::Null, Value::Int),
    ),
];

columns_fn!(FIELDS);

fn collect(req: &Request, _notes: &Notes) -> Result<Table> {
    let names = req.wants("dev") || req.wants("nexthops");
    let kernel = req.wants("refcnt") || req.wants("rtf_flags");
    let recs = crate::door::source::linux::routes(names, kernel)?;
    Ok(build(&recs, req))
}

/// `routes` as `req` asks for it and the whole `route_nexthops` table, both from one route
/// dump (what the catalog collects when it is asked for either: see
/// [`crate::catalog::Catalog::routes_and_hops`]).
pub fn collect_with_hops(req: &Request) -> Result<(Table, Table)> {
    let kernel = req.wants("refcnt") || req.wants("rtf_flags");
    let recs = crate::door::source::linux::routes(true, kernel)?;
    Ok((
        build(&recs, req),
        super::route_nexthops::build(&recs, &Request::default()),
    ))
}

/// Builds the table from route records (also used by other tables' tests and by `route_get`
/// callers that want a one-row table).
pub fn build(recs: &[RouteRecord], req: &Request) -> Table {
    field::build(DEF.name, &FIELDS, req, recs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::door::source::records::Family;

    #[test]
    fn defaults_and_nulls() {
        let rec = RouteRecord {
            family: Some(Family::Inet),
            table: 254,
            route_type: "blackhole".into(),
            dst: Some("10.50.0.0".parse().unwrap()),
            dst_len: 16,
            protocol: "boot".into(),
            scope: "global".into(),
            ..RouteRecord::default()
        };
        let t = build(
            &[rec],
            &Request::columns(&["table_name", "oif", "metric", "nexthops", "dst"]),
        );
        assert_eq!(
            t.row(0),
            &[
                Value::str("main"),
                Value::Null,
                Value::Int(0),
                Value::Null,
                Value::Ip("10.50.0.0".parse().unwrap())
            ]
        );
    }
}
