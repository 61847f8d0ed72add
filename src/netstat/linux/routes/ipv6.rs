//! The IPv6 routing table: the rows `/proc/net/ipv6_route` would hold (every table, each closed
//! by its null entry when it has no default route), matched to the kernel's own lines for the
//! reference counts, and net-tools' layout of them.

use super::*;

/// One line of `/proc/net/ipv6_route`, as the kernel would write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Row {
    /// Destination prefix.
    pub dst: Ipv6Addr,
    /// Prefix length.
    pub plen: u8,
    /// Next hop (`::` for none).
    pub next_hop: Ipv6Addr,
    /// Metric (printed as a signed number).
    pub metric: u32,
    /// Reference count.
    pub refcnt: u32,
    /// RTF_* flags.
    pub flags: u32,
    /// Device name (empty for none).
    pub iface: String,
}

/// The null entry closing a table without a default route (reject, metric -1, on lo).
pub(super) fn null_entry() -> Ipv6Row {
    Ipv6Row {
        dst: Ipv6Addr::UNSPECIFIED,
        plen: 0,
        next_hop: Ipv6Addr::UNSPECIFIED,
        metric: u32::MAX,
        refcnt: 1,
        flags: RTF_REJECT | RTF_NONEXTHOP,
        iface: "lo".into(),
    }
}

/// The rows of `/proc/net/ipv6_route`: every table in dump order (the kernel walks tables by
/// id modulo 256 in both), one line per next hop, each table closed by its null entry when it
/// has no `::/0` route; flags as the kernel keeps them. The main and local tables always
/// exist, so an empty one still shows its null entry.
///
/// The reference count of a single-path route is the routes table's `refcnt` column. The
/// table cannot carry two counts: each next hop of a multipath route (the column has their
/// sum), and the null entry (not a route rtnetlink lists). Those come from `kernel`, the live
/// `/proc/net/ipv6_route` entries, matched by destination, prefix length, next hop, metric and
/// device (the n-th row with a given key takes the n-th entry with it). What neither gives (a
/// snapshot taken without the column, or a multipath route's hops when their sum says
/// nothing) is estimated: 2 for the kernel's local-address routes, 1 for the others (a
/// multipath route whose sum equals its number of hops has 1 on each, exactly).
pub fn ipv6_rows(routes: &[Route], kernel: Option<&[Ipv6RouteEntry]>) -> Vec<Ipv6Row> {
    let mut groups: Vec<(u32, Vec<&Route>)> = Vec::new();
    for r in routes.iter().filter(|r| r.v6) {
        match groups.last_mut() {
            Some((t, list)) if *t == r.table => list.push(r),
            _ => groups.push((r.table, vec![r])),
        }
    }
    for t in [254u32, 255] {
        if !groups.iter().any(|(g, _)| *g == t) {
            let at = groups
                .iter()
                .position(|(g, _)| g % 256 > t % 256)
                .unwrap_or(groups.len());
            groups.insert(at, (t, Vec::new()));
        }
    }
    let mut rows = Vec::new();
    for (_, list) in &groups {
        for r in list {
            push_ipv6(r, &mut rows);
        }
        if !list.iter().any(|r| r.dst_len == 0) {
            rows.push(RefRow {
                row: null_entry(),
                known: None,
                estimate: 1,
            });
        }
    }
    let mut counts: HashMap<RowKey, std::collections::VecDeque<u32>> = HashMap::new();
    for e in kernel.unwrap_or(&[]) {
        let key = (e.dst, e.dst_len, e.next_hop, e.metric, e.dev.clone());
        counts.entry(key).or_default().push_back(e.refcnt);
    }
    rows.into_iter()
        .map(
            |RefRow {
                 mut row,
                 known,
                 estimate,
             }| {
                let key = (
                    row.dst,
                    row.plen,
                    row.next_hop,
                    row.metric,
                    row.iface.clone(),
                );
                let live = counts.get_mut(&key).and_then(|q| q.pop_front());
                row.refcnt = known.or(live).unwrap_or(estimate);
                row
            },
        )
        .collect()
}

/// What matches a row to a `/proc/net/ipv6_route` entry: destination, prefix length, next
/// hop, metric, device.
pub(super) type RowKey = (Ipv6Addr, u8, Ipv6Addr, u32, String);

/// A row whose reference count is still to be decided: `known` from the routes table, else
/// the kernel's entry, else `estimate`.
pub(super) struct RefRow {
    row: Ipv6Row,
    known: Option<u32>,
    estimate: u32,
}

pub(super) fn push_ipv6(r: &Route, out: &mut Vec<RefRow>) {
    let IpAddr::V6(dst) = r.dst else { return };
    let local_kernel =
        r.protocol == "kernel" && matches!(r.kind, RouteType::Local | RouteType::Anycast);
    let reject_type = matches!(
        r.kind,
        RouteType::Blackhole | RouteType::Unreachable | RouteType::Prohibit | RouteType::Throw
    );
    let known = match r.hops.len() {
        1 => r.refcnt,
        n => r.refcnt.filter(|c| *c as usize == n).map(|_| 1),
    };
    for hop in &r.hops {
        let dev = hop.dev.clone().unwrap_or_default();
        let next_hop = match hop.gateway {
            Some(IpAddr::V6(g)) => Some(g),
            _ => None,
        };
        // The kernel turns a route out of the loopback device into a reject route.
        let via_lo = dev == "lo"
            && !dst.is_loopback()
            && !matches!(r.kind, RouteType::Local | RouteType::Anycast);
        let rebuilt = if reject_type || via_lo {
            RTF_REJECT | RTF_NONEXTHOP
        } else {
            let mut f = RTF_UP;
            if next_hop.is_some() {
                f |= RTF_GATEWAY;
            }
            if local_kernel {
                f |= RTF_NONEXTHOP;
            }
            f
        };
        // The kernel's own flags, when the table has them, carry what the route model cannot
        // (addrconf, default router, expires, ...); each hop of a multipath route keeps its
        // own gateway bit.
        let flags = match r.rtf_flags {
            Some(k) if r.hops.len() > 1 => (k & !RTF_GATEWAY) | (rebuilt & RTF_GATEWAY),
            Some(k) => k,
            None => rebuilt,
        };
        out.push(RefRow {
            row: Ipv6Row {
                dst,
                plen: r.dst_len,
                next_hop: next_hop.unwrap_or(Ipv6Addr::UNSPECIFIED),
                metric: r.metric,
                refcnt: 0,
                flags,
                iface: dev,
            },
            known,
            estimate: if local_kernel { 2 } else { 1 },
        });
    }
}

/// net-tools' IPv6 flag letters.
pub fn ipv6_flags(flags: u32) -> String {
    const LETTERS: [(u32, char); 12] = [
        (0x1, 'U'),
        (0x200, '!'),
        (0x2, 'G'),
        (0x4, 'H'),
        (0x10000, 'D'),
        (0x40000, 'A'),
        (0x0100_0000, 'C'),
        (0x20000, 'a'),
        (0x400000, 'e'),
        (0x20, 'm'),
        (0x200000, 'n'),
        (0x0200_0000, 'f'),
    ];
    LETTERS
        .iter()
        .filter(|(b, _)| flags & b != 0)
        .map(|(_, c)| *c)
        .collect()
}

pub(super) fn ipv6_text(a: Ipv6Addr, numeric: bool, names: &dyn Names) -> String {
    if numeric {
        return ntop6(a);
    }
    if a.is_unspecified() {
        return "[::]".into();
    }
    names.host_v6(a).unwrap_or_else(|| ntop6(a))
}

/// Prints the IPv6 table (`cache`: the routing cache title, for `-C`).
pub fn write_ipv6(
    rows: &[Ipv6Row],
    cache: bool,
    numeric: bool,
    names: &dyn Names,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "Kernel IPv6 routing {}",
        if cache { "cache" } else { "table" }
    )?;
    writeln!(
        out,
        "Destination                    Next Hop                   Flag Met Ref  Use If"
    )?;
    for r in rows {
        let is_cache = r.flags & 0x0100_0000 != 0;
        if is_cache != cache {
            continue;
        }
        let dest = format!("{}/{}", ipv6_text(r.dst, numeric, names), r.plen);
        writeln!(
            out,
            "{dest:<30} {:<26} {:<4} {:<3} {:<1} {:>6} {}",
            ipv6_text(r.next_hop, numeric, names),
            ipv6_flags(r.flags),
            r.metric as i32,
            r.refcnt,
            0,
            r.iface
        )?;
    }
    Ok(())
}

/// glibc's `inet_ntop` text for an IPv6 address (`::a.b.c.d` where glibc writes it so).
pub fn ntop6(a: Ipv6Addr) -> String {
    super::super::names::inet6_ntop(&a)
}
