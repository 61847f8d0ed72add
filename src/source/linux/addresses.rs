//! Interface addresses from an RTM_GETADDR dump, IPv4 and IPv6 (the equivalent of
//! `ip address show`).
//!
//! The address is IFA_LOCAL when present (IPv4, and point-to-point IPv6), else IFA_ADDRESS; on
//! point-to-point links IFA_ADDRESS then holds the peer. Flags come from the 32-bit IFA_FLAGS
//! attribute when the kernel sends it (the 8-bit header field cannot hold `mngtmpaddr`,
//! `noprefixroute` and later flags). Lifetimes come from IFA_CACHEINFO, where all ones means
//! forever.

use std::net::IpAddr;

use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_sys::protocols::NETLINK_ROUTE;

use super::links::resolve_names;
use super::netlink::{Netlink, take_raw_strings};
use super::rtnames::scope_name;
use crate::door::source::records::AddressRecord;
use crate::error::{Error, Result};

/// Size of `struct ifaddrmsg`, before an address's attributes.
const IFADDRMSG_LEN: usize = 8;
/// The address label attribute (an interface name or alias: bytes).
const IFA_LABEL: u16 = 3;

/// Lifetime value meaning "forever" (INFINITY_LIFE_TIME).
const FOREVER: u32 = u32::MAX;

/// Dumps every IPv4 and IPv6 address of the current network namespace, sorted by interface
/// index. With `names`, interface names are resolved from a link dump (an address whose link
/// vanished meanwhile keeps its index and gets no name).
pub fn addresses(names: bool) -> Result<Vec<AddressRecord>> {
    let what = "netlink route dump (addresses)";
    let mut nl = Netlink::open(NETLINK_ROUTE).map_err(|e| Error::kernel(what, e))?;
    let (msgs, _) = nl
        .dump_all_with(
            || RouteNetlinkMessage::GetAddress(AddressMessage::default()),
            |payload| take_raw_strings(payload, IFADDRMSG_LEN, &[IFA_LABEL]),
        )
        .map_err(|e| Error::kernel(what, e))?;
    let mut out: Vec<AddressRecord> = msgs
        .into_iter()
        .filter_map(|(m, raw)| match m {
            RouteNetlinkMessage::NewAddress(a) => decode(a).map(|mut rec| {
                if let Some(label) = raw.get(IFA_LABEL) {
                    rec.label = Some(label);
                }
                rec
            }),
            _ => None,
        })
        .collect();
    if names {
        resolve_names(&mut out, |a| (a.ifindex, &mut a.ifname))?;
    }
    // Stable: keeps the kernel's order (primary before secondary) within an interface.
    out.sort_by_key(|a| a.ifindex);
    Ok(out)
}

/// Turns one RTM_NEWADDR message into a record; `None` for families other than IPv4/IPv6 or a
/// message without an address.
pub(crate) fn decode(msg: AddressMessage) -> Option<AddressRecord> {
    let family: u8 = msg.header.family.into();
    let inet6 = match family {
        2 => false,
        10 => true,
        _ => return None,
    };
    let mut local = None;
    let mut address = None;
    let mut flags = u32::from(msg.header.flags.bits());
    let mut rec = AddressRecord {
        ifindex: msg.header.index,
        prefix_len: msg.header.prefix_len,
        scope: scope_name(msg.header.scope.into()),
        ..AddressRecord::default()
    };
    for attr in msg.attributes {
        match attr {
            AddressAttribute::Local(ip) => local = Some(ip),
            AddressAttribute::Address(ip) => address = Some(ip),
            AddressAttribute::Broadcast(ip) => rec.broadcast = Some(IpAddr::V4(ip)),
            AddressAttribute::Label(l) => rec.label = Some(l),
            AddressAttribute::Flags(f) => flags = f.bits(),
            AddressAttribute::CacheInfo(c) => {
                rec.valid_lft = (c.ifa_valid != FOREVER).then_some(c.ifa_valid);
                rec.preferred_lft = (c.ifa_preferred != FOREVER).then_some(c.ifa_preferred);
            }
            _ => {}
        }
    }
    rec.addr = local.or(address);
    rec.peer = match (local, address) {
        (Some(l), Some(a)) if l != a => Some(a),
        _ => None,
    };
    rec.addr?;
    rec.flags = flag_text(flags, inet6);
    Some(rec)
}

/// IFA_F_* flags in `ip address` order and spelling, comma separated. The secondary bit is
/// `temporary` on IPv6 (privacy addresses), as `ip` prints it; bits with no name print as one
/// hexadecimal number at the end.
pub fn flag_text(flags: u32, inet6: bool) -> String {
    const NAMES: [(u32, &str); 12] = [
        (0x01, "secondary"),
        (0x02, "nodad"),
        (0x04, "optimistic"),
        (0x08, "dadfailed"),
        (0x10, "home"),
        (0x20, "deprecated"),
        (0x40, "tentative"),
        (0x80, "permanent"),
        (0x100, "mngtmpaddr"),
        (0x200, "noprefixroute"),
        (0x400, "autojoin"),
        (0x800, "stable-privacy"),
    ];
    let mut out: Vec<String> = Vec::new();
    let mut rest = flags;
    for (bit, name) in NAMES {
        if flags & bit != 0 {
            out.push(
                if bit == 0x01 && inet6 {
                    "temporary"
                } else {
                    name
                }
                .to_string(),
            );
            rest &= !bit;
        }
    }
    if rest != 0 {
        out.push(format!("{rest:#x}"));
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use netlink_packet_core::{NetlinkDeserializable, NetlinkHeader};

    use super::*;

    /// Decodes the payload of a captured RTM_NEWADDR message (netlink header included).
    fn parse(bytes: &[u8]) -> AddressRecord {
        let mut hdr = NetlinkHeader::default();
        hdr.message_type = u16::from_ne_bytes([bytes[4], bytes[5]]);
        match RouteNetlinkMessage::deserialize(&hdr, &bytes[16..]).expect("decodes") {
            RouteNetlinkMessage::NewAddress(a) => decode(a).expect("an address"),
            other => panic!("not an address: {other:?}"),
        }
    }

    #[test]
    fn flags_follow_ip_spelling() {
        assert_eq!(flag_text(0x80, false), "permanent");
        assert_eq!(flag_text(0x01 | 0x80, false), "secondary,permanent");
        assert_eq!(flag_text(0x01 | 0x100, true), "temporary,mngtmpaddr");
        assert_eq!(
            flag_text(0x02 | 0x40 | 0x800, true),
            "nodad,tentative,stable-privacy"
        );
        assert_eq!(flag_text(0x80 | 0x4000, false), "permanent,0x4000");
        assert_eq!(flag_text(0, false), "");
    }

    #[test]
    fn decodes_a_captured_ipv4_point_to_point_address() {
        // RTM_NEWADDR for `ip addr add 10.9.0.1 peer 10.9.0.2/32 dev va label va:ab`, read from
        // a NETLINK_ROUTE RTM_GETADDR dump on Linux 6.18 (x86_64, native endian).
        let bytes: &[u8] = &CAPTURED_NEWADDR_V4;
        let a = parse(bytes);
        assert_eq!(a.addr, Some("10.9.0.1".parse().unwrap()));
        assert_eq!(a.peer, Some("10.9.0.2".parse().unwrap()));
        assert_eq!(a.prefix_len, 32);
        assert_eq!(a.scope, "global");
        assert_eq!(a.label.as_deref(), Some("va:ab"));
        assert_eq!(a.flags, "permanent");
        assert_eq!(a.valid_lft, None);
        assert_eq!(a.preferred_lft, None);
    }

    #[test]
    fn decodes_a_captured_ipv6_address_with_lifetimes() {
        // RTM_NEWADDR for `ip addr add fd00:2::1/64 dev vx.1 nodad valid_lft 3600
        // preferred_lft 1800`, captured the same way about 108 s after it was added.
        let a = parse(&CAPTURED_NEWADDR_V6);
        assert_eq!(a.addr, Some("fd00:2::1".parse().unwrap()));
        assert_eq!(a.peer, None);
        assert_eq!(a.prefix_len, 64);
        assert_eq!(a.flags, "nodad");
        assert!(a.valid_lft.is_some_and(|v| v <= 3600 && v > 3000), "{a:?}");
        assert!(
            a.preferred_lft.is_some_and(|v| v <= 1800 && v > 1200),
            "{a:?}"
        );
        assert_eq!(a.label, None);
    }

    const CAPTURED_NEWADDR_V4: [u8; 80] = [
        0x50, 0x00, 0x00, 0x00, 0x14, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x36, 0x2e, 0x00,
        0x00, 0x02, 0x20, 0x80, 0x00, 0x05, 0x00, 0x00, 0x00, 0x08, 0x00, 0x01, 0x00, 0x0a, 0x09,
        0x00, 0x02, 0x08, 0x00, 0x02, 0x00, 0x0a, 0x09, 0x00, 0x01, 0x0a, 0x00, 0x03, 0x00, 0x76,
        0x61, 0x3a, 0x61, 0x62, 0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0x00, 0x80, 0x00, 0x00, 0x00,
        0x14, 0x00, 0x06, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xb9, 0xe8, 0x00,
        0x00, 0xb9, 0xe8, 0x00, 0x00,
    ];
    const CAPTURED_NEWADDR_V6: [u8; 72] = [
        0x48, 0x00, 0x00, 0x00, 0x14, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x36, 0x2e, 0x00,
        0x00, 0x0a, 0x40, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0xfd, 0x00,
        0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x14,
        0x00, 0x06, 0x00, 0x9c, 0x06, 0x00, 0x00, 0xa4, 0x0d, 0x00, 0x00, 0x78, 0xe4, 0x00, 0x00,
        0x78, 0xe4, 0x00, 0x00, 0x08, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00,
    ];
}
