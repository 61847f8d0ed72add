//! Scripts through the real binary: `-e`, script files (with a `#!` line), saved scripts and
//! `run --list`, output formats, exit statuses, error excerpts, Ctrl-C, and `route_get` against
//! a live namespace.

use std::time::{Duration, Instant};

use crate::support::{Netns, netpry, root_or_skip, run};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/script.json");

fn snap(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--snapshot", FIXTURE];
    all.extend_from_slice(args);
    run(&all)
}

#[test]
fn eval_prints_tables_and_scalars() {
    let (code, out, err) = snap(&["-e", r#"sockets().where(|s| s.state == "LISTEN").count()"#]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "4\n", ""));
    let (code, out, _) = snap(&["-e", r#"processes().select(["pid", "name"]).limit(2)"#]);
    assert_eq!(code, 0);
    assert!(out.contains("│ pid │ name    │"), "{out}");
    assert!(out.contains("│   1 │ systemd │"), "{out}");
}

#[test]
fn formats_json_csv_plain() {
    let script = r#"sockets().where(|s| s.proto == "tcp" && s.state == "ESTABLISHED").select(["local_port", "remote_addr", "rtt_ms", "user"])"#;
    let (code, out, _) = snap(&["--format", "json", "-e", script]);
    assert_eq!(code, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).expect("JSON parses");
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0],
        serde_json::json!({"local_port": 22, "remote_addr": "10.0.0.9", "rtt_ms": 1.5, "user": "root"})
    );
    assert!(rows[0]["local_port"].is_i64() && rows[0]["rtt_ms"].is_f64());
    let (_, out, _) = snap(&["--format", "csv", "-e", script]);
    assert_eq!(
        out.lines().next(),
        Some("local_port,remote_addr,rtt_ms,user")
    );
    assert_eq!(out.lines().nth(2), Some("22,10.0.0.10,20.25,root"));
    let (_, out, _) = snap(&["--format", "plain", "-e", script]);
    assert_eq!(out.lines().next(), Some("22\t10.0.0.9\t1.5\troot"));
    let (_, out, _) = snap(&["--format", "json", "-e", "[1, 2.5, \"x\", true]"]);
    assert_eq!(out.trim(), "[1,2.5,\"x\",true]");
}

#[test]
fn errors_show_a_caret_and_exit_1() {
    let (code, out, err) = snap(&["-e", "sockets()\n  .where(|s| s.stat == \"LISTEN\")"]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert_eq!(
        err,
        "netpry: <expr>:2:15: no column 'stat' in sockets; did you mean 'state'?\n  |\n2 |   .where(|s| s.stat == \"LISTEN\")\n  |               ^\n"
    );
    let (code, _, err) = snap(&["-e", "sockets(.count()"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("netpry: <expr>:1:"), "{err}");
    assert!(err.contains("\n1 | sockets(.count()\n"), "{err}");
    let (code, _, err) = snap(&["-e", "sockts()"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no table or function 'sockts'; did you mean 'sockets'?"),
        "{err}"
    );
}

#[test]
fn errors_at_the_end_of_the_input_show_the_last_line() {
    let source = "let a=1;\nnosuch(\n";
    let excerpt = "2:8: Expecting ')' to close the arguments list of this function call 'nosuch'\n  |\n2 | nosuch(\n  |        ^\n";
    let (code, _, err) = snap(&["-e", source]);
    assert_eq!((code, err), (1, format!("netpry: <expr>:{excerpt}")));
    let file = std::env::temp_dir().join(format!("netpry-eof-{}.rhai", std::process::id()));
    std::fs::write(&file, source).expect("write the script");
    let (code, _, err) = run(&[file.to_str().expect("utf-8 path")]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(
        (code, err),
        (1, format!("netpry: {}:{excerpt}", file.display()))
    );
    let mut child = netpry()
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start netpry");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(source.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for netpry");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("netpry: <stdin>:{excerpt}")
    );
}

#[test]
fn fail_and_exit_with_set_the_status() {
    let (code, out, err) = snap(&[
        "-e",
        r#"if sockets().count() > 5 { fail("too many sockets") }"#,
    ]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (1, "", "netpry: too many sockets\n")
    );
    let (code, out, err) = snap(&["-e", r#"exit_with(2, "CRITICAL: 1 socket in TIME-WAIT")"#]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (2, "CRITICAL: 1 socket in TIME-WAIT\n", "")
    );
    let (code, _, _) = snap(&["-e", r#"exit_with(0, "OK")"#]);
    assert_eq!(code, 0);
}

#[test]
fn usage_errors_exit_2() {
    // A command word after -e is ambiguous: arguments go after `--`.
    let (code, _, err) = run(&["-e", "1", "tables"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("-e runs the script it is given: put the script's arguments after `--`"),
        "{err}"
    );
    let (code, out, _) = run(&["-e", "args", "--", "tables", "-x"]);
    assert_eq!((code, out.as_str()), (0, "tables\n-x\n"));
    let (code, _, err) = run(&["frobnicate"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown command 'frobnicate' (see `netpry --help`"),
        "{err}"
    );
    let (code, _, err) = run(&["tabless"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown command 'tabless'; did you mean 'tables'? (see"),
        "{err}"
    );
    let (code, _, err) = run(&["/nonexistent/x.rhai"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot read script /nonexistent/x.rhai"),
        "{err}"
    );
    let (code, _, err) = run(&["run", "no-such-script"]);
    assert_eq!(code, 2);
    assert!(err.contains("no saved script 'no-such-script'"), "{err}");
    let (code, _, err) = run(&["--snapshot", "/nonexistent.json", "-e", "1"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn script_files_with_shebang_and_args() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ports.rhai");
    std::fs::write(
        &path,
        "#!/usr/bin/env netpry\n// Local ports of one process\nsockets().where(|s| s.process == args[0]).column(\"local_port\")\n",
    )
    .unwrap();
    let (code, out, err) = snap(&[path.to_str().unwrap(), "sshd"]);
    assert_eq!((code, out.as_str()), (0, "22\n22\n22\n22\n"), "{err}");
    // Executed directly through the #! line (env finds netpry on PATH).
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin_dir = crate::support::netpry_bin().parent().unwrap().to_path_buf();
    let out = std::process::Command::new(&path)
        .arg("curl")
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
        .env("XDG_CONFIG_HOME", "/nonexistent-netpry-test")
        .output()
        .unwrap();
    // Without --snapshot this reads the live kernel; only the exit status and error-free run matter.
    assert!(out.status.code().is_some(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("<expr>") && !err.contains("unknown command"),
        "{err}"
    );
}

#[test]
fn saved_scripts_list_run_and_user_overrides() {
    let (code, out, _) = run(&["run", "--list", "--format", "csv"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("name,origin,description\n"), "{out}");
    assert!(
        out.contains(
            "listening,built-in,Listening TCP and UDP sockets with the process that owns each"
        ),
        "{out}"
    );
    let (code, out, err) = snap(&["run", "listening", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().next(),
        Some("proto,local_addr,local_port,pid,process,user")
    );
    let (_, out, _) = snap(&["--format", "csv", "run", "listening", "8080"]);
    assert_eq!(out.lines().count(), 2, "{out}");

    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("netpry/scripts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("mine.rhai"), "// My check\nprocesses().count()\n").unwrap();
    std::fs::write(dir.join("listening.rhai"), "// Overridden\n\"mine\"\n").unwrap();
    let with_home = |args: &[&str]| {
        let mut c = netpry();
        c.env("XDG_CONFIG_HOME", home.path())
            .args(["--snapshot", FIXTURE])
            .args(args);
        crate::support::decode(c.output().unwrap())
    };
    let (_, out, _) = with_home(&["run", "--list", "--format", "csv"]);
    assert!(out.contains("mine,") && out.contains(",My check"), "{out}");
    assert!(out.contains(",Overridden"), "{out}");
    assert_eq!(with_home(&["run", "mine"]).1, "5\n");
    assert_eq!(with_home(&["run", "listening"]).1, "mine\n");
}

#[test]
fn builtin_scripts_run_on_the_fixture() {
    let (_, list, _) = run(&["run", "--list", "--format", "csv"]);
    let names: Vec<&str> = list
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    assert!(names.len() >= 7, "{names:?}");
    for name in names {
        // A script may end with fail() or exit_with(), never with an error in its code.
        let (code, _, err) = snap(&["run", name]);
        assert!(
            !err.contains(&format!("{name}:")),
            "{name}: exit {code}: {err}"
        );
    }
}

#[test]
fn builtin_diagnostics_give_answers_and_statuses() {
    let (code, out, _) = snap(&["--format", "csv", "run", "port-owner", "8080"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "proto,state,local_addr,local_port,pid,process,user,cmdline\ntcp,LISTEN,127.0.0.1,8080,200,python3,alice,python3 -m http.server 8080\n"
    );
    let (code, _, err) = snap(&["run", "port-owner"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "netpry: usage: netpry run port-owner PORT\n")
    );
    let (code, out, _) = snap(&["run", "close-wait"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "OK: 0 sockets in CLOSE_WAIT, none over 10 per process\n")
    );
    let (code, out, err) = snap(&["--format", "csv", "run", "interface-errors"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "name,state,rx_errors,tx_errors,rx_dropped,tx_dropped\neth0,UP,0,0,12,0\n"
    );
    assert_eq!(
        err,
        "netpry: 1 interface(s) with errors or drops: [\"eth0\"]\n"
    );
    let (code, out, _) = snap(&["--format", "csv", "run", "retransmits"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.lines()
            .map(|l| l.split(',').nth(2).unwrap_or(""))
            .collect::<Vec<_>>(),
        ["remote_addr", "10.0.0.10", "93.184.216.34"]
    );
    let (code, out, _) = snap(&["--format", "csv", "run", "slow-connections", "10"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.lines()
            .map(|l| l.split(',').nth(4).unwrap_or(""))
            .collect::<Vec<_>>(),
        ["rtt_ms", "80", "20.25"]
    );
    // The fixture has no neighbours: no gateway is resolved.
    let (code, out, err) = snap(&["--format", "csv", "run", "default-route"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("inet,192.168.1.1,eth0,100,UP,,gateway 192.168.1.1 has no neighbour entry"),
        "{out}"
    );
    assert!(err.contains("3 of 3 default route(s) broken"), "{err}");
    let (code, out, _) = snap(&["--format", "csv", "run", "remote-hosts"]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "remote_addr,count\n10.0.0.9,1\n10.0.0.10,1\n93.184.216.34,1\n"
        )
    );
}

#[test]
fn notes_go_to_stderr_once() {
    let (code, out, err) = snap(&["-e", "neighbours().count() + neighbours().count()"]);
    assert_eq!((code, out.as_str()), (0, "0\n"));
    assert_eq!(
        err,
        "netpry: note: neighbours: not collected in this fixture; showing no rows\n"
    );
}

#[test]
fn a_known_column_left_out_is_not_called_unknown() {
    let (code, _, err) = snap(&[
        "-e",
        r#"sockets().select(["proto"]).where(|s| s["pro" + "cess"] == "x").count()"#,
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("column 'process' is not in this sockets table") && !err.contains("no column"),
        "{err}"
    );
}

#[test]
fn sandbox_from_the_command_line() {
    for (script, msg) in [
        (
            r#"open("/etc/passwd")"#,
            "scripts cannot read files or run programs",
        ),
        (r#"eval("1")"#, "eval is disabled"),
        (r#"import "x" as x;"#, "import is not allowed"),
        (
            r#"let s = "x"; loop { s += s }"#,
            "MiB of memory (the limit)",
        ),
        ("let a = []; loop { a.push(1) }", "operations (the limit)"),
    ] {
        let (code, _, err) = run(&["-e", script]);
        assert_eq!(code, 1, "{script}");
        assert!(err.contains(msg), "{script}: {err}");
    }
}

#[test]
fn ctrl_c_interrupts_a_running_script() {
    let child = netpry()
        .args(["-e", "loop { }"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    let ok = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "took {:?}",
        sent.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "netpry: <expr>: interrupted\n"
    );
}

/// Spawns netpry with `args` (stdout and stderr piped), waits for its first line of output,
/// sends SIGINT and returns how long it took to end after the signal and its output.
fn interrupt_after_first_line(args: &[&str]) -> (Duration, std::process::Output) {
    use std::io::BufRead;
    let mut child = netpry()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(!first.is_empty(), "{args:?} printed nothing");
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    let ok = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut stdout, &mut rest).unwrap();
    let mut out = child.wait_with_output().unwrap();
    let mut all = first.into_bytes();
    all.extend(rest);
    out.stdout = all;
    (sent.elapsed(), out)
}

#[test]
fn ctrl_c_ends_a_watch_cleanly() {
    // Between collections (one every 10 s): the one Ctrl-C flag ends the loop with status 0.
    let (took, out) = interrupt_after_first_line(&["watch", "-n", "10", "table", "interfaces"]);
    assert!(took < Duration::from_secs(3), "took {took:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
    assert!(out.stdout.ends_with(b"\n"), "events end with whole lines");
}

#[test]
fn ctrl_c_ends_netstat_c_as_net_tools_does() {
    // net-tools installs no handler: SIGINT ends `netstat -c` at once, after whole passes.
    use std::os::unix::process::ExitStatusExt;
    let (took, out) = interrupt_after_first_line(&["netstat", "-c", "-r", "-n"]);
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_eq!(out.status.signal(), Some(libc::SIGINT));
    assert!(out.stdout.ends_with(b"\n"), "passes are flushed whole");
}

#[test]
fn ctrl_c_interrupts_sleep() {
    let child = netpry()
        .args(["-e", "sleep(60)"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(sent.elapsed() < Duration::from_secs(2));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
}

#[test]
fn print_and_show_write_in_order() {
    let (code, out, _) = snap(&[
        "--format",
        "csv",
        "-e",
        r#"print("a"); processes().select("pid").limit(1).show(); print("b"); 7"#,
    ]);
    assert_eq!((code, out.as_str()), (0, "a\npid\n1\nb\n7\n"));
}

#[test]
fn route_get_asks_the_kernel_in_a_namespace() {
    if !root_or_skip("route_get_asks_the_kernel_in_a_namespace") {
        return;
    }
    let ns = Netns::new("scr");
    ns.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ns.ip(&["link", "set", "d0", "up"]);
    ns.ip(&["link", "set", "d1", "up"]);
    ns.ip(&["addr", "add", "10.9.0.1/24", "dev", "d0"]);
    ns.ip(&["route", "add", "default", "via", "10.9.0.254", "dev", "d0"]);
    ns.ip(&[
        "route",
        "add",
        "172.16.0.0/12",
        "via",
        "10.9.0.2",
        "dev",
        "d0",
    ]);
    let (code, out, err) = ns.netpry(&[
        "--format",
        "json",
        "-e",
        r#"[route_get("172.20.1.1"), route_get("8.8.8.8"), route_get("10.9.0.7")].map(|r| #{gw: r.gateway, dev: r.dev, src: r.prefsrc, source: r.source})"#,
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let expect = |dst: &str| {
        let j = ns.ip_json(&["route", "get", dst]);
        (
            j[0]["gateway"].clone(),
            j[0]["dev"].clone(),
            j[0]["prefsrc"].clone(),
        )
    };
    for (i, dst) in ["172.20.1.1", "8.8.8.8", "10.9.0.7"].iter().enumerate() {
        let (gw, dev, src) = expect(dst);
        let gw = if gw.is_null() {
            serde_json::Value::Null
        } else {
            gw
        };
        assert_eq!(v[i]["gw"], gw, "{dst}: {out}");
        assert_eq!(v[i]["dev"], dev, "{dst}");
        assert_eq!(v[i]["src"], src, "{dst}");
        assert_eq!(v[i]["source"], "kernel");
    }
}

#[test]
fn route_get_of_refusing_routes_gives_a_row_live_and_from_a_snapshot() {
    if !root_or_skip("route_get_of_refusing_routes_gives_a_row_live_and_from_a_snapshot") {
        return;
    }
    let ns = Netns::new("scr2");
    ns.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ns.ip(&["link", "set", "d0", "up"]);
    ns.ip(&["link", "set", "d1", "up"]);
    ns.ip(&["addr", "add", "10.9.0.1/24", "dev", "d0"]);
    for kind in ["blackhole", "unreachable", "prohibit"] {
        let net = match kind {
            "blackhole" => "10.66.1.0/24",
            "unreachable" => "10.66.2.0/24",
            _ => "10.66.3.0/24",
        };
        ns.ip(&["route", "add", kind, net]);
    }
    let script = r#"["10.66.1.1", "10.66.2.1", "10.66.3.1", "10.9.0.7"].map(|a| { let r = route_get(a); `${r.type} ${r.dev} ${r.dst}` })"#;
    let (code, live, err) = ns.netpry(&["-e", script]);
    assert_eq!((code, err.as_str()), (0, ""));
    let want =
        "blackhole  10.66.1.1\nunreachable  10.66.2.1\nprohibit  10.66.3.1\nunicast d0 10.9.0.7";
    assert_eq!(
        live.split('\n')
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
        want,
        "{live}"
    );
    let file = std::env::temp_dir().join(format!("netpry-refused-{}.json", std::process::id()));
    let path = file.to_str().expect("utf-8 path");
    let (code, _, err) = ns.netpry(&["snapshot", "-o", path]);
    assert_eq!(code, 0, "{err}");
    let (code, snap, err) = run(&["--snapshot", path, "-e", script]);
    let _ = std::fs::remove_file(&file);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(snap, live);
}

#[test]
fn one_huge_fill_is_refused_not_attempted() {
    for script in [
        r#"let s = "x"; s.pad(100000000000, "y"); s.len()"#,
        "let a = []; a.pad(100000000000, 1); a.len()",
        "blob(100000000000).len()",
    ] {
        let started = std::time::Instant::now();
        let (code, _, err) = run(&["-e", script]);
        assert_eq!(code, 1, "{script}: {err}");
        assert!(
            err.contains("over the sandbox limit of 16777216"),
            "{script}: {err}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{script}"
        );
    }
    // Ordinary padding still works.
    let (code, out, err) = run(&["-e", r#"let s = "ab"; s.pad(5, "xy"); s"#]);
    assert_eq!((code, out.trim()), (0, "abxyx"), "{err}");
}

#[test]
fn run_takes_a_script_file_path_like_the_repl() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answer.rhai");
    std::fs::write(&path, "// answer\nlet n = args.int_arg(0, 1); n * 42").unwrap();
    let p = path.to_str().unwrap();
    let (code, out, err) = snap(&["run", p, "2"]);
    assert_eq!((code, out.trim(), err.as_str()), (0, "84", ""));
    let (code, _, err) = snap(&["run", "./no-such-script.rhai"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot read script ./no-such-script.rhai"),
        "{err}"
    );
}

#[test]
fn close_wait_names_unowned_sockets_in_words() {
    // The fixture with one socket turned into an unowned CLOSE_WAIT.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    let t = &mut doc["tables"]["sockets"];
    let col = |t: &serde_json::Value, name: &str| {
        t["columns"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c["name"] == name)
            .unwrap()
    };
    let (state, pid, process) = (col(t, "state"), col(t, "pid"), col(t, "process"));
    let row = &mut t["rows"][0];
    row[state] = "CLOSE_WAIT".into();
    row[pid] = serde_json::Value::Null;
    row[process] = serde_json::Value::Null;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("cw.json");
    std::fs::write(&f, doc.to_string()).unwrap();
    let (code, _, err) = run(&["--snapshot", f.to_str().unwrap(), "run", "close-wait", "0"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("most: sockets without a visible owner with 1"),
        "{err}"
    );
}
