//! The services database, `/etc/services` (services(5)): port and protocol to service name,
//! read from the file only (no NSS, no network), so inside `ip netns exec` it is the
//! namespace's `/etc/netns/NAME/services` when one exists.
//!
//! Only the primary name of each line is kept. Which line wins when a port appears twice for
//! one protocol depends on the caller ([`Duplicates`]): `getservbyport(3)` (BSD netstat, the
//! script helper `service`) returns the first, net-tools netstat the later one.

use std::collections::HashMap;

/// Which line names a port that appears more than once for one protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicates {
    /// The first line wins, as `getservbyport(3)` and `getent services` answer.
    First,
    /// The later line wins, as net-tools netstat shows.
    Last,
}

/// Service names by (port, protocol), the protocol in lower case (`tcp`, `udp`, `sctp`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Services {
    names: HashMap<(u16, String), String>,
}

impl Services {
    /// Reads `/etc/services`; a missing or unreadable file gives an empty database (every port
    /// then shows as a number, which is what a lookup failure means anyway).
    pub fn load(dup: Duplicates) -> Services {
        Services::parse(
            &std::fs::read_to_string("/etc/services").unwrap_or_default(),
            dup,
        )
    }

    /// Parses services(5) text: `name port/protocol [aliases...] [# comment]` per line; lines
    /// that do not have that shape are skipped.
    pub fn parse(text: &str, dup: Duplicates) -> Services {
        let mut names = HashMap::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            let (Some(name), Some(port_proto)) = (words.next(), words.next()) else {
                continue;
            };
            let Some((port, proto)) = port_proto.split_once('/') else {
                continue;
            };
            let (Ok(port), false) = (port.parse::<u16>(), proto.is_empty()) else {
                continue;
            };
            let key = (port, proto.to_ascii_lowercase());
            match dup {
                Duplicates::First => {
                    names.entry(key).or_insert_with(|| name.to_string());
                }
                Duplicates::Last => {
                    names.insert(key, name.to_string());
                }
            }
        }
        Services { names }
    }

    /// The service name of `port` for protocol `proto` (any case), if listed.
    pub fn name(&self, port: u16, proto: &str) -> Option<&str> {
        let key = if proto.bytes().any(|b| b.is_ascii_uppercase()) {
            (port, proto.to_ascii_lowercase())
        } else {
            (port, proto.to_string())
        };
        self.names.get(&key).map(String::as_str)
    }

    /// Number of (port, protocol) entries.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# comment line\n\
        ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol\n\
        http 80/tcp www # WorldWideWeb HTTP\n\
        www-alt 80/tcp\n\
        domain 53/udp\n\
        Kerberos 88/TCP\n\
        bad\n\
        noport x/tcp\n\
        noproto 99/\n\
        toobig 70000/tcp\n";

    #[test]
    fn first_or_last_line_wins_per_caller() {
        let first = Services::parse(TEXT, Duplicates::First);
        let last = Services::parse(TEXT, Duplicates::Last);
        assert_eq!(first.name(80, "tcp"), Some("http"));
        assert_eq!(last.name(80, "tcp"), Some("www-alt"));
        for s in [&first, &last] {
            assert_eq!(s.name(22, "tcp"), Some("ssh"));
            assert_eq!(s.name(53, "udp"), Some("domain"));
            assert_eq!(s.name(53, "tcp"), None);
            assert_eq!(s.name(88, "tcp"), Some("Kerberos"));
            assert_eq!(s.name(88, "TCP"), Some("Kerberos"));
            assert_eq!(s.name(99, ""), None);
            assert_eq!(s.len(), 4);
        }
        assert!(Services::parse("", Duplicates::First).is_empty());
    }
}
