//! Names and address texts: `/etc/hosts`, `/etc/networks` and `/etc/services` lookups, BSD's
//! classful network abbreviation (`132.235.232/23`), IPv6 texts with `%scope`, and link-layer
//! addresses without zero padding (`0:d0:4:f:c8:0`).
//!
//! Lookups read the files only (no DNS query), so netstat never waits on the network; inside
//! `ip netns exec` the files are the namespace's `/etc/netns/NAME/...` copies. With `-n` no
//! lookup is made at all.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::catalog::Catalog;
use crate::tables::names::{self as netdb, Duplicates, Services};

/// Name tables, loaded once per run (empty with `-n`).
#[derive(Debug, Default)]
pub struct Names {
    numeric: bool,
    hosts: HashMap<IpAddr, String>,
    networks: HashMap<u32, String>,
    services: Services,
    /// ifindex to interface name, for `%scope` suffixes.
    pub ifnames: HashMap<u32, String>,
}

impl Names {
    /// Loads the host's name files (the catalog's `name_files`), unless `numeric`.
    pub fn load(numeric: bool, cat: &Catalog) -> Names {
        let mut n = Names::numeric_only(numeric);
        if !numeric {
            let files = cat.name_files();
            n.hosts = first_hosts(files.hosts());
            n.networks = first_networks(files.networks());
            // getservbyport(3), which BSD netstat calls, answers with the first line.
            n.services = files.services(Duplicates::First);
        }
        n
    }

    /// Names without any file: every lookup fails (for `-n`, and tests).
    pub fn numeric_only(numeric: bool) -> Names {
        Names {
            numeric,
            ..Names::default()
        }
    }

    /// Whether `-n` was given.
    pub fn numeric(&self) -> bool {
        self.numeric
    }

    /// The host name of `ip`, if known and lookups are allowed.
    pub fn host(&self, ip: &IpAddr) -> Option<&str> {
        if self.numeric {
            None
        } else {
            self.hosts.get(ip).map(String::as_str)
        }
    }

    /// The network name of IPv4 network number `net` (host order, unshifted), if known.
    pub fn network(&self, net: u32) -> Option<&str> {
        if self.numeric {
            None
        } else {
            self.networks.get(&net).map(String::as_str)
        }
    }

    /// The service name of `port` for `proto` (`tcp`, `udp`), if known.
    pub fn service(&self, port: u16, proto: &str) -> Option<&str> {
        if self.numeric {
            return None;
        }
        self.services.name(port, proto)
    }

    /// The scope suffix of a link-local address: `%ifname` (or `%index`).
    pub fn scope(&self, index: u32) -> String {
        self.ifnames
            .get(&index)
            .cloned()
            .unwrap_or_else(|| index.to_string())
    }

    /// BSD `routename` for IPv4: a host name, else the dotted quad.
    pub fn routename4(&self, a: Ipv4Addr) -> String {
        self.host(&IpAddr::V4(a))
            .map_or_else(|| a.to_string(), str::to_string)
    }

    /// An IPv6 host text: a name, else numeric with `%scope` for link-local unicast and
    /// link-local multicast when `scope_index` is non-zero.
    pub fn host6(&self, a: Ipv6Addr, scope_index: u32) -> String {
        if let Some(h) = self.host(&IpAddr::V6(a)) {
            return h.to_string();
        }
        numeric6(a, scope_index, self)
    }
}

/// Numeric IPv6 text with `%scope` for scoped addresses.
pub fn numeric6(a: Ipv6Addr, scope_index: u32, names: &Names) -> String {
    if scope_index != 0 && is_scoped6(a) {
        format!("{a}%{}", names.scope(scope_index))
    } else {
        a.to_string()
    }
}

/// Whether an IPv6 address needs a zone: link-local unicast, or interface/link-local multicast.
pub fn is_scoped6(a: Ipv6Addr) -> bool {
    let s = a.segments();
    (s[0] & 0xffc0) == 0xfe80 || (s[0] & 0xff0f) == 0xff01 || (s[0] & 0xff0f) == 0xff02
}

/// The classful network text of `addr/len` for IPv4 (BSD `netname`), without name lookup
/// unless `names` allows it: `default` is not handled here.
pub fn netname4(addr: Ipv4Addr, len: u8, names: &Names) -> String {
    let i = u32::from(addr);
    let mask: u32 = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len.min(32)))
    };
    let i = i & mask;
    if let Some(n) = names.network(i).or_else(|| names.network(classful_net(i))) {
        return n.to_string();
    }
    let (natural, mut octets) = if i & 0x8000_0000 == 0 {
        (0xff00_0000u32, 1)
    } else if i & 0xc000_0000 == 0x8000_0000 {
        (0xffff_0000, 2)
    } else {
        (0xffff_ff00, 3)
    };
    // Fall through to longer forms while the remaining host bits are not zero.
    loop {
        let host_mask = if octets >= 4 {
            0
        } else {
            u32::MAX >> (8 * octets)
        };
        if i & host_mask == 0 || octets >= 4 {
            break;
        }
        octets += 1;
    }
    let b = i.to_be_bytes();
    let mut s = b[..octets]
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(".");
    if mask != natural {
        if mask == 0 || (!mask).wrapping_add(1) & !mask == 0 {
            s.push_str(&format!("/{len}"));
        } else {
            s.push_str(&format!("&0x{mask:x}"));
        }
    }
    s
}

/// The classful network number of `i` (the address with its class's host part cleared).
fn classful_net(i: u32) -> u32 {
    if i & 0x8000_0000 == 0 {
        i & 0xff00_0000
    } else if i & 0xc000_0000 == 0x8000_0000 {
        i & 0xffff_0000
    } else {
        i & 0xffff_ff00
    }
}

/// The host part of `i` by class rules (BSD `inet_lnaof`).
pub fn class_host_part(a: Ipv4Addr) -> u32 {
    let i = u32::from(a);
    i & !(classful_net(i) | if i & 0x8000_0000 == 0 { 0xff00_0000 } else { 0 })
}

/// BSD `inetname` for the socket list: `*` for the wildcard, then (unless numeric) a network
/// name when the classful host part is 0, a host name, else the dotted quad.
pub fn inetname(a: Ipv4Addr, names: &Names) -> String {
    if a.is_unspecified() {
        return "*".into();
    }
    if !names.numeric() {
        if class_host_part(a) == 0 {
            if let Some(n) = names.network(classful_net(u32::from(a))) {
                return n.to_string();
            }
        }
        if let Some(h) = names.host(&IpAddr::V4(a)) {
            return h.to_string();
        }
    }
    a.to_string()
}

/// A hardware address as macOS prints it: lowercase hex bytes without zero padding.
pub fn ether_unpadded(mac: &str) -> String {
    mac.split(':')
        .map(|b| {
            u8::from_str_radix(b, 16).map_or_else(|_| b.to_ascii_lowercase(), |v| format!("{v:x}"))
        })
        .collect::<Vec<_>>()
        .join(":")
}

/// A hardware address zero padded and lowercase (`00:1c:42:00:00:08`).
pub fn ether_padded(mac: &str) -> String {
    mac.split(':')
        .map(|b| {
            u8::from_str_radix(b, 16)
                .map_or_else(|_| b.to_ascii_lowercase(), |v| format!("{v:02x}"))
        })
        .collect::<Vec<_>>()
        .join(":")
}

/// Whether a hardware address is absent or all zero.
pub fn mac_is_empty(mac: &str) -> bool {
    mac.is_empty()
        || mac
            .split(':')
            .all(|b| u8::from_str_radix(b, 16).is_ok_and(|v| v == 0))
}

/// Host names by address, the first line naming an address winning (as `gethostbyaddr`).
fn first_hosts(entries: Vec<netdb::HostEntry>) -> HashMap<IpAddr, String> {
    let mut m = HashMap::new();
    for e in entries {
        m.entry(e.addr).or_insert(e.name);
    }
    m
}

/// Network names by number, omitted trailing parts read as zero octets (`127` is 127.0.0.0),
/// the first line winning.
fn first_networks(entries: Vec<netdb::NetworkEntry>) -> HashMap<u32, String> {
    let mut m = HashMap::new();
    for e in entries {
        m.entry(e.left_aligned()).or_insert(e.name);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n4(s: &str, len: u8) -> String {
        netname4(s.parse().unwrap(), len, &Names::numeric_only(true))
    }

    #[test]
    fn classful_abbreviations_from_the_spec() {
        assert_eq!(n4("132.235.232.0", 23), "132.235.232/23");
        assert_eq!(n4("10.0.0.0", 8), "10");
        assert_eq!(n4("10.1.0.0", 16), "10.1/16");
        assert_eq!(n4("172.16.0.0", 12), "172.16/12");
        assert_eq!(n4("192.168.1.0", 24), "192.168.1");
        assert_eq!(n4("224.0.0.0", 4), "224.0.0/4");
        assert_eq!(n4("127.0.0.0", 8), "127");
        assert_eq!(n4("169.254.0.0", 16), "169.254");
        assert_eq!(n4("10.8.0.1", 32), "10.8.0.1/32");
    }

    #[test]
    fn link_addresses() {
        assert_eq!(ether_unpadded("00:d0:04:0f:c8:00"), "0:d0:4:f:c8:0");
        assert_eq!(ether_padded("0:1C:42:0:0:8"), "00:1c:42:00:00:08");
        assert!(mac_is_empty("00:00:00:00:00:00") && mac_is_empty("") && !mac_is_empty("00:01"));
    }

    #[test]
    fn name_files() {
        let h = first_hosts(netdb::parse_hosts(
            "127.0.0.1 localhost\n# x\n::1 ip6-localhost ip6-loopback\n::1 later\n",
        ));
        assert_eq!(h[&"::1".parse::<IpAddr>().unwrap()], "ip6-localhost");
        let n = first_networks(netdb::parse_networks(
            "loopback 127\nlink-local 169.254.0.0\nlater 127.0.0.0\n",
        ));
        assert_eq!(n[&0x7f00_0000], "loopback");
        assert_eq!(n[&0xa9fe_0000], "link-local");
        let names = Names {
            services: Services::parse(
                "ssh 22/tcp\nhttps 443/tcp\nhttps 443/udp\nalt 443/udp\n",
                Duplicates::First,
            ),
            ..Names::default()
        };
        assert_eq!(names.service(443, "udp"), Some("https"));
        assert_eq!(names.service(22, "tcp"), Some("ssh"));
        assert_eq!(names.service(22, "udp"), None);
    }

    #[test]
    fn inetname_wildcards_and_scopes() {
        let names = Names::numeric_only(true);
        assert_eq!(inetname(Ipv4Addr::UNSPECIFIED, &names), "*");
        let mut names = Names::numeric_only(true);
        names.ifnames.insert(4, "en0".into());
        assert_eq!(
            numeric6("fe80::1".parse().unwrap(), 4, &names),
            "fe80::1%en0"
        );
        assert_eq!(
            numeric6("ff02::1".parse().unwrap(), 4, &names),
            "ff02::1%en0"
        );
        assert_eq!(
            numeric6("2001:db8::1".parse().unwrap(), 4, &names),
            "2001:db8::1"
        );
    }
}
