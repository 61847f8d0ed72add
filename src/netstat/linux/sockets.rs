//! Internet socket rows of net-tools netstat (`tcp`, `udp`, `udpl`, `raw` and their `6`
//! variants): what net-tools makes of the shared socket row ([`Socket`], read from netpry's
//! `sockets` table or streamed from the live collector), the listening rule, which snapshot
//! rows it leaves out, and the exact text of a row (queues, `host:port` columns, state, and the
//! `-e`, `-p`, `-o` parts).
//!
//! The kernel's socket diagnostics report some values differently from `/proc/net/tcp`, which
//! is what netstat reads; the differences are undone here: a TCP listener's Send-Q is 0 in
//! `/proc` (sock_diag reports the backlog limit), and timer expiries are printed in clock ticks
//! of 1/100 s, derived from the milliseconds sock_diag reports.

use crate::model::rawtext::raw_len;
use std::borrow::Cow;
use std::net::IpAddr;

use super::names::{self, PortNames, Resolver, ServProto, Users};
pub use crate::model::Proto;
use crate::netstat::rows::socket::{CORE_COLUMNS, Socket, SocketCols, state};
use crate::tables::sockets::STATE_NAMES;

/// netstat's texts of a socket protocol.
trait ProtoText {
    /// The Proto column text.
    fn label(self, v6: bool) -> &'static str;
    /// The services file's protocol for port names.
    fn services(self) -> ServProto;
}

impl ProtoText for Proto {
    fn label(self, v6: bool) -> &'static str {
        match (self, v6) {
            (Proto::Tcp, false) => "tcp",
            (Proto::Tcp, true) => "tcp6",
            (Proto::Udp, false) => "udp",
            (Proto::Udp, true) => "udp6",
            (Proto::UdpLite, false) => "udpl",
            (Proto::UdpLite, true) => "udpl6",
            (Proto::Raw, false) => "raw",
            (Proto::Raw, true) => "raw6",
            (Proto::Unix, _) => "unix",
        }
    }

    fn services(self) -> ServProto {
        match self {
            Proto::Tcp => ServProto::Tcp,
            Proto::Udp | Proto::UdpLite => ServProto::Udp,
            Proto::Raw | Proto::Unix => ServProto::Raw,
        }
    }
}

/// The kernel states net-tools knows by name (1 ESTABLISHED ... 11 CLOSING); names come from
/// the `sockets` table's list. Others (NEW_SYN_RECV, unknown numbers) are out of its range.
pub const NETSTAT_STATES: std::ops::Range<u8> = 1..12;

/// What net-tools makes of a socket row ([`Socket`], the shared view): the fields as
/// `/proc/net/{tcp,udp,udplite,raw}{,6}` shows them, and the texts of its columns.
pub trait InetText {
    /// From the IPv6 file (`tcp6`, ...).
    fn v6(&self) -> bool;
    /// The kernel state number as netstat knows it (0 for states it has no name for).
    fn netstat_state(&self) -> u8;
    /// The local address as the `/proc` file gives it (IPv4-mapped for an IPv4 peer of an
    /// IPv6 socket; the unspecified address when unknown).
    fn local_ip(&self) -> IpAddr;
    /// The remote address, as [`InetText::local_ip`].
    fn remote_ip(&self) -> IpAddr;
    /// The Send-Q column: a TCP listener's is 0 in `/proc` (sock_diag reports the backlog
    /// limit).
    fn proc_send_q(&self) -> u64;
    /// netstat's listening rule: TCP by remote port 0, the others by an all-zero remote
    /// address.
    fn is_listening(&self) -> bool;
    /// The State column text.
    fn state_text(&self) -> String;
    /// The State column text, borrowed where it is a fixed word.
    fn state_str(&self) -> Cow<'static, str>;
    /// The `-o` Timer text.
    fn timer_text(&self) -> String;
}

/// The address as the `/proc` file of family `v6` shows it.
fn proc_ip(ip: Option<IpAddr>, v6: bool) -> IpAddr {
    match (ip, v6) {
        (Some(IpAddr::V4(a)), true) => IpAddr::V6(a.to_ipv6_mapped()),
        (Some(ip), _) => ip,
        (None, true) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
        (None, false) => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
    }
}

/// The protocol of an Internet row (UNIX for others, which have no Internet texts).
fn proto(s: &Socket) -> Proto {
    s.ip_kind().map_or(Proto::Unix, |(p, _)| p)
}

impl InetText for Socket {
    fn v6(&self) -> bool {
        self.ip_kind().is_some_and(|(_, v6)| v6)
    }

    fn netstat_state(&self) -> u8 {
        self.state
            .filter(|s| NETSTAT_STATES.contains(s))
            .unwrap_or(0)
    }

    fn local_ip(&self) -> IpAddr {
        proc_ip(self.local, self.v6())
    }

    fn remote_ip(&self) -> IpAddr {
        proc_ip(self.remote, self.v6())
    }

    fn proc_send_q(&self) -> u64 {
        if proto(self) == Proto::Tcp && self.netstat_state() == state::LISTEN {
            0
        } else {
            self.send_q
        }
    }

    fn is_listening(&self) -> bool {
        match proto(self) {
            Proto::Tcp => self.remote_port == 0,
            _ => names::is_unspecified(&self.remote_ip()),
        }
    }

    fn state_text(&self) -> String {
        self.state_str().into_owned()
    }

    fn state_str(&self) -> Cow<'static, str> {
        let state = self.netstat_state();
        match proto(self) {
            Proto::Tcp => match state {
                0 => "".into(),
                s if NETSTAT_STATES.contains(&s) => STATE_NAMES[usize::from(s)].into(),
                _ => "UNKNOWN".into(),
            },
            Proto::Udp | Proto::UdpLite => match state {
                state::ESTABLISHED => "ESTABLISHED".into(),
                state::CLOSE => "".into(),
                _ => "UNKNOWN".into(),
            },
            Proto::Raw | Proto::Unix => state.to_string().into(),
        }
    }

    fn timer_text(&self) -> String {
        let ticks = self.timer_expires_ms / 10;
        let secs = format!("{}.{:02}", ticks / 100, ticks % 100);
        match proto(self) {
            Proto::Tcp => {
                let (r, t) = (self.retransmits, self.probes);
                match self.timer {
                    0 => format!("off (0.00/{r}/{t})"),
                    1 => format!("on ({secs}/{r}/{t})"),
                    2 => format!("keepalive ({secs}/{r}/{t})"),
                    3 => format!("timewait ({secs}/{r}/{t})"),
                    4 => format!("probe ({secs}/{r}/{t})"),
                    n => format!("unkn-{n} ({secs}/{r}/{t})"),
                }
            }
            _ => {
                let t = self.probes;
                match self.timer {
                    0 => format!("off (0.00/0/{t})"),
                    n @ (1 | 2) => format!("on{n} ({secs}/0/{t})"),
                    n => format!("unkn-{n} ({secs}/0/{t})"),
                }
            }
        }
    }
}

/// Which optional columns a listing prints, and how names are shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Layout {
    /// `-e`: User and Inode.
    pub extend: bool,
    /// `-p`: PID/Program name.
    pub programs: bool,
    /// `-o`: Timer.
    pub timers: bool,
    /// `-W`: never truncate addresses.
    pub wide: bool,
    /// Numeric hosts.
    pub numeric_hosts: bool,
    /// Numeric ports.
    pub numeric_ports: bool,
    /// Numeric users.
    pub numeric_users: bool,
}

/// The name lookups a listing uses, shared across sections and `-c` passes.
#[derive(Debug, Default)]
pub struct Names {
    /// Host names.
    pub hosts: Resolver,
    /// Port and protocol names.
    pub services: PortNames,
    /// User names.
    pub users: Users,
    /// Reused text buffers (host, port) so that a row costs no allocation.
    pub scratch: (String, String),
}

/// The Internet column header line (with its newline).
pub fn header(layout: &Layout) -> String {
    let mut s = String::from(
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State      ",
    );
    if layout.extend {
        s.push_str(" User       Inode     ");
    }
    if layout.programs {
        s.push_str(" PID/Program name    ");
    }
    if layout.timers {
        s.push_str(" Timer");
    }
    s.push('\n');
    s
}

/// Appends `s` left-justified to `width` bytes (never truncated).
pub fn pad_left(buf: &mut String, s: &str, width: usize) {
    buf.push_str(s);
    for _ in raw_len(s)..width {
        buf.push(' ');
    }
}

/// Appends `s` right-justified to `width` bytes.
pub fn pad_right(buf: &mut String, s: &str, width: usize) {
    for _ in raw_len(s)..width {
        buf.push(' ');
    }
    buf.push_str(s);
}

/// Appends the decimal `n` right-justified to `width` bytes (no allocation).
fn pad_num_right(buf: &mut String, n: u64, width: usize) {
    let digits = n.checked_ilog10().map_or(1, |l| l as usize + 1);
    for _ in digits..width {
        buf.push(' ');
    }
    names::push_num(buf, n);
}

/// Pads what was appended to `buf` since `start` with spaces to `width` bytes.
fn pad_from(buf: &mut String, start: usize, width: usize) {
    for _ in raw_len(&buf[start..])..width {
        buf.push(' ');
    }
}

/// The `-p` text: `pid/program` cut to 19 bytes; `-` when no process is known. `argv0` is the
/// first string of the process's command line (its base name is used when it is a path).
pub fn program_text(pid: Option<u32>, argv0: Option<&str>) -> String {
    let Some(pid) = pid else {
        return "-".to_string();
    };
    let argv0 = argv0.unwrap_or("");
    let prog = if argv0.starts_with('/') {
        argv0.rsplit('/').next().unwrap_or("")
    } else {
        argv0
    };
    let full = format!("{pid}/{prog}");
    names::cut_bytes(&full, 19).to_string()
}

/// Formats one row (with its newline) into `buf`. `prog` is the `-p` text when wanted.
pub fn format_row(buf: &mut String, row: &Socket, layout: &Layout, names: &mut Names, prog: &str) {
    let proto = proto(row);
    let sp = proto.services();
    let label = proto.label(row.v6());
    match proto {
        Proto::Tcp => {
            pad_left(buf, label, 4);
            buf.push_str("  ");
        }
        _ => {
            pad_left(buf, label, 5);
            buf.push(' ');
        }
    }
    pad_num_right(buf, row.recv_q, 6);
    buf.push(' ');
    pad_num_right(buf, row.proc_send_q(), 6);
    buf.push(' ');
    address(buf, names, &row.local_ip(), row.local_port, sp, layout);
    buf.push(' ');
    address(buf, names, &row.remote_ip(), row.remote_port, sp, layout);
    buf.push(' ');
    pad_left(buf, &row.state_str(), 11);
    if layout.extend {
        buf.push(' ');
        let uid = row.uid.unwrap_or(0);
        pad_left(buf, &names.users.text(uid, layout.numeric_users), 10);
        buf.push(' ');
        pad_left(buf, &row.inode.to_string(), 10);
    }
    if layout.programs {
        buf.push(' ');
        pad_left(buf, prog, 20);
    }
    if layout.timers {
        buf.push(' ');
        buf.push_str(&row.timer_text());
    }
    buf.push('\n');
}

/// Appends the `host:port` column, padded to 23 bytes, using the scratch buffers of `names`.
fn address(
    buf: &mut String,
    names: &mut Names,
    ip: &IpAddr,
    port: u16,
    sp: ServProto,
    layout: &Layout,
) {
    let (host, port_text) = &mut names.scratch;
    host.clear();
    port_text.clear();
    names.hosts.host_into(host, ip, layout.numeric_hosts);
    names
        .services
        .port_into(port_text, sp, port, layout.numeric_ports);
    let start = buf.len();
    names::join_host_port_into(buf, host, port_text, layout.wide);
    pad_from(buf, start, 23);
}

/// Why a snapshot's Internet socket row is left out of the listing (each kind is reported once
/// on stderr with its count): the kernel never reports such a row, so printing it would show
/// something netstat cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Skip {
    /// A local or remote port outside 0..=65535.
    Port,
    /// A state that is neither a name of the `sockets` table nor a kernel state number (the
    /// table's spelling of states it has no name for), or none, in a table with the column.
    State,
}

/// The `sockets` columns an Internet listing needs for `layout`.
pub fn wanted_columns(layout: &Layout) -> Vec<&'static str> {
    let mut c = CORE_COLUMNS.to_vec();
    if layout.extend {
        c.extend(["uid", "inode"]);
    }
    if layout.programs {
        c.push("pid");
    }
    if layout.timers {
        c.extend(["timer", "timer_expires_ms", "retransmits", "probes"]);
    }
    c
}

/// The columns whose absence changes the text (ports would print as `*`, states as blank).
pub const TELLING_COLUMNS: [&str; 5] = [
    "state",
    "local_addr",
    "local_port",
    "remote_addr",
    "remote_port",
];

/// Whether Internet row `r` of a snapshot must be left out, and why: a port outside
/// 0..=65535 (a `u16` cast would print 70000 as 4464), or (when `check_state`, i.e. the table
/// has states) a state that names none (see [`Socket::state`]).
pub fn skip(c: &SocketCols<'_>, r: usize, check_state: bool) -> Option<Skip> {
    if c.port_out_of_range(r) {
        return Some(Skip::Port);
    }
    if check_state && c.state(r).is_none() {
        return Some(Skip::State);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Table, Type, Value};
    use crate::tables::records::Family;

    #[test]
    fn snapshot_cells_out_of_range_read_as_zero_with_a_problem() {
        let cols = [
            "proto",
            "family",
            "state",
            "local_port",
            "uid",
            "inode",
            "pid",
        ];
        let types = [
            Type::Str,
            Type::Str,
            Type::Str,
            Type::Int,
            Type::Int,
            Type::Int,
            Type::Int,
        ];
        let mut t = Table::new(
            "sockets",
            cols.iter()
                .zip(types)
                .map(|(n, ty)| Column::new(n, ty, "c"))
                .collect::<Vec<_>>(),
        );
        t.push([
            Value::str("tcp"),
            Value::str("inet"),
            Value::str("LISTEN"),
            Value::Int(22),
            Value::Int(-1),
            Value::Int(1 << 40),
            Value::Int(-7),
        ]);
        t.push([
            Value::str("udp"),
            Value::str("inet6"),
            Value::str("CLOSE"),
            Value::Int(70000),
            Value::Int(1000),
            Value::Int(5),
            Value::Int(42),
        ]);
        t.push([
            Value::str("tcp"),
            Value::str("inet"),
            Value::str("BOGUS"),
            Value::Int(22),
            Value::Null,
            Value::Null,
            Value::Null,
        ]);
        let c = SocketCols::of(&t);
        assert_eq!(skip(&c, 0, true), None);
        assert_eq!(
            skip(&c, 1, true),
            Some(Skip::Port),
            "70000 is left out, not wrapped"
        );
        assert_eq!(skip(&c, 2, true), Some(Skip::State));
        assert_eq!(skip(&c, 2, false), None, "a table without states");
        let r = c.read(0);
        assert_eq!(
            (r.local_port, r.uid, r.inode, r.pid),
            (22, None, 1 << 40, None)
        );
        let p = c.take_problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("uid -1 is out of range"), "{p:?}");
        assert!(p[1].contains("pid -7 is out of range"), "{p:?}");
        let l = Layout {
            extend: true,
            ..numeric()
        };
        assert!(
            text(&r, &l, "").contains(" LISTEN      0          1099511627776"),
            "an out-of-range uid prints as 0"
        );
        let r = c.read(1);
        assert_eq!((r.v6(), r.uid, r.pid), (true, Some(1000), Some(42)));
    }

    fn row(
        proto: Proto,
        v6: bool,
        state: u8,
        local: &str,
        lp: u16,
        remote: &str,
        rp: u16,
    ) -> Socket {
        Socket {
            proto: Some(proto),
            family: Some(if v6 { Family::Inet6 } else { Family::Inet }),
            state: Some(state),
            local: Some(local.parse().unwrap()),
            local_port: lp,
            remote: Some(remote.parse().unwrap()),
            remote_port: rp,
            ..Socket::default()
        }
    }

    fn numeric() -> Layout {
        Layout {
            numeric_hosts: true,
            numeric_ports: true,
            numeric_users: true,
            ..Layout::default()
        }
    }

    fn text(r: &Socket, layout: &Layout, prog: &str) -> String {
        let mut names = Names {
            hosts: Resolver::offline(Vec::new()),
            services: PortNames::parse(
                "http-alt 8080/tcp\nssh 22/tcp\n",
                "icmp 1 ICMP\nipv6-icmp 58 IPv6-ICMP\n",
            ),
            users: Users::default(),
            scratch: Default::default(),
        };
        let mut s = String::new();
        format_row(&mut s, r, layout, &mut names, prog);
        s
    }

    #[test]
    fn spec_sample_rows() {
        let mut r = row(Proto::Tcp, false, 10, "127.0.0.1", 8080, "0.0.0.0", 0);
        r.send_q = 4096;
        assert_eq!(r.proc_send_q(), 0, "a listener's backlog is not its Send-Q");
        assert_eq!(
            text(&r, &numeric(), ""),
            "tcp        0      0 127.0.0.1:8080          0.0.0.0:*               LISTEN     \n"
        );
        r.state = Some(1);
        r.send_q = 0;
        r.remote_port = 60758;
        r.remote = "127.0.0.1".parse().ok();
        r.recv_q = 1234;
        assert_eq!(
            text(&r, &numeric(), ""),
            "tcp     1234      0 127.0.0.1:8080          127.0.0.1:60758         ESTABLISHED\n"
        );
        let r = row(Proto::Tcp, true, 10, "::1", 9090, "::", 0);
        assert_eq!(
            text(&r, &numeric(), ""),
            "tcp6       0      0 ::1:9090                :::*                    LISTEN     \n"
        );
        let sym = Layout::default();
        assert_eq!(
            text(&r, &sym, ""),
            "tcp6       0      0 ::1:9090                [::]:*                  LISTEN     \n"
        );
        let r = row(
            Proto::Tcp,
            true,
            1,
            "::ffff:127.0.0.1",
            60778,
            "::ffff:127.0.0.1",
            8080,
        );
        assert_eq!(
            text(&r, &numeric(), ""),
            "tcp6       0      0 127.0.0.1:60778         127.0.0.1:8080          ESTABLISHED\n"
        );
        let mut r = row(Proto::Udp, false, 7, "127.0.0.1", 5353, "0.0.0.0", 0);
        r.recv_q = 832;
        let l = Layout {
            programs: true,
            ..numeric()
        };
        assert_eq!(
            text(&r, &l, &program_text(Some(24838), Some("python3"))),
            "udp      832      0 127.0.0.1:5353          0.0.0.0:*                           24838/python3       \n"
        );
        let r = row(Proto::Raw, true, 7, "::1", 58, "::", 0);
        assert_eq!(
            text(&r, &sym, ""),
            "raw6       0      0 ::1:ipv6-icmp           [::]:*                  7          \n"
        );
        let r = row(Proto::UdpLite, false, 7, "0.0.0.0", 7777, "0.0.0.0", 0);
        assert_eq!(
            text(&r, &numeric(), ""),
            "udpl       0      0 0.0.0.0:7777            0.0.0.0:*                          \n"
        );
    }

    #[test]
    fn synthetic_truncation_and_timers() {
        let mut r = row(
            Proto::Tcp,
            false,
            1,
            "192.168.100.200",
            65535,
            "10.20.30.40",
            443,
        );
        r.inode = 1001;
        r.timer = 1;
        r.timer_expires_ms = 3000;
        r.retransmits = 2;
        r.probes = 5;
        let l = Layout {
            extend: true,
            timers: true,
            ..numeric()
        };
        assert_eq!(
            text(&r, &l, ""),
            "tcp        0      0 192.168.100.200:65535   10.20.30.40:443         ESTABLISHED 0          1001       on (3.00/2/5)\n"
        );
        let mut r = row(Proto::Tcp, false, 2, "10.0.0.5", 1236, "10.0.0.6", 80);
        r.recv_q = 7_654_321;
        r.send_q = 1_234_567;
        assert_eq!(
            text(&r, &numeric(), ""),
            "tcp   7654321 1234567 10.0.0.5:1236           10.0.0.6:80             SYN_SENT   \n"
        );
        let r = row(
            Proto::Tcp,
            true,
            1,
            "2001:db8:1234:5678:9abc:def0:1234:5678",
            8080,
            "2001:db8::1",
            50000,
        );
        assert_eq!(
            text(&r, &Layout::default(), ""),
            "tcp6       0      0 2001:db8:1234::http-alt 2001:db8::1:50000       ESTABLISHED\n"
        );
        assert_eq!(
            text(
                &r,
                &Layout {
                    wide: true,
                    ..Layout::default()
                },
                ""
            ),
            "tcp6       0      0 2001:db8:1234:5678:9abc:def0:1234:5678:http-alt 2001:db8::1:50000       ESTABLISHED\n"
        );
        let mut r = row(Proto::Tcp, false, 8, "10.0.0.5", 1235, "10.0.0.6", 80);
        r.timer = 7;
        r.timer_expires_ms = 2500;
        assert_eq!(r.timer_text(), "unkn-7 (2.50/0/0)");
        r.timer = 2;
        r.timer_expires_ms = 7_194_119;
        assert_eq!(r.timer_text(), "keepalive (7194.11/0/0)");
        r.timer = 0;
        assert_eq!(r.timer_text(), "off (0.00/0/0)");
        let mut u = row(Proto::Udp, false, 0, "10.0.0.5", 5001, "0.0.0.0", 0);
        u.timer = 2;
        u.timer_expires_ms = 500;
        assert_eq!(
            (u.state_text().as_str(), u.timer_text().as_str()),
            ("UNKNOWN", "on2 (0.50/0/0)")
        );
    }

    #[test]
    fn listening_rules_and_program_text() {
        assert!(row(Proto::Tcp, false, 10, "0.0.0.0", 22, "1.2.3.4", 0).is_listening());
        assert!(!row(Proto::Udp, false, 7, "0.0.0.0", 22, "1.2.3.4", 0).is_listening());
        assert!(row(Proto::Udp, false, 7, "0.0.0.0", 22, "0.0.0.0", 53).is_listening());
        assert_eq!(
            program_text(Some(20869), Some("my server: worker")),
            "20869/my server: wo"
        );
        assert_eq!(program_text(Some(7), Some("/usr/bin/python3")), "7/python3");
        assert_eq!(program_text(Some(7), None), "7/");
        assert_eq!(program_text(None, None), "-");
        assert_eq!(
            header(&Layout {
                extend: true,
                timers: true,
                ..Layout::default()
            }),
            "Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      Timer\n"
        );
    }
}
