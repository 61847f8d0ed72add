//! `interfaces`: network interfaces (rtnetlink links) with every IFLA_STATS64 counter.

use std::sync::LazyLock;

use super::field::{Field, TableBuilder, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::records::LinkRecord;
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "interfaces",
    doc: "Network interfaces: state, flags, addresses and traffic counters",
    source: "rtnetlink RTM_GETLINK dump (like `ip -s link`)",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

/// A link record plus the name of its master, resolved from the same dump.
pub struct Link {
    rec: LinkRecord,
    master_name: Option<String>,
}

macro_rules! stat_fields {
    ($($i:literal $name:literal $doc:literal),* $(,)?) => {
        [$(Field::new(Column::new($name, Type::Int, $doc), |l: &Link| {
            l.rec.stats.map_or(Value::Null, |s| Value::int(s.values[$i]))
        })),*]
    };
}

static BASE: [Field<Link>; 17] = [
    Field::new(Column::new("index", Type::Int, "Interface index"), |l| {
        l.rec.index.into()
    }),
    Field::new(Column::new("name", Type::Str, "Interface name"), |l| {
        Value::raw(&l.rec.name)
    }),
    Field::new(
        Column::new(
            "kind",
            Type::Str,
            "Link kind (veth, bridge, vlan, ...); null for plain devices",
        ),
        |l| Value::opt_str(l.rec.kind.as_deref()),
    ),
    Field::new(
        Column::new("mtu", Type::Int, "Maximum transmission unit, bytes"),
        |l| l.rec.mtu.into(),
    ),
    Field::new(
        Column::new(
            "state",
            Type::Str,
            "Operational state (UP, DOWN, UNKNOWN, LOWERLAYERDOWN, ...)",
        ),
        |l| Value::str(&l.rec.oper_state),
    ),
    Field::new(
        Column::new(
            "flags",
            Type::Str,
            "Interface flags in `ip` spelling, comma separated",
        ),
        |l| Value::str(flag_text(l.rec.flags)),
    ),
    Field::new(
        Column::new(
            "up",
            Type::Bool,
            "Administratively up (IFF_UP, `ip link set X up`); `lo` is up though its state is UNKNOWN",
        ),
        |l| Value::Bool(l.rec.flags & libc::IFF_UP as u32 != 0),
    ),
    Field::new(
        Column::new(
            "running",
            Type::Bool,
            "Up and its link is operational (IFF_RUNNING: carrier present)",
        ),
        |l| Value::Bool(l.rec.flags & libc::IFF_RUNNING as u32 != 0),
    ),
    Field::new(
        Column::new(
            "flags_raw",
            Type::Int,
            "Interface flags as the kernel's IFF_* bits",
        ),
        |l| l.rec.flags.into(),
    ),
    Field::new(
        Column::new(
            "mac",
            Type::Str,
            "Hardware address; null when the link has none",
        ),
        |l| Value::opt_str(l.rec.mac.as_deref()),
    ),
    Field::new(
        Column::new("broadcast", Type::Str, "Hardware broadcast address"),
        |l| Value::opt_str(l.rec.broadcast.as_deref()),
    ),
    Field::new(
        Column::new(
            "master",
            Type::Str,
            "Master device (bridge, bond, VRF); null for none",
        ),
        |l| Value::opt_raw(l.master_name.as_deref()),
    ),
    Field::new(
        Column::new(
            "link",
            Type::Int,
            "Index of the parent or peer link (IFLA_LINK); null for none",
        ),
        |l| {
            if l.rec.link == 0 {
                Value::Null
            } else {
                l.rec.link.into()
            }
        },
    ),
    Field::new(
        Column::new("txqlen", Type::Int, "Transmit queue length, packets"),
        |l| l.rec.txqlen.into(),
    ),
    Field::new(
        Column::new("qdisc", Type::Str, "Queueing discipline"),
        |l| Value::opt_raw(l.rec.qdisc.as_deref()),
    ),
    Field::new(
        Column::new(
            "link_type",
            Type::Str,
            "Link layer type (ether, loopback, none, ...)",
        ),
        |l| Value::str(link_type_name(l.rec.link_type)),
    ),
    Field::new(
        Column::new(
            "group",
            Type::Int,
            "Interface group (IFLA_GROUP; 0 is `default`), as `ip link set DEV group N` sets it",
        ),
        |l| l.rec.group.into(),
    ),
];

static STATS: [Field<Link>; 25] = stat_fields![
    0 "rx_packets" "Packets received",
    1 "tx_packets" "Packets transmitted",
    2 "rx_bytes" "Bytes received",
    3 "tx_bytes" "Bytes transmitted",
    4 "rx_errors" "Receive errors (all kinds)",
    5 "tx_errors" "Transmit errors (all kinds)",
    6 "rx_dropped" "Received packets dropped (no buffer, filtered, unknown protocol)",
    7 "tx_dropped" "Packets dropped before transmission",
    8 "multicast" "Multicast packets received",
    9 "collisions" "Collisions while transmitting",
    10 "rx_length_errors" "Received frames with a bad length",
    11 "rx_over_errors" "Receive ring buffer overruns",
    12 "rx_crc_errors" "Received frames with a CRC error",
    13 "rx_frame_errors" "Received frames with an alignment error",
    14 "rx_fifo_errors" "Receive FIFO overruns",
    15 "rx_missed_errors" "Frames the receiver missed",
    16 "tx_aborted_errors" "Transmissions aborted",
    17 "tx_carrier_errors" "Carrier errors while transmitting",
    18 "tx_fifo_errors" "Transmit FIFO underruns",
    19 "tx_heartbeat_errors" "Heartbeat (SQE) errors",
    20 "tx_window_errors" "Late collisions (window errors)",
    21 "rx_compressed" "Compressed packets received",
    22 "tx_compressed" "Compressed packets transmitted",
    23 "rx_nohandler" "Packets dropped for lack of a protocol handler",
    24 "rx_otherhost_dropped" "Packets dropped because addressed to another host",
];

static FIELDS: LazyLock<Vec<Field<Link>>> = LazyLock::new(|| {
    BASE.iter()
        .chain(STATS.iter())
        .map(|f| Field {
            column: f.column.clone(),
            get: f.get,
        })
        .collect()
});

columns_fn!(FIELDS);

fn collect(req: &Request, _notes: &Notes) -> Result<Table> {
    let links = crate::door::source::linux::links()?;
    Ok(build(links, req))
}

/// Builds the table from link records (also used by tests with captured records).
pub fn build(links: Vec<LinkRecord>, req: &Request) -> Table {
    let names: std::collections::HashMap<u32, String> =
        links.iter().map(|l| (l.index, l.name.clone())).collect();
    let mut b = TableBuilder::new(DEF.name, &FIELDS, req);
    for rec in links {
        let master_name = (rec.master != 0)
            .then(|| names.get(&rec.master).cloned())
            .flatten();
        b.push(&Link { rec, master_name });
    }
    b.finish()
}

/// Interface flags in the order and spelling `ip link` uses (plus NO-CARRIER when up without
/// carrier).
pub fn flag_text(flags: u32) -> String {
    const NAMES: [(u32, &str); 18] = [
        (1 << 3, "LOOPBACK"),
        (1 << 1, "BROADCAST"),
        (1 << 4, "POINTOPOINT"),
        (1 << 12, "MULTICAST"),
        (1 << 7, "NOARP"),
        (1 << 9, "ALLMULTI"),
        (1 << 8, "PROMISC"),
        (1 << 5, "NOTRAILERS"),
        (1 << 2, "DEBUG"),
        (1 << 15, "DYNAMIC"),
        (1 << 14, "AUTOMEDIA"),
        (1 << 13, "PORTSEL"),
        (1 << 11, "SLAVE"),
        (1 << 10, "MASTER"),
        (1 << 0, "UP"),
        (1 << 16, "LOWER_UP"),
        (1 << 17, "DORMANT"),
        (1 << 18, "ECHO"),
    ];
    let mut out: Vec<&str> = Vec::new();
    if flags & 1 != 0 && flags & (1 << 16) == 0 {
        out.push("NO-CARRIER");
    }
    out.extend(
        NAMES
            .iter()
            .filter(|(bit, _)| flags & bit != 0)
            .map(|(_, n)| *n),
    );
    out.join(",")
}

/// `ip`'s name for an ARPHRD_* link type (`[N]` for a type `ip` does not name).
pub fn link_type_name(t: u16) -> String {
    let name = match t {
        0 => "netrom",
        1 => "ether",
        2 => "eether",
        3 => "ax25",
        4 => "pronet",
        5 => "chaos",
        6 => "ieee802",
        7 => "arcnet",
        8 => "atalk",
        15 => "dlci",
        19 => "atm",
        23 => "metricom",
        24 => "ieee1394",
        32 => "infiniband",
        256 => "slip",
        257 => "cslip",
        258 => "slip6",
        259 => "cslip6",
        260 => "rsrvd",
        264 => "adapt",
        270 => "rose",
        271 => "x25",
        272 => "hwx25",
        280 => "can",
        512 => "ppp",
        513 => "hdlc",
        516 => "lapb",
        517 => "ddcmp",
        518 => "rawhdlc",
        768 => "ipip",
        769 => "tunnel6",
        770 => "frad",
        771 => "skip",
        772 => "loopback",
        773 => "ltalk",
        774 => "fddi",
        775 => "bif",
        776 => "sit",
        777 => "ip/ddp",
        778 => "gre",
        779 => "pimreg",
        780 => "hippi",
        781 => "ash",
        782 => "econet",
        783 => "irda",
        784 => "fcpp",
        785 => "fcal",
        786 => "fcpl",
        787 => "fcfb0",
        788 => "fcfb1",
        789 => "fcfb2",
        790 => "fcfb3",
        791 => "fcfb4",
        792 => "fcfb5",
        793 => "fcfb6",
        794 => "fcfb7",
        795 => "fcfb8",
        796 => "fcfb9",
        797 => "fcfb10",
        798 => "fcfb11",
        799 => "fcfb12",
        800 => "tr",
        801 => "ieee802.11",
        802 => "ieee802.11/prism",
        803 => "ieee802.11/radiotap",
        804 => "ieee802.15.4",
        805 => "ieee802.15.4/monitor",
        820 => "phonet",
        821 => "phonet_pipe",
        822 => "caif",
        823 => "gre6",
        824 => "netlink",
        825 => "6lowpan",
        65534 => "none",
        65535 => "void",
        n => return format!("[{n}]"),
    };
    name.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_follow_ip_order() {
        // UP|BROADCAST|RUNNING|MULTICAST|LOWER_UP
        let f = 1 | 2 | 64 | 4096 | 65536;
        assert_eq!(flag_text(f), "BROADCAST,MULTICAST,UP,LOWER_UP");
        assert_eq!(flag_text(1 | 2 | 4096), "NO-CARRIER,BROADCAST,MULTICAST,UP");
        assert_eq!(flag_text(8 | 1 | 64 | 65536), "LOOPBACK,UP,LOWER_UP");
    }

    #[test]
    fn projection_builds_only_requested_columns() {
        let rec = LinkRecord {
            index: 2,
            name: "vx.1".into(),
            mtu: 1500,
            master: 1,
            stats: Some(crate::door::source::records::LinkStats { values: [7; 25] }),
            ..LinkRecord::default()
        };
        let lo = LinkRecord {
            index: 1,
            name: "br0".into(),
            ..LinkRecord::default()
        };
        let t = build(
            vec![lo, rec],
            &Request::columns(&["name", "master", "rx_bytes"]),
        );
        assert_eq!(t.width(), 3);
        assert_eq!(
            t.row(1),
            &[Value::str("vx.1"), Value::str("br0"), Value::Int(7)]
        );
        assert_eq!(t.row(0)[2], Value::Null);
    }
}
