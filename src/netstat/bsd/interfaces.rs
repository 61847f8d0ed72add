//! `-i` / `-I interface`: the interface table (a `<Link#N>` row and one row per address for
//! each interface, with `-b` bytes, `-d` drops, `-t` timer, `-a` multicast groups), and
//! `-w wait`: the sideways display of per-interval traffic deltas, with the two header lines
//! repeated every 21 lines, until Ctrl-C.
//!
//! Linux differences, as documented in the book: the Name column widens to the longest name
//! instead of cutting it at 5; address rows repeat the interface's totals (Linux has no
//! per-address counters, and neither had Apple's sysctl-era code); IPv6 addresses are plain
//! text, without KAME's embedded scope.

use std::io::Write;
use std::net::IpAddr;

use super::data::{self, Addr, Group, GroupAddr, IFF_UP, Iface};
use super::names::{self, Names};
use super::{BsdCtx, l, line};
use crate::error::{Error, Result};

/// Prints the interface table.
pub fn table(ctx: &BsdCtx<'_>, out: &mut dyn Write) -> Result<()> {
    let o = &ctx.opts;
    let ifaces = data::interfaces(ctx.cat)?;
    let addrs = match data::addresses(ctx.cat) {
        Ok(a) => a,
        Err(e) => {
            ctx.cat
                .notes()
                .add(format!("addresses: {e}; showing link rows only"));
            Vec::new()
        }
    };
    let groups = if o.all { groups(ctx) } else { Vec::new() };
    let mut names = Names::load(o.numeric, ctx.cat);
    names.ifnames = ifaces.iter().map(|i| (i.index, i.name.clone())).collect();
    let shown: Vec<&Iface> = ifaces
        .iter()
        .filter(|i| o.interface.as_deref().is_none_or(|n| n == i.name))
        .collect();
    let wname = shown
        .iter()
        .map(|i| i.name.chars().count() + usize::from(i.flags & IFF_UP == 0))
        .max()
        .unwrap_or(0)
        .max(5);
    let mut h = format!(
        "{} {} {} {} {:>8} {:>5}",
        l("Name", wname),
        l("Mtu", 5),
        l("Network", 13),
        l("Address", 15),
        "Ipkts",
        "Ierrs"
    );
    if o.bytes {
        h.push_str(&format!(" {:>10}", "Ibytes"));
    }
    h.push_str(&format!(" {:>8} {:>5}", "Opkts", "Oerrs"));
    if o.bytes {
        h.push_str(&format!(" {:>10}", "Obytes"));
    }
    h.push_str(&format!(" {:>5}", "Coll"));
    if o.timer {
        h.push_str(" Time");
    }
    if o.drops {
        h.push_str(" Drop");
    }
    line(out, &h)?;
    for i in shown {
        let name = format!("{}{}", i.name, if i.flags & IFF_UP == 0 { "*" } else { "" });
        let lead = format!("{} {:<5} ", l(&name, wname), i.mtu);
        // Link row.
        let mut net = format!("{} ", l(&format!("<Link#{}>", i.index), 11));
        if !i.is_loopback() && i.link_type != "none" && !names::mac_is_empty(i.mac_text()) {
            net.push_str(&names::ether_padded(i.mac_text()));
            net.push(' ');
        }
        let pad = 30usize.saturating_sub(net.chars().count());
        net.push_str(&" ".repeat(pad));
        line(out, &format!("{lead}{net}{}", counters(ctx, i, true)))?;
        print_groups(out, &groups, i.index, None, &names)?;
        // Address rows: IPv4 first, then IPv6.
        let mut mine: Vec<&Addr> = addrs.iter().filter(|a| a.ifindex == i.index).collect();
        mine.sort_by_key(|a| a.addr.is_ipv6());
        for a in mine {
            let cells = match a.addr {
                IpAddr::V4(v) => {
                    let net = names::netname4(v, a.prefix_len, &names);
                    format!("{} {} ", l(&net, 13), l(&names.routename4(v), 15))
                }
                IpAddr::V6(v) => {
                    let mut net = if names.numeric() {
                        names::numeric6(v, i.index, &names)
                    } else {
                        names.host6(v, i.index)
                    };
                    if names.numeric() {
                        net.push_str(&format!("/{}", a.prefix_len));
                    }
                    format!("{} {} ", l(&net, 11), l(&v.to_string(), 17))
                }
            };
            line(out, &format!("{lead}{cells}{}", counters(ctx, i, false)))?;
            print_groups(out, &groups, i.index, Some(a.addr.is_ipv6()), &names)?;
        }
    }
    Ok(())
}

/// The counter cells of a row; address rows show `-` where BSD has no per-address value.
fn counters(ctx: &BsdCtx<'_>, i: &Iface, link: bool) -> String {
    let o = &ctx.opts;
    let dash = |w: usize, v: u64| {
        if link {
            format!("{v:>w$}")
        } else {
            format!("{:>w$}", "-")
        }
    };
    let mut t = format!(
        "{:>8} {}",
        i.counters.rx_packets,
        dash(5, i.counters.rx_errors)
    );
    if o.bytes {
        t.push_str(&format!(" {:>10}", i.counters.rx_bytes));
    }
    t.push_str(&format!(
        " {:>8} {}",
        i.counters.tx_packets,
        dash(5, i.counters.tx_errors)
    ));
    if o.bytes {
        t.push_str(&format!(" {:>10}", i.counters.tx_bytes));
    }
    t.push_str(&format!(" {}", dash(5, i.counters.collisions)));
    if o.timer {
        t.push_str(&format!(" {}", dash(3, 0)));
    }
    if o.drops {
        t.push_str(&format!(" {}", dash(3, i.counters.tx_dropped)));
    }
    t
}

/// Multicast memberships for `-i -a`, from the `multicast` table.
fn groups(ctx: &BsdCtx<'_>) -> Vec<Group> {
    data::multicast(ctx.cat).unwrap_or_else(|e| {
        ctx.cat.notes().add(format!("multicast memberships: {e}"));
        Vec::new()
    })
}

/// Prints the groups of interface `index` for a row: link (`None`), IPv4 or IPv6.
fn print_groups(
    out: &mut dyn Write,
    groups: &[Group],
    index: u32,
    v6: Option<bool>,
    names: &Names,
) -> Result<()> {
    for g in groups.iter().filter(|g| g.ifindex == index) {
        let text = match (v6, &g.group) {
            (None, GroupAddr::Link(mac)) => names::ether_unpadded(mac),
            (Some(false), GroupAddr::Ip(IpAddr::V4(a))) => names.routename4(*a),
            (Some(true), GroupAddr::Ip(IpAddr::V6(a))) => {
                format!("{}(refs: {})", l(&a.to_string(), 19), g.users)
            }
            _ => continue,
        };
        line(out, &format!("{:23} {text}", ""))?;
    }
    Ok(())
}

/// Totals the sideways display compares between samples.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Packets in.
    pub ipkts: u64,
    /// Input errors.
    pub ierrs: u64,
    /// Bytes in.
    pub ibytes: u64,
    /// Packets out.
    pub opkts: u64,
    /// Output errors.
    pub oerrs: u64,
    /// Bytes out.
    pub obytes: u64,
    /// Collisions.
    pub colls: u64,
    /// Output drops.
    pub drops: u64,
}

impl Sample {
    /// Sums the interfaces (or only `name`).
    pub fn of(ifaces: &[Iface], name: Option<&str>) -> Sample {
        let mut s = Sample::default();
        for i in ifaces.iter().filter(|i| name.is_none_or(|n| n == i.name)) {
            s.ipkts += i.counters.rx_packets;
            s.ierrs += i.counters.rx_errors;
            s.ibytes += i.counters.rx_bytes;
            s.opkts += i.counters.tx_packets;
            s.oerrs += i.counters.tx_errors;
            s.obytes += i.counters.tx_bytes;
            s.colls += i.counters.collisions;
            s.drops += i.counters.tx_dropped;
        }
        s
    }

    /// `self - before`, counter by counter (a counter reset gives 0).
    pub fn delta(&self, before: &Sample) -> Sample {
        Sample {
            ipkts: self.ipkts.saturating_sub(before.ipkts),
            ierrs: self.ierrs.saturating_sub(before.ierrs),
            ibytes: self.ibytes.saturating_sub(before.ibytes),
            opkts: self.opkts.saturating_sub(before.opkts),
            oerrs: self.oerrs.saturating_sub(before.oerrs),
            obytes: self.obytes.saturating_sub(before.obytes),
            colls: self.colls.saturating_sub(before.colls),
            drops: self.drops.saturating_sub(before.drops),
        }
    }

    /// One data line.
    pub fn line(&self, drops: bool) -> String {
        let mut t = format!(
            "{:>10} {:>5} {:>10} {:>10} {:>5} {:>10} {:>5}",
            self.ipkts, self.ierrs, self.ibytes, self.opkts, self.oerrs, self.obytes, self.colls
        );
        if drops {
            t.push_str(&format!(" {:>5}", self.drops));
        }
        t
    }
}

/// The two header lines of the sideways display.
pub fn sideways_header(interface: Option<&str>, drops: bool) -> [String; 2] {
    let middle = interface.map_or_else(
        || "(Total)".to_string(),
        |n| format!("({})", n.chars().take(15).collect::<String>()),
    );
    let first = format!("{:>17} {:>14} {:>16}", "input", middle, "output");
    let mut second = format!(
        "{:>10} {:>5} {:>10} {:>10} {:>5} {:>10} {:>5}",
        "packets", "errs", "bytes", "packets", "errs", "bytes", "colls"
    );
    if drops {
        second.push_str(&format!(" {:>5}", "drops"));
    }
    [first, second]
}

/// `-w wait`: prints per-interval deltas until Ctrl-C. Returns the exit status.
pub fn sideways(ctx: &BsdCtx<'_>, wait: u64, out: &mut dyn Write) -> Result<u8> {
    let o = &ctx.opts;
    if ctx.snapshot {
        return Err(Error::Usage(
            "-w needs live counters; it cannot read a snapshot".into(),
        ));
    }
    let name = o.interface.as_deref();
    let ifaces = data::interfaces(ctx.cat)?;
    if let Some(n) = name {
        if !ifaces.iter().any(|i| i.name == n) {
            return Err(Error::Usage(format!("{n}: unknown interface")));
        }
    }
    super::interrupted();
    let header = sideways_header(name, o.drops);
    let mut before = Sample::of(&ifaces, name);
    // Apple counts the silent baseline as the first line of the first block.
    let mut lines_in_block = 1;
    let mut first = true;
    loop {
        if first || lines_in_block >= 21 {
            for h in &header {
                line(out, h)?;
            }
            out.flush().map_err(Error::Output)?;
            if !first {
                lines_in_block = 0;
            }
            first = false;
        }
        if !super::sleep_unless_interrupted(wait) {
            return Ok(0);
        }
        ctx.cat.refresh();
        let now = Sample::of(&data::interfaces(ctx.cat)?, name);
        line(out, &now.delta(&before).line(o.drops))?;
        out.flush().map_err(Error::Output)?;
        before = now;
        lines_in_block += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sideways_matches_the_spec_vectors() {
        let [a, b] = sideways_header(None, false);
        assert_eq!(a, "            input        (Total)           output");
        assert_eq!(
            b,
            "   packets  errs      bytes    packets  errs      bytes colls"
        );
        let s = Sample {
            ipkts: 12,
            ibytes: 1608,
            opkts: 7,
            obytes: 1086,
            ..Sample::default()
        };
        assert_eq!(
            s.line(false),
            "        12     0       1608          7     0       1086     0"
        );
        assert!(sideways_header(Some("en0"), true)[1].ends_with("colls drops"));
        assert_eq!(
            sideways_header(Some("en0"), false)[0],
            "            input          (en0)           output"
        );
    }

    #[test]
    fn deltas_never_go_negative() {
        let a = Sample {
            ipkts: 10,
            ..Sample::default()
        };
        let b = Sample {
            ipkts: 4,
            ..Sample::default()
        };
        assert_eq!(b.delta(&a).ipkts, 0);
        assert_eq!(a.delta(&b).ipkts, 6);
    }
}
