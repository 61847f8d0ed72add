//! Live collection on Linux: rtnetlink and sock_diag over synchronous netlink sockets, and
//! /proc where netlink has nothing (processes, protocol counters, sysctls).

pub mod dev_snmp6;
mod host;
mod links;
pub mod multicast;
pub mod netlink;
pub mod slab;

pub use host::host_info;
pub use links::links;
