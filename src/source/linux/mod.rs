//! Live collection on Linux: rtnetlink and sock_diag over synchronous netlink sockets, and
//! /proc where netlink has nothing (processes, protocol counters, sysctls).

mod addresses;
mod host;
pub mod igmp;
mod links;
mod neighbours;
pub mod netlink;
mod procfd;
mod routes;
pub mod rtnames;
pub mod snmp;
pub mod sysctl;

pub use addresses::addresses;
pub use host::host_info;
pub use links::links;
pub use neighbours::neighbours;
pub use procfd::{FdAccess, fd_access};
pub use routes::{route_get, routes};
pub use snmp::protocol_stats;
pub use sysctl::{net_sysctls, read_sysctl};
