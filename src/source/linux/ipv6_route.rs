//! `/proc/net/ipv6_route`: the IPv6 forwarding entries as the kernel lists them, the only place
//! that shows each route's reference count (rtnetlink has no attribute for it).
//!
//! One entry a line, fields separated by spaces: destination (32 hex digits, no colons),
//! destination prefix length (2 hex digits), source and source prefix length (same forms),
//! next hop (32 hex digits, all zero for none), then metric, reference count, use count and
//! RTF_* flags (8 hex digits each) and the device name (right-aligned in 8 columns, empty for
//! none). Every table is listed, without its id; a multipath route is one line per next hop
//! (the kernel keeps each next hop as its own entry); a table without a default route ends
//! with the tree's root, the shared "null entry" (`::/0`, metric `ffffffff`, reject, `lo`).
//!
//! [`attach_refcnts`] gives rtnetlink route records their reference counts by matching them
//! to these lines (see its documentation for the rule).

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv6Addr};

use crate::door::source::records::{Family, RouteRecord};
use crate::error::{Error, Result};

/// RTF_GATEWAY: the entry has a next hop.
pub const RTF_GATEWAY: u32 = 0x0002;
/// RTF_REJECT: the entry rejects (blackhole, unreachable, prohibit, throw, null entry).
pub const RTF_REJECT: u32 = 0x0200;
/// RTF_ANYCAST: an anycast address of this host.
pub const RTF_ANYCAST: u32 = 0x0010_0000;
/// RTF_PREF(p) bits: the router preference (RTA_PREF), `pref << 27`.
pub const RTF_PREF_MASK: u32 = 0x1800_0000;
/// RTF_LOCAL: a local address of this host.
pub const RTF_LOCAL: u32 = 0x8000_0000;

/// The flag bits that rtnetlink also reports (as the next hop, the route type and RTA_PREF),
/// so that [`attach_refcnts`] can compare them.
const COMPARED_FLAGS: u32 = RTF_GATEWAY | RTF_ANYCAST | RTF_PREF_MASK | RTF_LOCAL;

/// One line of `/proc/net/ipv6_route`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6RouteEntry {
    /// Destination prefix.
    pub dst: Ipv6Addr,
    /// Destination prefix length.
    pub dst_len: u8,
    /// Source prefix (`::` for none).
    pub src: Ipv6Addr,
    /// Source prefix length (0 for none).
    pub src_len: u8,
    /// Next hop (`::` for none).
    pub next_hop: Ipv6Addr,
    /// Metric (`ffffffff` for the null entry).
    pub metric: u32,
    /// The kernel's reference count of the entry.
    pub refcnt: u32,
    /// Use count (always 0 since Linux 4.x).
    pub use_count: u32,
    /// RTF_* flags.
    pub flags: u32,
    /// Device name (empty for none).
    pub dev: String,
}

impl Ipv6RouteEntry {
    /// Whether this is a table's null entry (the tree root a table without a default route
    /// ends with).
    pub fn is_null_entry(&self) -> bool {
        self.dst_len == 0 && self.metric == u32::MAX && self.flags & RTF_REJECT != 0
    }
}

/// Reads `/proc/net/ipv6_route`; a kernel without IPv6 (no such file) has no entries.
pub fn read() -> Result<Vec<Ipv6RouteEntry>> {
    match super::read_raw("/proc/net/ipv6_route") {
        Ok(text) => Ok(parse(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::kernel("reading /proc/net/ipv6_route", e)),
    }
}

/// Parses the text of `/proc/net/ipv6_route`; malformed lines are skipped.
pub fn parse(text: &str) -> Vec<Ipv6RouteEntry> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Ipv6RouteEntry> {
    let mut w = line.split_whitespace();
    let dst = hex_addr(w.next()?)?;
    let dst_len = prefix_len(w.next()?)?;
    let src = hex_addr(w.next()?)?;
    let src_len = prefix_len(w.next()?)?;
    let next_hop = hex_addr(w.next()?)?;
    let mut num = || u32::from_str_radix(w.next()?, 16).ok();
    let (metric, refcnt, use_count, flags) = (num()?, num()?, num()?, num()?);
    let dev = w.next().unwrap_or("").to_string();
    Some(Ipv6RouteEntry {
        dst,
        dst_len,
        src,
        src_len,
        next_hop,
        metric,
        refcnt,
        use_count,
        flags,
        dev,
    })
}

fn hex_addr(hex: &str) -> Option<Ipv6Addr> {
    if hex.len() != 32 {
        return None;
    }
    u128::from_str_radix(hex, 16).ok().map(Ipv6Addr::from)
}

fn prefix_len(hex: &str) -> Option<u8> {
    u8::from_str_radix(hex, 16).ok().filter(|l| *l <= 128)
}

/// What identifies an entry on both sides: destination and prefix, source and prefix, next
/// hop, metric, the compared flag bits and the device.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    dst: Ipv6Addr,
    dst_len: u8,
    src: Ipv6Addr,
    src_len: u8,
    next_hop: Ipv6Addr,
    metric: u32,
    flags: u32,
    dev: String,
}

impl Key {
    fn of_entry(e: &Ipv6RouteEntry) -> Key {
        Key {
            dst: e.dst,
            dst_len: e.dst_len,
            src: e.src,
            src_len: e.src_len,
            next_hop: e.next_hop,
            metric: e.metric,
            flags: e.flags & COMPARED_FLAGS,
            dev: e.dev.clone(),
        }
    }

    /// The keys of a route record: one per next hop (one for a single-path route); `None`
    /// when it is not an IPv6 route or an address is not IPv6.
    fn of_record(r: &RouteRecord) -> Option<Vec<Key>> {
        if r.family != Some(Family::Inet6) {
            return None;
        }
        let v6 = |a: Option<IpAddr>| match a {
            None => Some(Ipv6Addr::UNSPECIFIED),
            Some(IpAddr::V6(a)) => Some(a),
            Some(IpAddr::V4(_)) => None,
        };
        let mut flags = match r.route_type.as_str() {
            "local" => RTF_LOCAL,
            "anycast" => RTF_ANYCAST,
            _ => 0,
        };
        flags |= match r.pref.as_deref() {
            Some("high") => 1 << 27,
            Some("low") => 3 << 27,
            _ => 0,
        };
        let key = |gateway: Option<IpAddr>, dev: &Option<String>| -> Option<Key> {
            Some(Key {
                dst: v6(r.dst)?,
                dst_len: r.dst_len,
                src: v6(r.src)?,
                src_len: r.src_len,
                next_hop: v6(gateway)?,
                metric: r.metric.unwrap_or(0),
                flags: flags | if gateway.is_some() { RTF_GATEWAY } else { 0 },
                dev: dev.clone().unwrap_or_default(),
            })
        };
        if r.hops.is_empty() {
            Some(vec![key(r.gateway, &r.dev)?])
        } else {
            r.hops.iter().map(|h| key(h.gateway, &h.dev)).collect()
        }
    }
}

/// Sets the `refcnt` and `rtf_flags` of every IPv6 record from `entries`.
///
/// A record matches the entries with the same destination and prefix length, source and
/// prefix length, next hop, metric, device and the flag bits rtnetlink also reports
/// (RTF_GATEWAY for a next hop, RTF_LOCAL and RTF_ANYCAST for the `local` and `anycast` route
/// types, RTF_PREF for the router preference). A multipath route matches one entry per next
/// hop (its gateway and device) and gets the sum of their counts and all their flag bits
/// together. The same route can exist in
/// several tables, and the file does not say which table an entry belongs to; both the file
/// and the rtnetlink dump walk the tables in the same order, so the n-th record with a given
/// key takes the n-th entry with that key. A record left without a match (the route changed
/// between the two reads, or the device vanished) keeps `refcnt` and `rtf_flags` `None`;
/// IPv4 records always do. The null entries match no record.
pub fn attach_refcnts(recs: &mut [RouteRecord], entries: &[Ipv6RouteEntry]) {
    let mut counts: HashMap<Key, VecDeque<(u32, u32)>> = HashMap::new();
    for e in entries {
        counts
            .entry(Key::of_entry(e))
            .or_default()
            .push_back((e.refcnt, e.flags));
    }
    for r in recs.iter_mut() {
        let found = Key::of_record(r).and_then(|keys| {
            keys.into_iter()
                .map(|k| counts.get_mut(&k).and_then(VecDeque::pop_front))
                .try_fold((0u32, 0u32), |(n, f), e| {
                    e.map(|(en, ef)| (n.saturating_add(en), f | ef))
                })
        });
        r.refcnt = found.map(|(n, _)| n);
        r.rtf_flags = found.map(|(_, f)| f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::door::source::records::RouteHop;

    /// Captured from a namespace on Linux 6.18 after: `ip -6 route add default via
    /// fd00:1::2`, `fd00:59::/64 nexthop via fd00:1::2 dev veth0 nexthop via fd00:1::3 dev
    /// veth0`, `unreachable fd00:99::/64`, `fd00:60::/64 via fd00:1::2 table 100` (and the same
    /// in main), `fd00:61::/64 dev lo`, `fd00:62::/64 via fd00:1::2 pref high`, `fd00:64::/64
    /// from fd00:1::/64 via fd00:1::2`.
    const CAPTURED: &str = "\
fd000060000000000000000000000000 40 00000000000000000000000000000000 00 fd000001000000000000000000000002 00000400 00000001 00000000 00000003    veth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000002 00000000 00200200       lo
fd000001000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000004 00000000 00000001    veth0
fd000059000000000000000000000000 40 00000000000000000000000000000000 00 fd000001000000000000000000000002 00000400 00000002 00000000 00000003    veth0
fd000059000000000000000000000000 40 00000000000000000000000000000000 00 fd000001000000000000000000000003 00000400 00000001 00000000 00000003    veth0
fd000060000000000000000000000000 40 00000000000000000000000000000000 00 fd000001000000000000000000000002 00000400 00000005 00000000 00000003    veth0
fd000061000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000004 00000000 00200200       lo
fd000062000000000000000000000000 40 00000000000000000000000000000000 00 fd000001000000000000000000000002 00000400 00000002 00000000 08000003    veth0
fd000064000000000000000000000000 40 fd000001000000000000000000000000 40 fd000001000000000000000000000002 00000400 00000002 00000000 00000003    veth0
fd000099000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00200200       lo
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000001000000000000000000000002 00000400 00000001 00000000 00000003    veth0
00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo
fd000001000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000003 00000000 80200001    veth0
ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000004 00000000 00000001    veth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000002 00000000 00200200       lo
";

    fn ip(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    fn route(dst: &str, len: u8, gw: Option<&str>, dev: &str, metric: u32) -> RouteRecord {
        RouteRecord {
            family: Some(Family::Inet6),
            table: 254,
            route_type: "unicast".into(),
            dst: Some(IpAddr::V6(ip(dst))),
            dst_len: len,
            gateway: gw.map(|g| IpAddr::V6(ip(g))),
            dev: Some(dev.into()),
            metric: Some(metric),
            pref: Some("medium".into()),
            ..RouteRecord::default()
        }
    }

    #[test]
    fn parses_every_field_of_captured_lines() {
        let e = parse(CAPTURED);
        assert_eq!(e.len(), 15);
        assert_eq!(
            e[8],
            Ipv6RouteEntry {
                dst: ip("fd00:64::"),
                dst_len: 64,
                src: ip("fd00:1::"),
                src_len: 64,
                next_hop: ip("fd00:1::2"),
                metric: 1024,
                refcnt: 2,
                use_count: 0,
                flags: 3,
                dev: "veth0".into(),
            }
        );
        assert_eq!((e[11].flags, e[11].dev.as_str()), (0x8020_0001, "lo"));
        assert!(e[1].is_null_entry() && e[14].is_null_entry());
        assert!(!e[6].is_null_entry() && !e[10].is_null_entry());
    }

    #[test]
    fn malformed_lines_are_skipped_and_a_missing_device_is_empty() {
        let text = "garbage\n\
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 \
            00000000000000000000000000000000 ffffffff 00000001 00000000 00200200         \n\
            fd00 40 00 00 00 1 1 0 1 veth0\n\
            fd000060000000000000000000000000 99 00000000000000000000000000000000 00 \
            fd000001000000000000000000000002 00000400 00000001 00000000 00000003    veth0\n";
        let e = parse(text);
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].dev.as_str(), e[0].refcnt), ("", 1));
    }

    #[test]
    fn records_take_the_counts_of_their_entries() {
        let entries = parse(CAPTURED);
        let mut t100 = route("fd00:60::", 64, Some("fd00:1::2"), "veth0", 1024);
        t100.table = 100;
        let mut multipath = route("fd00:59::", 64, None, "veth0", 1024);
        multipath.dev = None;
        multipath.hops = ["fd00:1::2", "fd00:1::3"]
            .iter()
            .map(|g| RouteHop {
                gateway: Some(IpAddr::V6(ip(g))),
                oif: 2,
                dev: Some("veth0".into()),
                ..RouteHop::default()
            })
            .collect();
        let mut high = route("fd00:62::", 64, Some("fd00:1::2"), "veth0", 1024);
        high.pref = Some("high".into());
        let mut from = route("fd00:64::", 64, Some("fd00:1::2"), "veth0", 1024);
        from.src = Some(IpAddr::V6(ip("fd00:1::")));
        from.src_len = 64;
        let mut local = route("::1", 128, None, "lo", 0);
        local.route_type = "local".into();
        local.table = 255;
        let mut unreachable = route("fd00:99::", 64, None, "lo", 1024);
        unreachable.route_type = "unreachable".into();
        let v4 = RouteRecord {
            family: Some(crate::door::source::records::Family::Inet),
            dst: Some("10.0.0.0".parse().unwrap()),
            ..RouteRecord::default()
        };
        let mut recs = vec![
            t100,
            route("fd00:1::", 64, None, "veth0", 256),
            multipath,
            route("fd00:60::", 64, Some("fd00:1::2"), "veth0", 1024),
            route("fd00:61::", 64, None, "lo", 1024),
            high,
            from,
            unreachable,
            route("::", 0, Some("fd00:1::2"), "veth0", 1024),
            local,
            v4,
        ];
        attach_refcnts(&mut recs, &entries);
        let flags: Vec<Option<u32>> = recs.iter().map(|r| r.rtf_flags).collect();
        assert_eq!(
            flags,
            [
                Some(3),
                Some(1),
                Some(3),
                Some(3),
                Some(0x0020_0200),
                Some(0x0800_0003),
                Some(3),
                Some(0x0020_0200),
                Some(3),
                Some(0x8020_0001),
                None
            ]
        );
        let got: Vec<Option<u32>> = recs.iter().map(|r| r.refcnt).collect();
        assert_eq!(
            got,
            [
                Some(1),
                Some(4),
                Some(3),
                Some(5),
                Some(4),
                Some(2),
                Some(2),
                Some(1),
                Some(1),
                Some(2),
                None
            ]
        );
    }

    #[test]
    fn records_without_their_entry_stay_unknown() {
        let entries = parse(CAPTURED);
        // A different metric, a different preference, a different device, a second copy of
        // a route the file lists once.
        let mut pref = route("fd00:62::", 64, Some("fd00:1::2"), "veth0", 1024);
        pref.pref = Some("low".into());
        let mut recs = vec![
            route("fd00:1::", 64, None, "veth0", 1),
            pref,
            route("fd00:61::", 64, None, "veth0", 1024),
            route("fd00:99::", 64, None, "lo", 1024),
            route("fd00:99::", 64, None, "lo", 1024),
        ];
        attach_refcnts(&mut recs, &entries);
        let got: Vec<Option<u32>> = recs.iter().map(|r| r.refcnt).collect();
        assert_eq!(got, [None, None, None, Some(1), None]);
    }
}
