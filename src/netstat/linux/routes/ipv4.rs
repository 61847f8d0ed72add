//! The IPv4 routing table: the rows `/proc/net/route` would hold (main table only, no broadcast
//! or multicast routes, kernel flags and metrics) and net-tools' layouts of them (`-r`, `-re`,
//! `-ree`, `-C`).

use super::*;

pub(super) const RTF_UP: u32 = 0x0001;
pub(super) const RTF_GATEWAY: u32 = 0x0002;
pub(super) const RTF_HOST: u32 = 0x0004;
pub(super) const RTF_REJECT: u32 = 0x0200;
pub(super) const RTF_NONEXTHOP: u32 = 0x0020_0000;

/// One line of `/proc/net/route`, as the kernel would write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Row {
    /// Destination.
    pub dst: Ipv4Addr,
    /// Gateway (0.0.0.0 for none).
    pub gateway: Ipv4Addr,
    /// Netmask.
    pub mask: Ipv4Addr,
    /// RTF_* flags.
    pub flags: u32,
    /// Metric.
    pub metric: u32,
    /// Device name, `*` for none.
    pub iface: String,
    /// The "MTU" field: advmss + 40 when advmss is set (netstat's MSS column).
    pub mss: u32,
    /// Window.
    pub window: u32,
    /// Initial RTT, ms.
    pub irtt: u32,
}

/// The rows of `/proc/net/route`: main-table IPv4 routes without broadcast and multicast ones,
/// in dump order, with the flags and metric fields the kernel computes for that file.
pub fn ipv4_rows(routes: &[Route]) -> Vec<Ipv4Row> {
    routes
        .iter()
        .filter(|r| !r.v6 && r.table == 254)
        .filter(|r| !matches!(r.kind, RouteType::Broadcast | RouteType::Multicast))
        .map(|r| {
            let dst = match r.dst {
                IpAddr::V4(d) => d,
                IpAddr::V6(_) => Ipv4Addr::UNSPECIFIED,
            };
            let len = u32::from(r.dst_len.min(32));
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            let hop = r.hops.first().cloned().unwrap_or_default();
            let gateway = match hop.gateway {
                Some(IpAddr::V4(g)) => Some(g),
                _ => None,
            };
            let mut flags = RTF_UP;
            if matches!(r.kind, RouteType::Unreachable | RouteType::Prohibit) {
                flags |= RTF_REJECT;
            }
            if hop.gateway.is_some() {
                flags |= RTF_GATEWAY;
            }
            if len == 32 {
                flags |= RTF_HOST;
            }
            Ipv4Row {
                dst,
                gateway: gateway.unwrap_or(Ipv4Addr::UNSPECIFIED),
                mask: Ipv4Addr::from(mask),
                flags,
                metric: r.metric,
                iface: hop.dev.unwrap_or_else(|| "*".to_string()),
                mss: if r.advmss > 0 { r.advmss + 40 } else { 0 },
                window: r.window,
                irtt: r.rtt_ms,
            }
        })
        .collect()
}

/// net-tools' IPv4 flag letters.
pub fn ipv4_flags(flags: u32) -> String {
    let mut s = String::new();
    if flags & RTF_UP != 0 {
        s.push('U');
    }
    if flags & RTF_GATEWAY != 0 {
        s.push('G');
    }
    if flags & RTF_REJECT != 0 {
        s.clear();
        s.push('!');
    }
    const REST: [(u32, char); 16] = [
        (0x4, 'H'),
        (0x8, 'R'),
        (0x10, 'D'),
        (0x20, 'M'),
        (0x10000, 'd'),
        (0x20000, 'a'),
        (0x40000, 'c'),
        (0x200000, 'o'),
        (0x400000, 'e'),
        (0x1000000, 'c'),
        (0x2000000, 'f'),
        (0x4000000, 'p'),
        (0x8000_0000, 'l'),
        (0x40, 'u'),
        (0x80, 'w'),
        (0x100, 'i'),
    ];
    for (bit, ch) in REST {
        if flags & bit != 0 {
            s.push(ch);
        }
    }
    if flags & 0x400 != 0 {
        s.push('n');
    }
    s
}

/// The first `n` characters of `s` (the routing table's column cuts; names from the files
/// are ASCII in practice, where this equals [`super::super::names::cut_bytes`]).
pub(super) fn cut_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Destination text: `default`, a network name, a host name, or the dotted quad.
pub(super) fn ipv4_dest(r: &Ipv4Row, numeric: bool, names: &dyn Names) -> String {
    let addr = u32::from(r.dst);
    let mask = u32::from(r.mask);
    if numeric {
        return r.dst.to_string();
    }
    if addr == 0 {
        return if mask == 0 {
            "default".into()
        } else {
            "0.0.0.0".into()
        };
    }
    let found = if addr & !mask != 0 || r.flags & RTF_HOST != 0 {
        names.host_v4(r.dst)
    } else {
        names.net_v4(addr)
    };
    found.unwrap_or_else(|| r.dst.to_string())
}

pub(super) fn ipv4_host(a: Ipv4Addr, numeric: bool, names: &dyn Names) -> String {
    if numeric || a.is_unspecified() {
        return a.to_string();
    }
    names.host_v4(a).unwrap_or_else(|| a.to_string())
}

/// Prints the IPv4 FIB in layout `ext` (see [`ipv4_layout`]).
pub fn write_ipv4(
    rows: &[Ipv4Row],
    ext: u8,
    numeric: bool,
    names: &dyn Names,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(out, "Kernel IP routing table")?;
    const HEAD: &str = "Destination     Gateway         Genmask         ";
    match ext {
        0 => return Ok(()),
        1 => writeln!(out, "{HEAD}Flags Metric Ref    Use Iface")?,
        3 => writeln!(
            out,
            "{HEAD}Flags Metric Ref    Use Iface    MSS   Window irtt"
        )?,
        _ => writeln!(out, "{HEAD}Flags   MSS Window  irtt Iface")?,
    }
    for r in rows.iter().filter(|r| r.flags & RTF_UP != 0) {
        let reject = r.flags & RTF_REJECT != 0;
        let dest = ipv4_dest(r, numeric, names);
        let gw = if reject {
            "-".to_string()
        } else {
            ipv4_host(r.gateway, numeric, names)
        };
        let dash = |n: u32| {
            if reject {
                "-".to_string()
            } else {
                n.to_string()
            }
        };
        let (mss, window, irtt) = (dash(r.mss), dash(r.window), dash(r.irtt));
        let iface = if reject { "-" } else { r.iface.as_str() };
        let head = format!(
            "{:<15} {:<15} {:<15} {:<5}",
            cut_chars(&dest, 15),
            cut_chars(&gw, 15),
            r.mask,
            ipv4_flags(r.flags)
        );
        match ext {
            1 => writeln!(
                out,
                "{head} {:<6} {:<2} {:>7} {iface}",
                r.metric,
                dash(0),
                0
            )?,
            3 => writeln!(
                out,
                "{head} {:<6} {:<3} {:>6} {:<6}   {mss:<5} {window:<6} {irtt}",
                r.metric,
                dash(0),
                0,
                cut_chars(iface, 6)
            )?,
            _ => writeln!(out, "{head} {mss:>5} {window:<5} {irtt:>6} {iface}")?,
        }
    }
    Ok(())
}

/// Prints the IPv4 route cache: title and header only (the cache has been gone since Linux
/// 3.6, `/proc/net/rt_cache` has no rows).
pub fn write_ipv4_cache(ext: u8, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "Kernel IP routing cache")?;
    const HEAD: &str = "Source          Destination     Gateway         ";
    match ext {
        0 => {}
        1 => writeln!(out, "{HEAD}Flags Metric Ref    Use Iface")?,
        3 => writeln!(
            out,
            "{HEAD}Flags Metric Ref    Use Iface    MSS   Window irtt  TOS HHRef HHUptod     SpecDst"
        )?,
        _ => writeln!(out, "{HEAD}Flags   MSS Window  irtt Iface")?,
    }
    Ok(())
}
