//! The default display: "Active Internet connections" (with `-a`, `-A`, `-W`, `-l`, `-n`, `-f`,
//! `-p`), "Current listen queue sizes" (`-L`) and "Active LOCAL (UNIX) domain sockets".
//!
//! Linux sockets are grouped as Apple walks its protocol list: TCP (every version), UDP, then raw
//! sockets by protocol (`ip`, `icmp`, `igmp`, then IPv6 `icmp6` and the rest as `rip6`). Inside a
//! group the newest socket comes first, as in BSD's PCB lists; Linux has no creation order, so
//! netpry sorts by descending inode. The version tag is `4`, `6`, or `46` for an IPv6 socket bound
//! to `::` without IPV6_V6ONLY; v4-mapped IPv6 sockets print as `4` with dotted quads.

use std::borrow::Cow;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};

use super::args::Af;
use super::data::{self, Device, Socket};
use super::names::{self, Names};
use super::{BsdCtx, l, line};
use crate::error::Result;
use crate::model::Proto;
use crate::netstat::rows::socket::state;
use crate::tables::records::Family;

/// The Internet sockets of one run, with what formatting them needs.
pub struct Inet {
    socks: Vec<Socket>,
    names: Names,
    bindv6only: bool,
    ephemeral: (u16, u16),
}

/// Request sockets (SYN_RCVD) per local address and port, for `-L`'s incqlen.
type Incomplete = std::collections::HashMap<(Option<IpAddr>, u16), usize>;

/// A socket ready to print.
struct Row<'a> {
    s: &'a Socket,
    /// Protocol list entry it belongs to (`tcp`, `udp`, `ip`, `icmp`, `igmp`, `icmp6`, `rip6`).
    group: &'static str,
    /// Version tag: `4 `, `6 `, `46`.
    tag: &'static str,
    local: Option<IpAddr>,
    remote: Option<IpAddr>,
}

/// Protocol list entries that have sockets on Linux (Apple's `pr_cblocation`).
pub fn has_pcb_list(p: &str) -> bool {
    matches!(
        p,
        "tcp" | "udp" | "divert" | "ip" | "icmp" | "igmp" | "icmp6" | "rip6"
    )
}

impl Inet {
    /// Reads sockets, interface names and the sysctls the display needs.
    pub fn load(ctx: &BsdCtx<'_>) -> Result<Inet> {
        let socks = data::sockets(ctx.cat)?;
        let mut names = Names::load(ctx.opts.numeric, ctx.cat);
        if let Ok(ifs) = data::interfaces(ctx.cat) {
            names.ifnames = ifs.into_iter().map(|i| (i.index, i.name)).collect();
        }
        let bindv6only =
            data::sysctl(ctx.cat, "net.ipv6.bindv6only").is_some_and(|v| v.trim() == "1");
        let ephemeral = data::sysctl(ctx.cat, "net.ipv4.ip_local_port_range")
            .and_then(|v| {
                let mut w = v.split_whitespace().map(|n| n.parse::<u16>().ok());
                Some((w.next()??, w.next()??))
            })
            .unwrap_or((32768, 60999));
        Ok(Inet {
            socks,
            names,
            bindv6only,
            ephemeral,
        })
    }

    /// Gives the sockets back (for the UNIX list).
    pub fn into_sockets(self) -> Vec<Socket> {
        self.socks
    }

    fn rows(&self) -> Vec<Row<'_>> {
        let mut rows: Vec<Row<'_>> = self.socks.iter().filter_map(|s| self.classify(s)).collect();
        rows.sort_by(|a, b| b.s.inode.cmp(&a.s.inode).then(b.s.cookie.cmp(&a.s.cookie)));
        rows
    }

    fn classify<'a>(&self, s: &'a Socket) -> Option<Row<'a>> {
        let v6 = match s.family? {
            Family::Inet => false,
            Family::Inet6 => true,
            Family::Unix | Family::Link => return None,
        };
        let group = match (s.proto?, v6) {
            (Proto::Tcp, _) => "tcp",
            (Proto::Udp, _) => "udp",
            (Proto::Raw, false) => match s.local_port {
                1 => "icmp",
                2 => "igmp",
                _ => "ip",
            },
            (Proto::Raw, true) => match s.local_port {
                58 => "icmp6",
                _ => "rip6",
            },
            (Proto::UdpLite | Proto::Unix, _) => return None,
        };
        let mapped = |a: Option<IpAddr>| match a {
            Some(IpAddr::V6(x)) => x.to_ipv4_mapped().map(IpAddr::V4),
            _ => None,
        };
        let (mut local, mut remote, mut tag) = (s.local, s.remote, if v6 { "6 " } else { "4 " });
        if v6 {
            if mapped(local).is_some() || mapped(remote).is_some() {
                tag = "4 ";
                local = Some(mapped(local).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
                remote = Some(mapped(remote).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
            } else if local.is_none_or(|a| a.is_unspecified())
                && !s.v6only.unwrap_or(self.bindv6only)
                && s.proto != Some(Proto::Raw)
            {
                tag = "46";
            }
        }
        Some(Row {
            s,
            group,
            tag,
            local,
            remote,
        })
    }

    /// The socket list of every Internet protocol in Apple's order, filtered by `-f`.
    pub fn print_all(&self, ctx: &BsdCtx<'_>, out: &mut dyn Write) -> Result<()> {
        let af = ctx.opts.af;
        let mut groups: Vec<&str> = Vec::new();
        if matches!(af, None | Some(Af::Inet)) {
            groups.extend(["tcp", "udp", "ip", "icmp", "igmp"]);
        }
        if matches!(af, None | Some(Af::Inet6)) {
            for g in ["tcp", "udp", "icmp6", "rip6"] {
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
        }
        self.print_groups(ctx, &groups, out)
    }

    /// The socket list of protocol `p` (`-p`).
    pub fn print_protocol(&self, ctx: &BsdCtx<'_>, p: &str, out: &mut dyn Write) -> Result<()> {
        let groups: Vec<&str> = vec![p];
        self.print_groups(ctx, &groups, out)
    }

    fn print_groups(&self, ctx: &BsdCtx<'_>, groups: &[&str], out: &mut dyn Write) -> Result<()> {
        let o = &ctx.opts;
        let rows = self.rows();
        let mut incomplete = Incomplete::new();
        if o.listen_queues {
            for r in rows
                .iter()
                .filter(|r| is_tcp(r.s) && BsdState::of(r.s.state) == BsdState::SynRcvd)
            {
                *incomplete.entry((r.local, r.s.local_port)).or_default() += 1;
            }
        }
        let mut first = true;
        for g in groups {
            for row in rows.iter().filter(|r| r.group == *g) {
                let state = BsdState::of(row.s.state);
                let tcp = is_tcp(row.s);
                let capable = |fam: Af| match fam {
                    Af::Inet => row.tag != "6 ",
                    Af::Inet6 => row.tag != "4 ",
                    _ => false,
                };
                if o.af.is_some_and(|f| !capable(f)) {
                    continue;
                }
                if tcp && !o.all && matches!(state, BsdState::Listen | BsdState::Closed) {
                    continue;
                }
                if o.listen_queues && !(tcp && state == BsdState::Listen) {
                    continue;
                }
                if first {
                    self.header(ctx, out)?;
                    first = false;
                }
                let text = self.format_row(ctx, row, &incomplete);
                line(out, &text)?;
            }
        }
        Ok(())
    }

    fn header(&self, ctx: &BsdCtx<'_>, out: &mut dyn Write) -> Result<()> {
        let o = &ctx.opts;
        if o.listen_queues {
            line(out, "Current listen queue sizes (qlen/incqlen/maxqlen)")?;
        } else if o.all {
            line(out, "Active Internet connections (including servers)")?;
        } else {
            line(out, "Active Internet connections")?;
        }
        let mut h = String::new();
        if o.a_pcb {
            h.push_str(&l("Socket", 16));
            h.push(' ');
        }
        if o.listen_queues {
            h.push_str(&format!(
                "{} {}",
                l("Listen", 14),
                l("Local Address", if o.long > 0 { 39 } else { 22 })
            ));
        } else {
            let w = self.addr_width(ctx);
            h.push_str(&format!(
                "{} {} {}  {} {} (state)",
                l("Proto", 5),
                l("Recv-Q", 6),
                l("Send-Q", 6),
                l("Local Address", w),
                l("Foreign Address", w)
            ));
        }
        line(out, &h)
    }

    fn addr_width(&self, ctx: &BsdCtx<'_>) -> usize {
        let o = &ctx.opts;
        if o.long > 0 {
            45
        } else if o.a_pcb && !o.wide {
            18
        } else {
            22
        }
    }

    fn format_row(&self, ctx: &BsdCtx<'_>, row: &Row<'_>, incomplete: &Incomplete) -> String {
        let o = &ctx.opts;
        let s = row.s;
        let state = BsdState::of(s.state);
        let mut t = String::new();
        if o.a_pcb {
            t.push_str(&format!("{:>16x} ", s.cookie));
        }
        if o.listen_queues {
            let incomplete = incomplete
                .get(&(row.local, s.local_port))
                .copied()
                .unwrap_or(0);
            t.push_str(&l(&format!("{}/{}/{}", s.recv_q, incomplete, s.send_q), 14));
            t.push(' ');
        } else {
            let (rq, sq) = if state == BsdState::Listen {
                (0, 0)
            } else {
                (s.recv_q, s.send_q)
            };
            t.push_str(&format!("{}{} {rq:>6} {sq:>6}  ", l(row.group, 3), row.tag));
        }
        let raw = !matches!(s.proto, Some(Proto::Tcp | Proto::Udp));
        let (lport, fport) = if raw {
            (0, 0)
        } else {
            (s.local_port, s.remote_port)
        };
        let svc = if s.proto == Some(Proto::Udp) {
            "udp"
        } else {
            "tcp"
        };
        let anonymous = state != BsdState::Listen
            && lport >= self.ephemeral.0
            && lport <= self.ephemeral.1
            && lport != 0;
        let (lnum, fnum) = if o.numeric {
            (true, true)
        } else if anonymous {
            (true, false)
        } else {
            (false, lport != fport)
        };
        let (dev, dev_name) = match &s.dev {
            Device::Index(i) => (*i, ""),
            Device::Name(n) => (0, &**n),
            Device::None => (0, ""),
        };
        t.push_str(&self.field(ctx, row.local, lport, svc, lnum, dev, dev_name));
        if !o.listen_queues {
            t.push_str(&self.field(ctx, row.remote, fport, svc, fnum, dev, dev_name));
            if is_tcp(s) {
                t.push_str(state.word());
            }
        }
        t
    }

    /// One `host.port` field, padded (and normally cut) to the column width, plus a space.
    #[allow(clippy::too_many_arguments)]
    fn field(
        &self,
        ctx: &BsdCtx<'_>,
        ip: Option<IpAddr>,
        port: u16,
        svc: &str,
        numeric_port: bool,
        dev: u32,
        dev_name: &str,
    ) -> String {
        let o = &ctx.opts;
        let port_text = if port == 0 {
            "*".to_string()
        } else if numeric_port {
            port.to_string()
        } else {
            match self.names.service(port, svc) {
                Some(n) => n.chars().take(15).collect(),
                None => port.to_string(),
            }
        };
        let width = self.addr_width(ctx);
        let short_host = o.a_pcb && !numeric_port;
        match ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)) {
            IpAddr::V4(a) => {
                let host = names::inetname(a, &self.names);
                let host: String = if o.wide {
                    host
                } else {
                    host.chars()
                        .take(if short_host { 12 } else { 16 })
                        .collect()
                };
                let text = format!("{host}.{port_text} ");
                if o.wide {
                    format!("{text:<width$} ")
                } else {
                    format!("{} ", l(&text, width))
                }
            }
            IpAddr::V6(a) => {
                let host = if a.is_unspecified() {
                    "*".to_string()
                } else if dev == 0
                    && !dev_name.is_empty()
                    && names::is_scoped6(a)
                    && self.names.host(&IpAddr::V6(a)).is_none()
                {
                    format!("{a}%{dev_name}")
                } else {
                    self.names.host6(a, dev)
                };
                let cut = if o.long > 0 {
                    39
                } else if short_host {
                    12
                } else {
                    16
                };
                let host: String = host.chars().take(cut).collect();
                format!("{} ", l(&format!("{host}.{port_text}"), width))
            }
        }
    }
}

/// Whether a socket is a TCP one.
fn is_tcp(s: &Socket) -> bool {
    s.proto == Some(Proto::Tcp)
}

/// A TCP state as BSD names it (`tcp_fsm.h`); Linux's request sockets are SYN_RCVD too, and
/// every state BSD has no word for (or none at all) is CLOSED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BsdState {
    /// CLOSED.
    Closed,
    /// LISTEN.
    Listen,
    /// SYN_SENT.
    SynSent,
    /// SYN_RCVD.
    SynRcvd,
    /// ESTABLISHED.
    Established,
    /// CLOSE_WAIT.
    CloseWait,
    /// FIN_WAIT_1.
    FinWait1,
    /// CLOSING.
    Closing,
    /// LAST_ACK.
    LastAck,
    /// FIN_WAIT_2.
    FinWait2,
    /// TIME_WAIT.
    TimeWait,
}

impl BsdState {
    /// BSD's state of a Linux kernel state ([`Socket::state`]).
    pub fn of(linux: Option<u8>) -> BsdState {
        match linux {
            Some(state::ESTABLISHED) => BsdState::Established,
            Some(state::SYN_SENT) => BsdState::SynSent,
            Some(state::SYN_RECV | state::NEW_SYN_RECV) => BsdState::SynRcvd,
            Some(state::FIN_WAIT1) => BsdState::FinWait1,
            Some(state::FIN_WAIT2) => BsdState::FinWait2,
            Some(state::TIME_WAIT) => BsdState::TimeWait,
            Some(state::CLOSE_WAIT) => BsdState::CloseWait,
            Some(state::LAST_ACK) => BsdState::LastAck,
            Some(state::LISTEN) => BsdState::Listen,
            Some(state::CLOSING) => BsdState::Closing,
            _ => BsdState::Closed,
        }
    }

    /// The word netstat prints.
    pub fn word(self) -> &'static str {
        match self {
            BsdState::Closed => "CLOSED",
            BsdState::Listen => "LISTEN",
            BsdState::SynSent => "SYN_SENT",
            BsdState::SynRcvd => "SYN_RCVD",
            BsdState::Established => "ESTABLISHED",
            BsdState::CloseWait => "CLOSE_WAIT",
            BsdState::FinWait1 => "FIN_WAIT_1",
            BsdState::Closing => "CLOSING",
            BsdState::LastAck => "LAST_ACK",
            BsdState::FinWait2 => "FIN_WAIT_2",
            BsdState::TimeWait => "TIME_WAIT",
        }
    }
}

/// "Active LOCAL (UNIX) domain sockets": every stream, then dgram, then seqpacket socket.
pub fn unix(socks: &[Socket], out: &mut dyn Write) -> Result<()> {
    let mut list: Vec<(usize, &Socket)> = socks
        .iter()
        .filter(|s| s.family == Some(Family::Unix) || s.proto == Some(Proto::Unix))
        .map(|s| (type_rank(s.sock_type), s))
        .collect();
    list.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.inode.cmp(&a.1.inode)));
    let mut first = true;
    for (_, s) in list {
        if first {
            line(out, "Active LOCAL (UNIX) domain sockets")?;
            line(
                out,
                &format!(
                    "{} {} {} {} {:>16} {:>16} {:>16} {:>16} Addr",
                    l("Address", 16),
                    l("Type", 6),
                    l("Recv-Q", 6),
                    l("Send-Q", 6),
                    "Inode",
                    "Conn",
                    "Refs",
                    "Nextref"
                ),
            )?;
            first = false;
        }
        let mut t = format!(
            "{:>16x} {} {:>6} {:>6} {:>16x} {:>16x} {:>16x} {:>16x}",
            s.inode,
            l(&type_name(s.sock_type), 6),
            s.recv_q,
            s.send_q,
            0,
            s.peer_inode,
            0,
            0
        );
        if let Some(path) = s.path.as_deref().filter(|p| !p.is_empty()) {
            t.push(' ');
            t.push_str(path);
        }
        line(out, &t)?;
    }
    Ok(())
}

/// The order of a socket type in the UNIX list: stream, dgram, seqpacket, the rest.
fn type_rank(sock_type: u8) -> usize {
    match sock_type {
        1 => 0,
        2 => 1,
        5 => 2,
        _ => 3,
    }
}

/// The Type column (empty when unknown, the number for a type BSD has no word for).
fn type_name(sock_type: u8) -> Cow<'static, str> {
    match sock_type {
        0 => "".into(),
        1 => "stream".into(),
        2 => "dgram".into(),
        3 => "raw".into(),
        4 => "rdm".into(),
        5 => "seqpac".into(),
        n => n.to_string().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_to_bsd_words() {
        let word = |s| BsdState::of(s).word();
        assert_eq!(word(Some(state::FIN_WAIT1)), "FIN_WAIT_1");
        assert_eq!(word(Some(state::NEW_SYN_RECV)), "SYN_RCVD");
        assert_eq!(word(Some(state::SYN_RECV)), "SYN_RCVD");
        assert_eq!(word(Some(state::CLOSE)), "CLOSED");
        assert_eq!(word(Some(0)), "CLOSED");
        assert_eq!(word(Some(13)), "CLOSED");
        assert_eq!(word(None), "CLOSED");
        assert_eq!(word(Some(state::LISTEN)), "LISTEN");
    }

    #[test]
    fn unix_types() {
        assert_eq!(type_name(5), "seqpac");
        assert_eq!((type_name(0), type_name(9)), ("".into(), "9".into()));
        assert!(type_rank(1) < type_rank(2) && type_rank(2) < type_rank(5));
        assert!(type_rank(5) < type_rank(3));
    }
}
