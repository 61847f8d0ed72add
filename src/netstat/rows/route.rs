//! Route rows (the `routes` table, each multipath route with its next hops from the
//! `route_nexthops` table), as both netstat front ends read them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::model::{Cols, NextHop, Table};
use crate::tables::route_nexthops::RouteHops;

/// One route (a row of `routes`). Numbers a table lacks read as 0, texts as empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Whether the route is IPv6: as the `family` column says, else as its destination (or
    /// its gateway) is; `None` when nothing tells.
    pub v6: Option<bool>,
    /// Routing table id: the `table` number, else the id of a well-known `table_name`
    /// (main, local, default), else 254 (main).
    pub table: u32,
    /// Route type as the table holds it (`unicast`, `local`, ..., or the kernel's number).
    pub kind: String,
    /// Destination (the family's unspecified address for a default route or a null cell).
    pub dst: IpAddr,
    /// Destination prefix length (0 when out of range for the family).
    pub dst_len: u8,
    /// Gateway.
    pub gateway: Option<IpAddr>,
    /// Output interface name (raw text), if any.
    pub dev: Option<String>,
    /// Output interface index (0 for none).
    pub oif: u32,
    /// Preferred source.
    pub prefsrc: Option<IpAddr>,
    /// Metric (priority).
    pub metric: u32,
    /// Protocol as the table holds it (`kernel`, `boot`, ..., or the kernel's number).
    pub protocol: String,
    /// Scope as the table holds it (`global`, `link`, ..., or the number).
    pub scope: String,
    /// Route flags text (`onlink`, `dead`, ...), as the table holds it.
    pub flags: String,
    /// RTAX_MTU (0 when unset).
    pub mtu: u32,
    /// RTAX_ADVMSS (0 when unset).
    pub advmss: u32,
    /// RTAX_WINDOW (0 when unset).
    pub window: u32,
    /// RTAX_RTT in milliseconds (0 when unset).
    pub rtt_ms: u32,
    /// The kernel's reference count of an IPv6 route, when the table has one.
    pub refcnt: Option<u32>,
    /// The kernel's RTF_* flags of an IPv6 route, when the table has them.
    pub rtf_flags: Option<u32>,
    /// Seconds until the route expires, when the table says.
    pub expires: Option<i64>,
    /// The next hops of a multipath route (empty for a single-path route).
    pub hops: Vec<NextHop>,
}

/// The `routes` columns [`routes`] reads.
const COLUMNS: [&str; 21] = [
    "table",
    "table_name",
    "family",
    "type",
    "dst",
    "dst_len",
    "gateway",
    "dev",
    "oif",
    "prefsrc",
    "metric",
    "protocol",
    "scope",
    "flags",
    "mtu",
    "advmss",
    "window",
    "rtt_ms",
    "refcnt",
    "rtf_flags",
    "expires",
];

/// The routes of a `routes` table in its order, each multipath route with its next hops read
/// from `hops` (a `route_nexthops` table, [`RouteHops`]); out-of-range cells (read as 0 or
/// unset) are added to `problems`.
pub fn routes(t: &Table, hops: Option<&Table>, problems: &mut Vec<String>) -> Vec<Route> {
    let c = Cols::new(t, &COLUMNS);
    let by_route = RouteHops::new(t, hops);
    let text = |r: usize, col: &str| c.display(r, c.at(col));
    let n32 = |r: usize, col: &str| c.u32(r, c.at(col)).unwrap_or(0);
    let out = (0..c.len())
        .map(|r| {
            let dst = c.ip(r, c.at("dst"));
            let gateway = c.ip(r, c.at("gateway"));
            let v6 = super::family_is_v6(&c.value(r, c.at("family")))
                .or(dst.map(|d| d.is_ipv6()))
                .or(gateway.map(|g| g.is_ipv6()));
            let dst = dst.unwrap_or(if v6 == Some(true) {
                IpAddr::V6(Ipv6Addr::UNSPECIFIED)
            } else {
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            });
            let table = c.u32(r, c.at("table")).unwrap_or_else(|| {
                match c.str(r, c.at("table_name")).as_deref() {
                    Some("local") => 255,
                    Some("default") => 253,
                    _ => 254,
                }
            });
            Route {
                v6,
                table,
                kind: text(r, "type"),
                dst,
                dst_len: c.prefix_len(r, c.at("dst_len"), dst).unwrap_or(0),
                gateway,
                dev: c.text_raw(r, c.at("dev")),
                oif: n32(r, "oif"),
                prefsrc: c.ip(r, c.at("prefsrc")),
                metric: n32(r, "metric"),
                protocol: text(r, "protocol"),
                scope: text(r, "scope"),
                flags: text(r, "flags"),
                mtu: n32(r, "mtu"),
                advmss: n32(r, "advmss"),
                window: n32(r, "window"),
                rtt_ms: n32(r, "rtt_ms"),
                refcnt: c.u32(r, c.at("refcnt")),
                rtf_flags: c.u32(r, c.at("rtf_flags")),
                expires: c.int(r, c.at("expires")),
                hops: by_route.of(r).to_vec(),
            }
        })
        .collect();
    problems.extend(c.take_problems());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Type, Value};

    #[test]
    fn routes_read_typed_with_their_hops() {
        let mut t = Table::new(
            "routes",
            vec![
                Column::new("table_name", Type::Str, ""),
                Column::new("family", Type::Str, ""),
                Column::new("type", Type::Str, ""),
                Column::new("dst", Type::Ip, ""),
                Column::new("dst_len", Type::Int, ""),
                Column::new("gateway", Type::Ip, ""),
                Column::new("dev", Type::Str, ""),
                Column::new("metric", Type::Int, ""),
                Column::new("nexthops", Type::Str, ""),
            ],
        );
        let ip = |s: &str| Value::Ip(s.parse().unwrap());
        t.push([
            Value::str("local"),
            Value::str("inet"),
            Value::str("local"),
            ip("10.0.0.1"),
            Value::Int(32),
            Value::Null,
            Value::str("eth0"),
            Value::Int(-1),
            Value::Null,
        ]);
        t.push([
            Value::str("default"),
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Int(0),
            ip("fe80::1"),
            Value::Null,
            Value::Int(1024),
            Value::Null,
        ]);
        t.push([
            Value::Null,
            Value::str("inet6"),
            Value::str("unicast"),
            ip("fd00:9::"),
            Value::Int(64),
            Value::Null,
            Value::Null,
            Value::Int(1024),
            Value::str("via fe80::1 dev a weight 1; via fe80::2 dev b weight 3"),
        ]);
        // The hops as a snapshot of an older netpry gets them.
        let hops = crate::tables::route_nexthops::derive(&t);
        let mut problems = Vec::new();
        let r = routes(&t, Some(&hops), &mut problems);
        assert_eq!((r[0].table, r[0].v6, r[0].metric), (255, Some(false), 0));
        assert_eq!(r[0].dev.as_deref(), Some("eth0"));
        assert_eq!(problems.len(), 1, "{problems:?}");
        // No family and no destination: the gateway tells.
        assert_eq!((r[1].table, r[1].v6), (253, Some(true)));
        assert_eq!(r[1].dst, "::".parse::<IpAddr>().unwrap());
        assert!(r[0].hops.is_empty() && r[1].hops.is_empty());
        assert_eq!(r[2].table, 254);
        let devs: Vec<_> = r[2].hops.iter().map(|h| h.dev.clone().unwrap()).collect();
        assert_eq!(devs, ["a", "b"]);
        assert_eq!(r[2].hops[1].weight, Some(3));
        assert!(routes(&t, None, &mut problems)[2].hops.is_empty());
    }
}
