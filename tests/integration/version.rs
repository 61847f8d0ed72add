//! `netpry --version` (the version, and the git commit when built from a checkout),
//! `--version --verbose` (the kernel features found) and `netpry man netstat`.

use crate::support::run;

/// `git` in the crate root when it is the top of a work tree (as `build.rs` requires).
fn git_head() -> Option<String> {
    let root = env!("CARGO_MANIFEST_DIR");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let top = std::path::PathBuf::from(git(&["rev-parse", "--show-toplevel"])?);
    (top.canonicalize().ok()? == std::path::Path::new(root).canonicalize().ok()?)
        .then(|| git(&["rev-parse", "--short=12", "HEAD"]))?
}

#[test]
fn version_names_the_version_and_the_commit() {
    let (code, out, err) = run(&["--version"]);
    assert_eq!((code, err.as_str()), (0, ""));
    let want = match git_head() {
        Some(commit) => format!("netpry {} (git {commit})\n", env!("CARGO_PKG_VERSION")),
        None => format!("netpry {}\n", env!("CARGO_PKG_VERSION")),
    };
    assert_eq!(out, want);
    assert_eq!(run(&["-V"]).1, want);
}

#[test]
fn version_verbose_lists_the_kernel_features() {
    let (code, out, err) = run(&["--version", "--verbose"]);
    assert_eq!((code, err.as_str()), (0, ""));
    let lines: Vec<&str> = out.lines().collect();
    let keys: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split_once(": ").map_or(*l, |(k, _)| k))
        .collect();
    assert_eq!(
        keys,
        [
            "kernel",
            "sock_diag inet",
            "sock_diag inet6",
            "sock_diag unix",
            "raw_diag",
            "rules"
        ],
        "{out}"
    );
    // Every kernel netpry runs on dumps TCP sockets and IPv4 rules over netlink.
    assert!(lines[2].starts_with("sock_diag inet: tcp"), "{out}");
    assert!(lines[6].starts_with("rules: inet"), "{out}");
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    assert_eq!(lines[1], format!("kernel: {}", release.trim()));
}

#[test]
fn verbose_alone_is_a_usage_error() {
    let (code, _, err) = run(&["--verbose"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--version"), "{err}");
}

#[test]
fn the_netstat_page_renders_without_warnings() {
    let (code, page, err) = run(&["man", "netstat"]);
    assert_eq!((code, err.as_str()), (0, ""));
    let mut child = std::process::Command::new("groff")
        .args(["-man", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("groff (groff-base) is installed");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "groff warned");
    assert!(page.contains("display routing table"), "{page}");
}
