//! `netpry watch` and `netpry diff`: the diff of two fixture snapshots against a golden
//! output and its exit statuses; the JSON event stream of a scripted sequence in a namespace
//! built by the test (connections opened and closed, a route added, an MTU changed, known
//! byte counts and a known rate over loopback); and the terminal view on a real
//! pseudo-terminal (tmux): marks and highlights, `q`, and the terminal put back.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use crate::support::{Netns, netpry_bin, root_or_skip, run};

const OLD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/script.json");
const NEW: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/script-later.json"
);
const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/diff-script.txt"
);

#[test]
fn diff_of_two_fixture_snapshots_matches_the_golden_output() {
    let (code, out, err) = run(&["diff", OLD, NEW]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, std::fs::read_to_string(GOLDEN).unwrap());
    assert_eq!(err, "");
}

#[test]
fn diff_exit_statuses_and_refusals() {
    let (code, out, err) = run(&["diff", OLD, OLD]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("sockets: +0 -0 ~0"), "{out}");
    // Only the tables asked for.
    let (code, out, _) = run(&["diff", OLD, NEW, "--table", "routes"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("routes: +1 -0 ~0") && !out.contains("sockets:"),
        "{out}"
    );
    let (code, out, _) = run(&["diff", OLD, NEW, "--table", "rules"]);
    assert_eq!((code, out.lines().nth(1)), (0, Some("rules: +0 -0 ~0")));
    // Usage: a missing file argument, an unknown table, a missing file.
    assert_eq!(run(&["diff", OLD]).0, 2);
    let (code, _, err) = run(&["diff", OLD, NEW, "--table", "sockts"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean 'sockets'"), "{err}");
    assert_eq!(run(&["diff", OLD, "/nonexistent.json"]).0, 2);
    // Another host's snapshot is refused unless --any-host.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.json");
    let text = std::fs::read_to_string(NEW).unwrap();
    std::fs::write(&other, text.replace("\"fixture-host\"", "\"db1\"")).unwrap();
    let other = other.to_str().unwrap();
    let (code, _, err) = run(&["diff", OLD, other]);
    assert_eq!(code, 2);
    assert!(
        err.contains("different hosts ('fixture-host' and 'db1')") && err.contains("--any-host"),
        "{err}"
    );
    let (code, out, _) = run(&["diff", "--any-host", OLD, other]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("fixture-host 2026-11-28T12:00:00Z -> db1"),
        "{out}"
    );
}

#[test]
fn diff_as_json_events() {
    let (code, out, err) = run(&[
        "diff",
        "--format",
        "json",
        OLD,
        NEW,
        "--table",
        "interfaces",
    ]);
    assert_eq!(code, 1, "{err}");
    let events: Vec<Json> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2);
    let e = &events[0];
    assert_eq!(e["action"], "changed");
    assert_eq!(e["table"], "interfaces");
    assert_eq!(e["key"], serde_json::json!({"index": 2}));
    assert_eq!(e["changed"]["rx_bytes"]["new"], 11_000_000);
    assert_eq!(e["deltas"]["rx_bytes"], 6_000_000);
    assert_eq!(e["rates"]["rx_bytes"], 100_000.0);
    assert_eq!(
        events[1]["changed"]["mtu"],
        serde_json::json!({"old": 1500, "new": 9000})
    );
}

#[test]
fn watch_usage_errors_exit_2() {
    for args in [
        &["watch"][..],
        &["watch", "table"],
        &["watch", "table", "sockts"],
        &["watch", "bogus"],
        &["watch", "-n", "0", "table", "interfaces"],
        &["watch", "run", "no-such-script"],
        &["watch", "-n", "x", "table", "interfaces"],
        &["watch", "--snapshot", OLD, "table", "interfaces"],
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.starts_with("netpry: ") || err.starts_with("error: "),
            "{err}"
        );
    }
}

#[test]
fn watch_off_a_terminal_streams_the_initial_set_and_ends_quietly_on_a_closed_pipe() {
    let (code, out, err) = run(&["watch", "--count", "1", "table", "interfaces"]);
    assert_eq!(code, 0, "{err}");
    let first: Json = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["action"], "added");
    assert_eq!(first["initial"], true);
    assert_eq!(first["table"], "interfaces");
    assert!(first["key"]["index"].is_i64(), "{first}");
    // Reading one line and closing the pipe ends the watch with status 0 and no message.
    let mut child = Command::new(netpry_bin())
        .args(["watch", "-n", "0.1", "table", "interfaces"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// A `netpry watch` running in a namespace, its JSON lines gathered by a thread.
struct Watcher {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Watcher {
    fn start(ns: &Netns, args: &[&str]) -> Watcher {
        let bin = netpry_bin();
        let mut child = ns
            .command(bin.to_str().unwrap(), args)
            .env("XDG_CONFIG_HOME", "/nonexistent-netpry-test")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(l);
            }
        });
        Watcher { child, lines }
    }

    fn events(&self) -> Vec<Json> {
        let lines = self.lines.lock().unwrap();
        lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    fn wait_initial(&self) {
        let start = Instant::now();
        while self.lines.lock().unwrap().is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no initial events"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The events after the initial set.
    fn later(&self) -> Vec<Json> {
        self.events()
            .into_iter()
            .filter(|e| e["initial"] == false)
            .collect()
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A helper in the namespace that opens, closes and sends over loopback on command.
const HELPER: &str = r#"
import socket, struct, sys, time
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 5555))
srv.listen(16)
print("ready", flush=True)
clients, servers = [], []
def pump(n):
    clients[0].sendall(b"x" * n)
    got = 0
    while got < n:
        got += len(servers[0].recv(1 << 20))
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == "open":
        for _ in range(int(cmd[1])):
            clients.append(socket.create_connection(("127.0.0.1", 5555)))
            servers.append(srv.accept()[0])
    elif cmd[0] == "close":
        for _ in range(int(cmd[1])):
            for s in (clients.pop(), servers.pop()):
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
    elif cmd[0] == "send":
        pump(int(cmd[1]))
    elif cmd[0] == "rate":
        bps, secs = int(cmd[1]), float(cmd[2])
        t0, i = time.monotonic(), 0
        while i * 0.02 < secs:
            d = t0 + i * 0.02 - time.monotonic()
            if d > 0:
                time.sleep(d)
            pump(bps // 50)
            i += 1
    print("done", flush=True)
"#;

struct Helper {
    child: Child,
    out: BufReader<std::process::ChildStdout>,
}

impl Helper {
    fn start(ns: &Netns) -> Helper {
        let mut child = ns
            .command("python3", &["-u", "-c", HELPER])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready");
        Helper { child, out }
    }

    fn say(&mut self, cmd: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{cmd}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        self.out.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "done", "{cmd}");
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn settle(secs: f64) {
    std::thread::sleep(Duration::from_secs_f64(secs));
}

#[test]
fn a_scripted_sequence_gives_exactly_the_expected_events() {
    if !root_or_skip("a_scripted_sequence_gives_exactly_the_expected_events") {
        return;
    }
    let ns = Netns::new("watch");
    let mut helper = Helper::start(&ns);
    let sockets = Watcher::start(
        &ns,
        &[
            "watch",
            "-n",
            "1",
            "-e",
            r#"sockets().where(|s| s.proto == "tcp").select(["cookie", "state", "local_port", "remote_port", "bytes_acked", "bytes_received"])"#,
        ],
    );
    let routes = Watcher::start(&ns, &["watch", "-n", "0.5", "table", "routes"]);
    let links = Watcher::start(&ns, &["watch", "-n", "0.5", "table", "interfaces"]);
    for w in [&sockets, &routes, &links] {
        w.wait_initial();
    }
    settle(1.5);
    ns.ip(&["link", "set", "lo", "mtu", "1400"]);
    settle(1.5);
    ns.ip(&["route", "add", "10.9.0.0/24", "dev", "lo"]);
    settle(1.5);
    helper.say("open 5");
    settle(2.5);
    helper.say("close 3");
    settle(2.5);
    helper.say("send 100000");
    settle(2.5);
    helper.say("rate 1000000 5");
    settle(2.5);

    // Sockets: the listener first; then 5 connections (both ends) added, 3 (both ends)
    // removed, and only the sending connection's byte counters changing.
    let initial: Vec<Json> = sockets
        .events()
        .into_iter()
        .filter(|e| e["initial"] == true)
        .collect();
    assert_eq!(initial.len(), 1, "{initial:?}");
    assert_eq!(initial[0]["row"]["state"], "LISTEN");
    let later = sockets.later();
    let of =
        |action: &str| -> Vec<&Json> { later.iter().filter(|e| e["action"] == action).collect() };
    let added = of("added");
    let removed = of("removed");
    assert_eq!(added.len(), 10, "{added:#?}");
    assert_eq!(removed.len(), 6, "{removed:#?}");
    assert!(added.iter().all(|e| e["row"]["state"] == "ESTABLISHED"));
    assert_eq!(
        added
            .iter()
            .filter(|e| e["row"]["local_port"] == 5555)
            .count(),
        5
    );
    let removed_keys: Vec<&Json> = removed.iter().map(|e| &e["key"]["cookie"]).collect();
    let changed = of("changed");
    let mut server_bytes = 0;
    for e in &changed {
        assert!(!removed_keys.contains(&&e["key"]["cookie"]), "{e}");
        let cols: Vec<&String> = e["changed"].as_object().unwrap().keys().collect();
        assert!(
            cols.iter()
                .all(|c| *c == "bytes_acked" || *c == "bytes_received"),
            "{e}"
        );
        if e["row"]["local_port"] == 5555 {
            server_bytes += e["deltas"]["bytes_received"].as_i64().unwrap_or(0);
        }
    }
    let cookies: std::collections::BTreeSet<String> = changed
        .iter()
        .map(|e| e["key"]["cookie"].to_string())
        .collect();
    assert_eq!(cookies.len(), 2, "only one connection sent: {changed:#?}");
    assert_eq!(server_bytes, 100_000 + 5 * 1_000_000, "{changed:#?}");
    // The known transfer's rate, in the intervals wholly inside it, within 10 %.
    let mut rates: Vec<f64> = changed
        .iter()
        .filter(|e| e["row"]["local_port"] == 5555)
        .filter_map(|e| e["rates"]["bytes_received"].as_f64())
        .filter(|r| *r > 500_000.0)
        .collect();
    assert!(rates.len() >= 4, "{rates:?}");
    rates.remove(0);
    rates.pop();
    // The median of those intervals: one interval can be skewed by a busy machine delaying a
    // collection (its neighbour is then skewed the other way).
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    assert!(
        (median - 1e6).abs() <= 1e5,
        "median rate {median} not within 10 % of 1e6: {rates:?}"
    );

    // Routes: exactly the added one.
    let later = routes.later();
    assert_eq!(later.len(), 1, "{later:#?}");
    assert_eq!(later[0]["action"], "added");
    assert_eq!(later[0]["row"]["dst"], "10.9.0.0");
    assert_eq!(later[0]["row"]["dst_len"], 24);

    // Interfaces: lo changed; its MTU once, alone in its interval; otherwise only counters.
    let later = links.later();
    assert!(
        later
            .iter()
            .all(|e| e["action"] == "changed" && e["row"]["name"] == "lo")
    );
    let mtu: Vec<&Json> = later
        .iter()
        .filter(|e| e["changed"].get("mtu").is_some())
        .collect();
    assert_eq!(mtu.len(), 1, "{later:#?}");
    assert_eq!(
        mtu[0]["changed"],
        serde_json::json!({"mtu": {"old": 65536, "new": 1400}})
    );
    let counters: Vec<Json> = later
        .iter()
        .filter(|e| e["changed"].get("mtu").is_none())
        .flat_map(|e| {
            e["changed"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        })
        .map(Json::String)
        .collect();
    assert!(
        counters.iter().all(|c| c
            .as_str()
            .is_some_and(|c| c.ends_with("_packets") || c.ends_with("_bytes"))),
        "{counters:?}"
    );
}

/// A command running in a private tmux server, killed on drop.
struct Pane {
    socket: String,
}

impl Pane {
    fn start(tag: &str, command: &str) -> Pane {
        let socket = format!("np-{tag}-{}", std::process::id());
        let pane = Pane { socket };
        let wrapped = format!(
            "{command}; echo \"[exited $?]\"; stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e -echo -e icanon -e -icanon; sleep 60"
        );
        pane.tmux(&[
            "new-session",
            "-d",
            "-x",
            "200",
            "-y",
            "40",
            "-s",
            "w",
            &wrapped,
        ]);
        pane
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run tmux");
        assert!(out.status.success(), "tmux {args:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The visible screen with its attributes as escape sequences.
    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-e", "-t", "w"])
    }

    fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(40));
        }
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .stderr(Stdio::null())
            .status();
    }
}

#[test]
fn the_terminal_view_marks_highlights_quits_and_restores_the_terminal() {
    if !root_or_skip("the_terminal_view_marks_highlights_quits_and_restores_the_terminal") {
        return;
    }
    let ns = Netns::new("wpty");
    let command = format!(
        "env -u NO_COLOR LANG=C.UTF-8 ip netns exec {} {} watch -n 1 table interfaces",
        ns.name,
        netpry_bin().display()
    );
    let pane = Pane::start("wpty", &command);
    pane.wait_until("the header", |s| {
        s.contains("netpry watch table interfaces") && s.contains("q quit")
    });
    // A new link: its row marked + and green.
    ns.ip(&["link", "add", "wv0", "type", "veth", "peer", "name", "wv1"]);
    // (tmux writes a colour once for consecutive lines that share it.)
    pane.wait_until("the added rows", |s| {
        s.contains("\x1b[32m+ ")
            && s.lines()
                .any(|l| l.trim_start_matches("\x1b[32m").starts_with("+ ") && l.contains("wv0"))
    });
    // A changed MTU: the cell in reverse video, the row marked ~.
    ns.ip(&["link", "set", "wv0", "mtu", "1400"]);
    let s = pane.wait_until("the highlighted MTU", |s| s.contains("\x1b[7m1400"));
    assert!(
        s.lines().any(|l| l.starts_with("~ ") && l.contains("wv0")),
        "{s}"
    );
    // q quits with status 0 and puts the terminal back: main screen, echo and canonical
    // input on, cursor shown.
    pane.tmux(&["send-keys", "-t", "w", "q"]);
    // The terminal settings are printed after the status line: wait for both.
    let s = pane.wait_until("the exit and the terminal settings", |s| {
        // stty lists icanon before echo: the echo line (either way) is the last to come.
        s.contains("[exited 0]") && s.lines().any(|l| matches!(l.trim(), "echo" | "-echo"))
    });
    let after: Vec<&str> = s.lines().map(str::trim).collect();
    assert!(after.contains(&"echo") && after.contains(&"icanon"), "{s}");
    assert!(!s.contains("netpry watch table"), "{s}");
    assert_eq!(
        pane.tmux(&["display", "-p", "-t", "w", "#{alternate_on} #{cursor_flag}"])
            .trim(),
        "0 1"
    );
}

/// A listener on `port` that forks: the parent (the owner, lowest pid) and the child both
/// hold it. Prints "PARENT CHILD" and waits; the child exits on its own after a minute.
const FORKED_LISTENER: &str = r#"
import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
child = os.fork()
if child == 0:
    time.sleep(60)
    os._exit(0)
print(os.getpid(), child, flush=True)
time.sleep(60)
"#;

/// The events of `w` about the socket on local port `port`.
fn events_on(w: &Watcher, port: i64) -> Vec<Json> {
    w.events()
        .into_iter()
        .filter(|e| e["row"]["local_port"] == port)
        .collect()
}

/// Waits until `ok` holds for the events of `w` about `port` (at most 15 s).
fn wait_events(w: &Watcher, port: i64, ok: impl Fn(&[Json]) -> bool) -> Vec<Json> {
    let start = Instant::now();
    loop {
        let ev = events_on(w, port);
        if ok(&ev) {
            return ev;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "events on port {port}: {ev:#?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn owners_kept_between_intervals_stay_right_for_new_and_exiting_processes() {
    if !root_or_skip("owners_kept_between_intervals_stay_right_for_new_and_exiting_processes") {
        return;
    }
    let mut ns = Netns::new("watchown");
    // A steady listener, so that the owner map is kept from the start.
    ns.spawn_python(
        "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',6000))\ns.listen()\nprint('ready',flush=True)\ntime.sleep(60)",
        &[],
    );
    let w = Watcher::start(
        &ns,
        &[
            "watch",
            "-n",
            "0.3",
            "table",
            "sockets",
            "-c",
            "state,local_port,pid,process",
        ],
    );
    w.wait_initial();
    settle(1.0);

    // A new process's socket: its owner in the interval it first appears.
    let pid = ns.spawn_python(
        "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',6001))\ns.listen()\nprint('ready',flush=True)\ntime.sleep(60)",
        &[],
    );
    let ev = wait_events(&w, 6001, |e| !e.is_empty());
    assert_eq!(ev[0]["action"], "added", "{ev:#?}");
    assert_eq!(ev[0]["row"]["pid"], pid, "{ev:#?}");
    assert_eq!(ev[0]["row"]["process"], "python3", "{ev:#?}");

    // The owner exits while its child still holds the socket: the child owns it from the
    // next interval on (the kept map notices the process is gone).
    let mut forked = ns
        .command("python3", &["-u", "-c", FORKED_LISTENER, "6002"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(forked.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pids: Vec<u32> = line
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    let (parent, child) = (pids[0], pids[1]);
    // The child is not ours to wait for: it is killed by pid when the test ends, however it ends.
    struct KillOnDrop(u32);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = Command::new("kill").arg(self.0.to_string()).status();
        }
    }
    let child_guard = KillOnDrop(child);
    let ev = wait_events(&w, 6002, |e| !e.is_empty());
    assert_eq!(ev[0]["action"], "added", "{ev:#?}");
    assert_eq!(ev[0]["row"]["pid"], parent.min(child), "{ev:#?}");
    forked.kill().unwrap();
    forked.wait().unwrap();
    let ev = wait_events(&w, 6002, |e| e.len() >= 2);
    drop(child_guard);
    assert_eq!(ev[1]["action"], "changed", "{ev:#?}");
    assert_eq!(ev[1]["changed"]["pid"]["new"], child, "{ev:#?}");
    assert_eq!(ev.len(), 2, "{ev:#?}");
    // The steady listener never changed.
    assert_eq!(events_on(&w, 6000).len(), 1);
}

#[test]
fn a_watch_over_unchanging_sockets_scans_proc_once() {
    if !root_or_skip("a_watch_over_unchanging_sockets_scans_proc_once") {
        return;
    }
    let mut ns = Netns::new("watchscan");
    ns.spawn_python(
        "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',6000))\ns.listen()\nprint('ready',flush=True)\ntime.sleep(60)",
        &[],
    );
    let bin = netpry_bin();
    let out = ns
        .command(
            bin.to_str().unwrap(),
            &["watch", "-n", "0.2", "--count", "5", "table", "sockets"],
        )
        .env("NETPRY_DEBUG_STATS", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let out = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains(r#""process":"python3""#), "{out}");
    assert!(err.contains("owner_scans=1 "), "{err}");
    assert_eq!(err.matches("netpry-stats: interval").count(), 5, "{err}");
    // A watched whole table reads every cell: tcp_info comes with each interval's one dump,
    // not from a second dump when the comparison first reads it.
    assert!(
        err.contains("tcp_info_dumps=5 socket_collections=5"),
        "{err}"
    );
}

#[test]
fn a_watch_over_every_namespace_tells_their_rows_apart() {
    if !root_or_skip("a_watch_over_every_namespace_tells_their_rows_apart") {
        return;
    }
    use std::os::unix::fs::MetadataExt;
    let (a, b) = (Netns::new("wallA"), Netns::new("wallB"));
    let inode = |ns: &Netns| {
        std::fs::metadata(format!("/run/netns/{}", ns.name))
            .unwrap()
            .ino()
    };
    let (ia, ib) = (inode(&a), inode(&b));
    // From the host, over every namespace: the two loopbacks have index 1 each.
    let mut child = Command::new(netpry_bin())
        .args(["--all-netns", "--format", "json", "watch", "-n", "0.3"])
        .args(["table", "interfaces", "-c", "mtu"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::<Json>::new()));
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(serde_json::from_str(&l).unwrap());
        }
    });
    struct Kill(Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _child = Kill(child);
    let of = |ev: &[Json], ns: u64, initial: bool| -> Vec<Json> {
        ev.iter()
            .filter(|e| e["netns"] == ns && e["initial"] == initial && e["key"]["netns"] == ns)
            .cloned()
            .collect()
    };
    let start = Instant::now();
    let wait = |what: &str, ok: &dyn Fn(&[Json]) -> bool| loop {
        if ok(&lines.lock().unwrap()) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no {what}");
        std::thread::sleep(Duration::from_millis(50));
    };
    wait("initial set", &|ev| {
        !of(ev, ia, true).is_empty() && !of(ev, ib, true).is_empty()
    });
    run_ok(&["ip", "-n", &b.name, "link", "set", "lo", "mtu", "1400"]);
    wait("change in B", &|ev| !of(ev, ib, false).is_empty());
    std::thread::sleep(Duration::from_millis(700));
    let ev = lines.lock().unwrap().clone();
    let changed = of(&ev, ib, false);
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0]["action"], "changed");
    assert_eq!(changed[0]["key"]["index"], 1);
    assert_eq!(
        changed[0]["changed"]["mtu"],
        serde_json::json!({"old": 65536, "new": 1400})
    );
    assert!(of(&ev, ia, false).is_empty(), "A did not change");
}

/// Runs a command that must succeed.
fn run_ok(argv: &[&str]) {
    let st = Command::new(argv[0]).args(&argv[1..]).status().unwrap();
    assert!(st.success(), "{argv:?}");
}
