//! The /proc/net socket files (tcp, tcp6, udp, udp6, udplite, udplite6, raw, raw6, unix): the
//! fallback when a sock_diag dump is not available, the source of UNIX reference counts, and of
//! the UNIX sockets unix_diag never reports: connections not yet accepted (the server's half,
//! queued on the listener, has no inode yet; the file lists it as `St 02`, connecting, with
//! inode 0).
//!
//! Layouts (one header line, then one socket a line):
//! - inet: `sl local rem st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...`, where
//!   addresses are the kernel's 32-bit words printed with `%08X` in host byte order (so each word's
//!   native-endian bytes are the address bytes) and ports are `%04X` in host order; `tm->when`
//!   is in clock ticks (USER_HZ, 100 on Linux).
//! - unix: `Num RefCount Protocol Flags Type St Inode [Path]`, where `St` is the socket
//!   (not TCP) state and flag 0x10000 (`__SO_ACCEPTCON`) marks a listener.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use crate::door::source::records::{Family, Proto, SocketRecord};

/// Clock ticks per second of `tm->when` (USER_HZ is 100 on every Linux architecture).
const USER_HZ: u64 = 100;

/// TCP_LISTEN, TCP_ESTABLISHED, TCP_SYN_SENT, TCP_CLOSE.
const LISTEN: u8 = 10;
const ESTABLISHED: u8 = 1;
const SYN_SENT: u8 = 2;
const CLOSE: u8 = 7;

/// The /proc/net file for `proto` and `family`.
pub fn file_name(proto: Proto, family: Family) -> &'static str {
    match (proto, family) {
        (Proto::Tcp, Family::Inet) => "tcp",
        (Proto::Tcp, _) => "tcp6",
        (Proto::Udp, Family::Inet) => "udp",
        (Proto::Udp, _) => "udp6",
        (Proto::UdpLite, Family::Inet) => "udplite",
        (Proto::UdpLite, _) => "udplite6",
        (Proto::Raw, Family::Inet) => "raw",
        (Proto::Raw, _) => "raw6",
        (Proto::Unix, _) => "unix",
    }
}

/// Reads `/proc/net/<file>` for `proto` and `family` and calls `each` per socket.
pub fn read_inet(
    proto: Proto,
    family: Family,
    each: impl FnMut(SocketRecord),
) -> std::io::Result<()> {
    let text = super::read_raw(format!("/proc/net/{}", file_name(proto, family)))?;
    parse_inet(&text, proto, family, each);
    Ok(())
}

/// Reads `/proc/net/unix` and calls `each` per socket.
pub fn read_unix(each: impl FnMut(SocketRecord)) -> std::io::Result<()> {
    let text = super::read_raw("/proc/net/unix")?;
    parse_unix(&text, each);
    Ok(())
}

/// Parses the text of an inet socket file; malformed lines are skipped.
pub fn parse_inet(text: &str, proto: Proto, family: Family, mut each: impl FnMut(SocketRecord)) {
    for line in text.lines().skip(1) {
        if let Some(rec) = parse_inet_line(line, proto, family) {
            each(rec);
        }
    }
}

fn parse_inet_line(line: &str, proto: Proto, family: Family) -> Option<SocketRecord> {
    let mut f = line.split_ascii_whitespace();
    f.next()?.strip_suffix(':')?; // slot
    let (local_addr, local_port) = endpoint(f.next()?)?;
    let (remote_addr, remote_port) = endpoint(f.next()?)?;
    let state = u8::from_str_radix(f.next()?, 16).ok()?;
    let (tx, rx) = f.next()?.split_once(':')?;
    let (tr, when) = f.next()?.split_once(':')?;
    let retrnsmt = u32::from_str_radix(f.next()?, 16).ok()?;
    let uid = f.next()?.parse().ok()?;
    let probes = f.next()?.parse::<u32>().ok()?;
    let inode = f.next()?.parse().ok()?;
    let timer = u8::from_str_radix(tr, 16).ok()?;
    let when = u64::from_str_radix(when, 16).ok()?;
    let (tx, rx) = (
        u32::from_str_radix(tx, 16).ok()?,
        u32::from_str_radix(rx, 16).ok()?,
    );
    if Family::of(&local_addr) != family {
        return None;
    }
    Some(SocketRecord {
        proto,
        family,
        state,
        recv_q: rx,
        send_q: tx,
        local_addr: Some(local_addr),
        local_port,
        remote_addr: Some(remote_addr),
        remote_port,
        uid: Some(uid),
        inode,
        timer,
        timer_expires_ms: if timer == 0 {
            0
        } else {
            u32::try_from(when * 1000 / USER_HZ).unwrap_or(u32::MAX)
        },
        retransmits: u8::try_from(retrnsmt).unwrap_or(u8::MAX),
        probes: u8::try_from(probes).unwrap_or(u8::MAX),
        sock_type: sock_type_of(proto),
        ..SocketRecord::default()
    })
}

/// SOCK_STREAM, SOCK_DGRAM or SOCK_RAW for an inet protocol.
pub fn sock_type_of(proto: Proto) -> u8 {
    match proto {
        Proto::Tcp => 1,
        Proto::Udp | Proto::UdpLite => 2,
        Proto::Raw => 3,
        Proto::Unix => 0,
    }
}

/// `0100007F:1F90` or a 32-digit IPv6 form with its port.
fn endpoint(s: &str) -> Option<(IpAddr, u16)> {
    let (addr, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| -> Option<[u8; 4]> {
        Some(
            u32::from_str_radix(addr.get(i * 8..i * 8 + 8)?, 16)
                .ok()?
                .to_ne_bytes(),
        )
    };
    let ip = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
        32 => {
            let mut b = [0u8; 16];
            for i in 0..4 {
                b[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return None,
    };
    Some((ip, port))
}

/// Parses /proc/net/unix; malformed lines are skipped. Peer inodes, queues and uids are not
/// in this file and stay unknown; reference counts are set.
pub fn parse_unix(text: &str, mut each: impl FnMut(SocketRecord)) {
    for line in text.lines().skip(1) {
        if let Some((mut rec, refcnt)) = parse_unix_line(line) {
            rec.refcnt = Some(refcnt);
            each(rec);
        }
    }
}

/// The text of /proc/net/unix (empty when unreadable: then nothing is added to a dump).
pub fn unix_text() -> String {
    // Raw text: a path or abstract name that is not UTF-8 must not cost the whole file.
    super::read_raw("/proc/net/unix").unwrap_or_default()
}

/// Calls `each` for the sockets of /proc/net/unix that have no inode: the server halves of
/// connections not yet accepted, which unix_diag leaves out (it skips inode-0 sockets) while
/// the file lists them (connecting, with the listener's path). Reference counts are set.
pub fn parse_unix_embryos(text: &str, mut each: impl FnMut(SocketRecord)) {
    parse_unix(text, |r| {
        if r.inode == 0 {
            each(r);
        }
    });
}

/// One /proc/net/unix line: the record and the reference count.
fn parse_unix_line(line: &str) -> Option<(SocketRecord, u32)> {
    let mut rest = line;
    let mut field = || -> Option<&str> {
        let t = rest.trim_start_matches(' ');
        let end = t.find(' ').unwrap_or(t.len());
        let (f, r) = t.split_at(end);
        rest = r;
        (!f.is_empty()).then_some(f)
    };
    field()?.strip_suffix(':')?; // kernel address
    let refcnt = u32::from_str_radix(field()?, 16).ok()?;
    let _protocol = field()?;
    let flags = u32::from_str_radix(field()?, 16).ok()?;
    let sock_type = u8::from_str_radix(field()?, 16).ok()?;
    let st = u8::from_str_radix(field()?, 16).ok()?;
    let inode = field()?.parse().ok()?;
    // The path is the rest of the line after one space (it may itself contain spaces).
    let path = rest
        .strip_prefix(' ')
        .filter(|p| !p.is_empty())
        .map(Arc::from);
    let state = if flags & 0x10000 != 0 {
        LISTEN
    } else {
        match st {
            3 => ESTABLISHED, // SS_CONNECTED
            2 => SYN_SENT,    // SS_CONNECTING
            _ => CLOSE,
        }
    };
    let rec = SocketRecord {
        proto: Proto::Unix,
        family: Family::Unix,
        state,
        inode,
        sock_type,
        path,
        ..SocketRecord::default()
    };
    Some((rec, refcnt))
}

/// UNIX socket inode → reference count, from the text of /proc/net/unix ([`unix_text`]).
/// Sockets without an inode are left out (they do not share one count).
pub fn parse_unix_refcounts(text: &str) -> HashMap<u64, u32> {
    text.lines()
        .skip(1)
        .filter_map(parse_unix_line)
        .filter(|(r, _)| r.inode != 0)
        .map(|(r, n)| (r.inode, n))
        .collect()
}

// Needs the test captures (tests/fixtures, tests/data), which the packaged crate leaves out.
#[cfg(all(test, netpry_captures))]
mod tests {
    use super::*;

    // Captured on this machine (kernel 6.18) by tests/fixtures/sock_diag/capture.py, together
    // with the sock_diag replies in the same directory; `capture.txt` has `ss -tuawxne` of the
    // same moment.
    const TCP: &str = include_str!("../../../tests/fixtures/sock_diag/proc_tcp.txt");
    const TCP6: &str = include_str!("../../../tests/fixtures/sock_diag/proc_tcp6.txt");
    const UDP: &str = include_str!("../../../tests/fixtures/sock_diag/proc_udp.txt");
    const UDP6: &str = include_str!("../../../tests/fixtures/sock_diag/proc_udp6.txt");
    const UDPLITE: &str = include_str!("../../../tests/fixtures/sock_diag/proc_udplite.txt");
    const RAW: &str = include_str!("../../../tests/fixtures/sock_diag/proc_raw.txt");
    const RAW6: &str = include_str!("../../../tests/fixtures/sock_diag/proc_raw6.txt");
    const UNIX: &str = include_str!("../../../tests/fixtures/sock_diag/proc_unix.txt");

    fn inet(text: &str, proto: Proto, family: Family) -> Vec<SocketRecord> {
        let mut v = Vec::new();
        parse_inet(text, proto, family, |r| v.push(r));
        v
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn tcp_listener_and_established_pair() {
        let v = inet(TCP, Proto::Tcp, Family::Inet);
        assert_eq!(v.len(), 3);
        let l = &v[0];
        assert_eq!(
            (l.state, l.local_addr, l.local_port, l.remote_port),
            (10, ip("127.0.0.1"), 4242, 0)
        );
        assert_eq!((l.uid, l.inode, l.sock_type), (Some(0), 19869, 1));
        // The accepted side holds 100 unread bytes (ss: Recv-Q 100).
        let s = &v[1];
        assert_eq!(
            (s.state, s.recv_q, s.send_q, s.remote_port, s.inode),
            (1, 100, 0, 42406, 19871)
        );
        assert_eq!(s.remote_addr, ip("127.0.0.1"));
        assert_eq!(
            (v[2].local_port, v[2].remote_port, v[2].inode),
            (42406, 4242, 19870)
        );
    }

    #[test]
    fn ipv6_words_are_host_order() {
        let v = inet(TCP6, Proto::Tcp, Family::Inet6);
        assert_eq!(v.len(), 1);
        assert_eq!(
            (v[0].local_addr, v[0].local_port, v[0].remote_addr),
            (ip("::1"), 4243, ip("::"))
        );
        let u = inet(UDP6, Proto::Udp, Family::Inet6);
        assert_eq!(
            (
                u[0].state,
                u[0].local_port,
                u[0].remote_addr,
                u[0].remote_port
            ),
            (1, 5354, ip("::1"), 5353)
        );
        // A file of the other family yields nothing rather than wrong rows.
        assert!(inet(TCP6, Proto::Tcp, Family::Inet).is_empty());
    }

    #[test]
    fn udp_udplite_and_raw() {
        let u = inet(UDP, Proto::Udp, Family::Inet);
        assert_eq!(
            (u[0].state, u[0].local_port, u[0].inode, u[0].sock_type),
            (7, 5353, 19873, 2)
        );
        let l = inet(UDPLITE, Proto::UdpLite, Family::Inet);
        assert_eq!(
            (l[0].proto, l[0].local_port, l[0].inode),
            (Proto::UdpLite, 5355, 19877)
        );
        // Raw sockets show their protocol as the local port: ICMP 1, ICMPv6 58.
        let r = inet(RAW, Proto::Raw, Family::Inet);
        assert_eq!((r[0].local_port, r[0].inode, r[0].sock_type), (1, 19874, 3));
        let r6 = inet(RAW6, Proto::Raw, Family::Inet6);
        assert_eq!((r6[0].local_port, r6[0].local_addr), (58, ip("::")));
    }

    #[test]
    fn timers_convert_ticks_to_ms_and_bad_lines_are_skipped() {
        let text = "header\n\
           0: 0100007F:1F90 0100007F:D431 01 00000010:00000000 01:0000002A 00000003  1000        0 555 1 0 20 4 30 10 -1\n\
           1: garbage\n\
           2: 0100007F:1F90 0100007F:D432 06 00000000:00000000 03:00000BB8 00000000     0        0 0 3 0\n";
        let v = inet(text, Proto::Tcp, Family::Inet);
        assert_eq!(v.len(), 2);
        assert_eq!(
            (v[0].timer, v[0].timer_expires_ms, v[0].retransmits),
            (1, 420, 3)
        );
        assert_eq!((v[0].send_q, v[0].uid), (16, Some(1000)));
        assert_eq!(
            (v[1].state, v[1].timer, v[1].timer_expires_ms, v[1].inode),
            (6, 3, 30_000, 0)
        );
    }

    #[test]
    fn unix_paths_states_and_refcounts() {
        let mut v = Vec::new();
        parse_unix(UNIX, |r| v.push(r));
        assert_eq!(v.len(), 4);
        let by_inode = |i: u64| v.iter().find(|r| r.inode == i).unwrap();
        let l = by_inode(19878);
        assert_eq!(
            (l.state, l.sock_type, l.path.as_deref()),
            (10, 1, Some("/tmp/netpry-capture.sock"))
        );
        let a = by_inode(19879);
        assert_eq!(
            (a.state, a.sock_type, a.path.as_deref()),
            (7, 2, Some("@netpry-capture"))
        );
        let p = by_inode(19880);
        assert_eq!((p.state, p.path.as_deref(), p.uid), (1, None, None));
        let refs = parse_unix_refcounts(UNIX);
        assert_eq!((refs[&19881], refs[&19878]), (3, 2));
        // A path with spaces is kept whole.
        let mut w = Vec::new();
        parse_unix(
            "h\n00: 00000002 00000000 00000000 0001 01 77 /tmp/a b c\n",
            |r| w.push(r),
        );
        assert_eq!(w[0].path.as_deref(), Some("/tmp/a b c"));
    }

    #[test]
    fn unaccepted_connections_are_the_inode_0_lines() {
        // Captured: a listener, two connections it has not accepted (the second client
        // already closed), and a seqpacket one on an abstract name.
        let text = "Num       RefCount Protocol Flags    Type St Inode Path\n\
            00000000531175ee: 00000003 00000000 00000000 0005 02     0 @fid-seq\n\
            00000000bf77ed4c: 00000003 00000000 00000000 0001 02     0 /tmp/fid/l.sock\n\
            000000007cee1a52: 00000002 00000000 00000000 0001 02     0 /tmp/fid/l.sock\n\
            000000004f9c5778: 00000002 00000000 00010000 0001 01 11492 /tmp/fid/l.sock\n";
        let mut v = Vec::new();
        parse_unix_embryos(text, |r| v.push(r));
        let got: Vec<_> = v
            .iter()
            .map(|r| (r.state, r.sock_type, r.refcnt, r.path.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (SYN_SENT, 5, Some(3), Some("@fid-seq")),
                (SYN_SENT, 1, Some(3), Some("/tmp/fid/l.sock")),
                (SYN_SENT, 1, Some(2), Some("/tmp/fid/l.sock")),
            ]
        );
        let refs = parse_unix_refcounts(text);
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[&11492], 2);
    }
}
