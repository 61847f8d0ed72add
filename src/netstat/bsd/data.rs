//! The rows BSD netstat prints, read from netpry's tables by column name.
//!
//! Every display reads the catalog through this module only, so the column names of the
//! `sockets`, `interfaces`, `addresses`, `routes`, `neighbours`, `multicast`, `stats` and
//! `sysctls` tables
//! appear in one place. A column a table (or an older snapshot) lacks reads as null, and each
//! reader falls back to the value the BSD compatibility table documents (usually 0).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::error::Result;
use crate::model::{Cols, Table};
use crate::tables::names as rtnames;

/// Reads table `name` from the catalog, its names made byte-wise for net-tools-style padding
/// (see [`crate::netstat::bytewise`]).
pub fn load(cat: &Catalog, name: &str) -> Result<Arc<Table>> {
    Ok(crate::netstat::bytewise_shared(cat.table(name)?))
}

/// Passes the out-of-range cells `c` met (read as 0 or left out) on to the catalog's notes,
/// which are printed after the output.
fn note_problems(cat: &Catalog, c: &Cols) {
    note_all(cat, c.take_problems());
}

pub use crate::netstat::rows::interface::{
    Addr, IFF_BROADCAST, IFF_LOOPBACK, IFF_NOARP, IFF_POINTOPOINT, IFF_UP, Iface,
};

/// Adds `problems` (out-of-range cells, read as 0 or left out) to the catalog's notes.
fn note_all(cat: &Catalog, problems: Vec<String>) {
    for p in problems {
        cat.notes().add(format!("{p} (read as 0)"));
    }
}

/// Reads the `interfaces` table ([`crate::netstat::rows::interface`]), in ifindex order.
pub fn interfaces(cat: &Catalog) -> Result<Vec<Iface>> {
    let t = load(cat, "interfaces")?;
    let mut problems = Vec::new();
    let mut out = crate::netstat::rows::interface::interfaces(&t, &mut problems);
    out.sort_by_key(|i| i.index);
    note_all(cat, problems);
    Ok(out)
}

/// Reads the `addresses` table (rows without an ifindex or address are left out).
pub fn addresses(cat: &Catalog) -> Result<Vec<Addr>> {
    let t = load(cat, "addresses")?;
    let mut problems = Vec::new();
    let out = crate::netstat::rows::interface::addresses(&t, &mut problems);
    note_all(cat, problems);
    Ok(out)
}

/// One route (a row of `routes`).
#[derive(Debug, Clone)]
pub struct Route {
    /// Routing table id (254 main, 255 local).
    pub table: u32,
    /// Whether the route is IPv6.
    pub v6: bool,
    /// Route type, lowercase (`unicast`, `local`, `broadcast`, `multicast`, `blackhole`, ...).
    pub kind: String,
    /// Destination (unspecified address for a default route).
    pub dst: IpAddr,
    /// Destination prefix length.
    pub dst_len: u8,
    /// Gateway.
    pub gateway: Option<IpAddr>,
    /// Output interface name.
    pub dev: String,
    /// Output interface index.
    pub oif: u32,
    /// Preferred source.
    pub prefsrc: Option<IpAddr>,
    /// Metric.
    pub metric: u64,
    /// Protocol, lowercase name (`kernel`, `boot`, `static`, `dhcp`, `ra`, `redirect`, ...).
    pub protocol: String,
    /// Scope, lowercase name (`global`, `link`, `host`, ...).
    pub scope: String,
    /// Route flags text (`onlink`, `dead`, `linkdown`, `cloned`, ...), lowercase.
    pub flags: String,
    /// RTAX_MTU, 0 if unset.
    pub mtu: u64,
    /// Seconds until the route expires, when it does.
    pub expires: Option<i64>,
}

/// Reads the `routes` table (through the shared rows, [`crate::netstat::rows::route`]); a
/// route whose family nothing tells is left out.
pub fn routes(cat: &Catalog) -> Result<Vec<Route>> {
    let (t, hops) = cat.routes_and_hops(&crate::tables::Request::default())?;
    let t = crate::netstat::bytewise_shared(t);
    let hops = crate::netstat::bytewise_shared(hops);
    let mut problems = Vec::new();
    let rows = crate::netstat::rows::route::routes(&t, Some(&hops), &mut problems);
    note_all(cat, problems);
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Route {
                table: r.table,
                v6: r.v6?,
                kind: rt_name(r.kind, rtnames::route_type_name),
                dst: r.dst,
                dst_len: r.dst_len,
                gateway: r.gateway,
                dev: r.dev.unwrap_or_default(),
                oif: r.oif,
                prefsrc: r.prefsrc,
                metric: r.metric.into(),
                protocol: rt_name(r.protocol, protocol_name),
                scope: rt_name(r.scope, scope_name),
                flags: r.flags.to_ascii_lowercase(),
                mtu: r.mtu.into(),
                expires: r.expires.filter(|e| *e > 0),
            })
        })
        .collect())
}

/// `ip`'s built-in name of route protocol `p` (the number when it has none).
fn protocol_name(p: u8) -> String {
    rtnames::builtin_protocols().name(p.into())
}

/// `ip`'s built-in name of scope `s` (the number when it has none).
fn scope_name(s: u8) -> String {
    rtnames::builtin_scopes().name(s.into())
}

/// A route type, protocol or scope cell as a lowercase name. The `routes` table already names
/// them as `ip` does on the host it was read from (its iproute2 files included); a cell holding
/// the kernel's number (the host had no name for it, or a hand-made snapshot) gets only `ip`'s
/// built-in name, never one from the files of the machine reading the snapshot.
fn rt_name(cell: String, name: fn(u8) -> String) -> String {
    match cell.parse::<u8>() {
        Ok(n) => name(n),
        Err(_) => cell.to_ascii_lowercase(),
    }
}

/// One neighbour entry (a row of `neighbours`).
#[derive(Debug, Clone)]
pub struct Neigh {
    /// ifindex.
    pub ifindex: u32,
    /// Interface name.
    pub ifname: String,
    /// Protocol address.
    pub addr: IpAddr,
    /// Hardware address text, empty when unresolved.
    pub mac: String,
    /// State, uppercase (`REACHABLE`, `STALE`, `PERMANENT`, ...).
    pub state: String,
    /// Seconds until the entry needs confirming again, when known.
    pub expires: Option<i64>,
}

/// Reads the `neighbours` table.
pub fn neighbours(cat: &Catalog) -> Result<Vec<Neigh>> {
    let t = load(cat, "neighbours")?;
    let c = Cols::new(
        &t,
        &[
            "ifindex",
            "ifname",
            "addr",
            "mac",
            "state",
            "confirmed_ms",
            "reachable_ms",
        ],
    );
    let out = (0..c.len())
        .filter_map(|r| {
            let state = c.display(r, 4).to_ascii_uppercase();
            Some(Neigh {
                ifindex: c.u32(r, 0).unwrap_or(0),
                ifname: c.display(r, 1),
                addr: c.ip(r, 2)?,
                mac: c.display(r, 3),
                expires: neigh_expiry(&state, c.int(r, 5), c.int(r, 6)),
                state,
            })
        })
        .collect();
    note_problems(cat, &c);
    Ok(out)
}

/// Seconds until a dynamic neighbour entry needs confirming again (spec §3: the reachable
/// time minus the age of the last confirmation), `None` for permanent and NOARP entries, when
/// either figure is missing, or when the time has already passed (classic prints nothing).
pub fn neigh_expiry(
    state: &str,
    confirmed_ms: Option<i64>,
    reachable_ms: Option<i64>,
) -> Option<i64> {
    if state.split('|').any(|s| s == "PERMANENT" || s == "NOARP") {
        return None;
    }
    let left = (reachable_ms? - confirmed_ms?) / 1000;
    (left > 0).then_some(left)
}

/// A multicast group address: link layer (colon hex) or IP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupAddr {
    /// A link-layer group, `01:00:5e:00:00:01` form.
    Link(String),
    /// An IPv4 or IPv6 group.
    Ip(IpAddr),
}

/// One multicast membership (a row of `multicast`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Interface index.
    pub ifindex: u32,
    /// Interface name.
    pub ifname: String,
    /// The group.
    pub group: GroupAddr,
    /// Holders of the membership.
    pub users: u64,
    /// IGMP version of the interface's querier (`V2`, `V3`), IPv4 rows only.
    pub igmp_version: Option<String>,
}

/// Reads the `multicast` table: link-layer rows (family `link`), then IPv4, then IPv6, each in
/// table order. Snapshots written before the interface column was named `ifname` are read by
/// their old `interface` column.
pub fn multicast(cat: &Catalog) -> Result<Vec<Group>> {
    let t = load(cat, "multicast")?;
    let ifname = if t.column_index("ifname").is_some() {
        "ifname"
    } else {
        "interface"
    };
    let c = Cols::new(
        &t,
        &[
            "family", "ifindex", "group", "lladdr", "users", "querier", ifname,
        ],
    );
    let mut out: Vec<(u8, Group)> = (0..c.len())
        .filter_map(|r| {
            let fam = c.display(r, 0);
            let (rank, addr) = match fam.as_str() {
                "link" => {
                    let mac = c.display(r, 3);
                    if mac.is_empty() {
                        return None;
                    }
                    (0, GroupAddr::Link(mac))
                }
                "inet" | "inet6" => (
                    if fam == "inet" { 1 } else { 2 },
                    GroupAddr::Ip(c.ip(r, 2)?),
                ),
                _ => return None,
            };
            Some((
                rank,
                Group {
                    ifindex: c.u32(r, 1).unwrap_or(0),
                    ifname: c.display(r, 6),
                    group: addr,
                    users: c.u64(r, 4).unwrap_or(0),
                    igmp_version: Some(c.display(r, 5)).filter(|q| !q.is_empty()),
                },
            ))
        })
        .collect();
    note_problems(cat, &c);
    out.sort_by_key(|(rank, _)| *rank);
    Ok(out.into_iter().map(|(_, g)| g).collect())
}

pub use crate::netstat::rows::socket::{Device, Socket};

/// Reads the `sockets` table ([`crate::netstat::rows::socket`]). A port outside 0-65535 or
/// another out-of-range number reads as 0 (with a note).
pub fn sockets(cat: &Catalog) -> Result<Vec<Socket>> {
    let t = load(cat, "sockets")?;
    let mut problems = Vec::new();
    let out = crate::netstat::rows::socket::sockets(&t, &mut problems);
    note_all(cat, problems);
    Ok(out)
}

/// Protocol counters: `(proto, name)` to value, read from the `stats` table.
#[derive(Debug, Default, Clone)]
pub struct StatCounters {
    map: HashMap<(String, String), i64>,
}

impl StatCounters {
    /// Reads the `stats` table.
    pub fn load(cat: &Catalog) -> Result<StatCounters> {
        Ok(StatCounters::from_table(&*load(cat, "stats")?))
    }

    /// Reads counters from a `stats` table (proto, name, value); rows without an integer
    /// value are left out.
    pub fn from_table(t: &Table) -> StatCounters {
        let mut out = StatCounters::default();
        for r in crate::netstat::rows::counters::stats(t) {
            let Some(val) = r.value else { continue };
            let text = |s: Option<String>| s.unwrap_or_default();
            out.insert(&text(r.proto), &text(r.name), val);
        }
        out
    }

    /// Records one counter (also under the name without a leading protocol prefix, so
    /// `Ip6InReceives` in proto `Ip6` is found as `InReceives`).
    pub fn insert(&mut self, proto: &str, name: &str, value: i64) {
        let p = proto.to_ascii_lowercase();
        if let Some(rest) = name
            .get(..p.len())
            .filter(|h| h.eq_ignore_ascii_case(&p))
            .map(|_| &name[p.len()..])
        {
            if !rest.is_empty() {
                self.map.insert((p.clone(), rest.to_string()), value);
            }
        }
        self.map.insert((p, name.to_string()), value);
    }

    /// The counter `name` of protocol group `proto` (`Tcp`, `TcpExt`, `Ip6`, `IcmpMsg`, `TCP`
    /// for sockstat, ...); 0 when absent.
    pub fn get(&self, proto: &str, name: &str) -> u64 {
        self.map
            .get(&(proto.to_ascii_lowercase(), name.to_string()))
            .copied()
            .and_then(|v| u64::try_from(v).ok())
            .unwrap_or(0)
    }

    /// `self - before`, counter by counter (a counter that went backwards gives 0).
    pub fn delta(&self, before: &StatCounters) -> StatCounters {
        let map = self
            .map
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    (*v - before.map.get(k).copied().unwrap_or(0)).max(0),
                )
            })
            .collect();
        StatCounters { map }
    }

    /// Whether any counter was read.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Reads a sysctl value from the `sysctls` table (names with dots or slashes).
pub fn sysctl(cat: &Catalog, name: &str) -> Option<String> {
    let t = load(cat, "sysctls").ok()?;
    let c = Cols::new(&t, &["name", "value"]);
    let slash = name.replace('.', "/");
    (0..c.len())
        .find(|&r| {
            let t = c.display(r, 0);
            t == name || t == slash
        })
        .map(|r| c.display(r, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_names_come_from_the_table_or_from_rtnames() {
        assert_eq!(
            rt_name("Blackhole".into(), rtnames::route_type_name),
            "blackhole"
        );
        assert_eq!(rt_name("7".into(), rtnames::route_type_name), "unreachable");
        assert_eq!(rt_name("2".into(), protocol_name), "kernel");
        assert_eq!(rt_name("253".into(), scope_name), "link");
        assert_eq!(rt_name("300".into(), scope_name), "300");
    }

    #[test]
    fn neighbour_expiry_is_reachable_time_minus_confirmed_age() {
        assert_eq!(
            neigh_expiry("REACHABLE", Some(244_000), Some(1_200_000)),
            Some(956)
        );
        assert_eq!(neigh_expiry("PERMANENT", Some(0), Some(30_000)), None);
        assert_eq!(neigh_expiry("STALE|NOARP", Some(0), Some(30_000)), None);
        assert_eq!(neigh_expiry("STALE", Some(45_000), Some(30_000)), None);
        assert_eq!(neigh_expiry("REACHABLE", None, Some(30_000)), None);
        assert_eq!(neigh_expiry("REACHABLE", Some(1_000), None), None);
    }
}
