//! Row identity and counter columns of every table, for watching and diffing: which columns
//! name a row (so the same socket, link or route is recognised from one collection to the
//! next) and which hold counters that only grow (shown as deltas and per-second rates).
//!
//! Kept beside the registry rather than in [`super::TableDef`] so that a table module never
//! needs to know about change over time; a test checks every name here against the schemas.

/// How rows of one table are recognised and which of its columns are counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// Columns that name a row (those present in a table are used; see [`Identity::key_of`]).
    pub key: &'static [&'static str],
    /// Columns that name a row whose `key` cells are all null (sockets read from /proc have
    /// no cookie: they are named by addresses, ports and inode instead).
    pub fallback: &'static [&'static str],
    /// Columns holding counters that only grow (until a reset).
    pub counters: &'static [&'static str],
    /// The counters among `counters` that the kernel keeps in 32 bits and so wrap at 2^32.
    pub wrap32: &'static [&'static str],
}

const NONE: &[&str] = &[];

const SOCKETS: Identity = Identity {
    key: &["netns", "cookie"],
    fallback: &[
        "netns",
        "proto",
        "family",
        "local_addr",
        "local_port",
        "remote_addr",
        "remote_port",
        "inode",
        "path",
    ],
    counters: &[
        "bytes_acked",
        "bytes_received",
        "segs_out",
        "segs_in",
        "retrans",
    ],
    wrap32: &["segs_out", "segs_in", "retrans"],
};

const INTERFACES: Identity = Identity {
    key: &["netns", "index"],
    fallback: NONE,
    // Every rtnl_link_stats64 counter is a column of its own name.
    counters: &crate::door::source::records::LINK_STAT_NAMES,
    wrap32: NONE,
};

const ADDRESSES: Identity = Identity {
    key: &["netns", "ifindex", "family", "addr", "prefix_len", "peer"],
    fallback: NONE,
    counters: NONE,
    wrap32: NONE,
};

const ROUTES: Identity = Identity {
    key: &[
        "netns", "table", "family", "type", "dst", "dst_len", "src", "src_len", "tos", "metric",
    ],
    fallback: NONE,
    counters: NONE,
    wrap32: NONE,
};

const RULES: Identity = Identity {
    key: &[
        "netns",
        "family",
        "priority",
        "invert",
        "src",
        "src_len",
        "dst",
        "dst_len",
        "tos",
        "fwmark",
        "fwmask",
        "iif",
        "oif",
        "uid_start",
        "uid_end",
        "ipproto",
        "sport_start",
        "sport_end",
        "dport_start",
        "dport_end",
        "action",
        "table",
    ],
    fallback: NONE,
    counters: NONE,
    wrap32: NONE,
};

const NEIGHBOURS: Identity = Identity {
    key: &["netns", "ifindex", "family", "addr"],
    fallback: NONE,
    counters: NONE,
    wrap32: NONE,
};

const MULTICAST: Identity = Identity {
    key: &["netns", "family", "ifindex", "group"],
    fallback: NONE,
    counters: NONE,
    wrap32: NONE,
};

const PROCESSES: Identity = Identity {
    key: &["pid", "start_time"],
    fallback: NONE,
    counters: NONE,
    wrap32: NONE,
};

const STATS: Identity = Identity {
    key: &["netns", "source", "proto", "name"],
    fallback: NONE,
    counters: &["value"],
    wrap32: NONE,
};

const SYSCTLS: Identity = Identity {
    key: &["netns", "name"],
    fallback: NONE,
    counters: NONE,
    wrap32: NONE,
};

const CONNTRACK: Identity = Identity {
    key: &["netns", "id"],
    fallback: NONE,
    counters: &["orig_packets", "orig_bytes", "reply_packets", "reply_bytes"],
    wrap32: NONE,
};

/// A network namespace: its inode; its pid count moves as processes come and go.
const NETNS: Identity = Identity {
    key: &["inode"],
    fallback: NONE,
    counters: NONE,
    wrap32: NONE,
};

const IF_INET6: Identity = Identity {
    key: &["netns", "ifindex", "addr", "prefix_len"],
    fallback: NONE,
    counters: NONE,
    wrap32: NONE,
};

const ROUTE_NEXTHOPS: Identity = Identity {
    key: &[
        "netns", "table", "family", "dst", "dst_len", "src", "src_len", "tos", "metric", "hop",
    ],
    fallback: NONE,
    counters: NONE,
    wrap32: NONE,
};

const IPV6_ROUTE: Identity = Identity {
    key: &[
        "netns", "dst", "dst_len", "src", "src_len", "next_hop", "metric", "dev",
    ],
    fallback: NONE,
    counters: NONE,
    wrap32: NONE,
};

const DEV_SNMP6: Identity = Identity {
    key: &["netns", "ifname", "name"],
    fallback: NONE,
    counters: &["value"],
    wrap32: NONE,
};

const SLABS: Identity = Identity {
    key: &["netns", "cache"],
    fallback: NONE,
    counters: NONE,
    wrap32: NONE,
};

const NAME_FILES: Identity = Identity {
    key: &["netns", "path"],
    fallback: NONE,
    counters: NONE,
    wrap32: NONE,
};

const CONNTRACK_STATS: Identity = Identity {
    key: &["netns", "cpu"],
    fallback: NONE,
    counters: &[
        "found",
        "invalid",
        "insert",
        "insert_failed",
        "drop",
        "early_drop",
        "error",
        "search_restart",
        "clash_resolve",
        "chaintoolong",
    ],
    wrap32: &[
        "found",
        "invalid",
        "insert",
        "insert_failed",
        "drop",
        "early_drop",
        "error",
        "search_restart",
        "clash_resolve",
        "chaintoolong",
    ],
};

/// The identity of registry table `table` (`None` for tables derived by scripts under another
/// name: those are keyed by all their columns).
pub fn identity(table: &str) -> Option<&'static Identity> {
    Some(match table {
        "sockets" => &SOCKETS,
        "interfaces" => &INTERFACES,
        "addresses" => &ADDRESSES,
        "routes" => &ROUTES,
        "route_nexthops" => &ROUTE_NEXTHOPS,
        "rules" => &RULES,
        "neighbours" => &NEIGHBOURS,
        "multicast" => &MULTICAST,
        "processes" => &PROCESSES,
        "stats" => &STATS,
        "sysctls" => &SYSCTLS,
        "conntrack" => &CONNTRACK,
        "conntrack_stats" => &CONNTRACK_STATS,
        "netns" => &NETNS,
        "if_inet6" => &IF_INET6,
        "ipv6_route" => &IPV6_ROUTE,
        "dev_snmp6" => &DEV_SNMP6,
        "slabs" => &SLABS,
        "name_files" => &NAME_FILES,
        _ => return None,
    })
}

impl Identity {
    /// The key columns of a table with `columns`: this identity's key columns that the table
    /// has; when it has none of them (a script's selection, an older snapshot), the fallback
    /// columns it has; failing those too, every column that is not a counter.
    pub fn key_of(&self, columns: &[&str]) -> Vec<String> {
        pick(self.key, columns)
            .or_else(|| pick(self.fallback, columns))
            .unwrap_or_else(|| {
                columns
                    .iter()
                    .filter(|c| !self.counters.contains(c))
                    .map(|c| c.to_string())
                    .collect()
            })
    }

    /// The fallback key columns present in `columns` (empty when the table has none).
    pub fn fallback_of(&self, columns: &[&str]) -> Vec<String> {
        pick(self.fallback, columns).unwrap_or_default()
    }
}

/// The names of `wanted` that `columns` holds; `None` when it holds only `netns` or none (a
/// key of the namespace alone names nothing).
fn pick(wanted: &[&str], columns: &[&str]) -> Option<Vec<String>> {
    let got: Vec<String> = wanted
        .iter()
        .filter(|w| columns.contains(w))
        .map(|w| w.to_string())
        .collect();
    (got.iter().any(|c| c != "netns")).then_some(got)
}

/// The identity of a table named `table` with `columns`, or a keyed-by-everything identity
/// for a table the registry does not know.
pub fn identity_or_all(table: &str) -> &'static Identity {
    const ALL: Identity = Identity {
        key: NONE,
        fallback: NONE,
        counters: NONE,
        wrap32: NONE,
    };
    identity(table).unwrap_or(&ALL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::TABLES;

    #[test]
    fn every_table_has_an_identity_naming_its_own_columns() {
        for def in TABLES {
            let id = identity(def.name).unwrap_or_else(|| panic!("{} has no identity", def.name));
            let cols: Vec<&str> = (def.columns)().iter().map(|c| c.name.as_ref()).collect();
            for c in id.key.iter().chain(id.fallback).chain(id.counters) {
                // netns is on the roadmap for every table; until then it is skipped.
                assert!(
                    *c == "netns" || cols.contains(c),
                    "{}.{c} named in its identity is not a column",
                    def.name
                );
            }
            for c in id.wrap32 {
                assert!(id.counters.contains(c), "{}.{c}", def.name);
            }
            assert!(!id.key_of(&cols).is_empty(), "{}", def.name);
        }
    }

    #[test]
    fn a_derived_table_is_keyed_by_its_columns_or_by_all() {
        let id = identity("sockets").unwrap();
        assert_eq!(id.key_of(&["cookie", "state"]), ["cookie"]);
        assert_eq!(id.key_of(&["netns", "state"]), ["netns", "state"]);
        assert_eq!(id.key_of(&["local_port", "state"]), ["local_port"]);
        assert_eq!(
            identity_or_all("mine").key_of(&["a", "b"]),
            ["a", "b"].map(String::from)
        );
        assert_eq!(
            identity("interfaces")
                .unwrap()
                .key_of(&["name", "rx_bytes"]),
            ["name"]
        );
    }
}
