//! Host identity for snapshots: host name and kernel release from /proc, time from the clock.

/// Who and when: what a snapshot records of the host it was taken on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostInfo {
    /// Host name (raw text, see `model::rawtext`).
    pub host: String,
    /// Kernel release (`uname -r`).
    pub kernel: String,
    /// Seconds since the epoch.
    pub secs: u64,
}

/// Host name, kernel release and the current time.
pub fn host_info() -> HostInfo {
    // Raw text: a host name (sethostname in a UTS namespace) is bytes, kept losslessly.
    let read = |p: &str| {
        super::read_raw(p)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    HostInfo {
        host: read("/proc/sys/kernel/hostname"),
        kernel: read("/proc/sys/kernel/osrelease"),
        secs,
    }
}
