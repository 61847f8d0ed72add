//! Name resolution for the net-tools netstat front end: host names (the libc resolver, as
//! netstat's `gethostbyaddr`/`getnameinfo` calls see them: `/etc/hosts`, then DNS), port names
//! (`/etc/services`, and `/etc/protocols` for raw sockets), user names (`getpwuid`), and the
//! address text rules (glibc `inet_ntop` spelling, `host:port` truncation to 23 columns).
//!
//! Host lookups are cached per address for the life of the process and run on a helper thread
//! with a shared time budget: once lookups have waited [`HOST_BUDGET`] in total, the resolver
//! is no longer asked, so an unreachable name server never stalls a listing for more than
//! about two seconds. The budget only cuts DNS: an address the resolver did not answer in time
//! is still looked up in `/etc/hosts` (read from the file, as glibc's `files` source does,
//! first matching line), and prints numerically only when that has no name either.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::tables::names as services;
use crate::tables::names::{self as netdb, Duplicates, NameFiles};

/// Total time host-name lookups may wait during one run.
pub const HOST_BUDGET: Duration = Duration::from_millis(2000);

/// The protocol whose service names a port is looked up in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServProto {
    /// `tcp` entries.
    Tcp,
    /// `udp` entries (also used by UDP-Lite).
    Udp,
    /// `raw` entries plus `/etc/protocols` names.
    Raw,
}

/// Port and protocol names, from the host's `/etc/services` and `/etc/protocols` (its
/// `name_files`) through the shared parsers ([`services`], [`netdb`]).
#[derive(Debug, Default)]
pub struct PortNames {
    services: services::Services,
    protocols: HashMap<u16, String>,
}

impl PortNames {
    /// Reads the system files (missing files give no names).
    pub fn load(files: &NameFiles) -> PortNames {
        PortNames {
            services: files.services(Duplicates::Last),
            protocols: protocol_names(files.protocols()),
        }
    }

    /// Builds the tables from file texts: for a port listed twice for one protocol, the later
    /// line wins (netstat keeps the last one it reads); raw "ports" are IP protocol numbers,
    /// named by `/etc/protocols` first and by `raw` service entries otherwise.
    pub fn parse(services: &str, protocols: &str) -> PortNames {
        PortNames {
            services: services::Services::parse(services, Duplicates::Last),
            protocols: protocol_names(netdb::parse_protocols(protocols)),
        }
    }

    /// The name of `port` for `proto`, if any.
    pub fn name(&self, proto: ServProto, port: u16) -> Option<&str> {
        match proto {
            ServProto::Tcp => self.services.name(port, "tcp"),
            ServProto::Udp => self.services.name(port, "udp"),
            ServProto::Raw => self
                .protocols
                .get(&port)
                .map(String::as_str)
                .or_else(|| self.services.name(port, "raw")),
        }
    }

    /// Port text: `*` for 0, decimal when numeric or unnamed, else the service name.
    pub fn port_text(&self, proto: ServProto, port: u16, numeric: bool) -> String {
        let mut s = String::new();
        self.port_into(&mut s, proto, port, numeric);
        s
    }

    /// Appends [`PortNames::port_text`] to `out`.
    pub fn port_into(&self, out: &mut String, proto: ServProto, port: u16, numeric: bool) {
        if port == 0 {
            out.push('*');
        } else if let Some(n) = (!numeric).then(|| self.name(proto, port)).flatten() {
            out.push_str(n);
        } else {
            push_num(out, u64::from(port));
        }
    }
}

/// Protocol names by number, the later line winning.
fn protocol_names(entries: Vec<netdb::ProtocolEntry>) -> HashMap<u16, String> {
    entries.into_iter().map(|p| (p.number, p.name)).collect()
}

/// Formats an IPv6 address as glibc's `inet_ntop` does (lowercase hex, the first longest run of
/// two or more zero groups compressed, `::a.b.c.d` for IPv4-compatible and `::ffff:a.b.c.d` for
/// IPv4-mapped addresses).
pub fn inet6_ntop(a: &Ipv6Addr) -> String {
    let w = a.segments();
    let (mut best_base, mut best_len) = (usize::MAX, 0usize);
    let mut i = 0;
    while i < 8 {
        if w[i] == 0 {
            let start = i;
            while i < 8 && w[i] == 0 {
                i += 1;
            }
            let len = i - start;
            if len >= 2 && len > best_len {
                best_base = start;
                best_len = len;
            }
        } else {
            i += 1;
        }
    }
    let in_run = |i: usize| best_len > 0 && i >= best_base && i < best_base + best_len;
    let mut s = String::with_capacity(40);
    for i in 0..8 {
        if in_run(i) {
            if i == best_base {
                s.push(':');
            }
            continue;
        }
        if i != 0 {
            s.push(':');
        }
        if i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
            let o = a.octets();
            s.push_str(&format!("{}.{}.{}.{}", o[12], o[13], o[14], o[15]));
            return s;
        }
        s.push_str(&format!("{:x}", w[i]));
    }
    if best_len > 0 && best_base + best_len == 8 {
        s.push(':');
    }
    s
}

/// Appends the dotted quad of `a`.
fn push_v4(out: &mut String, a: &Ipv4Addr) {
    for (i, o) in a.octets().iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        push_num(out, u64::from(*o));
    }
}

/// Numeric text of an address (dotted quad, or [`inet6_ntop`]).
pub fn numeric_host(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => inet6_ntop(a),
    }
}

/// Joins `host:port`, truncating to netstat's 23 columns unless `wide`: when the two parts
/// exceed 22 characters the port keeps at most 18 and the host gets the rest.
pub fn join_host_port(host: &str, port: &str, wide: bool) -> String {
    let mut s = String::with_capacity(host.len() + port.len() + 1);
    join_host_port_into(&mut s, host, port, wide);
    s
}

/// Appends [`join_host_port`] to `out`.
pub fn join_host_port_into(out: &mut String, host: &str, port: &str, wide: bool) {
    let (host, port) = if wide || host.len() + port.len() <= 22 {
        (host, port)
    } else {
        let port_len = port.len().min(18);
        (cut_bytes(host, 22 - port_len), cut_bytes(port, port_len))
    };
    out.push_str(host);
    out.push(':');
    out.push_str(port);
}

/// Appends the decimal digits of `n` (no allocation).
pub fn push_num(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

/// The first `n` bytes of `s` (fewer if that would split a character): C's `%.Ns` on the
/// byte strings netstat prints. Compare [`super::routes`]' `cut_chars`, which counts characters.
pub fn cut_bytes(s: &str, n: usize) -> &str {
    // Names are raw text (`model::rawtext`): count the bytes they carry.
    crate::model::rawtext::cut_raw(s, n)
}

/// Reverse lookups with a per-address cache and a total time budget.
#[derive(Debug)]
pub struct Resolver {
    cache: HashMap<IpAddr, Option<String>>,
    budget: Duration,
    /// `/etc/hosts` entries for answers the resolver could not give in time (read on first
    /// use; `Some` from the start for [`Resolver::offline`]).
    hosts: Option<Vec<netdb::HostEntry>>,
}

impl Default for Resolver {
    fn default() -> Self {
        Resolver::new(HOST_BUDGET)
    }
}

impl Resolver {
    /// A resolver that waits at most `budget` in total.
    pub fn new(budget: Duration) -> Resolver {
        Resolver {
            cache: HashMap::new(),
            budget,
            hosts: None,
        }
    }

    /// A resolver that answers only from the given `/etc/hosts` entries (never DNS, never the
    /// system files): for tests and offline use.
    pub fn offline(hosts: Vec<netdb::HostEntry>) -> Resolver {
        Resolver {
            cache: HashMap::new(),
            budget: Duration::ZERO,
            hosts: Some(hosts),
        }
    }

    /// The canonical name of the first `/etc/hosts` line for `ip` (IPv4-mapped addresses are
    /// looked up as IPv4, as glibc's `getnameinfo` does).
    fn hosts_file_name(&mut self, ip: &IpAddr) -> Option<String> {
        let ip = match ip {
            IpAddr::V6(a) => a.to_ipv4_mapped().map_or(*ip, IpAddr::V4),
            IpAddr::V4(_) => *ip,
        };
        self.hosts
            .get_or_insert_with(|| NameFiles::this_machine().hosts())
            .iter()
            .find(|e| e.addr == ip)
            .map(|e| e.name.clone())
    }

    /// The host text netstat prints for `ip` (without the port): numeric when `numeric`; the
    /// unspecified address as `0.0.0.0` / `[::]`; otherwise the resolver's name, falling back to
    /// the numeric text. For IPv4-mapped IPv6 addresses only the part after the last `:` is kept.
    pub fn host_text(&mut self, ip: &IpAddr, numeric: bool) -> String {
        let mut text = String::new();
        self.host_into(&mut text, ip, numeric);
        text
    }

    /// Appends [`Resolver::host_text`] to `out` (numeric IPv4 text without allocating).
    pub fn host_into(&mut self, out: &mut String, ip: &IpAddr, numeric: bool) {
        let start = out.len();
        match ip {
            IpAddr::V4(a) if numeric || a.is_unspecified() => push_v4(out, a),
            IpAddr::V6(a) if numeric => {
                if let Some(v4) = a.to_ipv4_mapped() {
                    // inet6_ntop spells it ::ffff:a.b.c.d; the text keeps what follows the last ':'.
                    push_v4(out, &v4);
                    return;
                }
                out.push_str(&inet6_ntop(a));
            }
            IpAddr::V6(a) if a.is_unspecified() => out.push_str("[::]"),
            _ => match self.lookup(ip) {
                Some(name) => out.push_str(&name),
                None => out.push_str(&numeric_host(ip)),
            },
        }
        if let IpAddr::V6(a) = ip
            && a.to_ipv4_mapped().is_some()
            && let Some(i) = out[start..].rfind(':')
        {
            out.drain(start..=start + i);
        }
    }

    /// The name of `ip`: the resolver's answer within the remaining budget; when the budget is
    /// spent or the answer did not come in time, the `/etc/hosts` name, if any.
    pub fn lookup(&mut self, ip: &IpAddr) -> Option<String> {
        if let Some(hit) = self.cache.get(ip) {
            return hit.clone();
        }
        let name = if self.budget.is_zero() {
            self.hosts_file_name(ip)
        } else {
            let started = Instant::now();
            let (tx, rx) = mpsc::channel();
            let addr = *ip;
            let spawned = std::thread::Builder::new()
                .name("netstat-resolve".into())
                .spawn(move || {
                    let _ = tx.send(sys::name_of(&addr));
                });
            let got = match spawned {
                // Answered in time: the resolver's word (it consulted the files itself).
                Ok(_) => rx.recv_timeout(self.budget).ok(),
                Err(_) => None,
            };
            self.budget = self.budget.saturating_sub(started.elapsed());
            match got {
                Some(answer) => answer,
                None => self.hosts_file_name(ip),
            }
        };
        self.cache.insert(*ip, name.clone());
        name
    }
}

/// User names by uid (`getpwuid`), cached.
#[derive(Debug, Default)]
pub struct Users {
    cache: HashMap<u32, Option<String>>,
}

impl Users {
    /// Records the name of `uid` as the host being read knows it (`None`: no name), so that
    /// no lookup is made on this machine.
    pub fn seed(&mut self, uid: u32, name: Option<String>) {
        self.cache.insert(uid, name);
    }

    /// The text netstat prints for `uid`: the user name, or the decimal uid when numeric or
    /// unknown.
    pub fn text(&mut self, uid: u32, numeric: bool) -> String {
        if numeric {
            return uid.to_string();
        }
        self.cache
            .entry(uid)
            .or_insert_with(|| sys::user_name(uid))
            .clone()
            .unwrap_or_else(|| uid.to_string())
    }
}

/// An IPv4 address from netstat's point of view: the unspecified check uses all four bytes.
pub fn is_unspecified(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => *a == Ipv4Addr::UNSPECIFIED,
        IpAddr::V6(a) => a.is_unspecified(),
    }
}

/// The libc calls: `getnameinfo` (with `NI_NAMEREQD`, so a failed lookup is reported rather
/// than answered numerically) and `getpwuid_r`. These are the only unsafe code in netstat.
#[allow(unsafe_code)]
mod sys {
    use std::ffi::CStr;
    use std::net::IpAddr;

    /// The resolver's name for `ip` (glibc answers from `/etc/hosts`, then DNS, per nsswitch).
    pub fn name_of(ip: &IpAddr) -> Option<String> {
        let mut host = [0 as libc::c_char; 1025];
        let rc = match ip {
            IpAddr::V4(a) => {
                // SAFETY: sockaddr_in is plain old data; zeroed is a valid value.
                let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
                sa.sin_family = libc::AF_INET as libc::sa_family_t;
                sa.sin_addr.s_addr = u32::from_ne_bytes(a.octets());
                // SAFETY: pointers and lengths describe live local buffers.
                unsafe {
                    libc::getnameinfo(
                        (&raw const sa).cast::<libc::sockaddr>(),
                        std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                        host.as_mut_ptr(),
                        host.len() as libc::socklen_t,
                        std::ptr::null_mut(),
                        0,
                        libc::NI_NAMEREQD,
                    )
                }
            }
            IpAddr::V6(a) => {
                // SAFETY: sockaddr_in6 is plain old data; zeroed is a valid value.
                let mut sa: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
                sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sa.sin6_addr.s6_addr = a.octets();
                // SAFETY: pointers and lengths describe live local buffers.
                unsafe {
                    libc::getnameinfo(
                        (&raw const sa).cast::<libc::sockaddr>(),
                        std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                        host.as_mut_ptr(),
                        host.len() as libc::socklen_t,
                        std::ptr::null_mut(),
                        0,
                        libc::NI_NAMEREQD,
                    )
                }
            }
        };
        if rc != 0 {
            return None;
        }
        // SAFETY: getnameinfo NUL-terminates the buffer on success.
        let name = unsafe { CStr::from_ptr(host.as_ptr()) };
        Some(name.to_string_lossy().into_owned())
    }

    /// The login name of `uid`, if the passwd database has one.
    pub fn user_name(uid: u32) -> Option<String> {
        let mut buf = vec![0 as libc::c_char; 4096];
        loop {
            // SAFETY: passwd is plain old data; zeroed is a valid value.
            let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            // SAFETY: all pointers refer to live locals; buf.len() is its true size.
            let rc =
                unsafe { libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr(), buf.len(), &mut result) };
            if rc == libc::ERANGE && buf.len() < 1 << 20 {
                buf.resize(buf.len() * 2, 0);
                continue;
            }
            if rc != 0 || result.is_null() || pw.pw_name.is_null() {
                return None;
            }
            // SAFETY: on success pw_name points to a NUL-terminated string inside buf.
            let name = unsafe { CStr::from_ptr(pw.pw_name) };
            return Some(name.to_string_lossy().into_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_numeric_hosts_without_allocation_match_display() {
        for n in [0u64, 7, 9, 10, 99, 100, 65535, 1_234_567, u64::MAX] {
            let mut s = String::from("x");
            push_num(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
        let mut r = Resolver::offline(Vec::new());
        for ip in [
            "0.0.0.0",
            "10.1.200.255",
            "::ffff:127.0.0.1",
            "::1",
            "::",
            "::1.2.3.4",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            let mut want = numeric_host(&ip);
            if let IpAddr::V6(a) = ip
                && a.to_ipv4_mapped().is_some()
            {
                want = want.rsplit(':').next().unwrap().to_string();
            }
            let mut got = String::from("pre");
            r.host_into(&mut got, &ip, true);
            assert_eq!(got, format!("pre{want}"), "{ip}");
        }
    }

    #[test]
    fn ntop_matches_glibc() {
        let t = |s: &str| inet6_ntop(&s.parse().unwrap());
        assert_eq!(t("::"), "::");
        assert_eq!(t("::1"), "::1");
        assert_eq!(t("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(t("::ffff:127.0.0.1"), "::ffff:127.0.0.1");
        assert_eq!(t("2001:db8::1:0:0:1"), "2001:db8::1:0:0:1");
        assert_eq!(t("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
        assert_eq!(t("fe80::1c2d:3e4f:5a6b:22"), "fe80::1c2d:3e4f:5a6b:22");
        assert_eq!(t("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
        assert_eq!(t("1:0:0:2:0:0:3:4"), "1::2:0:0:3:4");
        assert_eq!(t("::2:0:0:0"), "::2:0:0:0");
        assert_eq!(t("1:2:3:4:5::"), "1:2:3:4:5::");
        assert_eq!(t("ff02::1:ff00:2"), "ff02::1:ff00:2");
    }

    #[test]
    fn truncation_follows_the_22_18_rule() {
        assert_eq!(
            join_host_port("2001:db8:1234:5678:9abc:def0:1234:5678", "8080", false),
            "2001:db8:1234:5678:8080"
        );
        assert_eq!(
            join_host_port("fe80::aaaa:bbbb:cccc:dddd", "51000", false),
            "fe80::aaaa:bbbb:c:51000"
        );
        assert_eq!(
            join_host_port("2001:db8:1234:5678:9abc:def0:1234:5678", "http-alt", false),
            "2001:db8:1234::http-alt"
        );
        assert_eq!(
            join_host_port("2001:db8:1234:5678:9abc:def0:1234:5678", "http-alt", true),
            "2001:db8:1234:5678:9abc:def0:1234:5678:http-alt"
        );
        assert_eq!(join_host_port("127.0.0.1", "8080", false), "127.0.0.1:8080");
        assert_eq!(
            join_host_port("h", "a-very-long-service-name-x", false),
            "h:a-very-long-servic"
        );
    }

    #[test]
    fn services_later_line_wins_and_raw_uses_protocols() {
        let s = PortNames::parse(
            "http 80/tcp www # web\nfoo 80/tcp\nhttp 80/udp\nbad line\nx 99999/tcp\n",
            "ip 0 IP\nicmp 1 ICMP\nipv6-icmp 58 IPv6-ICMP\n",
        );
        assert_eq!(s.port_text(ServProto::Tcp, 80, false), "foo");
        assert_eq!(s.port_text(ServProto::Udp, 80, false), "http");
        assert_eq!(s.port_text(ServProto::Udp, 80, true), "80");
        assert_eq!(s.port_text(ServProto::Raw, 58, false), "ipv6-icmp");
        assert_eq!(s.port_text(ServProto::Raw, 0, false), "*");
        assert_eq!(s.port_text(ServProto::Tcp, 81, false), "81");
    }

    #[test]
    fn host_text_special_cases() {
        let mut r = Resolver::offline(Vec::new());
        assert_eq!(r.host_text(&"0.0.0.0".parse().unwrap(), false), "0.0.0.0");
        assert_eq!(r.host_text(&"::".parse().unwrap(), false), "[::]");
        assert_eq!(r.host_text(&"::".parse().unwrap(), true), "::");
        assert_eq!(
            r.host_text(&"::ffff:127.0.0.1".parse().unwrap(), true),
            "127.0.0.1"
        );
        // Budget exhausted and no hosts entry: numeric fallback.
        assert_eq!(
            r.host_text(&"192.0.2.7".parse().unwrap(), false),
            "192.0.2.7"
        );
        assert_eq!(
            r.host_text(&"2001:db8::7".parse().unwrap(), false),
            "2001:db8::7"
        );
    }

    #[test]
    fn without_dns_the_hosts_file_still_names() {
        let mut r = Resolver::offline(netdb::parse_hosts(
            "127.0.0.1 localhost\n::1 localhost ip6-localhost\n::1 second\n192.0.2.9 nine\n",
        ));
        assert_eq!(r.host_text(&"::1".parse().unwrap(), false), "localhost");
        assert_eq!(
            r.host_text(&"::ffff:192.0.2.9".parse().unwrap(), false),
            "nine"
        );
        assert_eq!(
            r.host_text(&"192.0.2.9".parse().unwrap(), true),
            "192.0.2.9"
        );
        assert_eq!(r.lookup(&"192.0.2.10".parse().unwrap()), None);
    }

    #[test]
    fn users_numeric_and_root() {
        let mut u = Users::default();
        assert_eq!(u.text(0, true), "0");
        assert_eq!(u.text(0, false), "root");
        assert_eq!(u.text(4_000_000_000, false), "4000000000");
    }
}
