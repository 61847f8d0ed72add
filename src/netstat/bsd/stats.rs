//! `-s`: per-protocol statistics in BSD wording (`tcp:`, `udp:`, `ip:`, `icmp:`, `igmp:`,
//! `ip6:`, `icmp6:`, `rip6:`), from the Linux MIB counters of the `stats` table as spec §2.6
//! maps them; `-ss` hides all-zero lines; `-rs` routing statistics; `-i -s` per-interface IPv6
//! and ICMPv6 counters (`/proc/net/dev_snmp6`); `-s -p P -w N` repeats block P as deltas.
//!
//! Plurals follow Apple: an `s` only when the number is above 1 (`0 packet sent`). Linux
//! counters that have no BSD line are left out; BSD lines with no Linux counter print 0.

use std::io::Write;

use super::data::{self, StatCounters};
use super::{BsdCtx, line};
use crate::error::{Error, Result};

/// Protocols with a statistics block on Linux.
pub fn has_block(p: &str) -> bool {
    matches!(
        p,
        "tcp" | "udp" | "ip" | "icmp" | "igmp" | "ip6" | "icmp6" | "rip6"
    )
}

/// Collects the lines of one block and applies the `-ss` rule.
struct Block {
    zero_ok: bool,
    lines: Vec<String>,
}

impl Block {
    fn new(sflag: u32) -> Block {
        Block {
            zero_ok: sflag <= 1,
            lines: Vec::new(),
        }
    }

    /// A statement line: `tabs` TABs, then the template with `{}` replaced by the values in
    /// turn and `{s}`, `{es}`, `{ies}` by the plural ending of the value before them.
    fn ln(&mut self, tabs: usize, template: &str, vals: &[u64]) {
        if self.zero_ok || vals.iter().any(|v| *v != 0) {
            self.lines
                .push(format!("{}{}", "\t".repeat(tabs), fill(template, vals)));
        }
    }

    /// A line printed whatever its counts.
    fn always(&mut self, tabs: usize, template: &str, vals: &[u64]) {
        self.lines
            .push(format!("{}{}", "\t".repeat(tabs), fill(template, vals)));
    }

    /// A histogram: the title, then `name: n` for each non-zero entry; nothing when all are 0.
    fn hist(&mut self, title: &str, entries: &[(String, u64)]) {
        if entries.iter().any(|(_, n)| *n != 0) {
            self.lines.push(format!("\t{title}"));
            for (name, n) in entries.iter().filter(|(_, n)| *n != 0) {
                self.lines.push(format!("\t\t{name}: {n}"));
            }
        }
    }
}

/// Fills a template (see [`Block::ln`]).
pub fn fill(template: &str, vals: &[u64]) -> String {
    let mut out = String::new();
    let mut it = vals.iter();
    let mut last = 0u64;
    let mut rest = template;
    while let Some(pos) = rest.find('{') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos..];
        let end = after.find('}').map_or(after.len(), |e| e + 1);
        match &after[..end] {
            "{}" => {
                last = it.next().copied().unwrap_or(0);
                out.push_str(&last.to_string());
            }
            "{s}" => out.push_str(if last > 1 { "s" } else { "" }),
            "{es}" => out.push_str(if last > 1 { "es" } else { "" }),
            "{ies}" => out.push_str(if last > 1 { "ies" } else { "y" }),
            other => out.push_str(other),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

const ICMP_NAMES: [&str; 19] = [
    "echo reply",
    "#1",
    "#2",
    "destination unreachable",
    "source quench",
    "routing redirect",
    "#6",
    "#7",
    "echo",
    "router advertisement",
    "router solicitation",
    "time exceeded",
    "parameter problem",
    "time stamp",
    "time stamp reply",
    "information request",
    "information request reply",
    "address mask request",
    "address mask reply",
];

fn icmp6_name(t: u32) -> String {
    match t {
        1 => "unreach".into(),
        2 => "packet too big".into(),
        3 => "time exceed".into(),
        4 => "parameter problem".into(),
        128 => "echo".into(),
        129 => "echo reply".into(),
        130 => "multicast listener query".into(),
        131 => "MLDv1 listener report".into(),
        132 => "MLDv1 listener done".into(),
        133 => "router solicitation".into(),
        134 => "router advertisement".into(),
        135 => "neighbor solicitation".into(),
        136 => "neighbor advertisement".into(),
        137 => "redirect".into(),
        138 => "router renumbering".into(),
        139 => "node information request".into(),
        140 => "node information reply".into(),
        141 => "inverse neighbor solicitation".into(),
        142 => "inverse neighbor advertisement".into(),
        143 => "MLDv2 listener report".into(),
        n => format!("#{n}"),
    }
}

/// Prints block `p` (`tcp`, `udp`, ...) from counters `c`.
pub fn block(ctx: &BsdCtx<'_>, c: &StatCounters, p: &str, out: &mut dyn Write) -> Result<()> {
    let lines = block_lines(c, p, ctx.opts.stats);
    if lines.is_empty() && !has_block(p) {
        return Ok(());
    }
    line(out, &format!("{p}:"))?;
    for l in lines {
        line(out, &l)?;
    }
    Ok(())
}

/// The lines of block `p` (without the `p:` title).
pub fn block_lines(c: &StatCounters, p: &str, sflag: u32) -> Vec<String> {
    let mut b = Block::new(sflag);
    match p {
        "tcp" => tcp(c, &mut b),
        "udp" => udp(c, &mut b),
        "ip" => ip(c, &mut b),
        "icmp" => icmp(c, &mut b),
        "igmp" => igmp(&mut b),
        "ip6" => ip6(c, &mut b),
        "icmp6" => icmp6(c, &mut b),
        "rip6" => rip6(&mut b),
        _ => {}
    }
    b.lines
}

fn tcp(c: &StatCounters, b: &mut Block) {
    let t = |n: &str| c.get("Tcp", n);
    let x = |n: &str| c.get("TcpExt", n);
    b.ln(1, "{} packet{s} sent", &[t("OutSegs") + t("RetransSegs")]);
    b.ln(
        2,
        "{} data packet{s} ({} byte{s})",
        &[x("TCPOrigDataSent"), 0],
    );
    b.ln(
        2,
        "{} data packet{s} ({} byte{s}) retransmitted",
        &[t("RetransSegs"), 0],
    );
    b.ln(2, "{} resend{s} initiated by MTU discovery", &[0]);
    b.ln(
        2,
        "{} ack-only packet{s} ({} delayed)",
        &[0, x("DelayedACKs")],
    );
    b.ln(2, "{} URG only packet{s}", &[0]);
    b.ln(2, "{} window probe packet{s}", &[x("TCPWinProbe")]);
    b.ln(2, "{} window update packet{s}", &[0]);
    b.ln(2, "{} control packet{s}", &[t("OutRsts")]);
    b.ln(1, "{} packet{s} received", &[t("InSegs")]);
    b.ln(
        2,
        "{} ack{s} (for {} byte{s})",
        &[x("TCPPureAcks") + x("TCPHPAcks"), 0],
    );
    b.ln(2, "{} duplicate ack{s}", &[0]);
    b.ln(2, "{} ack{s} for unsent data", &[0]);
    b.ln(
        2,
        "{} packet{s} ({} byte{s}) received in-sequence",
        &[x("TCPHPHits"), 0],
    );
    b.ln(
        2,
        "{} completely duplicate packet{s} ({} byte{s})",
        &[x("TCPDSACKOldSent"), 0],
    );
    b.ln(2, "{} old duplicate packet{s}", &[x("PAWSEstab")]);
    b.ln(
        2,
        "{} packet{s} with some dup. data ({} byte{s} duped)",
        &[0, 0],
    );
    b.ln(
        2,
        "{} out-of-order packet{s} ({} byte{s})",
        &[x("TCPOFOQueue"), 0],
    );
    b.ln(2, "{} packet{s} ({} byte{s}) of data after window", &[0, 0]);
    b.ln(2, "{} window probe{s}", &[0]);
    b.ln(2, "{} window update packet{s}", &[0]);
    b.ln(
        2,
        "{} packet{s} received after close",
        &[x("TCPAbortOnData")],
    );
    b.ln(2, "{} discarded for bad checksum{s}", &[t("InCsumErrors")]);
    b.ln(
        2,
        "{} discarded for bad header offset field{s}",
        &[t("InErrs").saturating_sub(t("InCsumErrors"))],
    );
    b.ln(2, "{} discarded because packet too short", &[0]);
    b.ln(1, "{} connection request{s}", &[t("ActiveOpens")]);
    b.ln(1, "{} connection accept{s}", &[t("PassiveOpens")]);
    b.ln(1, "{} bad connection attempt{s}", &[x("EmbryonicRsts")]);
    b.ln(1, "{} listen queue overflow{s}", &[x("ListenOverflows")]);
    let established = (t("ActiveOpens") + t("PassiveOpens")).saturating_sub(t("AttemptFails"));
    b.ln(
        1,
        "{} connection{s} established (including accepts)",
        &[established],
    );
    b.ln(
        1,
        "{} connection{s} closed (including {} drop{s})",
        &[established.saturating_sub(t("CurrEstab")), t("EstabResets")],
    );
    b.ln(2, "{} connection{s} updated cached RTT on close", &[0]);
    b.ln(
        2,
        "{} connection{s} updated cached RTT variance on close",
        &[0],
    );
    b.ln(2, "{} connection{s} updated cached ssthresh on close", &[0]);
    b.ln(
        1,
        "{} embryonic connection{s} dropped",
        &[t("AttemptFails")],
    );
    b.ln(1, "{} segment{s} updated rtt (of {} attempt{s})", &[0, 0]);
    b.ln(1, "{} retransmit timeout{s}", &[x("TCPTimeouts")]);
    b.ln(
        2,
        "{} connection{s} dropped by rexmit timeout",
        &[x("TCPAbortOnTimeout")],
    );
    b.ln(1, "{} persist timeout{s}", &[0]);
    b.ln(2, "{} connection{s} dropped by persist timeout", &[0]);
    b.ln(1, "{} keepalive timeout{s}", &[0]);
    b.ln(2, "{} keepalive probe{s} sent", &[x("TCPKeepAlive")]);
    b.ln(2, "{} connection{s} dropped by keepalive", &[0]);
    b.ln(1, "{} correct ACK header prediction{s}", &[x("TCPHPAcks")]);
    b.ln(
        1,
        "{} correct data packet header prediction{s}",
        &[x("TCPHPHits")],
    );
    b.ln(1, "{} SACK recovery episode{s}", &[x("TCPSackRecovery")]);
    b.ln(
        1,
        "{} segment rexmit{s} in SACK recovery episodes",
        &[x("TCPFastRetrans")],
    );
}

fn udp(c: &StatCounters, b: &mut Block) {
    let u = |n: &str| c.get("Udp", n) + c.get("Udp6", n);
    let received = u("InDatagrams") + u("NoPorts") + u("InErrors") + u("IgnoredMulti");
    let badlen = u("InErrors")
        .saturating_sub(u("InCsumErrors"))
        .saturating_sub(u("RcvbufErrors"));
    b.ln(1, "{} datagram{s} received", &[received]);
    b.ln(2, "{} with incomplete header", &[0]);
    b.ln(2, "{} with bad data length field", &[badlen]);
    b.ln(2, "{} with bad checksum", &[u("InCsumErrors")]);
    b.ln(2, "{} with no checksum", &[0]);
    b.ln(2, "{} dropped due to no socket", &[u("NoPorts")]);
    b.ln(
        2,
        "{} broadcast/multicast datagram{s} undelivered",
        &[u("IgnoredMulti")],
    );
    b.ln(
        2,
        "{} dropped due to full socket buffers",
        &[u("RcvbufErrors")],
    );
    b.ln(2, "{} not for hashed pcb", &[0]);
    let delivered = received.saturating_sub(
        badlen + u("InCsumErrors") + u("NoPorts") + u("IgnoredMulti") + u("RcvbufErrors"),
    );
    b.ln(2, "{} delivered", &[delivered]);
    b.ln(1, "{} datagram{s} output", &[u("OutDatagrams")]);
}

fn ip(c: &StatCounters, b: &mut Block) {
    let i = |n: &str| c.get("Ip", n);
    let x = |n: &str| c.get("IpExt", n);
    b.ln(1, "{} total packet{s} received", &[i("InReceives")]);
    b.ln(2, "{} bad header checksum{s}", &[x("InCsumErrors")]);
    b.ln(
        2,
        "{} with size smaller than minimum",
        &[i("InHdrErrors").saturating_sub(x("InCsumErrors"))],
    );
    b.ln(
        2,
        "{} with data size < data length",
        &[x("InTruncatedPkts")],
    );
    b.ln(2, "{} with data size > data length", &[0]);
    b.ln(2, "{} with ip length > max ip packet size", &[0]);
    b.ln(2, "{} with header length < data size", &[0]);
    b.ln(2, "{} with data length < header length", &[0]);
    b.ln(2, "{} with bad options", &[0]);
    b.ln(2, "{} with incorrect version number", &[0]);
    b.ln(2, "{} fragment{s} received", &[i("ReasmReqds")]);
    b.ln(
        3,
        "{} dropped (dup or out of space)",
        &[i("ReasmFails").saturating_sub(i("ReasmTimeout"))],
    );
    b.ln(3, "{} dropped after timeout", &[i("ReasmTimeout")]);
    b.ln(3, "{} reassembled ok", &[i("ReasmOKs")]);
    b.ln(2, "{} packet{s} for this host", &[i("InDelivers")]);
    b.ln(
        2,
        "{} packet{s} for unknown/unsupported protocol",
        &[i("InUnknownProtos")],
    );
    b.ln(
        2,
        "{} packet{s} forwarded ({} packet{s} fast forwarded)",
        &[i("ForwDatagrams"), 0],
    );
    b.ln(
        2,
        "{} packet{s} not forwardable",
        &[i("InAddrErrors") + x("InNoRoutes")],
    );
    b.ln(2, "{} packet{s} received for unknown multicast group", &[0]);
    output_lines(b, &i, c.get("Icmp", "OutRedirects"));
}

/// The lines IPv4 and IPv6 share, from redirects to fragmentation: `i` reads the protocol's
/// counter group (`Ip` or `Ip6`), `redirects` is its ICMP group's `OutRedirects`.
fn output_lines(b: &mut Block, i: &dyn Fn(&str) -> u64, redirects: u64) {
    b.ln(2, "{} redirect{s} sent", &[redirects]);
    b.ln(1, "{} packet{s} sent from this host", &[i("OutRequests")]);
    b.ln(2, "{} packet{s} sent with fabricated ip header", &[0]);
    b.ln(
        2,
        "{} output packet{s} dropped due to no bufs, etc.",
        &[i("OutDiscards")],
    );
    b.ln(
        2,
        "{} output packet{s} discarded due to no route",
        &[i("OutNoRoutes")],
    );
    b.ln(2, "{} output datagram{s} fragmented", &[i("FragOKs")]);
    b.ln(2, "{} fragment{s} created", &[i("FragCreates")]);
    b.ln(
        2,
        "{} datagram{s} that can't be fragmented",
        &[i("FragFails")],
    );
}

fn icmp(c: &StatCounters, b: &mut Block) {
    let m = |dir: &str, t: usize| c.get("IcmpMsg", &format!("{dir}Type{t}"));
    let i = |n: &str| c.get("Icmp", n);
    let errors = [3, 4, 5, 11, 12].iter().map(|t| m("Out", *t)).sum::<u64>();
    b.ln(1, "{} call{s} to icmp_error", &[errors]);
    b.ln(
        1,
        "{} error{s} not generated 'cuz old message was icmp",
        &[0],
    );
    let hist = |dir: &str| -> Vec<(String, u64)> {
        ICMP_NAMES
            .iter()
            .enumerate()
            .map(|(t, n)| (n.to_string(), m(dir, t)))
            .collect()
    };
    b.hist("Output histogram:", &hist("Out"));
    b.ln(1, "{} message{s} with bad code fields", &[0]);
    b.ln(
        1,
        "{} message{s} < minimum length",
        &[i("InErrors").saturating_sub(i("InCsumErrors"))],
    );
    b.ln(1, "{} bad checksum{s}", &[i("InCsumErrors")]);
    b.ln(1, "{} message{s} with bad length", &[0]);
    b.ln(1, "{} multicast echo requests ignored", &[0]);
    b.ln(1, "{} multicast timestamp requests ignored", &[0]);
    b.hist("Input histogram:", &hist("In"));
    b.ln(
        1,
        "{} message response{s} generated",
        &[m("Out", 0) + m("Out", 14) + m("Out", 18)],
    );
    b.always(1, "ICMP address mask responses are disabled", &[]);
}

fn igmp(b: &mut Block) {
    for t in [
        "{} message{s} received",
        "{} message{s} received with too few bytes",
        "{} message{s} received with wrong TTL",
        "{} message{s} received with bad checksum",
        "{} V1/V2 membership quer{ies} received",
        "{} V3 membership quer{ies} received",
        "{} membership quer{ies} received with invalid field(s)",
        "{} general quer{ies} received",
        "{} group quer{ies} received",
        "{} group-source quer{ies} received",
        "{} group-source quer{ies} dropped",
        "{} membership report{s} received",
        "{} membership report{s} received with invalid field(s)",
        "{} membership report{s} received for groups to which we belong",
        "{} V3 report{s} received without Router Alert",
        "{} membership report{s} sent",
    ] {
        b.ln(1, t, &[0]);
    }
}

fn ip6(c: &StatCounters, b: &mut Block) {
    let i = |n: &str| c.get("Ip6", n);
    b.ln(1, "{} total packet{s} received", &[i("InReceives")]);
    b.ln(2, "{} with size smaller than minimum", &[i("InHdrErrors")]);
    b.ln(
        2,
        "{} with data size < data length",
        &[i("InTruncatedPkts")],
    );
    b.ln(2, "{} with bad options", &[0]);
    b.ln(2, "{} with incorrect version number", &[0]);
    b.ln(2, "{} fragment{s} received", &[i("ReasmReqds")]);
    b.ln(
        3,
        "{} dropped (dup or out of space)",
        &[i("ReasmFails").saturating_sub(i("ReasmTimeout"))],
    );
    b.ln(3, "{} dropped after timeout", &[i("ReasmTimeout")]);
    b.ln(3, "{} exceeded limit", &[0]);
    b.ln(3, "{} reassembled ok", &[i("ReasmOKs")]);
    b.ln(2, "{} packet{s} for this host", &[i("InDelivers")]);
    b.ln(2, "{} packet{s} forwarded", &[i("OutForwDatagrams")]);
    b.ln(
        2,
        "{} packet{s} not forwardable",
        &[i("InAddrErrors") + i("InNoRoutes")],
    );
    output_lines(b, &i, c.get("Icmp6", "OutRedirects"));
    b.ln(2, "{} packet{s} that violated scope rules", &[0]);
    b.ln(2, "{} multicast packet{s} which we didn't join", &[0]);
    b.always(1, "Mbuf statistics:", &[]);
    b.always(2, "{} one mbuf", &[0]);
    b.always(2, "{} one ext mbuf", &[0]);
    b.always(2, "{} two or more ext mbuf", &[0]);
}

fn icmp6(c: &StatCounters, b: &mut Block) {
    let i = |n: &str| c.get("Icmp6", n);
    let ty = |dir: &str, t: u32| i(&format!("{dir}Type{t}"));
    let errors = (1..=4).map(|t| ty("Out", t)).sum::<u64>();
    b.ln(1, "{} call{s} to icmp6_error", &[errors]);
    b.ln(
        1,
        "{} error{s} not generated because old message was icmp error or so",
        &[0],
    );
    b.ln(1, "{} error{s} not generated because rate limitation", &[0]);
    let hist = |dir: &str| -> Vec<(String, u64)> {
        (0..=255u32).map(|t| (icmp6_name(t), ty(dir, t))).collect()
    };
    b.hist("Output histogram:", &hist("Out"));
    b.ln(1, "{} message{s} with bad code fields", &[0]);
    b.ln(
        1,
        "{} message{s} < minimum length",
        &[i("InErrors").saturating_sub(i("InCsumErrors"))],
    );
    b.ln(1, "{} bad checksum{s}", &[i("InCsumErrors")]);
    b.ln(1, "{} message{s} with bad length", &[0]);
    b.hist("Input histogram:", &hist("In"));
    b.always(1, "Histogram of error messages to be generated:", &[]);
    for (t, v) in [
        ("{} no route", i("OutDestUnreachs")),
        ("{} administratively prohibited", 0),
        ("{} beyond scope", 0),
        ("{} address unreachable", 0),
        ("{} port unreachable", 0),
        ("{} packet too big", i("OutPktTooBigs")),
        ("{} time exceed transit", i("OutTimeExcds")),
        ("{} time exceed reassembly", 0),
        ("{} erroneous header field", i("OutParmProblems")),
        ("{} unrecognized next header", 0),
        ("{} unrecognized option", 0),
        ("{} redirect", i("OutRedirects")),
        ("{} unknown", 0),
    ] {
        b.always(2, t, &[v]);
    }
    b.ln(1, "{} message response{s} generated", &[0]);
    b.ln(1, "{} message{s} with too many ND options", &[0]);
    b.ln(1, "{} message{s} with bad ND options", &[0]);
    b.ln(1, "{} bad neighbor solicitation message{s}", &[0]);
    b.ln(1, "{} bad neighbor advertisement message{s}", &[0]);
    b.ln(1, "{} bad router solicitation message{s}", &[0]);
    b.ln(1, "{} bad router advertisement message{s}", &[0]);
    b.ln(1, "{} bad redirect message{s}", &[0]);
    b.ln(1, "{} path MTU change{s}", &[0]);
}

fn rip6(b: &mut Block) {
    b.ln(1, "{} message{s} received", &[0]);
    b.ln(2, "{} checksum calculation{s} on inbound", &[0]);
    b.ln(2, "{} message{s} with bad checksum", &[0]);
    b.ln(2, "{} message{s} dropped due to no socket", &[0]);
    b.ln(2, "{} multicast message{s} dropped due to no socket", &[0]);
    b.ln(2, "{} message{s} dropped due to full socket buffers", &[0]);
    b.ln(2, "{} delivered", &[0]);
    b.ln(1, "{} datagram{s} output", &[0]);
}

/// `-rs`: routing statistics. Linux keeps none apart from "destinations found unreachable",
/// approximated by Ip OutNoRoutes.
pub fn routing(ctx: &BsdCtx<'_>, out: &mut dyn Write) -> Result<()> {
    let c = StatCounters::load(ctx.cat).unwrap_or_else(|e| {
        ctx.cat.notes().add(format!("stats: {e}; counters show 0"));
        StatCounters::default()
    });
    let mut b = Block::new(ctx.opts.stats);
    b.ln(1, "{} bad routing redirect{s}", &[0]);
    b.ln(1, "{} dynamically created route{s}", &[0]);
    b.ln(1, "{} new gateway{s} due to redirects", &[0]);
    b.ln(
        1,
        "{} destination{s} found unreachable",
        &[c.get("Ip", "OutNoRoutes")],
    );
    b.ln(1, "{} use{s} of a wildcard route", &[0]);
    b.ln(1, "{} route{s} not in table but not freed", &[0]);
    line(out, "routing:")?;
    for l in b.lines {
        line(out, &l)?;
    }
    Ok(())
}

/// Per-interface lines for `-i -s`: (block, template, dev_snmp6 counter names to sum).
const IP6_IF: &[(&str, &str)] = &[
    ("{} total input datagram{s}", "Ip6InReceives"),
    (
        "{} datagram{s} with invalid header received",
        "Ip6InHdrErrors",
    ),
    ("{} datagram{s} exceeded MTU received", "Ip6InTooBigErrors"),
    ("{} datagram{s} with no route received", "Ip6InNoRoutes"),
    (
        "{} datagram{s} with invalid dst received",
        "Ip6InAddrErrors",
    ),
    (
        "{} datagram{s} with unknown proto received",
        "Ip6InUnknownProtos",
    ),
    ("{} truncated datagram{s} received", "Ip6InTruncatedPkts"),
    ("{} input datagram{s} discarded", "Ip6InDiscards"),
    (
        "{} datagram{s} delivered to an upper layer protocol",
        "Ip6InDelivers",
    ),
    (
        "{} datagram{s} forwarded to this interface",
        "Ip6OutForwDatagrams",
    ),
    (
        "{} datagram{s} sent from an upper layer protocol",
        "Ip6OutRequests",
    ),
    ("{} total discarded output datagram{s}", "Ip6OutDiscards"),
    ("{} output datagram{s} fragmented", "Ip6FragOKs"),
    ("{} output datagram{s} failed on fragment", "Ip6FragFails"),
    (
        "{} output datagram{s} succeeded on fragment",
        "Ip6FragCreates",
    ),
    ("{} incoming datagram{s} fragmented", "Ip6ReasmReqds"),
    ("{} datagram{s} reassembled", "Ip6ReasmOKs"),
    ("{} datagram{s} failed on reassembly", "Ip6ReasmFails"),
    ("{} multicast datagram{s} received", "Ip6InMcastPkts"),
    ("{} multicast datagram{s} sent", "Ip6OutMcastPkts"),
];

const ICMP6_IF: &[(&str, &str)] = &[
    ("{} total input message{s}", "Icmp6InMsgs"),
    ("{} total input error message{s}", "Icmp6InErrors"),
    (
        "{} input destination unreachable error{s}",
        "Icmp6InDestUnreachs",
    ),
    ("{} input time exceeded error{s}", "Icmp6InTimeExcds"),
    ("{} input parameter problem error{s}", "Icmp6InParmProblems"),
    ("{} input packet too big error{s}", "Icmp6InPktTooBigs"),
    ("{} input echo request{s}", "Icmp6InEchos"),
    ("{} input echo repl{ies}", "Icmp6InEchoReplies"),
    ("{} input router solicitation{s}", "Icmp6InRouterSolicits"),
    (
        "{} input router advertisement{s}",
        "Icmp6InRouterAdvertisements",
    ),
    (
        "{} input neighbor solicitation{s}",
        "Icmp6InNeighborSolicits",
    ),
    (
        "{} input neighbor advertisement{s}",
        "Icmp6InNeighborAdvertisements",
    ),
    ("{} input redirect{s}", "Icmp6InRedirects"),
    ("{} input MLD quer{ies}", "Icmp6InGroupMembQueries"),
    ("{} input MLD report{s}", "Icmp6InGroupMembResponses"),
    ("{} input MLD done{s}", "Icmp6InGroupMembReductions"),
    ("{} total output message{s}", "Icmp6OutMsgs"),
    ("{} total output error message{s}", "Icmp6OutErrors"),
    (
        "{} output destination unreachable error{s}",
        "Icmp6OutDestUnreachs",
    ),
    ("{} output time exceeded error{s}", "Icmp6OutTimeExcds"),
    (
        "{} output parameter problem error{s}",
        "Icmp6OutParmProblems",
    ),
    ("{} output packet too big error{s}", "Icmp6OutPktTooBigs"),
    ("{} output echo request{s}", "Icmp6OutEchos"),
    ("{} output echo repl{ies}", "Icmp6OutEchoReplies"),
    ("{} output router solicitation{s}", "Icmp6OutRouterSolicits"),
    (
        "{} output router advertisement{s}",
        "Icmp6OutRouterAdvertisements",
    ),
    (
        "{} output neighbor solicitation{s}",
        "Icmp6OutNeighborSolicits",
    ),
    (
        "{} output neighbor advertisement{s}",
        "Icmp6OutNeighborAdvertisements",
    ),
    ("{} output redirect{s}", "Icmp6OutRedirects"),
    ("{} output MLD quer{ies}", "Icmp6OutGroupMembQueries"),
    ("{} output MLD report{s}", "Icmp6OutGroupMembResponses"),
    ("{} output MLD done{s}", "Icmp6OutGroupMembReductions"),
];

/// The per-interface blocks of one interface from its dev_snmp6 counters.
pub fn interface_lines(
    ifname: &str,
    counters: &[(String, u64)],
    which: Option<&str>,
    sflag: u32,
) -> Vec<String> {
    let get = |n: &str| counters.iter().find(|(k, _)| k == n).map_or(0, |(_, v)| *v);
    let mut out = Vec::new();
    for (p, table) in [("ip6", IP6_IF), ("icmp6", ICMP6_IF)] {
        if which.is_some_and(|w| w != p) {
            continue;
        }
        let mut b = Block::new(sflag);
        for (t, n) in table {
            b.ln(1, t, &[get(n)]);
        }
        out.push(format!("{p} on {ifname}:"));
        out.extend(b.lines);
    }
    out
}

/// `-i -s` / `-I IF -s` (optionally `-p ip6|icmp6`): per-interface IPv6 statistics, from the
/// `dev_snmp6` table (an interface without IPv6 has no rows and prints nothing).
pub fn per_interface(ctx: &BsdCtx<'_>, out: &mut dyn Write, which: Option<&str>) -> Result<()> {
    let ifaces = data::interfaces(ctx.cat)?;
    let t = data::load(ctx.cat, "dev_snmp6")?;
    let c = crate::model::Cols::new(&t, &["ifname", "name", "value"]);
    for i in ifaces
        .iter()
        .filter(|i| ctx.opts.interface.as_deref().is_none_or(|n| n == i.name))
    {
        let counters: Vec<(String, u64)> = (0..c.len())
            .filter(|row| c.str(*row, 0).as_deref() == Some(i.name.as_str()))
            .filter_map(|row| Some((c.str(row, 1)?.to_string(), c.u64(row, 2)?)))
            .collect();
        if counters.is_empty() {
            continue; // no IPv6 on this interface
        }
        for l in interface_lines(&i.name, &counters, which, ctx.opts.stats) {
            line(out, &l)?;
        }
    }
    Ok(())
}

/// `-s -p P -w N`: block P now (cumulative), then its deltas every N seconds until Ctrl-C.
pub fn repeat(ctx: &BsdCtx<'_>, p: &str, wait: u64, out: &mut dyn Write) -> Result<u8> {
    if ctx.snapshot {
        return Err(Error::Usage(
            "-w needs live counters; it cannot read a snapshot".into(),
        ));
    }
    super::interrupted();
    let mut before = StatCounters::load(ctx.cat)?;
    block(ctx, &before, p, out)?;
    out.flush().map_err(Error::Output)?;
    loop {
        if !super::sleep_unless_interrupted(wait) {
            return Ok(0);
        }
        ctx.cat.refresh();
        let now = StatCounters::load(ctx.cat)?;
        block(ctx, &now.delta(&before), p, out)?;
        out.flush().map_err(Error::Output)?;
        before = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_and_apple_plurals() {
        assert_eq!(fill("{} packet{s} sent", &[0]), "0 packet sent");
        assert_eq!(fill("{} packet{s} sent", &[1]), "1 packet sent");
        assert_eq!(fill("{} packet{s} sent", &[2]), "2 packets sent");
        assert_eq!(
            fill("{} ack{s} (for {} byte{s})", &[3, 1]),
            "3 acks (for 1 byte)"
        );
        assert_eq!(fill("{} input MLD quer{ies}", &[5]), "5 input MLD queries");
        assert_eq!(fill("{} input MLD quer{ies}", &[1]), "1 input MLD query");
    }

    #[test]
    fn double_s_hides_zero_lines() {
        let mut c = StatCounters::default();
        c.insert("Tcp", "ActiveOpens", 3);
        c.insert("Tcp", "InSegs", 1);
        let once = block_lines(&c, "tcp", 1);
        let twice = block_lines(&c, "tcp", 2);
        assert!(once.contains(&"\t0 packet sent".to_string()));
        assert!(twice.contains(&"\t3 connection requests".to_string()));
        assert!(twice.contains(&"\t1 packet received".to_string()));
        assert!(twice.contains(&"\t3 connections established (including accepts)".to_string()));
        assert!(
            !twice.iter().any(|l| l.trim_start().starts_with("0 ")),
            "{twice:?}"
        );
        // Always-printed lines survive -ss.
        assert!(
            block_lines(&StatCounters::default(), "icmp", 2)
                .contains(&"\tICMP address mask responses are disabled".to_string())
        );
    }

    #[test]
    fn udp_sums_both_versions_and_histograms_show_nonzero_types() {
        let mut c = StatCounters::default();
        c.insert("Udp", "InDatagrams", 5);
        c.insert("Udp6", "Udp6InDatagrams", 2);
        c.insert("Udp", "NoPorts", 1);
        let l = block_lines(&c, "udp", 2);
        assert_eq!(l[0], "\t8 datagrams received");
        assert!(l.contains(&"\t\t7 delivered".to_string()), "{l:?}");
        let mut c = StatCounters::default();
        c.insert("IcmpMsg", "OutType3", 4);
        let l = block_lines(&c, "icmp", 1);
        assert!(l.contains(&"\tOutput histogram:".to_string()));
        assert!(l.contains(&"\t\tdestination unreachable: 4".to_string()));
        assert!(!l.contains(&"\tInput histogram:".to_string()));
    }
}
