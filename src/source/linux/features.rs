//! Which kernel features netpry can use here, probed at run time for
//! `netpry --version --verbose`: the sock_diag handlers (inet TCP, UDP and UDP-Lite, raw_diag,
//! unix_diag) and policy-rule dumps per family.
//!
//! Each probe is one netlink dump that selects nothing (a socket dump asking for no TCP
//! states, a rule dump of one family), so it costs a round trip, not a listing: the kernel
//! answers `NLMSG_DONE` when it has the handler and an error (ENOENT for a missing sock_diag
//! handler, EAFNOSUPPORT for a family without rules) when it has not. Like `ss`, a probe may
//! make the kernel load a diag module on demand.

use std::io;

use netlink_sys::protocols::{NETLINK_ROUTE, NETLINK_SOCK_DIAG};
use netlink_sys::{Socket, SocketAddr};

/// `SOCK_DIAG_BY_FAMILY`.
const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `RTM_GETRULE`.
const RTM_GETRULE: u16 = 34;
/// `NLMSG_ERROR` and `NLMSG_DONE`.
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
/// `NLM_F_REQUEST | NLM_F_DUMP`.
const DUMP_FLAGS: u16 = 0x1 | 0x300;

const AF_UNIX: u8 = 1;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;

/// The outcome of one probe: available, or why not.
pub type Probe = Result<(), String>;

/// Everything probed, each item named as `--version --verbose` prints it.
#[derive(Debug, Clone)]
pub struct Features {
    /// The kernel release (`/proc/sys/kernel/osrelease`), if readable.
    pub kernel: Option<String>,
    /// sock_diag per family: (family, [(protocol, probe)]).
    pub sock_diag: Vec<(&'static str, Vec<(&'static str, Probe)>)>,
    /// raw_diag per family.
    pub raw_diag: Vec<(&'static str, Probe)>,
    /// Policy-rule dumps per family.
    pub rules: Vec<(&'static str, Probe)>,
}

/// Probes every feature (a dozen netlink round trips).
pub fn probe() -> Features {
    let mut diag = Socket::new(NETLINK_SOCK_DIAG).and_then(|mut s| {
        s.bind_auto()?;
        s.connect(&SocketAddr::new(0, 0))?;
        Ok(s)
    });
    let mut seq = 0;
    let mut inet = |family: u8, proto: u8| -> Probe {
        seq += 1;
        let sock = diag.as_mut().map_err(|e| why(e))?;
        dump(sock, seq, SOCK_DIAG_BY_FAMILY, &inet_request(family, proto)).map_err(|e| why(&e))
    };
    let mut sock_diag = Vec::new();
    let mut raw_diag = Vec::new();
    for (name, family) in [("inet", AF_INET), ("inet6", AF_INET6)] {
        let protos = vec![
            ("tcp", inet(family, 6)),
            ("udp", inet(family, 17)),
            ("udplite", inet(family, 136)),
        ];
        sock_diag.push((name, protos));
        raw_diag.push((name, inet(family, 255)));
    }
    let unix = match diag.as_mut() {
        Ok(sock) => dump(sock, 100, SOCK_DIAG_BY_FAMILY, &unix_request()).map_err(|e| why(&e)),
        Err(e) => Err(why(e)),
    };
    sock_diag.push(("unix", vec![("unix", unix)]));
    let mut route = Socket::new(NETLINK_ROUTE).and_then(|mut s| {
        s.bind_auto()?;
        s.connect(&SocketAddr::new(0, 0))?;
        Ok(s)
    });
    let mut rules = Vec::new();
    for (i, (name, family)) in [("inet", AF_INET), ("inet6", AF_INET6)]
        .into_iter()
        .enumerate()
    {
        let probe = match route.as_mut() {
            Ok(sock) => {
                let seq = 200 + u32::try_from(i).unwrap_or(0);
                dump(sock, seq, RTM_GETRULE, &rule_request(family)).map_err(|e| why(&e))
            }
            Err(e) => Err(why(e)),
        };
        rules.push((name, probe));
    }
    Features {
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|s| s.trim().to_string()),
        sock_diag,
        raw_diag,
        rules,
    }
}

/// A short reason for a failed probe.
fn why(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ENOENT) => "not in this kernel".into(),
        Some(libc::EAFNOSUPPORT) => "family not supported".into(),
        Some(libc::EPERM | libc::EACCES) => "not permitted".into(),
        _ => e.to_string(),
    }
}

/// `struct inet_diag_req_v2` selecting no socket state (so nothing is listed).
fn inet_request(family: u8, proto: u8) -> Vec<u8> {
    let mut p = vec![family, proto, 0, 0];
    p.extend_from_slice(&0u32.to_ne_bytes()); // idiag_states: none
    p.extend_from_slice(&[0u8; 48]); // struct inet_diag_sockid
    p
}

/// `struct unix_diag_req` selecting no socket state.
fn unix_request() -> Vec<u8> {
    let mut p = vec![AF_UNIX, 0, 0, 0];
    p.extend_from_slice(&0u32.to_ne_bytes()); // udiag_states: none
    p.extend_from_slice(&0u32.to_ne_bytes()); // inode
    p.extend_from_slice(&0u32.to_ne_bytes()); // show
    p.extend_from_slice(&[0xff; 8]); // cookie
    p
}

/// `struct fib_rule_hdr` for one family.
fn rule_request(family: u8) -> Vec<u8> {
    let mut p = vec![family];
    p.extend_from_slice(&[0u8; 11]);
    p
}

/// Sends one dump request and reads its replies to the end: `Ok` at `NLMSG_DONE`, the
/// kernel's error at `NLMSG_ERROR`.
fn dump(sock: &mut Socket, seq: u32, kind: u16, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(16 + payload.len()).unwrap_or(u32::MAX);
    let mut msg = Vec::with_capacity(16 + payload.len());
    msg.extend_from_slice(&len.to_ne_bytes());
    msg.extend_from_slice(&kind.to_ne_bytes());
    msg.extend_from_slice(&DUMP_FLAGS.to_ne_bytes());
    msg.extend_from_slice(&seq.to_ne_bytes());
    msg.extend_from_slice(&0u32.to_ne_bytes());
    msg.extend_from_slice(payload);
    sock.send(&msg, 0)?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = sock.recv(&mut &mut buf[..], 0)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "netlink socket closed",
            ));
        }
        let mut off = 0;
        while off + 16 <= n {
            let h = &buf[off..n];
            let len = u32::from_ne_bytes([h[0], h[1], h[2], h[3]]) as usize;
            if len < 16 || len > h.len() {
                break;
            }
            let ty = u16::from_ne_bytes([h[4], h[5]]);
            let msg_seq = u32::from_ne_bytes([h[8], h[9], h[10], h[11]]);
            off += (len + 3) & !3;
            if msg_seq != seq {
                continue;
            }
            match ty {
                NLMSG_DONE => return Ok(()),
                NLMSG_ERROR if len >= 20 => {
                    let code = i32::from_ne_bytes([h[16], h[17], h[18], h[19]]);
                    if code != 0 {
                        return Err(io::Error::from_raw_os_error(-code));
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_have_kernel_layouts() {
        assert_eq!(inet_request(AF_INET6, 255).len(), 56);
        assert_eq!(unix_request().len(), 24);
        assert_eq!(rule_request(AF_INET).len(), 12);
    }

    #[test]
    fn this_kernel_has_tcp_diag_and_ipv4_rules() {
        // Every kernel netpry supports has inet_diag for TCP and IPv4 policy rules.
        let f = probe();
        let inet = &f.sock_diag[0];
        assert_eq!(inet.0, "inet");
        assert_eq!(inet.1[0], ("tcp", Ok(())), "{f:?}");
        assert_eq!(f.rules[0], ("inet", Ok(())), "{f:?}");
        assert!(f.kernel.is_some());
    }
}
