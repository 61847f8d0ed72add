//! The other name files of the network database: `/etc/hosts` (hosts(5)), `/etc/networks`
//! (networks(5)) and `/etc/protocols` (protocols(5)), read from the files only (no NSS, no
//! network), so inside `ip netns exec` they are the namespace's `/etc/netns/NAME/` copies.
//! (`/etc/services` has its own module, [`super::services`].)
//!
//! Each parser returns the entries in file order and leaves the choice between duplicates to
//! the caller. `#` starts a comment; lines without the required fields are skipped. A missing
//! or unreadable file has no entries.

use std::net::IpAddr;

/// One `/etc/hosts` line: an address and its canonical (first) name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEntry {
    /// The address (a `%scope` suffix is dropped).
    pub addr: IpAddr,
    /// The canonical name; aliases are not kept.
    pub name: String,
}

/// One `/etc/networks` line: a name and its network number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkEntry {
    /// The network name.
    pub name: String,
    /// The number as glibc's `inet_network` reads it: up to four dot-separated parts
    /// (decimal, `0x` hex, `0` octal), the last one least significant, so `127` is `0x7f` and
    /// `127.0.0.0` is `0x7f000000`.
    pub number: u32,
    /// How many parts the number was written with (1 to 4).
    pub parts: u8,
}

impl NetworkEntry {
    /// The number with omitted trailing parts taken as zero octets (`127` is `127.0.0.0`),
    /// as the classful BSD reading has it.
    pub fn left_aligned(&self) -> u32 {
        match self.parts {
            1..=3 => self.number << (8 * (4 - u32::from(self.parts))),
            _ => self.number,
        }
    }
}

/// One `/etc/protocols` line: official name, number, aliases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolEntry {
    /// The official name (`icmp`, `ipv6-icmp`, ...).
    pub name: String,
    /// The IP protocol number.
    pub number: u16,
    /// The aliases (`ICMP`, `IPv6-ICMP`, ...).
    pub aliases: Vec<String>,
}

/// The entries of a protocols(5) file at `path` (for callers that take the path).
pub fn protocols_at(path: &str) -> Vec<ProtocolEntry> {
    parse_protocols(&read(path))
}

/// The name files netpry snapshots, in the order the `name_files` table lists them.
pub const NAME_FILES: [&str; 4] = [
    "/etc/services",
    "/etc/protocols",
    "/etc/networks",
    "/etc/hosts",
];

/// `(path, text)` of each of [`NAME_FILES`] that can be read (raw text, see `model::rawtext`).
pub fn name_files() -> Vec<(String, String)> {
    NAME_FILES
        .iter()
        .filter_map(|p| Some((p.to_string(), super::read_raw(p).ok()?)))
        .collect()
}

fn read(path: &str) -> String {
    super::read_raw(path).unwrap_or_default()
}

/// The words of each line before its comment, for lines with at least two words.
fn lines(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .map(|l| {
            l.split('#')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
        })
        .filter(|w| w.len() >= 2)
}

/// Parses hosts(5) text: `address name [aliases...]`.
pub fn parse_hosts(text: &str) -> Vec<HostEntry> {
    lines(text)
        .filter_map(|w| {
            let addr = w[0].split('%').next().unwrap_or(w[0]).parse().ok()?;
            Some(HostEntry {
                addr,
                name: w[1].to_string(),
            })
        })
        .collect()
}

/// Parses networks(5) text: `name number [aliases...]`.
pub fn parse_networks(text: &str) -> Vec<NetworkEntry> {
    lines(text)
        .filter_map(|w| {
            let (number, parts) = inet_network(w[1])?;
            Some(NetworkEntry {
                name: w[0].to_string(),
                number,
                parts,
            })
        })
        .collect()
}

/// Parses protocols(5) text: `name number [aliases...]`.
pub fn parse_protocols(text: &str) -> Vec<ProtocolEntry> {
    lines(text)
        .filter_map(|w| {
            Some(ProtocolEntry {
                name: w[0].to_string(),
                number: w[1].parse().ok()?,
                aliases: w[2..].iter().map(|a| a.to_string()).collect(),
            })
        })
        .collect()
}

/// glibc's `inet_network`: the number and how many parts it had.
fn inet_network(s: &str) -> Option<(u32, u8)> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut v: u32 = 0;
    for p in &parts {
        let n = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            u32::from_str_radix(h, 16).ok()?
        } else if p.len() > 1 && p.starts_with('0') {
            u32::from_str_radix(&p[1..], 8).ok()?
        } else {
            p.parse().ok()?
        };
        if n > 255 {
            return None;
        }
        v = (v << 8) | n;
    }
    Some((v, parts.len() as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_keep_file_order_and_the_canonical_name() {
        let h = parse_hosts(
            "127.0.0.1 localhost\n# x\n::1 ip6-localhost ip6-loopback\n\
             fe80::1%eth0 router # comment\nnot-an-address x\n127.0.0.1 again\nlonely\n",
        );
        let got: Vec<(String, &str)> = h
            .iter()
            .map(|e| (e.addr.to_string(), e.name.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("127.0.0.1".to_string(), "localhost"),
                ("::1".to_string(), "ip6-localhost"),
                ("fe80::1".to_string(), "router"),
                ("127.0.0.1".to_string(), "again"),
            ]
        );
    }

    #[test]
    fn networks_read_numbers_as_inet_network_does() {
        let n = parse_networks(
            "loopback 127\nlink-local 169.254.0.0\nhexed 0x0a.010 alias\nbad 300.1\nfive 1.2.3.4.5\n",
        );
        let got: Vec<(&str, u32, u8, u32)> = n
            .iter()
            .map(|e| (e.name.as_str(), e.number, e.parts, e.left_aligned()))
            .collect();
        assert_eq!(
            got,
            [
                ("loopback", 0x7f, 1, 0x7f00_0000),
                ("link-local", 0xa9fe_0000, 4, 0xa9fe_0000),
                ("hexed", 0x0a08, 2, 0x0a08_0000),
            ]
        );
    }

    #[test]
    fn protocols_have_numbers_and_aliases() {
        let p = parse_protocols("ip 0 IP\nicmp 1 ICMP # ping\nipv6-icmp 58 IPv6-ICMP\nbad x\n");
        assert_eq!(p.len(), 3);
        assert_eq!(
            p[1],
            ProtocolEntry {
                name: "icmp".into(),
                number: 1,
                aliases: vec!["ICMP".into()],
            }
        );
        assert_eq!((p[2].name.as_str(), p[2].number), ("ipv6-icmp", 58));
    }
}
