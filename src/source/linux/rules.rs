//! Policy routing rules from RTM_GETRULE dumps, IPv4 then IPv6 (the equivalent of `ip rule
//! show` and `ip -6 rule show`), in the kernel's order, which is priority order.
//!
//! The table of a `lookup` rule comes from FRA_TABLE when present (the header's 8-bit field
//! says 252 for ids above 255). Names (actions, protocols) follow `ip`.

use netlink_packet_core::{DefaultNla, NLA_TYPE_MASK, Nla};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::rule::{RuleAction, RuleAttribute, RuleFlags, RuleMessage};
use netlink_sys::protocols::NETLINK_ROUTE;

use super::netlink::{Netlink, take_raw_strings};
use super::rtnames::protocol_name;
use crate::door::source::records::{Family, RuleRecord};
use crate::error::{Error, Result};

/// Size of `struct fib_rule_hdr`, before a rule's attributes.
const FIB_RULE_HDR_LEN: usize = 12;
/// The input device name attribute.
const FRA_IIFNAME: u16 = 3;
/// The output device name attribute.
const FRA_OIFNAME: u16 = 17;

/// Dumps the policy rules of IPv4, then IPv6, each in priority order. One dump of every
/// family: asking for IPv6 alone fails (EAFNOSUPPORT) where IPv6 is disabled, which must not
/// cost the IPv4 rules.
pub fn rules() -> Result<Vec<RuleRecord>> {
    let what = "netlink route dump (rules)";
    let mut nl = Netlink::open(NETLINK_ROUTE).map_err(|e| Error::kernel(what, e))?;
    let (msgs, _) = nl
        .dump_all_with(
            || RouteNetlinkMessage::GetRule(RuleMessage::default()),
            |payload| take_raw_strings(payload, FIB_RULE_HDR_LEN, &[FRA_IIFNAME, FRA_OIFNAME]),
        )
        .map_err(|e| Error::kernel(what, e))?;
    let mut out: Vec<RuleRecord> = msgs
        .into_iter()
        .filter_map(|(m, raw)| match m {
            RouteNetlinkMessage::NewRule(r) => decode(r).map(|mut rec| {
                rec.iif = raw.get(FRA_IIFNAME).or(rec.iif);
                rec.oif = raw.get(FRA_OIFNAME).or(rec.oif);
                rec
            }),
            _ => None,
        })
        .collect();
    // Stable: the kernel's order within each family is kept.
    out.sort_by_key(|r| r.family != Some(Family::Inet));
    Ok(out)
}

/// `ip`'s word for a rule action.
fn action_name(a: RuleAction) -> String {
    match a {
        RuleAction::ToTable => "lookup".into(),
        RuleAction::Goto => "goto".into(),
        RuleAction::Nop => "nop".into(),
        RuleAction::Blackhole => "blackhole".into(),
        RuleAction::Unreachable => "unreachable".into(),
        RuleAction::Prohibit => "prohibit".into(),
        other => u8::from(other).to_string(),
    }
}

/// Turns one RTM_NEWRULE message into a record; `None` for families other than IPv4/IPv6
/// (the multicast routing families share the message type).
pub(crate) fn decode(msg: RuleMessage) -> Option<RuleRecord> {
    let h = &msg.header;
    let family = match u8::from(h.family) {
        2 => Family::Inet,
        10 => Family::Inet6,
        _ => return None,
    };
    let mut rec = RuleRecord {
        family: Some(family),
        invert: h.flags.contains(RuleFlags::Invert),
        src_len: h.src_len,
        dst_len: h.dst_len,
        tos: h.tos,
        iif_detached: h.flags.contains(RuleFlags::IifDetached),
        oif_detached: h.flags.contains(RuleFlags::OifDetached),
        unresolved: h.flags.contains(RuleFlags::Unresolved),
        action: action_name(h.action),
        protocol: protocol_name(0),
        ..RuleRecord::default()
    };
    let mut table = u32::from(h.table);
    let mut realm = None;
    for attr in msg.attributes {
        match attr {
            RuleAttribute::Priority(p) => rec.priority = p,
            RuleAttribute::Source(a) => rec.src = Some(a),
            RuleAttribute::Destination(a) => rec.dst = Some(a),
            RuleAttribute::Iifname(n) => rec.iif = Some(n),
            RuleAttribute::Oifname(n) => rec.oif = Some(n),
            RuleAttribute::FwMark(m) => rec.fwmark = Some(m),
            RuleAttribute::FwMask(m) => rec.fwmask = Some(m),
            RuleAttribute::Table(t) => table = t,
            RuleAttribute::Goto(g) => rec.goto = Some(g),
            // The kernel reports "unset" as -1.
            RuleAttribute::SuppressPrefixLen(n) => {
                rec.suppress_prefixlen = (n != u32::MAX).then_some(n);
            }
            RuleAttribute::SuppressIfGroup(n) => {
                rec.suppress_ifgroup = (n != u32::MAX).then_some(n);
            }
            RuleAttribute::L3MDev(on) => rec.l3mdev = on,
            RuleAttribute::UidRange(r) => rec.uid_range = Some((r.start, r.end)),
            RuleAttribute::IpProtocol(p) => rec.ipproto = Some(u8::from(p)),
            RuleAttribute::SourcePortRange(r) => rec.sport = Some((r.start, r.end)),
            RuleAttribute::DestinationPortRange(r) => rec.dport = Some((r.start, r.end)),
            RuleAttribute::TunId(t) => rec.tun_id = Some(t),
            RuleAttribute::Realm(r) => realm = Some((r.source, r.destination)),
            RuleAttribute::Protocol(p) => rec.protocol = protocol_name(p.into()),
            RuleAttribute::Other(nla) => newer_selector(&mut rec, &nla),
            _ => {}
        }
    }
    // A mark without a mask matches all 32 bits.
    if rec.fwmark.is_some() && rec.fwmask.is_none() {
        rec.fwmask = Some(u32::MAX);
    }
    rec.realms = realm.map(|(from, to)| {
        if from == 0 {
            to.to_string()
        } else {
            format!("{from}/{to}")
        }
    });
    rec.table = (h.action == RuleAction::ToTable && !rec.l3mdev && table != 0).then_some(table);
    Some(rec)
}

/// FRA_* selectors newer than netlink-packet-route knows (Linux 6.13 and later).
const FRA_DSCP: u16 = 25;
const FRA_FLOWLABEL: u16 = 26;
const FRA_FLOWLABEL_MASK: u16 = 27;
const FRA_DSCP_MASK: u16 = 30;

/// Reads a selector attribute the library leaves undecoded; others are ignored.
fn newer_selector(rec: &mut RuleRecord, nla: &DefaultNla) {
    let mut v = vec![0; nla.value_len()];
    nla.emit_value(&mut v);
    let be32 = |v: &[u8]| <[u8; 4]>::try_from(v).ok().map(u32::from_be_bytes);
    match (nla.kind() & NLA_TYPE_MASK, v.as_slice()) {
        (FRA_DSCP, [d]) => rec.dscp = Some(*d),
        (FRA_DSCP_MASK, [m]) => rec.dscp_mask = Some(*m),
        (FRA_FLOWLABEL, v) => rec.flowlabel = be32(v),
        (FRA_FLOWLABEL_MASK, v) => rec.flowlabel_mask = be32(v),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_core::{NetlinkDeserializable, NetlinkHeader};
    use netlink_packet_route::AddressFamily;

    /// Decodes one captured RTM_NEWRULE message (netlink header included).
    fn rule_of(bytes: &[u8]) -> RuleRecord {
        let mut hdr = NetlinkHeader::default();
        hdr.message_type = u16::from_ne_bytes([bytes[4], bytes[5]]);
        match RouteNetlinkMessage::deserialize(&hdr, &bytes[16..]).expect("decodes") {
            RouteNetlinkMessage::NewRule(r) => decode(r).expect("a rule"),
            other => panic!("not a rule: {other:?}"),
        }
    }

    #[test]
    fn builds_from_a_message() {
        let mut msg = RuleMessage::default();
        msg.header.family = AddressFamily::Inet;
        msg.header.dst_len = 16;
        msg.header.table = 252;
        msg.header.action = RuleAction::ToTable;
        msg.header.flags = RuleFlags::Invert;
        msg.attributes = vec![
            RuleAttribute::Priority(100),
            RuleAttribute::Destination("10.70.0.0".parse().unwrap()),
            RuleAttribute::Table(1000),
            RuleAttribute::FwMark(5),
            RuleAttribute::SuppressPrefixLen(u32::MAX),
            RuleAttribute::SuppressIfGroup(u32::MAX),
        ];
        let r = decode(msg).unwrap();
        assert_eq!(r.priority, 100);
        assert!(r.invert);
        assert_eq!(r.dst, Some("10.70.0.0".parse().unwrap()));
        assert_eq!((r.dst_len, r.src_len, r.src), (16, 0, None));
        assert_eq!(r.table, Some(1000));
        assert_eq!(r.action, "lookup");
        assert_eq!((r.fwmark, r.fwmask), (Some(5), Some(u32::MAX)));
        assert_eq!((r.suppress_prefixlen, r.suppress_ifgroup), (None, None));
        assert_eq!(r.protocol, "unspec");
    }

    #[test]
    fn newer_selectors_from_raw_attributes() {
        let mut msg = RuleMessage::default();
        msg.header.family = AddressFamily::Inet6;
        msg.header.action = RuleAction::ToTable;
        msg.attributes = vec![
            RuleAttribute::Other(DefaultNla::new(FRA_DSCP, vec![10])),
            RuleAttribute::Other(DefaultNla::new(FRA_DSCP_MASK, vec![0x3c])),
            RuleAttribute::Other(DefaultNla::new(FRA_FLOWLABEL, vec![0, 1, 0x23, 0x45])),
            RuleAttribute::Other(DefaultNla::new(
                FRA_FLOWLABEL_MASK,
                vec![0, 0x0f, 0xff, 0xff],
            )),
            RuleAttribute::Other(DefaultNla::new(99, vec![1, 2, 3])),
        ];
        let r = decode(msg.clone()).unwrap();
        assert_eq!((r.dscp, r.dscp_mask), (Some(10), Some(0x3c)));
        assert_eq!(
            (r.flowlabel, r.flowlabel_mask),
            (Some(0x12345), Some(0xfffff))
        );
        // A malformed (short) flow label leaves the selector unread rather than wrong.
        msg.attributes = vec![RuleAttribute::Other(DefaultNla::new(
            FRA_FLOWLABEL,
            vec![1],
        ))];
        assert_eq!(decode(msg).unwrap().flowlabel, None);
    }

    #[test]
    fn other_families_and_actions() {
        let mut msg = RuleMessage::default();
        msg.header.family = AddressFamily::from(128);
        assert_eq!(decode(msg.clone()), None);
        msg.header.family = AddressFamily::Inet6;
        msg.header.action = RuleAction::Prohibit;
        msg.header.table = 254;
        let r = decode(msg.clone()).unwrap();
        assert_eq!((r.action.as_str(), r.table), ("prohibit", None));
        msg.header.action = RuleAction::Other(42);
        assert_eq!(decode(msg).unwrap().action, "42");
    }

    #[test]
    fn decodes_bytes_from_this_kernel() {
        // `ip rule add not to 10.80.0.0/16 uidrange 100-200 ipproto tcp dport 80-90 sport
        // 1000 table main suppress_prefixlength 0 suppress_ifgroup 5 fwmark 0x5/0xff iif lo
        // realms 3/7 pref 310`, as the kernel dumps it.
        let r = rule_of(&CAPTURED);
        assert_eq!(r.family, Some(Family::Inet));
        assert_eq!(r.priority, 310);
        assert!(r.invert);
        assert_eq!(r.dst, Some("10.80.0.0".parse().unwrap()));
        assert_eq!(r.dst_len, 16);
        assert_eq!(r.uid_range, Some((100, 200)));
        assert_eq!(r.ipproto, Some(6));
        assert_eq!(r.sport, Some((1000, 1000)));
        assert_eq!(r.dport, Some((80, 90)));
        assert_eq!(r.table, Some(254));
        assert_eq!(r.suppress_prefixlen, Some(0));
        assert_eq!(r.suppress_ifgroup, Some(5));
        assert_eq!((r.fwmark, r.fwmask), (Some(5), Some(0xff)));
        assert_eq!(r.iif.as_deref(), Some("lo"));
        assert_eq!(r.realms.as_deref(), Some("3/7"));
        assert_eq!(r.action, "lookup");
    }

    const CAPTURED: [u8; 152] = [
        0x98, 0x00, 0x00, 0x00, 0x20, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x5e, 0x3f, 0x00,
        0x00, 0x02, 0x10, 0x00, 0x00, 0xfe, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x08, 0x00,
        0x0f, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x08, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
        0x00, 0x15, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x03, 0x00, 0x6c, 0x6f, 0x00, 0x00,
        0x08, 0x00, 0x06, 0x00, 0x36, 0x01, 0x00, 0x00, 0x08, 0x00, 0x0a, 0x00, 0x05, 0x00, 0x00,
        0x00, 0x08, 0x00, 0x10, 0x00, 0xff, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x14, 0x00, 0x64, 0x00,
        0x00, 0x00, 0xc8, 0x00, 0x00, 0x00, 0x08, 0x00, 0x17, 0x00, 0xe8, 0x03, 0xe8, 0x03, 0x06,
        0x00, 0x1c, 0x00, 0xff, 0xff, 0x00, 0x00, 0x08, 0x00, 0x18, 0x00, 0x50, 0x00, 0x5a, 0x00,
        0x05, 0x00, 0x16, 0x00, 0x06, 0x00, 0x00, 0x00, 0x08, 0x00, 0x0d, 0x00, 0x05, 0x00, 0x00,
        0x00, 0x08, 0x00, 0x01, 0x00, 0x0a, 0x50, 0x00, 0x00, 0x08, 0x00, 0x0b, 0x00, 0x07, 0x00,
        0x03, 0x00,
    ];
}
