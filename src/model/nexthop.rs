//! The next hops of a multipath route, typed. The `routes` table's `nexthops` cell spells
//! them as `ip` prints them (`via GW dev DEV weight W`, a hop's flags such as `onlink`
//! appended, hops joined by `; `); snapshots carry that text, and an edited one may separate
//! hops with `,` or a newline, or hold JSON (`[{"gateway": GW, "dev": DEV}, ...]`). This is
//! the one parser of that cell, and its [`fmt::Display`] the one writer (the collector
//! spells the cell with it): netstat's route listing and the route simulation read
//! [`NextHop`]s through it ([`crate::model::Cols::hops`]), never the text.

use std::fmt;
use std::net::IpAddr;

use super::Value;

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
    /// The hops in a `nexthops` cell: text or JSON in a text cell; none for a null, empty or
    /// other cell (a name that is not UTF-8 makes the cell bytes: read as no hops).
    pub fn from_cell(v: &Value) -> Vec<NextHop> {
        v.as_str().map(NextHop::parse_list).unwrap_or_default()
    }

    /// The hops in `text` (see the module documentation); unreadable JSON is no hops, an
    /// unreadable gateway or weight is unset.
    pub fn parse_list(text: &str) -> Vec<NextHop> {
        let text = text.trim();
        if text.starts_with('[') {
            let Ok(serde_json::Value::Array(items)) =
                serde_json::from_str::<serde_json::Value>(text)
            else {
                return Vec::new();
            };
            return items
                .iter()
                .map(|h| NextHop {
                    gateway: h
                        .get("gateway")
                        .or_else(|| h.get("via"))
                        .and_then(|g| g.as_str())
                        .and_then(|g| g.parse().ok()),
                    dev: h.get("dev").and_then(|d| d.as_str()).map(str::to_string),
                    weight: h
                        .get("weight")
                        .and_then(serde_json::Value::as_u64)
                        .and_then(|w| u32::try_from(w).ok()),
                    flags: h
                        .get("flags")
                        .and_then(|f| f.as_array())
                        .map(|f| {
                            f.iter()
                                .filter_map(|x| x.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect();
        }
        text.split([',', ';', '\n'])
            .filter(|s| !s.trim().is_empty())
            .map(NextHop::parse_one)
            .collect()
    }

    /// One hop's words: the word after the first `via` (the gateway), `dev` (the device) and
    /// `weight`; every other word that is neither a keyword nor its value is a flag.
    fn parse_one(part: &str) -> NextHop {
        const KEYS: [&str; 3] = ["via", "dev", "weight"];
        let words: Vec<&str> = part.split_whitespace().collect();
        let after = |k: &str| {
            words
                .iter()
                .position(|w| *w == k)
                .and_then(|i| words.get(i + 1))
                .copied()
        };
        let flags = words
            .iter()
            .enumerate()
            .filter(|&(i, w)| !KEYS.contains(w) && (i == 0 || !KEYS.contains(&words[i - 1])))
            .map(|(_, w)| w.to_string())
            .collect();
        NextHop {
            gateway: after("via").and_then(|g| g.parse().ok()),
            dev: after("dev").map(str::to_string),
            weight: after("weight").and_then(|n| n.parse().ok()),
            flags,
        }
    }
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

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_text_ip_prints() {
        let hops =
            NextHop::parse_list("via 10.0.0.1 dev eth0 weight 1; dev eth1 weight 3 onlink dead");
        assert_eq!(
            hops,
            [
                NextHop {
                    gateway: ip("10.0.0.1"),
                    dev: Some("eth0".into()),
                    weight: Some(1),
                    flags: vec![],
                },
                NextHop {
                    gateway: None,
                    dev: Some("eth1".into()),
                    weight: Some(3),
                    flags: vec!["onlink".into(), "dead".into()],
                },
            ]
        );
        assert_eq!(
            NextHop::parse_list("via fe80::1 dev a,via fe80::2 dev b").len(),
            2
        );
        assert_eq!(NextHop::parse_list(""), []);
        assert_eq!(NextHop::parse_list(" ; ;"), []);
    }

    #[test]
    fn written_as_read() {
        let text = "via 10.0.0.1 dev eth0 weight 1; dev eth1 weight 3 onlink dead; via fe80::1";
        assert_eq!(NextHop::join(&NextHop::parse_list(text)), text);
        assert_eq!(NextHop::join(&[]), "");
    }

    #[test]
    fn json_and_unreadable_cells() {
        let hops = NextHop::parse_list(r#"[{"gateway": "10.0.0.1", "dev": "eth0", "weight": 2}]"#);
        assert_eq!(hops[0].gateway, ip("10.0.0.1"));
        assert_eq!(hops[0].dev.as_deref(), Some("eth0"));
        assert_eq!(hops[0].weight, Some(2));
        assert_eq!(NextHop::parse_list("[not json"), []);
        // A bad gateway or weight is unset, the rest of the hop is read.
        let hops = NextHop::parse_list("via nowhere dev eth0 weight -1");
        assert_eq!((hops[0].gateway, hops[0].weight), (None, None));
        assert_eq!(hops[0].dev.as_deref(), Some("eth0"));
        assert_eq!(NextHop::from_cell(&Value::Null), []);
        assert_eq!(NextHop::from_cell(&Value::Int(3)), []);
        assert_eq!(
            NextHop::from_cell(&Value::str("dev lo"))[0].dev.as_deref(),
            Some("lo")
        );
    }
}
