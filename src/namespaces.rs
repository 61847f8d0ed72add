//! Which network namespaces a command reads (`--netns X`, `--all-netns`, the REPL's `.netns`)
//! and running work inside them.
//!
//! `--netns X` moves the main thread into X before anything is read, so every reader — the
//! catalog and the front ends' remaining direct reads alike — sees X. `--all-netns` runs each
//! namespace's collection (or each namespace's whole netstat command) on a worker thread that
//! entered it first (`setns` moves only the calling thread; `/proc/net` is read through
//! `/proc/thread-self/net`). Workers run in parallel, at most one per core.

use std::cell::Cell;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::door::source::linux::netns as src;
use crate::error::{Error, Result};
use crate::model::Notes;

/// The namespaces a command reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Choice {
    /// The namespace the calling thread is in.
    #[default]
    Current,
    /// One namespace, as the user named it (`spec`); `inode` once resolved.
    One {
        /// The user's words: a name, a path, `pid:PID` or an inode.
        spec: String,
        /// The namespace's inode, when known.
        inode: Option<u64>,
    },
    /// Every namespace on the host (or in the snapshot).
    All,
}

impl Choice {
    /// How the REPL's prompt and `.netns` show the choice (empty for the current namespace).
    pub fn label(&self) -> String {
        match self {
            Choice::Current => String::new(),
            Choice::One { spec, .. } => spec.clone(),
            Choice::All => "all".into(),
        }
    }
}

static CHOICE: Mutex<Choice> = Mutex::new(Choice::Current);

thread_local! {
    /// Set on worker threads that entered a namespace: they read where they are.
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// The choice made for this run; always [`Choice::Current`] on a namespace worker thread.
pub fn choice() -> Choice {
    if IN_WORKER.with(Cell::get) {
        return Choice::Current;
    }
    CHOICE.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Records the choice for this run (catalogs opened afterwards follow it).
pub fn set_choice(c: Choice) {
    *CHOICE.lock().unwrap_or_else(|e| e.into_inner()) = c;
}

/// A namespace to read: its inode, how headers name it, and a path that opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The nsfs inode.
    pub inode: u64,
    /// Its name (`ip netns` name or mount path), else its inode.
    pub label: String,
    /// A file that opens it (`/proc/PID/ns/net` or a bind mount).
    pub path: PathBuf,
}

/// Fails with one clear line (a usage error, exit 2) when this process cannot enter other
/// network namespaces.
pub fn require_cap(option: &str) -> Result<()> {
    if src::has_sys_admin() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{option} needs CAP_SYS_ADMIN to enter other network namespaces (run as root); \
         nothing was read"
    )))
}

/// Every network namespace on the host, the host's (pid 1's) first.
pub fn all() -> Vec<Target> {
    src::enumerate()
        .into_iter()
        .filter_map(|r| {
            Some(Target {
                inode: r.inode,
                label: r.name().unwrap_or_else(|| r.inode.to_string()),
                path: r.path()?,
            })
        })
        .collect()
}

/// The namespace `spec` names: a name under /run/netns (or any nsfs mount's last path
/// component), a path to an nsfs file, `pid:PID`, or an inode. A usage error listing where it
/// looked when it names nothing.
pub fn resolve(spec: &str) -> Result<Target> {
    let found = |path: PathBuf| -> Option<Target> {
        let (_, inode) = src::ns_id(&path).ok()?;
        let label = src::enumerate()
            .into_iter()
            .find(|r| r.inode == inode)
            .and_then(|r| r.name())
            .unwrap_or_else(|| {
                if spec.contains('/') || spec.starts_with("pid:") {
                    inode.to_string()
                } else {
                    spec.to_string()
                }
            });
        Some(Target { inode, label, path })
    };
    let hit = if let Some(pid) = spec.strip_prefix("pid:") {
        pid.parse::<u32>()
            .ok()
            .and_then(|p| found(PathBuf::from(format!("/proc/{p}/ns/net"))))
    } else if spec.contains('/') {
        found(PathBuf::from(spec))
    } else if let Ok(inode) = spec.parse::<u64>() {
        src::enumerate()
            .into_iter()
            .find(|r| r.inode == inode)
            .and_then(|r| found(r.path()?))
    } else if spec.is_empty() || spec.starts_with('.') {
        None
    } else {
        ["/run/netns", "/var/run/netns"]
            .iter()
            .find_map(|d| found(Path::new(d).join(spec)))
            .or_else(|| {
                src::enumerate()
                    .into_iter()
                    .find(|r| {
                        r.mounts
                            .iter()
                            .any(|m| Path::new(m).file_name().is_some_and(|f| f == spec))
                    })
                    .and_then(|r| found(r.path()?))
            })
    };
    hit.ok_or_else(|| {
        Error::Usage(format!(
            "--netns {spec}: no network namespace by that name; looked in /run/netns/{spec}, \
             /var/run/netns/{spec}, the nsfs mounts of /proc/self/mountinfo, and the namespaces \
             of /proc/*/ns/net (give a name, an nsfs path, pid:PID or an inode)"
        ))
    })
}

/// The namespace the process started in, kept open so the REPL can come back to it.
static HOME: std::sync::OnceLock<Option<File>> = std::sync::OnceLock::new();

/// Moves the calling thread (the main thread, for `--netns`) into `t`.
pub fn enter(t: &Target) -> Result<()> {
    HOME.get_or_init(|| File::open("/proc/thread-self/ns/net").ok());
    let f = File::open(&t.path).map_err(|e| Error::Io {
        what: format!("opening network namespace {}", t.path.display()),
        source: e,
    })?;
    src::enter(&f).map_err(|e| Error::Io {
        what: format!("entering network namespace {}", t.label),
        source: e,
    })
}

/// Moves the calling thread back to the namespace it started in (after [`enter`]).
pub fn leave() -> Result<()> {
    match HOME.get() {
        Some(Some(f)) => src::enter(f).map_err(|e| Error::Io {
            what: "returning to the starting network namespace".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Runs `f` with one scan of /proc/*/fd serving every socket-owner lookup made meanwhile, in
/// any namespace (`--all-netns`: one scan for all namespaces, not one each).
pub fn sharing_owners<T>(f: impl FnOnce() -> T) -> T {
    struct Stop;
    impl Drop for Stop {
        fn drop(&mut self) {
            crate::door::source::linux::processes::share_owners(false);
        }
    }
    crate::door::source::linux::processes::share_owners(true);
    let _stop = Stop;
    f()
}

/// Runs `work` inside each target on worker threads (at most one per core) and returns the
/// results in target order. A namespace that cannot be entered (it vanished) is skipped with a
/// note and gives `None`.
pub fn in_each<T: Send>(
    targets: &[Target],
    notes: &Notes,
    work: impl Fn(&Target) -> T + Sync,
) -> Vec<Option<T>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.min(targets.len()).max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..targets.len()).map(|_| None).collect());
    sharing_owners(|| {
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| {
                    IN_WORKER.with(|w| w.set(true));
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(t) = targets.get(i) else { break };
                        if let Err(why) = enter_checked(t) {
                            notes.add(format!("netns {}: skipped: {why}", t.label));
                            continue;
                        }
                        let r = work(t);
                        results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
                    }
                });
            }
        })
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// Enters `t` and checks that the namespace entered is the one enumerated (a reused pid could
/// lead elsewhere).
fn enter_checked(t: &Target) -> std::result::Result<(), String> {
    let f = File::open(&t.path).map_err(|_| "it vanished".to_string())?;
    src::enter(&f).map_err(|e| e.to_string())?;
    match crate::door::source::linux::processes::current_netns() {
        Some(i) if i == t.inode => Ok(()),
        _ => Err("it vanished".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_names_nothing_is_a_usage_error_saying_where_it_looked() {
        let e = resolve("no-such-netns-here").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let m = e.to_string();
        assert!(
            m.contains("/run/netns/no-such-netns-here") && m.contains("mountinfo"),
            "{m}"
        );
        assert!(resolve("pid:999999999").is_err());
    }

    #[test]
    fn a_namespace_that_vanished_is_skipped_with_a_note() {
        let gone = Target {
            inode: 1,
            label: "gone".into(),
            path: "/proc/999999999/ns/net".into(),
        };
        let notes = Notes::default();
        let got = in_each(&[gone], &notes, |_| 1);
        assert_eq!(got, vec![None]);
        assert_eq!(
            notes.take(),
            vec!["netns gone: skipped: it vanished".to_string()]
        );
    }

    #[test]
    fn workers_read_where_they_are() {
        assert_eq!(Choice::All.label(), "all");
        let me = crate::door::source::linux::processes::current_netns().unwrap();
        let t = Target {
            inode: me,
            label: "self".into(),
            path: "/proc/self/ns/net".into(),
        };
        let notes = Notes::default();
        if !src::has_sys_admin() {
            return;
        }
        let got = in_each(&[t.clone(), t], &notes, |_| choice());
        assert_eq!(got, vec![Some(Choice::Current), Some(Choice::Current)]);
    }
}
