//! Host identity for snapshots: host name and kernel release from /proc, time from the clock.

use crate::snapshot::{SnapshotInfo, rfc3339};

/// Host name, kernel release and the current UTC time.
pub fn host_info() -> SnapshotInfo {
    // Raw text: a host name (sethostname in a UTS namespace) is bytes, kept losslessly.
    let read = |p: &str| {
        super::read_raw(p)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    SnapshotInfo {
        host: read("/proc/sys/kernel/hostname"),
        kernel: read("/proc/sys/kernel/osrelease"),
        time: rfc3339(secs),
    }
}
