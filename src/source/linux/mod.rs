//! Live collection on Linux: rtnetlink and sock_diag over synchronous netlink sockets, and
//! /proc where netlink has nothing (processes, protocol counters, sysctls).

mod host;
pub mod igmp;
mod links;
pub mod netlink;
mod procfd;

pub use host::host_info;
pub use links::links;
pub use procfd::{FdAccess, fd_access};
