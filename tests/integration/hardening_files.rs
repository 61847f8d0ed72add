//! Issue 15, files and inputs: `snapshot -o` never writes through a device, FIFO or link, nor
//! through a predictable temporary file; file names made from snapshot data stay in their
//! directory; every input is bounded and devices or FIFOs given as paths are refused at once.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::{decode, netpry, netpry_bin, root_or_skip};

/// The small snapshot fixture (fast to load and to save again).
pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/script.json")
}

/// Waits for `child` at most `secs` seconds; kills it (by its own handle) and fails if it is
/// still running then. Returns (status, stdout, stderr).
pub fn wait_at_most(mut child: Child, secs: u64, what: &str) -> (i32, String, String) {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return decode(child.wait_with_output().expect("output"));
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs netpry with `args`, failing if it takes more than `secs` seconds.
fn run_within(args: &[&str], secs: u64) -> (i32, String, String) {
    let child = netpry()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn netpry");
    wait_at_most(child, secs, &format!("netpry {args:?}"))
}

/// A snapshot document whose `host` is `host`, with one small table.
fn snapshot_with_host(host: &str) -> String {
    serde_json::json!({
        "format": "netpry-snapshot", "version": 1, "netpry": "0.1.0",
        "host": host, "kernel": "6.1", "time": "2026-11-28T16:32:29Z",
        "tables": {"routes": {"columns": [{"name": "dev", "type": "str"}], "rows": [["lo"]]}},
        "errors": {}
    })
    .to_string()
}

#[test]
fn snapshot_output_refuses_devices_fifos_and_links() {
    if !root_or_skip("snapshot_output_refuses_devices_fifos_and_links") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dev = dir.path().join("null-like");
    crate::support::sh_ok(&["mknod", dev.to_str().unwrap(), "c", "1", "3"]);
    let fifo = dir.path().join("fifo");
    crate::support::sh_ok(&["mkfifo", fifo.to_str().unwrap()]);
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let fix = fixture();
    for (target, kind) in [
        (&dev, "character device"),
        (&fifo, "FIFO"),
        (&link, "symbolic link"),
        (&dir.path().to_path_buf(), "directory"),
    ] {
        let t = target.to_str().unwrap();
        let (code, _, err) = run_within(
            &["--snapshot", fix.to_str().unwrap(), "snapshot", "-o", t],
            20,
        );
        assert_eq!(code, 2, "-o {t}: {err}");
        assert!(
            err.contains(t) && err.contains(kind) && err.contains("-o -"),
            "-o {t}: {err}"
        );
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::metadata(&dev)
            .unwrap()
            .file_type()
            .is_char_device()
    );
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    // `-o -` writes the document to standard output; a regular file is replaced.
    let (code, out, err) = run_within(
        &["--snapshot", fix.to_str().unwrap(), "snapshot", "-o", "-"],
        20,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(r#"{"format":"netpry-snapshot""#), "{out}");
    let (code, _, err) = run_within(
        &[
            "--snapshot",
            fix.to_str().unwrap(),
            "snapshot",
            "-o",
            victim.to_str().unwrap(),
        ],
        20,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::read_to_string(&victim)
            .unwrap()
            .starts_with("{\"format\"")
    );
}

#[test]
fn snapshot_temporary_file_is_not_predictable_nor_followed() {
    if !root_or_skip("snapshot_temporary_file_is_not_predictable_nor_followed") {
        return;
    }
    // In a new PID namespace netpry is PID 1, so the old name `.out.json.1.tmp` is known in
    // advance: a link planted there must not receive the snapshot.
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    for pid in 1..4 {
        let planted = dir.path().join(format!(".out.json.{pid}.tmp"));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
    }
    let out = std::process::Command::new("unshare")
        .args(["--pid", "--fork", "--kill-child"])
        .arg(netpry_bin())
        .args(["--snapshot", fixture().to_str().unwrap(), "snapshot", "-o"])
        .arg(dir.path().join("out.json"))
        .env("XDG_CONFIG_HOME", "/nonexistent-netpry-test")
        .stdin(Stdio::null())
        .output()
        .expect("run unshare");
    let (code, _, err) = decode(out);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let out = std::fs::symlink_metadata(dir.path().join("out.json")).unwrap();
    assert!(out.is_file(), "out.json is a regular file");
    // Only the output, the victim and the planted links: no temporary file left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 5);
}

#[test]
fn file_names_from_snapshot_data_stay_in_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("a/b");
    std::fs::create_dir_all(&work).unwrap();
    let snap = dir.path().join("hostile.json");
    std::fs::write(&snap, snapshot_with_host("x/../../TRAV\u{1b}[2J")).unwrap();
    let out = netpry()
        .args(["--snapshot", snap.to_str().unwrap(), "snapshot"])
        .current_dir(&work)
        .output()
        .unwrap();
    let (code, _, err) = decode(out);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
    let made: Vec<String> = std::fs::read_dir(&work)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    assert!(made[0].starts_with("netpry-x_.._.._TRAV_"), "{made:?}");
    assert!(err.contains(&made[0]), "{err}");
    // Nothing was written outside the working directory.
    let mut above: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    above.sort();
    assert_eq!(above, ["a", "hostile.json"]);
}

#[test]
fn devices_and_fifos_given_as_paths_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("script.rhai");
    crate::support::sh_ok(&["mkfifo", fifo.to_str().unwrap()]);
    let f = fifo.to_str().unwrap();
    // netstat keeps its own status for every failure (1).
    for (args, status) in [
        (vec!["--snapshot", "/dev/zero", "tables"], 2),
        (vec!["--snapshot", "/dev/zero", "table", "routes"], 2),
        (vec!["--snapshot", f, "table", "routes"], 2),
        (vec!["--snapshot", "/dev/zero", "netstat", "-rn"], 1),
        (vec!["/dev/zero"], 2),
        (vec![f], 2),
    ] {
        let (code, _, err) = run_within(&args, 10);
        assert_eq!(code, status, "{args:?}: {err}");
        assert!(
            err.contains("not a regular file") && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_missing_snapshot_is_an_error_for_every_command() {
    for args in [
        vec!["--snapshot", "/nonexistent/x.json", "tables"],
        vec!["--snapshot", "/nonexistent/x.json", "schema", "routes"],
    ] {
        let (code, out, err) = run_within(&args, 10);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(err.contains("/nonexistent/x.json: cannot read"), "{err}");
    }
}

#[test]
fn large_inputs_stop_at_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    // A 2 GiB sparse file: refused from its size, before reading.
    let sparse = dir.path().join("sparse.json");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let (code, _, err) = run_within(&["--snapshot", sparse.to_str().unwrap(), "tables"], 10);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("2 GiB") && err.contains("1 GiB limit") && err.contains("NETPRY_MAX_INPUT"),
        "{err}"
    );
    // NETPRY_MAX_INPUT lowers (or raises) the bound.
    let out = netpry()
        .args(["--snapshot", fixture().to_str().unwrap(), "tables"])
        .env("NETPRY_MAX_INPUT", "1K")
        .output()
        .unwrap();
    let (code, _, err) = decode(out);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("1 KiB limit for snapshots"), "{err}");
    // An endless standard input stops at the script bound, with a clear error.
    let child = netpry()
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (code, _, err) = wait_at_most(child, 20, "netpry < /dev/zero");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("standard input") && err.contains("64 MiB limit for scripts"),
        "{err}"
    );
}

#[test]
fn standard_input_given_by_name_is_read_with_the_bound() {
    let child = netpry()
        .args(["--snapshot", "/dev/stdin", "table", "routes", "-c", "dev"])
        .stdin(std::fs::File::open(fixture()).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (code, out, err) = wait_at_most(child, 20, "--snapshot /dev/stdin");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("dev"), "{out}");
}

#[test]
fn a_closed_stderr_is_not_a_panic() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = netpry()
        .args(["table", "nosuch"])
        .stdout(Stdio::null())
        .stderr(writer)
        .spawn()
        .unwrap();
    let (code, _, _) = wait_at_most(child, 20, "table nosuch 2>&1 | true");
    assert_eq!(code, 2, "usage error status, not a panic");
}

/// The netstat fixture with its first TCP row repeated `n` times (more output than one buffer).
fn many_sockets(n: usize) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/netstat/synthetic.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let rows = doc["tables"]["sockets"]["rows"].as_array_mut().unwrap();
    let first = rows[0].clone();
    rows.clear();
    for i in 0..n {
        let mut r = first.clone();
        r[6] = serde_json::json!(1024 + i % 60000);
        rows.push(r);
    }
    doc.to_string()
}

#[test]
fn netstat_to_a_full_device_reports_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("many.json");
    std::fs::write(&snap, many_sockets(3000)).unwrap();
    let out = netpry()
        .args(["--snapshot", snap.to_str().unwrap(), "netstat", "-tan"])
        .stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .output()
        .unwrap();
    let (code, _, err) = decode(out);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("No space left on device"), "{err}");
}

#[test]
fn saved_scripts_work_with_an_unreadable_home() {
    if !root_or_skip("saved_scripts_work_with_an_unreadable_home") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    // Owned by root, mode 0700: nobody may not look inside.
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let as_nobody = |args: &[&str]| {
        let out = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(netpry_bin())
            .args(args)
            .env_remove("XDG_CONFIG_HOME")
            .env("HOME", home.path())
            .stdin(Stdio::null())
            .output()
            .expect("run setpriv");
        decode(out)
    };
    let (code, out, err) = as_nobody(&["--format", "plain", "run", "--list"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("listening") && out.contains("built-in"),
        "{out}"
    );
    assert!(err.contains("only built-in scripts"), "{err}");
    let fix = fixture();
    let (code, _, err) = as_nobody(&["--snapshot", fix.to_str().unwrap(), "run", "listening"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_fifo_among_saved_scripts_is_refused_not_waited_on() {
    let config = tempfile::tempdir().unwrap();
    let scripts = config.path().join("netpry/scripts");
    std::fs::create_dir_all(&scripts).unwrap();
    crate::support::sh_ok(&["mkfifo", scripts.join("trap.rhai").to_str().unwrap()]);
    let child = netpry()
        .args(["--format", "plain", "run", "--list"])
        .env("XDG_CONFIG_HOME", config.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (code, out, err) = wait_at_most(child, 10, "run --list with a FIFO script");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("listening"), "{out}");
    assert!(err.contains("trap.rhai") && err.contains("FIFO"), "{err}");
}

#[test]
fn snapshot_missing_columns_are_noted_and_named() {
    let fix = fixture();
    let f = fix.to_str().unwrap();
    let (code, _, err) = run_within(
        &["--snapshot", f, "table", "sockets", "-c", "proto,timer"],
        20,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("note:") && err.contains("its sockets table was saved without timer"),
        "{err}"
    );
    let (code, _, err) = run_within(&["--snapshot", f, "-e", "sockets()[0].timer"], 20);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("column 'timer' is missing from the snapshot") && err.contains(f),
        "{err}"
    );
    assert!(!err.contains("left out by a select"), "{err}");
    let (code, _, err) = run_within(
        &["--snapshot", f, "-e", r#"sockets().select(["timer"])"#],
        20,
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("column 'timer' is missing from the snapshot"),
        "{err}"
    );
}

#[test]
fn root_only_sysctls_are_noted_for_other_users() {
    if !root_or_skip("root_only_sysctls_are_noted_for_other_users") {
        return;
    }
    // Some net sysctls are mode 0600 (bpf_jit_harden, ...); without one, nothing to show.
    let root_only = std::fs::read_dir("/proc/sys/net/core").unwrap().any(|e| {
        use std::os::unix::fs::PermissionsExt;
        e.unwrap().metadata().unwrap().permissions().mode() & 0o777 == 0o600
    });
    if !root_only {
        eprintln!("SKIP root_only_sysctls_are_noted_for_other_users: no root-only key");
        return;
    }
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(netpry_bin())
        .args(["table", "sysctls", "-c", "name"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let (code, _, err) = decode(out);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("readable only by root"), "{err}");
}

/// Writes `text` to a new file in `dir`.
pub fn write_file(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().write_all(text).unwrap();
    p
}
