//! Source address selection over a stored `addresses` table: the address the kernel would
//! put in `ip route get`'s `src` for a route that names no preferred source.
//!
//! IPv4 follows `inet_select_addr`: on the route's device, the first primary (not
//! secondary) address whose scope is within the route's scope, preferring one whose subnet
//! holds the gateway; failing that (and unless the route is link or host scope), the first
//! such address of any device in index order, link-scope addresses excluded. IPv6 follows the
//! RFC 6724 rules Linux applies (`ipv6_dev_get_saddr`): usable addresses only (not tentative
//! or failed), the destination itself first, then the scope closest above the destination's,
//! non-deprecated, on the outgoing device, non-temporary, and the longest common prefix;
//! address labels (rule 6) are not modelled. A link-local destination only considers the
//! outgoing device.

use std::net::{IpAddr, Ipv6Addr};

use ipnet::IpNet;

use crate::model::{Table, Value};

/// One candidate address read from the table.
struct Addr {
    ifindex: i64,
    addr: IpAddr,
    prefix_len: u8,
    scope: u8,
    flags: String,
}

impl Addr {
    fn has(&self, flag: &str) -> bool {
        self.flags.split(',').any(|f| f.trim() == flag)
    }
}

/// The scope number of `ip`'s scope word (global 0, site 200, link 253, host 254, nowhere 255).
pub fn scope_number(word: &str) -> u8 {
    match word {
        "global" | "universe" => 0,
        "site" => 200,
        "link" => 253,
        "host" => 254,
        "nowhere" => 255,
        n => n.parse().unwrap_or(0),
    }
}

fn read(addresses: &Table, v4: bool) -> Vec<Addr> {
    let col = |n: &str| addresses.column_index(n);
    let (Some(ix), Some(a), Some(len)) = (col("ifindex"), col("addr"), col("prefix_len")) else {
        return Vec::new();
    };
    let (scope, flags) = (col("scope"), col("flags"));
    let text = |row: &[Value], c: Option<usize>| {
        c.and_then(|c| row[c].as_str().map(str::to_string))
            .unwrap_or_default()
    };
    addresses
        .rows()
        .filter_map(|row| {
            let addr = row[a].as_ip()?;
            (addr.is_ipv4() == v4).then(|| Addr {
                ifindex: row[ix].as_int().unwrap_or(0),
                addr,
                prefix_len: row[len]
                    .as_int()
                    .and_then(|l| u8::try_from(l).ok())
                    .unwrap_or(0),
                scope: scope_number(&text(row, scope)),
                flags: text(row, flags),
            })
        })
        .collect()
}

/// The source address for a route to `dst` through device `oif` (index), gateway `gateway`,
/// of route scope `route_scope` (`ip`'s word), chosen from `addresses`; `None` when no
/// address qualifies.
pub fn select_source(
    addresses: &Table,
    dst: IpAddr,
    oif: Option<i64>,
    gateway: Option<IpAddr>,
    route_scope: &str,
) -> Option<IpAddr> {
    if dst.is_ipv4() {
        select_v4(
            &read(addresses, true),
            oif,
            gateway,
            scope_number(route_scope),
        )
    } else {
        let IpAddr::V6(d) = dst else { return None };
        select_v6(&read(addresses, false), d, oif)
    }
}

fn select_v4(
    addrs: &[Addr],
    oif: Option<i64>,
    gateway: Option<IpAddr>,
    scope: u8,
) -> Option<IpAddr> {
    let primary = |a: &&Addr| !a.has("secondary");
    let mut first = None;
    for a in addrs
        .iter()
        .filter(|a| Some(a.ifindex) == oif)
        .filter(primary)
    {
        if a.scope > scope {
            continue;
        }
        let holds = |gw: IpAddr| IpNet::new(a.addr, a.prefix_len).is_ok_and(|n| n.contains(&gw));
        match gateway {
            Some(gw) if holds(gw) => return Some(a.addr),
            Some(_) => {}
            None => return Some(a.addr),
        }
        first.get_or_insert(a.addr);
    }
    if first.is_some() || scope >= 253 {
        return first;
    }
    let mut others: Vec<&Addr> = addrs.iter().filter(primary).collect();
    others.sort_by_key(|a| a.ifindex);
    others
        .into_iter()
        .find(|a| a.scope != 253 && a.scope <= scope)
        .map(|a| a.addr)
}

/// RFC 4007 scope of an IPv6 address as Linux ranks it (bigger is wider).
fn v6_scope(a: &Ipv6Addr) -> u8 {
    if a.is_loopback() {
        1
    } else if a.segments()[0] & 0xffc0 == 0xfe80 {
        2
    } else if a.segments()[0] & 0xffc0 == 0xfec0 {
        5
    } else if a.is_multicast() {
        a.octets()[1] & 0x0f
    } else {
        14
    }
}

fn common_prefix(a: &Ipv6Addr, b: &Ipv6Addr) -> u8 {
    let x = u128::from(*a) ^ u128::from(*b);
    u8::try_from(x.leading_zeros()).unwrap_or(128)
}

fn select_v6(addrs: &[Addr], dst: Ipv6Addr, oif: Option<i64>) -> Option<IpAddr> {
    let dst_scope = v6_scope(&dst);
    addrs
        .iter()
        .filter(|a| !a.has("tentative") && !a.has("dadfailed"))
        .filter(|a| dst_scope > 2 || Some(a.ifindex) == oif)
        .filter_map(|a| {
            let IpAddr::V6(v6) = a.addr else { return None };
            let scope = v6_scope(&v6);
            // Rule 2: an address of the destination's scope or the closest wider one, then
            // the closest narrower one.
            let scope_rank = if scope >= dst_scope {
                (0, scope)
            } else {
                (1, u8::MAX - scope)
            };
            let key = (
                v6 != dst,
                scope_rank,
                a.has("deprecated"),
                Some(a.ifindex) != oif,
                a.has("temporary"),
                std::cmp::Reverse(common_prefix(&v6, &dst).min(a.prefix_len)),
            );
            Some((key, a.addr))
        })
        .min_by(|x, y| x.0.cmp(&y.0))
        .map(|(_, a)| a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Type};

    fn table(rows: &[(i64, &str, i64, &str, &str)]) -> Table {
        let mut t = Table::new(
            "addresses",
            vec![
                Column::new("ifindex", Type::Int, ""),
                Column::new("addr", Type::Ip, ""),
                Column::new("prefix_len", Type::Int, ""),
                Column::new("scope", Type::Str, ""),
                Column::new("flags", Type::Str, ""),
            ],
        );
        for &(ix, a, len, scope, flags) in rows {
            t.push([
                Value::Int(ix),
                Value::Ip(a.parse().unwrap()),
                Value::Int(len),
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
        ])
    }

    #[test]
    fn ipv4_prefers_the_gateway_subnet_on_the_device() {
        let t = host();
        let sel = |oif, gw: Option<&str>, scope| {
            select_source(&t, ip("192.0.2.1"), Some(oif), gw.map(ip), scope)
        };
        assert_eq!(sel(2, Some("10.60.9.254"), "global"), Some(ip("10.60.9.1")));
        assert_eq!(sel(2, Some("10.99.0.1"), "global"), Some(ip("10.60.0.1")));
        assert_eq!(sel(2, None, "link"), Some(ip("10.60.0.1")));
        // Device 4 has no address: a global one from the lowest index (lo's is host scope).
        assert_eq!(sel(4, Some("10.99.0.1"), "global"), Some(ip("10.60.0.1")));
        assert_eq!(sel(4, None, "link"), None);
    }

    #[test]
    fn ipv6_follows_rfc6724() {
        let t = host();
        let sel = |dst: &str, oif| select_source(&t, ip(dst), Some(oif), None, "global");
        // Longest common prefix among global, preferred, public addresses.
        assert_eq!(sel("2001:db8:2::1", 3), Some(ip("2001:db8:2::3")));
        assert_eq!(sel("2001:db8:4::1", 3), Some(ip("2001:db8:4::3")));
        // A public address over a temporary one (use_tempaddr below 2).
        assert_eq!(sel("2001:db8:1::1", 2), Some(ip("2001:db8:1::2")));
        // An address of the outgoing device wins over a longer match elsewhere (rule 5).
        assert_eq!(sel("2001:db8:1::1", 3), Some(ip("2001:db8:2::3")));
        // The deprecated address loses to a preferred one even with a longer match.
        assert_eq!(sel("2001:db8:3::1", 3), Some(ip("2001:db8:2::3")));
        // Link-local destinations use the outgoing device's link-local address.
        assert_eq!(sel("fe80::9", 3), Some(ip("fe80::3")));
        // Tentative addresses are never chosen; the destination itself is.
        assert_eq!(sel("2001:db8:1::99", 3), Some(ip("2001:db8:1::99")));
        assert_eq!(sel("::1", 1), Some(ip("::1")));
    }

    #[test]
    fn scope_words() {
        assert_eq!(scope_number("global"), 0);
        assert_eq!(scope_number("link"), 253);
        assert_eq!(scope_number("host"), 254);
        assert_eq!(scope_number("17"), 17);
    }
}
