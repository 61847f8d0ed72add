//! Snapshots: save, load, every table equal; every corrupt-file error is one line, exit 2.

use crate::support::{netpry, run};

fn tables_of(doc: &serde_json::Value) -> &serde_json::Map<String, serde_json::Value> {
    doc["tables"].as_object().expect("tables object")
}

#[test]
fn snapshot_round_trip_keeps_every_table() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a.json");
    let second = dir.path().join("b.json");
    let (code, _, err) = run(&["snapshot", "-o", first.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("snapshot written to"), "{err}");
    // Reading the snapshot and saving it again must reproduce every table exactly.
    let (code, _, err) = run(&[
        "--snapshot",
        first.to_str().unwrap(),
        "snapshot",
        "-o",
        second.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let a: serde_json::Value = serde_json::from_slice(&std::fs::read(&first).unwrap()).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&std::fs::read(&second).unwrap()).unwrap();
    assert_eq!(a["format"], "netpry-snapshot");
    assert_eq!(a["version"], 1);
    for key in ["host", "kernel", "time"] {
        assert!(
            a[key].as_str().is_some_and(|s| !s.is_empty()),
            "{key} missing"
        );
        assert_eq!(a[key], b[key], "{key} must be kept from the original");
    }
    assert_eq!(tables_of(&a), tables_of(&b));
    for name in [
        "sockets",
        "processes",
        "interfaces",
        "addresses",
        "routes",
        "rules",
        "neighbours",
        "stats",
        "sysctls",
    ] {
        assert!(
            tables_of(&a).contains_key(name),
            "snapshot lacks {name}: {:?}",
            a["errors"]
        );
    }
    // And each table read back through `table` equals the stored rows.
    for (name, stored) in tables_of(&a) {
        let (code, out, err) = run(&[
            "--snapshot",
            first.to_str().unwrap(),
            "table",
            name,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{name}: {err}");
        let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
        let cols: Vec<&str> = stored["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        let stored_rows = stored["rows"].as_array().unwrap();
        assert_eq!(rows.len(), stored_rows.len(), "{name}");
        for (obj, arr) in rows.iter().zip(stored_rows) {
            for (i, c) in cols.iter().enumerate() {
                assert_eq!(obj[c], arr[i], "{name}.{c}");
            }
        }
    }
}

#[test]
fn snapshot_to_stdout_is_one_json_document() {
    let (code, out, err) = run(&["snapshot", "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["format"], "netpry-snapshot");
}

fn corrupt_case(contents: &[u8], expect: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    std::fs::write(&path, contents).unwrap();
    let out = netpry()
        .args(["--snapshot", path.to_str().unwrap(), "table", "interfaces"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains(path.to_str().unwrap()),
        "names the file: {err}"
    );
    assert!(err.contains(expect), "expected {expect:?} in {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn corrupt_snapshots_fail_with_one_line_and_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    assert_eq!(run(&["snapshot", "-o", good.to_str().unwrap()]).0, 0);
    let bytes = std::fs::read(&good).unwrap();
    corrupt_case(&bytes[..bytes.len() / 3], "truncated JSON");
    corrupt_case(b"\x00\x01garbage", "not valid JSON");
    corrupt_case(b"", "truncated JSON");
    corrupt_case(b"{\"hello\": 1}", "not a netpry snapshot");
    let text = String::from_utf8(bytes).unwrap();
    corrupt_case(
        text.replacen("\"version\":1", "\"version\":99", 1)
            .as_bytes(),
        "unsupported snapshot version 99",
    );
    corrupt_case(
        text.replacen("\"rows\":[", "\"rows\":[7,", 1).as_bytes(),
        "not an array",
    );
    // A missing file too.
    let out = netpry()
        .args(["--snapshot", "/nonexistent/x.json", "table", "routes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.json: cannot read"));
}

/// Unmounts a tmpfs on drop, even when the test fails.
struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_failed_snapshot_write_keeps_the_old_file() {
    if !crate::support::root_or_skip("a_failed_snapshot_write_keeps_the_old_file") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    // A file system too small for a snapshot: the write fails with ENOSPC.
    crate::support::sh_ok(&[
        "mount",
        "-t",
        "tmpfs",
        "-o",
        "size=16k",
        "tmpfs",
        mnt.to_str().unwrap(),
    ]);
    let _mount = Mount(mnt.clone());
    let file = mnt.join("old.json");
    std::fs::write(&file, "{\"old\": true}\n").unwrap();
    let (code, _, err) = run(&["snapshot", "-o", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "writing {}: No space left on device",
            file.display()
        )),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "{\"old\": true}\n");
    let left: Vec<_> = std::fs::read_dir(&mnt)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["old.json"], "no temporary file is left behind");
}

#[test]
fn a_snapshot_replaces_the_old_file_and_names_a_bad_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.json");
    std::fs::write(&file, "old").unwrap();
    let (code, _, err) = run(&["snapshot", "-o", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(tables_of(&doc).contains_key("sockets"));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["s.json"], "no temporary file is left behind");
    let missing = dir.path().join("no-such-dir").join("s.json");
    let (code, _, err) = run(&["snapshot", "-o", missing.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with(&format!("netpry: creating {}: ", missing.display()))
            && err.lines().count() == 1,
        "{err}"
    );
}
