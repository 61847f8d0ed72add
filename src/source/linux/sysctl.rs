//! Sysctls read straight from `/proc/sys`, named the way sysctl(8) names them.
//!
//! A sysctl's dotted name is its path under `/proc/sys` with `/` turned into `.`; a path
//! component that itself contains a dot (the interface `vx.1` in
//! `/proc/sys/net/ipv4/conf/vx.1/forwarding`) shows that dot as a slash:
//! `net.ipv4.conf.vx/1.forwarding`. (The `sysctl` crate turns every dot into a slash, which
//! breaks such names; hence this small reader.) Listings follow `sysctl -a` exactly: entries
//! sorted by name one directory level at a time (so `vx` comes before `vx-a` before `vx/1`),
//! values as the kernel prints them without the final newline (tabs kept), unreadable and
//! write-only entries and the deprecated `base_reachable_time` and `retrans_time` left out.

use std::path::{Path, PathBuf};

use crate::door::source::records::SysctlRecord;
use crate::error::{Error, Result};

/// Where the kernel exposes sysctls.
pub const PROC_SYS: &str = "/proc/sys";

/// File names `sysctl -a` hides because they are deprecated duplicates (of `*_ms`).
const DEPRECATED: [&str; 2] = ["base_reachable_time", "retrans_time"];

/// Every readable sysctl under `net.` in the current network namespace, as `sysctl -a` lists
/// them.
#[cfg(test)]
pub fn net_sysctls() -> Result<Vec<SysctlRecord>> {
    sysctls_under(Path::new(PROC_SYS), "net")
}

/// [`net_sysctls`], and the names of the sysctls left out because reading them was refused
/// (`permission denied`: root-only keys read by another user), which `sysctl -a` reports one
/// by one on stderr.
pub fn net_sysctls_and_denied() -> Result<(Vec<SysctlRecord>, Vec<String>)> {
    sysctls_and_denied(Path::new(PROC_SYS), "net")
}

/// Every readable sysctl in the directory `top` of `root` (e.g. `/proc/sys` and `net`), named,
/// ordered and filtered like `sysctl -a`.
#[cfg(test)]
pub fn sysctls_under(root: &Path, top: &str) -> Result<Vec<SysctlRecord>> {
    sysctls_and_denied(root, top).map(|(records, _)| records)
}

/// [`sysctls_under`], and the names of readable-by-someone entries this user may not read.
pub fn sysctls_and_denied(root: &Path, top: &str) -> Result<(Vec<SysctlRecord>, Vec<String>)> {
    let dir = root.join(top);
    let entries =
        sorted_entries(&dir).map_err(|e| Error::kernel(format!("listing {}", dir.display()), e))?;
    let mut out = Vec::new();
    let mut denied = Vec::new();
    let mut name = component_name(top);
    visit(entries, &mut name, &mut out, &mut denied);
    Ok((out, denied))
}

/// The entries of `dir` sorted by name bytes (what `scandir` with `alphasort` gives in the C
/// locale).
fn sorted_entries(dir: &Path) -> std::io::Result<Vec<std::fs::DirEntry>> {
    let mut entries: Vec<std::fs::DirEntry> =
        std::fs::read_dir(dir)?.filter_map(|e| e.ok()).collect();
    entries.sort_by(|a, b| {
        a.file_name()
            .as_encoded_bytes()
            .cmp(b.file_name().as_encoded_bytes())
    });
    Ok(entries)
}

/// A path component as it appears in a dotted name: its dots become slashes.
fn component_name(component: &str) -> String {
    component.replace('.', "/")
}

/// Appends the sysctls of `entries` (one directory, sorted), `name` being that directory's
/// dotted name.
fn visit(
    entries: Vec<std::fs::DirEntry>,
    name: &mut String,
    out: &mut Vec<SysctlRecord>,
    denied: &mut Vec<String>,
) {
    for entry in entries {
        let file_name = entry.file_name();
        let file_name = super::raw_name(&file_name);
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let len = name.len();
        name.push('.');
        name.push_str(&component_name(&file_name));
        let path = entry.path();
        if kind.is_dir() {
            // A directory that vanished or cannot be listed (an interface going away) is skipped.
            if let Ok(children) = sorted_entries(&path) {
                visit(children, name, out, denied);
            }
        } else if kind.is_file() && !DEPRECATED.contains(&file_name.as_ref()) {
            // Write-only (EACCES), unreadable (EPERM, EIO: stable_secret unset) and vanished
            // entries are skipped silently, as `sysctl -a` does.
            match read_value(&path) {
                Ok(value) => out.push(SysctlRecord {
                    name: name.clone(),
                    value,
                }),
                // Refused although the file has read permission for its owner: root-only.
                Err(e)
                    if e.kind() == std::io::ErrorKind::PermissionDenied && owner_reads(&entry) =>
                {
                    denied.push(name.clone());
                }
                Err(_) => {}
            }
        }
        name.truncate(len);
    }
}

/// Whether the entry's owner (root) may read it: a write-only entry (`route.flush`) is not a
/// key anyone can list.
fn owner_reads(entry: &std::fs::DirEntry) -> bool {
    use std::os::unix::fs::PermissionsExt;
    entry
        .metadata()
        .is_ok_and(|m| m.permissions().mode() & 0o400 != 0)
}

/// A sysctl file's text, without the final newline.
fn read_value(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    let text = crate::model::rawtext::encode_owned(bytes);
    Ok(text.strip_suffix('\n').unwrap_or(&text).to_string())
}

/// The path under `/proc/sys` that sysctl `name` refers to, by the sysctl.d(5) rule: when the
/// first separator is `/`, the name is a path and dots are kept (`net/ipv4/conf/vx.1/forwarding`);
/// otherwise dots separate components and slashes stand for dots (`net.ipv4.conf.vx/1.forwarding`).
/// `None` for names that are empty or have an empty, `.` or `..` component.
pub fn sysctl_path(name: &str) -> Option<PathBuf> {
    let first = name.find(['.', '/'])?;
    let components: Vec<String> = if name.as_bytes()[first] == b'/' {
        name.split('/').map(str::to_string).collect()
    } else {
        name.split('.').map(|c| c.replace('/', ".")).collect()
    };
    let bad = |c: &String| c.is_empty() || c == "." || c == ".." || c.contains('\0');
    if components.iter().any(bad) {
        return None;
    }
    // Components are raw text (an interface directory need not be UTF-8): their real bytes.
    Some(components.iter().map(|c| super::raw_path("", c)).collect())
}

/// Reads one sysctl by name (`net.ipv4.ip_forward`, `net.ipv4.conf.vx/1.forwarding`, or the
/// path form `net/ipv4/conf/vx.1/forwarding`; see [`sysctl_path`]). `Ok(None)` when there is no
/// such key; an error for an invalid name, a directory, or an entry that cannot be read
/// (write-only, permission, I/O).
pub fn read_sysctl(name: &str) -> Result<Option<String>> {
    read_sysctl_in(Path::new(PROC_SYS), name)
}

/// [`read_sysctl`] against another root directory (tests use a temporary tree).
pub fn read_sysctl_in(root: &Path, name: &str) -> Result<Option<String>> {
    let rel = sysctl_path(name).ok_or_else(|| {
        Error::Usage(format!(
            "'{name}' is not a sysctl name; write it like net.ipv4.ip_forward or net/ipv4/ip_forward"
        ))
    })?;
    let path = root.join(rel);
    if path.is_dir() {
        return Err(Error::Usage(format!(
            "sysctl '{name}' is a group of keys, not one key; `netpry table sysctls` lists them"
        )));
    }
    match read_value(&path) {
        Ok(v) => Ok(Some(v)),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(Error::kernel(format!("reading sysctl {name}"), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            ("net/ipv4/conf/vx.1/forwarding", "1\n"),
            ("net/ipv4/conf/vx/forwarding", "0\n"),
            ("net/ipv4/conf/vx-a/forwarding", "0\n"),
            ("net/ipv4/conf/vx0/forwarding", "0\n"),
            ("net/ipv4/ip_local_port_range", "32768\t60999\n"),
            ("net/ipv4/neigh/lo/base_reachable_time", "30\n"),
            ("net/ipv4/neigh/lo/base_reachable_time_ms", "30000\n"),
            ("net/ipv4/neigh/lo/retrans_time", "100\n"),
            ("net/core/empty", ""),
            ("net/core/no_newline", "x"),
            ("kernel/hostname", "h\n"),
        ];
        for (p, v) in files {
            let p = dir.path().join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, v).unwrap();
        }
        dir
    }

    #[test]
    fn names_follow_the_sysctl_d_rule() {
        let p = |n: &str| sysctl_path(n).map(|p| p.to_string_lossy().into_owned());
        assert_eq!(
            p("net.ipv4.conf.vx/1.forwarding").unwrap(),
            "net/ipv4/conf/vx.1/forwarding"
        );
        assert_eq!(
            p("net/ipv4/conf/vx.1/forwarding").unwrap(),
            "net/ipv4/conf/vx.1/forwarding"
        );
        assert_eq!(p("net.ipv4.ip_forward").unwrap(), "net/ipv4/ip_forward");
        assert_eq!(p("kernel/hostname").unwrap(), "kernel/hostname");
        for bad in [
            "",
            "net",
            "net..ipv4",
            ".net",
            "net.",
            "net.//.x",
            "../etc/passwd",
            "net/../x",
            "a.\0",
        ] {
            assert_eq!(p(bad), None, "{bad:?} must be rejected");
        }
    }

    #[test]
    fn listing_matches_sysctl_a_naming_order_and_filtering() {
        let dir = tree();
        let recs = sysctls_under(dir.path(), "net").unwrap();
        let got: Vec<(&str, &str)> = recs
            .iter()
            .map(|r| (r.name.as_str(), r.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("net.core.empty", ""),
                ("net.core.no_newline", "x"),
                ("net.ipv4.conf.vx.forwarding", "0"),
                ("net.ipv4.conf.vx-a.forwarding", "0"),
                ("net.ipv4.conf.vx/1.forwarding", "1"),
                ("net.ipv4.conf.vx0.forwarding", "0"),
                ("net.ipv4.ip_local_port_range", "32768\t60999"),
                ("net.ipv4.neigh.lo.base_reachable_time_ms", "30000"),
            ]
        );
        let e = sysctls_under(dir.path(), "nope").unwrap_err().to_string();
        assert!(e.starts_with("listing ") && e.contains("nope"), "{e}");
    }

    #[test]
    fn read_sysctl_accepts_both_forms() {
        let dir = tree();
        let read = |n: &str| read_sysctl_in(dir.path(), n);
        assert_eq!(
            read("net.ipv4.conf.vx/1.forwarding").unwrap().as_deref(),
            Some("1")
        );
        assert_eq!(
            read("net/ipv4/conf/vx.1/forwarding").unwrap().as_deref(),
            Some("1")
        );
        // Deprecated entries are hidden from listings only; they can still be read by name.
        assert_eq!(
            read("net.ipv4.neigh.lo.retrans_time").unwrap().as_deref(),
            Some("100")
        );
        assert_eq!(read("net.ipv4.conf.vx.1.forwarding").unwrap(), None);
        assert_eq!(read("net.ipv4.ip_local_port_range.x").unwrap(), None);
        assert_eq!(read("kernel.hostname").unwrap().as_deref(), Some("h"));
        let e = read("net.ipv4").unwrap_err();
        assert!(e.to_string().contains("group of keys"), "{e}");
        let e = read("net..x").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("not a sysctl name"), "{e}");
    }

    #[test]
    fn live_net_sysctls_include_loopback() {
        let recs = net_sysctls().expect("/proc/sys/net is readable");
        let fwd = recs
            .iter()
            .find(|r| r.name == "net.ipv4.conf.lo.forwarding")
            .expect("lo forwarding");
        assert_eq!(
            read_sysctl("net.ipv4.conf.lo.forwarding")
                .unwrap()
                .as_deref(),
            Some(fwd.value.as_str())
        );
        assert!(
            recs.iter().all(|r| r.name != "net.ipv4.route.flush"),
            "write-only entries are skipped"
        );
    }
}
