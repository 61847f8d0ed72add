//! Names that are not UTF-8 or hold terminal escapes, built for real in a namespace: a veth
//! named with the bytes `b\xff\xfe`, a process whose comm is `p\xff\e[31m`, UNIX sockets whose
//! abstract name and path hold invalid bytes and escapes. No row may vanish; netstat prints the
//! raw bytes exactly as net-tools does; table/plain/csv show them escaped; JSON and snapshots
//! keep them losslessly.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Stdio};

use crate::support::{Netns, netpry_bin, root_or_skip};

const NAME: &[u8] = b"b\xff\xfe";

/// The hostile process: renames itself, opens the sockets, prints "ready".
const HOSTILE: &str = r#"
import ctypes, socket, sys, time
ctypes.CDLL(None).prctl(15, ctypes.c_char_p(b"p\xff\x1b[31m"), 0, 0, 0)
u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
u.bind(b"\0ab\xff\x1b]0;pwn\x07")
u.listen(5)
p = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
p.bind(sys.argv[1].encode() + b"/np\xfe\x1b[2Jsock")
p.listen(1)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(b"\0ab\xff\x1b]0;pwn\x07")
a, _ = u.accept()
t = socket.socket()
t.bind(("127.0.0.1", 7777))
t.listen(5)
print("ready", flush=True)
time.sleep(600)
"#;

/// Runs `program args` in `ns` and returns (status, raw stdout, raw stderr).
fn raw(ns: &Netns, program: &OsStr, args: &[&OsStr]) -> (i32, Vec<u8>, Vec<u8>) {
    let out = Command::new("ip")
        .args([
            OsStr::new("netns"),
            OsStr::new("exec"),
            OsStr::new(&ns.name),
            program,
        ])
        .args(args)
        .env("LC_ALL", "C")
        .env("XDG_CONFIG_HOME", "/nonexistent-netpry-test")
        .stdin(Stdio::null())
        .output()
        .expect("run in namespace");
    (out.status.code().unwrap_or(-1), out.stdout, out.stderr)
}

fn netpry(ns: &Netns, args: &[&str]) -> (i32, Vec<u8>, Vec<u8>) {
    let bin = netpry_bin();
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    raw(ns, bin.as_os_str(), &args)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The namespace with the hostile names, and the hostile process's pid.
fn hostile_lab(dir: &std::path::Path) -> (Netns, u32) {
    let mut ns = Netns::new("names");
    let name = OsStr::from_bytes(NAME);
    let ip = |args: &[&OsStr]| {
        let st = Command::new("ip")
            .args([OsStr::new("-n"), OsStr::new(&ns.name)])
            .args(args)
            .status()
            .expect("ip");
        assert!(st.success(), "ip {args:?}");
    };
    let s = OsStr::new;
    ip(&[
        s("link"),
        s("add"),
        name,
        s("type"),
        s("veth"),
        s("peer"),
        s("name"),
        s("pb0"),
    ]);
    // No link-local addresses: nothing appears later (DAD) to change the routes compared.
    ip(&[s("link"), s("set"), name, s("addrgenmode"), s("none")]);
    ip(&[s("link"), s("set"), s("pb0"), s("addrgenmode"), s("none")]);
    ip(&[s("link"), s("set"), name, s("up")]);
    ip(&[s("link"), s("set"), s("pb0"), s("up")]);
    ip(&[s("addr"), s("add"), s("10.9.0.1/24"), s("dev"), name]);
    ip(&[
        s("-6"),
        s("addr"),
        s("add"),
        s("fd00::1/64"),
        s("dev"),
        name,
        s("nodad"),
    ]);
    let pid = ns.spawn_python(HOSTILE, &[dir.to_str().expect("utf-8 temp dir")]);
    (ns, pid)
}

#[test]
fn hostile_names_never_drop_rows_and_print_as_net_tools_does() {
    if !root_or_skip("hostile_names_never_drop_rows_and_print_as_net_tools_does") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (ns, pid) = hostile_lab(dir.path());

    // Linux netstat: byte for byte what net-tools prints, raw bytes included.
    let netstat = OsStr::new("/usr/bin/netstat");
    for args in [
        &["-i"][..],
        &["-ie"],
        &["-g"],
        &["-r", "-A", "inet6"],
        &["-rn"],
        &["-ren"],
        &["-xa"],
        &["-xap"],
        &["-xapee"],
        &["-tlnp"],
        &["-anp"],
    ] {
        let os_args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        // Counters move while the new links send their first packets: retry until they settle.
        let (mut ours, mut theirs);
        let mut tries = 0;
        loop {
            ours = netpry(&ns, &[&["netstat"][..], args].concat());
            theirs = raw(&ns, netstat, &os_args);
            tries += 1;
            if ours == theirs || tries == 8 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(700));
        }
        assert_eq!(
            (ours.0, show(&ours.1)),
            (theirs.0, show(&theirs.1)),
            "netstat {args:?}"
        );
        assert_eq!(ours.1, theirs.1, "netstat {args:?}: raw bytes");
    }
    // The name itself is printed raw, as the kernel holds it.
    let (_, out, _) = netpry(&ns, &["netstat", "-i"]);
    assert!(contains(&out, NAME), "{}", show(&out));

    // BSD netstat: the routing table reads /proc/net/ipv6_route, which holds the name.
    let (code, out, err) = netpry(&ns, &["netstat", "--bsd", "-rn"]);
    assert_eq!(code, 0, "{}", show(&err));
    assert!(contains(&out, b"fd00::/64"), "{}", show(&out));
    assert!(contains(&out, NAME), "{}", show(&out));

    // Tables: every row is there, names escaped visibly, no control byte reaches the terminal.
    for (args, want) in [
        (
            &["table", "interfaces", "-c", "name"][..],
            &b"b\\xff\\xfe"[..],
        ),
        (
            &["table", "multicast", "-c", "ifname", "--format", "csv"],
            b"b\\xff\\xfe",
        ),
        (
            &["table", "addresses", "-c", "ifname", "--format", "plain"],
            b"b\\xff\\xfe",
        ),
        (
            &[
                "-e",
                "sockets().select([\"path\", \"process\"])",
                "--format",
                "csv",
            ],
            b"@ab\\xff\\x1b]0;pwn\\x07,p\\xff\\x1b[31m",
        ),
        (
            &["-e", "sockets().select([\"path\"])", "--format", "plain"],
            b"/np\\xfe\\x1b[2Jsock",
        ),
        (
            &["-e", "processes().select([\"name\"])"],
            b"p\\xff\\x1b[31m",
        ),
    ] {
        let (code, out, err) = netpry(&ns, args);
        assert_eq!(code, 0, "{args:?}: {}", show(&err));
        assert!(contains(&out, want), "{args:?}:\n{}", show(&out));
        assert!(
            !out.iter().any(|&b| b == 0x1b || b == 0x07 || b >= 0xf5),
            "{args:?}: raw control or invalid byte in\n{}",
            show(&out)
        );
    }

    // The process keeps its row and its sockets keep their owner.
    let count = |script: &str| {
        let (code, out, err) = netpry(&ns, &["-e", script]);
        assert_eq!(code, 0, "{script}: {}", show(&err));
        show(&out).trim().to_string()
    };
    assert_eq!(
        count(&format!("processes().where(|p| p.pid == {pid}).count()")),
        "1"
    );
    assert_eq!(
        count(&format!("sockets().where(|s| s.pid == {pid}).count()")),
        "5"
    );
    assert_eq!(count("interfaces().count()"), "3");
    // Joins compare the bytes: the interface joins its addresses by name.
    assert_eq!(
        count(
            r#"interfaces().join(addresses(), "name", "ifname").where(|r| r.family == "inet").count()"#
        ),
        "2"
    );

    // JSON keeps the bytes (documented form), and a snapshot replays them exactly.
    let (_, out, _) = netpry(
        &ns,
        &["table", "interfaces", "-c", "name", "--format", "json"],
    );
    let rows: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
    assert!(
        rows.as_array()
            .expect("array")
            .iter()
            .any(|r| r["name"] == serde_json::json!({"bytes": "62fffe"})),
        "{rows}"
    );
    let snap = dir.path().join("names.json");
    let snap_s = snap.to_str().expect("utf-8 path");
    let (code, _, err) = netpry(&ns, &["snapshot", "-o", snap_s]);
    assert_eq!(code, 0, "{}", show(&err));
    for args in [&["-ie"][..], &["-g"], &["-r", "-A", "inet6"]] {
        if args == ["-ie"] {
            // Counters may have moved since the snapshot; the names are what is checked here.
            let replay = netpry(
                &ns,
                &[&["--snapshot", snap_s, "netstat"][..], args].concat(),
            );
            assert!(contains(&replay.1, NAME), "{}", show(&replay.1));
            continue;
        }
        // Route reference counts move while the new links join their multicast groups (seen:
        // ff00::/8 on pb0 going from Ref 3 to 4): take the snapshot again until they settle.
        let (mut live, mut replay);
        let mut tries = 0;
        loop {
            let (code, _, err) = netpry(&ns, &["snapshot", "-o", snap_s]);
            assert_eq!(code, 0, "{}", show(&err));
            replay = netpry(
                &ns,
                &[&["--snapshot", snap_s, "netstat"][..], args].concat(),
            );
            live = netpry(&ns, &[&["netstat"][..], args].concat());
            tries += 1;
            if live.1 == replay.1 || tries == 8 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(700));
        }
        assert_eq!(live.1, replay.1, "snapshot netstat {args:?}");
    }
    let replay = netpry(
        &ns,
        &["--snapshot", snap_s, "-e", "processes().select([\"name\"])"],
    );
    assert!(
        contains(&replay.1, b"p\\xff\\x1b[31m"),
        "{}",
        show(&replay.1)
    );
}
