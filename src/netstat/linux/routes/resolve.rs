//! Names in the routing tables: the [`Names`] lookups netstat makes (`gethostbyaddr`,
//! `getnetbyaddr`, `getnameinfo`) and their system implementation.

use super::*;

/// Address-to-name lookups, as netstat makes them for routes.
pub trait Names {
    /// `gethostbyaddr` for an IPv4 address.
    fn host_v4(&self, a: Ipv4Addr) -> Option<String>;
    /// `getnetbyaddr` for an IPv4 network number (host order).
    fn net_v4(&self, net: u32) -> Option<String>;
    /// `getnameinfo` for an IPv6 address.
    fn host_v6(&self, a: Ipv6Addr) -> Option<String>;
}

/// The system's name service as netstat sees it: host names through the libc resolver
/// (`/etc/hosts`, then DNS, with netstat's per-run time budget, see [`super::super::names::Resolver`])
/// and network names from `/etc/networks` (read once). Inside `ip netns exec NS` these are
/// the namespace's `/etc/netns/NS/` files.
#[derive(Debug, Default)]
pub struct SystemNames {
    resolver: std::cell::RefCell<super::super::names::Resolver>,
    networks: std::sync::OnceLock<Vec<NetworkEntry>>,
}

impl SystemNames {
    /// The name service with the host's `/etc/networks` entries.
    pub fn new(networks: Vec<NetworkEntry>) -> SystemNames {
        SystemNames {
            resolver: Default::default(),
            networks: std::sync::OnceLock::from(networks),
        }
    }

    fn networks(&self) -> &[NetworkEntry] {
        self.networks.get_or_init(Vec::new)
    }

    fn host(&self, ip: IpAddr) -> Option<String> {
        self.resolver.borrow_mut().lookup(&ip)
    }
}

impl Names for SystemNames {
    fn host_v4(&self, a: Ipv4Addr) -> Option<String> {
        self.host(IpAddr::V4(a))
    }

    fn net_v4(&self, net: u32) -> Option<String> {
        network_name(self.networks(), net)
    }

    fn host_v6(&self, a: Ipv6Addr) -> Option<String> {
        self.host(IpAddr::V6(a))
    }
}

/// `getnetbyaddr`: the first `/etc/networks` entry whose number (as glibc's `inet_network`
/// reads it, so `127` is 0x7f, not 127.0.0.0) is `net`.
pub fn network_name(entries: &[NetworkEntry], net: u32) -> Option<String> {
    entries
        .iter()
        .find(|e| e.number == net)
        .map(|e| e.name.clone())
}
