//! Live collection on Linux: rtnetlink and sock_diag over synchronous netlink sockets, and
//! /proc where netlink has nothing (processes, protocol counters, sysctls).

mod host;
mod links;
pub mod netlink;
pub mod proc_net;
pub mod processes;
pub mod sock_diag;
mod sock_diag_decode;
pub mod users;

pub use host::host_info;
pub use links::links;
pub use processes::{ProcWant, processes, socket_owners};
pub use sock_diag::sockets;
