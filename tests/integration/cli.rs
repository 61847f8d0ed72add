//! Command-line behaviour: listing tables and schemas, formats, usage errors and exit codes.

use crate::support::{netpry, run};

#[test]
fn tables_lists_every_registered_table() {
    let (code, out, _) = run(&["tables", "--format", "csv"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "sockets",
            "processes",
            "interfaces",
            "addresses",
            "routes",
            "neighbours",
            "multicast",
            "stats",
            "sysctls"
        ]
    );
}

#[test]
fn schema_shows_types_and_descriptions() {
    let (code, out, _) = run(&["schema", "interfaces", "--format", "csv"]);
    assert_eq!(code, 0);
    assert!(out.contains("mtu,int,"), "{out}");
    assert!(out.contains("rx_bytes,int,Bytes received"), "{out}");
}

#[test]
fn unknown_table_and_column_are_usage_errors() {
    let (code, _, err) = run(&["table", "sockts"]);
    assert_eq!(code, 2);
    assert!(err.contains("no table 'sockts'"), "{err}");
    let (code, _, err) = run(&["table", "interfaces", "-c", "nme"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no column 'nme' in interfaces; did you mean 'name'?"),
        "{err}"
    );
    let (code, _, _) = run(&["--bogus"]);
    assert_eq!(code, 2);
}

#[test]
fn json_output_parses_and_keeps_types() {
    let (code, out, err) = run(&["table", "interfaces", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let lo = rows
        .iter()
        .find(|r| r["name"] == "lo")
        .expect("lo is always there");
    assert!(lo["mtu"].is_i64());
    assert!(lo["index"].is_i64());
}

#[test]
fn closed_stdout_pipe_is_not_an_error() {
    use std::process::Stdio;
    let mut child = netpry()
        .args(["table", "interfaces", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
