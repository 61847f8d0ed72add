//! Multicast group memberships from /proc: `/proc/net/dev_mcast` (link layer),
//! `/proc/net/igmp` (IPv4; the group is the raw little-endian word, so it is byte-swapped) and
//! `/proc/net/igmp6` (IPv6). Used by BSD netstat's `-g` and `-i -a`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Result};

/// A group address: link layer (hex bytes joined by `:`) or IP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupAddr {
    /// A link-layer multicast address, `01:00:5e:00:00:01` form.
    Link(String),
    /// An IPv4 or IPv6 group.
    Ip(IpAddr),
}

/// One membership of one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Interface index.
    pub ifindex: u32,
    /// Interface name.
    pub ifname: String,
    /// The group.
    pub group: GroupAddr,
    /// Reference count (users).
    pub users: u64,
    /// IGMP version in use on the interface (`V2`, `V3`), IPv4 only.
    pub igmp_version: Option<String>,
}

/// Every membership: link layer, then IPv4, then IPv6, each in file order. A missing file (no
/// IPv6, no multicast support) contributes nothing.
pub fn memberships() -> Result<Vec<Group>> {
    let read = |p: &str| match std::fs::read_to_string(p) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(Error::kernel(format!("reading {p}"), e)),
    };
    let mut out = parse_dev_mcast(&read("/proc/net/dev_mcast")?);
    out.extend(parse_igmp(&read("/proc/net/igmp")?));
    out.extend(parse_igmp6(&read("/proc/net/igmp6")?));
    Ok(out)
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Parses `/proc/net/dev_mcast`: `index name users global_users hexaddr`.
pub fn parse_dev_mcast(text: &str) -> Vec<Group> {
    text.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let bytes = hex_bytes(w.get(4)?)?;
            Some(Group {
                ifindex: w[0].parse().ok()?,
                ifname: w[1].to_string(),
                group: GroupAddr::Link(
                    bytes
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<Vec<_>>()
                        .join(":"),
                ),
                users: w[2].parse().unwrap_or(0),
                igmp_version: None,
            })
        })
        .collect()
}

/// Parses `/proc/net/igmp`: an interface line (`idx name : count querier`) followed by one
/// indented line per group (`hexgroup users timer reporter`).
pub fn parse_igmp(text: &str) -> Vec<Group> {
    let mut out = Vec::new();
    let mut current: Option<(u32, String, Option<String>)> = None;
    for l in text.lines().skip(1) {
        if l.starts_with(|c: char| c.is_ascii_digit()) {
            let (head, tail) = l.split_once(':').unwrap_or((l, ""));
            let mut h = head.split_whitespace();
            let idx = h.next().and_then(|i| i.parse().ok());
            let name = h.next().unwrap_or("").to_string();
            let version = tail.split_whitespace().nth(1).map(str::to_string);
            current = idx.map(|i| (i, name, version));
        } else if let Some((idx, name, version)) = &current {
            let mut w = l.split_whitespace();
            let (Some(g), users) = (w.next(), w.next()) else {
                continue;
            };
            let Ok(word) = u32::from_str_radix(g, 16) else {
                continue;
            };
            out.push(Group {
                ifindex: *idx,
                ifname: name.clone(),
                group: GroupAddr::Ip(IpAddr::V4(Ipv4Addr::from(word.to_le_bytes()))),
                users: users.and_then(|u| u.parse().ok()).unwrap_or(0),
                igmp_version: version.clone(),
            });
        }
    }
    out
}

/// Parses `/proc/net/igmp6`: `index name hexaddr users flags timer`.
pub fn parse_igmp6(text: &str) -> Vec<Group> {
    text.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let bytes: [u8; 16] = hex_bytes(w.get(2)?)?.try_into().ok()?;
            Some(Group {
                ifindex: w[0].parse().ok()?,
                ifname: w[1].to_string(),
                group: GroupAddr::Ip(IpAddr::V6(Ipv6Addr::from(bytes))),
                users: w.get(3).and_then(|u| u.parse().ok()).unwrap_or(0),
                igmp_version: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_files() {
        let igmp = "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n\
                    1\tlo        :     1      V3\n\t\t\t\t010000E0     1 0:00000000\t\t0\n\
                    4\teth0      :     2      V2\n\t\t\t\t010000E0     1 0:00000000\t\t0\n\t\t\t\t0A0000EF     3 0:00000000\t\t0\n";
        let g = parse_igmp(igmp);
        assert_eq!(g.len(), 3);
        assert_eq!(g[0].group, GroupAddr::Ip("224.0.0.1".parse().unwrap()));
        assert_eq!((g[2].ifname.as_str(), g[2].users), ("eth0", 3));
        assert_eq!(g[2].group, GroupAddr::Ip("239.0.0.10".parse().unwrap()));
        assert_eq!(g[2].igmp_version.as_deref(), Some("V2"));
        let g6 =
            parse_igmp6("1    lo              ff020000000000000000000000000001     1 0000000C 0\n");
        assert_eq!(g6[0].group, GroupAddr::Ip("ff02::1".parse().unwrap()));
        let d = parse_dev_mcast("4    eth0            1     0     333300000001\n");
        assert_eq!(d[0].group, GroupAddr::Link("33:33:00:00:00:01".into()));
        assert!(parse_dev_mcast("garbage\n1 x 1 0 zz\n").is_empty());
    }
}
