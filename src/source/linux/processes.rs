//! Processes from /proc, and the socket-inode → owning-process map built from /proc/*/fd.
//!
//! Both walk every process, so the walk is split over the available cores
//! (`std::thread::scope`, pids dealt round-robin). Processes that vanish mid-scan are skipped.
//! The owner map is a real hash map, so attributing 100k sockets is linear (ss and net-tools use
//! fixed-size hash chains and go quadratic). When several processes hold one socket (inherited
//! fds), the lowest pid wins, so the answer does not depend on scan order. Without root, other
//! users' fd directories are unreadable; the map counts them so the caller can say why some
//! sockets have no owner.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::sync::Arc;

use crate::door::source::records::ProcessRecord;

/// The process holding a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// Process id (the lowest, when several processes hold the socket).
    pub pid: u32,
    /// Process name (comm).
    pub comm: Arc<str>,
}

/// Hashing of socket inodes (small integers handed out by the kernel): one multiply, not
/// SipHash, since every socket of a collection is looked up (twice per interval under watch).
pub type InodeHash = std::hash::BuildHasherDefault<InodeHasher>;

/// The hasher of [`InodeHash`].
#[derive(Debug, Default)]
pub struct InodeHasher(u64);

impl std::hash::Hasher for InodeHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn finish(&self) -> u64 {
        // The table takes bits from both ends of the hash: fold the high ones down.
        self.0 ^ (self.0 >> 32)
    }
}

/// Socket inode → owning process, for the sockets of every process we could read.
#[derive(Debug, Default)]
pub struct OwnerMap {
    /// The owners by socket inode.
    pub by_inode: HashMap<u64, Owner, InodeHash>,
    /// Processes whose fd directory we were not allowed to read (other users' without root).
    pub denied: usize,
}

impl OwnerMap {
    /// The owner of the socket with inode `inode`.
    pub fn get(&self, inode: u64) -> Option<&Owner> {
        self.by_inode.get(&inode)
    }
}

/// Which optional parts of each process to read (the stat line is always read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcWant {
    /// Read /proc/PID/status for the real uid.
    pub uid: bool,
    /// Resolve uid to a user name (implies `uid`).
    pub user: bool,
    /// Read /proc/PID/cmdline (for `cmdline` and `argv0`).
    pub cmdline: bool,
    /// Read the /proc/PID/ns/net link.
    pub netns: bool,
}

impl ProcWant {
    /// Everything.
    pub const ALL: ProcWant = ProcWant {
        uid: true,
        user: true,
        cmdline: true,
        netns: true,
    };
}

/// The numeric entries of /proc, ascending.
pub(crate) fn pids() -> Vec<u32> {
    let mut out: Vec<u32> = match std::fs::read_dir("/proc") {
        Ok(dir) => dir
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort_unstable();
    out
}

/// Runs `work` over `pids` on every available core; each worker gets every n-th pid (in
/// ascending order) and returns its own result.
fn par_scan<T: Send>(
    pids: &[u32],
    work: impl Fn(&mut dyn Iterator<Item = u32>) -> T + Sync,
) -> Vec<T> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.min(pids.len() / 32 + 1).max(1);
    if workers == 1 {
        return vec![work(&mut pids.iter().copied())];
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let work = &work;
                s.spawn(move || work(&mut pids.iter().copied().skip(w).step_by(workers)))
            })
            .collect();
        // A worker only panics on a bug; drop its share rather than abort the whole scan.
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    })
}

/// The device number of sockfs (every socket's inode lives there), from a socket of our own;
/// `None` when no socket can be made.
fn sockfs_dev() -> Option<u64> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;
    let s = std::os::unix::net::UnixDatagram::unbound().ok()?;
    let m = std::fs::metadata(format!("/proc/self/fd/{}", s.as_raw_fd())).ok()?;
    Some(m.dev())
}

/// Parses `socket:[12345]` (the target of a socket fd link).
fn socket_inode(link: &[u8]) -> Option<u64> {
    let rest = link.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(rest).ok()?.parse().ok()
}

/// Whether [`socket_owners`] shares one scan between callers (see [`share_owners`]).
static SHARING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// The scan shared while [`SHARING`] is non-zero.
static SHARED: std::sync::Mutex<Option<Arc<OwnerMap>>> = std::sync::Mutex::new(None);

/// While `on` calls outnumber `off` ones, every [`socket_owners`] call returns the result of
/// one scan of /proc/*/fd: reading many network namespaces, one scan serves them all (socket
/// inodes live on the one sockfs, so they are unique across namespaces). The last `off` drops
/// the shared scan.
pub fn share_owners(on: bool) {
    use std::sync::atomic::Ordering;
    if on {
        SHARING.fetch_add(1, Ordering::SeqCst);
    } else if SHARING.fetch_sub(1, Ordering::SeqCst) == 1 {
        *SHARED.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// The socket-inode → owner map from /proc/*/fd (shared between callers while
/// [`share_owners`] says so).
pub fn socket_owners() -> Arc<OwnerMap> {
    if SHARING.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        return Arc::new(scan_owners());
    }
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    Arc::clone(shared.get_or_insert_with(|| Arc::new(scan_owners())))
}

/// An owner scan started ahead of need ([`prefetch_owners`]); dropping it waits for the scan
/// and ends the sharing.
pub struct Prefetch(Option<std::thread::JoinHandle<()>>);

/// Starts the owner scan on a thread of its own now, for a caller that will read owners after
/// other work (a snapshot reads them after the socket dump): until the returned guard is
/// dropped, [`socket_owners`] gives that one scan's result, waiting for it if it is not done.
/// The scan overlaps the dump instead of following it.
pub fn prefetch_owners() -> Prefetch {
    share_owners(true);
    let t = std::thread::Builder::new()
        .name("owner-scan".into())
        .spawn(|| drop(socket_owners()))
        .ok();
    Prefetch(t)
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            let _ = t.join();
        }
        share_owners(false);
    }
}

/// How many owner scans ran, and how many /proc/PID/fd directories they opened (read by
/// [`collection_stats`], which tests use to prove a query never scanned).
static OWNER_SCANS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static FD_DIRS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// Owner scans answered by the kernel's descriptor iterator instead of /proc.
static FD_ITERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Counters of the costly /proc and kernel passes made so far in this process, as one line
/// (`owner_scans=N proc_fd_dirs=M fd_iterators=I tcp_info_dumps=K socket_collections=S`: I counts
/// the scans the kernel's descriptor iterator answered, K the socket
/// collections that asked the kernel for tcp_info, S every socket collection): printed at
/// exit under `NETPRY_DEBUG_STATS=1`.
pub fn collection_stats() -> String {
    use std::sync::atomic::Ordering;
    format!(
        "owner_scans={} proc_fd_dirs={} fd_iterators={} tcp_info_dumps={} socket_collections={}",
        OWNER_SCANS.load(Ordering::SeqCst),
        FD_DIRS.load(Ordering::SeqCst),
        FD_ITERS.load(Ordering::SeqCst),
        super::sock_diag::TCP_INFO_DUMPS.load(Ordering::SeqCst),
        super::sock_diag::SOCKET_DUMPS.load(Ordering::SeqCst)
    )
}

/// Builds the socket-inode → owner map from /proc/*/fd.
pub(crate) fn scan_owners() -> OwnerMap {
    OWNER_SCANS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let sockfs = sockfs_dev();
    if let Some(fds) = sockfs.and_then(super::fd_iter::socket_fds) {
        FD_ITERS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        return owners_of_fds(&fds);
    }
    let pids = pids();
    let parts = par_scan(&pids, |it| {
        use std::os::unix::ffi::OsStrExt;
        let mut part = OwnerMap::default();
        let mut path = String::with_capacity(64);
        let mut target = [0u8; 64];
        for pid in it {
            path.clear();
            path.push_str("/proc/");
            path.push_str(&pid.to_string());
            path.push_str("/fd");
            FD_DIRS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // The directory is opened once; each link is then read relative to it, so the
            // kernel does not walk /proc/PID/fd again for every descriptor.
            let (dir, list) = match std::fs::File::open(&path).and_then(|d| {
                let list = std::fs::read_dir(&path)?;
                Ok((d, list))
            }) {
                Ok(d) => d,
                Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                    part.denied += 1;
                    continue;
                }
                Err(_) => continue, // gone, or a zombie
            };
            let mut comm: Option<Arc<str>> = None;
            for entry in list.flatten() {
                let name = entry.file_name();
                let inode = match sockfs {
                    Some(dev) => sys::socket_at(&dir, name.as_bytes(), dev),
                    None => sys::readlinkat(&dir, name.as_bytes(), &mut target)
                        .and_then(|n| socket_inode(&target[..n])),
                };
                let Some(inode) = inode else {
                    continue;
                };
                let comm = comm.get_or_insert_with(|| read_comm(pid)).clone();
                // Pids arrive in ascending order, so the first owner seen is the lowest.
                part.by_inode.entry(inode).or_insert(Owner { pid, comm });
            }
        }
        part
    });
    let mut parts = parts.into_iter();
    let mut map = parts.next().unwrap_or_default();
    for part in parts {
        map.denied += part.denied;
        for (inode, owner) in part.by_inode {
            map.by_inode
                .entry(inode)
                .and_modify(|o| {
                    if owner.pid < o.pid {
                        *o = owner.clone();
                    }
                })
                .or_insert(owner);
        }
    }
    map
}

/// The owner map from the kernel's list of socket descriptors ([`super::fd_iter`]): the
/// lowest pid holding each socket, as the /proc walk decides.
fn owners_of_fds(fds: &[super::fd_iter::SocketFd]) -> OwnerMap {
    let mut comms: HashMap<u32, Arc<str>> = HashMap::new();
    let mut map = OwnerMap::default();
    map.by_inode.reserve(fds.len());
    for fd in fds {
        let comm = comms.entry(fd.pid).or_insert_with(|| read_comm(fd.pid));
        map.by_inode
            .entry(fd.inode)
            .and_modify(|o| {
                if fd.pid < o.pid {
                    *o = Owner {
                        pid: fd.pid,
                        comm: Arc::clone(comm),
                    };
                }
            })
            .or_insert_with(|| Owner {
                pid: fd.pid,
                comm: Arc::clone(comm),
            });
    }
    map
}

#[allow(unsafe_code)]
mod sys {
    use std::os::fd::AsRawFd;

    /// NUL-terminated copy of a short file name.
    fn c_name(name: &[u8]) -> Option<[u8; 32]> {
        let mut c = [0u8; 32];
        if name.is_empty() || name.len() >= c.len() || name.contains(&0) {
            return None;
        }
        c[..name.len()].copy_from_slice(name);
        Some(c)
    }

    /// The socket inode of descriptor link `name` in the fd directory `dir`: `stat` through
    /// the link (cheaper for the kernel than spelling `socket:[N]`), accepted only when it
    /// reaches a socket on sockfs (`sockfs`: its device), not a socket file opened `O_PATH`.
    pub fn socket_at(dir: &std::fs::File, name: &[u8], sockfs: u64) -> Option<u64> {
        let c_name = c_name(name)?;
        // SAFETY: an all-zero `stat` is a valid value of this plain C struct.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: `c_name` is NUL-terminated, `st` is a valid out-pointer, and the directory
        // fd stays open for the call.
        let rc = unsafe {
            libc::fstatat(
                dir.as_raw_fd(),
                c_name.as_ptr().cast::<libc::c_char>(),
                &mut st,
                0,
            )
        };
        (rc == 0 && st.st_mode & libc::S_IFMT == libc::S_IFSOCK && st.st_dev == sockfs)
            .then_some(st.st_ino)
    }

    /// `readlinkat(dir, name)` into `buf`: the length of the target, or `None` when the link
    /// is gone, unreadable, longer than `buf`, or `name` is no short file name.
    pub fn readlinkat(dir: &std::fs::File, name: &[u8], buf: &mut [u8]) -> Option<usize> {
        let c_name = c_name(name)?;
        // SAFETY: `c_name` is NUL-terminated (zero-filled past `name`), `buf` is writable for
        // `buf.len()` bytes, and the directory fd stays open for the call.
        let n = unsafe {
            libc::readlinkat(
                dir.as_raw_fd(),
                c_name.as_ptr().cast::<libc::c_char>(),
                buf.as_mut_ptr().cast::<libc::c_char>(),
                buf.len(),
            )
        };
        let n = usize::try_from(n).ok()?;
        (n < buf.len()).then_some(n)
    }
}

/// The comm of `pid` (empty when it vanished).
fn read_comm(pid: u32) -> Arc<str> {
    let text = super::read_raw(format!("/proc/{pid}/comm")).unwrap_or_default();
    Arc::from(text.trim_end_matches('\n'))
}

/// Every process, with the parts `want` asks for, ordered by pid.
#[derive(Debug, Default)]
pub struct Processes {
    /// The processes, by ascending pid.
    pub list: Vec<ProcessRecord>,
    /// Processes whose network namespace link we were not allowed to read.
    pub netns_denied: usize,
}

/// Reads every process, with the parts `want` asks for.
pub fn processes(want: ProcWant) -> Processes {
    let pids = pids();
    let parts = par_scan(&pids, |it| {
        let mut denied = 0;
        let list: Vec<ProcessRecord> = it
            .filter_map(|pid| read_process(pid, want, &mut denied))
            .collect();
        (list, denied)
    });
    let mut out = Processes::default();
    for (list, denied) in parts {
        out.list.extend(list);
        out.netns_denied += denied;
    }
    out.list.sort_unstable_by_key(|p| p.pid);
    out
}

/// Reads one process; `None` when it vanished.
fn read_process(pid: u32, want: ProcWant, netns_denied: &mut usize) -> Option<ProcessRecord> {
    let stat = std::fs::read(format!("/proc/{pid}/stat")).ok()?;
    let mut rec = parse_stat(&stat)?;
    if want.uid || want.user {
        // Raw: the Name: line holds the comm, which need not be UTF-8.
        let status = super::read_raw(format!("/proc/{pid}/status")).ok()?;
        rec.uid = status_uid(&status)?;
        if want.user {
            rec.user = super::users::user_name(rec.uid);
        }
    }
    if want.cmdline {
        // Unreadable cmdline (rare: hidepid) leaves the fields empty rather than drop the row.
        let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        (rec.cmdline, rec.argv0) = parse_cmdline(&raw);
    }
    if want.netns {
        match std::fs::read_link(format!("/proc/{pid}/ns/net")) {
            Ok(l) => rec.netns = ns_inode(&l.to_string_lossy()),
            Err(e) if e.kind() == ErrorKind::PermissionDenied => *netns_denied += 1,
            Err(_) => {} // a zombie or a process that just exited
        }
    }
    Some(rec)
}

/// Parses `/proc/PID/stat`: pid, comm (which may hold spaces and parentheses), state, ppid,
/// thread count and start time.
pub(crate) fn parse_stat(raw: &[u8]) -> Option<ProcessRecord> {
    let text = crate::model::rawtext::encode(raw);
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text[..open].trim().parse().ok()?;
    let name = text.get(open + 1..close)?;
    let mut rest = text[close + 1..].split_ascii_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    // After the state: ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime
    // stime cutime cstime priority nice num_threads.
    let threads = rest.nth(15)?.parse().ok()?;
    // Then itrealvalue and starttime.
    let start_time = rest.nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Some(ProcessRecord {
        pid,
        ppid,
        name: Arc::from(name),
        state,
        threads,
        start_time,
        ..ProcessRecord::default()
    })
}

/// The real uid from `/proc/PID/status` (`Uid: real effective saved fs`).
pub(crate) fn status_uid(status: &str) -> Option<u32> {
    status.lines().find_map(|l| {
        l.strip_prefix("Uid:")?
            .split_ascii_whitespace()
            .next()?
            .parse()
            .ok()
    })
}

/// (arguments joined by spaces, first NUL-terminated string) of a raw /proc/PID/cmdline.
pub(crate) fn parse_cmdline(raw: &[u8]) -> (String, String) {
    let argv0 = raw.split(|&b| b == 0).next().unwrap_or_default();
    let trimmed = raw.strip_suffix(b"\0").unwrap_or(raw);
    let joined: Vec<u8> = trimmed
        .iter()
        .map(|&b| if b == 0 { b' ' } else { b })
        .collect();
    (
        crate::model::rawtext::encode_owned(joined),
        crate::model::rawtext::encode(argv0).into_owned(),
    )
}

/// The inode of a namespace link target such as `net:[4026531840]`.
pub(crate) fn ns_inode(link: &str) -> Option<u64> {
    link.split_once(":[")?.1.strip_suffix(']')?.parse().ok()
}

/// The inode of the network namespace the calling thread reads (`/proc/thread-self/ns/net`).
pub fn current_netns() -> Option<u64> {
    std::fs::read_link("/proc/thread-self/ns/net")
        .ok()
        .and_then(|l| ns_inode(&l.to_string_lossy()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_odd_comm() {
        let raw = b"4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 3 0 \
                    12345 1000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        let p = parse_stat(raw).unwrap();
        assert_eq!(
            (p.pid, p.ppid, &*p.name, p.state, p.threads),
            (4242, 1, "my (odd) prog", 'S', 3)
        );
        assert_eq!(p.start_time, 12345);
        assert_eq!(parse_stat(b"12 (trunc"), None);
        assert_eq!(parse_stat(b""), None);
    }

    #[test]
    fn stat_of_this_process() {
        let raw = std::fs::read("/proc/self/stat").unwrap();
        let p = parse_stat(&raw).unwrap();
        assert_eq!(p.pid, std::process::id());
        assert!(p.threads >= 1);
    }

    #[test]
    fn cmdline_joins_and_keeps_argv0_as_read() {
        assert_eq!(
            parse_cmdline(b"/usr/bin/python3\0-u\0-c\0print(1)\0"),
            (
                "/usr/bin/python3 -u -c print(1)".to_string(),
                "/usr/bin/python3".to_string()
            )
        );
        // A process that rewrote its command line without NULs.
        assert_eq!(
            parse_cmdline(b"sshd: root@pts/0"),
            (
                "sshd: root@pts/0".to_string(),
                "sshd: root@pts/0".to_string()
            )
        );
        assert_eq!(parse_cmdline(b""), (String::new(), String::new()));
    }

    #[test]
    fn uid_and_namespace_links() {
        assert_eq!(
            status_uid("Name:\tx\nUid:\t1000\t1001\t1000\t1000\n"),
            Some(1000)
        );
        assert_eq!(status_uid("Name:\tx\n"), None);
        assert_eq!(ns_inode("net:[4026531840]"), Some(4026531840));
        assert_eq!(ns_inode("net:4026531840"), None);
        assert_eq!(socket_inode(b"socket:[123]"), Some(123));
        assert_eq!(socket_inode(b"pipe:[123]"), None);
    }

    #[test]
    fn a_socket_file_opened_by_path_is_no_socket() {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let by_path = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH)
            .open(&path)
            .unwrap();
        let fds = std::fs::File::open("/proc/self/fd").unwrap();
        let sockfs = sockfs_dev().expect("a socket can be made");
        let name = |fd: i32| fd.to_string().into_bytes();
        let inode = std::fs::metadata(format!("/proc/self/fd/{}", listener.as_raw_fd()))
            .unwrap()
            .ino();
        assert_eq!(
            sys::socket_at(&fds, &name(listener.as_raw_fd()), sockfs),
            Some(inode)
        );
        assert_eq!(
            sys::socket_at(&fds, &name(by_path.as_raw_fd()), sockfs),
            None
        );
        assert_eq!(sys::socket_at(&fds, b"999999", sockfs), None);
        let mut buf = [0u8; 64];
        let n = sys::readlinkat(&fds, &name(listener.as_raw_fd()), &mut buf).unwrap();
        assert_eq!(socket_inode(&buf[..n]), Some(inode));
    }

    #[test]
    fn this_process_owns_its_socket() {
        use std::os::unix::fs::MetadataExt;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&listener);
        let inode = std::fs::metadata(format!("/proc/self/fd/{fd}"))
            .unwrap()
            .ino();
        let map = socket_owners();
        let owner = map.get(inode).expect("our socket is in the map");
        assert_eq!(owner.pid, std::process::id());
        let procs = processes(ProcWant::ALL);
        let me = procs
            .list
            .iter()
            .find(|p| p.pid == std::process::id())
            .unwrap();
        assert_eq!(me.name, owner.comm);
        assert!(!me.argv0.is_empty());
        assert_eq!(me.netns, current_netns());
    }
}
