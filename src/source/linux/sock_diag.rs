//! Sockets from NETLINK_SOCK_DIAG (inet_diag for TCP, UDP, UDP-Lite and raw; unix_diag for UNIX),
//! streamed record by record, with the /proc/net files as the fallback.
//!
//! This is the hot path of `netpry netstat -tan` at 100k sockets, so it does its own netlink
//! I/O: one socket, a 64 KiB receive buffer, and replies decoded in place from the receive
//! buffer ([`super::sock_diag_decode`]) with no allocation per socket (addresses are `IpAddr`,
//! repeated strings are shared `Arc<str>`s). The kernel filters by state (`idiag_states`); the
//! expensive extras (tcp_info, congestion, owning processes, user names, bound device names,
//! UNIX reference counts) are fetched only when [`Want`] asks for them.
//!
//! unix_diag never reports a socket without an inode, so the server halves of connections not
//! yet accepted (which `/proc/net/unix` lists as connecting, with inode 0) are added from that
//! file after the UNIX dump.
//!
//! A dump that fails (a diag module missing, EPERM, ...) falls back to the /proc/net text files
//! for that protocol, and one note names the protocols read that way; except that raw sockets
//! read from /proc because `raw_diag` is simply not loaded (ENOENT, EOPNOTSUPP) are read
//! silently, as many kernels lack that module and the note would follow every query (see
//! [`fallback_note`]). A socket that vanishes
//! mid-dump is simply absent; a dump interrupted by a concurrent change is not retried (the
//! rows already went to the caller), as with `ss`.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;

use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_SOCK_DIAG};

use super::processes::{OwnerMap, socket_owners};
use super::sock_diag_decode::{
    Decoder, MessageKind, SOCK_DIAG_BY_FAMILY, TCPDIAG_GETSOCK, messages,
};
use super::{proc_net, users};
use crate::door::source::records::{Family, Proto, SocketRecord, TcpInfo};
use crate::door::source::select::{SocketSelect, Want};
use crate::error::Result;
use crate::model::Notes;

/// Receive buffer: the kernel fills at most 32 KiB per read of a dump; twice that is room to
/// spare on 64 KiB-page kernels.
const RECV_BUF: usize = 64 * 1024;

const AF_UNIX: u8 = 1;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;

/// INET_DIAG_INFO and INET_DIAG_CONG as request extension bits.
const EXT_INFO: u8 = 1 << (2 - 1);
const EXT_CONG: u8 = 1 << (4 - 1);

/// UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID.
const UNIX_SHOW: u32 = 0x01 | 0x04 | 0x10 | 0x40;

/// The IP protocol number of an inet protocol.
fn ip_proto(p: Proto) -> u8 {
    match p {
        Proto::Tcp => 6,
        Proto::Udp => 17,
        Proto::UdpLite => 136,
        // raw_diag takes IPPROTO_RAW and returns every raw socket of the family.
        Proto::Raw => 255,
        Proto::Unix => 0,
    }
}

/// How many socket collections asked the kernel for tcp_info (one per collection, whatever
/// the number of address families dumped; read by `collection_stats`, which tests use to prove
/// a query never asked for it).
pub(crate) static TCP_INFO_DUMPS: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// How many socket collections ran (each call of [`sockets`]: one dump per selected family
/// and protocol; read by `collection_stats`, which tests use to prove a collection was not
/// repeated).
pub(crate) static SOCKET_DUMPS: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// The tcp_info (with the congestion algorithm) of every TCP socket `select` selects, by
/// socket cookie: one dump of its own, for a table whose tcp_info columns are read after it
/// was collected without them. Sockets read from /proc/net (no cookie) are left out.
pub fn tcp_infos(select: &SocketSelect, notes: &Notes) -> Result<HashMap<u64, TcpInfo>> {
    let tcp = SocketSelect {
        states: select.states,
        inet: select.inet,
        inet6: select.inet6,
        ..SocketSelect::only(&[Proto::Tcp])
    };
    let want = Want {
        tcp_info: true,
        congestion: true,
        ..Want::default()
    };
    let mut out = HashMap::new();
    if !select.has_proto(Proto::Tcp) {
        return Ok(out);
    }
    sockets(&tcp, &want, notes, |r| {
        if let (Some(t), true) = (r.tcp, r.cookie != 0) {
            out.insert(r.cookie, t);
        }
    })?;
    Ok(out)
}

/// Streams every socket `select` selects to `each`, with the extras `want` asks for.
///
/// Notes (a /proc fallback taken, owners hidden without root) go to `notes`. Fails only when
/// neither sock_diag nor /proc/net could be read for some selected protocol.
pub fn sockets(
    select: &SocketSelect,
    want: &Want,
    notes: &Notes,
    mut each: impl FnMut(SocketRecord),
) -> Result<()> {
    SOCKET_DUMPS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if want.tcp_info && select.has_proto(Proto::Tcp) {
        TCP_INFO_DUMPS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    let owners = want.owners.then(socket_owners);
    // /proc/net/unix gives the UNIX reference counts and the sockets unix_diag leaves out.
    let unix_text = if select.unix {
        proc_net::unix_text()
    } else {
        String::new()
    };
    let refcnt = (want.refcnt && select.unix).then(|| proc_net::parse_unix_refcounts(&unix_text));
    let mut ctx = Enrich {
        want,
        owners: owners.as_deref(),
        refcnt: refcnt.as_ref(),
        netns: if want.netns {
            super::processes::current_netns()
        } else {
            None
        },
        devs: None,
        users: HashMap::new(),
        last_user: None,
        unowned: false,
    };
    let mut emit = |mut rec: SocketRecord| {
        if select.matches(rec.proto, rec.family, rec.state) {
            ctx.fill(&mut rec);
            each(rec);
        }
    };

    let mut dumper = Dumper::open();
    let mut fell_back: Vec<(Proto, &'static str, io::Error)> = Vec::new();
    let mut partial: Vec<String> = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    let mut read_any = false;
    let mut jobs: Vec<(Proto, Family)> = Vec::new();
    for proto in [Proto::Tcp, Proto::Udp, Proto::UdpLite, Proto::Raw] {
        for family in [Family::Inet, Family::Inet6] {
            if select.has_proto(proto) && select.has_family(family) {
                jobs.push((proto, family));
            }
        }
    }
    if select.unix {
        jobs.push((Proto::Unix, Family::Unix));
    }
    let tcp_ext =
        (if want.tcp_info { EXT_INFO } else { 0 }) | (if want.congestion { EXT_CONG } else { 0 });
    // TCP of both families in one walk of the socket hash (two per-family dumps walk it
    // twice): IPv4 sockets go out as they come, IPv6 ones after them, the order two dumps
    // give. A kernel that refuses the request gets the two dumps.
    if select.has_proto(Proto::Tcp)
        && select.has_family(Family::Inet)
        && select.has_family(Family::Inet6)
    {
        let mut inet6 = Vec::new();
        let req = compat_request(tcp_ext, select.states);
        let got = run_dump_as(
            &mut dumper,
            TCPDIAG_GETSOCK,
            &req,
            MessageKind::Inet(Proto::Tcp),
            &mut |r| {
                if r.family == Family::Inet6 {
                    inet6.push(r);
                } else {
                    emit(r);
                }
            },
        );
        let delivered = match got {
            Ok(()) => true,
            Err((e, true)) => {
                partial.push(format!("tcp and tcp6: {e}"));
                true
            }
            Err((_, false)) => false,
        };
        if delivered {
            read_any = true;
            inet6.into_iter().for_each(&mut emit);
            jobs.retain(|&(p, _)| p != Proto::Tcp);
        }
    }
    for (proto, family) in jobs {
        let (req, kind) = if proto == Proto::Unix {
            (unix_request(select.states), MessageKind::Unix)
        } else {
            let ext = if proto == Proto::Tcp { tcp_ext } else { 0 };
            (
                inet_request(family, proto, ext, select.states),
                MessageKind::Inet(proto),
            )
        };
        let file = proc_net::file_name(proto, family);
        let e = match run_dump(&mut dumper, &req, kind, &mut emit) {
            Ok(()) => {
                read_any = true;
                if proto == Proto::Unix {
                    proc_net::parse_unix_embryos(&unix_text, &mut emit);
                }
                continue;
            }
            Err((e, true)) => {
                read_any = true;
                partial.push(format!("{file}: {e}"));
                if proto == Proto::Unix {
                    proc_net::parse_unix_embryos(&unix_text, &mut emit);
                }
                continue;
            }
            Err((e, false)) => e,
        };
        let fallback = if proto == Proto::Unix {
            proc_net::read_unix(&mut emit)
        } else {
            proc_net::read_inet(proto, family, &mut emit)
        };
        match fallback {
            Ok(()) => {
                read_any = true;
                fell_back.push((proto, file, e));
            }
            // Neither a diag handler nor a /proc file: this kernel has no such sockets at all
            // (UDP-Lite or IPv6 compiled out), so there is nothing to show.
            Err(pe)
                if pe.kind() == io::ErrorKind::NotFound
                    && e.raw_os_error() == Some(libc::ENOENT) => {}
            Err(pe) => unreadable.push(format!("{file}: {} / /proc/net/{file}: {pe}", why(&e))),
        }
    }
    if !read_any && !unreadable.is_empty() {
        return Err(crate::Error::kernel(
            "reading sockets (sock_diag and /proc/net)",
            io::Error::other(unreadable.join("; ")),
        ));
    }
    if !unreadable.is_empty() {
        notes.add(format!(
            "some sockets could not be read: {}",
            unreadable.join("; ")
        ));
    }
    if let Some(note) = fallback_note(&fell_back) {
        notes.add(note);
    }
    if !partial.is_empty() {
        notes.add(format!(
            "socket dump failed partway, some sockets may be missing ({})",
            partial.join("; ")
        ));
    }
    if ctx.unowned && owners.as_ref().is_some_and(|o| o.denied > 0) {
        notes.add(
            "other users' processes are not readable without root, so their sockets have no \
             pid or process; run as root to see all",
        );
    }
    Ok(())
}

/// Whether a failed dump only means that the protocol's own diag module is absent, with
/// sock_diag itself working: raw sockets (`raw_diag`, often not built or loaded) refused with
/// ENOENT (no handler) or EOPNOTSUPP. Reading them from /proc loses only their cookie and
/// bound device, which is not worth a note on every query.
fn quiet_fallback(proto: Proto, e: &io::Error) -> bool {
    proto == Proto::Raw && matches!(e.raw_os_error(), Some(libc::ENOENT | libc::EOPNOTSUPP))
}

/// The one note for the protocols read from /proc/net instead of sock_diag (protocol, file
/// name, dump error), or `None` when every fallback is quiet ([`quiet_fallback`]). When some
/// fallback is worth a note, the note names every protocol read from /proc, quiet ones too.
fn fallback_note(fell_back: &[(Proto, &str, io::Error)]) -> Option<String> {
    if fell_back.iter().all(|(p, _, e)| quiet_fallback(*p, e)) {
        return None;
    }
    let files: Vec<&str> = fell_back.iter().map(|(_, f, _)| *f).collect();
    let mut reasons: Vec<String> = fell_back.iter().map(|(_, _, e)| why(e)).collect();
    reasons.dedup();
    Some(format!(
        "sock_diag could not dump {} sockets ({}); read them from /proc/net instead \
         (fewer details: no cookies, bound devices or listen backlogs)",
        files.join(", "),
        reasons.join("; ")
    ))
}

/// Why a dump failed, in words.
fn why(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ENOENT) => "no diag support for them in this kernel".to_string(),
        Some(libc::EPERM | libc::EACCES) => "not permitted".to_string(),
        _ => e.to_string(),
    }
}

/// Runs one dump; on failure, the error and whether some rows were already delivered (then a
/// fallback would duplicate them).
fn run_dump(
    dumper: &mut io::Result<Dumper>,
    req: &[u8],
    kind: MessageKind,
    each: &mut impl FnMut(SocketRecord),
) -> std::result::Result<(), (io::Error, bool)> {
    run_dump_as(dumper, SOCK_DIAG_BY_FAMILY, req, kind, each)
}

/// [`run_dump`] of a request of netlink type `message_type`; the error says whether any
/// socket was delivered before it.
fn run_dump_as(
    dumper: &mut io::Result<Dumper>,
    message_type: u16,
    req: &[u8],
    kind: MessageKind,
    each: &mut impl FnMut(SocketRecord),
) -> std::result::Result<(), (io::Error, bool)> {
    let d = match dumper {
        Ok(d) => d,
        Err(e) => return Err((io::Error::new(e.kind(), e.to_string()), false)),
    };
    let mut delivered = false;
    d.dump(message_type, req, kind, &mut |r| {
        delivered = true;
        each(r)
    })
    .map_err(|e| (e, delivered))
}

/// Fills the per-socket extras that do not come from the dump itself.
struct Enrich<'a> {
    want: &'a Want,
    owners: Option<&'a OwnerMap>,
    refcnt: Option<&'a HashMap<u64, u32>>,
    netns: Option<u64>,
    /// Interface index → name, loaded on the first bound socket.
    devs: Option<HashMap<u32, Arc<str>>>,
    users: HashMap<u32, Option<Arc<str>>>,
    /// The last uid named and its name: sockets come in runs of one user's.
    last_user: Option<(u32, Option<Arc<str>>)>,
    /// Some socket with an inode got no owner.
    unowned: bool,
}

impl Enrich<'_> {
    fn fill(&mut self, rec: &mut SocketRecord) {
        if let Some(owners) = self.owners {
            match owners.get(rec.inode) {
                Some(o) => {
                    rec.pid = Some(o.pid);
                    rec.process = Some(Arc::clone(&o.comm));
                }
                None if rec.inode != 0 => self.unowned = true,
                None => {}
            }
        }
        if self.want.user
            && let Some(uid) = rec.uid
        {
            rec.user = match &self.last_user {
                Some((last, name)) if *last == uid => name.clone(),
                _ => {
                    let name = self
                        .users
                        .entry(uid)
                        .or_insert_with(|| users::user_name(uid))
                        .clone();
                    self.last_user = Some((uid, name.clone()));
                    name
                }
            };
        }
        if self.want.dev && rec.bound_ifindex != 0 {
            let devs = self.devs.get_or_insert_with(|| {
                super::links()
                    .map(|ls| {
                        ls.into_iter()
                            .map(|l| (l.index, Arc::from(l.name)))
                            .collect()
                    })
                    .unwrap_or_default()
            });
            rec.bound_dev = devs.get(&rec.bound_ifindex).cloned();
        }
        // Sockets read from /proc/net/unix (fallback, un-accepted connections) have theirs.
        if let (Some(map), Proto::Unix, None) = (self.refcnt, rec.proto, rec.refcnt) {
            rec.refcnt = map.get(&rec.inode).copied();
        }
        rec.netns = self.netns;
    }
}

/// `struct inet_diag_req_v2` in an `nlmsghdr`, as a dump request.
fn inet_request(family: Family, proto: Proto, ext: u8, states: u32) -> Vec<u8> {
    let af = if family == Family::Inet6 {
        AF_INET6
    } else {
        AF_INET
    };
    let mut p = Vec::with_capacity(56);
    p.extend_from_slice(&[af, ip_proto(proto), ext, 0]);
    p.extend_from_slice(&states.to_ne_bytes());
    p.extend_from_slice(&[0u8; 48]); // struct inet_diag_sockid: all wildcards
    p
}

/// `struct inet_diag_req` (the request of `TCPDIAG_GETSOCK`): no family, so both.
fn compat_request(ext: u8, states: u32) -> Vec<u8> {
    let mut p = Vec::with_capacity(60);
    p.extend_from_slice(&[0, 0, 0, ext]); // family (any), src_len, dst_len, ext
    p.extend_from_slice(&[0u8; 48]); // struct inet_diag_sockid: all wildcards
    p.extend_from_slice(&states.to_ne_bytes());
    p.extend_from_slice(&0u32.to_ne_bytes()); // idiag_dbs
    p
}

/// `struct unix_diag_req`.
fn unix_request(states: u32) -> Vec<u8> {
    let mut p = Vec::with_capacity(24);
    p.extend_from_slice(&[AF_UNIX, 0, 0, 0]);
    p.extend_from_slice(&states.to_ne_bytes());
    p.extend_from_slice(&0u32.to_ne_bytes()); // inode: any
    p.extend_from_slice(&UNIX_SHOW.to_ne_bytes());
    p.extend_from_slice(&[0xff; 8]); // cookie: none
    p
}

/// One NETLINK_SOCK_DIAG socket doing dumps one after the other.
struct Dumper {
    socket: Socket,
    seq: u32,
    buf: Vec<u8>,
    decoder: Decoder,
}

impl Dumper {
    fn open() -> io::Result<Dumper> {
        // Opened as a non-administrator: the kernel then leaves out of each reply the
        // attributes netpry does not show (see [`super::caps`]).
        let mut socket = super::caps::without(super::caps::CAP_NET_ADMIN, || {
            Socket::new(NETLINK_SOCK_DIAG)
        })?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        Ok(Dumper {
            socket,
            seq: 0,
            buf: vec![0; RECV_BUF],
            decoder: Decoder::default(),
        })
    }

    /// Sends one dump request with `payload` and decodes every reply into `each`.
    fn dump(
        &mut self,
        message_type: u16,
        payload: &[u8],
        kind: MessageKind,
        each: &mut impl FnMut(SocketRecord),
    ) -> io::Result<()> {
        self.seq = self.seq.wrapping_add(1);
        let msg = super::netlink::dump_request(message_type, self.seq, payload);
        self.socket.send(&msg, 0)?;
        loop {
            let n = self.socket.recv(&mut &mut self.buf[..], 0)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "netlink socket closed",
                ));
            }
            if messages(&self.buf[..n], self.seq, kind, &mut self.decoder, each)? {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_have_kernel_layouts() {
        let r = inet_request(Family::Inet6, Proto::Raw, EXT_INFO, 0x1ffe);
        assert_eq!(r.len(), 56);
        assert_eq!(&r[..4], &[10, 255, 2, 0]);
        assert_eq!(u32::from_ne_bytes(r[4..8].try_into().unwrap()), 0x1ffe);
        let u = unix_request(1 << 10);
        assert_eq!(u.len(), 24);
        assert_eq!(u[0], 1);
        assert_eq!(u32::from_ne_bytes(u[12..16].try_into().unwrap()), UNIX_SHOW);
        let c = compat_request(EXT_INFO | EXT_CONG, 0x1ffe);
        assert_eq!(c.len(), 60);
        assert_eq!(&c[..4], &[0, 0, 0, EXT_INFO | EXT_CONG]);
        assert_eq!(u32::from_ne_bytes(c[52..56].try_into().unwrap()), 0x1ffe);
    }

    #[test]
    fn one_walk_for_both_tcp_families_gives_what_two_dumps_give() {
        // Listeners and connections of both families, made here.
        let l4 = std::net::TcpListener::bind("127.0.0.1:0").expect("listen v4");
        let Ok(l6) = std::net::TcpListener::bind("[::1]:0") else {
            return; // no IPv6 here
        };
        let _c4 = std::net::TcpStream::connect(l4.local_addr().unwrap()).expect("connect v4");
        let _c6 = std::net::TcpStream::connect(l6.local_addr().unwrap()).expect("connect v6");
        let notes = Notes::default();
        let want = Want::default();
        let key = |r: &SocketRecord| (r.family, r.local_port, r.remote_port, r.inode, r.state);
        let mut walked = Vec::new();
        sockets(&SocketSelect::only(&[Proto::Tcp]), &want, &notes, |r| {
            walked.push(key(&r))
        })
        .expect("dump");
        let mut two = Vec::new();
        for family in [Family::Inet, Family::Inet6] {
            let mut d = Dumper::open();
            run_dump(
                &mut d,
                &inet_request(family, Proto::Tcp, 0, u32::MAX),
                MessageKind::Inet(Proto::Tcp),
                &mut |r| two.push(key(&r)),
            )
            .expect("dump");
        }
        // Sockets come and go on a live host: compare ours, in order.
        let ports = [
            l4.local_addr().unwrap().port(),
            l6.local_addr().unwrap().port(),
        ];
        let ours = |v: &[(Family, u16, u16, u64, u8)]| -> Vec<(Family, u16, u16, u64, u8)> {
            v.iter()
                .filter(|k| ports.contains(&k.1) || ports.contains(&k.2))
                .copied()
                .collect()
        };
        assert_eq!(ours(&walked), ours(&two));
        assert_eq!(ours(&walked).len(), 6);
        // IPv4 first, then IPv6, as two dumps give them.
        let first6 = walked.iter().position(|k| k.0 == Family::Inet6);
        assert!(first6.is_none_or(|i| walked[i..].iter().all(|k| k.0 == Family::Inet6)));
    }

    #[test]
    fn a_missing_raw_diag_is_quiet_but_a_broken_sock_diag_is_not() {
        let err = |n| io::Error::from_raw_os_error(n);
        assert_eq!(fallback_note(&[]), None);
        let raw_only = [
            (Proto::Raw, "raw", err(libc::ENOENT)),
            (Proto::Raw, "raw6", err(libc::EOPNOTSUPP)),
        ];
        assert_eq!(fallback_note(&raw_only), None);
        // Raw refused for another reason (no permission) is worth saying.
        let raw_denied = [(Proto::Raw, "raw", err(libc::EPERM))];
        assert_eq!(
            fallback_note(&raw_denied).as_deref(),
            Some(
                "sock_diag could not dump raw sockets (not permitted); read them from /proc/net \
                 instead (fewer details: no cookies, bound devices or listen backlogs)"
            )
        );
        // sock_diag unavailable as a whole: every protocol is named, raw included, once.
        let all = [
            (Proto::Tcp, "tcp", err(libc::ENOENT)),
            (Proto::Udp, "udp", err(libc::ENOENT)),
            (Proto::Raw, "raw", err(libc::ENOENT)),
            (Proto::Unix, "unix", err(libc::ENOENT)),
        ];
        let note = fallback_note(&all).expect("a note");
        assert!(
            note.starts_with(
                "sock_diag could not dump tcp, udp, raw, unix sockets (no diag support for them \
                 in this kernel);"
            ),
            "{note}"
        );
    }

    #[test]
    fn live_dump_sees_our_listener_with_owner() {
        use std::os::unix::fs::MetadataExt;
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&l);
        let inode = std::fs::metadata(format!("/proc/self/fd/{fd}"))
            .unwrap()
            .ino();
        let select = SocketSelect {
            states: 1 << 10,
            ..SocketSelect::only(&[Proto::Tcp])
        };
        let notes = Notes::default();
        let mut found = Vec::new();
        sockets(&select, &Want::ALL, &notes, |r| found.push(r)).unwrap();
        assert!(
            found.iter().all(|r| r.proto == Proto::Tcp && r.state == 10),
            "kernel state filter"
        );
        let me = found
            .iter()
            .find(|r| r.inode == inode)
            .expect("our listener");
        assert_eq!((me.local_port, me.pid), (port, Some(std::process::id())));
        assert!(me.tcp.is_some() && me.netns.is_some() && me.user.is_some());
    }
}
