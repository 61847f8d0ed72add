//! Live collection on Linux: rtnetlink and sock_diag over synchronous netlink sockets, and
//! /proc where netlink has nothing (processes, protocol counters, sysctls).

mod addresses;
mod btf;
mod caps;
pub mod conntrack;
pub mod dev_snmp6;
mod fd_iter;
pub mod features;
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
pub mod netns;
pub mod own_sockets;
pub mod owner_cache;
pub mod proc_net;
pub mod processes;
mod procfd;
// Reads tests/fixtures, which the packaged crate leaves out.
#[cfg(all(test, netpry_captures))]
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
pub use conntrack::conntrack;
pub use host::host_info;
pub use links::links;
pub use neighbours::neighbours;
pub use owner_cache::{keep_owners, owners_kept, owners_of};
pub use processes::{
    OwnerMap, ProcWant, collection_stats, prefetch_owners, processes, socket_owners,
};
pub use procfd::{FdAccess, cpu_seconds, euid, fd_access, uid};
pub use routes::{route_get, routes};
pub use rules::rules;
pub use snmp::protocol_stats;
pub use sock_diag::{sockets, tcp_infos};
pub use sysctl::read_sysctl;

use std::path::{Path, PathBuf};

/// Reads a /proc or /etc file whole as raw text (`model::rawtext`): names in it that are not
/// UTF-8 (interface names, socket paths) are kept, and one such name never costs the file.
/// A `/proc/net/...` path is read through `/proc/thread-self/net/...`: `/proc/net` follows the
/// process's main thread, and a worker that entered another network namespace must see its own.
pub fn read_raw(path: impl AsRef<Path>) -> std::io::Result<String> {
    std::fs::read(thread_path(path.as_ref())).map(crate::model::rawtext::encode_owned)
}

/// `path` with a leading `/proc/net/` turned into `/proc/thread-self/net/` (see [`read_raw`]).
pub fn thread_path(path: &Path) -> std::borrow::Cow<'_, Path> {
    match path.strip_prefix("/proc/net") {
        Ok(rest) => Path::new("/proc/thread-self/net").join(rest).into(),
        Err(_) => path.into(),
    }
}

/// The path `base/name` for a name carried as raw text (its real bytes, not its encoding).
pub fn raw_path(base: &str, name: &str) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    Path::new(base).join(std::ffi::OsStr::from_bytes(&crate::model::rawtext::decode(
        name,
    )))
}

/// A file name from the system as raw text.
pub fn raw_name(name: &std::ffi::OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    crate::model::rawtext::encode(name.as_bytes()).into_owned()
}
