//! Routes from RTM_GETROUTE dumps of every table, IPv4 then IPv6 (the equivalent of
//! `ip route show table all` and `ip -6 route show table all`), and single route lookups
//! ([`route_get`], the equivalent of `ip route get`).
//!
//! The table id comes from RTA_TABLE when present (the header's 8-bit field says 252 for ids
//! above 255). Names (tables, protocols, scopes, types) follow `ip`, see [`super::rtnames`].
//! Metrics are read from RTA_METRICS (RTAX_RTT is stored in 1/8 ms, reported in ms). Multipath
//! routes carry their next hops typed ([`RouteHop`]: the `route_nexthops` table) and spelled
//! as `ip` prints them (the `routes` table's `nexthops` text).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags, RouteHeader, RouteMessage, RouteMetric, RouteNextHop,
    RouteVia,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::protocols::NETLINK_ROUTE;

use super::links::link_names;
use super::netlink::Netlink;
use super::rtnames::{protocol_name, route_type_name, scope_name};
use crate::door::source::records::{Family, RouteHop, RouteQuery, RouteRecord};
use crate::error::{Error, Result};
use crate::model::NextHop;

/// Dumps the routes of every table, IPv4 then IPv6, in the kernel's order. With `names`,
/// output devices are resolved to names from a link dump (a route whose device vanished keeps
/// its index and gets no name; its next hops then say `dev ifN`). With `refcnt`, IPv6 routes
/// get their reference counts and RTF_* flags from `/proc/net/ipv6_route` (see
/// [`super::ipv6_route::attach_refcnts`]; device names are then resolved too, to match).
pub fn routes(names: bool, refcnt: bool) -> Result<Vec<RouteRecord>> {
    let what = "netlink route dump (routes)";
    let mut nl = Netlink::open(NETLINK_ROUTE).map_err(|e| Error::kernel(what, e))?;
    let map = if names || refcnt {
        link_names()?
    } else {
        HashMap::new()
    };
    let mut out = Vec::new();
    for family in [AddressFamily::Inet, AddressFamily::Inet6] {
        let (msgs, _) = nl
            .dump_all(|| {
                let mut msg = RouteMessage::default();
                msg.header.address_family = family;
                RouteNetlinkMessage::GetRoute(msg)
            })
            .map_err(|e| Error::kernel(what, e))?;
        // Where a family is not supported (IPv6 disabled) the kernel answers the request as
        // a dump of every family: keep only the family asked for, so nothing comes twice.
        out.extend(msgs.into_iter().filter_map(|m| match m {
            RouteNetlinkMessage::NewRoute(r) if r.header.address_family == family => {
                decode(r, &map)
            }
            _ => None,
        }));
    }
    if refcnt {
        super::ipv6_route::attach_refcnts(&mut out, &super::ipv6_route::read()?);
    }
    Ok(out)
}

/// Asks the kernel which route it would use for `q` (RTM_GETROUTE without NLM_F_DUMP, like
/// `ip route get DST [from SRC] [oif DEV] [mark M] [uid U] [ipproto P] [sport S] [dport D]
/// [tos T]`): policy rules, every table and metrics all apply, so the answer can differ from
/// a longest-prefix match over the main table. The record's `dst` is the destination itself
/// (prefix 32 or 128), with the chosen table, device, gateway and preferred source (and, when
/// `q` names a source, that source in `src`).
///
/// The table is the one the kernel names (RTA_TABLE), as `ip -d route get` prints it. While a
/// namespace has only the default policy rules, the kernel keeps the local table merged into
/// main (since Linux 4.1, `fib_trie` merges them until a rule is added), so even a local
/// address such as 127.0.0.1 comes back with table 254 (main); once any rule exists the
/// tables are split again and the same lookup says 255 (local).
pub fn route_get(q: &RouteQuery) -> Result<RouteRecord> {
    let dst = q.dst;
    let what = format!("route lookup for {dst}");
    let mut nl = Netlink::open(NETLINK_ROUTE).map_err(|e| Error::kernel(&what, e))?;
    let mut msg = RouteMessage::default();
    let v4 = dst.is_ipv4();
    msg.header.address_family = if v4 {
        AddressFamily::Inet
    } else {
        AddressFamily::Inet6
    };
    let host_len = if v4 { 32 } else { 128 };
    msg.header.destination_prefix_length = host_len;
    msg.header.tos = q.tos;
    // IPv4 reports the main table unless asked for the table the lookup ended in (as `ip
    // route get` asks); IPv6 always reports it and rejects the flag under strict checking.
    if v4 {
        msg.header.flags = RouteFlags::LookupTable;
    }
    let attrs = &mut msg.attributes;
    attrs.push(RouteAttribute::Destination(dst.into()));
    if let Some(src) = q.src {
        msg.header.source_prefix_length = host_len;
        attrs.push(RouteAttribute::Source(src.into()));
    }
    let names = link_names()?;
    if let Some(dev) = &q.oif {
        let index = names.iter().find(|(_, n)| *n == dev).map(|(i, _)| *i);
        let Some(index) = index else {
            let e = std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no device named '{dev}'"),
            );
            return Err(Error::kernel(what, e));
        };
        attrs.push(RouteAttribute::Oif(index));
    }
    if q.mark != 0 {
        attrs.push(RouteAttribute::Mark(q.mark));
    }
    if let Some(uid) = q.uid {
        attrs.push(RouteAttribute::Uid(uid));
    }
    if let Some(p) = q.ipproto {
        attrs.push(RouteAttribute::IpProto(p));
    }
    if q.sport != 0 {
        attrs.push(RouteAttribute::Sport(q.sport));
    }
    if q.dport != 0 {
        attrs.push(RouteAttribute::Dport(q.dport));
    }
    let reply = nl
        .request(RouteNetlinkMessage::GetRoute(msg))
        .map_err(|e| Error::kernel(&what, e))?;
    let RouteNetlinkMessage::NewRoute(route) = reply else {
        let e = std::io::Error::new(std::io::ErrorKind::InvalidData, "the reply is not a route");
        return Err(Error::kernel(what, e));
    };
    decode(route, &names).ok_or_else(|| {
        let e = std::io::Error::new(std::io::ErrorKind::InvalidData, "the reply has no family");
        Error::kernel(what, e)
    })
}

/// Turns one RTM_NEWROUTE message into a record; `None` for families other than IPv4/IPv6.
/// `names` maps interface indexes to names.
pub(crate) fn decode(msg: RouteMessage, names: &HashMap<u32, String>) -> Option<RouteRecord> {
    let h: &RouteHeader = &msg.header;
    let (family, unspecified): (Family, IpAddr) = match u8::from(h.address_family) {
        2 => (Family::Inet, Ipv4Addr::UNSPECIFIED.into()),
        10 => (Family::Inet6, Ipv6Addr::UNSPECIFIED.into()),
        _ => return None,
    };
    let mut rec = RouteRecord {
        family: Some(family),
        table: h.table.into(),
        route_type: route_type_name(h.kind.into()),
        dst_len: h.destination_prefix_length,
        src_len: h.source_prefix_length,
        tos: h.tos,
        protocol: protocol_name(h.protocol.into()),
        scope: scope_name(h.scope.into()),
        flags: flag_text(h.flags.bits()),
        ..RouteRecord::default()
    };
    let mut hops: &[RouteNextHop] = &[];
    for attr in &msg.attributes {
        match attr {
            RouteAttribute::Table(t) => rec.table = *t,
            RouteAttribute::Destination(a) => rec.dst = ip_of(a),
            // A lookup's reply may say `from ::`: no source.
            RouteAttribute::Source(a) => rec.src = ip_of(a).filter(|ip| !ip.is_unspecified()),
            RouteAttribute::Gateway(a) => rec.gateway = ip_of(a),
            RouteAttribute::Via(v) => rec.gateway = via_ip(v),
            RouteAttribute::PrefSource(a) => rec.prefsrc = ip_of(a),
            RouteAttribute::Oif(i) => rec.oif = *i,
            RouteAttribute::Priority(p) => rec.metric = Some(*p),
            RouteAttribute::Preference(p) => rec.pref = Some(pref_name(u8::from(*p))),
            RouteAttribute::Metrics(ms) => {
                for m in ms {
                    match m {
                        RouteMetric::Mtu(v) => rec.mtu = *v,
                        RouteMetric::Advmss(v) => rec.advmss = *v,
                        RouteMetric::Window(v) => rec.window = *v,
                        RouteMetric::Rtt(v) => rec.rtt_ms = *v / 8,
                        _ => {}
                    }
                }
            }
            RouteAttribute::MultiPath(nh) => hops = nh,
            // Clock ticks (USER_HZ, 100 a second), signed; 0 for a route that does not expire.
            RouteAttribute::CacheInfo(ci) if ci.expires != 0 => {
                rec.expires = Some(i64::from(ci.expires as i32) / 100);
            }
            _ => {}
        }
    }
    if rec.dst.is_none() {
        rec.dst = Some(unspecified);
    }
    if rec.oif != 0 {
        rec.dev = names.get(&rec.oif).cloned();
    }
    rec.hops = hops.iter().map(|nh| hop_of(nh, names)).collect();
    rec.nexthops = NextHop::join(&rec.hops.iter().map(RouteHop::spelled).collect::<Vec<_>>());
    Some(rec)
}

/// One next hop of a multipath route: gateway, device (named from `names`), weight and flags.
fn hop_of(nh: &RouteNextHop, names: &HashMap<u32, String>) -> RouteHop {
    RouteHop {
        gateway: nexthop_gateway(nh),
        oif: nh.interface_index,
        dev: names.get(&nh.interface_index).cloned(),
        weight: u32::from(nh.hops) + 1,
        flags: flag_text(nh.flags.bits().into()),
    }
}

/// The gateway of one next hop (RTA_GATEWAY or RTA_VIA), if any.
fn nexthop_gateway(nh: &RouteNextHop) -> Option<IpAddr> {
    nh.attributes.iter().find_map(|a| match a {
        RouteAttribute::Gateway(g) => ip_of(g),
        RouteAttribute::Via(v) => via_ip(v),
        _ => None,
    })
}

fn ip_of(a: &RouteAddress) -> Option<IpAddr> {
    match a {
        RouteAddress::Inet(v4) => Some((*v4).into()),
        RouteAddress::Inet6(v6) => Some((*v6).into()),
        _ => None,
    }
}

fn via_ip(v: &RouteVia) -> Option<IpAddr> {
    match v {
        RouteVia::Inet(v4) => Some((*v4).into()),
        RouteVia::Inet6(v6) => Some((*v6).into()),
        _ => None,
    }
}

/// `ip`'s name for an IPv6 router preference (RTA_PREF).
pub fn pref_name(p: u8) -> String {
    match p {
        0 => "medium".into(),
        1 => "high".into(),
        3 => "low".into(),
        n => n.to_string(),
    }
}

/// RTNH_F_* and RTM_F_* route flags in `ip route` order and spelling, comma separated. Only
/// the flags `ip` prints are named; the others (cloned, notify, ...) are request and reply
/// markers, not properties of a route.
pub fn flag_text(flags: u32) -> String {
    const NAMES: [(u32, &str); 10] = [
        (0x01, "dead"),
        (0x04, "onlink"),
        (0x02, "pervasive"),
        (0x08, "offload"),
        (0x40, "trap"),
        (0x10, "linkdown"),
        (0x20, "unresolved"),
        (0x4000, "rt_offload"),
        (0x8000, "rt_trap"),
        (0x2000_0000, "rt_offload_failed"),
    ];
    NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use netlink_packet_core::{NetlinkDeserializable, NetlinkHeader};

    use super::*;

    /// Decodes a captured RTM_NEWROUTE message (netlink header included).
    fn parse(bytes: &[u8]) -> RouteRecord {
        let mut hdr = NetlinkHeader::default();
        hdr.message_type = u16::from_ne_bytes([bytes[4], bytes[5]]);
        let names: HashMap<u32, String> = [(2, "vx.2".to_string()), (3, "vx.1".to_string())]
            .into_iter()
            .collect();
        match RouteNetlinkMessage::deserialize(&hdr, &bytes[16..]).expect("decodes") {
            RouteNetlinkMessage::NewRoute(r) => decode(r, &names).expect("a route"),
            other => panic!("not a route: {other:?}"),
        }
    }

    #[test]
    fn flags_and_preferences_use_ip_spelling() {
        assert_eq!(flag_text(0), "");
        assert_eq!(flag_text(0x04), "onlink");
        assert_eq!(flag_text(0x01 | 0x10), "dead,linkdown");
        assert_eq!(flag_text(0x200 | 0x100), "");
        assert_eq!(pref_name(1), "high");
        assert_eq!(pref_name(0), "medium");
        assert_eq!(pref_name(3), "low");
        assert_eq!(pref_name(2), "2");
    }

    #[test]
    fn decodes_a_captured_route_in_a_large_table_with_metrics() {
        // RTM_NEWROUTE for `ip route add 10.61.0.0/16 via 10.1.0.2 table 1000 proto 42 mtu 1400
        // advmss 1300 window 65535 rtt 100ms`, read from an AF_INET RTM_GETROUTE dump on
        // Linux 6.18 (x86_64, native endian). The header says table 252 (RT_TABLE_COMPAT).
        let r = parse(&CAPTURED_NEWROUTE_V4_METRICS);
        assert_eq!(r.family, Some(Family::Inet));
        assert_eq!(r.table, 1000);
        assert_eq!(r.route_type, "unicast");
        assert_eq!(r.dst, Some("10.61.0.0".parse().unwrap()));
        assert_eq!(r.dst_len, 16);
        assert_eq!(r.gateway, Some("10.1.0.2".parse().unwrap()));
        assert_eq!((r.oif, r.dev.as_deref()), (2, Some("vx.2")));
        assert_eq!(r.protocol, protocol_name(42));
        assert_eq!(r.scope, "global");
        assert_eq!(
            (r.mtu, r.advmss, r.window, r.rtt_ms),
            (1400, 1300, 65535, 100)
        );
        assert_eq!(r.metric, None);
        assert_eq!(r.pref, None);
        assert_eq!(r.nexthops, "");
    }

    #[test]
    fn decodes_a_captured_ipv6_multipath_route() {
        // RTM_NEWROUTE for `ip -6 route add fd00:b::/64 nexthop via fd00:1::9 dev vx.1 weight 3
        // nexthop via fd00:1::8 dev vx.1`, from an AF_INET6 dump on the same kernel.
        let r = parse(&CAPTURED_NEWROUTE_V6_MULTIPATH);
        assert_eq!(r.family, Some(Family::Inet6));
        assert_eq!((r.table, r.protocol.as_str()), (254, "boot"));
        assert_eq!(r.dst, Some("fd00:b::".parse().unwrap()));
        assert_eq!(r.gateway, None);
        assert_eq!(r.dev, None);
        assert_eq!(r.metric, Some(1024));
        assert_eq!(r.pref.as_deref(), Some("medium"));
        assert_eq!(
            r.nexthops,
            "via fd00:1::9 dev vx.1 weight 3; via fd00:1::8 dev vx.1 weight 1"
        );
        let hop = |g: &str, weight| RouteHop {
            gateway: Some(g.parse().unwrap()),
            oif: 3,
            dev: Some("vx.1".into()),
            weight,
            flags: String::new(),
        };
        assert_eq!(r.hops, [hop("fd00:1::9", 3), hop("fd00:1::8", 1)]);
        assert_eq!(r.refcnt, None);
    }

    #[test]
    fn decodes_a_captured_ipv6_route_with_high_preference() {
        // RTM_NEWROUTE for `ip -6 route add fd00:9::/64 via fd00:1::9 dev vx.1 pref high`.
        let r = parse(&CAPTURED_NEWROUTE_V6_PREF_HIGH);
        assert_eq!(r.gateway, Some("fd00:1::9".parse().unwrap()));
        assert_eq!(r.dev.as_deref(), Some("vx.1"));
        assert_eq!(r.pref.as_deref(), Some("high"));
        assert_eq!(r.src, None);
        assert_eq!(r.src_len, 0);
    }

    #[test]
    fn device_only_next_hops_and_vanished_devices() {
        let mut nh = RouteNextHop::default();
        nh.interface_index = 9;
        nh.hops = 4;
        nh.flags = netlink_packet_route::route::RouteNextHopFlags::from_bits_retain(0x10);
        let hop = hop_of(&nh, &HashMap::new());
        assert_eq!((hop.dev.as_deref(), hop.weight), (None, 5));
        assert_eq!(hop.flags, "linkdown");
        assert_eq!(hop.spelled().to_string(), "dev if9 weight 5 linkdown");
    }

    const CAPTURED_NEWROUTE_V4_METRICS: [u8; 96] = [
        0x60, 0x00, 0x00, 0x00, 0x18, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0xb9, 0x30, 0x00,
        0x00, 0x02, 0x10, 0x00, 0x00, 0xfc, 0x2a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00,
        0x0f, 0x00, 0xe8, 0x03, 0x00, 0x00, 0x08, 0x00, 0x01, 0x00, 0x0a, 0x3d, 0x00, 0x00, 0x24,
        0x00, 0x08, 0x00, 0x08, 0x00, 0x02, 0x00, 0x78, 0x05, 0x00, 0x00, 0x08, 0x00, 0x03, 0x00,
        0xff, 0xff, 0x00, 0x00, 0x08, 0x00, 0x04, 0x00, 0x20, 0x03, 0x00, 0x00, 0x08, 0x00, 0x08,
        0x00, 0x14, 0x05, 0x00, 0x00, 0x08, 0x00, 0x05, 0x00, 0x0a, 0x01, 0x00, 0x02, 0x08, 0x00,
        0x04, 0x00, 0x02, 0x00, 0x00, 0x00,
    ];
    const CAPTURED_NEWROUTE_V6_MULTIPATH: [u8; 168] = [
        0xa8, 0x00, 0x00, 0x00, 0x18, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0xe3, 0x30, 0x00,
        0x00, 0x0a, 0x40, 0x00, 0x00, 0xfe, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00,
        0x0f, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0xfd, 0x00, 0x00, 0x0b, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x06, 0x00,
        0x00, 0x04, 0x00, 0x00, 0x3c, 0x00, 0x09, 0x00, 0x1c, 0x00, 0x00, 0x02, 0x03, 0x00, 0x00,
        0x00, 0x14, 0x00, 0x05, 0x00, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x1c, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x14,
        0x00, 0x05, 0x00, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x08, 0x24, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x14, 0x00, 0x00,
        0x00, 0x00, 0x00,
    ];
    const CAPTURED_NEWROUTE_V6_PREF_HIGH: [u8; 136] = [
        0x88, 0x00, 0x00, 0x00, 0x18, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0xe3, 0x30, 0x00,
        0x00, 0x0a, 0x40, 0x00, 0x00, 0xfe, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00,
        0x0f, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0xfd, 0x00, 0x00, 0x09, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x06, 0x00,
        0x00, 0x04, 0x00, 0x00, 0x14, 0x00, 0x05, 0x00, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x08, 0x00, 0x04, 0x00, 0x03, 0x00,
        0x00, 0x00, 0x24, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00,
        0x00,
    ];
}
