//! Decoding of sock_diag replies straight from the receive buffer: `nlmsghdr` walking,
//! `struct inet_diag_msg`, `struct unix_diag_msg`, their attributes, and `struct tcp_info`.
//!
//! Every fixed-size kernel struct is read with zero padding: a reply shorter than this build
//! expects (an older kernel's `tcp_info` is 104 or 144 bytes instead of 248+) decodes with the
//! missing fields as zero, and longer ones (newer kernels) are cut. Unknown attributes are
//! ignored. A message too short for its header is skipped, never a panic.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use super::netlink::{Header, attrs, truncated};
use crate::door::source::records::{Family, Proto, SocketRecord, TcpInfo};

const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
pub(super) const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `TCPDIAG_GETSOCK`: the older TCP-only request, the one that dumps both address families
/// in one walk of the kernel's socket hash; its replies carry this type.
pub(super) const TCPDIAG_GETSOCK: u16 = 18;

const INET_DIAG_INFO: u16 = 2;
const INET_DIAG_CONG: u16 = 4;

const UNIX_DIAG_NAME: u16 = 0;
const UNIX_DIAG_PEER: u16 = 2;
const UNIX_DIAG_RQLEN: u16 = 4;
const UNIX_DIAG_UID: u16 = 7;

/// What a dump's messages carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// `struct inet_diag_msg` of this protocol.
    Inet(Proto),
    /// `struct unix_diag_msg`.
    Unix,
}

/// Decoding state shared across messages: interned congestion algorithm names, so 100k
/// sockets share a handful of strings.
#[derive(Debug, Default)]
pub struct Decoder {
    /// The kernel's bytes of each name seen, and its shared text.
    congestion: Vec<(Vec<u8>, Arc<str>)>,
}

impl Decoder {
    /// The shared name for `name` (the kernel's bytes; not UTF-8 ones escaped as U+FFFD).
    fn intern(&mut self, name: &[u8]) -> Arc<str> {
        if let Some((_, s)) = self.congestion.iter().find(|(b, _)| b == name) {
            return Arc::clone(s);
        }
        let s: Arc<str> = Arc::from(String::from_utf8_lossy(name));
        self.congestion.push((name.to_vec(), Arc::clone(&s)));
        s
    }
}

/// `N` bytes at `off`, zero-padded past the end of `b`.
fn bytes<const N: usize>(b: &[u8], off: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = b.get(off..) {
        let n = src.len().min(N);
        out[..n].copy_from_slice(&src[..n]);
    }
    out
}

fn u16_be(b: &[u8], off: usize) -> u16 {
    u16::from_be_bytes(bytes(b, off))
}
fn u32_ne(b: &[u8], off: usize) -> u32 {
    u32::from_ne_bytes(bytes(b, off))
}
fn u64_ne(b: &[u8], off: usize) -> u64 {
    u64::from_ne_bytes(bytes(b, off))
}
fn i32_ne(b: &[u8], off: usize) -> i32 {
    i32::from_ne_bytes(bytes(b, off))
}

/// Walks the netlink messages in one received datagram, decoding replies to sequence number
/// `seq` into `each`. Returns true at the end of the dump (NLMSG_DONE), an error when the
/// kernel reported one (in NLMSG_ERROR or in the DONE message's status).
pub fn messages(
    buf: &[u8],
    seq: u32,
    kind: MessageKind,
    dec: &mut Decoder,
    each: &mut impl FnMut(SocketRecord),
) -> io::Result<bool> {
    let mut off = 0;
    while off + 16 <= buf.len() {
        let h = Header::parse(&buf[off..]).ok_or_else(truncated)?;
        let msg = &buf[off..off + h.len];
        off += h.next();
        if h.seq != seq {
            continue; // a stale reply to an earlier request
        }
        let payload = &msg[16..];
        match h.kind {
            NLMSG_DONE => {
                let status = i32_ne(payload, 0);
                if status < 0 {
                    return Err(io::Error::from_raw_os_error(status.saturating_neg()));
                }
                return Ok(true);
            }
            NLMSG_ERROR => {
                let code = i32_ne(payload, 0);
                if code < 0 {
                    return Err(io::Error::from_raw_os_error(code.saturating_neg()));
                }
            }
            SOCK_DIAG_BY_FAMILY | TCPDIAG_GETSOCK => {
                let rec = match kind {
                    MessageKind::Inet(proto) => decode_inet(payload, proto, dec),
                    MessageKind::Unix => decode_unix(payload),
                };
                if let Some(rec) = rec {
                    each(rec);
                }
            }
            _ => {}
        }
    }
    Ok(false)
}

/// Size of `struct inet_diag_msg`.
const INET_DIAG_MSG: usize = 72;

/// Decodes one `struct inet_diag_msg` and its attributes; `None` when too short.
pub fn decode_inet(p: &[u8], proto: Proto, dec: &mut Decoder) -> Option<SocketRecord> {
    if p.len() < INET_DIAG_MSG {
        return None;
    }
    let (family, local_addr, remote_addr) = match p[0] {
        2 => (
            Family::Inet,
            IpAddr::V4(Ipv4Addr::from(bytes::<4>(p, 8))),
            IpAddr::V4(Ipv4Addr::from(bytes::<4>(p, 24))),
        ),
        10 => (
            Family::Inet6,
            IpAddr::V6(Ipv6Addr::from(bytes::<16>(p, 8))),
            IpAddr::V6(Ipv6Addr::from(bytes::<16>(p, 24))),
        ),
        _ => return None,
    };
    let cookie = u64::from(u32_ne(p, 44)) | (u64::from(u32_ne(p, 48)) << 32);
    let mut rec = SocketRecord {
        proto,
        family,
        state: p[1],
        timer: p[2],
        retransmits: p[3],
        local_port: u16_be(p, 4),
        remote_port: u16_be(p, 6),
        local_addr: Some(local_addr),
        remote_addr: Some(remote_addr),
        bound_ifindex: u32_ne(p, 40),
        cookie,
        timer_expires_ms: u32_ne(p, 52),
        recv_q: u32_ne(p, 56),
        send_q: u32_ne(p, 60),
        uid: Some(u32_ne(p, 64)),
        inode: u64::from(u32_ne(p, 68)),
        sock_type: super::proc_net::sock_type_of(proto),
        ..SocketRecord::default()
    };
    let mut info = false;
    if proto == Proto::Tcp {
        for (ty, v) in attrs(&p[INET_DIAG_MSG..]) {
            match ty {
                INET_DIAG_INFO => {
                    info = true;
                    let cong = rec.tcp.take().and_then(|t| t.congestion);
                    rec.tcp = Some(TcpInfo {
                        congestion: cong,
                        ..decode_tcp_info(v)
                    });
                }
                INET_DIAG_CONG => {
                    let name = v.split(|&b| b == 0).next().unwrap_or_default();
                    let name = dec.intern(name);
                    rec.tcp.get_or_insert_with(TcpInfo::default).congestion = Some(name);
                }
                _ => {}
            }
        }
    }
    split_timer_counts(&mut rec, p[3], info);
    Some(rec)
}

/// Sets `retransmits` and `probes` the way /proc/net/tcp shows them. `idiag_retrans` is the
/// retransmission count while the retransmit timer runs, but the probe count while the
/// keepalive or zero-window probe timer runs; tcp_info, when present, has both counts.
fn split_timer_counts(rec: &mut SocketRecord, idiag_retrans: u8, info: bool) {
    if let Some(t) = rec.tcp.as_ref().filter(|_| info) {
        rec.retransmits = t.retransmits;
        rec.probes = t.probes;
        return;
    }
    match rec.timer {
        2 | 4 => {
            rec.retransmits = 0;
            rec.probes = idiag_retrans;
        }
        _ => {
            rec.retransmits = idiag_retrans;
            rec.probes = 0;
        }
    }
}

/// Decodes `struct tcp_info`, zero-padding fields the kernel did not send.
pub fn decode_tcp_info(b: &[u8]) -> TcpInfo {
    TcpInfo {
        retrans: u32_ne(b, 36),
        rto_us: u32_ne(b, 8),
        snd_mss: u32_ne(b, 16),
        last_data_sent_ms: u32_ne(b, 44),
        last_data_recv_ms: u32_ne(b, 52),
        rtt_us: u32_ne(b, 68),
        rttvar_us: u32_ne(b, 72),
        ssthresh: u32_ne(b, 76),
        cwnd: u32_ne(b, 80),
        total_retrans: u32_ne(b, 100),
        bytes_acked: u64_ne(b, 120),
        bytes_received: u64_ne(b, 128),
        segs_out: u32_ne(b, 136),
        segs_in: u32_ne(b, 140),
        retransmits: b.get(2).copied().unwrap_or(0),
        probes: b.get(3).copied().unwrap_or(0),
        congestion: None,
    }
}

/// Size of `struct unix_diag_msg`.
const UNIX_DIAG_MSG: usize = 16;

/// Decodes one `struct unix_diag_msg` and its attributes; `None` when too short.
pub fn decode_unix(p: &[u8]) -> Option<SocketRecord> {
    if p.len() < UNIX_DIAG_MSG || p[0] != 1 {
        return None;
    }
    let mut rec = SocketRecord {
        proto: Proto::Unix,
        family: Family::Unix,
        sock_type: p[1],
        state: p[2],
        inode: u64::from(u32_ne(p, 4)),
        cookie: u64::from(u32_ne(p, 8)) | (u64::from(u32_ne(p, 12)) << 32),
        ..SocketRecord::default()
    };
    for (ty, v) in attrs(&p[UNIX_DIAG_MSG..]) {
        match ty {
            UNIX_DIAG_NAME => rec.path = unix_path(v),
            UNIX_DIAG_PEER => rec.peer_inode = u64::from(u32_ne(v, 0)),
            UNIX_DIAG_RQLEN => {
                rec.recv_q = u32_ne(v, 0);
                rec.send_q = u32_ne(v, 4);
            }
            UNIX_DIAG_UID => rec.uid = Some(u32_ne(v, 0)),
            _ => {}
        }
    }
    Some(rec)
}

/// A UNIX socket address as `ss` and /proc/net/unix show it: abstract names start with `@`
/// (every NUL becomes `@`), a path loses its terminating NULs; `None` when unnamed.
pub fn unix_path(v: &[u8]) -> Option<Arc<str>> {
    let v = if v.first() == Some(&0) {
        v
    } else {
        v.split(|&b| b == 0).next().unwrap_or_default()
    };
    if v.is_empty() {
        return None;
    }
    // Raw text: a path or abstract name that is not UTF-8 is kept (see `model::rawtext`).
    let text: String = crate::model::rawtext::encode(v)
        .chars()
        .map(|c| if c == '\0' { '@' } else { c })
        .collect();
    Some(Arc::from(text))
}

// Needs the test captures (tests/fixtures, tests/data), which the packaged crate leaves out.
#[cfg(all(test, netpry_captures))]
mod tests {
    use super::*;

    // Replies captured from this machine's kernel (6.18) by
    // `ip netns exec capture python3 tests/fixtures/sock_diag/capture.py tests/fixtures/sock_diag`
    // in a fresh namespace; the request each file answers is in the script, and `capture.txt`
    // holds `ss -tuawxne` of the same moment.
    const TCP4_INFO: &[u8] = include_bytes!("../../../tests/fixtures/sock_diag/tcp4_info.bin");
    const TCP4: &[u8] = include_bytes!("../../../tests/fixtures/sock_diag/tcp4.bin");
    const TCP6: &[u8] = include_bytes!("../../../tests/fixtures/sock_diag/tcp6.bin");
    const UDP4: &[u8] = include_bytes!("../../../tests/fixtures/sock_diag/udp4.bin");
    const UDP6: &[u8] = include_bytes!("../../../tests/fixtures/sock_diag/udp6.bin");
    const UDPLITE4: &[u8] = include_bytes!("../../../tests/fixtures/sock_diag/udplite4.bin");
    const RAW4: &[u8] = include_bytes!("../../../tests/fixtures/sock_diag/raw4.bin");
    const UNIX: &[u8] = include_bytes!("../../../tests/fixtures/sock_diag/unix.bin");

    fn decode_all(buf: &[u8], kind: MessageKind) -> io::Result<Vec<SocketRecord>> {
        let mut out = Vec::new();
        let mut dec = Decoder::default();
        let done = messages(buf, 1, kind, &mut dec, &mut |r| out.push(r))?;
        assert!(done, "the capture ends with NLMSG_DONE");
        Ok(out)
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn tcp4_dump_matches_ss_at_capture_time() {
        let v = decode_all(TCP4, MessageKind::Inet(Proto::Tcp)).unwrap();
        assert_eq!(v.len(), 3);
        let l = v.iter().find(|r| r.state == 10).unwrap();
        // ss: LISTEN 0 17 127.0.0.1:4242 0.0.0.0:* ino:19869 sk:1001
        assert_eq!(
            (l.recv_q, l.send_q, l.local_addr, l.local_port),
            (0, 17, ip("127.0.0.1"), 4242)
        );
        assert_eq!(
            (l.remote_addr, l.remote_port, l.inode, l.uid),
            (ip("0.0.0.0"), 0, 19869, Some(0))
        );
        assert_eq!(
            (l.cookie, l.family, l.sock_type, l.tcp.is_none()),
            (0x1001, Family::Inet, 1, true)
        );
        // ss: ESTAB 100 0 127.0.0.1:4242 127.0.0.1:42406 ino:19871
        let s = v.iter().find(|r| r.inode == 19871).unwrap();
        assert_eq!(
            (s.state, s.recv_q, s.send_q, s.remote_port),
            (1, 100, 0, 42406)
        );
    }

    #[test]
    fn tcp_info_and_congestion_from_capture() {
        let v = decode_all(TCP4_INFO, MessageKind::Inet(Proto::Tcp)).unwrap();
        assert_eq!(v.len(), 3);
        for r in &v {
            let t = r.tcp.as_ref().expect("INFO requested");
            assert_eq!(t.congestion.as_deref(), Some("bbr")); // net.ipv4.tcp_congestion_control here
        }
        // The congestion name is interned: one allocation shared by all rows.
        let a = v[0].tcp.as_ref().unwrap().congestion.clone().unwrap();
        let b = v[1].tcp.as_ref().unwrap().congestion.clone().unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        // The client sent 100 bytes that the server acknowledged and received.
        let client = v
            .iter()
            .find(|r| r.local_port == 42406)
            .unwrap()
            .tcp
            .clone()
            .unwrap();
        let server = v
            .iter()
            .find(|r| r.inode == 19871)
            .unwrap()
            .tcp
            .clone()
            .unwrap();
        assert_eq!((client.bytes_acked, server.bytes_received), (101, 100));
        assert!(client.rtt_us > 0 && client.rto_us == 204_000 && client.cwnd >= 10);
        assert_eq!(client.ssthresh, 0x7fff_ffff); // still unbounded: the table shows null
        assert!(client.snd_mss > 0 && client.segs_out >= 2 && server.segs_in >= 2);
    }

    #[test]
    fn tcp_info_decoding_matches_the_crate_parser() {
        // Cross-check against netlink-packet-sock-diag's message parser on the same bytes.
        use netlink_packet_core::NetlinkMessage;
        use netlink_packet_sock_diag::{SockDiagMessage, inet::nlas::Nla};
        let mut off = 0;
        let mut checked = 0;
        let ours = decode_all(TCP4_INFO, MessageKind::Inet(Proto::Tcp)).unwrap();
        while off < TCP4_INFO.len() {
            let len = u32_ne(TCP4_INFO, off) as usize;
            let m =
                NetlinkMessage::<SockDiagMessage>::deserialize(&TCP4_INFO[off..off + len]).unwrap();
            off += (len + 3) & !3;
            let netlink_packet_core::NetlinkPayload::InnerMessage(SockDiagMessage::InetResponse(
                resp,
            )) = m.payload
            else {
                continue;
            };
            let rec = ours
                .iter()
                .find(|r| r.inode == u64::from(resp.header.inode))
                .unwrap();
            assert_eq!(rec.local_port, resp.header.socket_id.source_port);
            assert_eq!(
                rec.remote_addr,
                Some(resp.header.socket_id.destination_address)
            );
            assert_eq!(rec.uid, Some(resp.header.uid));
            for nla in &resp.nlas {
                if let Nla::TcpInfo(raw) = nla {
                    assert_eq!(
                        rec.tcp.as_ref().unwrap(),
                        &TcpInfo {
                            congestion: rec.tcp.as_ref().unwrap().congestion.clone(),
                            ..decode_tcp_info(raw)
                        }
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 3);
    }

    #[test]
    fn timer_counts_land_where_proc_net_tcp_shows_them() {
        let rec = |timer: u8, info: Option<(u8, u8)>| {
            let mut r = SocketRecord {
                timer,
                tcp: info.map(|(retransmits, probes)| TcpInfo {
                    retransmits,
                    probes,
                    ..TcpInfo::default()
                }),
                ..SocketRecord::default()
            };
            split_timer_counts(&mut r, 3, info.is_some());
            (r.retransmits, r.probes)
        };
        // Without tcp_info, idiag_retrans is the retransmit count of the retransmit timer and
        // the probe count of the keepalive and zero-window probe timers.
        assert_eq!(rec(1, None), (3, 0));
        assert_eq!(rec(4, None), (0, 3));
        assert_eq!(rec(2, None), (0, 3));
        assert_eq!(rec(0, None), (3, 0));
        // tcp_info has both.
        assert_eq!(rec(4, Some((1, 5))), (1, 5));
        assert_eq!(rec(1, Some((2, 0))), (2, 0));
        let mut b = vec![0u8; 104];
        b[2] = 4;
        b[3] = 6;
        let t = decode_tcp_info(&b);
        assert_eq!((t.retransmits, t.probes), (4, 6));
        assert_eq!(decode_tcp_info(&[]).probes, 0);
    }

    #[test]
    fn short_tcp_info_from_an_older_kernel_is_zero_padded() {
        // Linux 4.4 sends 144 bytes (up to tcpi_segs_in), 3.x 104 bytes (up to total_retrans).
        let mut full = vec![0u8; 248];
        full[8..12].copy_from_slice(&204_000u32.to_ne_bytes()); // rto
        full[68..72].copy_from_slice(&1234u32.to_ne_bytes()); // rtt
        full[80..84].copy_from_slice(&10u32.to_ne_bytes()); // cwnd
        full[100..104].copy_from_slice(&7u32.to_ne_bytes()); // total_retrans
        full[120..128].copy_from_slice(&5_000_000_000u64.to_ne_bytes()); // bytes_acked
        full[140..144].copy_from_slice(&9u32.to_ne_bytes()); // segs_in
        let t = decode_tcp_info(&full);
        assert_eq!(
            (t.rto_us, t.rtt_us, t.cwnd, t.total_retrans),
            (204_000, 1234, 10, 7)
        );
        assert_eq!((t.bytes_acked, t.segs_in), (5_000_000_000, 9));
        let t144 = decode_tcp_info(&full[..144]);
        assert_eq!(t144, t);
        let t104 = decode_tcp_info(&full[..104]);
        assert_eq!(
            (
                t104.rtt_us,
                t104.total_retrans,
                t104.bytes_acked,
                t104.segs_in
            ),
            (1234, 7, 0, 0)
        );
        assert_eq!(decode_tcp_info(&[]), TcpInfo::default());
        // A longer (newer-kernel) struct decodes the same known fields.
        full.extend_from_slice(&[0xAA; 64]);
        assert_eq!(decode_tcp_info(&full), t);
    }

    #[test]
    fn ipv6_udp_and_udplite_from_capture() {
        let v = decode_all(TCP6, MessageKind::Inet(Proto::Tcp)).unwrap();
        assert_eq!(
            (v.len(), v[0].family, v[0].local_addr, v[0].local_port),
            (1, Family::Inet6, ip("::1"), 4243)
        );
        assert_eq!((v[0].send_q, v[0].remote_addr), (5, ip("::")));
        let u = decode_all(UDP4, MessageKind::Inet(Proto::Udp)).unwrap();
        assert_eq!(
            (u[0].state, u[0].local_port, u[0].inode, u[0].sock_type),
            (7, 5353, 19873, 2)
        );
        let u6 = decode_all(UDP6, MessageKind::Inet(Proto::Udp)).unwrap();
        assert_eq!(
            (u6[0].state, u6[0].remote_addr, u6[0].remote_port),
            (1, ip("::1"), 5353)
        );
        let l = decode_all(UDPLITE4, MessageKind::Inet(Proto::UdpLite)).unwrap();
        assert_eq!(
            (l[0].proto, l[0].local_port, l[0].inode),
            (Proto::UdpLite, 5355, 19877)
        );
    }

    #[test]
    fn missing_raw_diag_is_an_error_not_an_empty_dump() {
        // This kernel lacks CONFIG_INET_RAW_DIAG: the dump ends with NLMSG_DONE carrying -ENOENT.
        let e = decode_all(RAW4, MessageKind::Inet(Proto::Raw)).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(2));
    }

    #[test]
    fn unix_dump_matches_ss_at_capture_time() {
        let v = decode_all(UNIX, MessageKind::Unix).unwrap();
        assert_eq!(v.len(), 4);
        let by = |i: u64| v.iter().find(|r| r.inode == i).unwrap();
        // u_str LISTEN 0 3 /tmp/netpry-capture.sock 19878 * 0
        let l = by(19878);
        assert_eq!((l.state, l.sock_type, l.recv_q, l.send_q), (10, 1, 0, 3));
        assert_eq!(
            (l.path.as_deref(), l.peer_inode, l.uid),
            (Some("/tmp/netpry-capture.sock"), 0, Some(0))
        );
        // u_dgr UNCONN @netpry-capture 19879
        let a = by(19879);
        assert_eq!(
            (a.state, a.sock_type, a.path.as_deref()),
            (7, 2, Some("@netpry-capture"))
        );
        // The socketpair: each end's peer is the other.
        assert_eq!((by(19880).peer_inode, by(19881).peer_inode), (19881, 19880));
        assert_eq!((by(19880).state, by(19880).path.as_deref()), (1, None));
    }

    #[test]
    fn garbage_never_panics() {
        let mut dec = Decoder::default();
        for cut in 0..TCP4_INFO.len() {
            let _ = messages(
                &TCP4_INFO[..cut],
                1,
                MessageKind::Inet(Proto::Tcp),
                &mut dec,
                &mut |_| {},
            );
            let _ = decode_inet(&TCP4_INFO[16..cut.max(16)], Proto::Tcp, &mut dec);
        }
        for cut in 16..UNIX.len() {
            let _ = decode_unix(&UNIX[16..cut]);
        }
        assert!(decode_inet(&[0u8; 10], Proto::Tcp, &mut dec).is_none());
        assert_eq!(unix_path(b"/a\0\0"), Some(Arc::from("/a")));
        assert_eq!(unix_path(b"\0x\0y"), Some(Arc::from("@x@y")));
        assert_eq!(unix_path(b""), None);
    }
}
