//! The socket-owner map kept from one collection to the next, for `netpry watch`: the scan of
//! every `/proc/PID/fd` (one `stat` per open descriptor of every process, the costliest part
//! of collecting `sockets` with `pid` or `process`) runs again only when its answer could
//! have changed for the sockets asked about.
//!
//! The kept map is reused while all of these hold, and the scan runs again otherwise:
//!   * every socket inode asked about was seen by a scan, owned or not (a new socket, from a
//!     new connection or a new process, is never answered from the cache);
//!   * every process owning one of those sockets still has the start time, name and number of
//!     open descriptors it had just before the scan (`stat` of `/proc/PID/fd` counts them), so
//!     a process that exited (its pid perhaps reused), exec'd, or opened or closed any
//!     descriptor sends the next collection back to /proc;
//!   * fewer than [`FULL_EVERY`] collections were answered from the cache since the last scan,
//!     which bounds how long the one change the checks above cannot see can go unnoticed: an
//!     existing socket reaching another process (fd passing, a fork) whose pid is lower than
//!     the owner's, or a socket nobody held gaining a holder.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::processes::{OwnerMap, parse_stat, pids, scan_owners};

/// At most this many collections in a row are answered from the cache; the next one scans.
pub const FULL_EVERY: u32 = 30;

/// What tells a process apart over time and says whether its descriptor table moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProcMark {
    /// Start time, in clock ticks after boot (a reused pid has another).
    pub start: u64,
    /// Name (comm); changes on exec.
    pub comm: Arc<str>,
    /// Open descriptors (the size `stat` gives `/proc/PID/fd`; 0 on kernels before 6.2).
    pub fds: u64,
}

/// The /proc reads the cache makes (a fake one in tests).
pub(crate) trait Procfs {
    /// Every live pid.
    fn pids(&mut self) -> Vec<u32>;
    /// The owner map from a full scan of /proc/*/fd.
    fn scan(&mut self) -> OwnerMap;
    /// The mark of `pid` now; `None` when it is gone.
    fn mark(&mut self, pid: u32) -> Option<ProcMark>;
}

/// The host's /proc.
#[derive(Debug, Default)]
pub(crate) struct LiveProcfs;

impl Procfs for LiveProcfs {
    fn pids(&mut self) -> Vec<u32> {
        pids()
    }

    fn scan(&mut self) -> OwnerMap {
        scan_owners()
    }

    fn mark(&mut self, pid: u32) -> Option<ProcMark> {
        // The descriptor count first: a change after it is then seen by the next check.
        let fds = std::fs::metadata(format!("/proc/{pid}/fd")).ok()?.len();
        let rec = parse_stat(&std::fs::read(format!("/proc/{pid}/stat")).ok()?)?;
        Some(ProcMark {
            start: rec.start_time,
            comm: rec.name,
            fds,
        })
    }
}

/// The kept map and what it was built from.
#[derive(Debug)]
pub(crate) struct OwnerCache<P> {
    procfs: P,
    map: Option<Arc<OwnerMap>>,
    /// The marks of the owning processes taken just before the scan (`None`: the process
    /// started during the scan, so it has no mark to compare with).
    marks: HashMap<u32, Option<ProcMark>>,
    /// Socket inodes asked about that no scan found an owner for.
    unowned: HashSet<u64>,
    /// Collections answered from the cache since the last scan.
    served: u32,
    /// The inodes of the last collection the map answered, and their owners' pids: the same
    /// inodes again (a watch over quiet sockets) need no lookup. Both are cleared by a scan.
    answered: (Vec<u64>, Vec<u32>),
}

impl<P: Procfs> OwnerCache<P> {
    /// An empty cache reading `procfs`.
    pub fn new(procfs: P) -> OwnerCache<P> {
        OwnerCache {
            procfs,
            map: None,
            marks: HashMap::new(),
            unowned: HashSet::new(),
            served: 0,
            answered: (Vec::new(), Vec::new()),
        }
    }

    /// The owner map for a collection holding the sockets `inodes` (0: no inode), from the
    /// cache when it is still right for them (see the module documentation), else from a
    /// new scan.
    pub fn owners(&mut self, inodes: &[u64]) -> Arc<OwnerMap> {
        if let Some(map) = self.map.clone()
            && self.served < FULL_EVERY
            && self.still_right(&map, inodes)
        {
            self.served += 1;
            return map;
        }
        let periodic = self.map.is_some() && self.served >= FULL_EVERY;
        self.rescan(inodes, periodic)
    }

    /// Whether `map` answers every inode of `inodes` and their owners have not moved.
    fn still_right(&mut self, map: &OwnerMap, inodes: &[u64]) -> bool {
        if self.answered.0 != inodes {
            match self.owning_pids(map, inodes) {
                Some(pids) => self.answered = (inodes.to_vec(), pids),
                None => return false,
            }
        }
        let (marks, procfs) = (&self.marks, &mut self.procfs);
        self.answered.1.iter().all(|&pid| match marks.get(&pid) {
            Some(Some(mark)) => procfs.mark(pid).as_ref() == Some(mark),
            _ => false,
        })
    }

    /// The pids owning the sockets `inodes`, each once, when `map` answers every one of them
    /// (it owns it, or the last scan found no owner).
    fn owning_pids(&self, map: &OwnerMap, inodes: &[u64]) -> Option<Vec<u32>> {
        let mut owners: HashSet<u32> = HashSet::new();
        let mut last = None;
        for &i in inodes.iter().filter(|&&i| i != 0) {
            match map.get(i) {
                Some(o) => {
                    // Sockets of one process come in runs: skip the set for repeats.
                    if last != Some(o.pid) {
                        owners.insert(o.pid);
                        last = Some(o.pid);
                    }
                }
                None if self.unowned.contains(&i) => {}
                None => return None,
            }
        }
        let mut pids: Vec<u32> = owners.into_iter().collect();
        pids.sort_unstable();
        Some(pids)
    }

    /// Scans /proc again; `periodic` forgets which inodes were unowned.
    fn rescan(&mut self, inodes: &[u64], periodic: bool) -> Arc<OwnerMap> {
        // Marks before the scan: whatever happens to a process after it is marked shows at
        // the next check, so nothing the scan misses in between can stay.
        let pids = self.procfs.pids();
        let mut before: HashMap<u32, ProcMark> = HashMap::with_capacity(pids.len());
        for pid in pids {
            if let Some(m) = self.procfs.mark(pid) {
                before.insert(pid, m);
            }
        }
        let map = Arc::new(self.procfs.scan());
        self.marks = map
            .by_inode
            .values()
            .map(|o| (o.pid, before.get(&o.pid).cloned()))
            .collect();
        if periodic {
            self.unowned.clear();
        }
        self.unowned.retain(|i| map.get(*i).is_none());
        self.unowned.extend(
            inodes
                .iter()
                .copied()
                .filter(|&i| i != 0 && map.get(i).is_none()),
        );
        self.served = 0;
        self.answered = (Vec::new(), Vec::new());
        self.map = Some(Arc::clone(&map));
        map
    }
}

/// How many callers want the map kept (see [`keep_owners`]).
static KEEPING: AtomicUsize = AtomicUsize::new(0);
/// The kept map, while [`KEEPING`] is non-zero.
static KEPT: Mutex<Option<OwnerCache<LiveProcfs>>> = Mutex::new(None);

/// While `on` calls outnumber `off` ones, [`owners_of`] answers from a map kept between
/// calls (`netpry watch`); the last `off` drops it.
pub fn keep_owners(on: bool) {
    if on {
        KEEPING.fetch_add(1, Ordering::SeqCst);
    } else if KEEPING.fetch_sub(1, Ordering::SeqCst) == 1 {
        *KEPT.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Whether owner maps are being kept between collections (see [`keep_owners`]).
pub fn owners_kept() -> bool {
    KEEPING.load(Ordering::SeqCst) > 0
}

/// The socket-inode → owner map for a collection holding the sockets `inodes`: from the kept
/// map while [`keep_owners`] says so, otherwise [`super::socket_owners`].
pub fn owners_of(inodes: &[u64]) -> Arc<OwnerMap> {
    if KEEPING.load(Ordering::SeqCst) == 0 {
        return super::socket_owners();
    }
    KEPT.lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(|| OwnerCache::new(LiveProcfs))
        .owners(inodes)
}

#[cfg(test)]
mod tests {
    use super::super::processes::Owner;
    use super::*;

    /// A pretend /proc: processes with their socket inodes and marks.
    #[derive(Default)]
    struct Fake {
        procs: HashMap<u32, (ProcMark, Vec<u64>)>,
        scans: usize,
    }

    impl Fake {
        fn start(&mut self, pid: u32, start: u64, comm: &str, sockets: &[u64]) {
            let mark = ProcMark {
                start,
                comm: comm.into(),
                fds: sockets.len() as u64,
            };
            self.procs.insert(pid, (mark, sockets.to_vec()));
        }
    }

    impl Procfs for Fake {
        fn pids(&mut self) -> Vec<u32> {
            self.procs.keys().copied().collect()
        }
        fn scan(&mut self) -> OwnerMap {
            self.scans += 1;
            let mut map = OwnerMap::default();
            let mut pids: Vec<u32> = self.pids();
            pids.sort_unstable();
            for pid in pids {
                let (mark, socks) = &self.procs[&pid];
                for &s in socks {
                    map.by_inode.entry(s).or_insert(Owner {
                        pid,
                        comm: mark.comm.clone(),
                    });
                }
            }
            map
        }
        fn mark(&mut self, pid: u32) -> Option<ProcMark> {
            self.procs.get(&pid).map(|p| p.0.clone())
        }
    }

    fn owner(c: &mut OwnerCache<Fake>, inodes: &[u64], inode: u64) -> Option<(u32, String)> {
        c.owners(inodes)
            .get(inode)
            .map(|o| (o.pid, o.comm.to_string()))
    }

    #[test]
    fn unchanged_sockets_are_answered_without_a_scan() {
        let mut f = Fake::default();
        f.start(10, 1, "srv", &[100, 101]);
        let mut c = OwnerCache::new(f);
        // 7 has no owner (a kernel socket): known unowned after the first scan.
        for _ in 0..5 {
            assert_eq!(
                owner(&mut c, &[100, 101, 7, 0], 100),
                Some((10, "srv".into()))
            );
        }
        assert_eq!(c.procfs.scans, 1);
    }

    #[test]
    fn a_new_socket_of_a_new_process_is_owned_at_once() {
        let mut f = Fake::default();
        f.start(10, 1, "srv", &[100]);
        let mut c = OwnerCache::new(f);
        assert_eq!(owner(&mut c, &[100], 100), Some((10, "srv".into())));
        c.procfs.start(20, 5, "client", &[200]);
        assert_eq!(owner(&mut c, &[100, 200], 200), Some((20, "client".into())));
        assert_eq!(c.procfs.scans, 2);
    }

    #[test]
    fn an_exited_owner_whose_pid_is_reused_is_noticed() {
        let mut f = Fake::default();
        // 10 and its child 30 share socket 100; 10 is the owner (lowest pid).
        f.start(10, 1, "parent", &[100]);
        f.start(30, 2, "child", &[100]);
        let mut c = OwnerCache::new(f);
        assert_eq!(owner(&mut c, &[100], 100), Some((10, "parent".into())));
        // 10 exits and a new process gets pid 10, with another socket not in this table.
        c.procfs.procs.remove(&10);
        c.procfs.start(10, 9, "other", &[555]);
        assert_eq!(owner(&mut c, &[100], 100), Some((30, "child".into())));
        // 30 execs (same start time, new name, same descriptors).
        c.procfs.procs.get_mut(&30).unwrap().0.comm = "exec'd".into();
        assert_eq!(owner(&mut c, &[100], 100), Some((30, "exec'd".into())));
        assert_eq!(c.procfs.scans, 3);
    }

    #[test]
    fn a_moved_descriptor_table_or_the_period_forces_a_scan() {
        let mut f = Fake::default();
        f.start(10, 1, "srv", &[100]);
        let mut c = OwnerCache::new(f);
        owner(&mut c, &[100], 100);
        // The owner closed 100 while 40 (higher pid) still holds it.
        c.procfs.start(40, 3, "worker", &[100]);
        c.procfs.start(10, 1, "srv", &[]);
        assert_eq!(owner(&mut c, &[100], 100), Some((40, "worker".into())));
        let scans = c.procfs.scans;
        for _ in 0..FULL_EVERY {
            owner(&mut c, &[100], 100);
        }
        assert_eq!(c.procfs.scans, scans);
        owner(&mut c, &[100], 100);
        assert_eq!(c.procfs.scans, scans + 1);
    }
}
