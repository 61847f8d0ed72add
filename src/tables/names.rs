//! The name and one-line description of every table, in listing order: plain data with no
//! dependencies, so that `build.rs` (which generates the packaged manual pages and completion
//! scripts) reads the same list as the registry ([`super::TABLES`]), each of whose
//! definitions takes its name and description from here.

/// A table's name and one-line description.
pub type Entry = (&'static str, &'static str);

/// The `sockets` table.
pub const SOCKETS: Entry = (
    "sockets",
    "Sockets (TCP, UDP, UDP-Lite, raw, UNIX): addresses, state, queues, owner, TCP internals",
);

/// The `processes` table.
pub const PROCESSES: Entry = (
    "processes",
    "Processes: pid, parent, name, command line, user, state, threads, network namespace",
);

/// The `interfaces` table.
pub const INTERFACES: Entry = (
    "interfaces",
    "Network interfaces: state, flags, addresses and traffic counters",
);

/// The `addresses` table.
pub const ADDRESSES: Entry = (
    "addresses",
    "IPv4 and IPv6 interface addresses: prefix, scope, flags and lifetimes",
);

/// The `routes` table.
pub const ROUTES: Entry = ("routes", "IPv4 and IPv6 routes of every routing table");

/// The `rules` table.
pub const RULES: Entry = (
    "rules",
    "IPv4 and IPv6 policy routing rules, in priority order",
);

/// The `neighbours` table.
pub const NEIGHBOURS: Entry = (
    "neighbours",
    "ARP and NDP neighbour entries: address, MAC and NUD state",
);

/// The `multicast` table.
pub const MULTICAST: Entry = ("multicast", "Multicast group memberships per interface");

/// The `stats` table.
pub const STATS: Entry = (
    "stats",
    "Protocol counters (IP, ICMP, TCP, UDP, extensions, IPv6, socket counts), one per row",
);

/// The `sysctls` table.
pub const SYSCTLS: Entry = (
    "sysctls",
    "Network sysctls (net.*) with their current values, as `sysctl -a` shows them",
);

/// Every table, in the order they are listed to users (the order of [`super::TABLES`]).
pub const ALL: &[Entry] = &[
    SOCKETS, PROCESSES, INTERFACES, ADDRESSES, ROUTES, RULES, NEIGHBOURS, MULTICAST, STATS, SYSCTLS,
];
