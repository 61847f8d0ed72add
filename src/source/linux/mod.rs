//! Live collection on Linux: rtnetlink and sock_diag over synchronous netlink sockets, and
//! /proc where netlink has nothing (processes, protocol counters, sysctls).

mod addresses;
pub mod dev_snmp6;
#[cfg(feature = "fuzzing")]
pub(crate) mod fuzz;
mod host;
pub mod if_inet6;
pub mod igmp;
pub mod ipv6_route;
mod links;
mod neighbours;
pub mod netdb;
pub mod netlink;
pub mod own_sockets;
pub mod proc_net;
pub mod processes;
mod procfd;
#[cfg(test)]
mod robustness;
mod routes;
pub mod rtnames;
mod rules;
pub mod services;
pub mod slab;
pub mod snmp;
pub mod sock_diag;
mod sock_diag_decode;
pub mod sysctl;
pub mod users;

pub use addresses::addresses;
pub use host::host_info;
pub use links::links;
pub use neighbours::neighbours;
pub use processes::{ProcWant, processes, socket_owners};
pub use procfd::{FdAccess, euid, fd_access, uid};
pub use routes::{route_get, routes};
pub use rules::rules;
pub use snmp::protocol_stats;
pub use sock_diag::sockets;
pub use sysctl::{net_sysctls, read_sysctl};
