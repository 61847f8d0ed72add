//! Network interfaces from an RTM_GETLINK dump (the equivalent of `ip -s link show`).

use std::collections::HashMap;

use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::link::{LinkAttribute, LinkInfo, LinkMessage};
use netlink_sys::protocols::NETLINK_ROUTE;

use super::netlink::{Netlink, take_raw_strings};
use crate::door::source::records::{LinkRecord, LinkStats};
use crate::error::{Error, Result};

/// Size of `struct ifinfomsg`, before a link's attributes.
const IFINFOMSG_LEN: usize = 16;
/// The interface name attribute (bytes chosen by whoever named the link).
const IFLA_IFNAME: u16 = 3;
/// The queueing discipline name attribute.
const IFLA_QDISC: u16 = 6;

/// Dumps every link of the current network namespace (names kept as raw text, see
/// `model::rawtext`, so a name that is not UTF-8 loses no link).
pub fn links() -> Result<Vec<LinkRecord>> {
    let what = "netlink route dump (links)";
    let mut nl = Netlink::open(NETLINK_ROUTE).map_err(|e| Error::kernel(what, e))?;
    let (msgs, _) = nl
        .dump_all_with(
            || RouteNetlinkMessage::GetLink(LinkMessage::default()),
            |payload| take_raw_strings(payload, IFINFOMSG_LEN, &[IFLA_IFNAME, IFLA_QDISC]),
        )
        .map_err(|e| Error::kernel(what, e))?;
    let mut out: Vec<LinkRecord> = msgs
        .into_iter()
        .filter_map(|(m, raw)| match m {
            RouteNetlinkMessage::NewLink(link) => {
                let mut rec = decode(link);
                if let Some(name) = raw.get(IFLA_IFNAME) {
                    rec.name = name;
                }
                if let Some(q) = raw.get(IFLA_QDISC) {
                    rec.qdisc = Some(q);
                }
                Some(rec)
            }
            _ => None,
        })
        .collect();
    out.sort_by_key(|l| l.index);
    Ok(out)
}

/// Interface index to name, from one link dump.
pub(crate) fn link_names() -> Result<HashMap<u32, String>> {
    Ok(links()?.into_iter().map(|l| (l.index, l.name)).collect())
}

/// Names the interface of every record from one link dump: `slot` gives a record's interface
/// index and its name field. A record whose link vanished meanwhile keeps its index and gets
/// no name.
pub(crate) fn resolve_names<T>(
    recs: &mut [T],
    slot: impl Fn(&mut T) -> (u32, &mut Option<String>),
) -> Result<()> {
    let map = link_names()?;
    for r in recs {
        let (index, name) = slot(r);
        *name = map.get(&index).cloned();
    }
    Ok(())
}

/// Turns one RTM_NEWLINK message into a record.
pub(crate) fn decode(msg: LinkMessage) -> LinkRecord {
    let mut rec = LinkRecord {
        index: msg.header.index,
        flags: msg.header.flags.bits(),
        link_type: msg.header.link_layer_type.into(),
        oper_state: "UNKNOWN".to_string(),
        ..LinkRecord::default()
    };
    for attr in msg.attributes {
        match attr {
            LinkAttribute::IfName(n) => rec.name = n,
            LinkAttribute::Mtu(m) => rec.mtu = m,
            LinkAttribute::OperState(s) => rec.oper_state = s.to_string(),
            LinkAttribute::Address(a) => rec.mac = Some(mac_text(&a)),
            LinkAttribute::Broadcast(a) => rec.broadcast = Some(mac_text(&a)),
            LinkAttribute::Controller(i) => rec.master = i,
            LinkAttribute::Link(i) => rec.link = i,
            LinkAttribute::TxQueueLen(q) => rec.txqlen = q,
            LinkAttribute::Qdisc(q) => rec.qdisc = Some(q),
            LinkAttribute::Group(g) => rec.group = g,
            LinkAttribute::Stats64(s) => {
                rec.stats = Some(LinkStats {
                    values: [
                        s.rx_packets,
                        s.tx_packets,
                        s.rx_bytes,
                        s.tx_bytes,
                        s.rx_errors,
                        s.tx_errors,
                        s.rx_dropped,
                        s.tx_dropped,
                        s.multicast,
                        s.collisions,
                        s.rx_length_errors,
                        s.rx_over_errors,
                        s.rx_crc_errors,
                        s.rx_frame_errors,
                        s.rx_fifo_errors,
                        s.rx_missed_errors,
                        s.tx_aborted_errors,
                        s.tx_carrier_errors,
                        s.tx_fifo_errors,
                        s.tx_heartbeat_errors,
                        s.tx_window_errors,
                        s.rx_compressed,
                        s.tx_compressed,
                        s.rx_nohandler,
                        s.rx_otherhost_dropped,
                    ],
                })
            }
            LinkAttribute::LinkInfo(infos) => {
                for info in infos {
                    if let LinkInfo::Kind(k) = info {
                        rec.kind = Some(k.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    rec
}

/// Lowercase colon-separated hex, as `ip` prints hardware addresses.
pub(crate) fn mac_text(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_is_lowercase_hex_with_colons() {
        assert_eq!(mac_text(&[0x02, 0xAB, 0, 1, 2, 0xff]), "02:ab:00:01:02:ff");
        assert_eq!(mac_text(&[]), "");
    }
}
