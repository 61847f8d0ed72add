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
use crate::model::{Table, Value};
use crate::tables::names as rtnames;

static NULL: Value = Value::Null;

/// A table with by-name cell access.
pub struct View {
    table: Arc<Table>,
}

/// A column position, or none when the table lacks the column.
#[derive(Clone, Copy)]
pub struct Col(Option<usize>);

impl View {
    /// Reads table `name` from the catalog.
    pub fn load(cat: &Catalog, name: &str) -> Result<View> {
        Ok(View {
            table: crate::netstat::bytewise_shared(cat.table(name)?),
        })
    }

    /// Wraps an existing table.
    pub fn of(table: Arc<Table>) -> View {
        View { table }
    }

    /// The position of column `name`.
    pub fn col(&self, name: &str) -> Col {
        Col(self.table.column_index(name))
    }

    /// The table itself (for [`crate::model::Cols`]).
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Every row.
    pub fn rows(&self) -> impl Iterator<Item = Vec<Value>> + '_ {
        self.table.rows()
    }
}

/// Reads cell `c` of `row` (null when the column is missing).
pub fn get(row: &[Value], c: Col) -> &Value {
    c.0.and_then(|i| row.get(i)).unwrap_or(&NULL)
}

/// An integer cell (also accepts booleans and numeric strings), or `None`.
pub fn int(row: &[Value], c: Col) -> Option<i64> {
    match get(row, c) {
        Value::Int(n) => Some(*n),
        Value::Float(f) => Some(*f as i64),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A text cell (numbers are rendered), or an empty string.
pub fn text(row: &[Value], c: Col) -> String {
    match get(row, c) {
        Value::Null => String::new(),
        Value::Str(s) => s.to_string(),
        Value::Bytes(_) => get(row, c).to_string(),
        Value::Int(n) => n.to_string(),
        Value::Ip(ip) => ip.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Float(f) => f.to_string(),
    }
}

/// An IP cell (also parses text), or `None`.
pub fn ip(row: &[Value], c: Col) -> Option<IpAddr> {
    match get(row, c) {
        Value::Ip(ip) => Some(*ip),
        Value::Str(s) => s.split('%').next().and_then(|a| a.parse().ok()),
        _ => None,
    }
}

/// A boolean cell (also `1`/`0`, `yes`/`no`), or `None`.
pub fn boolean(row: &[Value], c: Col) -> Option<bool> {
    match get(row, c) {
        Value::Bool(b) => Some(*b),
        Value::Int(n) => Some(*n != 0),
        Value::Str(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Some(true),
            "false" | "no" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// One interface (a row of `interfaces`).
#[derive(Debug, Clone, Default)]
pub struct Iface {
    /// ifindex.
    pub index: u32,
    /// Name.
    pub name: String,
    /// MTU.
    pub mtu: u64,
    /// IFF_* flags.
    pub flags: u32,
    /// Hardware address text (`aa:bb:..`), empty for none.
    pub mac: String,
    /// Link type (`ether`, `loopback`, `none`, ...).
    pub link_type: String,
    /// StatCounters: rx/tx packets, bytes, errors, dropped, collisions.
    pub rx_packets: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Receive errors.
    pub rx_errors: u64,
    /// Transmit errors.
    pub tx_errors: u64,
    /// Receive drops.
    pub rx_dropped: u64,
    /// Transmit drops.
    pub tx_dropped: u64,
    /// Collisions.
    pub collisions: u64,
}

/// IFF_UP.
pub const IFF_UP: u32 = 1;
/// IFF_BROADCAST.
pub const IFF_BROADCAST: u32 = 1 << 1;
/// IFF_LOOPBACK.
pub const IFF_LOOPBACK: u32 = 1 << 3;
/// IFF_POINTOPOINT.
pub const IFF_POINTOPOINT: u32 = 1 << 4;
/// IFF_NOARP.
pub const IFF_NOARP: u32 = 1 << 7;

impl Iface {
    /// Whether this is a loopback device.
    pub fn is_loopback(&self) -> bool {
        self.flags & IFF_LOOPBACK != 0 || self.link_type == "loopback"
    }

    /// Whether the device resolves neighbours (ARP/ND): not NOARP, point-to-point or loopback.
    pub fn resolves_neighbours(&self) -> bool {
        self.flags & (IFF_NOARP | IFF_POINTOPOINT | IFF_LOOPBACK) == 0 && !self.is_loopback()
    }
}

/// Reads the `interfaces` table, in ifindex order.
pub fn interfaces(cat: &Catalog) -> Result<Vec<Iface>> {
    let v = View::load(cat, "interfaces")?;
    Ok(interfaces_of(&v))
}

/// Reads interfaces from a loaded view.
pub fn interfaces_of(v: &View) -> Vec<Iface> {
    let c = |n: &str| v.col(n);
    let (index, name, mtu, flags, mac, lt) = (
        c("index"),
        c("name"),
        c("mtu"),
        c("flags_raw"),
        c("mac"),
        c("link_type"),
    );
    let counters = [
        c("rx_packets"),
        c("tx_packets"),
        c("rx_bytes"),
        c("tx_bytes"),
        c("rx_errors"),
        c("tx_errors"),
        c("rx_dropped"),
        c("tx_dropped"),
        c("collisions"),
    ];
    let mut out: Vec<Iface> = v
        .rows()
        .map(|r| {
            let n = |i: usize| int(&r, counters[i]).unwrap_or(0).max(0) as u64;
            Iface {
                index: int(&r, index).unwrap_or(0) as u32,
                name: text(&r, name),
                mtu: int(&r, mtu).unwrap_or(0).max(0) as u64,
                flags: int(&r, flags).unwrap_or(0) as u32,
                mac: text(&r, mac),
                link_type: text(&r, lt),
                rx_packets: n(0),
                tx_packets: n(1),
                rx_bytes: n(2),
                tx_bytes: n(3),
                rx_errors: n(4),
                tx_errors: n(5),
                rx_dropped: n(6),
                tx_dropped: n(7),
                collisions: n(8),
            }
        })
        .collect();
    out.sort_by_key(|i| i.index);
    out
}

/// One interface address (a row of `addresses`).
#[derive(Debug, Clone)]
pub struct Addr {
    /// ifindex.
    pub ifindex: u32,
    /// The address.
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
}

/// Reads the `addresses` table.
pub fn addresses(cat: &Catalog) -> Result<Vec<Addr>> {
    let v = View::load(cat, "addresses")?;
    let (ifindex, addr, plen) = (v.col("ifindex"), v.col("addr"), v.col("prefix_len"));
    Ok(v.rows()
        .filter_map(|r| {
            Some(Addr {
                ifindex: int(&r, ifindex)? as u32,
                addr: ip(&r, addr)?,
                prefix_len: int(&r, plen).unwrap_or(0).clamp(0, 128) as u8,
            })
        })
        .collect())
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

/// Reads the `routes` table.
pub fn routes(cat: &Catalog) -> Result<Vec<Route>> {
    let v = View::load(cat, "routes")?;
    let c = |n: &str| v.col(n);
    let (
        table,
        tname,
        family,
        kind,
        dst,
        dst_len,
        gw,
        dev,
        oif,
        prefsrc,
        metric,
        proto,
        scope,
        flags,
        mtu,
        exp,
    ) = (
        c("table"),
        c("table_name"),
        c("family"),
        c("type"),
        c("dst"),
        c("dst_len"),
        c("gateway"),
        c("dev"),
        c("oif"),
        c("prefsrc"),
        c("metric"),
        c("protocol"),
        c("scope"),
        c("flags"),
        c("mtu"),
        c("expires"),
    );
    let mut out = Vec::new();
    for r in v.rows() {
        let fam = text(&r, family);
        let d = ip(&r, dst);
        let v6 = match fam.as_str() {
            "inet6" | "ipv6" | "10" => true,
            "inet" | "ipv4" | "2" => false,
            _ => match d.or(ip(&r, gw)) {
                Some(a) => a.is_ipv6(),
                None => continue,
            },
        };
        let unspecified: IpAddr = if v6 {
            std::net::Ipv6Addr::UNSPECIFIED.into()
        } else {
            std::net::Ipv4Addr::UNSPECIFIED.into()
        };
        let table_id =
            int(&r, table)
                .map(|t| t as u32)
                .unwrap_or_else(|| match text(&r, tname).as_str() {
                    "local" => 255,
                    _ => 254,
                });
        out.push(Route {
            table: table_id,
            v6,
            kind: rt_name(text(&r, kind), rtnames::route_type_name),
            dst: d.unwrap_or(unspecified),
            dst_len: int(&r, dst_len).unwrap_or(0).clamp(0, 128) as u8,
            gateway: ip(&r, gw),
            dev: text(&r, dev),
            oif: int(&r, oif).unwrap_or(0) as u32,
            prefsrc: ip(&r, prefsrc),
            metric: int(&r, metric).unwrap_or(0).max(0) as u64,
            protocol: rt_name(text(&r, proto), protocol_name),
            scope: rt_name(text(&r, scope), scope_name),
            flags: text(&r, flags).to_ascii_lowercase(),
            mtu: int(&r, mtu).unwrap_or(0).max(0) as u64,
            expires: int(&r, exp).filter(|e| *e > 0),
        });
    }
    Ok(out)
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
    let v = View::load(cat, "neighbours")?;
    let c = |n: &str| v.col(n);
    let (ifindex, ifname, addr, mac, state, confirmed, reachable) = (
        c("ifindex"),
        c("ifname"),
        c("addr"),
        c("mac"),
        c("state"),
        c("confirmed_ms"),
        c("reachable_ms"),
    );
    Ok(v.rows()
        .filter_map(|r| {
            let state = text(&r, state).to_ascii_uppercase();
            Some(Neigh {
                ifindex: int(&r, ifindex).unwrap_or(0) as u32,
                ifname: text(&r, ifname),
                addr: ip(&r, addr)?,
                mac: text(&r, mac),
                expires: neigh_expiry(&state, int(&r, confirmed), int(&r, reachable)),
                state,
            })
        })
        .collect())
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
    let v = View::load(cat, "multicast")?;
    let c = |n: &str| v.col(n);
    let ifname = match c("ifname") {
        Col(None) => c("interface"),
        col => col,
    };
    let (family, ifindex, group, lladdr, users, querier) = (
        c("family"),
        c("ifindex"),
        c("group"),
        c("lladdr"),
        c("users"),
        c("querier"),
    );
    let mut out: Vec<(u8, Group)> = v
        .rows()
        .filter_map(|r| {
            let fam = text(&r, family);
            let (rank, addr) = match fam.as_str() {
                "link" => {
                    let mac = text(&r, lladdr);
                    if mac.is_empty() {
                        return None;
                    }
                    (0, GroupAddr::Link(mac))
                }
                "inet" | "inet6" => (
                    if fam == "inet" { 1 } else { 2 },
                    GroupAddr::Ip(ip(&r, group)?),
                ),
                _ => return None,
            };
            Some((
                rank,
                Group {
                    ifindex: int(&r, ifindex).unwrap_or(0) as u32,
                    ifname: text(&r, ifname),
                    group: addr,
                    users: int(&r, users).unwrap_or(0).max(0) as u64,
                    igmp_version: Some(text(&r, querier)).filter(|q| !q.is_empty()),
                },
            ))
        })
        .collect();
    out.sort_by_key(|(rank, _)| *rank);
    Ok(out.into_iter().map(|(_, g)| g).collect())
}

/// One socket (a row of `sockets`).
#[derive(Debug, Clone, Default)]
pub struct Sock {
    /// `tcp`, `udp`, `udplite`, `raw`, `unix`.
    pub proto: String,
    /// `inet`, `inet6`, `unix`.
    pub family: String,
    /// Kernel state name, uppercase.
    pub state: String,
    /// Receive queue.
    pub recv_q: u64,
    /// Send queue.
    pub send_q: u64,
    /// Local address.
    pub local: Option<IpAddr>,
    /// Local port (the protocol number for raw sockets).
    pub local_port: u16,
    /// Remote address.
    pub remote: Option<IpAddr>,
    /// Remote port.
    pub remote_port: u16,
    /// Inode.
    pub inode: u64,
    /// sock_diag cookie.
    pub cookie: u64,
    /// Bound device index (IPv6 scope), 0 for none or unknown.
    pub dev: u32,
    /// Bound device name, when the table gives a name rather than an index.
    pub dev_name: String,
    /// UNIX socket type, lowercase (`stream`, `dgram`, `seqpacket`).
    pub kind: String,
    /// UNIX path (`@name` for abstract names).
    pub path: String,
    /// UNIX peer inode.
    pub peer_inode: u64,
    /// IPV6_V6ONLY, when the table knows it.
    pub v6only: Option<bool>,
}

/// Reads the `sockets` table.
pub fn sockets(cat: &Catalog) -> Result<Vec<Sock>> {
    let v = View::load(cat, "sockets")?;
    let c = |n: &str| v.col(n);
    let cols = [
        c("proto"),
        c("family"),
        c("state"),
        c("recv_q"),
        c("send_q"),
        c("local_addr"),
        c("local_port"),
        c("remote_addr"),
        c("remote_port"),
        c("inode"),
        c("cookie"),
        c("dev"),
        c("type"),
        c("path"),
        c("peer_inode"),
        c("v6only"),
        c("flags"),
    ];
    let u = |r: &[Value], i: usize| int(r, cols[i]).unwrap_or(0).max(0) as u64;
    Ok(v.rows()
        .map(|r| {
            let flags = text(&r, cols[16]).to_ascii_lowercase();
            let v6only = boolean(&r, cols[15]).or_else(|| flags.contains("v6only").then_some(true));
            Sock {
                proto: text(&r, cols[0]).to_ascii_lowercase(),
                family: text(&r, cols[1]).to_ascii_lowercase(),
                state: text(&r, cols[2]).to_ascii_uppercase(),
                recv_q: u(&r, 3),
                send_q: u(&r, 4),
                local: ip(&r, cols[5]),
                local_port: u(&r, 6) as u16,
                remote: ip(&r, cols[7]),
                remote_port: u(&r, 8) as u16,
                inode: u(&r, 9),
                cookie: cookie(get(&r, cols[10])),
                dev: u(&r, 11) as u32,
                dev_name: int(&r, cols[11]).map_or_else(|| text(&r, cols[11]), |_| String::new()),
                kind: text(&r, cols[12]).to_ascii_lowercase(),
                path: text(&r, cols[13]),
                peer_inode: u(&r, 14),
                v6only,
            }
        })
        .collect())
}

/// The cookie may be stored as an integer (possibly negative when above i64::MAX) or as text.
fn cookie(v: &Value) -> u64 {
    match v {
        Value::Int(n) => *n as u64,
        Value::Str(s) => {
            let s = s.trim();
            s.strip_prefix("0x")
                .map_or_else(|| s.parse().ok(), |h| u64::from_str_radix(h, 16).ok())
                .unwrap_or(0)
        }
        _ => 0,
    }
}

/// Protocol counters: `(proto, name)` to value, read from the `stats` table.
#[derive(Debug, Default, Clone)]
pub struct StatCounters {
    map: HashMap<(String, String), i64>,
}

impl StatCounters {
    /// Reads the `stats` table.
    pub fn load(cat: &Catalog) -> Result<StatCounters> {
        Ok(StatCounters::from_view(&View::load(cat, "stats")?))
    }

    /// Reads counters from a view of `stats` (proto, name, value).
    pub fn from_view(v: &View) -> StatCounters {
        let (proto, name, value) = (v.col("proto"), v.col("name"), v.col("value"));
        let mut c = StatCounters::default();
        for r in v.rows() {
            let (p, n) = (text(&r, proto), text(&r, name));
            let Some(val) = int(&r, value) else { continue };
            c.insert(&p, &n, val);
        }
        c
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
            .unwrap_or(0)
            .max(0) as u64
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
    let v = View::load(cat, "sysctls").ok()?;
    let (n, val) = (v.col("name"), v.col("value"));
    let slash = name.replace('.', "/");
    v.rows()
        .find(|r| {
            let t = text(r, n);
            t == name || t == slash
        })
        .map(|r| text(&r, val))
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
