//! Plain records produced by the collectors: what the kernel told us, in our own types.
//!
//! Kernel message types (netlink-packet-*, raw /proc text) never leave `source::linux`; the
//! collectors there turn them into these records, and the `tables` modules turn records into
//! typed rows. Snapshot files store tables, not records.

use std::net::IpAddr;
use std::sync::Arc;

/// Transport protocol of a socket (defined in the model: front ends print it too).
pub use crate::model::Proto;

/// Address family of a socket or address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4 (`inet`).
    Inet,
    /// IPv6 (`inet6`).
    Inet6,
    /// UNIX domain (`unix`).
    Unix,
    /// Link layer / other (`link`).
    Link,
}

impl Family {
    /// Name as shown in `family` columns (iproute2 spelling).
    pub fn name(self) -> &'static str {
        match self {
            Family::Inet => "inet",
            Family::Inet6 => "inet6",
            Family::Unix => "unix",
            Family::Link => "link",
        }
    }

    /// The family of an address.
    pub fn of(ip: &IpAddr) -> Family {
        if ip.is_ipv4() {
            Family::Inet
        } else {
            Family::Inet6
        }
    }
}

/// TCP connection internals from `tcp_info` (zero where the running kernel did not supply a
/// field).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TcpInfo {
    /// Smoothed round-trip time, microseconds.
    pub rtt_us: u32,
    /// Round-trip time variance, microseconds.
    pub rttvar_us: u32,
    /// Retransmission timeout, microseconds.
    pub rto_us: u32,
    /// Congestion window, segments.
    pub cwnd: u32,
    /// Slow-start threshold, segments.
    pub ssthresh: u32,
    /// Sender maximum segment size.
    pub snd_mss: u32,
    /// Total retransmitted segments over the connection's life.
    pub total_retrans: u32,
    /// Segments currently unacknowledged and retransmitted.
    pub retrans: u32,
    /// Bytes acknowledged by the peer.
    pub bytes_acked: u64,
    /// Bytes received from the peer.
    pub bytes_received: u64,
    /// Segments sent.
    pub segs_out: u32,
    /// Segments received.
    pub segs_in: u32,
    /// Milliseconds since the last data was sent.
    pub last_data_sent_ms: u32,
    /// Milliseconds since the last data was received.
    pub last_data_recv_ms: u32,
    /// Retransmissions of the current data (`tcpi_retransmits`, `icsk_retransmits`).
    pub retransmits: u8,
    /// Unanswered zero-window or keepalive probes (`tcpi_probes`, `icsk_probes_out`).
    pub probes: u8,
    /// Congestion control algorithm (INET_DIAG_CONG), when reported.
    pub congestion: Option<Arc<str>>,
}

/// One socket of any family.
#[derive(Debug, Clone, PartialEq)]
pub struct SocketRecord {
    /// Protocol.
    pub proto: Proto,
    /// Family.
    pub family: Family,
    /// Kernel state number (TCP_ESTABLISHED = 1 ... TCP_NEW_SYN_RECV = 12).
    pub state: u8,
    /// Receive queue (for listeners: the current accept queue).
    pub recv_q: u32,
    /// Send queue (for listeners: the accept backlog).
    pub send_q: u32,
    /// Local address (None for UNIX).
    pub local_addr: Option<IpAddr>,
    /// Local port (raw sockets: the protocol number).
    pub local_port: u16,
    /// Remote address (None for UNIX).
    pub remote_addr: Option<IpAddr>,
    /// Remote port.
    pub remote_port: u16,
    /// Owning user id (None when the kernel did not say, e.g. UNIX via unix_diag).
    pub uid: Option<u32>,
    /// User name for `uid`.
    pub user: Option<Arc<str>>,
    /// Socket inode.
    pub inode: u64,
    /// Kernel socket cookie (0 when unknown).
    pub cookie: u64,
    /// Interface the socket is bound to (SO_BINDTODEVICE), 0 for none.
    pub bound_ifindex: u32,
    /// Name of the interface in `bound_ifindex` (filled only when asked for).
    pub bound_dev: Option<Arc<str>>,
    /// Owning process id (None when unknown or not visible).
    pub pid: Option<u32>,
    /// Owning process name (comm).
    pub process: Option<Arc<str>>,
    /// Active timer: 0 off, 1 on (retransmit), 2 keepalive, 3 timewait, 4 zero-window probe.
    pub timer: u8,
    /// Milliseconds until the timer fires.
    pub timer_expires_ms: u32,
    /// Retransmissions of the connection's current data (`icsk_retransmits`, the `retrnsmt`
    /// field of /proc/net/tcp); for a UDP or raw socket, 0.
    pub retransmits: u8,
    /// Unanswered probes of the running timer: zero-window probes while it is `probe`,
    /// keepalive probes while it is `keepalive` (`icsk_probes_out`, the `timeout` field of
    /// /proc/net/tcp); 0 otherwise.
    pub probes: u8,
    /// TCP internals (TCP sockets only, when asked for).
    pub tcp: Option<TcpInfo>,
    /// Socket type: 1 stream, 2 dgram, 3 raw, 5 seqpacket.
    pub sock_type: u8,
    /// UNIX socket path (abstract names start with `@`).
    pub path: Option<Arc<str>>,
    /// Inode of the UNIX peer socket (0 when unconnected).
    pub peer_inode: u64,
    /// UNIX socket reference count as /proc/net/unix reports it (when asked for).
    pub refcnt: Option<u32>,
    /// Network namespace inode the socket was read in.
    pub netns: Option<u64>,
}

impl Default for SocketRecord {
    fn default() -> Self {
        SocketRecord {
            proto: Proto::Tcp,
            family: Family::Inet,
            state: 0,
            recv_q: 0,
            send_q: 0,
            local_addr: None,
            local_port: 0,
            remote_addr: None,
            remote_port: 0,
            uid: None,
            user: None,
            inode: 0,
            cookie: 0,
            bound_ifindex: 0,
            bound_dev: None,
            pid: None,
            process: None,
            timer: 0,
            timer_expires_ms: 0,
            retransmits: 0,
            probes: 0,
            tcp: None,
            sock_type: 0,
            path: None,
            peer_inode: 0,
            refcnt: None,
            netns: None,
        }
    }
}

/// One process.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessRecord {
    /// Process id.
    pub pid: u32,
    /// Parent process id.
    pub ppid: u32,
    /// Short name (comm).
    pub name: Arc<str>,
    /// Command line, arguments joined by spaces (empty for kernel threads).
    pub cmdline: String,
    /// The first NUL-terminated string of /proc/PID/cmdline, as read (empty for kernel
    /// threads); net-tools `netstat -p` derives its program name from it.
    pub argv0: String,
    /// Real user id.
    pub uid: u32,
    /// User name for `uid`.
    pub user: Option<Arc<str>>,
    /// One-letter state (R, S, D, Z, ...).
    pub state: char,
    /// Number of threads.
    pub threads: u32,
    /// Start time in clock ticks after boot (`/proc/PID/stat` field 22); with `pid`, names a
    /// process even when its pid is reused.
    pub start_time: u64,
    /// Network namespace inode (None when not readable).
    pub netns: Option<u64>,
}

/// IFLA_STATS64 counters of one link, in kernel field order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Every counter, named as in `struct rtnl_link_stats64`.
    pub values: [u64; LINK_STAT_NAMES.len()],
}

/// The counter names of `struct rtnl_link_stats64`, in kernel order (the column names).
pub const LINK_STAT_NAMES: [&str; 25] = [
    "rx_packets",
    "tx_packets",
    "rx_bytes",
    "tx_bytes",
    "rx_errors",
    "tx_errors",
    "rx_dropped",
    "tx_dropped",
    "multicast",
    "collisions",
    "rx_length_errors",
    "rx_over_errors",
    "rx_crc_errors",
    "rx_frame_errors",
    "rx_fifo_errors",
    "rx_missed_errors",
    "tx_aborted_errors",
    "tx_carrier_errors",
    "tx_fifo_errors",
    "tx_heartbeat_errors",
    "tx_window_errors",
    "rx_compressed",
    "tx_compressed",
    "rx_nohandler",
    "rx_otherhost_dropped",
];

/// One network interface (link).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkRecord {
    /// Interface index.
    pub index: u32,
    /// Name.
    pub name: String,
    /// Kind from IFLA_INFO_KIND (veth, bridge, vlan, ...); None for plain devices.
    pub kind: Option<String>,
    /// MTU.
    pub mtu: u32,
    /// Operational state (UP, DOWN, UNKNOWN, LOWERLAYERDOWN, ...).
    pub oper_state: String,
    /// IFF_* flags as the kernel reports them.
    pub flags: u32,
    /// Hardware address, `aa:bb:..`; None when the link has none.
    pub mac: Option<String>,
    /// Broadcast hardware address.
    pub broadcast: Option<String>,
    /// Index of the master device (bridge, bond, VRF); 0 for none.
    pub master: u32,
    /// Index of the peer/parent link (IFLA_LINK); 0 for none.
    pub link: u32,
    /// Transmit queue length.
    pub txqlen: u32,
    /// Queueing discipline.
    pub qdisc: Option<String>,
    /// Link layer type (ARPHRD_*), e.g. 1 ether, 772 loopback.
    pub link_type: u16,
    /// Interface group (IFLA_GROUP; 0 is `default`).
    pub group: u32,
    /// Counters; None when the kernel sent none.
    pub stats: Option<LinkStats>,
}

/// One interface address.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddressRecord {
    /// Interface index.
    pub ifindex: u32,
    /// Interface name (resolved from the link list).
    pub ifname: Option<String>,
    /// The address (IFA_LOCAL for IPv4 when present, else IFA_ADDRESS).
    pub addr: Option<IpAddr>,
    /// Prefix length.
    pub prefix_len: u8,
    /// Peer address on point-to-point links (IFA_ADDRESS when it differs from IFA_LOCAL).
    pub peer: Option<IpAddr>,
    /// Broadcast address.
    pub broadcast: Option<IpAddr>,
    /// Scope name (global, link, host, site, or a number).
    pub scope: String,
    /// Label (IPv4).
    pub label: Option<String>,
    /// IFA_F_* flags in `ip` spelling, comma separated (permanent, secondary, tentative, ...).
    pub flags: String,
    /// Valid lifetime in seconds; None for forever.
    pub valid_lft: Option<u32>,
    /// Preferred lifetime in seconds; None for forever.
    pub preferred_lft: Option<u32>,
}

/// One route.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RouteRecord {
    /// Family.
    pub family: Option<Family>,
    /// Routing table id (254 main, 255 local, 253 default).
    pub table: u32,
    /// Route type in `ip` spelling (unicast, local, broadcast, blackhole, unreachable, ...).
    pub route_type: String,
    /// Destination network (0.0.0.0 or :: for default).
    pub dst: Option<IpAddr>,
    /// Destination prefix length.
    pub dst_len: u8,
    /// Source selector (IPv6 source routing), if any.
    pub src: Option<IpAddr>,
    /// Source selector prefix length.
    pub src_len: u8,
    /// TOS selector (`rtm_tos`, IPv4 only; 0 for any).
    pub tos: u8,
    /// Gateway.
    pub gateway: Option<IpAddr>,
    /// Output interface index (0 for none).
    pub oif: u32,
    /// Output interface name.
    pub dev: Option<String>,
    /// Preferred source address.
    pub prefsrc: Option<IpAddr>,
    /// Metric (RTA_PRIORITY).
    pub metric: Option<u32>,
    /// Protocol in `ip` spelling (kernel, boot, static, dhcp, ra, ...).
    pub protocol: String,
    /// Scope in `ip` spelling (universe as global, link, host, nowhere).
    pub scope: String,
    /// RTM_F_* / RTNH_F_* flags in `ip` spelling (onlink, linkdown, ...).
    pub flags: String,
    /// Path MTU metric (0 for unset).
    pub mtu: u32,
    /// Advertised MSS metric (0 for unset).
    pub advmss: u32,
    /// TCP window clamp metric (0 for unset).
    pub window: u32,
    /// Initial RTT metric in ms (0 for unset).
    pub rtt_ms: u32,
    /// IPv6 route preference (low, medium, high), if any.
    pub pref: Option<String>,
    /// Multipath next hops as `via GW dev DEV weight W` joined by `; ` (empty for single path).
    pub nexthops: String,
    /// The same multipath next hops, structured (empty for single path): the
    /// `route_nexthops` table's rows.
    pub hops: Vec<RouteHop>,
    /// IPv6 only: the kernel's reference count of the route (for a multipath route, the sum
    /// over its next hops, which the kernel keeps as separate entries), read from
    /// `/proc/net/ipv6_route` when asked for; `None` otherwise.
    pub refcnt: Option<u32>,
    /// IPv6 only: the kernel's RTF_* flag bits of the route (`/proc/net/ipv6_route`; a
    /// multipath route's are those of its next hops together), read with `refcnt`; `None`
    /// otherwise.
    pub rtf_flags: Option<u32>,
    /// Seconds until the route expires, as `ip` shows them (RTA_CACHEINFO `rta_expires` in
    /// clock ticks, whole seconds: routes learned from router advertisements, routes added
    /// with `expires`); `None` when it does not.
    pub expires: Option<i64>,
}

/// One next hop of a multipath route.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RouteHop {
    /// Gateway, if any.
    pub gateway: Option<IpAddr>,
    /// Output interface index (0 for none).
    pub oif: u32,
    /// Output interface name, if known.
    pub dev: Option<String>,
    /// The hop's weight (`rtnh_hops` + 1, as `ip` prints it).
    pub weight: u32,
    /// RTNH_F_* flags in `ip` spelling, comma separated (onlink, linkdown, dead, ...; empty
    /// for none).
    pub flags: String,
}

impl RouteHop {
    /// The hop as the `routes` table's `nexthops` text spells it (`model::NextHop`'s
    /// display): `ifN` for a device without a name, no device for index 0.
    pub fn spelled(&self) -> crate::model::NextHop {
        crate::model::NextHop {
            gateway: self.gateway,
            dev: (self.oif != 0).then(|| {
                self.dev
                    .clone()
                    .unwrap_or_else(|| format!("if{}", self.oif))
            }),
            weight: Some(self.weight),
            flags: self
                .flags
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }
}

/// One neighbour (ARP / NDP) entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NeighbourRecord {
    /// Interface index.
    pub ifindex: u32,
    /// Interface name.
    pub ifname: Option<String>,
    /// Family.
    pub family: Option<Family>,
    /// Neighbour address.
    pub addr: Option<IpAddr>,
    /// Hardware address.
    pub mac: Option<String>,
    /// NUD state in `ip` spelling (REACHABLE, STALE, PERMANENT, ...), `|`-joined if several.
    pub state: String,
    /// The neighbour is a router (NTF_ROUTER).
    pub router: bool,
    /// A proxy entry (NTF_PROXY).
    pub proxy: bool,
    /// Milliseconds since the entry was last used (NDA_CACHEINFO `ndm_used`).
    pub used_ms: Option<u32>,
    /// Milliseconds since reachability was last confirmed (NDA_CACHEINFO `ndm_confirmed`).
    pub confirmed_ms: Option<u32>,
    /// Milliseconds since the entry last changed (NDA_CACHEINFO `ndm_updated`).
    pub updated_ms: Option<u32>,
    /// Kernel reference count (NDA_CACHEINFO `ndm_refcnt`).
    pub refcnt: Option<u32>,
    /// The interface's base reachable time in milliseconds
    /// (`net.ipv4|ipv6.neigh.<if>.base_reachable_time_ms`).
    pub reachable_ms: Option<u64>,
}

/// What `route_get` asks about: a packet this host would send to `dst`, with the optional
/// fields policy rules and routes can select on, as `ip route get DST from SRC oif DEV mark M
/// uid U ipproto P sport S dport D tos T` gives them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RouteQuery {
    /// Destination address.
    pub dst: IpAddr,
    /// Source address (`from`); must be one of this host's. None: the kernel picks one.
    pub src: Option<IpAddr>,
    /// Output device (`oif`), as a socket bound to it would send.
    pub oif: Option<String>,
    /// Firewall mark (`mark`); 0 for none.
    pub mark: u32,
    /// Sending user (`uid`); None: the user asking.
    pub uid: Option<u32>,
    /// IP protocol number (`ipproto`); None: UDP for IPv4, none for IPv6, as `ip` asks.
    pub ipproto: Option<u8>,
    /// Source port (`sport`); 0 for none.
    pub sport: u16,
    /// Destination port (`dport`); 0 for none.
    pub dport: u16,
    /// TOS byte (`tos`); 0 for none.
    pub tos: u8,
}

impl RouteQuery {
    /// A query for `dst` alone.
    pub fn to(dst: IpAddr) -> RouteQuery {
        RouteQuery {
            dst,
            src: None,
            oif: None,
            mark: 0,
            uid: None,
            ipproto: None,
            sport: 0,
            dport: 0,
            tos: 0,
        }
    }

    /// Whether anything but the destination is asked.
    pub fn has_selectors(&self) -> bool {
        *self != RouteQuery::to(self.dst)
    }
}

/// One policy routing rule (RTM_GETRULE), as `ip rule show` lists it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleRecord {
    /// Family.
    pub family: Option<Family>,
    /// Priority (FRA_PRIORITY; 0 when absent, as the kernel's first rule).
    pub priority: u32,
    /// The selector is inverted (`not`, FIB_RULE_INVERT).
    pub invert: bool,
    /// Source prefix selector, if any (`from`).
    pub src: Option<IpAddr>,
    /// Source prefix length (0 for all).
    pub src_len: u8,
    /// Destination prefix selector, if any (`to`).
    pub dst: Option<IpAddr>,
    /// Destination prefix length (0 for all).
    pub dst_len: u8,
    /// TOS selector from the header (0 for any).
    pub tos: u8,
    /// DSCP selector (FRA_DSCP, Linux 6.13+), if set.
    pub dscp: Option<u8>,
    /// DSCP bits compared (FRA_DSCP_MASK), if given.
    pub dscp_mask: Option<u8>,
    /// IPv6 flow label selector (FRA_FLOWLABEL), if set.
    pub flowlabel: Option<u32>,
    /// Flow label bits compared (FRA_FLOWLABEL_MASK), if given.
    pub flowlabel_mask: Option<u32>,
    /// Input interface selector.
    pub iif: Option<String>,
    /// The input interface does not exist now (FIB_RULE_IIF_DETACHED).
    pub iif_detached: bool,
    /// Output interface selector.
    pub oif: Option<String>,
    /// The output interface does not exist now (FIB_RULE_OIF_DETACHED).
    pub oif_detached: bool,
    /// Firewall mark selector.
    pub fwmark: Option<u32>,
    /// Firewall mark mask.
    pub fwmask: Option<u32>,
    /// User id range selector (inclusive), if set.
    pub uid_range: Option<(u32, u32)>,
    /// IP protocol selector (IANA number), if set.
    pub ipproto: Option<u8>,
    /// Source port range selector (inclusive), if set.
    pub sport: Option<(u16, u16)>,
    /// Destination port range selector (inclusive), if set.
    pub dport: Option<(u16, u16)>,
    /// Tunnel id selector, if set.
    pub tun_id: Option<u64>,
    /// Matches through the VRF (l3mdev) of the flow's device.
    pub l3mdev: bool,
    /// Action in `ip` spelling: lookup, goto, nop, blackhole, unreachable, prohibit (or the
    /// number).
    pub action: String,
    /// Table looked up, for `lookup` rules (FRA_TABLE, else the header's table); `None` for
    /// other actions and for l3mdev rules (the table comes from the device).
    pub table: Option<u32>,
    /// Target priority of a `goto` rule.
    pub goto: Option<u32>,
    /// A `goto` rule whose target does not exist (FIB_RULE_UNRESOLVED).
    pub unresolved: bool,
    /// Ignore lookup results with a prefix this long or shorter (`suppress_prefixlength`).
    pub suppress_prefixlen: Option<u32>,
    /// Ignore lookup results through a device of this group (`suppress_ifgroup`).
    pub suppress_ifgroup: Option<u32>,
    /// Routing realms (`realms`) as `ip` prints them: `TO` or `FROM/TO`.
    pub realms: Option<String>,
    /// Who installed the rule, in `ip` spelling (kernel, boot, static, ...).
    pub protocol: String,
}

/// One protocol counter.
#[derive(Debug, Clone, PartialEq)]
pub struct StatRecord {
    /// The file it came from (snmp, netstat, snmp6, sockstat, sockstat6).
    pub source: &'static str,
    /// Protocol or group as the file names it (Ip, Tcp, TcpExt, Ip6, TCP, ...).
    pub proto: Arc<str>,
    /// Counter name (InReceives, ActiveOpens, inuse, ...).
    pub name: String,
    /// Value.
    pub value: i64,
}

/// One sysctl.
#[derive(Debug, Clone, PartialEq)]
pub struct SysctlRecord {
    /// Dotted name as sysctl(8) prints it (dots in interface names become slashes).
    pub name: String,
    /// Value as the kernel prints it, trailing newline removed.
    pub value: String,
}

/// One side of a tracked connection (`struct nf_conntrack_tuple` as ctnetlink reports it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CtTuple {
    /// Source address.
    pub src: Option<IpAddr>,
    /// Destination address.
    pub dst: Option<IpAddr>,
    /// Source port (TCP, UDP, UDP-Lite, SCTP, DCCP).
    pub sport: Option<u16>,
    /// Destination port.
    pub dport: Option<u16>,
    /// ICMP/ICMPv6 type.
    pub icmp_type: Option<u8>,
    /// ICMP/ICMPv6 code.
    pub icmp_code: Option<u8>,
    /// ICMP/ICMPv6 identifier.
    pub icmp_id: Option<u16>,
}

/// Packet and byte counters of one direction (present when `nf_conntrack_acct` is on).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CtCounters {
    /// Packets.
    pub packets: u64,
    /// Bytes.
    pub bytes: u64,
}

/// One connection tracking entry from a ctnetlink dump.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConntrackRecord {
    /// Address family (IPv4 or IPv6).
    pub family: Option<Family>,
    /// Layer-4 protocol number.
    pub proto: u8,
    /// TCP conntrack state number (`TCP_CONNTRACK_*`), for TCP entries.
    pub tcp_state: Option<u8>,
    /// The original direction.
    pub orig: CtTuple,
    /// The reply direction.
    pub reply: CtTuple,
    /// `IPS_*` status bits.
    pub status: u32,
    /// Seconds until the entry expires.
    pub timeout: Option<u32>,
    /// Connection mark.
    pub mark: Option<u32>,
    /// Conntrack zone.
    pub zone: Option<u16>,
    /// Reference count.
    pub use_count: Option<u32>,
    /// The kernel's id of the entry.
    pub id: Option<u32>,
    /// Original-direction counters.
    pub orig_counters: Option<CtCounters>,
    /// Reply-direction counters.
    pub reply_counters: Option<CtCounters>,
    /// Start time, nanoseconds since the epoch (present when `nf_conntrack_timestamp` is on).
    pub start_ns: Option<u64>,
    /// Helper name.
    pub helper: Option<String>,
}
