//! The sockets this process holds open, as inode numbers read from `/proc/self/fd` (each
//! socket descriptor links to `socket:[INODE]`). A listing uses them to leave out netpry's own
//! sockets (for example a name lookup still waiting for a silent name server), which a
//! `/proc`-reading tool such as net-tools netstat never shows.

use std::collections::HashSet;

/// Inodes of the sockets open in this process (empty when `/proc/self/fd` cannot be read).
pub fn own_socket_inodes() -> HashSet<u64> {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return HashSet::new();
    };
    dir.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|target| socket_inode(&target.to_string_lossy()))
        .collect()
}

/// The inode of a descriptor link text `socket:[INODE]`.
fn socket_inode(link: &str) -> Option<u64> {
    link.strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_texts_and_a_live_socket() {
        assert_eq!(socket_inode("socket:[12345]"), Some(12345));
        assert_eq!(socket_inode("pipe:[12345]"), None);
        assert_eq!(socket_inode("socket:[x]"), None);
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        assert!(!own_socket_inodes().is_empty(), "{s:?} not seen");
    }
}
