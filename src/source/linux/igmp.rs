//! Multicast group memberships from `/proc/net/igmp` and `/proc/net/igmp6` (netlink has no
//! dump of them), in file order: every IPv4 membership, then every IPv6 one.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One multicast group joined on one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    /// `true` for IPv6 (`/proc/net/igmp6`).
    pub v6: bool,
    /// Interface index.
    pub ifindex: u32,
    /// Interface name.
    pub interface: String,
    /// The group address.
    pub group: IpAddr,
    /// Number of sockets (or the kernel itself) holding the membership.
    pub users: u32,
}

/// Reads both files; a missing or unreadable file contributes no rows and a note.
pub fn groups(notes: &mut Vec<String>) -> Vec<GroupRecord> {
    let mut out = Vec::new();
    match std::fs::read_to_string("/proc/net/igmp") {
        Ok(text) => out.extend(parse_igmp(&text)),
        Err(e) => notes.push(format!("/proc/net/igmp: {e}")),
    }
    match std::fs::read_to_string("/proc/net/igmp6") {
        Ok(text) => out.extend(parse_igmp6(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => notes.push(format!("/proc/net/igmp6: {e}")),
    }
    out
}

/// Parses `/proc/net/igmp`: device lines `Idx\tDevice : Count Querier`, then one line per
/// group starting with a tab: `GROUP(8 hex, host-endian word) Users Timer Reporter`.
pub fn parse_igmp(text: &str) -> Vec<GroupRecord> {
    let mut out = Vec::new();
    let mut dev: Option<(u32, String)> = None;
    for line in text.lines().skip(1) {
        if line.starts_with('\t') {
            let mut w = line.split_whitespace();
            let (Some(group), Some(users)) = (w.next(), w.next()) else {
                continue;
            };
            let (Some((ifindex, name)), Ok(g), Ok(users)) = (
                dev.as_ref(),
                u32::from_str_radix(group, 16),
                users.parse::<u32>(),
            ) else {
                continue;
            };
            out.push(GroupRecord {
                v6: false,
                ifindex: *ifindex,
                interface: name.clone(),
                group: IpAddr::V4(Ipv4Addr::from(g.to_ne_bytes())),
                users,
            });
        } else {
            let mut w = line.split_whitespace();
            let idx = w.next().and_then(|i| i.parse::<u32>().ok());
            let name = w.next().map(|n| n.trim_end_matches(':').to_string());
            dev = idx.zip(name);
        }
    }
    out
}

/// Parses `/proc/net/igmp6`: `idx device group(32 hex, network order) users flags timer`.
pub fn parse_igmp6(text: &str) -> Vec<GroupRecord> {
    let mut out = Vec::new();
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() < 4 || w[2].len() != 32 {
            continue;
        }
        let (Ok(ifindex), Ok(g), Ok(users)) = (
            w[0].parse::<u32>(),
            u128::from_str_radix(w[2], 16),
            w[3].parse::<u32>(),
        ) else {
            continue;
        };
        out.push(GroupRecord {
            v6: true,
            ifindex,
            interface: w[1].to_string(),
            group: IpAddr::V6(Ipv6Addr::from(g)),
            users,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_files() {
        let v4 = parse_igmp(
            "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n1\tlo        :     1      V3\n\
             \t\t\t\t010000E0     1 0:00000000\t\t0\n4\teth0      :     2      V3\n\
             \t\t\t\tFB0000E0     2 0:00000000\t\t0\n\t\t\t\t010000E0     1 0:00000000\t\t0\n",
        );
        assert_eq!(v4.len(), 3);
        assert_eq!(
            (v4[0].interface.as_str(), v4[0].group.to_string().as_str()),
            ("lo", "224.0.0.1")
        );
        assert_eq!(
            (v4[1].ifindex, v4[1].users, v4[1].group.to_string()),
            (4, 2, "224.0.0.251".into())
        );
        let v6 =
            parse_igmp6("2    eth0            ff0200000000000000000001ff000002     1 00000004 0\n");
        assert_eq!(v6[0].group.to_string(), "ff02::1:ff00:2");
        assert_eq!(
            (v6[0].ifindex, v6[0].interface.as_str(), v6[0].v6),
            (2, "eth0", true)
        );
    }
}
