//! The benchmark harness (`benches/compare.py`) in its smoke mode, with the debug binary: it
//! builds its namespace, fills it with 1,000 TCP pairs, and netpry (`netstat -tan`/`-uan` and
//! `-e` counts), `ss` and `netstat` must count the same TCP and UDP sockets. Times are printed
//! by the harness but never judged here. Also checks that the harness removes its namespace and
//! its populator, after success and after a failure.

use std::process::Command;

use crate::support::{netpry_bin, root_or_skip};

const HARNESS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/compare.py");
const POPULATOR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/mksockets.py");

/// Deletes the namespace when dropped, whatever the harness left behind.
struct NsGuard(String);

impl Drop for NsGuard {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).output();
    }
}

fn namespace_exists(name: &str) -> bool {
    let out = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.split_whitespace().next() == Some(name))
}

/// Pids of processes running this worktree's populator for namespace `ns` (the harness passes
/// NETPRY_BENCH_NS on to it).
fn populators(ns: &str) -> Vec<u32> {
    let tag = format!("NETPRY_BENCH_NS={ns}");
    let mut pids = Vec::new();
    for e in std::fs::read_dir("/proc").expect("read /proc").flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        if cmd.split(|&b| b == 0).any(|a| a == POPULATOR.as_bytes())
            && env.split(|&b| b == 0).any(|a| a == tag.as_bytes())
        {
            pids.push(pid);
        }
    }
    pids
}

/// Waits up to 10 s for the populator processes to be gone (they exit on SIGTERM).
fn no_populators_left(ns: &str) -> bool {
    for _ in 0..100 {
        if populators(ns).is_empty() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}

fn harness(ns: &str, netpry: &str) -> (i32, String, String) {
    let out = Command::new("python3")
        .arg(HARNESS)
        .args(["--smoke", "--netpry", netpry])
        .env("NETPRY_BENCH_NS", ns)
        .output()
        .expect("run python3 benches/compare.py");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn harness_smoke_run_counts_agree() {
    if !root_or_skip("harness_smoke_run_counts_agree") {
        return;
    }
    let ns = format!("np-bench-{}", std::process::id());
    let _guard = NsGuard(ns.clone());
    let bin = netpry_bin();
    let (code, out, err) = harness(&ns, bin.to_str().expect("utf-8 path"));
    assert_eq!(code, 0, "compare.py --smoke failed\n{out}\n{err}");

    // "counts N=1000: {json} (expected ...)" on stderr: every tool, every protocol.
    let line = err
        .lines()
        .find_map(|l| l.strip_prefix("counts N=1000: "))
        .unwrap_or_else(|| panic!("no counts line in\n{err}"));
    let json = &line[..line.find(" (expected").expect("expected part")];
    let counts: serde_json::Value = serde_json::from_str(json).expect("counts are JSON");
    for (proto, want) in [("tcp", 2001), ("udp", 1000)] {
        let tools = counts[proto].as_object().expect("per-tool counts");
        for tool in ["ss", "netstat", "netpry netstat", "netpry -e"] {
            assert_eq!(
                tools[tool], want,
                "{proto} sockets counted by {tool}: {line}"
            );
        }
    }
    // Every command of every group was timed and printed.
    for cmd in [
        "`netpry netstat -tan`",
        "`ss -tanp`",
        "`netpry -e where/count`",
        "`netpry -e group_by`",
        "`netpry -e '1'`",
        "`netstat -rn`",
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with("| 1000 | ") && l.contains(cmd)),
            "{cmd} missing from\n{out}"
        );
    }
    assert!(out.starts_with("machine: "), "{out}");
    assert!(!namespace_exists(&ns), "namespace {ns} left behind");
    assert!(no_populators_left(&ns), "populator left running");
}

#[test]
fn harness_cleans_up_after_a_failure() {
    if !root_or_skip("harness_cleans_up_after_a_failure") {
        return;
    }
    let ns = format!("np-benchfail-{}", std::process::id());
    let _guard = NsGuard(ns.clone());
    // `false` exits 1 for every netpry command: the count step fails after the populator
    // is up.
    let (code, out, err) = harness(&ns, "/bin/false");
    assert_ne!(
        code, 0,
        "a failing netpry must fail the harness\n{out}\n{err}"
    );
    assert!(err.contains("exited 1"), "{err}");
    assert!(!namespace_exists(&ns), "namespace {ns} left behind");
    assert!(no_populators_left(&ns), "populator left running");
}
