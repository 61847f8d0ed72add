//! Socket rows (the `sockets` table, or a record streamed from the live collector), as both
//! netstat front ends read them: protocol, family, kernel state and socket type typed, not
//! text; addresses as `IpAddr`; ports as checked `u16`; names (path, process, bound device)
//! as the table's raw text, shared rather than copied.
//!
//! Two constructors make the same row: [`SocketCols::read`] reads row `r` of a `sockets`
//! table (a snapshot, BSD's listing), and [`Socket::from_record`] takes a record of the live
//! collector (the net-tools listing streams them straight to its output, one at a time). The
//! second one allocates nothing: a `Socket` holds numbers, addresses and `Arc`s of the
//! record's names, so a streamed socket costs no heap memory.

use std::net::IpAddr;
use std::sync::Arc;

use crate::model::{Cols, Proto, Table, Value};
use crate::tables::records::{Family, SocketRecord};
use crate::tables::sockets::state_number;

/// The kernel's socket states ([`Socket::state`]; TCP numbering, which sock_diag uses for
/// every protocol).
pub mod state {
    /// TCP_ESTABLISHED (a connected UDP or raw socket; a connected UNIX socket).
    pub const ESTABLISHED: u8 = 1;
    /// TCP_SYN_SENT.
    pub const SYN_SENT: u8 = 2;
    /// TCP_SYN_RECV.
    pub const SYN_RECV: u8 = 3;
    /// TCP_FIN_WAIT1.
    pub const FIN_WAIT1: u8 = 4;
    /// TCP_FIN_WAIT2.
    pub const FIN_WAIT2: u8 = 5;
    /// TCP_TIME_WAIT.
    pub const TIME_WAIT: u8 = 6;
    /// TCP_CLOSE (an unconnected UDP, raw or UNIX socket).
    pub const CLOSE: u8 = 7;
    /// TCP_CLOSE_WAIT.
    pub const CLOSE_WAIT: u8 = 8;
    /// TCP_LAST_ACK.
    pub const LAST_ACK: u8 = 9;
    /// TCP_LISTEN (a listening UNIX socket too).
    pub const LISTEN: u8 = 10;
    /// TCP_CLOSING.
    pub const CLOSING: u8 = 11;
    /// TCP_NEW_SYN_RECV (a request socket).
    pub const NEW_SYN_RECV: u8 = 12;
}

/// UNIX flag `ACC` (a listening socket, `__SO_ACCEPTCON`), in [`Socket::flags`].
pub const FLAG_ACC: u8 = 1;
/// UNIX flag `W` (waiting for data), in [`Socket::flags`].
pub const FLAG_WAITDATA: u8 = 1 << 1;
/// UNIX flag `N` (no space), in [`Socket::flags`].
pub const FLAG_NOSPACE: u8 = 1 << 2;

/// The device a socket is bound to (SO_BINDTODEVICE).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Device {
    /// Not bound, or the table does not say.
    #[default]
    None,
    /// An ifindex without a name: a record whose name was not asked for, or a table that
    /// holds the number (the `sockets` table spells an unnamed device `ifN`, read as a name).
    Index(u32),
    /// The interface's name (raw text).
    Name(Arc<str>),
}

/// One socket (a row of `sockets`). Numbers a table lacks read as 0 (or `None` where the
/// field is optional), out-of-range numbers likewise (and are reported by the reader).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Socket {
    /// Protocol (`None` when the cell names none netpry knows).
    pub proto: Option<Proto>,
    /// Address family (`None` when the cell names none).
    pub family: Option<Family>,
    /// Kernel state number (see [`state`]); `None` when the cell is null or names no state.
    /// The table's names, `ss`'s (`UNCONN`, `SYN-RECV`, ...) and BSD's (`SYN_RCVD`,
    /// `FIN_WAIT_1`, `CLOSED`) read as their numbers, as does a number (the table's spelling
    /// of a state it has no name for).
    pub state: Option<u8>,
    /// Receive queue (for a listener, the current accept queue).
    pub recv_q: u64,
    /// Send queue (for a listener, the accept backlog).
    pub send_q: u64,
    /// Local address as the kernel reports it (IPv4 for an IPv4 peer of some IPv6 sockets).
    pub local: Option<IpAddr>,
    /// Local port (raw sockets: the IP protocol number; 0 for UNIX).
    pub local_port: u16,
    /// Remote address.
    pub remote: Option<IpAddr>,
    /// Remote port.
    pub remote_port: u16,
    /// Owning uid.
    pub uid: Option<u32>,
    /// Inode.
    pub inode: u64,
    /// sock_diag cookie (0 when unknown).
    pub cookie: u64,
    /// Bound device.
    pub dev: Device,
    /// Owning process id.
    pub pid: Option<u32>,
    /// Owning process name (comm, raw text).
    pub process: Option<Arc<str>>,
    /// Running timer: 0 off, 1 on (retransmit), 2 keepalive, 3 timewait, 4 probe; 0 too when
    /// the cell names no timer.
    pub timer: u8,
    /// Milliseconds until the timer fires.
    pub timer_expires_ms: u64,
    /// Retransmissions of the current data.
    pub retransmits: u64,
    /// Unanswered probes of the running timer.
    pub probes: u64,
    /// Socket type: 1 stream, 2 dgram, 3 raw, 4 rdm, 5 seqpacket (0 when unknown).
    pub sock_type: u8,
    /// UNIX path (`@name` for abstract names; raw text).
    pub path: Option<Arc<str>>,
    /// Inode of the connected UNIX peer (0 when unconnected).
    pub peer_inode: u64,
    /// UNIX reference count, when the table has it.
    pub refcnt: Option<u64>,
    /// UNIX flags as the table spells them ([`FLAG_ACC`], [`FLAG_WAITDATA`],
    /// [`FLAG_NOSPACE`]).
    pub flags: u8,
    /// IPV6_V6ONLY, when the table says (a `v6only` column, or the word in `flags`).
    pub v6only: Option<bool>,
}

impl Socket {
    /// The protocol and family of an Internet socket (TCP, UDP, UDP-Lite or raw, of family
    /// `inet` or `inet6`): `(proto, is IPv6)`; `None` for other rows.
    pub fn ip_kind(&self) -> Option<(Proto, bool)> {
        ip_kind(self.proto, self.family)
    }

    /// The row of a record streamed from the live collector: exactly what
    /// [`SocketCols::read`] makes of the record's row in the `sockets` table, but for a bound
    /// device whose name was not asked for ([`Device::Index`], where the table says `ifN`).
    /// Allocates nothing.
    pub fn from_record(r: &SocketRecord) -> Socket {
        const CELL_MAX: u64 = i64::MAX as u64;
        let unix = r.proto == Proto::Unix;
        // The table leaves the Internet-only numbers null for UNIX sockets, and the UNIX-only
        // ones for Internet sockets.
        let inet = |n: u64| if unix { 0 } else { n };
        Socket {
            proto: Some(r.proto),
            family: Some(r.family),
            state: Some(r.state),
            recv_q: u64::from(r.recv_q),
            send_q: u64::from(r.send_q),
            local: r.local_addr,
            local_port: if unix { 0 } else { r.local_port },
            remote: r.remote_addr,
            remote_port: if unix { 0 } else { r.remote_port },
            uid: r.uid,
            inode: r.inode.min(CELL_MAX),
            cookie: r.cookie.min(CELL_MAX),
            dev: match (r.bound_ifindex, &r.bound_dev) {
                (0, _) => Device::None,
                (_, Some(name)) => Device::Name(name.clone()),
                (i, None) => Device::Index(i),
            },
            pid: r.pid,
            process: r.process.clone(),
            timer: if unix || r.timer > 4 { 0 } else { r.timer },
            timer_expires_ms: inet(u64::from(r.timer_expires_ms)),
            retransmits: inet(u64::from(r.retransmits)),
            probes: inet(u64::from(r.probes)),
            sock_type: r.sock_type,
            path: r.path.clone(),
            peer_inode: if unix { r.peer_inode.min(CELL_MAX) } else { 0 },
            refcnt: r.refcnt.filter(|_| unix).map(u64::from),
            flags: if unix && r.state == state::LISTEN {
                FLAG_ACC
            } else {
                0
            },
            v6only: None,
        }
    }
}

/// See [`Socket::ip_kind`].
fn ip_kind(proto: Option<Proto>, family: Option<Family>) -> Option<(Proto, bool)> {
    let proto = proto.filter(|p| *p != Proto::Unix)?;
    match family? {
        Family::Inet => Some((proto, false)),
        Family::Inet6 => Some((proto, true)),
        Family::Unix | Family::Link => None,
    }
}

/// A protocol cell (`tcp`, `udp`, `udplite`, `raw`, `unix`; any case).
fn proto_of(v: &Value) -> Option<Proto> {
    let Value::Str(s) = v else { return None };
    [
        Proto::Tcp,
        Proto::Udp,
        Proto::UdpLite,
        Proto::Raw,
        Proto::Unix,
    ]
    .into_iter()
    .find(|p| p.name().eq_ignore_ascii_case(s))
}

/// A family cell (`inet`, `inet6`, `unix`, `link`; any case).
fn family_of(v: &Value) -> Option<Family> {
    let Value::Str(s) = v else { return None };
    [Family::Inet, Family::Inet6, Family::Unix, Family::Link]
        .into_iter()
        .find(|f| f.name().eq_ignore_ascii_case(s))
}

/// A state cell: the table's name, `ss`'s or BSD's word for it (any case), or a number (text,
/// as the table spells states without a name, or an integer).
fn state_of(v: &Value) -> Option<u8> {
    let s = match v {
        Value::Int(n) => return u8::try_from(*n).ok(),
        Value::Str(s) => s,
        _ => return None,
    };
    if let Some(n) = state_number(s) {
        return Some(n);
    }
    if s.eq_ignore_ascii_case("UNKNOWN") {
        return Some(0);
    }
    const OTHER_WORDS: [(&str, u8); 14] = [
        ("ESTAB", state::ESTABLISHED),
        ("SYN-SENT", state::SYN_SENT),
        ("SYN-RECV", state::SYN_RECV),
        ("SYN_RCVD", state::SYN_RECV),
        ("FIN-WAIT-1", state::FIN_WAIT1),
        ("FIN_WAIT_1", state::FIN_WAIT1),
        ("FIN-WAIT-2", state::FIN_WAIT2),
        ("FIN_WAIT_2", state::FIN_WAIT2),
        ("TIME-WAIT", state::TIME_WAIT),
        ("UNCONN", state::CLOSE),
        ("CLOSED", state::CLOSE),
        ("CLOSE-WAIT", state::CLOSE_WAIT),
        ("LAST-ACK", state::LAST_ACK),
        ("NEW-SYN-RECV", state::NEW_SYN_RECV),
    ];
    OTHER_WORDS
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(s))
        .map(|(_, n)| *n)
        .or_else(|| s.parse().ok())
}

/// A timer cell (`off`, `on`, `keepalive`, `timewait`, `probe`); 0 for anything else.
fn timer_of(v: &Value) -> u8 {
    let Value::Str(s) = v else { return 0 };
    match &**s {
        "on" => 1,
        "keepalive" => 2,
        "timewait" => 3,
        "probe" => 4,
        _ => 0,
    }
}

/// A socket type cell (`stream`, `dgram`, `raw`, `rdm`, `seqpacket`, BSD's short words, or
/// the number the table writes for other types); 0 for anything else.
fn type_of(v: &Value) -> u8 {
    let Value::Str(s) = v else { return 0 };
    match s.to_ascii_lowercase().as_str() {
        "stream" | "str" => 1,
        "dgram" | "dgr" => 2,
        "raw" => 3,
        "rdm" => 4,
        "seqpacket" | "seqpac" | "seq" => 5,
        other => other.parse().unwrap_or(0),
    }
}

/// A flags cell: the words `ACC`, `W`, `N` and `v6only` (any case), separated by spaces,
/// commas or bars. Returns the flag bits and whether `v6only` was there.
fn flags_of(v: &Value) -> (u8, bool) {
    let Value::Str(s) = v else { return (0, false) };
    let (mut bits, mut v6only) = (0, false);
    for word in s.split([' ', ',', '|']) {
        if word.eq_ignore_ascii_case("ACC") {
            bits |= FLAG_ACC;
        } else if word.eq_ignore_ascii_case("W") {
            bits |= FLAG_WAITDATA;
        } else if word.eq_ignore_ascii_case("N") {
            bits |= FLAG_NOSPACE;
        } else if word.eq_ignore_ascii_case("v6only") {
            v6only = true;
        }
    }
    (bits, v6only)
}

/// The `sockets` columns that say what a socket is and where its two ends are (protocol,
/// family, state, queues, addresses and ports): the first ones [`SocketCols`] reads, and what
/// any listing asks for.
pub const CORE_COLUMNS: [&str; 9] = [
    "proto",
    "family",
    "state",
    "recv_q",
    "send_q",
    "local_addr",
    "local_port",
    "remote_addr",
    "remote_port",
];

/// The other `sockets` columns [`SocketCols`] reads, after [`CORE_COLUMNS`] (in the order of
/// the `C_*` indexes).
const MORE_COLUMNS: [&str; 16] = [
    "uid",
    "inode",
    "cookie",
    "dev",
    "pid",
    "process",
    "timer",
    "timer_expires_ms",
    "retransmits",
    "probes",
    "type",
    "path",
    "peer_inode",
    "refcnt",
    "flags",
    "v6only",
];
const C_PROTO: usize = 0;
const C_FAMILY: usize = 1;
const C_STATE: usize = 2;
const C_RECV_Q: usize = 3;
const C_SEND_Q: usize = 4;
const C_LOCAL_ADDR: usize = 5;
const C_LOCAL_PORT: usize = 6;
const C_REMOTE_ADDR: usize = 7;
const C_REMOTE_PORT: usize = 8;
const C_UID: usize = 9;
const C_INODE: usize = 10;
const C_COOKIE: usize = 11;
const C_DEV: usize = 12;
const C_PID: usize = 13;
const C_PROCESS: usize = 14;
const C_TIMER: usize = 15;
const C_TIMER_EXPIRES_MS: usize = 16;
const C_RETRANSMITS: usize = 17;
const C_PROBES: usize = 18;
const C_TYPE: usize = 19;
const C_PATH: usize = 20;
const C_PEER_INODE: usize = 21;
const C_REFCNT: usize = 22;
const C_FLAGS: usize = 23;
const C_V6ONLY: usize = 24;

/// The rows of a `sockets` table, read through the one typed reader ([`Cols`]): missing
/// columns read as null, out-of-range numbers are never wrapped (they read as 0 or `None`
/// and are reported by [`SocketCols::take_problems`]).
#[derive(Debug)]
pub struct SocketCols<'t> {
    c: Cols<'t>,
}

impl<'t> SocketCols<'t> {
    /// Finds the columns in `t`.
    pub fn of(t: &'t Table) -> SocketCols<'t> {
        SocketCols {
            c: Cols::new(t, &[&CORE_COLUMNS[..], &MORE_COLUMNS[..]].concat()),
        }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.c.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.c.is_empty()
    }

    /// The protocol and family of row `r`, as [`Socket::ip_kind`] tells them (without
    /// reading the rest of the row).
    pub fn ip_kind(&self, r: usize) -> Option<(Proto, bool)> {
        ip_kind(
            proto_of(&self.c.value(r, C_PROTO)),
            family_of(&self.c.value(r, C_FAMILY)),
        )
    }

    /// The state of row `r`, as [`Socket::state`] holds it.
    pub fn state(&self, r: usize) -> Option<u8> {
        state_of(&self.c.value(r, C_STATE))
    }

    /// Whether row `r`'s local or remote port is a number outside 0..=65535 (which
    /// [`SocketCols::read`] reads as 0 and reports).
    pub fn port_out_of_range(&self, r: usize) -> bool {
        let bad = |i| self.c.int(r, i).is_some_and(|p| u16::try_from(p).is_err());
        bad(C_LOCAL_PORT) || bad(C_REMOTE_PORT)
    }

    /// Which of `names` (columns this reader reads) have no value in any of `rows`: a table
    /// projected onto a column it lacks (an older or hand-made snapshot) reads as nulls.
    /// Empty when there are no rows.
    pub fn all_null(
        &self,
        rows: impl Iterator<Item = usize>,
        names: &[&'static str],
    ) -> Vec<&'static str> {
        let mut cols: Vec<(&'static str, usize)> =
            names.iter().map(|n| (*n, self.c.at(n))).collect();
        let mut any = false;
        for r in rows {
            any = true;
            cols.retain(|(_, i)| self.c.value(r, *i).is_null());
        }
        if !any {
            return Vec::new();
        }
        cols.into_iter().map(|(n, _)| n).collect()
    }

    /// Reads row `r`.
    pub fn read(&self, r: usize) -> Socket {
        let c = &self.c;
        let num = |i| c.u64(r, i).unwrap_or(0);
        let text = |i| {
            c.str(r, i)
                .or_else(|| c.text_raw(r, i).map(Arc::<str>::from))
        };
        let (flags, v6only_word) = flags_of(&c.value(r, C_FLAGS));
        Socket {
            proto: proto_of(&c.value(r, C_PROTO)),
            family: family_of(&c.value(r, C_FAMILY)),
            state: self.state(r),
            recv_q: num(C_RECV_Q),
            send_q: num(C_SEND_Q),
            local: c.ip(r, C_LOCAL_ADDR),
            local_port: c.u16(r, C_LOCAL_PORT).unwrap_or(0),
            remote: c.ip(r, C_REMOTE_ADDR),
            remote_port: c.u16(r, C_REMOTE_PORT).unwrap_or(0),
            uid: c.u32(r, C_UID),
            inode: num(C_INODE),
            cookie: num(C_COOKIE),
            dev: match c.value(r, C_DEV) {
                Value::Int(_) => c.u32(r, C_DEV).map_or(Device::None, Device::Index),
                _ => text(C_DEV).map_or(Device::None, Device::Name),
            },
            pid: c.u32(r, C_PID),
            process: text(C_PROCESS),
            timer: timer_of(&c.value(r, C_TIMER)),
            timer_expires_ms: num(C_TIMER_EXPIRES_MS),
            retransmits: num(C_RETRANSMITS),
            probes: num(C_PROBES),
            sock_type: type_of(&c.value(r, C_TYPE)),
            path: text(C_PATH),
            peer_inode: num(C_PEER_INODE),
            refcnt: c.u64(r, C_REFCNT),
            flags,
            v6only: c.bool(r, C_V6ONLY).or_else(|| v6only_word.then_some(true)),
        }
    }

    /// The out-of-range cells met so far, as sentences for a note (see
    /// [`Cols::take_problems`]).
    pub fn take_problems(&self) -> Vec<String> {
        self.c.take_problems()
    }
}

/// Every row of a `sockets` table, in its order; out-of-range cells (read as 0) are added to
/// `problems`.
pub fn sockets(t: &Table, problems: &mut Vec<String>) -> Vec<Socket> {
    let c = SocketCols::of(t);
    let out = (0..c.len()).map(|r| c.read(r)).collect();
    problems.extend(c.take_problems());
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Column, Type};
    use crate::tables::Request;

    /// Records of every protocol and family, in every state and timer and more, with and
    /// without owners, names and addresses.
    pub(crate) fn records() -> Vec<SocketRecord> {
        let ips: [Option<IpAddr>; 4] = [
            None,
            Some("127.0.0.1".parse().unwrap()),
            Some("::1".parse().unwrap()),
            Some("::ffff:10.0.0.1".parse().unwrap()),
        ];
        let mut recs = Vec::new();
        for (proto, family) in [
            (Proto::Tcp, Family::Inet),
            (Proto::Tcp, Family::Inet6),
            (Proto::Udp, Family::Inet),
            (Proto::UdpLite, Family::Inet6),
            (Proto::Raw, Family::Inet),
            (Proto::Unix, Family::Unix),
        ] {
            for st in 0..=14u8 {
                for (i, ip) in ips.iter().enumerate() {
                    let n = u32::from(st) * 7 + i as u32;
                    let unix = family == Family::Unix;
                    recs.push(SocketRecord {
                        proto,
                        family,
                        state: st,
                        recv_q: n,
                        send_q: n * 3,
                        local_addr: if unix { None } else { *ip },
                        local_port: (n * 13) as u16,
                        remote_addr: if unix { None } else { ips[3 - i] },
                        remote_port: if st % 2 == 0 { 0 } else { 443 },
                        uid: (i != 0).then_some(n),
                        inode: u64::from(n) * 11,
                        cookie: u64::from(n) * 17,
                        bound_ifindex: if i == 3 { n } else { 0 },
                        bound_dev: (i == 3).then(|| format!("eth{n}").into()),
                        pid: (i % 2 == 1).then_some(100 + n),
                        process: (i % 2 == 1).then(|| "proc".into()),
                        timer: st % 7,
                        timer_expires_ms: n * 1000 + 7,
                        retransmits: (n % 5) as u8,
                        probes: (n % 3) as u8,
                        sock_type: st % 7,
                        path: (i == 2).then(|| "/run/x y".into()),
                        peer_inode: u64::from(n) * 5,
                        refcnt: (i == 1).then_some(n),
                        ..SocketRecord::default()
                    });
                }
            }
        }
        recs
    }

    /// The live path (records straight to rows) reads every record exactly as the snapshot
    /// path (records → `sockets` table → rows) does, every field of it.
    #[test]
    fn streamed_rows_equal_table_rows() {
        let recs = records();
        let table = crate::tables::sockets::build(&recs, &Request::default());
        for name in CORE_COLUMNS.into_iter().chain(MORE_COLUMNS) {
            if name != "v6only" {
                assert!(table.column_index(name).is_some(), "sockets has no {name}");
            }
        }
        let mut problems = Vec::new();
        let from_table = sockets(&table, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let streamed: Vec<Socket> = recs.iter().map(Socket::from_record).collect();
        assert_eq!(streamed.len(), 6 * 15 * 4);
        for (i, (s, t)) in streamed.iter().zip(&from_table).enumerate() {
            assert_eq!(s, t, "record {i}");
        }
        // A bound device whose name was not asked for: the record keeps its index, the table
        // spells it `ifN`.
        let rec = SocketRecord {
            bound_ifindex: 7,
            ..SocketRecord::default()
        };
        let table = crate::tables::sockets::build(std::slice::from_ref(&rec), &Request::default());
        assert_eq!(Socket::from_record(&rec).dev, Device::Index(7));
        assert_eq!(
            sockets(&table, &mut problems)[0].dev,
            Device::Name("if7".into())
        );
    }

    fn table(cols: &[(&'static str, Type)], rows: Vec<Vec<Value>>) -> Table {
        let mut t = Table::new(
            "sockets",
            cols.iter()
                .map(|(n, ty)| Column::new(n, *ty, "c"))
                .collect::<Vec<_>>(),
        );
        for r in rows {
            t.push(r);
        }
        t
    }

    #[test]
    fn hand_made_cells_read_typed_and_checked() {
        let s = Value::str;
        let t = table(
            &[
                ("proto", Type::Str),
                ("family", Type::Str),
                ("state", Type::Str),
                ("local_port", Type::Int),
                ("uid", Type::Int),
                ("dev", Type::Any),
                ("type", Type::Str),
                ("flags", Type::Str),
            ],
            vec![
                vec![
                    s("TCP"),
                    s("Inet6"),
                    s("syn-recv"),
                    Value::Int(70000),
                    Value::Int(-1),
                    Value::Int(3),
                    s("seqpac"),
                    s("ACC|v6only"),
                ],
                vec![
                    s("udp"),
                    s("inet"),
                    s("UNCONN"),
                    Value::Int(53),
                    Value::Int(1000),
                    s("eth0"),
                    s("9"),
                    s("w, n"),
                ],
                vec![
                    s("sctp"),
                    Value::Null,
                    s("BOGUS"),
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    s("odd"),
                    Value::Null,
                ],
                vec![
                    s("raw"),
                    s("inet"),
                    s("13"),
                    Value::Int(1),
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                ],
            ],
        );
        let c = SocketCols::of(&t);
        assert!(c.port_out_of_range(0) && !c.port_out_of_range(1));
        let rows: Vec<Socket> = (0..c.len()).map(|r| c.read(r)).collect();
        assert_eq!(rows[0].ip_kind(), Some((Proto::Tcp, true)));
        assert_eq!(rows[0].state, Some(state::SYN_RECV));
        assert_eq!((rows[0].local_port, rows[0].uid), (0, None));
        assert_eq!(rows[0].dev, Device::Index(3));
        assert_eq!(rows[0].sock_type, 5);
        assert_eq!((rows[0].flags, rows[0].v6only), (FLAG_ACC, Some(true)));
        assert_eq!(rows[1].ip_kind(), Some((Proto::Udp, false)));
        assert_eq!(rows[1].state, Some(state::CLOSE));
        assert_eq!(rows[1].dev, Device::Name("eth0".into()));
        assert_eq!(rows[1].sock_type, 9);
        assert_eq!(rows[1].flags, FLAG_WAITDATA | FLAG_NOSPACE);
        assert_eq!(
            (rows[2].proto, rows[2].family, rows[2].state),
            (None, None, None)
        );
        assert_eq!((rows[2].ip_kind(), rows[2].sock_type), (None, 0));
        assert_eq!(rows[3].state, Some(13), "a number is the state it names");
        assert_eq!(
            c.all_null(0..4, &["state", "dev", "path"]),
            vec!["path"],
            "only path is null everywhere"
        );
        assert!(c.all_null(0..0, &["path"]).is_empty());
        let p = c.take_problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("local_port 70000 is out of range"), "{p:?}");
        assert!(p[1].contains("uid -1 is out of range"), "{p:?}");
    }

    #[test]
    fn states_by_every_spelling() {
        let st = |t: &str| state_of(&Value::str(t));
        assert_eq!(st("ESTABLISHED"), Some(state::ESTABLISHED));
        assert_eq!(st("estab"), Some(state::ESTABLISHED));
        assert_eq!(st("FIN_WAIT_1"), Some(state::FIN_WAIT1));
        assert_eq!(st("FIN-WAIT-2"), Some(state::FIN_WAIT2));
        assert_eq!(st("SYN_RCVD"), Some(state::SYN_RECV));
        assert_eq!(st("NEW_SYN_RECV"), Some(state::NEW_SYN_RECV));
        assert_eq!(st("CLOSED"), Some(state::CLOSE));
        assert_eq!(st("UNKNOWN"), Some(0));
        assert_eq!(st("0"), Some(0));
        assert_eq!(st("300"), None);
        assert_eq!(st("LISTENING"), None);
        assert_eq!(state_of(&Value::Int(10)), Some(state::LISTEN));
        assert_eq!(state_of(&Value::Int(-1)), None);
        assert_eq!(state_of(&Value::Null), None);
    }
}
