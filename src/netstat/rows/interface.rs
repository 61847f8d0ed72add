//! Interface rows (the `interfaces` table) and interface address rows (the `addresses`
//! table), as both netstat front ends read them.

use std::net::IpAddr;

use crate::model::{Cols, Table};

/// IFF_UP.
pub const IFF_UP: u32 = 1;
/// IFF_BROADCAST.
pub const IFF_BROADCAST: u32 = 1 << 1;
/// IFF_LOOPBACK.
pub const IFF_LOOPBACK: u32 = 1 << 3;
/// IFF_POINTOPOINT.
pub const IFF_POINTOPOINT: u32 = 1 << 4;
/// IFF_NOARP.
pub const IFF_NOARP: u32 = 1 << 7;

/// One interface (a row of `interfaces`). Numbers a table lacks read as 0, texts as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Iface {
    /// ifindex.
    pub index: u32,
    /// Name (raw text).
    pub name: String,
    /// MTU.
    pub mtu: u64,
    /// IFF_* flags.
    pub flags: u32,
    /// Hardware address text (`aa:bb:..`); `None` when the table has none.
    pub mac: Option<String>,
    /// Link type (`ether`, `loopback`, `none`, ...).
    pub link_type: String,
    /// Transmit queue length.
    pub txqlen: u64,
    /// The link's counters.
    pub counters: IfaceCounters,
}

/// An interface's counters (IFLA_STATS64, as the `interfaces` table names them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IfaceCounters {
    /// Packets received.
    pub rx_packets: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Receive errors.
    pub rx_errors: u64,
    /// Transmit errors.
    pub tx_errors: u64,
    /// Receive drops.
    pub rx_dropped: u64,
    /// Transmit drops.
    pub tx_dropped: u64,
    /// Collisions.
    pub collisions: u64,
    /// Receive length errors.
    pub rx_length_errors: u64,
    /// Receive ring overruns.
    pub rx_over_errors: u64,
    /// Receive CRC errors.
    pub rx_crc_errors: u64,
    /// Receive frame alignment errors.
    pub rx_frame_errors: u64,
    /// Receive FIFO errors.
    pub rx_fifo_errors: u64,
    /// Packets missed by the receiver.
    pub rx_missed_errors: u64,
    /// Transmit FIFO errors.
    pub tx_fifo_errors: u64,
    /// Carrier errors.
    pub tx_carrier_errors: u64,
    /// Aborted transmissions.
    pub tx_aborted_errors: u64,
    /// Heartbeat errors.
    pub tx_heartbeat_errors: u64,
    /// Late collisions (window errors).
    pub tx_window_errors: u64,
    /// Compressed packets received.
    pub rx_compressed: u64,
    /// Compressed packets sent.
    pub tx_compressed: u64,
}

impl Iface {
    /// Whether this is a loopback device.
    pub fn is_loopback(&self) -> bool {
        self.flags & IFF_LOOPBACK != 0 || self.link_type == "loopback"
    }

    /// Whether the device resolves neighbours (ARP/ND): not NOARP, point-to-point or loopback.
    pub fn resolves_neighbours(&self) -> bool {
        self.flags & (IFF_NOARP | IFF_POINTOPOINT | IFF_LOOPBACK) == 0 && !self.is_loopback()
    }

    /// The hardware address text, empty when there is none.
    pub fn mac_text(&self) -> &str {
        self.mac.as_deref().unwrap_or("")
    }
}

/// The `interfaces` columns [`interfaces`] reads: 7 of the link, then the counters in
/// [`IfaceCounters`]' order.
pub const IFACE_COLUMNS: [&str; 29] = [
    "index",
    "name",
    "mtu",
    "flags_raw",
    "mac",
    "link_type",
    "txqlen",
    "rx_packets",
    "tx_packets",
    "rx_bytes",
    "tx_bytes",
    "rx_errors",
    "tx_errors",
    "rx_dropped",
    "tx_dropped",
    "collisions",
    "rx_length_errors",
    "rx_over_errors",
    "rx_crc_errors",
    "rx_frame_errors",
    "rx_fifo_errors",
    "rx_missed_errors",
    "tx_fifo_errors",
    "tx_carrier_errors",
    "tx_aborted_errors",
    "tx_heartbeat_errors",
    "tx_window_errors",
    "rx_compressed",
    "tx_compressed",
];

/// The interfaces of an `interfaces` table, in its order; out-of-range cells (read as 0)
/// are added to `problems`.
pub fn interfaces(t: &Table, problems: &mut Vec<String>) -> Vec<Iface> {
    let c = Cols::new(t, &IFACE_COLUMNS);
    let out = (0..c.len())
        .map(|r| {
            let n = |i: usize| c.u64(r, 7 + i).unwrap_or(0);
            Iface {
                index: c.u32(r, 0).unwrap_or(0),
                name: c.text_raw(r, 1).unwrap_or_default(),
                mtu: c.u64(r, 2).unwrap_or(0),
                flags: c.u32(r, 3).unwrap_or(0),
                mac: c.text_raw(r, 4),
                link_type: c.text_raw(r, 5).unwrap_or_default(),
                txqlen: c.u64(r, 6).unwrap_or(0),
                counters: IfaceCounters {
                    rx_packets: n(0),
                    tx_packets: n(1),
                    rx_bytes: n(2),
                    tx_bytes: n(3),
                    rx_errors: n(4),
                    tx_errors: n(5),
                    rx_dropped: n(6),
                    tx_dropped: n(7),
                    collisions: n(8),
                    rx_length_errors: n(9),
                    rx_over_errors: n(10),
                    rx_crc_errors: n(11),
                    rx_frame_errors: n(12),
                    rx_fifo_errors: n(13),
                    rx_missed_errors: n(14),
                    tx_fifo_errors: n(15),
                    tx_carrier_errors: n(16),
                    tx_aborted_errors: n(17),
                    tx_heartbeat_errors: n(18),
                    tx_window_errors: n(19),
                    rx_compressed: n(20),
                    tx_compressed: n(21),
                },
            }
        })
        .collect();
    problems.extend(c.take_problems());
    out
}

/// One interface address (a row of `addresses`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addr {
    /// ifindex.
    pub ifindex: u32,
    /// The address.
    pub addr: IpAddr,
    /// Prefix length (0 when unset or out of range for the address's family).
    pub prefix_len: u8,
    /// Whether the `family` column says IPv6 (`None` when it says neither).
    pub family_v6: Option<bool>,
    /// The IPv4 label (raw text), if any.
    pub label: Option<String>,
    /// The broadcast address, if any.
    pub broadcast: Option<IpAddr>,
    /// The peer of a point-to-point address, if any.
    pub peer: Option<IpAddr>,
}

impl Addr {
    /// Whether this is an IPv6 address: as the `family` column says, else as the address is.
    pub fn is_v6(&self) -> bool {
        self.family_v6.unwrap_or(self.addr.is_ipv6())
    }
}

/// The addresses of an `addresses` table, in its order (rows without an ifindex or an
/// address are left out); out-of-range cells are added to `problems`.
pub fn addresses(t: &Table, problems: &mut Vec<String>) -> Vec<Addr> {
    let c = Cols::new(
        t,
        &[
            "ifindex",
            "addr",
            "prefix_len",
            "family",
            "label",
            "broadcast",
            "peer",
        ],
    );
    let out = (0..c.len())
        .filter_map(|r| {
            let addr = c.ip(r, 1)?;
            Some(Addr {
                ifindex: c.u32(r, 0)?,
                addr,
                prefix_len: c.prefix_len(r, 2, addr).unwrap_or(0),
                family_v6: super::family_is_v6(&c.value(r, 3)),
                label: c.text_raw(r, 4),
                broadcast: c.ip(r, 5),
                peer: c.ip(r, 6),
            })
        })
        .collect();
    problems.extend(c.take_problems());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Type, Value};

    #[test]
    fn links_and_addresses_read_typed_and_checked() {
        let mut links = Table::new(
            "interfaces",
            vec![
                Column::new("index", Type::Int, ""),
                Column::new("name", Type::Str, ""),
                Column::new("flags_raw", Type::Int, ""),
                Column::new("rx_packets", Type::Int, ""),
                Column::new("tx_compressed", Type::Int, ""),
            ],
        );
        links.push([
            Value::Int(2),
            Value::name(b"v\xffx"),
            Value::Int(0x1043),
            Value::Int(7),
            Value::Int(3),
        ]);
        links.push([
            Value::Int(-1),
            Value::Null,
            Value::Int(8),
            Value::Int(-5),
            Value::Null,
        ]);
        let mut problems = Vec::new();
        let l = interfaces(&links, &mut problems);
        assert_eq!(l[0].index, 2);
        assert_eq!(l[0].name, crate::model::rawtext::encode(b"v\xffx"));
        assert_eq!(
            (l[0].counters.rx_packets, l[0].counters.tx_compressed),
            (7, 3)
        );
        assert_eq!((l[0].mac.as_deref(), l[0].mac_text()), (None, ""));
        assert!(l[1].is_loopback() && !l[1].resolves_neighbours());
        assert_eq!((l[1].index, l[1].counters.rx_packets), (0, 0));
        assert_eq!(problems.len(), 2, "{problems:?}");

        let mut addrs = Table::new(
            "addresses",
            vec![
                Column::new("ifindex", Type::Int, ""),
                Column::new("family", Type::Str, ""),
                Column::new("addr", Type::Ip, ""),
                Column::new("prefix_len", Type::Int, ""),
                Column::new("label", Type::Str, ""),
            ],
        );
        let ip = |s: &str| Value::Ip(s.parse().unwrap());
        addrs.push([
            Value::Int(2),
            Value::str("inet"),
            ip("10.0.0.1"),
            Value::Int(33),
            Value::str("v:1"),
        ]);
        addrs.push([
            Value::Int(2),
            Value::Null,
            ip("fd00::1"),
            Value::Int(64),
            Value::Null,
        ]);
        addrs.push([
            Value::Null,
            Value::str("inet"),
            ip("10.0.0.2"),
            Value::Int(8),
            Value::Null,
        ]);
        let mut problems = Vec::new();
        let a = addresses(&addrs, &mut problems);
        assert_eq!(a.len(), 2, "a row without an ifindex is left out");
        assert_eq!((a[0].prefix_len, a[0].label.as_deref()), (0, Some("v:1")));
        assert!(!a[0].is_v6() && a[1].is_v6());
        assert_eq!(problems.len(), 1, "{problems:?}");
    }
}
