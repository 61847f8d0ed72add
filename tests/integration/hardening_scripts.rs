//! Issue 15, scripts: one call cannot get past the memory limit (a join, nested `pad`,
//! `replace`), `print` stops on a closed pipe, and errors quote hostile text escaped and
//! bounded.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use super::hardening_files::{wait_at_most, write_file};
use crate::support::netpry;

/// Runs `netpry [--snapshot SNAP] -e SCRIPT` with a 3 GB address-space cap (a request for more
/// aborts instead of swapping the test machine) and at most 30 s.
fn script(snapshot: Option<&str>, source: &str) -> (i32, String, String) {
    let mut c = std::process::Command::new("prlimit");
    c.arg("--as=3000000000").arg(crate::support::netpry_bin());
    if let Some(s) = snapshot {
        c.args(["--snapshot", s]);
    }
    let child = c
        .args(["-e", source])
        .env("XDG_CONFIG_HOME", "/nonexistent-netpry-test")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run prlimit");
    wait_at_most(child, 30, source)
}

/// A snapshot of `n` sockets, all in the same state.
fn same_state_sockets(n: usize) -> String {
    let rows: Vec<serde_json::Value> = (0..n)
        .map(|i| serde_json::json!(["tcp", "inet", "LISTEN", "10.0.0.1", i % 65536, 0, 0]))
        .collect();
    serde_json::json!({
        "format": "netpry-snapshot", "version": 1, "host": "h", "kernel": "", "time": "",
        "tables": {"sockets": {"columns": [
            {"name": "proto", "type": "str"}, {"name": "family", "type": "str"},
            {"name": "state", "type": "str"}, {"name": "local_addr", "type": "ip"},
            {"name": "local_port", "type": "int"}, {"name": "recv_q", "type": "int"},
            {"name": "send_q", "type": "int"}], "rows": rows}},
        "errors": {}
    })
    .to_string()
}

#[test]
fn a_join_too_large_for_the_memory_limit_fails_before_it_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let snap = write_file(dir.path(), "s.json", same_state_sockets(10_000).as_bytes());
    let snap = snap.to_str().unwrap();
    let started = std::time::Instant::now();
    let (code, _, err) = script(Some(snap), r#"sockets().join(sockets(), "state").count()"#);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("100000000 rows") && err.contains("memory limit"),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    // A join that fits still runs.
    let (code, out, err) = script(
        Some(snap),
        r#"sockets().where(|s| s.local_port < 10).join(sockets(), "local_port").count()"#,
    );
    assert_eq!((code, out.trim()), (0, "10"), "{err}");
}

#[test]
fn single_fills_and_replacements_are_checked_before_they_are_made() {
    for src in [
        // Nested pad: every copy of the item is a deep copy of a million-element array.
        "let b = []; b.pad(1000000, 1); let a = []; a.pad(16000000, b); a.len()",
        // A replacement that multiplies a 16 MB string by 16 million.
        r#"let s = "a"; s.pad(16000000, "b"); let t = s; t.replace("b", s); t.len()"#,
        r#"let s = ""; s.pad(16000000, "ab"); let t = s; t.replace('a', s); t.len()"#,
    ] {
        let (code, _, err) = script(None, src);
        assert_eq!(code, 1, "{src}: {err}");
        assert!(err.contains("memory limit"), "{src}: {err}");
    }
    // Ordinary sizes are untouched.
    let (code, out, err) = script(None, r#"let s = "aXa"; s.replace("X", "yy"); s"#);
    assert_eq!((code, out.trim()), (0, "ayya"), "{err}");
}

#[test]
fn print_stops_the_script_when_the_pipe_closes() {
    let mut child = netpry()
        .args(["-e", r#"loop { print("tick"); sleep(1) }"#])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for _ in 0..2 {
        assert_eq!(lines.next().unwrap().unwrap(), "tick");
    }
    drop(lines); // `| head -2`
    let (code, _, err) = wait_at_most(child, 10, "print after head -2");
    assert_eq!(code, 0, "a closed pipe is not an error: {err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn debug_stops_the_script_when_stderr_closes() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = netpry()
        .args(["-e", r#"loop { debug("tick"); sleep(0.1) }"#])
        .stdout(Stdio::piped())
        .stderr(writer)
        .spawn()
        .unwrap();
    let (code, _, _) = wait_at_most(child, 10, "debug into a closed pipe");
    assert_eq!(code, 0);
}

#[test]
fn a_syntax_error_on_a_huge_line_quotes_a_short_escaped_excerpt() {
    let dir = tempfile::tempdir().unwrap();
    let mut line = b"let x = [".to_vec();
    line.extend(std::iter::repeat_n(b"1, ".as_slice(), 330_000).flatten());
    line.extend_from_slice(b"\0\x1b[2J 2];\n");
    let path = write_file(dir.path(), "huge.rhai", &line);
    let out = netpry().arg(&path).output().unwrap();
    let (code, _, err) = crate::support::decode(out);
    assert_eq!(code, 1, "{}", &err[..err.len().min(500)]);
    assert!(err.len() < 2000, "{} bytes of error", err.len());
    assert!(!err.contains('\0') && !err.contains('\u{1b}'), "{err:?}");
    assert!(err.contains("..."), "{err}");
}

#[test]
fn script_errors_quote_hostile_values_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let doc = serde_json::json!({
        "format": "netpry-snapshot", "version": 1, "host": "h", "kernel": "", "time": "",
        "tables": {"sockets": {"columns": [{"name": "path", "type": "str"}],
            "rows": [["\u{1b}]0;pwned\u{7}\u{1b}[2J"]]}},
        "errors": {}
    });
    let snap = write_file(dir.path(), "h.json", doc.to_string().as_bytes());
    let (code, _, err) = script(Some(snap.to_str().unwrap()), "table(sockets()[0].path)");
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("\\x1b]0;pwned\\x07"), "{err}");
}
