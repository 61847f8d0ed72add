//! Fuzzing entry points for the kernel and /etc decoders (feature `fuzzing`, used by the
//! cargo-fuzz targets under `fuzz/`): the first input byte chooses the decoder, the rest is
//! its input. Re-exported by [`crate::fuzzing`]; each decoder must return, never panic.

use std::collections::HashMap;

use netlink_packet_core::{NetlinkDeserializable, NetlinkHeader};
use netlink_packet_route::RouteNetlinkMessage;

use super::sock_diag_decode::{Decoder, MessageKind, decode_inet, decode_tcp_info, decode_unix};
use crate::door::source::records::{Family, Proto};

/// The rtnetlink message types the dumps answer with, in selector order.
const RTM_TYPES: [u16; 5] = [
    16, // RTM_NEWLINK
    20, // RTM_NEWADDR
    24, // RTM_NEWROUTE
    32, // RTM_NEWRULE
    28, // RTM_NEWNEIGH
];

/// The inet sock_diag protocols, in selector order.
const INET: [Proto; 4] = [Proto::Tcp, Proto::Udp, Proto::UdpLite, Proto::Raw];

/// Netlink decoders. Selector `data[0] % 13`: 0-4 one rtnetlink payload (no `nlmsghdr`) of
/// a link, address, route, rule or neighbour message through netlink-packet-route and
/// netpry's decoder; 5-8 a whole sock_diag datagram of inet messages (TCP, UDP, UDP-Lite,
/// raw) and 9 of UNIX messages, as received (sequence number 1); 10 a `tcp_info`; 11 one
/// `inet_diag_msg` with attributes; 12 one `unix_diag_msg` with attributes.
pub fn netlink(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    match sel % 13 {
        s @ 0..=4 => {
            let mut hdr = NetlinkHeader::default();
            hdr.message_type = RTM_TYPES[usize::from(s)];
            let names: HashMap<u32, String> =
                HashMap::from([(1, "lo".to_string()), (2, "eth0".to_string())]);
            match RouteNetlinkMessage::deserialize(&hdr, rest) {
                Ok(RouteNetlinkMessage::NewLink(m)) => drop(super::links::decode(m)),
                Ok(RouteNetlinkMessage::NewAddress(m)) => drop(super::addresses::decode(m)),
                Ok(RouteNetlinkMessage::NewRoute(m)) => drop(super::routes::decode(m, &names)),
                Ok(RouteNetlinkMessage::NewRule(m)) => drop(super::rules::decode(m)),
                Ok(RouteNetlinkMessage::NewNeighbour(m)) => drop(super::neighbours::decode(m)),
                _ => {}
            }
        }
        s @ 5..=9 => {
            let kind = match INET.get(usize::from(s - 5)) {
                Some(p) => MessageKind::Inet(*p),
                None => MessageKind::Unix,
            };
            let mut dec = Decoder::default();
            let _ = super::sock_diag_decode::messages(rest, 1, kind, &mut dec, &mut |_| {});
        }
        10 => drop(decode_tcp_info(rest)),
        11 => drop(decode_inet(rest, Proto::Tcp, &mut Decoder::default())),
        _ => drop(decode_unix(rest)),
    }
}

/// A text parser under fuzzing.
type Text = fn(&str);

/// The /proc and /etc text parsers, in selector order (see [`procfs`]).
const TEXT: [Text; 29] = [
    |t| super::proc_net::parse_inet(t, Proto::Tcp, Family::Inet, |_| {}),
    |t| super::proc_net::parse_inet(t, Proto::Tcp, Family::Inet6, |_| {}),
    |t| super::proc_net::parse_inet(t, Proto::Udp, Family::Inet, |_| {}),
    |t| super::proc_net::parse_inet(t, Proto::Udp, Family::Inet6, |_| {}),
    |t| super::proc_net::parse_inet(t, Proto::UdpLite, Family::Inet, |_| {}),
    |t| super::proc_net::parse_inet(t, Proto::Raw, Family::Inet, |_| {}),
    |t| super::proc_net::parse_inet(t, Proto::Raw, Family::Inet6, |_| {}),
    |t| super::proc_net::parse_unix(t, |_| {}),
    |t| drop(super::proc_net::parse_unix_refcounts(t)),
    |t| drop(super::ipv6_route::parse(t)),
    |t| drop(super::if_inet6::parse(t)),
    |t| drop(super::igmp::parse_igmp(t)),
    |t| drop(super::igmp::parse_igmp6(t)),
    |t| drop(super::igmp::parse_dev_mcast(t)),
    |t| drop(super::dev_snmp6::parse(t)),
    |t| drop(super::slab::parse_sockstat(t)),
    |t| {
        let _ = super::slab::parse_active_objects(t, "TCP");
    },
    |t| stats(super::snmp::StatSource::Snmp, t),
    |t| stats(super::snmp::StatSource::Netstat, t),
    |t| stats(super::snmp::StatSource::Snmp6, t),
    |t| stats(super::snmp::StatSource::Sockstat, t),
    |t| stats(super::snmp::StatSource::Sockstat6, t),
    |t| drop(super::netdb::parse_hosts(t)),
    |t| drop(super::netdb::parse_networks(t)),
    |t| drop(super::netdb::parse_protocols(t)),
    |t| drop(super::users::parse_passwd(t)),
    |t| {
        use super::services::{Duplicates, Services};
        drop(Services::parse(t, Duplicates::First));
        drop(Services::parse(t, Duplicates::Last));
    },
    |t| {
        super::rtnames::builtin_protocols().parse(t);
        super::rtnames::builtin_scopes().parse(t);
    },
    |t| {
        let _ = super::processes::status_uid(t);
        let _ = super::processes::ns_inode(t);
        sysctl_name(t);
    },
];

/// /proc and /etc parsers. Selector `data[0] % 31`: 0-28 the text parsers of [`TEXT`] on the
/// rest (as lossy UTF-8, as netpry reads those files): /proc/net/{tcp,tcp6,udp,udp6,udplite,
/// raw,raw6,unix} (rows and UNIX reference counts), ipv6_route, if_inet6, igmp, igmp6,
/// dev_mcast, dev_snmp6/*, sockstat, slabinfo, snmp, netstat, snmp6, sockstat, sockstat6,
/// /etc/hosts, networks, protocols, passwd, services, iproute2/rt_*, and /proc/PID/status,
/// namespace links and sysctl names; 29 /proc/PID/stat and 30 /proc/PID/cmdline as bytes.
pub fn procfs(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    match usize::from(sel) % (TEXT.len() + 2) {
        s if s < TEXT.len() => TEXT[s](&String::from_utf8_lossy(rest)),
        s if s == TEXT.len() => drop(super::processes::parse_stat(rest)),
        _ => drop(super::processes::parse_cmdline(rest)),
    }
}

fn stats(src: super::snmp::StatSource, text: &str) {
    drop(src.parse(text, &mut Vec::new()));
}

/// A sysctl name maps to a path below /proc/sys or to nothing: never `..`, never absolute.
fn sysctl_name(name: &str) {
    if let Some(p) = super::sysctl::sysctl_path(name) {
        use std::path::Component;
        assert!(
            p.components().all(|c| matches!(c, Component::Normal(_))),
            "sysctl name {name:?} leaves /proc/sys: {p:?}"
        );
    }
}
