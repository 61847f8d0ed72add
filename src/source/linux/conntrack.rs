//! Connection tracking: the ctnetlink dump (NETLINK_NETFILTER, `IPCTNL_MSG_CT_GET` with
//! `NLM_F_DUMP`, what `conntrack -L` reads) decoded from its raw attributes, and the per-CPU
//! statistics of `/proc/net/stat/nf_conntrack`. Both are per network namespace. Dumping needs
//! CAP_NET_ADMIN; the caller turns EPERM into a note.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::netlink::{Netlink, attrs};
use crate::door::source::records::{ConntrackRecord, CtCounters, CtTuple, Family};

/// NETLINK_NETFILTER.
const NETLINK_NETFILTER: isize = 12;
/// `NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET`.
const CT_GET: u16 = (1 << 8) | 1;
/// `NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW` (what dump replies are).
const CT_NEW: u16 = 1 << 8;

const CTA_TUPLE_ORIG: u16 = 1;
const CTA_TUPLE_REPLY: u16 = 2;
const CTA_STATUS: u16 = 3;
const CTA_PROTOINFO: u16 = 4;
const CTA_HELP: u16 = 5;
const CTA_TIMEOUT: u16 = 7;
const CTA_MARK: u16 = 8;
const CTA_COUNTERS_ORIG: u16 = 9;
const CTA_COUNTERS_REPLY: u16 = 10;
const CTA_USE: u16 = 11;
const CTA_ID: u16 = 12;
const CTA_ZONE: u16 = 18;
const CTA_TIMESTAMP: u16 = 20;

/// Dumps every conntrack entry of this network namespace (IPv4 and IPv6), in kernel order.
pub fn conntrack() -> io::Result<Vec<ConntrackRecord>> {
    let mut nl = Netlink::open(NETLINK_NETFILTER)?;
    // struct nfgenmsg: family AF_UNSPEC (every family), version NFNETLINK_V0, res_id 0.
    let req = [0u8, 0, 0, 0];
    let mut out = Vec::new();
    nl.dump_raw(CT_GET, &req, |kind, body| {
        if kind == CT_NEW {
            if let Some(rec) = decode(body) {
                out.push(rec);
            }
        }
    })?;
    Ok(out)
}

/// Decodes one `IPCTNL_MSG_CT_NEW` message (nfgenmsg, then attributes); `None` when it is too
/// short or of a family other than IPv4/IPv6.
pub fn decode(body: &[u8]) -> Option<ConntrackRecord> {
    let family = match *body.first()? {
        2 => Family::Inet,
        10 => Family::Inet6,
        _ => return None,
    };
    let mut rec = ConntrackRecord {
        family: Some(family),
        ..ConntrackRecord::default()
    };
    for (kind, v) in attrs(body.get(4..)?) {
        match kind {
            CTA_TUPLE_ORIG => rec.orig = tuple(v, &mut rec.proto),
            CTA_TUPLE_REPLY => rec.reply = tuple(v, &mut 0),
            CTA_STATUS => rec.status = be32(v).unwrap_or(0),
            CTA_PROTOINFO => {
                // CTA_PROTOINFO_TCP { CTA_PROTOINFO_TCP_STATE u8 }
                for (k, tcp) in attrs(v) {
                    if k == 1 {
                        rec.tcp_state = attrs(tcp)
                            .find(|(k, _)| *k == 1)
                            .and_then(|(_, s)| s.first().copied());
                    }
                }
            }
            CTA_HELP => {
                rec.helper = attrs(v).find(|(k, _)| *k == 1).map(|(_, n)| {
                    let n = n.split(|&b| b == 0).next().unwrap_or_default();
                    crate::model::rawtext::encode(n).into_owned()
                });
            }
            CTA_TIMEOUT => rec.timeout = be32(v),
            CTA_MARK => rec.mark = be32(v),
            CTA_COUNTERS_ORIG => rec.orig_counters = counters(v),
            CTA_COUNTERS_REPLY => rec.reply_counters = counters(v),
            CTA_USE => rec.use_count = be32(v),
            CTA_ID => rec.id = be32(v),
            CTA_ZONE => rec.zone = be16(v),
            CTA_TIMESTAMP => {
                rec.start_ns = attrs(v).find(|(k, _)| *k == 1).and_then(|(_, t)| be64(t));
            }
            _ => {}
        }
    }
    Some(rec)
}

/// A CTA_TUPLE_* nest: CTA_TUPLE_IP { addresses } and CTA_TUPLE_PROTO { number, ports, ICMP }.
fn tuple(v: &[u8], proto: &mut u8) -> CtTuple {
    let mut t = CtTuple::default();
    for (kind, inner) in attrs(v) {
        match kind {
            1 => {
                for (k, a) in attrs(inner) {
                    match k {
                        1 => t.src = ipv4(a),
                        2 => t.dst = ipv4(a),
                        3 => t.src = ipv6(a),
                        4 => t.dst = ipv6(a),
                        _ => {}
                    }
                }
            }
            2 => {
                for (k, p) in attrs(inner) {
                    match k {
                        1 => *proto = p.first().copied().unwrap_or(0),
                        2 => t.sport = be16(p),
                        3 => t.dport = be16(p),
                        4 | 7 => t.icmp_id = be16(p),
                        5 | 8 => t.icmp_type = p.first().copied(),
                        6 | 9 => t.icmp_code = p.first().copied(),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    t
}

fn counters(v: &[u8]) -> Option<CtCounters> {
    let mut c = CtCounters::default();
    let mut any = false;
    for (k, n) in attrs(v) {
        match k {
            1 => c.packets = be64(n).or_else(|| be32(n).map(u64::from))?,
            2 => c.bytes = be64(n).or_else(|| be32(n).map(u64::from))?,
            _ => continue,
        }
        any = true;
    }
    any.then_some(c)
}

fn be16(v: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes(v.get(..2)?.try_into().ok()?))
}

fn be32(v: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(v.get(..4)?.try_into().ok()?))
}

fn be64(v: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(v.get(..8)?.try_into().ok()?))
}

fn ipv4(v: &[u8]) -> Option<IpAddr> {
    let b: [u8; 4] = v.get(..4)?.try_into().ok()?;
    Some(IpAddr::V4(Ipv4Addr::from(b)))
}

fn ipv6(v: &[u8]) -> Option<IpAddr> {
    let b: [u8; 16] = v.get(..16)?.try_into().ok()?;
    Some(IpAddr::V6(Ipv6Addr::from(b)))
}

/// The per-CPU counters of `/proc/net/stat/nf_conntrack`: the header's names and one row of
/// values per CPU (hexadecimal in the file). `None` when conntrack is not in this kernel.
pub fn cpu_stats() -> Option<(Vec<String>, Vec<Vec<u64>>)> {
    parse_cpu_stats(&super::read_raw("/proc/net/stat/nf_conntrack").ok()?)
}

/// Parses the text of `/proc/net/stat/nf_conntrack`.
pub fn parse_cpu_stats(text: &str) -> Option<(Vec<String>, Vec<Vec<u64>>)> {
    let mut lines = text.lines();
    let names: Vec<String> = lines
        .next()?
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let rows = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split_whitespace()
                .map(|h| u64::from_str_radix(h, 16).unwrap_or(0))
                .collect::<Vec<u64>>()
        })
        .filter(|r| r.len() == names.len())
        .collect();
    Some((names, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds one attribute.
    fn nla(kind: u16, value: &[u8]) -> Vec<u8> {
        let len = 4 + value.len();
        let mut v = (len as u16).to_ne_bytes().to_vec();
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(value);
        v.resize((len + 3) & !3, 0);
        v
    }

    fn tuple4(src: [u8; 4], dst: [u8; 4], sp: u16, dp: u16) -> Vec<u8> {
        let ip = [nla(1, &src), nla(2, &dst)].concat();
        let proto = [
            nla(1, &[6]),
            nla(2, &sp.to_be_bytes()),
            nla(3, &dp.to_be_bytes()),
        ]
        .concat();
        [nla(1 | 0x8000, &ip), nla(2 | 0x8000, &proto)].concat()
    }

    #[test]
    fn decodes_a_dnat_tcp_entry() {
        let mut body = vec![2, 0, 0, 0];
        body.extend(nla(
            1 | 0x8000,
            &tuple4([10, 0, 0, 1], [10, 0, 0, 2], 40000, 80),
        ));
        body.extend(nla(
            2 | 0x8000,
            &tuple4([10, 1, 0, 9], [10, 0, 0, 1], 8080, 40000),
        ));
        body.extend(nla(3, &0x1aeu32.to_be_bytes()));
        body.extend(nla(7, &120u32.to_be_bytes()));
        body.extend(nla(8, &7u32.to_be_bytes()));
        body.extend(nla(4 | 0x8000, &nla(1 | 0x8000, &nla(1, &[3]))));
        body.extend(nla(
            9 | 0x8000,
            &[nla(1, &5u64.to_be_bytes()), nla(2, &300u64.to_be_bytes())].concat(),
        ));
        body.extend(nla(12, &99u32.to_be_bytes()));
        let r = decode(&body).expect("record");
        assert_eq!(r.family, Some(Family::Inet));
        assert_eq!(r.proto, 6);
        assert_eq!(r.tcp_state, Some(3));
        assert_eq!(r.orig.dport, Some(80));
        assert_eq!(r.reply.src, Some("10.1.0.9".parse().unwrap()));
        assert_eq!(r.status, 0x1ae);
        assert_eq!((r.timeout, r.mark, r.id), (Some(120), Some(7), Some(99)));
        assert_eq!(
            r.orig_counters,
            Some(CtCounters {
                packets: 5,
                bytes: 300
            })
        );
        assert_eq!(r.reply_counters, None);
    }

    #[test]
    fn damaged_messages_never_panic() {
        let mut body = vec![2, 0, 0, 0];
        body.extend(nla(1 | 0x8000, &tuple4([1, 2, 3, 4], [5, 6, 7, 8], 1, 2)));
        crate::mutate::each_variant(&[&body], 2000, 7, |b| drop(decode(b)));
        assert_eq!(decode(&[7, 0, 0, 0]), None);
        assert_eq!(decode(&[]), None);
    }

    #[test]
    fn cpu_stats_are_hexadecimal() {
        let text = "entries  found drop\n00000002  0000000a 00000000\n00000002 00000001 00000010\n";
        let (names, rows) = parse_cpu_stats(text).unwrap();
        assert_eq!(names, ["entries", "found", "drop"]);
        assert_eq!(rows, [vec![2, 10, 0], vec![2, 1, 16]]);
    }
}
