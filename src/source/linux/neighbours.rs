//! Neighbour (ARP and NDP) entries from RTM_GETNEIGH dumps, IPv4 and IPv6: the neighbour
//! cache (the equivalent of `ip neigh show nud all`, which includes NOARP multicast entries and
//! entries in state NONE) followed by the proxy entries (`ip neigh show proxy`).

use std::net::IpAddr;

use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourFlags, NeighbourMessage,
};
use netlink_sys::protocols::NETLINK_ROUTE;

use super::links::{mac_text, resolve_names};
use super::netlink::Netlink;
use crate::door::source::records::{Family, NeighbourRecord};
use crate::error::{Error, Result};

/// Dumps every IPv4 and IPv6 neighbour entry, then the proxy entries. With `names`, interface
/// names are resolved from a link dump (an entry whose link vanished keeps its index and gets
/// no name).
///
/// With `reachable`, names are resolved too and each entry gets its interface's base
/// reachable time from the sysctl tree.
pub fn neighbours(names: bool, reachable: bool) -> Result<Vec<NeighbourRecord>> {
    let what = "netlink route dump (neighbours)";
    let mut nl = Netlink::open(NETLINK_ROUTE).map_err(|e| Error::kernel(what, e))?;
    let mut out = Vec::new();
    for flags in [NeighbourFlags::empty(), NeighbourFlags::Proxy] {
        let (msgs, _) = nl
            .dump_all(|| {
                let mut msg = NeighbourMessage::default();
                msg.header.flags = flags;
                RouteNetlinkMessage::GetNeighbour(msg)
            })
            .map_err(|e| Error::kernel(what, e))?;
        out.extend(msgs.into_iter().filter_map(|m| match m {
            RouteNetlinkMessage::NewNeighbour(n) => decode(n),
            _ => None,
        }));
    }
    if names || reachable {
        resolve_names(&mut out, |n| (n.ifindex, &mut n.ifname))?;
    }
    if reachable {
        fill_reachable(&mut out);
    }
    Ok(out)
}

/// Turns one RTM_NEWNEIGH message into a record; `None` for families other than IPv4/IPv6
/// (bridge forwarding entries) or an entry without an address.
pub(crate) fn decode(msg: NeighbourMessage) -> Option<NeighbourRecord> {
    let family = match u8::from(msg.header.family) {
        2 => Family::Inet,
        10 => Family::Inet6,
        _ => return None,
    };
    let flags = msg.header.flags;
    let mut rec = NeighbourRecord {
        ifindex: msg.header.ifindex,
        family: Some(family),
        state: state_text(msg.header.state.into()),
        router: flags.contains(NeighbourFlags::Router),
        proxy: flags.contains(NeighbourFlags::Proxy),
        ..NeighbourRecord::default()
    };
    for attr in msg.attributes {
        match attr {
            NeighbourAttribute::Destination(NeighbourAddress::Inet(a)) => {
                rec.addr = Some(IpAddr::V4(a));
            }
            NeighbourAttribute::Destination(NeighbourAddress::Inet6(a)) => {
                rec.addr = Some(IpAddr::V6(a));
            }
            NeighbourAttribute::LinkLayerAddress(l) if !l.is_empty() => {
                rec.mac = Some(mac_text(&l));
            }
            NeighbourAttribute::CacheInfo(ci) => {
                let hz = user_hz();
                rec.used_ms = Some(ticks_to_ms(ci.used, hz));
                rec.confirmed_ms = Some(ticks_to_ms(ci.confirmed, hz));
                rec.updated_ms = Some(ticks_to_ms(ci.updated, hz));
                rec.refcnt = Some(ci.refcnt);
            }
            _ => {}
        }
    }
    rec.addr?;
    Some(rec)
}

/// The kernel's clock-tick rate for NDA_CACHEINFO ages (`jiffies_to_clock_t` gives USER_HZ
/// ticks, which is 100 on every architecture netpry builds for, as `sysconf(_SC_CLK_TCK)`).
fn user_hz() -> u32 {
    100
}

/// Converts an age in clock ticks (NDA_CACHEINFO reports `jiffies_to_clock_t` values) to
/// milliseconds, saturating.
fn ticks_to_ms(ticks: u32, hz: u32) -> u32 {
    u32::try_from(u64::from(ticks) * 1000 / u64::from(hz.max(1))).unwrap_or(u32::MAX)
}

/// Reads `base_reachable_time_ms` for each interface named in `recs` (per family) and stores
/// it in the records; entries whose file cannot be read keep `None`.
fn fill_reachable(recs: &mut [NeighbourRecord]) {
    let mut cache: std::collections::HashMap<(Family, String), Option<u64>> =
        std::collections::HashMap::new();
    for r in recs.iter_mut() {
        let (Some(fam), Some(name)) = (r.family, r.ifname.clone()) else {
            continue;
        };
        r.reachable_ms = *cache.entry((fam, name)).or_insert_with_key(|(fam, name)| {
            let dir = if *fam == Family::Inet6 {
                "ipv6"
            } else {
                "ipv4"
            };
            super::read_raw(
                super::raw_path(&format!("/proc/sys/net/{dir}/neigh"), name)
                    .join("base_reachable_time_ms"),
            )
            .ok()
            .and_then(|t| t.trim().parse().ok())
        });
    }
}

/// NUD_* state bits in `ip neigh` spelling, `|`-joined; `NONE` for no bit, unknown bits as one
/// hexadecimal number.
pub fn state_text(state: u16) -> String {
    const NAMES: [(u16, &str); 8] = [
        (0x01, "INCOMPLETE"),
        (0x02, "REACHABLE"),
        (0x04, "STALE"),
        (0x08, "DELAY"),
        (0x10, "PROBE"),
        (0x20, "FAILED"),
        (0x40, "NOARP"),
        (0x80, "PERMANENT"),
    ];
    if state == 0 {
        return "NONE".into();
    }
    let mut out: Vec<String> = Vec::new();
    let mut rest = state;
    for (bit, name) in NAMES {
        if state & bit != 0 {
            out.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        out.push(format!("{rest:#x}"));
    }
    out.join("|")
}

#[cfg(test)]
mod tests {
    use netlink_packet_core::{NetlinkDeserializable, NetlinkHeader};

    use super::*;

    /// Decodes a captured RTM_NEWNEIGH message (netlink header included).
    fn parse(bytes: &[u8]) -> NeighbourRecord {
        let mut hdr = NetlinkHeader::default();
        hdr.message_type = u16::from_ne_bytes([bytes[4], bytes[5]]);
        match RouteNetlinkMessage::deserialize(&hdr, &bytes[16..]).expect("decodes") {
            RouteNetlinkMessage::NewNeighbour(n) => decode(n).expect("a neighbour"),
            other => panic!("not a neighbour: {other:?}"),
        }
    }

    #[test]
    fn states_use_ip_spelling() {
        assert_eq!(state_text(0), "NONE");
        assert_eq!(state_text(0x02), "REACHABLE");
        assert_eq!(state_text(0x80), "PERMANENT");
        assert_eq!(state_text(0x04 | 0x40), "STALE|NOARP");
        assert_eq!(state_text(0x100 | 0x20), "FAILED|0x100");
    }

    #[test]
    fn decodes_captured_neighbours() {
        // RTM_NEWNEIGH messages read from an AF_UNSPEC RTM_GETNEIGH dump on Linux 6.18
        // (x86_64, native endian) after `ip neigh add fd00:1::7 lladdr 02:00:00:00:00:08 dev
        // vx.1 nud stale router` and `ip neigh add 10.1.0.7 lladdr 02:00:00:00:00:07 dev vx.1
        // nud permanent` (vx.1 had index 3).
        let n = parse(&CAPTURED_NEWNEIGH_V6_ROUTER);
        assert_eq!(n.family, Some(Family::Inet6));
        assert_eq!(n.addr, Some("fd00:1::7".parse().unwrap()));
        assert_eq!(n.mac.as_deref(), Some("02:00:00:00:00:08"));
        assert_eq!(
            (n.state.as_str(), n.router, n.proxy, n.ifindex),
            ("STALE", true, false, 3)
        );
        // NDA_CACHEINFO: confirmed 19612, used 13612, updated 13612 ticks, refcnt 0.
        let hz = user_hz();
        assert_eq!(n.confirmed_ms, Some(ticks_to_ms(19612, hz)));
        assert_eq!(n.used_ms, Some(ticks_to_ms(13612, hz)));
        assert_eq!(n.updated_ms, Some(ticks_to_ms(13612, hz)));
        assert_eq!(n.refcnt, Some(0));
        let n = parse(&CAPTURED_NEWNEIGH_V4_PERMANENT);
        assert_eq!(n.addr, Some("10.1.0.7".parse().unwrap()));
        assert_eq!(n.mac.as_deref(), Some("02:00:00:00:00:07"));
        assert_eq!(
            (n.state.as_str(), n.router, n.proxy),
            ("PERMANENT", false, false)
        );
    }

    #[test]
    fn decodes_a_captured_proxy_entry() {
        // From an NTF_PROXY RTM_GETNEIGH dump after `ip neigh add proxy 10.1.0.99 dev vx.1`.
        let n = parse(&CAPTURED_NEWNEIGH_V4_PROXY);
        assert_eq!(n.addr, Some("10.1.0.99".parse().unwrap()));
        assert_eq!((n.mac, n.state.as_str(), n.proxy), (None, "NONE", true));
        // Proxy entries carry no NDA_CACHEINFO.
        assert_eq!((n.used_ms, n.confirmed_ms, n.refcnt), (None, None, None));
    }

    #[test]
    fn ticks_convert_to_milliseconds() {
        assert_eq!(ticks_to_ms(19612, 100), 196_120);
        assert_eq!(ticks_to_ms(250, 250), 1000);
        assert_eq!(ticks_to_ms(u32::MAX, 1), u32::MAX);
    }

    const CAPTURED_NEWNEIGH_V6_ROUTER: [u8; 88] = [
        0x58, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x59, 0x31, 0x00,
        0x00, 0x0a, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x80, 0x01, 0x14, 0x00,
        0x01, 0x00, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x07, 0x0a, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00,
        0x08, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x03, 0x00, 0x9c, 0x4c, 0x00,
        0x00, 0x2c, 0x35, 0x00, 0x00, 0x2c, 0x35, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    const CAPTURED_NEWNEIGH_V4_PERMANENT: [u8; 76] = [
        0x4c, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x59, 0x31, 0x00,
        0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x01, 0x08, 0x00,
        0x01, 0x00, 0x0a, 0x01, 0x00, 0x07, 0x0a, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x07, 0x00, 0x00, 0x08, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x03, 0x00,
        0x2c, 0x35, 0x00, 0x00, 0x2c, 0x35, 0x00, 0x00, 0x2c, 0x35, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ];
    const CAPTURED_NEWNEIGH_V4_PROXY: [u8; 36] = [
        0x24, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x9a, 0x32, 0x00,
        0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x01, 0x08, 0x00,
        0x01, 0x00, 0x0a, 0x01, 0x00, 0x63,
    ];
}
