//! Live collection on Linux: rtnetlink and sock_diag over synchronous netlink sockets, and
//! /proc where netlink has nothing (processes, protocol counters, sysctls).

mod host;
mod links;
pub mod netlink;
pub mod snmp;
pub mod sysctl;

pub use host::host_info;
pub use links::links;
pub use snmp::protocol_stats;
pub use sysctl::{net_sysctls, read_sysctl};
