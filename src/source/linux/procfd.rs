//! Whether other processes' open files can be inspected: netstat `-p` warns when some
//! `/proc/PID/fd` directory is not readable (a non-root user), and words the warning by
//! whether any socket could be attributed at all.

use std::os::unix::fs::MetadataExt;

/// The outcome of a scan of `/proc/*/fd`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FdAccess {
    /// Some fd directory was refused (EACCES).
    pub denied: bool,
    /// Some readable fd was a socket.
    pub sockets_seen: bool,
    /// The effective uid (owner of `/proc/self`).
    pub euid: u32,
}

/// The real uid of this process (the first `Uid:` field of `/proc/self/status`), the user the
/// kernel routes this process's traffic as (`uidrange` rules); the effective uid when the
/// file cannot be read.
pub fn uid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| real_uid(&s))
        .unwrap_or_else(euid)
}

/// The real uid in the text of a `/proc/PID/status` file.
fn real_uid(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The effective uid of this process (the owner of `/proc/self`; 0 if /proc is unreadable).
pub fn euid() -> u32 {
    std::fs::metadata("/proc/self").map_or(0, |m| m.uid())
}

/// CPU seconds (user + system) this process has used so far, every thread included.
#[allow(unsafe_code)]
pub fn cpu_seconds() -> f64 {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid out-pointer for the call.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(ru.ru_utime) + secs(ru.ru_stime)
}

/// Scans `/proc`; root is never refused, so the scan is skipped for uid 0.
pub fn fd_access() -> FdAccess {
    let euid = euid();
    let mut acc = FdAccess {
        euid,
        ..FdAccess::default()
    };
    if euid == 0 {
        return acc;
    }
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return acc;
    };
    for p in procs.flatten() {
        let name = p.file_name();
        if !name
            .to_str()
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        {
            continue;
        }
        match std::fs::read_dir(p.path().join("fd")) {
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => acc.denied = true,
            Err(_) => {}
            Ok(fds) => {
                if acc.sockets_seen {
                    continue;
                }
                for fd in fds.flatten() {
                    if std::fs::read_link(fd.path())
                        .is_ok_and(|l| l.to_str().is_some_and(|s| s.starts_with("socket:[")))
                    {
                        acc.sockets_seen = true;
                        break;
                    }
                }
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_uid_is_the_first_uid_field() {
        assert_eq!(
            real_uid("Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t5\n"),
            Some(1000)
        );
        assert_eq!(real_uid("Name:\tx\n"), None);
    }
}
