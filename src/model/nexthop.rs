//! The next hops of a multipath route, typed: what the `route_nexthops` table holds and what
//! front ends read (through [`crate::tables::route_nexthops::RouteHops`]). Its
//! [`fmt::Display`] spells a hop as `ip` prints it (`via GW dev DEV weight W`, the hop's flags
//! such as `onlink` appended): the collector writes the `routes` table's `nexthops` text with
//! it ([`NextHop::join`]), for people and older scripts; nothing reads that text back except
//! the loader of a snapshot saved before `route_nexthops` existed.

use std::fmt;
use std::net::IpAddr;

/// One next hop of a multipath route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NextHop {
    /// The gateway (`via`), if any.
    pub gateway: Option<IpAddr>,
    /// The output device's name (`dev`), if any.
    pub dev: Option<String>,
    /// The hop's weight (`weight`), if given.
    pub weight: Option<u32>,
    /// The hop's flags (`onlink`, `linkdown`, `dead`, ...).
    pub flags: Vec<String>,
}

impl NextHop {
    /// `hops` as the `nexthops` cell spells them: each hop displayed, joined by `; `.
    pub fn join(hops: &[NextHop]) -> String {
        hops.iter()
            .map(NextHop::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `via GW dev DEV weight W` and the flags, each part only when the hop has it.
impl fmt::Display for NextHop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(g) = self.gateway {
            parts.push(format!("via {g}"));
        }
        if let Some(d) = &self.dev {
            parts.push(format!("dev {d}"));
        }
        if let Some(w) = self.weight {
            parts.push(format!("weight {w}"));
        }
        parts.extend(self.flags.iter().cloned());
        f.write_str(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelled_as_ip_prints() {
        let hops = [
            NextHop {
                gateway: Some("10.0.0.1".parse().unwrap()),
                dev: Some("eth0".into()),
                weight: Some(1),
                flags: vec![],
            },
            NextHop {
                dev: Some("eth1".into()),
                weight: Some(3),
                flags: vec!["onlink".into(), "dead".into()],
                ..NextHop::default()
            },
        ];
        assert_eq!(
            NextHop::join(&hops),
            "via 10.0.0.1 dev eth0 weight 1; dev eth1 weight 3 onlink dead"
        );
        assert_eq!(NextHop::join(&[]), "");
    }
}
