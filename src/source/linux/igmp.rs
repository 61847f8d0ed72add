//! Multicast group memberships from `/proc/net/igmp`, `/proc/net/igmp6` and
//! `/proc/net/dev_mcast` (netlink has no dump of them), in file order: every IPv4 membership,
//! then every IPv6 one, then the link-layer groups of each device.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One multicast group joined on one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    /// `inet` (`/proc/net/igmp`), `inet6` (`/proc/net/igmp6`) or `link` (`/proc/net/dev_mcast`).
    pub family: &'static str,
    /// Interface index.
    pub ifindex: u32,
    /// Interface name.
    pub ifname: String,
    /// The group address; `None` for link-layer groups.
    pub group: Option<IpAddr>,
    /// The link-layer group address (lowercase colon hex) of a `link` row.
    pub lladdr: Option<String>,
    /// Number of sockets (or the kernel itself) holding the membership.
    pub users: u32,
    /// The IGMP version the interface's querier uses (`V1`, `V2`, `V3`), IPv4 rows only.
    pub querier: Option<String>,
}

/// Reads the three files; a missing or unreadable file contributes no rows and a note (a
/// missing `igmp6` or `dev_mcast` silently: IPv6 or multicast support is off).
pub fn groups(notes: &mut Vec<String>) -> Vec<GroupRecord> {
    let mut out = Vec::new();
    match super::read_raw("/proc/net/igmp") {
        Ok(text) => out.extend(parse_igmp(&text)),
        Err(e) => notes.push(format!("/proc/net/igmp: {e}")),
    }
    match super::read_raw("/proc/net/igmp6") {
        Ok(text) => out.extend(parse_igmp6(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => notes.push(format!("/proc/net/igmp6: {e}")),
    }
    match super::read_raw("/proc/net/dev_mcast") {
        Ok(text) => out.extend(parse_dev_mcast(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => notes.push(format!("/proc/net/dev_mcast: {e}")),
    }
    out
}

/// Parses `/proc/net/dev_mcast`: `index name users global_users hexaddr`.
pub fn parse_dev_mcast(text: &str) -> Vec<GroupRecord> {
    text.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let hex = w.get(4)?;
            if hex.is_empty() || hex.len() % 2 != 0 {
                return None;
            }
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                .collect::<Option<Vec<u8>>>()?;
            Some(GroupRecord {
                family: "link",
                ifindex: w[0].parse().ok()?,
                ifname: w[1].to_string(),
                group: None,
                lladdr: Some(super::links::mac_text(&bytes)),
                users: w[2].parse().unwrap_or(0),
                querier: None,
            })
        })
        .collect()
}

/// Parses `/proc/net/igmp`: device lines `Idx\tDevice : Count Querier`, then one line per
/// group starting with a tab: `GROUP(8 hex, host-endian word) Users Timer Reporter`.
pub fn parse_igmp(text: &str) -> Vec<GroupRecord> {
    let mut out = Vec::new();
    let mut dev: Option<(u32, String, Option<String>)> = None;
    for line in text.lines().skip(1) {
        if line.starts_with('\t') {
            let mut w = line.split_whitespace();
            let (Some(group), Some(users)) = (w.next(), w.next()) else {
                continue;
            };
            let (Some((ifindex, name, querier)), Ok(g), Ok(users)) = (
                dev.as_ref(),
                u32::from_str_radix(group, 16),
                users.parse::<u32>(),
            ) else {
                continue;
            };
            out.push(GroupRecord {
                family: "inet",
                ifindex: *ifindex,
                ifname: name.clone(),
                group: Some(IpAddr::V4(Ipv4Addr::from(g.to_ne_bytes()))),
                lladdr: None,
                users,
                querier: querier.clone(),
            });
        } else {
            // `Idx\tDevice : Count Querier`, e.g. `4\teth0      :     2      V3`.
            let (head, tail) = line.split_once(':').unwrap_or((line, ""));
            let mut w = head.split_whitespace();
            let idx = w.next().and_then(|i| i.parse::<u32>().ok());
            let name = w.next().map(str::to_string);
            let querier = tail.split_whitespace().nth(1).map(str::to_string);
            dev = idx.zip(name).map(|(i, n)| (i, n, querier));
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
            family: "inet6",
            ifindex,
            ifname: w[1].to_string(),
            group: Some(IpAddr::V6(Ipv6Addr::from(g))),
            lladdr: None,
            users,
            querier: None,
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
            (v4[0].ifname.as_str(), v4[0].group),
            ("lo", Some("224.0.0.1".parse().unwrap()))
        );
        assert_eq!(
            (v4[1].ifindex, v4[1].users, v4[1].group),
            (4, 2, Some("224.0.0.251".parse().unwrap()))
        );
        assert_eq!(
            (v4[1].family, v4[1].querier.as_deref()),
            ("inet", Some("V3"))
        );
        let v6 =
            parse_igmp6("2    eth0            ff0200000000000000000001ff000002     1 00000004 0\n");
        assert_eq!(v6[0].group, Some("ff02::1:ff00:2".parse().unwrap()));
        assert_eq!(
            (v6[0].ifindex, v6[0].ifname.as_str(), v6[0].family),
            (2, "eth0", "inet6")
        );
        let d = parse_dev_mcast("4    eth0            1     0     333300000001\n");
        assert_eq!(
            (d[0].family, d[0].ifindex, d[0].users, d[0].group),
            ("link", 4, 1, None)
        );
        assert_eq!(d[0].lladdr.as_deref(), Some("33:33:00:00:00:01"));
        assert!(parse_dev_mcast("garbage\n1 x 1 0 zz\n1 x 1 0 abc\n").is_empty());
    }
}
