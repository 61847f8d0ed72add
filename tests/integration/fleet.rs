//! Fleets of snapshots (issue 14): unions over generated fleets checked against the generator's
//! own manifest, older snapshots in a union, duplicate hosts, netstat per host, standard
//! input/output and .gz round trips, and `netpry export` read back by DuckDB.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value as Json;

use crate::support::{decode, netpry, run};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> String {
    root()
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Runs benches/fleetgen.py: `count` hosts of about `sockets` sockets from the fixture
/// snapshot, every `older`-th one without the `user` and `process` columns; returns the
/// directory and the manifest.
fn generate(dir: &Path, count: usize, sockets: usize, gzip: bool, older: usize) -> (PathBuf, Json) {
    let out = dir.join("snaps");
    let manifest = dir.join("manifest.json");
    let mut c = Command::new("python3");
    c.arg(root().join("benches/fleetgen.py"))
        .args(["--base", &fixture("script.json")])
        .args(["--count", &count.to_string()])
        .args(["--sockets", &sockets.to_string()])
        .arg("--out")
        .arg(&out)
        .arg("--manifest")
        .arg(&manifest)
        .args(["--older-every", &older.to_string()])
        .args(["--older-columns", "user,process"]);
    if gzip {
        c.arg("--gzip");
    }
    let o = c.output().expect("python3 runs benches/fleetgen.py");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    (out, m)
}

/// `netpry --snapshot SPEC --format json -e SCRIPT` as JSON, and its stderr.
fn query(spec: &[&str], script: &str) -> (Json, String) {
    let mut args: Vec<&str> = Vec::new();
    for s in spec {
        args.extend(["--snapshot", s]);
    }
    args.extend(["--format", "json", "-e", script]);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{script}: {err}");
    (serde_json::from_str(&out).expect(&out), err)
}

/// `[{"K": k, "count": n}, ..]` as a map.
fn counts(rows: &Json, key: &str) -> BTreeMap<String, i64> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[key].as_str().unwrap().to_string(),
                r["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn manifest_counts(m: &Json) -> BTreeMap<String, i64> {
    m["hosts"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(h, v)| (h.clone(), v["sockets"].as_i64().unwrap()))
        .collect()
}

fn manifest_states(m: &Json) -> BTreeMap<String, i64> {
    m["states"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(s, n)| (s.clone(), n.as_i64().unwrap()))
        .collect()
}

#[test]
fn union_queries_over_a_generated_fleet_match_the_generator() {
    let dir = tempfile::tempdir().unwrap();
    let (snaps, m) = generate(dir.path(), 12, 80, true, 4);
    let pattern = format!("{}/*.json.gz", snaps.display());
    let spec = [pattern.as_str()];

    let (per_host, err) = query(&spec, r#"sockets().group_by("host").count()"#);
    assert_eq!(counts(&per_host, "host"), manifest_counts(&m));
    // Every 4th host was saved without `user` and `process`, which this query never reads
    // (only the columns a script uses are loaded): no note.
    assert!(!err.contains("note:"), "{err}");

    let (per_state, _) = query(&spec, r#"sockets().group_by("state").count()"#);
    assert_eq!(counts(&per_state, "state"), manifest_states(&m));

    // "Which hosts still listen on 23?"
    let (telnet, _) = query(
        &spec,
        r#"sockets().where(|s| s.state == "LISTEN" && s.local_port == 23).select(["host"])"#,
    );
    let got: Vec<&str> = telnet
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["host"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = m["hosts"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| v["listens_23"] == Json::Bool(true))
        .map(|(h, _)| h.as_str())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);

    // "Which nodes have the route to 10.0.0.0/8?" (every host but every 4th).
    let (with_route, _) = query(
        &spec,
        r#"routes().where(|r| r.dst == ip("10.0.0.0") && r.dst_len == 8).group_by("host").count()"#,
    );
    let want: BTreeMap<String, i64> = m["hosts"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| v["has_10_8"] == Json::Bool(true))
        .map(|(h, _)| (h.clone(), 1))
        .collect();
    assert_eq!(want.len(), 9);
    assert_eq!(counts(&with_route, "host"), want);

    // The older hosts' rows have those columns null, the others do not.
    let (code, out, err) = run(&[
        "--snapshot",
        &snaps.display().to_string(),
        "--format",
        "json",
        "table",
        "sockets",
        "-c",
        "host,snapshot_time,user",
    ]);
    assert_eq!(code, 0, "{err}");
    // One note names the older snapshots and what they lack.
    assert_eq!(err.matches("note:").count(), 1, "{err}");
    assert!(
        err.contains("sockets: 3 of 12 snapshots were saved without user (by an older netpry; hosts node-0003.fleet.example, node-0007.fleet.example, node-0011.fleet.example)"),
        "{err}"
    );
    let rows: Json = serde_json::from_str(&out).unwrap();
    let older = [
        "node-0003.fleet.example",
        "node-0007.fleet.example",
        "node-0011.fleet.example",
    ];
    let mut named: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows.as_array().unwrap() {
        let host = r["host"].as_str().unwrap();
        let time = r["snapshot_time"].as_str().unwrap();
        assert_eq!(time, m["hosts"][host]["time"].as_str().unwrap());
        *named.entry(host).or_default() += usize::from(!r["user"].is_null());
    }
    assert_eq!(named.len(), 12);
    for (host, n) in named {
        assert_eq!(
            n == 0,
            older.contains(&host),
            "{host}: {n} rows with a user"
        );
    }
}

#[test]
fn a_fleet_of_one_pattern_has_host_columns_and_one_file_does_not() {
    let one = fixture("script.json");
    let (code, out, err) = run(&["--snapshot", &one, "table", "sockets", "-c", "host"]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("no column 'host' in sockets"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&one, dir.path().join("a.json")).unwrap();
    let (rows, _) = query(
        &[&dir.path().display().to_string()],
        r#"sockets().group_by("host").count()"#,
    );
    assert_eq!(
        rows,
        serde_json::json!([{"host": "fixture-host", "count": 10}])
    );
}

#[test]
fn two_files_claiming_the_same_host_and_time_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("again.json");
    std::fs::copy(fixture("script.json"), &copy).unwrap();
    let (code, _, err) = run(&[
        "--snapshot",
        &fixture("script.json"),
        "--snapshot",
        &copy.display().to_string(),
        "-e",
        "sockets().len()",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("both claim host 'fixture-host' at 2026-11-28T12:00:00Z"),
        "{err}"
    );
    // Another time of the same host is fine.
    let (rows, _) = query(
        &[&fixture("script.json"), &fixture("script-later.json")],
        r#"sockets().group_by("snapshot_time").count()"#,
    );
    assert_eq!(rows.as_array().unwrap().len(), 2, "{rows}");
}

#[test]
fn patterns_that_match_nothing_and_empty_directories_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let pat = format!("{}/*.json.gz", dir.path().display());
    let (code, _, err) = run(&["--snapshot", &pat, "-e", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("no snapshot file matches"), "{err}");
    let (code, _, err) = run(&["--snapshot", &dir.path().display().to_string(), "-e", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("holds no snapshot"), "{err}");
}

#[test]
fn netstat_over_a_fleet_prints_each_hosts_output_after_a_header() {
    let a = fixture("script.json");
    let b = fixture("handout.json");
    let single = |f: &str| run(&["--snapshot", f, "netstat", "-tan"]).1;
    let (code, out, _) = run(&["--snapshot", &b, "--snapshot", &a, "netstat", "-tan"]);
    assert_eq!(code, 0);
    // In host order, whatever the order given.
    let want = format!(
        "\nhost: fixture-host\n{}\nhost: mac-handout\n{}",
        single(&a),
        single(&b)
    );
    assert_eq!(out, want);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// netpry with `args`, `input` on standard input; (status, stdout, stderr) with stdout as bytes.
fn piped(args: &[&str], input: &[u8]) -> (i32, Vec<u8>, String) {
    let mut child = netpry()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let o = child.wait_with_output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        o.stdout,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn stdin_stdout_and_gz_round_trips_are_byte_identical() {
    let f = fixture("script.json");
    let o = netpry()
        .args(["--snapshot", &f, "snapshot", "-o", "-"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let doc = o.stdout;
    assert!(doc.starts_with(br#"{"format":"netpry-snapshot""#));

    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("host.json.gz");
    let (code, _, err) = decode(
        netpry()
            .args(["--snapshot", &f, "snapshot", "-o"])
            .arg(&gz)
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{err}");
    let written = std::fs::read(&gz).unwrap();
    assert_eq!(&written[..2], b"\x1f\x8b", "not gzip");
    assert_eq!(gunzip(&written), doc);

    // Read back: the .gz file, plain standard input, gzip on standard input.
    let (code, out, err) = piped(
        &[
            "--snapshot",
            &gz.display().to_string(),
            "snapshot",
            "-o",
            "-",
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, doc);
    let (code, out, err) = piped(&["--snapshot", "-", "snapshot", "-o", "-"], &doc);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, doc);
    let (code, out, err) = piped(&["--snapshot", "-", "snapshot", "-o", "-"], &gzip(&doc));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, doc);
    // Standard input in a fleet.
    let (code, out, err) = piped(
        &[
            "--snapshot",
            "-",
            "--snapshot",
            &fixture("handout.json"),
            "--format",
            "csv",
            "-e",
            r#"sockets().group_by("host").count()"#,
        ],
        &gzip(&doc),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "host,count\nfixture-host,10\nmac-handout,17\n"
    );
}

#[test]
fn a_gzip_bomb_stops_at_the_input_bound() {
    let doc = std::fs::read(fixture("script.json")).unwrap();
    let (code, _, err) = {
        let mut c = netpry();
        c.env("NETPRY_MAX_INPUT", "4K");
        let mut child = c
            .args(["--snapshot", "-", "-e", "1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // About 1 KiB compressed, 18 KiB decompressed.
        child.stdin.take().unwrap().write_all(&gzip(&doc)).unwrap();
        decode(child.wait_with_output().unwrap())
    };
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("decompresses to larger than the 4 KiB limit for snapshots"),
        "{err}"
    );
}

#[test]
fn snapshot_refuses_a_fleet() {
    let (code, _, err) = run(&[
        "--snapshot",
        &fixture("script.json"),
        "--snapshot",
        &fixture("handout.json"),
        "snapshot",
        "-o",
        "-",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("netpry export DIR"), "{err}");
}

/// Every file under `dir`, relative.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                todo.push(e.path());
            } else {
                out.push(
                    e.path()
                        .strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    out.sort();
    out
}

#[test]
fn export_partitions_by_table_and_host_and_sanitises_host_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc: Json =
        serde_json::from_slice(&std::fs::read(fixture("script.json")).unwrap()).unwrap();
    doc["host"] = Json::from("../../evil/\n\u{0}x");
    let snap = dir.path().join("hostile.json");
    std::fs::write(&snap, doc.to_string()).unwrap();
    let out = dir.path().join("out");
    let (code, _, err) = decode(
        netpry()
            .args(["--snapshot", &snap.display().to_string(), "export"])
            .arg(&out)
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("exported 45 rows from 1 snapshot"), "{err}");
    let listed = files(&out);
    assert!(!listed.is_empty());
    assert!(
        files(dir.path())
            .iter()
            .all(|f| f.starts_with("out/") || f == "hostile.json")
    );
    for f in &listed {
        let parts: Vec<&str> = f.split('/').collect();
        assert_eq!(parts.len(), 3, "{f}");
        assert!(parts[0].starts_with("table="), "{f}");
        assert!(parts[1].starts_with("host=_.__._evil___x~"), "{f}");
        assert!(!f.contains(".."), "{f}");
        assert_eq!(parts[2], "20261128T120000Z.ndjson");
        assert!(f.chars().all(|c| c.is_ascii_graphic()), "{f}");
    }
    let sockets = std::fs::read_to_string(
        out.join(
            listed
                .iter()
                .find(|f| f.starts_with("table=sockets/"))
                .unwrap(),
        ),
    )
    .unwrap();
    assert_eq!(sockets.lines().count(), 10);
    for line in sockets.lines() {
        let row: Json = serde_json::from_str(line).unwrap();
        // The real name stays inside the rows.
        assert_eq!(row["host"], "../../evil/\n\u{0}x");
        assert_eq!(row["snapshot_time"], "2026-11-28T12:00:00Z");
        assert!(row.get("netns").is_some());
        assert!(row["local_port"].is_i64() || row["local_port"].is_null());
    }
}

#[test]
fn export_of_the_live_host_writes_its_sockets() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live");
    let (code, _, err) = decode(netpry().arg("export").arg(&out).output().unwrap());
    assert_eq!(code, 0, "{err}");
    let listed = files(&out);
    assert!(
        listed.iter().any(|f| f.starts_with("table=sysctls/host=")),
        "{listed:?}"
    );
    // No progress bar when stderr is not a terminal: just the summary line (and notes).
    assert!(!err.contains("files  "), "{err}");
}

/// Whether DuckDB's Python package can be imported; in CI (NETPRY_REQUIRE_ROOT_TESTS=1, whose
/// .ci/run installs it) its absence is a failure, not a skip.
fn duckdb_or_skip(test: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return true;
    }
    if std::env::var("NETPRY_REQUIRE_ROOT_TESTS").as_deref() == Ok("1") {
        panic!("{test}: python3 cannot import duckdb (pip install duckdb; .ci/run does)");
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIP {test}: python3 cannot import duckdb (pip install duckdb)"
    );
    false
}

#[test]
fn duckdb_reading_the_export_agrees_with_netpry() {
    if !duckdb_or_skip("duckdb_reading_the_export_agrees_with_netpry") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (snaps, m) = generate(dir.path(), 10, 150, true, 3);
    let pattern = format!("{}/*.json.gz", snaps.display());
    let out = dir.path().join("export");
    let (code, _, err) = decode(
        netpry()
            .args(["--snapshot", &pattern, "export"])
            .arg(&out)
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{err}");
    let sql = r#"
import duckdb, json, sys
src = f"read_json('{sys.argv[1]}/table=sockets/*/*.ndjson', hive_partitioning = true, union_by_name = true)"
hosts = duckdb.sql(f"SELECT host, count(*) FROM {src} GROUP BY host ORDER BY host").fetchall()
states = duckdb.sql(f"SELECT state, count(*) FROM {src} GROUP BY state ORDER BY state").fetchall()
types = dict((r[0], r[1]) for r in duckdb.sql(f"DESCRIBE SELECT * FROM {src}").fetchall())
print(json.dumps({"hosts": dict(hosts), "states": dict(states), "types": types}))
"#;
    let o = Command::new("python3")
        .args(["-c", sql])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let duck: Json = serde_json::from_slice(&o.stdout).unwrap();
    let duck_map = |k: &str| -> BTreeMap<String, i64> {
        duck[k]
            .as_object()
            .unwrap()
            .iter()
            .map(|(h, n)| (h.clone(), n.as_i64().unwrap()))
            .collect()
    };
    let (per_host, _) = query(&[&pattern], r#"sockets().group_by("host").count()"#);
    let (per_state, _) = query(&[&pattern], r#"sockets().group_by("state").count()"#);
    assert_eq!(duck_map("hosts"), counts(&per_host, "host"));
    assert_eq!(duck_map("states"), counts(&per_state, "state"));
    // ... and both what the generator wrote.
    assert_eq!(duck_map("hosts"), manifest_counts(&m));
    assert_eq!(duck_map("states"), manifest_states(&m));
    // Stable types: integers stay integers, addresses text.
    assert_eq!(duck["types"]["local_port"], "BIGINT", "{}", duck["types"]);
    assert_eq!(duck["types"]["local_addr"], "VARCHAR");
    assert_eq!(duck["types"]["host"], "VARCHAR");
}

#[test]
fn the_shell_and_saved_scripts_run_unchanged_on_a_fleet() {
    let a = fixture("script.json");
    let b = fixture("handout.json");
    // The shell reading its script from standard input.
    let (code, out, err) = piped(
        &["--snapshot", &a, "--snapshot", &b, "--format", "csv"],
        b"sockets().group_by(\"host\").count()\n",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "host,count\nfixture-host,10\nmac-handout,17\n"
    );
    // A saved script sees the union: every listener of both hosts.
    let listeners = |spec: &[&str]| -> usize {
        let mut args: Vec<&str> = Vec::new();
        for s in spec {
            args.extend(["--snapshot", s]);
        }
        args.extend(["--format", "json", "run", "listening"]);
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        let rows: Json = serde_json::from_str(&out).unwrap();
        rows.as_array().unwrap().len()
    };
    let later = fixture("script-later.json");
    let (one, other) = (listeners(&[&a]), listeners(&[&later]));
    assert!(one > 0);
    assert_eq!(listeners(&[&a, &later]), one + other);
}

#[test]
fn progress_shows_on_a_terminal_only() {
    // util-linux `script` runs netpry on a pseudo-terminal (its stderr a terminal).
    if Command::new("script").arg("--version").output().is_err() {
        let _ = writeln!(std::io::stderr(), "SKIP progress test: no script(1)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (snaps, _) = generate(dir.path(), 6, 20, true, 0);
    let cmd = format!(
        "'{}' --snapshot '{}' -e 'sockets().len()' >/dev/null",
        crate::support::netpry_bin().display(),
        snaps.display()
    );
    let o = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{shown}");
    assert!(
        shown.contains("netpry: reading snapshot headers") && shown.contains("/6 files"),
        "{shown}"
    );
    assert!(
        shown.contains("files/s") && shown.contains("left"),
        "{shown}"
    );
    // Not a terminal: nothing but the result.
    let (code, _, err) = run(&[
        "--snapshot",
        &snaps.display().to_string(),
        "-e",
        "sockets().len()",
    ]);
    assert_eq!(code, 0);
    assert_eq!(err, "");
}

#[test]
fn the_fleet_benchmark_runs_in_miniature() {
    // benches/fleet.py end to end (a live base snapshot, generation, the timed commands) with
    // the debug binary on a tiny fleet; its times are printed, never judged here.
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new("python3")
        .arg(root().join("benches/fleet.py"))
        .arg("--netpry")
        .arg(crate::support::netpry_bin())
        .args(["--count", "4", "--sockets", "30", "--runs", "1", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for line in [
        "fleet: 4 snapshots",
        "query group_by(host).count()",
        "export ",
    ] {
        assert!(out.contains(line), "{out}");
    }
    let exported = files(&dir.path().join("export"));
    assert!(
        exported
            .iter()
            .any(|f| f.starts_with("table=sockets/host=node-0003")),
        "{exported:?}"
    );
}
