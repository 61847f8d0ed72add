//! `route_nexthops`: the next hops of multipath routes, typed, one row per hop, with the
//! route's identity columns as [`super::routes`] names them. Collected from the same
//! rtnetlink dump as `routes` (see [`super::routes::collect_with_hops`]); read by `netstat
//! -r` (both styles) and the route simulation through [`RouteHops`], which matches each
//! `routes` row with its hops. The `routes` table's `nexthops` text is kept for people and
//! older scripts; no reader parses it, except [`derive`], which builds this table once
//! from the text when a snapshot saved before this table existed is loaded.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::records::{Family, RouteRecord};
use crate::error::Result;
use crate::model::{Cols, Column, NextHop, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "route_nexthops",
    doc: "Next hops of multipath routes, one row per hop",
    source: "the rtnetlink RTM_GETROUTE dumps of `routes` (RTA_MULTIPATH), read in the same dump",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

/// The columns that name the route a hop belongs to, as the `routes` table names them.
pub const ROUTE_KEY: [&str; 8] = [
    "family", "table", "dst", "dst_len", "src", "src_len", "tos", "metric",
];

/// One row: a hop and the route it belongs to.
struct HopRow {
    family: Option<Family>,
    table: u32,
    dst: Option<IpAddr>,
    dst_len: u8,
    src: Option<IpAddr>,
    src_len: u8,
    tos: u8,
    metric: u32,
    hop: usize,
    gateway: Option<IpAddr>,
    dev: Option<String>,
    ifindex: u32,
    weight: u32,
    flags: String,
}

static FIELDS: [Field<HopRow>; 14] = [
    Field::new(
        Column::new(
            "family",
            Type::Str,
            "The route's address family: inet or inet6",
        ),
        |r| r.family.map_or(Value::Null, |f| Value::str(f.name())),
    ),
    Field::new(
        Column::new("table", Type::Int, "The route's routing table id"),
        |r| r.table.into(),
    ),
    Field::new(
        Column::new("dst", Type::Ip, "The route's destination network"),
        |r| Value::opt_ip(r.dst),
    ),
    Field::new(
        Column::new(
            "dst_len",
            Type::Int,
            "The route's destination prefix length",
        ),
        |r| r.dst_len.into(),
    ),
    Field::new(
        Column::new(
            "src",
            Type::Ip,
            "The route's source prefix selector; null if none",
        ),
        |r| Value::opt_ip(r.src),
    ),
    Field::new(
        Column::new(
            "src_len",
            Type::Int,
            "The route's source selector prefix length",
        ),
        |r| r.src_len.into(),
    ),
    Field::new(
        Column::new("tos", Type::Int, "The route's TOS selector; 0 for any"),
        |r| r.tos.into(),
    ),
    Field::new(
        Column::new("metric", Type::Int, "The route's priority (0 when none)"),
        |r| r.metric.into(),
    ),
    Field::new(
        Column::new(
            "hop",
            Type::Int,
            "The hop's position among the route's next hops, from 0",
        ),
        |r| Value::int(r.hop),
    ),
    Field::new(
        Column::new(
            "gateway",
            Type::Ip,
            "The hop's gateway (`via`); null if none",
        ),
        |r| Value::opt_ip(r.gateway),
    ),
    Field::new(
        Column::new(
            "dev",
            Type::Str,
            "The hop's output interface name; null if none or unknown",
        ),
        |r| Value::opt_raw(r.dev.as_deref()),
    ),
    Field::new(
        Column::new(
            "ifindex",
            Type::Int,
            "The hop's output interface index; null if none (and in a table derived from an older snapshot's text)",
        ),
        |r| Value::opt_int((r.ifindex != 0).then_some(r.ifindex)),
    ),
    Field::new(
        Column::new("weight", Type::Int, "The hop's weight (1 to 256)"),
        |r| r.weight.into(),
    ),
    Field::new(
        Column::new(
            "flags",
            Type::Str,
            "The hop's flags in `ip` spelling, comma separated (onlink, linkdown, dead, ...); empty for none",
        ),
        |r| Value::str(&r.flags),
    ),
];

columns_fn!(FIELDS);

fn collect(req: &Request, _notes: &Notes) -> Result<Table> {
    let recs = crate::door::source::linux::routes(true, false)?;
    Ok(build(&recs, req))
}

/// Builds the table from route records: one row per next hop of each multipath route.
pub fn build(recs: &[RouteRecord], req: &Request) -> Table {
    let rows: Vec<HopRow> = recs
        .iter()
        .flat_map(|r| {
            r.hops.iter().enumerate().map(move |(i, h)| HopRow {
                family: r.family,
                table: r.table,
                dst: r.dst,
                dst_len: r.dst_len,
                src: r.src,
                src_len: r.src_len,
                tos: r.tos,
                metric: r.metric.unwrap_or(0),
                hop: i,
                gateway: h.gateway,
                dev: h.dev.clone(),
                ifindex: h.oif,
                weight: h.weight,
                flags: h.flags.clone(),
            })
        })
        .collect();
    field::build(DEF.name, &FIELDS, req, &rows)
}

/// A route's identity as read from a table (`routes` or `route_nexthops`), with its
/// namespace (`--all-netns`).
type Key = (
    Option<i64>,
    Option<std::sync::Arc<str>>,
    Option<i64>,
    Option<IpAddr>,
    Option<i64>,
    Option<IpAddr>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// The identity of row `row`, read through `c` (made with [`ROUTE_KEY`] first, and `netns`
/// at `netns`).
fn key(c: &Cols, row: usize, netns: usize) -> Key {
    (
        c.int(row, netns),
        c.str(row, 0),
        c.int(row, 1),
        c.ip(row, 2),
        c.int(row, 3),
        c.ip(row, 4),
        c.int(row, 5),
        c.int(row, 6),
        c.int(row, 7),
    )
}

/// The next hops of each multipath route of a `routes` table, read from a `route_nexthops`
/// table: the one way front ends get a route's hops.
#[derive(Debug, Default)]
pub struct RouteHops {
    by_row: HashMap<usize, Vec<NextHop>>,
}

impl RouteHops {
    /// Matches the hops of `nexthops` with the rows of `routes`. A hop belongs to the route
    /// with its identity ([`ROUTE_KEY`], and `netns` when the tables have it); a run of hops
    /// starts at hop 0. Only a route without a device of its own (`oif` null, as the kernel
    /// sends a multipath route) takes hops, and when several such routes share an identity
    /// (IPv4 `ip route append`) the n-th takes the n-th run, both tables being in the
    /// kernel's order.
    pub fn new(routes: &Table, nexthops: Option<&Table>) -> RouteHops {
        let Some(nexthops) = nexthops.filter(|t| !t.is_empty()) else {
            return RouteHops::default();
        };
        // The identity at 0-7, then the hop at 8-12 and the namespace at 13.
        let names: Vec<&'static str> = ROUTE_KEY
            .iter()
            .copied()
            .chain(["hop", "gateway", "dev", "weight", "flags", "netns"])
            .collect();
        let h = Cols::new(nexthops, &names);
        let mut runs: HashMap<Key, VecDeque<Vec<NextHop>>> = HashMap::new();
        let mut last: Option<Key> = None;
        for row in 0..h.len() {
            let k = key(&h, row, 13);
            let hop = NextHop {
                gateway: h.ip(row, 9),
                dev: h.text_raw(row, 10),
                weight: h.u32(row, 11),
                flags: h
                    .str(row, 12)
                    .map(|f| {
                        f.split(',')
                            .filter(|w| !w.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            let list = runs.entry(k.clone()).or_default();
            let first = h.int(row, 8).is_none_or(|n| n == 0) || last.as_ref() != Some(&k);
            match list.back_mut() {
                Some(run) if !first => run.push(hop),
                _ => list.push_back(vec![hop]),
            }
            last = Some(k);
        }
        let names: Vec<&'static str> = ROUTE_KEY.iter().copied().chain(["netns"]).collect();
        let r = Cols::new(routes, &names);
        let oif = Cols::new(routes, &["oif"]);
        let mut by_row = HashMap::new();
        for row in 0..r.len() {
            if oif.int(row, 0).is_some() {
                continue;
            }
            if let Some(run) = runs.get_mut(&key(&r, row, 8)).and_then(VecDeque::pop_front) {
                by_row.insert(row, run);
            }
        }
        RouteHops { by_row }
    }

    /// The next hops of `routes` row `row`; none for a single-path route.
    pub fn of(&self, row: usize) -> &[NextHop] {
        self.by_row.get(&row).map_or(&[], Vec::as_slice)
    }
}

/// The `route_nexthops` table of a `routes` table saved without it (a snapshot from an older
/// netpry): each route's `nexthops` text read back (see [`parse_list`]), the route's identity
/// cells (and its `netns`, when the routes have one) copied as they are; `ifindex` is null
/// (the text does not carry it).
pub fn derive(routes: &Table) -> Table {
    let mut cols: Vec<Column> = columns().to_vec();
    // A snapshot taken with --all-netns: each hop keeps its route's namespace.
    let netns = routes.column_index("netns");
    if let Some(i) = netns {
        cols.push(routes.columns()[i].clone());
    }
    let mut out = Table::new(DEF.name, cols);
    let names: Vec<&'static str> = ROUTE_KEY
        .iter()
        .copied()
        .chain(["nexthops", "netns"])
        .collect();
    let c = Cols::new(routes, &names);
    for row in 0..c.len() {
        let Some(text) = c.text_raw(row, 8) else {
            continue;
        };
        for (i, hop) in parse_list(&text).into_iter().enumerate() {
            let mut cells: Vec<Value> = (0..8).map(|k| c.value(row, k)).collect();
            cells.extend([
                Value::int(i),
                Value::opt_ip(hop.gateway),
                Value::opt_raw(hop.dev.as_deref()),
                Value::Null,
                Value::opt_int(hop.weight),
                Value::str(hop.flags.join(",")),
            ]);
            if netns.is_some() {
                cells.push(c.value(row, 9));
            }
            out.push(cells);
        }
    }
    out
}

/// The hops in a `nexthops` text: `via GW dev DEV weight W` and flags per hop, hops
/// separated by `;` (an edited snapshot may use `,` or a newline), or JSON
/// (`[{"gateway": GW, "dev": DEV, "weight": W}, ...]`). Unreadable JSON is no hops, an
/// unreadable gateway or weight is unset.
fn parse_list(text: &str) -> Vec<NextHop> {
    let text = text.trim();
    if text.starts_with('[') {
        let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(text)
        else {
            return Vec::new();
        };
        return items
            .iter()
            .map(|h| NextHop {
                gateway: h
                    .get("gateway")
                    .or_else(|| h.get("via"))
                    .and_then(|g| g.as_str())
                    .and_then(|g| g.parse().ok()),
                dev: h.get("dev").and_then(|d| d.as_str()).map(str::to_string),
                weight: h
                    .get("weight")
                    .and_then(serde_json::Value::as_u64)
                    .and_then(|w| u32::try_from(w).ok()),
                flags: h
                    .get("flags")
                    .and_then(|f| f.as_array())
                    .map(|f| {
                        f.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
    }
    text.split([',', ';', '\n'])
        .filter(|s| !s.trim().is_empty())
        .map(parse_one)
        .collect()
}

/// One hop's words: the word after the first `via` (the gateway), `dev` (the device) and
/// `weight`; every other word that is neither a keyword nor its value is a flag.
fn parse_one(part: &str) -> NextHop {
    const KEYS: [&str; 3] = ["via", "dev", "weight"];
    let words: Vec<&str> = part.split_whitespace().collect();
    let after = |k: &str| {
        words
            .iter()
            .position(|w| *w == k)
            .and_then(|i| words.get(i + 1))
            .copied()
    };
    let flags = words
        .iter()
        .enumerate()
        .filter(|&(i, w)| !KEYS.contains(w) && (i == 0 || !KEYS.contains(&words[i - 1])))
        .map(|(_, w)| w.to_string())
        .collect();
    NextHop {
        gateway: after("via").and_then(|g| g.parse().ok()),
        dev: after("dev").map(str::to_string),
        weight: after("weight").and_then(|n| n.parse().ok()),
        flags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::door::source::records::RouteHop;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_text_ip_prints() {
        let hops = parse_list("via 10.0.0.1 dev eth0 weight 1; dev eth1 weight 3 onlink dead");
        assert_eq!(
            hops,
            [
                NextHop {
                    gateway: ip("10.0.0.1"),
                    dev: Some("eth0".into()),
                    weight: Some(1),
                    flags: vec![],
                },
                NextHop {
                    gateway: None,
                    dev: Some("eth1".into()),
                    weight: Some(3),
                    flags: vec!["onlink".into(), "dead".into()],
                },
            ]
        );
        assert_eq!(parse_list("via fe80::1 dev a,via fe80::2 dev b").len(), 2);
        assert_eq!(parse_list(""), []);
        assert_eq!(parse_list(" ; ;"), []);
    }

    #[test]
    fn written_as_read() {
        let text = "via 10.0.0.1 dev eth0 weight 1; dev eth1 weight 3 onlink dead; via fe80::1";
        assert_eq!(NextHop::join(&parse_list(text)), text);
    }

    #[test]
    fn json_and_unreadable_texts() {
        let hops = parse_list(r#"[{"gateway": "10.0.0.1", "dev": "eth0", "weight": 2}]"#);
        assert_eq!(hops[0].gateway, ip("10.0.0.1"));
        assert_eq!(hops[0].dev.as_deref(), Some("eth0"));
        assert_eq!(hops[0].weight, Some(2));
        assert_eq!(parse_list("[not json"), []);
        // A bad gateway or weight is unset, the rest of the hop is read.
        let hops = parse_list("via nowhere dev eth0 weight -1");
        assert_eq!((hops[0].gateway, hops[0].weight), (None, None));
        assert_eq!(hops[0].dev.as_deref(), Some("eth0"));
    }

    /// Two multipath routes with the same identity (IPv4 `ip route append`), a single-path
    /// route between them with that identity too, and an IPv6 multipath route.
    fn records() -> Vec<RouteRecord> {
        let hop = |g: &str, oif: u32, dev: &str, weight: u32, flags: &str| RouteHop {
            gateway: ip(g),
            oif,
            dev: Some(dev.into()),
            weight,
            flags: flags.into(),
        };
        let base = RouteRecord {
            family: Some(Family::Inet),
            table: 254,
            route_type: "unicast".into(),
            dst: ip("10.9.0.0"),
            dst_len: 24,
            ..RouteRecord::default()
        };
        let mut plain = base.clone();
        plain.gateway = ip("10.0.0.9");
        plain.oif = 2;
        plain.dev = Some("a".into());
        vec![
            RouteRecord {
                hops: vec![
                    hop("10.0.0.1", 2, "a", 1, ""),
                    hop("10.0.1.1", 3, "b", 3, "onlink"),
                ],
                ..base.clone()
            },
            plain,
            RouteRecord {
                hops: vec![hop("10.0.2.1", 4, "c", 2, "dead,linkdown")],
                ..base
            },
            RouteRecord {
                family: Some(Family::Inet6),
                table: 254,
                dst: ip("fd00:9::"),
                dst_len: 64,
                metric: Some(1024),
                hops: vec![hop("fe80::1", 2, "a", 1, ""), hop("fe80::2", 3, "b", 1, "")],
                ..RouteRecord::default()
            },
        ]
    }

    /// `routes` rows as the collector makes them (with the `nexthops` text).
    fn routes_table(recs: &mut [RouteRecord]) -> Table {
        for r in recs.iter_mut() {
            let text: Vec<NextHop> = r.hops.iter().map(RouteHop::spelled).collect();
            r.nexthops = NextHop::join(&text);
        }
        super::super::routes::build(recs, &Request::default())
    }

    #[test]
    fn one_row_per_hop_with_the_route_identity() {
        let t = build(&records(), &Request::default());
        assert_eq!(t.len(), 5);
        let c = Cols::new(
            &t,
            &[
                "family", "dst", "metric", "hop", "dev", "ifindex", "weight", "flags",
            ],
        );
        let row = |r| {
            (0..8)
                .map(|i| c.display(r, i))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(row(0), "inet 10.9.0.0 0 0 a 2 1 ");
        assert_eq!(row(1), "inet 10.9.0.0 0 1 b 3 3 onlink");
        assert_eq!(row(2), "inet 10.9.0.0 0 0 c 4 2 dead,linkdown");
        assert_eq!(row(4), "inet6 fd00:9:: 1024 1 b 3 1 ");
        let only = build(&records(), &Request::columns(&["hop", "gateway"]));
        assert_eq!(only.width(), 2);
    }

    #[test]
    fn each_route_gets_its_own_hops() {
        let mut recs = records();
        let routes = routes_table(&mut recs);
        let hops = build(&recs, &Request::default());
        let by = RouteHops::new(&routes, Some(&hops));
        let devs = |row| {
            by.of(row)
                .iter()
                .map(|h| h.dev.clone().unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(devs(0), ["a", "b"]);
        assert_eq!(
            devs(1),
            Vec::<String>::new(),
            "a single-path route has none"
        );
        assert_eq!(devs(2), ["c"]);
        assert_eq!(devs(3), ["a", "b"]);
        assert_eq!(by.of(0)[1].flags, ["onlink"]);
        assert_eq!(by.of(2)[0].flags, ["dead", "linkdown"]);
        assert_eq!(by.of(0)[1].weight, Some(3));
        assert!(RouteHops::new(&routes, None).of(0).is_empty());
    }

    #[test]
    fn namespaces_keep_their_own_hops() {
        let mut t = Table::new(
            "routes",
            vec![
                Column::new("dst", Type::Ip, ""),
                Column::new("dst_len", Type::Int, ""),
                Column::new("nexthops", Type::Str, ""),
                Column::new("netns", Type::Int, ""),
            ],
        );
        let dst = Value::Ip("10.9.0.0".parse().unwrap());
        for (ns, hops) in [(7, "dev a; dev b"), (8, "dev c; dev d")] {
            t.push([
                dst.clone(),
                Value::Int(24),
                Value::str(hops),
                Value::Int(ns),
            ]);
        }
        let derived = derive(&t);
        assert_eq!(derived.width(), columns().len() + 1);
        // The second namespace's hops listed first: each route still finds its own.
        let mut hops = Table::new(DEF.name, derived.columns().to_vec());
        for r in [2, 3, 0, 1] {
            hops.push(derived.row(r).to_vec());
        }
        let by = RouteHops::new(&t, Some(&hops));
        let dev = |r: usize| by.of(r)[0].dev.clone().unwrap();
        assert_eq!((dev(0), dev(1)), ("a".to_string(), "c".to_string()));
    }

    #[test]
    fn derived_from_the_text_as_collected() {
        let mut recs = records();
        let routes = routes_table(&mut recs);
        let collected = build(&recs, &Request::default());
        let derived = derive(&routes);
        assert_eq!(derived.columns(), collected.columns());
        assert_eq!(derived.len(), collected.len());
        let ifindex = collected.column_index("ifindex").unwrap();
        for r in 0..collected.len() {
            for (i, (a, b)) in derived
                .row(r)
                .iter()
                .zip(collected.row(r).iter())
                .enumerate()
            {
                if i == ifindex {
                    assert!(a.is_null());
                } else {
                    assert_eq!(a, b, "row {r} column {i}");
                }
            }
        }
        // Both read the same hops for every route.
        let (a, b) = (
            RouteHops::new(&routes, Some(&derived)),
            RouteHops::new(&routes, Some(&collected)),
        );
        for r in 0..routes.len() {
            assert_eq!(a.of(r), b.of(r));
        }
    }
}
