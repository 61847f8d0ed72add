//! Socket owners (`pid`, `process`) from the kernel's descriptor iterator and from the
//! /proc/*/fd walk are the same answer: the lowest pid holding each socket. The iterator is
//! used when it can be (root, BTF, the initial PID namespace); `NETPRY_PROC_OWNERS=1` forces
//! the walk, and inside a child PID namespace netpry walks /proc by itself, so pids are the
//! ones that namespace sees.

use crate::support::{Netns, netpry_bin, root_or_skip};

/// A parent holding a listener and a connection, a forked child that inherits both and
/// opens a socket of its own, and a UNIX socket whose file the parent also holds open with
/// `O_PATH` (a socket file on disk, not a socket). Prints both pids.
const OWNERS: &str = r#"
import os, socket, sys, tempfile, time
keep = []
l = socket.socket(); l.bind(("127.0.0.1", 7411)); l.listen(8); keep.append(l)
c = socket.create_connection(("127.0.0.1", 7411)); keep.append(c); keep.append(l.accept()[0])
d = tempfile.mkdtemp()
u = socket.socket(socket.AF_UNIX); u.bind(os.path.join(d, "s")); u.listen(1); keep.append(u)
keep.append(os.open(os.path.join(d, "s"), os.O_PATH))
r, w = os.pipe()
child = os.fork()
if child == 0:
    import ctypes
    ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG: SIGKILL when the parent goes
    mine = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); mine.bind(("127.0.0.1", 7412))
    os.write(w, b"x")
    time.sleep(600)
    sys.exit(0)
os.read(r, 1)
print(os.getpid(), child, flush=True)
time.sleep(600)
"#;

const QUERY: &str = r#"sockets().where(|s| s.pid != ()).select(["proto", "local_port", "inode", "pid", "process"]).sort("inode")"#;

/// Runs the owner query in `ns` (`proc`: force the /proc walk): the CSV and the stats line.
fn owners(ns: &Netns, proc: bool) -> (String, String) {
    let bin = netpry_bin();
    let out = ns
        .command(
            bin.to_str().expect("utf-8 path"),
            &["--format", "csv", "-e", QUERY],
        )
        .env("NETPRY_DEBUG_STATS", "1")
        .env("NETPRY_PROC_OWNERS", if proc { "1" } else { "0" })
        .output()
        .expect("run netpry");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), err)
}

#[test]
fn the_descriptor_iterator_and_the_proc_walk_agree() {
    if !root_or_skip("the_descriptor_iterator_and_the_proc_walk_agree") {
        return;
    }
    let mut ns = Netns::new("owners");
    ns.spawn_python(OWNERS, &[]);
    let (walked, walk_stats) = owners(&ns, true);
    let (iterated, iter_stats) = owners(&ns, false);
    assert!(walk_stats.contains(" fd_iterators=0 "), "{walk_stats}");
    assert!(!walk_stats.contains(" proc_fd_dirs=0 "), "{walk_stats}");
    // This machine's kernel has BTF and the task-file iterator (CI runs on the same kind).
    assert!(iter_stats.contains(" fd_iterators=1 "), "{iter_stats}");
    assert!(iter_stats.contains(" proc_fd_dirs=0 "), "{iter_stats}");
    assert_eq!(iterated, walked);

    // Who owns what: the parent (lowest pid) holds the inherited TCP sockets and the UNIX
    // listener, the child its own UDP socket.
    let rows: Vec<Vec<&str>> = iterated
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let pid_of = |proto: &str, port: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r[0] == proto && r[1] == port)
            .map(|r| r[3].to_string())
            .collect()
    };
    let tcp = pid_of("tcp", "7411");
    assert_eq!(tcp.len(), 2, "{iterated}");
    let parent = tcp[0].clone();
    assert!(tcp.iter().all(|p| *p == parent), "{iterated}");
    let udp = pid_of("udp", "7412");
    assert_eq!(udp.len(), 1, "{iterated}");
    assert_ne!(udp[0], parent, "{iterated}");
    assert!(
        parent.parse::<u32>().unwrap() < udp[0].parse::<u32>().unwrap(),
        "{iterated}"
    );
    assert!(
        rows.iter().any(|r| r[0] == "unix" && r[3] == parent),
        "{iterated}"
    );
    assert!(rows.iter().all(|r| r[4] == "python3"), "{iterated}");
}

#[test]
fn in_a_child_pid_namespace_owners_are_that_namespaces_pids() {
    if !root_or_skip("in_a_child_pid_namespace_owners_are_that_namespaces_pids") {
        return;
    }
    let ns = Netns::new("ownerspid");
    let bin = netpry_bin();
    let script = format!(
        "python3 -u -c '{}' > /tmp/np-ownerspid-$$ & \
         while ! test -s /tmp/np-ownerspid-$$; do sleep 0.1; done; \
         cat /tmp/np-ownerspid-$$; rm -f /tmp/np-ownerspid-$$; \
         NETPRY_DEBUG_STATS=1 {} --format csv -e '{}'; kill %1",
        OWNERS.replace('\'', "'\\''"),
        bin.to_str().expect("utf-8 path"),
        QUERY.replace('\'', "'\\''"),
    );
    let out = ns
        .command(
            "unshare",
            &["--pid", "--fork", "--mount-proc", "sh", "-c", &script],
        )
        .output()
        .expect("run unshare");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut lines = text.lines();
    let pids: Vec<&str> = lines.next().unwrap_or_default().split(' ').collect();
    assert_eq!(pids.len(), 2, "{text} {err}");
    // The walk ran (the kernel's iterator speaks the initial namespace's pids).
    assert!(err.contains(" fd_iterators=0 "), "{err}");
    let csv: Vec<&str> = lines.collect();
    let tcp: Vec<&&str> = csv.iter().filter(|l| l.starts_with("tcp,7411,")).collect();
    assert_eq!(tcp.len(), 2, "{text} {err}");
    for l in tcp {
        assert_eq!(l.split(',').nth(3), Some(pids[0]), "{text}");
    }
    assert!(
        csv.iter()
            .any(|l| l.starts_with("udp,7412,") && l.split(',').nth(3) == Some(pids[1])),
        "{text}"
    );
}
