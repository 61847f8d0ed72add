//! Source address selection over a stored `addresses` table: the address the kernel would
//! put in `ip route get`'s `src` for a route that names no preferred source.
//!
//! IPv4 follows `inet_select_addr`: on the route's device, the first primary (not secondary)
//! address whose scope is within the route's scope, returned at once when its subnet (the
//! peer's, for a point-to-point address) holds the gateway or there is no gateway; failing
//! that, the first primary address of any device, in index order, that is neither link scope
//! nor wider than the route's scope.
//!
//! IPv6 follows the rules of RFC 6724 that Linux applies (`ipv6_dev_get_saddr`), in order:
//! the destination itself; the scope closest above the destination's (else the widest below);
//! neither deprecated nor optimistic; on the outgoing device; the same address label (the
//! kernel's default label table); temporary or public as the device's `use_tempaddr` asks;
//! the longest common prefix (up to the address's prefix length); not optimistic. Tentative
//! (unless optimistic) and failed addresses are never chosen. A multicast or link-local
//! destination only considers the outgoing device's addresses.

use std::net::{IpAddr, Ipv6Addr};

use ipnet::{IpNet, Ipv6Net};

use crate::model::{Cols, Table};

/// One candidate address read from the table.
#[derive(Debug, Clone)]
struct Addr {
    ifindex: i64,
    addr: IpAddr,
    peer: Option<IpAddr>,
    prefix_len: u8,
    scope: u8,
    secondary: bool,
    tentative: bool,
    optimistic: bool,
    failed: bool,
    deprecated: bool,
    temporary: bool,
    /// The device prefers temporary addresses (`use_tempaddr` >= 2).
    prefers_temporary: bool,
}

/// The scope number of `ip`'s scope word (global 0, site 200, link 253, host 254, nowhere 255,
/// or a name from `rt_scopes`); global when unknown.
fn scope_number(word: &str) -> u8 {
    crate::tables::names::scope_number(word).unwrap_or(0)
}

/// The addresses of a namespace, ready for source selection (built once, asked per route).
#[derive(Debug, Clone, Default)]
pub struct SourceSelector {
    v4: Vec<Addr>,
    v6: Vec<Addr>,
}

impl SourceSelector {
    /// Reads `addresses` (columns `ifindex`, `addr`, `prefix_len`, `peer`, `scope`, `flags`;
    /// missing ones read as unset). `prefers_temporary` says whether a device (by index)
    /// prefers temporary IPv6 addresses (its `use_tempaddr` sysctl is 2 or more).
    pub fn new(addresses: &Table, prefers_temporary: &dyn Fn(i64) -> bool) -> SourceSelector {
        const IFINDEX: usize = 0;
        const ADDR: usize = 1;
        const LEN: usize = 2;
        const PEER: usize = 3;
        const SCOPE: usize = 4;
        const FLAGS: usize = 5;
        let c = Cols::new(
            addresses,
            &["ifindex", "addr", "prefix_len", "peer", "scope", "flags"],
        );
        if !c.has(IFINDEX) || !c.has(ADDR) {
            return SourceSelector::default();
        }
        let mut out = SourceSelector::default();
        for row in 0..c.len() {
            let Some(addr) = c.ip(row, ADDR) else {
                continue;
            };
            // An ifindex outside 1-2^31 (an edited snapshot) matches no device.
            let ifindex = c.u32(row, IFINDEX).map_or(0, i64::from);
            let flags = c.str(row, FLAGS);
            let flags: Vec<&str> = flags.as_deref().unwrap_or("").split(',').collect();
            let has = |f: &str| flags.iter().any(|x| x.trim() == f);
            let rec = Addr {
                ifindex,
                addr,
                peer: c.ip(row, PEER),
                prefix_len: c.prefix_len(row, LEN, addr).unwrap_or(0),
                scope: scope_number(c.str(row, SCOPE).as_deref().unwrap_or("global")),
                secondary: has("secondary"),
                tentative: has("tentative"),
                optimistic: has("optimistic"),
                failed: has("dadfailed"),
                deprecated: has("deprecated"),
                temporary: has("temporary"),
                prefers_temporary: addr.is_ipv6() && prefers_temporary(ifindex),
            };
            if addr.is_ipv4() {
                out.v4.push(rec);
            } else {
                out.v6.push(rec);
            }
        }
        out.v4.sort_by_key(|a| a.ifindex);
        out
    }

    /// The source address for a route to `dst` through device `oif` (index), with gateway
    /// `gateway` and route scope `route_scope` (`ip`'s word); `None` when none qualifies.
    pub fn select(
        &self,
        dst: IpAddr,
        oif: Option<i64>,
        gateway: Option<IpAddr>,
        route_scope: &str,
    ) -> Option<IpAddr> {
        match dst {
            IpAddr::V4(_) => self.select_v4(oif, gateway, scope_number(route_scope)),
            IpAddr::V6(d) => self.select_v6(d, oif),
        }
    }

    fn select_v4(&self, oif: Option<i64>, gateway: Option<IpAddr>, scope: u8) -> Option<IpAddr> {
        let mut first = None;
        let on_dev = self
            .v4
            .iter()
            .filter(|a| Some(a.ifindex) == oif && !a.secondary && a.scope <= scope);
        for a in on_dev {
            let holds = |gw: IpAddr| {
                IpNet::new(a.peer.unwrap_or(a.addr), a.prefix_len).is_ok_and(|n| n.contains(&gw))
            };
            if gateway.is_none_or(holds) {
                return Some(a.addr);
            }
            first.get_or_insert(a.addr);
        }
        first.or_else(|| {
            self.v4
                .iter()
                .find(|a| !a.secondary && a.scope != 253 && a.scope <= scope)
                .map(|a| a.addr)
        })
    }

    fn select_v6(&self, dst: Ipv6Addr, oif: Option<i64>) -> Option<IpAddr> {
        let dst_scope = v6_scope(&dst);
        let dst_label = label(&dst);
        let oif_only = dst.is_multicast() || dst_scope <= 2;
        self.v6
            .iter()
            .filter(|a| (!a.tentative || a.optimistic) && !a.failed)
            .filter(|a| !oif_only || Some(a.ifindex) == oif)
            .filter_map(|a| {
                let IpAddr::V6(v6) = a.addr else { return None };
                let scope = v6_scope(&v6);
                // Rule 2: the closest scope at or above the destination's, else the widest
                // below it.
                let scope_rank = if scope >= dst_scope {
                    (0, scope)
                } else {
                    (1, u8::MAX - scope)
                };
                let exempt = v6.is_loopback() || v6.to_ipv4_mapped().is_some();
                let key = (
                    v6 != dst,
                    scope_rank,
                    (a.deprecated || a.optimistic) && !exempt,
                    Some(a.ifindex) != oif,
                    label(&v6) != dst_label,
                    a.temporary != a.prefers_temporary,
                    std::cmp::Reverse(common_prefix(&v6, &dst).min(a.prefix_len)),
                    a.optimistic,
                );
                Some((key, a.addr))
            })
            .min_by(|x, y| x.0.cmp(&y.0))
            .map(|(_, a)| a)
    }
}

/// The scope of an IPv6 address as Linux ranks it (bigger is wider): loopback and link-local
/// 2, site-local 5, multicast its own scope field, everything else global (14).
fn v6_scope(a: &Ipv6Addr) -> u8 {
    if a.is_loopback() || a.segments()[0] & 0xffc0 == 0xfe80 {
        2
    } else if a.segments()[0] & 0xffc0 == 0xfec0 {
        5
    } else if a.is_multicast() {
        a.octets()[1] & 0x0f
    } else {
        14
    }
}

/// The kernel's default address label of `a` (`ip addrlabel list` on a fresh namespace).
fn label(a: &Ipv6Addr) -> u8 {
    const LABELS: [(&str, u8); 10] = [
        ("::1/128", 0),
        ("::ffff:0:0/96", 4),
        ("::/96", 3),
        ("2001:10::/28", 7),
        ("2001::/32", 6),
        ("2002::/16", 2),
        ("3ffe::/16", 12),
        ("fec0::/10", 11),
        ("fc00::/7", 5),
        ("::/0", 1),
    ];
    LABELS
        .iter()
        .filter_map(|(net, l)| {
            let net: Ipv6Net = net.parse().ok()?;
            net.contains(a).then_some((net.prefix_len(), *l))
        })
        .max_by_key(|(len, _)| *len)
        .map_or(1, |(_, l)| l)
}

fn common_prefix(a: &Ipv6Addr, b: &Ipv6Addr) -> u8 {
    let x = u128::from(*a) ^ u128::from(*b);
    u8::try_from(x.leading_zeros()).unwrap_or(128)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Type, Value};

    fn table(rows: &[(i64, &str, i64, &str, &str)]) -> Table {
        let mut t = Table::new(
            "addresses",
            vec![
                Column::new("ifindex", Type::Int, ""),
                Column::new("addr", Type::Ip, ""),
                Column::new("prefix_len", Type::Int, ""),
                Column::new("peer", Type::Ip, ""),
                Column::new("scope", Type::Str, ""),
                Column::new("flags", Type::Str, ""),
            ],
        );
        for &(ix, a, len, scope, flags) in rows {
            let (a, peer) = match a.split_once(" peer ") {
                Some((a, p)) => (a, Value::Ip(p.parse().unwrap())),
                None => (a, Value::Null),
            };
            t.push([
                Value::Int(ix),
                Value::Ip(a.parse().unwrap()),
                Value::Int(len),
                peer,
                Value::str(scope),
                Value::str(flags),
            ]);
        }
        t
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn host() -> Table {
        table(&[
            (1, "127.0.0.1", 8, "host", "permanent"),
            (1, "::1", 128, "host", "permanent"),
            (2, "10.60.0.1", 24, "global", "permanent"),
            (2, "10.60.9.1", 24, "global", "permanent"),
            (2, "10.60.0.7", 24, "global", "permanent,secondary"),
            (2, "169.254.1.1", 16, "link", "permanent"),
            (2, "fe80::2", 64, "link", "permanent"),
            (2, "2001:db8:1::2", 64, "global", "permanent"),
            (2, "2001:db8:1::99", 64, "global", "temporary,dynamic"),
            (3, "10.61.0.1", 24, "global", "permanent"),
            (3, "fe80::3", 64, "link", "permanent"),
            (3, "2001:db8:2::3", 64, "global", "permanent"),
            (3, "2001:db8:3::3", 64, "global", "deprecated"),
            (3, "2001:db8:4::3", 64, "global", "permanent"),
            (3, "fd00::3", 64, "global", "tentative"),
            (5, "10.9.0.1 peer 10.9.0.2", 32, "global", "permanent"),
            (5, "10.9.7.1", 24, "global", "permanent"),
        ])
    }

    fn selector(t: &Table) -> SourceSelector {
        SourceSelector::new(t, &|_| false)
    }

    #[test]
    fn ipv4_prefers_the_gateway_subnet_on_the_device() {
        let s = selector(&host());
        let sel =
            |oif, gw: Option<&str>, scope| s.select(ip("192.0.2.1"), Some(oif), gw.map(ip), scope);
        assert_eq!(sel(2, Some("10.60.9.254"), "global"), Some(ip("10.60.9.1")));
        assert_eq!(sel(2, Some("10.99.0.1"), "global"), Some(ip("10.60.0.1")));
        assert_eq!(sel(2, None, "link"), Some(ip("10.60.0.1")));
        // A point-to-point address matches its peer, not its own address.
        assert_eq!(sel(5, Some("10.9.0.2"), "global"), Some(ip("10.9.0.1")));
        assert_eq!(sel(5, Some("10.9.7.9"), "global"), Some(ip("10.9.7.1")));
        // Device 4 has no address: a global one from the lowest index (lo's is host scope),
        // for link-scope routes too.
        assert_eq!(sel(4, Some("10.99.0.1"), "global"), Some(ip("10.60.0.1")));
        assert_eq!(sel(4, None, "link"), Some(ip("10.60.0.1")));
        // Host scope admits lo's address.
        assert_eq!(sel(4, None, "host"), Some(ip("127.0.0.1")));
    }

    #[test]
    fn ipv6_follows_rfc6724() {
        let s = selector(&host());
        let sel = |dst: &str, oif| s.select(ip(dst), Some(oif), None, "global");
        // Longest common prefix among global, preferred, public addresses.
        assert_eq!(sel("2001:db8:2::1", 3), Some(ip("2001:db8:2::3")));
        assert_eq!(sel("2001:db8:4::1", 3), Some(ip("2001:db8:4::3")));
        // A public address over a temporary one (use_tempaddr below 2).
        assert_eq!(sel("2001:db8:1::1", 2), Some(ip("2001:db8:1::2")));
        // An address of the outgoing device wins over a longer match elsewhere (rule 5).
        assert_eq!(sel("2001:db8:1::1", 3), Some(ip("2001:db8:2::3")));
        // The deprecated address loses to a preferred one even with a longer match.
        assert_eq!(sel("2001:db8:3::1", 3), Some(ip("2001:db8:2::3")));
        // Link-local and multicast destinations use the outgoing device's addresses only.
        assert_eq!(sel("fe80::9", 3), Some(ip("fe80::3")));
        assert_eq!(sel("ff0e::1", 3), Some(ip("2001:db8:2::3")));
        assert_eq!(sel("ff02::1", 2), Some(ip("fe80::2")));
        // Tentative addresses are never chosen; the destination itself is.
        assert_eq!(sel("2001:db8:1::99", 3), Some(ip("2001:db8:1::99")));
        assert_eq!(sel("::1", 1), Some(ip("::1")));
        // A device with use_tempaddr=2 prefers its temporary address.
        let s = SourceSelector::new(&host(), &|ix| ix == 2);
        assert_eq!(
            s.select(ip("2001:db8:1::1"), Some(2), None, "global"),
            Some(ip("2001:db8:1::99"))
        );
    }

    #[test]
    fn labels_keep_ula_with_ula() {
        let t = table(&[
            (2, "2001:db8:1::2", 64, "global", "permanent"),
            (2, "fd00:1::2", 64, "global", "permanent"),
        ]);
        let s = selector(&t);
        assert_eq!(
            s.select(ip("fd12::1"), Some(2), None, "global"),
            Some(ip("fd00:1::2"))
        );
        assert_eq!(
            s.select(ip("2001:db9::1"), Some(2), None, "global"),
            Some(ip("2001:db8:1::2"))
        );
        assert_eq!(label(&"::1".parse().unwrap()), 0);
        assert_eq!(label(&"::ffff:10.0.0.1".parse().unwrap()), 4);
        assert_eq!(label(&"2001:10::1".parse().unwrap()), 7);
        assert_eq!(label(&"2001:0:5::1".parse().unwrap()), 6);
        assert_eq!(label(&"2001:db8::1".parse().unwrap()), 1);
    }

    #[test]
    fn scope_words() {
        assert_eq!(scope_number("global"), 0);
        assert_eq!(scope_number("link"), 253);
        assert_eq!(scope_number("host"), 254);
        assert_eq!(scope_number("17"), 17);
    }
}
