//! `netstat -i`: the interface table (and, with `-e`, net-tools `ifconfig`'s long format), from
//! netpry's `interfaces` and `addresses` tables.
//!
//! net-tools lists the names of `/proc/net/dev` plus the IPv4 address labels SIOCGIFCONF
//! reports (aliases such as `eth0:1`, which have no counters of their own), sorted in its
//! "natural" order ([`natural_cmp`]), and takes flags, MTU and the IPv4 address from ioctls.
//! Here the links come from rtnetlink with their IFLA_STATS64 counters, folded the way the
//! kernel folds them into `/proc/net/dev` ([`LinkCounters`]), and the aliases from the labels of
//! the IPv4 addresses.

use std::cmp::Ordering;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::hardware::hardware;
use super::routes::ntop6;
use crate::catalog::Catalog;
use crate::model::Table;
use crate::tables::Request;

/// What `netstat -i` was asked for; a getopt loop fills it field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IfaceParams {
    /// `-a`: also interfaces that are down.
    pub all: bool,
    /// How many times `-e` was given; any count selects the `ifconfig` long format.
    pub extend: u32,
    /// `-c`: repeat every second until killed (the title is printed once).
    pub continuous: bool,
    /// `-n` / `--numeric-hosts`: accepted, no effect on the interface table.
    pub numeric_hosts: bool,
    /// `-N` / `--symbolic`: accepted, no effect on the interface table.
    pub symbolic: bool,
    /// `-W`: accepted, no effect on the interface table.
    pub wide: bool,
    /// `-v`: accepted, no effect on the interface table.
    pub verbose: bool,
}

/// Runs `netstat -i`; returns netstat's exit status.
pub fn interfaces(
    p: &IfaceParams,
    cat: &Catalog,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    writeln!(out, "Kernel Interface table")?;
    loop {
        let mut list = match load(cat) {
            Ok(l) => l,
            Err(e) => {
                writeln!(err, "netstat: cannot read the interface tables: {e}")?;
                return Ok(1);
            }
        };
        if p.extend > 0 {
            if let Some(order) = kernel_order(cat) {
                kernel_inet6_order(&mut list, &order);
            }
        }
        write_pass(&list, p.all, p.extend > 0, out)?;
        out.flush()?;
        if !p.continuous {
            return Ok(0);
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
        cat.refresh();
    }
}

/// One address of the kernel's own list: interface name (bytewise text, as [`Iface::name`]),
/// address and prefix length.
pub type KernelAddr = (String, Ipv6Addr, u8);

/// The kernel's IPv6 address order, from the `if_inet6` table (live, or saved in a snapshot);
/// `None` when a snapshot from an older netpry lacks the table (its `addresses` order stays).
fn kernel_order(cat: &Catalog) -> Option<Vec<KernelAddr>> {
    if !cat.holds("if_inet6") {
        return None;
    }
    let t = crate::netstat::bytewise(cat.collect("if_inet6", &Request::default()).ok()?);
    let c = crate::model::Cols::new(&t, &["ifname", "addr", "prefix_len"]);
    let any = IpAddr::V6(Ipv6Addr::UNSPECIFIED);
    Some(
        (0..c.len())
            .filter_map(|row| {
                let Some(IpAddr::V6(addr)) = c.ip(row, 1) else {
                    return None;
                };
                let plen = c.prefix_len(row, 2, any)?;
                Some((c.str(row, 0)?.to_string(), addr, plen))
            })
            .collect(),
    )
}

/// Puts each interface's IPv6 addresses in `/proc/net/if_inet6` order (the kernel's hash,
/// which `ifconfig` follows and rtnetlink does not); addresses the file does not list keep
/// their order after those it does.
pub fn kernel_inet6_order(list: &mut [Iface], file: &[KernelAddr]) {
    for i in list.iter_mut() {
        i.inet6.sort_by_key(|(a, plen)| {
            file.iter()
                .position(|(dev, addr, len)| *dev == i.name && addr == a && len == plen)
                .unwrap_or(usize::MAX)
        });
    }
}

/// One pass: the header and rows (or the `ifconfig` blocks) of the interfaces to show.
pub fn write_pass(
    list: &[Iface],
    all: bool,
    long: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if !long {
        writeln!(
            out,
            "Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg"
        )?;
    }
    for i in list.iter().filter(|i| all || i.flags & IFF_UP != 0) {
        if long {
            write_long(i, out)?;
        } else {
            write_short(i, out)?;
        }
    }
    Ok(())
}

const IFF_UP: u32 = 0x1;
const IFF_BROADCAST: u32 = 0x2;
const IFF_POINTOPOINT: u32 = 0x10;

/// LinkCounters as `/proc/net/dev` shows them (the kernel sums some IFLA_STATS64 fields).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkCounters {
    /// Packets received.
    pub rx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Receive errors.
    pub rx_errors: u64,
    /// rx_dropped + rx_missed_errors.
    pub rx_dropped: u64,
    /// rx_fifo_errors.
    pub rx_fifo: u64,
    /// rx_length + rx_over + rx_crc + rx_frame errors.
    pub rx_frame: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Transmit errors.
    pub tx_errors: u64,
    /// tx_dropped.
    pub tx_dropped: u64,
    /// tx_fifo_errors.
    pub tx_fifo: u64,
    /// Collisions.
    pub collisions: u64,
    /// tx_carrier + tx_aborted + tx_window + tx_heartbeat errors.
    pub tx_carrier: u64,
    /// Compressed packets received (shown for VJ-compressed SLIP).
    pub rx_compressed: u64,
    /// Compressed packets sent (shown for VJ-compressed SLIP).
    pub tx_compressed: u64,
}

/// The IPv4 address ioctls report for an interface name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inet4 {
    /// SIOCGIFADDR: the local address.
    pub addr: Ipv4Addr,
    /// SIOCGIFNETMASK.
    pub mask: Ipv4Addr,
    /// SIOCGIFBRDADDR (0.0.0.0 when none).
    pub broadcast: Ipv4Addr,
    /// SIOCGIFDSTADDR: the peer, or the local address when there is none.
    pub destination: Ipv4Addr,
}

/// One entry of netstat's interface list: a link, or an alias of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iface {
    /// Name (`eth0`, `eth0:1`).
    pub name: String,
    /// Flags (the low 16 IFF_* bits, as SIOCGIFFLAGS returns them).
    pub flags: u32,
    /// MTU.
    pub mtu: u64,
    /// Transmit queue length.
    pub txqlen: u64,
    /// Link type as the interfaces table spells it (`ether`, `loopback`, `none`, ...).
    pub link_type: String,
    /// Hardware address text (`aa:bb:...`).
    pub mac: Option<String>,
    /// LinkCounters; `None` for aliases, which `/proc/net/dev` does not list.
    pub stats: Option<LinkCounters>,
    /// First IPv4 address labelled with this name.
    pub inet: Option<Inet4>,
    /// IPv6 addresses with their prefix lengths (links only).
    pub inet6: Vec<(Ipv6Addr, u8)>,
}

/// net-tools' `-i` flag letters.
pub fn flag_letters(flags: u32) -> String {
    const LETTERS: [(u32, char); 14] = [
        (0x200, 'A'),
        (0x2, 'B'),
        (0x4, 'D'),
        (0x8, 'L'),
        (0x1000, 'M'),
        (0x8000, 'd'),
        (0x100, 'P'),
        (0x20, 'N'),
        (0x80, 'O'),
        (0x10, 'P'),
        (0x800, 's'),
        (0x400, 'm'),
        (0x40, 'R'),
        (0x1, 'U'),
    ];
    if flags & 0xffff == 0 {
        return "[NO FLAGS]".into();
    }
    LETTERS
        .iter()
        .filter(|(b, _)| flags & b != 0)
        .map(|(_, c)| *c)
        .collect()
}

/// `ifconfig`'s flag names, in bit order.
pub fn flag_names(flags: u32) -> String {
    const NAMES: [&str; 16] = [
        "UP",
        "BROADCAST",
        "DEBUG",
        "LOOPBACK",
        "POINTOPOINT",
        "NOTRAILERS",
        "RUNNING",
        "NOARP",
        "PROMISC",
        "ALLMULTI",
        "MASTER",
        "SLAVE",
        "MULTICAST",
        "PORTSEL",
        "AUTOMEDIA",
        "DYNAMIC",
    ];
    let set: Vec<&str> = NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| flags & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect();
    set.join(",")
}

fn write_short(i: &Iface, out: &mut dyn Write) -> std::io::Result<()> {
    let name: String = i.name.chars().take(15).collect();
    write!(out, "{name:<15} {:>5} ", i.mtu)?;
    match &i.stats {
        Some(s) => write!(
            out,
            "{:>8} {:>6} {:>6} {:<6} {:>8} {:>6} {:>6} {:>6} ",
            s.rx_packets,
            s.rx_errors,
            s.rx_dropped,
            s.rx_fifo,
            s.tx_packets,
            s.tx_errors,
            s.tx_dropped,
            s.tx_fifo
        )?,
        None => write!(out, "{:<56}", "     - no statistics available -")?,
    }
    writeln!(out, "{}", flag_letters(i.flags))
}

/// A byte count the way `ifconfig` shows it: one decimal, truncated, binary units.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut unit = 0;
    while unit + 1 < UNITS.len() && u128::from(n) > 1u128 << (10 * (unit + 1)) {
        unit += 1;
    }
    let tenths = u128::from(n) * 10 / (1u128 << (10 * unit));
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
}

/// The scope the kernel gives an IPv6 address in `/proc/net/if_inet6`, and its name.
pub fn ipv6_scope(a: Ipv6Addr) -> (u32, &'static str) {
    let s = a.segments();
    if s[..6].iter().all(|&w| w == 0) && (s[6] != 0 || s[7] > 1) && !a.is_loopback() {
        return (0x80, "compat");
    }
    if a.is_loopback() {
        return (0x10, "host");
    }
    match s[0] & 0xffc0 {
        0xfe80 => (0x20, "link"),
        0xfec0 => (0x40, "site"),
        _ => (0, "global"),
    }
}

fn write_long(i: &Iface, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: flags={}<{}>  mtu {}",
        i.name,
        i.flags & 0xffff,
        flag_names(i.flags),
        i.mtu
    )?;
    if let Some(a) = &i.inet {
        write!(out, "        inet {}  netmask {}", a.addr, a.mask)?;
        if i.flags & IFF_POINTOPOINT != 0 {
            write!(out, "  destination {}", a.destination)?;
        }
        if i.flags & IFF_BROADCAST != 0 {
            write!(out, "  broadcast {}", a.broadcast)?;
        }
        writeln!(out)?;
    }
    for (a, plen) in &i.inet6 {
        let (scope, name) = ipv6_scope(*a);
        writeln!(
            out,
            "        inet6 {}  prefixlen {plen}  scopeid 0x{scope:x}<{name}>",
            ntop6(*a)
        )?;
    }
    let hw = hardware(&i.link_type);
    writeln!(out, "{}", hw.line(i.mac.as_deref(), i.txqlen))?;
    if let Some(s) = &i.stats {
        writeln!(
            out,
            "        RX packets {}  bytes {} ({})",
            s.rx_packets,
            s.rx_bytes,
            human_bytes(s.rx_bytes)
        )?;
        if hw.compressed {
            writeln!(out, "        RX compressed:{}", s.rx_compressed)?;
        }
        writeln!(
            out,
            "        RX errors {}  dropped {}  overruns {}  frame {}",
            s.rx_errors, s.rx_dropped, s.rx_fifo, s.rx_frame
        )?;
        writeln!(
            out,
            "        TX packets {}  bytes {} ({})",
            s.tx_packets,
            s.tx_bytes,
            human_bytes(s.tx_bytes)
        )?;
        if hw.compressed {
            writeln!(out, "        TX compressed {}", s.tx_compressed)?;
        }
        writeln!(
            out,
            "        TX errors {}  dropped {} overruns {}  carrier {}  collisions {}",
            s.tx_errors, s.tx_dropped, s.tx_fifo, s.tx_carrier, s.collisions
        )?;
    }
    writeln!(out)
}

// ---------------------------------------------------------------------------------------------
// Sorting.

/// A name split the way net-tools orders interfaces: text before the trailing number, the
/// number, and the alias number after `:` (`eth0:12` is `("eth", 0, 12)`).
fn name_key(name: &str) -> (&str, Option<u64>, Option<u64>) {
    let (base, alias) = match name.rsplit_once(':') {
        Some((b, a)) if !a.is_empty() && a.bytes().all(|c| c.is_ascii_digit()) => {
            (b, a.parse().ok())
        }
        _ => (name, None),
    };
    let digits = base.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return (name, None, None);
    }
    let (text, num) = base.split_at(base.len() - digits);
    (text, num.parse().ok(), alias)
}

/// net-tools' interface order: by the text before the trailing number (byte order), then the
/// number, then the alias number; ties by the whole name. So `eth2 < eth10 < eth10:1 < ifb0`,
/// while `vx10p < vx2p` (no trailing number there) and `a1:x` sorts as plain text.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let ka = name_key(a);
    let kb = name_key(b);
    ka.0.as_bytes()
        .cmp(kb.0.as_bytes())
        .then(ka.1.cmp(&kb.1))
        .then(ka.2.cmp(&kb.2))
        .then(a.as_bytes().cmp(b.as_bytes()))
}

// ---------------------------------------------------------------------------------------------
// Reading the tables.

fn load(cat: &Catalog) -> crate::Result<Vec<Iface>> {
    let cols = &crate::netstat::rows::interface::IFACE_COLUMNS;
    let links = crate::netstat::bytewise(cat.collect("interfaces", &Request::columns(cols))?);
    let addrs = crate::netstat::bytewise(cat.collect("addresses", &Request::default())?);
    Ok(build(&links, &addrs))
}

/// Interface names this long (15 bytes, the kernel's maximum) get no counters from net-tools:
/// its `/proc/net/dev` reader does not match the line, so `-i` and `-ie` print every counter
/// as 0 (found by experiment with net-tools 2.10; 14-byte names read normally, and a 15-byte
/// name's counters are not given to a 14-byte name it starts with).
pub const NAME_WITHOUT_COUNTERS: usize = 15;

/// The counters of a link as the kernel folds them into `/proc/net/dev`.
fn folded(n: &crate::netstat::rows::interface::IfaceCounters) -> LinkCounters {
    LinkCounters {
        rx_packets: n.rx_packets,
        rx_bytes: n.rx_bytes,
        rx_errors: n.rx_errors,
        rx_dropped: n.rx_dropped.wrapping_add(n.rx_missed_errors),
        rx_fifo: n.rx_fifo_errors,
        rx_frame: n
            .rx_length_errors
            .wrapping_add(n.rx_over_errors)
            .wrapping_add(n.rx_crc_errors)
            .wrapping_add(n.rx_frame_errors),
        tx_packets: n.tx_packets,
        tx_bytes: n.tx_bytes,
        tx_errors: n.tx_errors,
        tx_dropped: n.tx_dropped,
        tx_fifo: n.tx_fifo_errors,
        collisions: n.collisions,
        tx_carrier: n
            .tx_carrier_errors
            .wrapping_add(n.tx_aborted_errors)
            .wrapping_add(n.tx_window_errors)
            .wrapping_add(n.tx_heartbeat_errors),
        rx_compressed: n.rx_compressed,
        tx_compressed: n.tx_compressed,
    }
}

/// The interface list from an `interfaces` and an `addresses` table (read through the shared
/// rows, [`crate::netstat::rows::interface`]), sorted like net-tools.
pub fn build(links: &Table, addrs: &Table) -> Vec<Iface> {
    // net-tools reads no out-of-range cells to report: they read as 0.
    let mut ignored = Vec::new();
    let links = crate::netstat::rows::interface::interfaces(links, &mut ignored);
    let addrs = crate::netstat::rows::interface::addresses(addrs, &mut ignored);
    let mut list: Vec<(u32, Iface)> = Vec::new();
    for l in links {
        if l.name.is_empty() {
            continue;
        }
        let stats = if crate::model::rawtext::raw_len(&l.name) >= NAME_WITHOUT_COUNTERS {
            LinkCounters::default()
        } else {
            folded(&l.counters)
        };
        list.push((
            l.index,
            Iface {
                name: l.name,
                flags: l.flags & 0xffff,
                mtu: l.mtu,
                txqlen: l.txqlen,
                link_type: l.link_type,
                mac: l.mac,
                stats: Some(stats),
                inet: None,
                inet6: Vec::new(),
            },
        ));
    }
    let mut aliases: Vec<Iface> = Vec::new();
    for a in addrs {
        let Some(pos) = list.iter().position(|(i, _)| *i == a.ifindex) else {
            continue;
        };
        let plen = a.prefix_len;
        if a.is_v6() {
            if let IpAddr::V6(x) = a.addr {
                list[pos].1.inet6.push((x, plen));
            }
            continue;
        }
        let IpAddr::V4(local) = a.addr else {
            continue;
        };
        let base = &list[pos].1;
        let label = a.label.clone().unwrap_or_else(|| base.name.clone());
        let mask = if plen == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(plen.min(32)))
        };
        let v4 = |ip: Option<IpAddr>| match ip {
            Some(IpAddr::V4(x)) => Some(x),
            _ => None,
        };
        let inet = Inet4 {
            addr: local,
            mask: Ipv4Addr::from(mask),
            broadcast: v4(a.broadcast).unwrap_or(Ipv4Addr::UNSPECIFIED),
            destination: v4(a.peer).unwrap_or(local),
        };
        if label == base.name {
            if base.inet.is_none() {
                list[pos].1.inet = Some(inet);
            }
        } else if let Some(al) = aliases.iter_mut().find(|x| x.name == label) {
            al.inet.get_or_insert(inet);
        } else {
            aliases.push(Iface {
                name: label,
                stats: None,
                inet: Some(inet),
                inet6: Vec::new(),
                ..base.clone()
            });
        }
    }
    let mut all: Vec<Iface> = list.into_iter().map(|(_, i)| i).collect();
    all.extend(aliases);
    // Stable: a link keeps its place before an alias label that repeats its name.
    all.sort_by(|x, y| natural_cmp(&x.name, &y.name));
    all.dedup_by(|later, first| later.name == first.name);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Type, Value};

    fn text(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
        let mut buf = Vec::new();
        f(&mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn natural_order_matches_net_tools() {
        // The order netstat -ia printed for these names (veth pairs in a scratch namespace).
        let want = [
            "A1", "a0", "a00", "a01", "a1", "a1:9", "a1:10", "a2", "a10", "a-3", "a10b2", "a1:x",
            "a1b2", "a1b10", "a1x", "a_3", "e1", "e2", "e1.5", "e1.10", "e10.1", "e2.1", "lo",
            "px10y1", "px9y9", "ve.th1", "ve1b", "veth0", "veth0:1", "vx2", "vx10", "vx10p",
            "vx2p", "x10y1", "x9y9", "z",
        ];
        let mut names = want.to_vec();
        names.reverse();
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, want);
    }

    fn table(name: &'static str, cols: &[(&'static str, Type)], rows: Vec<Vec<Value>>) -> Table {
        let columns: Vec<Column> = cols.iter().map(|(n, t)| Column::new(n, *t, "x")).collect();
        let mut t = Table::new(name, columns);
        for r in rows {
            t.push(r);
        }
        t
    }

    #[allow(clippy::too_many_arguments)]
    fn link(
        index: i64,
        name: &str,
        flags: i64,
        mtu: i64,
        kind: &str,
        mac: &str,
        rx: (i64, i64),
        tx: (i64, i64),
    ) -> Vec<Value> {
        vec![
            Value::Int(index),
            Value::str(name),
            Value::Int(mtu),
            Value::Int(flags),
            if mac.is_empty() {
                Value::Null
            } else {
                Value::str(mac)
            },
            Value::Int(1000),
            Value::str(kind),
            Value::Int(rx.0),
            Value::Int(tx.0),
            Value::Int(rx.1),
            Value::Int(tx.1),
        ]
    }

    /// The `interfaces` columns the fixtures below fill.
    const LINK_SCHEMA: &[(&str, Type)] = &[
        ("index", Type::Int),
        ("name", Type::Str),
        ("mtu", Type::Int),
        ("flags_raw", Type::Int),
        ("mac", Type::Str),
        ("txqlen", Type::Int),
        ("link_type", Type::Str),
        ("rx_packets", Type::Int),
        ("tx_packets", Type::Int),
        ("rx_bytes", Type::Int),
        ("tx_bytes", Type::Int),
    ];

    /// The exploration namespace: lo, veth0 (up, running, with an alias veth0:1), ve.th1 (up,
    /// no carrier), vx10 (up, no carrier), ve1b / vx2 / vx10p / vx2p (down).
    fn sample() -> Vec<Iface> {
        use Type::*;
        let links = table(
            "interfaces",
            LINK_SCHEMA,
            vec![
                link(
                    1,
                    "lo",
                    0x10049,
                    65536,
                    "loopback",
                    "00:00:00:00:00:00",
                    (0, 0),
                    (0, 0),
                ),
                link(
                    2,
                    "veth0",
                    0x11043,
                    1500,
                    "ether",
                    "c6:a8:d9:61:d4:c0",
                    (15, 1086),
                    (40, 4122),
                ),
                link(
                    3,
                    "ve1b",
                    0x1002,
                    1500,
                    "ether",
                    "06:c7:ad:63:b8:f9",
                    (0, 0),
                    (0, 0),
                ),
                link(
                    4,
                    "ve.th1",
                    0x1003,
                    1500,
                    "ether",
                    "06:5d:b5:e8:3c:43",
                    (0, 0),
                    (0, 0),
                ),
                link(
                    5,
                    "vx10p",
                    0x1002,
                    1500,
                    "ether",
                    "1e:40:f5:09:02:e3",
                    (0, 0),
                    (0, 0),
                ),
                link(
                    6,
                    "vx10",
                    0x1003,
                    1500,
                    "ether",
                    "b2:29:42:04:fc:96",
                    (0, 0),
                    (0, 0),
                ),
                link(
                    7,
                    "vx2p",
                    0x1002,
                    1500,
                    "ether",
                    "92:41:28:4b:38:90",
                    (0, 0),
                    (0, 0),
                ),
                link(
                    8,
                    "vx2",
                    0x1002,
                    1500,
                    "ether",
                    "46:1e:da:cf:e7:5e",
                    (0, 0),
                    (0, 0),
                ),
            ],
        );
        let ip = |s: &str| Value::Ip(s.parse().unwrap());
        let addr = |i: i64, fam: &str, a: &str, p: i64, label: Option<&str>| {
            vec![
                Value::Int(i),
                Value::str(fam),
                ip(a),
                Value::Int(p),
                Value::Null,
                Value::Null,
                Value::opt_str(label),
            ]
        };
        let addrs = table(
            "addresses",
            &[
                ("ifindex", Int),
                ("family", Str),
                ("addr", Ip),
                ("prefix_len", Int),
                ("peer", Ip),
                ("broadcast", Ip),
                ("label", Str),
            ],
            vec![
                addr(1, "inet", "127.0.0.1", 8, Some("lo")),
                addr(2, "inet", "10.1.0.1", 24, Some("veth0")),
                addr(2, "inet", "10.1.0.5", 24, Some("veth0:1")),
                addr(4, "inet", "10.2.0.1", 24, Some("ve.th1")),
                addr(1, "inet6", "::1", 128, None),
                addr(2, "inet6", "fd00:1::1", 64, None),
                addr(2, "inet6", "fe80::c4a8:d9ff:fe61:d4c0", 64, None),
            ],
        );
        build(&links, &addrs)
    }

    #[test]
    fn short_table_matches_netstat_i_and_ia() {
        let list = sample();
        assert_eq!(
            text(|o| write_pass(&list, false, false, o)),
            "Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg
lo              65536        0      0      0 0             0      0      0      0 LRU
ve.th1           1500        0      0      0 0             0      0      0      0 BMU
veth0            1500       15      0      0 0            40      0      0      0 BMRU
veth0:1          1500      - no statistics available -                        BMRU
vx10             1500        0      0      0 0             0      0      0      0 BMU
"
        );
        let all = text(|o| write_pass(&list, true, false, o));
        let names: Vec<&str> = all
            .lines()
            .skip(1)
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "lo", "ve.th1", "ve1b", "veth0", "veth0:1", "vx2", "vx10", "vx10p", "vx2p"
            ]
        );
        assert!(all.contains("\nve1b             1500        0      0      0 0             0      0      0      0 BM\n"));
    }

    #[test]
    fn long_format_matches_netstat_ie() {
        let list = sample();
        let got = text(|o| write_pass(&list, false, true, o));
        assert_eq!(
            got,
            "lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536
        inet 127.0.0.1  netmask 255.0.0.0
        inet6 ::1  prefixlen 128  scopeid 0x10<host>
        loop  txqueuelen 1000  (Local Loopback)
        RX packets 0  bytes 0 (0.0 B)
        RX errors 0  dropped 0  overruns 0  frame 0
        TX packets 0  bytes 0 (0.0 B)
        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0

ve.th1: flags=4099<UP,BROADCAST,MULTICAST>  mtu 1500
        inet 10.2.0.1  netmask 255.255.255.0  broadcast 0.0.0.0
        ether 06:5d:b5:e8:3c:43  txqueuelen 1000  (Ethernet)
        RX packets 0  bytes 0 (0.0 B)
        RX errors 0  dropped 0  overruns 0  frame 0
        TX packets 0  bytes 0 (0.0 B)
        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0

veth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
        inet 10.1.0.1  netmask 255.255.255.0  broadcast 0.0.0.0
        inet6 fd00:1::1  prefixlen 64  scopeid 0x0<global>
        inet6 fe80::c4a8:d9ff:fe61:d4c0  prefixlen 64  scopeid 0x20<link>
        ether c6:a8:d9:61:d4:c0  txqueuelen 1000  (Ethernet)
        RX packets 15  bytes 1086 (1.0 KiB)
        RX errors 0  dropped 0  overruns 0  frame 0
        TX packets 40  bytes 4122 (4.0 KiB)
        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0

veth0:1: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
        inet 10.1.0.5  netmask 255.255.255.0  broadcast 0.0.0.0
        ether c6:a8:d9:61:d4:c0  txqueuelen 1000  (Ethernet)

vx10: flags=4099<UP,BROADCAST,MULTICAST>  mtu 1500
        ether b2:29:42:04:fc:96  txqueuelen 1000  (Ethernet)
        RX packets 0  bytes 0 (0.0 B)
        RX errors 0  dropped 0  overruns 0  frame 0
        TX packets 0  bytes 0 (0.0 B)
        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0

"
        );
    }

    #[test]
    fn point_to_point_and_unspec_hardware() {
        let tun = Iface {
            name: "tun0".into(),
            flags: 0x1091,
            mtu: 1500,
            txqlen: 500,
            link_type: "none".into(),
            mac: None,
            stats: Some(LinkCounters::default()),
            inet: Some(Inet4 {
                addr: "10.6.0.1".parse().unwrap(),
                mask: Ipv4Addr::BROADCAST,
                broadcast: Ipv4Addr::UNSPECIFIED,
                destination: "10.6.0.9".parse().unwrap(),
            }),
            inet6: vec![],
        };
        let got = text(|o| write_long(&tun, o));
        assert!(got.starts_with(
            "tun0: flags=4241<UP,POINTOPOINT,NOARP,MULTICAST>  mtu 1500
        inet 10.6.0.1  netmask 255.255.255.255  destination 10.6.0.9
        unspec 00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00  txqueuelen 500  (UNSPEC)
        RX packets 0  bytes 0 (0.0 B)
"
        ));
        assert_eq!(
            text(|o| write_short(&tun, o)).trim_end().rsplit(' ').next(),
            Some("MOPU")
        );
        assert_eq!(flag_letters(0), "[NO FLAGS]");
        assert_eq!(flag_letters(0x8), "L");
    }

    #[test]
    fn fifteen_byte_names_have_zero_counters() {
        use Type::*;
        let links = table(
            "interfaces",
            LINK_SCHEMA,
            vec![
                link(
                    7,
                    "vlongername0123",
                    0x11043,
                    1500,
                    "ether",
                    "",
                    (5, 426),
                    (6, 516),
                ),
                link(
                    8,
                    "vlongername012",
                    0x11043,
                    1500,
                    "ether",
                    "",
                    (5, 426),
                    (6, 516),
                ),
            ],
        );
        let addrs = table("addresses", &[("ifindex", Int)], vec![]);
        let list = build(&links, &addrs);
        let rx = |n: &str| {
            list.iter()
                .find(|i| i.name == n)
                .and_then(|i| i.stats)
                .map(|s| (s.rx_packets, s.tx_bytes))
        };
        assert_eq!(rx("vlongername0123"), Some((0, 0)));
        assert_eq!(rx("vlongername012"), Some((5, 516)));
    }

    #[test]
    fn inet6_lines_follow_the_kernel_file() {
        let mut list = sample();
        let file: Vec<KernelAddr> = [
            ("veth0", "fe80::c4a8:d9ff:fe61:d4c0", 64),
            ("lo", "::1", 128),
            ("veth0", "fd00:1::1", 64),
        ]
        .iter()
        .map(|(d, a, p)| (d.to_string(), a.parse().unwrap(), *p))
        .collect();
        let veth0 = |l: &[Iface]| {
            l.iter()
                .find(|i| i.name == "veth0")
                .map(|i| {
                    i.inet6
                        .iter()
                        .map(|(a, _)| a.to_string())
                        .collect::<Vec<_>>()
                })
                .unwrap()
        };
        assert_eq!(veth0(&list), ["fd00:1::1", "fe80::c4a8:d9ff:fe61:d4c0"]);
        kernel_inet6_order(&mut list, &file);
        assert_eq!(veth0(&list), ["fe80::c4a8:d9ff:fe61:d4c0", "fd00:1::1"]);
    }

    #[test]
    fn byte_units_truncate_to_tenths() {
        assert_eq!(human_bytes(0), "0.0 B");
        assert_eq!(human_bytes(1024), "1024.0 B");
        assert_eq!(human_bytes(1086), "1.0 KiB");
        assert_eq!(human_bytes(239_756), "234.1 KiB");
        assert_eq!(human_bytes(67_690_057), "64.5 MiB");
        assert_eq!(human_bytes(u64::MAX), "15.9 EiB");
    }

    #[test]
    fn ipv6_scopes() {
        let s = |a: &str| ipv6_scope(a.parse().unwrap());
        assert_eq!(s("::1"), (0x10, "host"));
        assert_eq!(s("fe80::1"), (0x20, "link"));
        assert_eq!(s("fec0::1"), (0x40, "site"));
        assert_eq!(s("::1.2.3.4"), (0x80, "compat"));
        assert_eq!(s("fd00::2"), (0, "global"));
        assert_eq!(s("::ffff:1.2.3.4"), (0, "global"));
    }
}
