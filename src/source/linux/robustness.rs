//! Every parser of kernel and /etc input, fed damaged variants of real input
//! ([`crate::mutate`]): netlink messages from this machine's own dumps (links, addresses,
//! routes, rules, neighbours) and captured sock_diag dumps, /proc files, /etc files. Each must
//! return (a record, nothing, or an error); none may panic.

use netlink_packet_core::{NetlinkDeserializable, NetlinkHeader, NetlinkSerializable};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::address::AddressMessage;
use netlink_packet_route::link::LinkMessage;
use netlink_packet_route::neighbour::NeighbourMessage;
use netlink_packet_route::route::RouteMessage;
use netlink_packet_route::rule::RuleMessage;
use netlink_sys::protocols::NETLINK_ROUTE;

use super::netlink::Netlink;
use super::sock_diag_decode::{Decoder, MessageKind, decode_tcp_info, messages};
use crate::door::source::records::{Family, Proto};
use crate::mutate::each_variant;

const ROUNDS: usize = 1000;

/// A parser of a text file, its result dropped.
type TextParser = fn(&str);

/// The payloads of every message of this machine's rtnetlink dumps, serialized again.
fn live_route_messages() -> Vec<(u16, Vec<u8>)> {
    let mut nl = Netlink::open(NETLINK_ROUTE).expect("netlink socket");
    let reqs: [fn() -> RouteNetlinkMessage; 5] = [
        || RouteNetlinkMessage::GetLink(LinkMessage::default()),
        || RouteNetlinkMessage::GetAddress(AddressMessage::default()),
        || RouteNetlinkMessage::GetRoute(RouteMessage::default()),
        || RouteNetlinkMessage::GetRule(RuleMessage::default()),
        || RouteNetlinkMessage::GetNeighbour(NeighbourMessage::default()),
    ];
    let mut out = Vec::new();
    for req in reqs {
        let (msgs, _) = nl.dump_all(req).expect("dump");
        for m in msgs {
            let mut buf = vec![0; m.buffer_len()];
            m.serialize(&mut buf);
            out.push((m.message_type(), buf));
        }
    }
    out
}

#[test]
fn rtnetlink_decoders_survive_damaged_messages() {
    let msgs = live_route_messages();
    assert!(msgs.len() >= 5, "{} messages", msgs.len());
    let names = std::collections::HashMap::new();
    for (i, (kind, payload)) in msgs.iter().enumerate() {
        let mut hdr = NetlinkHeader::default();
        hdr.message_type = *kind;
        each_variant(&[payload], ROUNDS, i as u64 + 1, |bytes| {
            match RouteNetlinkMessage::deserialize(&hdr, bytes) {
                Ok(RouteNetlinkMessage::NewLink(m)) => drop(super::links::decode(m)),
                Ok(RouteNetlinkMessage::NewAddress(m)) => drop(super::addresses::decode(m)),
                Ok(RouteNetlinkMessage::NewRoute(m)) => drop(super::routes::decode(m, &names)),
                Ok(RouteNetlinkMessage::NewRule(m)) => drop(super::rules::decode(m)),
                Ok(RouteNetlinkMessage::NewNeighbour(m)) => drop(super::neighbours::decode(m)),
                _ => {}
            }
        });
    }
}

#[test]
fn sock_diag_decoders_survive_damaged_dumps() {
    let dumps: [(&[u8], MessageKind); 8] = [
        (
            include_bytes!("../../../tests/fixtures/sock_diag/tcp4.bin"),
            MessageKind::Inet(Proto::Tcp),
        ),
        (
            include_bytes!("../../../tests/fixtures/sock_diag/tcp4_info.bin"),
            MessageKind::Inet(Proto::Tcp),
        ),
        (
            include_bytes!("../../../tests/fixtures/sock_diag/tcp6.bin"),
            MessageKind::Inet(Proto::Tcp),
        ),
        (
            include_bytes!("../../../tests/fixtures/sock_diag/udp4.bin"),
            MessageKind::Inet(Proto::Udp),
        ),
        (
            include_bytes!("../../../tests/fixtures/sock_diag/udp6.bin"),
            MessageKind::Inet(Proto::Udp),
        ),
        (
            include_bytes!("../../../tests/fixtures/sock_diag/udplite4.bin"),
            MessageKind::Inet(Proto::UdpLite),
        ),
        (
            include_bytes!("../../../tests/fixtures/sock_diag/raw4.bin"),
            MessageKind::Inet(Proto::Raw),
        ),
        (
            include_bytes!("../../../tests/fixtures/sock_diag/unix.bin"),
            MessageKind::Unix,
        ),
    ];
    for (i, (dump, kind)) in dumps.into_iter().enumerate() {
        each_variant(&[dump], ROUNDS * 3, 100 + i as u64, |bytes| {
            let mut dec = Decoder::default();
            let _ = messages(bytes, 1, kind, &mut dec, &mut |_| {});
            // The tcp_info payload alone, at any length.
            let _ = decode_tcp_info(bytes.get(36..).unwrap_or_default());
        });
    }
}

/// A file's bytes, or nothing where it does not exist here.
fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

#[test]
fn proc_and_etc_parsers_survive_damaged_text() {
    let fixture = |f: &str| {
        read(&format!(
            "{}/tests/fixtures/sock_diag/{f}",
            env!("CARGO_MANIFEST_DIR")
        ))
    };
    let inet: Vec<(Vec<u8>, Proto, Family)> = vec![
        (fixture("proc_tcp.txt"), Proto::Tcp, Family::Inet),
        (fixture("proc_tcp6.txt"), Proto::Tcp, Family::Inet6),
        (fixture("proc_udp.txt"), Proto::Udp, Family::Inet),
        (fixture("proc_udp6.txt"), Proto::Udp, Family::Inet6),
        (fixture("proc_raw.txt"), Proto::Raw, Family::Inet),
        (read("/proc/net/tcp"), Proto::Tcp, Family::Inet),
    ];
    for (i, (text, proto, family)) in inet.iter().enumerate() {
        each_variant(&[text], ROUNDS, 200 + i as u64, |b| {
            super::proc_net::parse_inet(&String::from_utf8_lossy(b), *proto, *family, |_| {});
        });
    }
    let unix = [fixture("proc_unix.txt"), read("/proc/net/unix")];
    each_variant(&[&unix[0], &unix[1]], ROUNDS, 300, |b| {
        super::proc_net::parse_unix(&String::from_utf8_lossy(b), |_| {});
    });
    let text_parsers: Vec<(Vec<u8>, TextParser)> = vec![
        (read("/proc/net/ipv6_route"), |t| {
            drop(super::ipv6_route::parse(t))
        }),
        (read("/proc/net/if_inet6"), |t| {
            drop(super::if_inet6::parse(t))
        }),
        (read("/proc/net/igmp"), |t| drop(super::igmp::parse_igmp(t))),
        (read("/proc/net/igmp6"), |t| {
            drop(super::igmp::parse_igmp6(t))
        }),
        (read("/proc/net/dev_mcast"), |t| {
            drop(super::igmp::parse_dev_mcast(t))
        }),
        (read("/proc/net/dev_snmp6/lo"), |t| {
            drop(super::dev_snmp6::parse(t))
        }),
        (read("/proc/net/sockstat"), |t| {
            drop(super::slab::parse_sockstat(t))
        }),
        (read("/proc/slabinfo"), |t| {
            let _ = super::slab::parse_active_objects(t, "TCP");
        }),
        (read("/etc/hosts"), |t| drop(super::netdb::parse_hosts(t))),
        (read("/etc/networks"), |t| {
            drop(super::netdb::parse_networks(t))
        }),
        (read("/etc/protocols"), |t| {
            drop(super::netdb::parse_protocols(t))
        }),
        (read("/etc/passwd"), |t| drop(super::users::parse_passwd(t))),
        (read("/etc/services"), |t| {
            drop(super::services::Services::parse(
                t,
                super::services::Duplicates::First,
            ))
        }),
        (read("/etc/iproute2/rt_tables"), |t| {
            super::rtnames::builtin_protocols().parse(t)
        }),
    ];
    for (i, (text, parse)) in text_parsers.iter().enumerate() {
        // /etc/services is long: a few rounds are enough.
        let rounds = if text.len() > 100_000 { 20 } else { ROUNDS };
        each_variant(&[text], rounds, 400 + i as u64, |b| {
            parse(&String::from_utf8_lossy(b))
        });
    }
    use super::snmp::StatSource;
    for (i, src) in [
        StatSource::Snmp,
        StatSource::Netstat,
        StatSource::Snmp6,
        StatSource::Sockstat,
        StatSource::Sockstat6,
    ]
    .into_iter()
    .enumerate()
    {
        each_variant(&[&read(src.path())], ROUNDS, 500 + i as u64, |b| {
            drop(src.parse(&String::from_utf8_lossy(b), &mut Vec::new()));
        });
    }
    let stat = read("/proc/self/stat");
    let cmdline = read("/proc/self/cmdline");
    each_variant(&[&stat, &cmdline], ROUNDS, 600, |b| {
        drop(super::processes::parse_stat(b));
        drop(super::processes::parse_cmdline(b));
    });
}
