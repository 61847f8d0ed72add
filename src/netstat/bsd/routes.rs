//! `-r`: "Routing tables" with Internet and Internet6 sections (classic Mac OS X layout:
//! `Destination Gateway Flags Refs Use [Mtu] Netif Expire`).
//!
//! Rows come from three Linux sources merged into one BSD-style table per family: the main
//! routing table; the local table's `local`, `broadcast` and `multicast` entries (BSD keeps
//! these in its single FIB: `127.0.0.1 127.0.0.1 UH lo0`, `::1 link#1 UHL lo0`); and the
//! neighbour table (ARP/ND entries are BSD's cloned `UHLW` host routes, with the hardware
//! address as gateway). Flag letters are derived from route attributes as spec §4 says; rows
//! are sorted as BSD's radix walk visits them (destination bytes, longer mask first, with the
//! interface index embedded in IPv6 link-local keys as KAME does).

use std::io::Write;
use std::net::IpAddr;

use super::args::Af;
use super::data::{self, Iface, Neigh, Route};
use super::names::{self, Names};
use super::{BsdCtx, l, line};
use crate::error::Result;

/// One printed route row.
#[derive(Debug, Clone)]
pub struct Entry {
    /// IPv6 section.
    pub v6: bool,
    /// Sort key: destination bytes (ifindex embedded for scoped IPv6).
    key: [u8; 16],
    /// Prefix length.
    plen: u8,
    /// Metric (tie breaker).
    metric: u64,
    /// Interface index (last tie breaker).
    ifindex: u32,
    /// Destination text.
    pub dst: String,
    /// Gateway text.
    pub gateway: String,
    /// Flag letters.
    pub flags: String,
    /// MTU for `-l` (0: blank).
    pub mtu: u64,
    /// Interface name.
    pub netif: String,
    /// Seconds to expiry.
    pub expire: Option<i64>,
    /// Shown only with `-a` (clones of protocol-cloning routes).
    pub clone: bool,
}

/// Flag bits in print order `U G H R D M m d C X L S 1 2 W c 3 B b`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Flags {
    /// RTF_UP.
    pub up: bool,
    /// RTF_GATEWAY.
    pub gateway: bool,
    /// RTF_HOST.
    pub host: bool,
    /// RTF_REJECT.
    pub reject: bool,
    /// RTF_DYNAMIC.
    pub dynamic: bool,
    /// RTF_MODIFIED.
    pub modified: bool,
    /// RTF_CLONING.
    pub cloning: bool,
    /// RTF_LLINFO.
    pub llinfo: bool,
    /// RTF_STATIC.
    pub static_: bool,
    /// RTF_PROTO1.
    pub proto1: bool,
    /// RTF_WASCLONED.
    pub wascloned: bool,
    /// RTF_PRCLONING.
    pub prcloning: bool,
    /// RTF_BLACKHOLE.
    pub blackhole: bool,
    /// RTF_BROADCAST.
    pub broadcast: bool,
}

impl Flags {
    /// The letters, in BSD's fixed order.
    pub fn letters(&self) -> String {
        let bits = [
            (self.up, 'U'),
            (self.gateway, 'G'),
            (self.host, 'H'),
            (self.reject, 'R'),
            (self.dynamic, 'D'),
            (self.modified, 'M'),
            (self.cloning, 'C'),
            (self.llinfo, 'L'),
            (self.static_, 'S'),
            (self.proto1, '1'),
            (self.wascloned, 'W'),
            (self.prcloning, 'c'),
            (self.blackhole, 'B'),
            (self.broadcast, 'b'),
        ];
        bits.iter().filter(|(on, _)| *on).map(|(_, c)| *c).collect()
    }
}

/// Routing daemons' protocol names (flag `1`).
const DAEMONS: &[&str] = &[
    "zebra", "bird", "bgp", "isis", "ospf", "rip", "eigrp", "babel",
];

/// Flags of a main-table route (spec §4).
pub fn route_flags(r: &Route, dev: Option<&Iface>) -> Flags {
    let full = if r.v6 { 128 } else { 32 };
    let connected = r.gateway.is_none()
        && r.protocol == "kernel"
        && (r.v6 || r.scope == "link")
        && r.dst_len != full;
    Flags {
        up: !r.flags.contains("dead"),
        gateway: r.gateway.is_some(),
        host: r.dst_len == full,
        reject: matches!(r.kind.as_str(), "unreachable" | "prohibit" | "throw"),
        dynamic: r.protocol == "redirect",
        modified: r.protocol == "redirect",
        cloning: r.kind == "multicast"
            || (connected && dev.is_some_and(Iface::resolves_neighbours)),
        llinfo: false,
        static_: matches!(r.protocol.as_str(), "static" | "boot" | "dhcp") || (connected && !r.v6),
        proto1: DAEMONS.contains(&r.protocol.as_str()),
        wascloned: r.flags.contains("cloned"),
        prcloning: r.gateway.is_some() && r.dst_len != full,
        blackhole: r.kind == "blackhole",
        broadcast: false,
    }
}

/// Builds every row for the families `-f` selects.
pub fn entries(routes: &[Route], neigh: &[Neigh], ifaces: &[Iface], names: &Names) -> Vec<Entry> {
    let by_index = |i: u32| ifaces.iter().find(|f| f.index == i);
    let by_name = |n: &str| ifaces.iter().find(|f| f.name == n);
    let dev_of = |r: &Route| by_index(r.oif).or_else(|| by_name(&r.dev));
    let loopback = ifaces
        .iter()
        .find(|i| i.is_loopback())
        .map_or_else(|| "lo".to_string(), |i| i.name.clone());
    let ifname = |r: &Route| {
        if !r.dev.is_empty() {
            r.dev.clone()
        } else {
            by_index(r.oif).map_or_else(|| r.oif.to_string(), |i| i.name.clone())
        }
    };
    let index_of = |r: &Route| {
        if r.oif != 0 {
            r.oif
        } else {
            by_name(&r.dev).map_or(0, |i| i.index)
        }
    };
    let mut out: Vec<Entry> = Vec::new();
    let local: Vec<&Route> = routes.iter().filter(|r| r.table == 255).collect();
    for r in routes {
        let idx = index_of(r);
        let dev = dev_of(r);
        let is_lo = dev.is_some_and(Iface::is_loopback);
        let full = if r.v6 { 128 } else { 32 };
        let mut e = Entry {
            v6: r.v6,
            key: sort_key(r.dst, idx),
            plen: r.dst_len,
            metric: r.metric,
            ifindex: idx,
            dst: dst_text(r.dst, r.dst_len, idx, names),
            gateway: String::new(),
            flags: String::new(),
            mtu: if r.mtu != 0 {
                r.mtu
            } else {
                dev.map_or(0, |d| d.mtu)
            },
            netif: ifname(r),
            expire: r.expires,
            clone: false,
        };
        if r.table == 255 {
            match r.kind.as_str() {
                "local" if r.dst_len == full => {
                    e.netif = loopback.clone();
                    if r.v6 {
                        e.flags = "UHL".into();
                        e.gateway = match dev {
                            Some(d) if !d.is_loopback() && !names::mac_is_empty(d.mac_text()) => {
                                names::ether_unpadded(d.mac_text())
                            }
                            _ => format!("link#{idx}"),
                        };
                    } else if is_lo {
                        e.flags = "UH".into();
                        e.gateway = gw_text(r.dst, idx, names);
                    } else {
                        e.flags = "UHS".into();
                        e.gateway = names.routename4(std::net::Ipv4Addr::LOCALHOST);
                    }
                }
                "local" => {
                    e.flags = "UCS".into();
                    let src = r
                        .prefsrc
                        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
                    e.gateway = gw_text(src, idx, names);
                }
                "broadcast" if !is_lo && !r.v6 => {
                    e.flags = "UHLWb".into();
                    e.gateway = "ff:ff:ff:ff:ff:ff".into();
                }
                "multicast" => {
                    e.flags = "UC".into();
                    e.gateway = match (is_lo, r.prefsrc) {
                        (true, Some(src)) => gw_text(src, idx, names),
                        _ => format!("link#{idx}"),
                    };
                }
                _ => continue,
            }
            out.push(e);
            continue;
        }
        if r.table != 254 || matches!(r.kind.as_str(), "local" | "broadcast" | "anycast") {
            continue;
        }
        let shadowed = local.iter().any(|x| {
            x.v6 == r.v6 && x.dst == r.dst && x.dst_len == r.dst_len && index_of(x) == idx
        });
        if shadowed {
            continue;
        }
        let f = route_flags(r, dev);
        e.flags = f.letters();
        e.clone = f.wascloned;
        e.gateway = match (r.gateway, r.prefsrc) {
            (Some(g), _) => gw_text(g, idx, names),
            (None, Some(src)) if is_lo => gw_text(src, idx, names),
            // Reject and blackhole routes have no device; xnu points them at the loopback.
            (None, _) if idx == 0 => {
                e.netif = loopback.clone();
                let lo: IpAddr = if r.v6 {
                    std::net::Ipv6Addr::LOCALHOST.into()
                } else {
                    std::net::Ipv4Addr::LOCALHOST.into()
                };
                gw_text(lo, 0, names)
            }
            _ => format!("link#{idx}"),
        };
        out.push(e);
    }
    for n in neigh {
        if !matches!(
            n.state.as_str(),
            "REACHABLE" | "STALE" | "DELAY" | "PROBE" | "PERMANENT"
        ) {
            continue;
        }
        let v6 = n.addr.is_ipv6();
        let idx = if n.ifindex != 0 {
            n.ifindex
        } else {
            by_name(&n.ifname).map_or(0, |i| i.index)
        };
        let netif = if n.ifname.is_empty() {
            by_index(idx).map_or_else(|| idx.to_string(), |i| i.name.clone())
        } else {
            n.ifname.clone()
        };
        let permanent = n.state.split('|').any(|s| s == "PERMANENT");
        let f = Flags {
            up: true,
            host: true,
            llinfo: true,
            static_: permanent,
            wascloned: !permanent,
            ..Flags::default()
        };
        out.push(Entry {
            v6,
            key: sort_key(n.addr, idx),
            plen: if v6 { 128 } else { 32 },
            metric: 0,
            ifindex: idx,
            dst: dst_text(n.addr, if v6 { 128 } else { 32 }, idx, names),
            gateway: if names::mac_is_empty(&n.mac) {
                format!("link#{idx}")
            } else {
                names::ether_unpadded(&n.mac)
            },
            flags: f.letters(),
            mtu: by_index(idx).map_or(0, |d| d.mtu),
            netif,
            expire: n.expires,
            clone: false,
        });
    }
    out.sort_by(|a, b| {
        a.v6.cmp(&b.v6)
            .then(a.key.cmp(&b.key))
            .then(b.plen.cmp(&a.plen))
            .then(a.metric.cmp(&b.metric))
            .then(a.ifindex.cmp(&b.ifindex))
    });
    out
}

/// The sort key: address bytes, with the interface index in bytes 2–3 of scoped IPv6
/// addresses (KAME's embedded scope).
fn sort_key(a: IpAddr, ifindex: u32) -> [u8; 16] {
    let mut k = [0u8; 16];
    match a {
        IpAddr::V4(v) => k[..4].copy_from_slice(&v.octets()),
        IpAddr::V6(v) => {
            k = v.octets();
            let s = v.segments();
            if (s[0] & 0xffc0) == 0xfe80 || names::is_scoped6(v) && s[1] == 0 {
                let i = (ifindex.min(0xffff) as u16).to_be_bytes();
                k[2] = i[0];
                k[3] = i[1];
            }
        }
    }
    k
}

/// Destination text (spec §2.3).
fn dst_text(a: IpAddr, len: u8, ifindex: u32, names: &Names) -> String {
    match a {
        IpAddr::V4(v) => {
            if v.is_unspecified() && len == 0 {
                "default".into()
            } else if len == 32 {
                names.routename4(v)
            } else {
                names::netname4(v, len, names)
            }
        }
        IpAddr::V6(v) => {
            if v.is_unspecified() && len == 0 {
                return "default".into();
            }
            if len == 128 {
                return names.host6(v, ifindex);
            }
            let link_local = (v.segments()[0] & 0xffc0) == 0xfe80;
            let mut s = match names.host(&a) {
                Some(h) => h.to_string(),
                None if link_local => names::numeric6(v, ifindex, names),
                None => v.to_string(),
            };
            if names.numeric() {
                s.push_str(&format!("/{len}"));
            }
            s
        }
    }
}

/// Gateway text for an address: a host name (IPv4), or IPv6 with scope.
fn gw_text(a: IpAddr, ifindex: u32, names: &Names) -> String {
    match a {
        IpAddr::V4(v) => names.routename4(v),
        IpAddr::V6(v) => names.host6(v, ifindex),
    }
}

/// Prints the routing tables.
pub fn print(ctx: &BsdCtx<'_>, out: &mut dyn Write) -> Result<()> {
    let o = &ctx.opts;
    let routes = data::routes(ctx.cat)?;
    let neigh = match data::neighbours(ctx.cat) {
        Ok(n) => n,
        Err(e) => {
            ctx.cat
                .notes()
                .add(format!("neighbours: {e}; no link-layer (UHLW) rows"));
            Vec::new()
        }
    };
    let ifaces = data::interfaces(ctx.cat)?;
    let mut names = Names::load(o.numeric, ctx.cat);
    names.ifnames = ifaces.iter().map(|i| (i.index, i.name.clone())).collect();
    let rows = entries(&routes, &neigh, &ifaces, &names);
    line(out, "Routing tables")?;
    for v6 in [false, true] {
        let wanted = match o.af {
            None => true,
            Some(Af::Inet) => !v6,
            Some(Af::Inet6) => v6,
            Some(_) => false,
        };
        if !wanted {
            continue;
        }
        line(out, "")?;
        line(out, if v6 { "Internet6:" } else { "Internet:" })?;
        section(
            ctx,
            v6,
            rows.iter().filter(|e| e.v6 == v6 && (o.all || !e.clone)),
            out,
        )?;
    }
    Ok(())
}

fn section<'a>(
    ctx: &BsdCtx<'_>,
    v6: bool,
    rows: impl Iterator<Item = &'a Entry>,
    out: &mut dyn Write,
) -> Result<()> {
    let o = &ctx.opts;
    let (wd, wg) = if v6 && (o.numeric || o.long > 0) {
        (39, 31)
    } else {
        (18, 18)
    };
    let wif = if v6 { 8 } else { 7 };
    let refs_use = !v6 || o.long > 0;
    let mut h = format!(
        "{} {} {} ",
        l("Destination", wd),
        l("Gateway", wg),
        l("Flags", 10)
    );
    if refs_use {
        h.push_str(&format!("{:>6} {:>8} ", "Refs", "Use"));
        if o.long > 0 {
            h.push_str(&format!("{:>6} ", "Mtu"));
        }
    }
    h.push_str(&format!("{:>wif$} Expire", "Netif"));
    line(out, &h)?;
    let cell = |s: &str, w: usize| {
        if o.numeric {
            format!("{s:<w$}")
        } else {
            l(s, w)
        }
    };
    for e in rows {
        let mut t = format!(
            "{} {} {} ",
            cell(&e.dst, wd),
            cell(&e.gateway, wg),
            l(&e.flags, 10)
        );
        if refs_use {
            t.push_str(&format!("{:>6} {:>8} ", 0, 0));
            if o.long > 0 {
                if e.mtu != 0 {
                    t.push_str(&format!("{:>6} ", e.mtu));
                } else {
                    t.push_str("       ");
                }
            }
        }
        t.push_str(&format!("{:>wif$}", e.netif));
        if let Some(x) = e.expire.filter(|x| *x > 0) {
            t.push_str(&format!(" {x:>6}"));
        }
        line(out, &t)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(dst: &str, len: u8, gw: Option<&str>, proto: &str, scope: &str) -> Route {
        let dst: IpAddr = dst.parse().unwrap();
        Route {
            table: 254,
            v6: dst.is_ipv6(),
            kind: "unicast".into(),
            dst,
            dst_len: len,
            gateway: gw.map(|g| g.parse().unwrap()),
            dev: "en0".into(),
            oif: 4,
            prefsrc: None,
            metric: 0,
            protocol: proto.into(),
            scope: scope.into(),
            flags: String::new(),
            mtu: 0,
            expires: None,
        }
    }

    fn en0() -> Iface {
        Iface {
            index: 4,
            name: "en0".into(),
            flags: 0x1043,
            mtu: 1500,
            ..Iface::default()
        }
    }

    #[test]
    fn flag_letters_for_typical_routes() {
        let d = en0();
        assert_eq!(
            route_flags(
                &route("0.0.0.0", 0, Some("10.0.0.1"), "boot", "universe"),
                Some(&d)
            )
            .letters(),
            "UGSc"
        );
        assert_eq!(
            route_flags(&route("10.0.0.0", 23, None, "kernel", "link"), Some(&d)).letters(),
            "UCS"
        );
        assert_eq!(
            route_flags(&route("fe80::", 64, None, "kernel", "universe"), Some(&d)).letters(),
            "UC"
        );
        let mut bh = route("10.9.0.0", 16, None, "static", "universe");
        bh.kind = "blackhole".into();
        assert_eq!(route_flags(&bh, Some(&d)).letters(), "USB");
        let mut un = route("10.9.0.0", 16, None, "static", "universe");
        un.kind = "unreachable".into();
        assert_eq!(route_flags(&un, Some(&d)).letters(), "URS");
        assert_eq!(
            route_flags(
                &route("10.1.1.1", 32, Some("10.0.0.1"), "bird", "universe"),
                Some(&d)
            )
            .letters(),
            "UGH1"
        );
    }

    #[test]
    fn kame_order_puts_lower_interfaces_first() {
        assert!(sort_key("fe80::".parse().unwrap(), 1) < sort_key("fe80::".parse().unwrap(), 4));
        assert!(sort_key("fe80::1".parse().unwrap(), 4) > sort_key("fe80::".parse().unwrap(), 1));
    }
}
