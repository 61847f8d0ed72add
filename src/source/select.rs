//! What to dump: which sockets (protocols, families, kernel states) and which costly extras
//! (tcp_info, owners, names, ...). Plain parameters of the socket collector, defined here so the
//! source layer depends on nothing above it; `tables::sockets` derives them from a request.

use crate::door::source::records::{Family, Proto};

/// Bitmask of every kernel socket state (TCP_ESTABLISHED = 1 ... TCP_NEW_SYN_RECV = 12).
pub const ALL_STATES: u32 = 0x1ffe;

/// The kernel's TCP state names, indexed by state number (used for every protocol).
pub const STATE_NAMES: [&str; 13] = [
    "UNKNOWN",
    "ESTABLISHED",
    "SYN_SENT",
    "SYN_RECV",
    "FIN_WAIT1",
    "FIN_WAIT2",
    "TIME_WAIT",
    "CLOSE",
    "CLOSE_WAIT",
    "LAST_ACK",
    "LISTEN",
    "CLOSING",
    "NEW_SYN_RECV",
];

/// The state number of a state name (`ESTABLISHED`, `LISTEN`, ...; case-insensitive).
pub fn state_number(name: &str) -> Option<u8> {
    (1..STATE_NAMES.len())
        .find(|&i| STATE_NAMES[i].eq_ignore_ascii_case(name))
        .map(|i| i as u8)
}

/// Which sockets to dump: protocols, families and states. The default selects everything.
///
/// `states` is a bitmask of `1 << state` over the kernel state numbers; it applies to every
/// protocol, as the kernel's own filter does (UDP and raw sockets are ESTABLISHED when
/// connected and CLOSE otherwise; UNIX sockets are LISTEN, ESTABLISHED or CLOSE).
/// `inet`/`inet6` choose the families of TCP, UDP, UDP-Lite and raw sockets; `unix` alone
/// decides UNIX sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketSelect {
    /// TCP sockets.
    pub tcp: bool,
    /// UDP sockets.
    pub udp: bool,
    /// UDP-Lite sockets.
    pub udplite: bool,
    /// Raw IP sockets.
    pub raw: bool,
    /// UNIX domain sockets.
    pub unix: bool,
    /// IPv4 sockets of the IP protocols.
    pub inet: bool,
    /// IPv6 sockets of the IP protocols.
    pub inet6: bool,
    /// Bitmask of kernel states (`1 << TCP_LISTEN`, ...); [`ALL_STATES`] for all.
    pub states: u32,
}

impl Default for SocketSelect {
    fn default() -> Self {
        SocketSelect {
            tcp: true,
            udp: true,
            udplite: true,
            raw: true,
            unix: true,
            inet: true,
            inet6: true,
            states: ALL_STATES,
        }
    }
}

impl SocketSelect {
    /// Only the protocols in `protos` (both families, every state).
    pub fn only(protos: &[Proto]) -> SocketSelect {
        SocketSelect {
            tcp: protos.contains(&Proto::Tcp),
            udp: protos.contains(&Proto::Udp),
            udplite: protos.contains(&Proto::UdpLite),
            raw: protos.contains(&Proto::Raw),
            unix: protos.contains(&Proto::Unix),
            ..SocketSelect::default()
        }
    }

    /// The same selection restricted to the states in `names` (`LISTEN`, `ESTABLISHED`, ...);
    /// an error names the first unknown state.
    pub fn with_states<S: AsRef<str>>(
        self,
        names: &[S],
    ) -> std::result::Result<SocketSelect, String> {
        let mut states = 0;
        for n in names {
            let s = state_number(n.as_ref()).ok_or_else(|| {
                format!(
                    "unknown socket state '{}'; states are: {}",
                    n.as_ref(),
                    STATE_NAMES[1..].join(", ")
                )
            })?;
            states |= 1 << s;
        }
        Ok(SocketSelect { states, ..self })
    }

    /// Whether protocol `p` is selected.
    pub fn has_proto(&self, p: Proto) -> bool {
        match p {
            Proto::Tcp => self.tcp,
            Proto::Udp => self.udp,
            Proto::UdpLite => self.udplite,
            Proto::Raw => self.raw,
            Proto::Unix => self.unix,
        }
    }

    /// Whether IP family `f` is selected (UNIX is decided by [`SocketSelect::unix`]).
    pub fn has_family(&self, f: Family) -> bool {
        match f {
            Family::Inet => self.inet,
            Family::Inet6 => self.inet6,
            Family::Unix => self.unix,
            Family::Link => false,
        }
    }

    /// Whether a socket of this protocol, family and state is selected.
    pub fn matches(&self, proto: Proto, family: Family, state: u8) -> bool {
        self.has_proto(proto)
            && (proto == Proto::Unix || self.has_family(family))
            && state < 32
            && self.states & (1 << state) != 0
    }

    /// Whether everything is selected.
    pub fn is_all(&self) -> bool {
        *self == SocketSelect::default()
    }
}

/// The costly extras a caller needs from the socket collector.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Want {
    /// tcp_info (rtt, cwnd, byte counters, ...) for TCP sockets (INET_DIAG_INFO).
    pub tcp_info: bool,
    /// The congestion control algorithm of TCP sockets (INET_DIAG_CONG).
    pub congestion: bool,
    /// Owning process (pid, comm): one scan of /proc/*/fd.
    pub owners: bool,
    /// User names for uids.
    pub user: bool,
    /// Names of the interfaces sockets are bound to.
    pub dev: bool,
    /// UNIX reference counts from /proc/net/unix.
    pub refcnt: bool,
    /// The network namespace inode.
    pub netns: bool,
}

impl Want {
    /// Every extra.
    pub const ALL: Want = Want {
        tcp_info: true,
        congestion: true,
        owners: true,
        user: true,
        dev: true,
        refcnt: true,
        netns: true,
    };
}
