//! Each table's default view: the columns a person reads first, in the order `ip`, `ss` and
//! `conntrack` print them, shown when a whole table goes to a terminal. Every other column is
//! one `select([...])`, `-c` or `--all` away; JSON, CSV and plain output keep every column.
//!
//! `"dst/dst_len"` shows an address and its prefix length as one CIDR cell (`10.0.0.0/8`). The
//! order is also the priority when the view does not fit the terminal: the last columns are
//! left out first (after empty ones).

/// A table's default view.
#[derive(Debug, Clone, Copy)]
pub struct DefaultView {
    /// Column names in display order, most important first; `a/b` joins address `a` and
    /// prefix length `b` in one cell.
    pub columns: &'static [&'static str],
}

/// Every table's view, by table name.
const VIEWS: &[(&str, DefaultView)] = &[
    (
        "sockets",
        DefaultView {
            columns: &[
                "proto",
                "state",
                "local_addr",
                "local_port",
                "remote_addr",
                "remote_port",
                "process",
                "pid",
                "recv_q",
                "send_q",
                "path",
                "user",
            ],
        },
    ),
    (
        "processes",
        DefaultView {
            columns: &["pid", "ppid", "name", "user", "state", "threads", "cmdline"],
        },
    ),
    (
        "interfaces",
        DefaultView {
            columns: &[
                "index", "name", "state", "mtu", "mac", "master", "rx_bytes", "tx_bytes", "kind",
                "flags",
            ],
        },
    ),
    (
        "addresses",
        DefaultView {
            columns: &[
                "ifname",
                "family",
                "addr/prefix_len",
                "scope",
                "broadcast",
                "peer",
                "label",
                "valid_lft",
            ],
        },
    ),
    (
        "routes",
        DefaultView {
            columns: &[
                "dst/dst_len",
                "gateway",
                "dev",
                "protocol",
                "metric",
                "table_name",
                "scope",
                "prefsrc",
                "type",
            ],
        },
    ),
    (
        "route_nexthops",
        DefaultView {
            columns: &[
                "dst/dst_len",
                "hop",
                "gateway",
                "dev",
                "weight",
                "flags",
                "table",
                "metric",
                "family",
            ],
        },
    ),
    (
        "rules",
        DefaultView {
            columns: &[
                "priority",
                "family",
                "src/src_len",
                "dst/dst_len",
                "iif",
                "oif",
                "fwmark",
                "action",
                "table_name",
                "invert",
            ],
        },
    ),
    (
        "neighbours",
        DefaultView {
            columns: &["addr", "ifname", "mac", "state", "router", "family"],
        },
    ),
    (
        "multicast",
        DefaultView {
            columns: &["ifname", "family", "group", "users", "lladdr"],
        },
    ),
    (
        "stats",
        DefaultView {
            columns: &["source", "proto", "name", "value"],
        },
    ),
    (
        "sysctls",
        DefaultView {
            columns: &["name", "value"],
        },
    ),
    (
        "conntrack",
        DefaultView {
            columns: &[
                "protocol",
                "state",
                "src",
                "sport",
                "dst",
                "dport",
                "reply_src",
                "reply_sport",
                "reply_dst",
                "reply_dport",
                "timeout",
                "mark",
                "assured",
            ],
        },
    ),
    (
        "conntrack_stats",
        DefaultView {
            columns: &[
                "cpu",
                "count",
                "max",
                "found",
                "invalid",
                "insert",
                "insert_failed",
                "drop",
                "early_drop",
                "error",
            ],
        },
    ),
    (
        "netns",
        DefaultView {
            columns: &[
                "inode",
                "name",
                "nsid",
                "pids",
                "pid",
                "is_host",
                "runtime",
                "container_name",
            ],
        },
    ),
    (
        "if_inet6",
        DefaultView {
            columns: &["ifname", "ifindex", "addr/prefix_len"],
        },
    ),
    (
        "ipv6_route",
        DefaultView {
            columns: &[
                "dst/dst_len",
                "src/src_len",
                "next_hop",
                "dev",
                "metric",
                "refcnt",
                "use_count",
                "rtf_flags",
            ],
        },
    ),
    (
        "dev_snmp6",
        DefaultView {
            columns: &["ifname", "name", "value"],
        },
    ),
    (
        "slabs",
        DefaultView {
            columns: &["cache", "active_objs", "num_objs", "objsize", "page_size"],
        },
    ),
    (
        "name_files",
        DefaultView {
            columns: &["path", "text"],
        },
    ),
];

/// The default view of table `name`.
pub fn view(name: &str) -> Option<&'static DefaultView> {
    VIEWS.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_a_view_of_its_own_columns() {
        for def in super::super::TABLES {
            let v = view(def.name).unwrap_or_else(|| panic!("{} has no view", def.name));
            assert!(!v.columns.is_empty());
            for spec in v.columns {
                for name in spec.split('/') {
                    assert!(
                        (def.columns)().iter().any(|c| c.name == name),
                        "{}: view column {name} is not a column",
                        def.name
                    );
                }
            }
        }
    }
}
