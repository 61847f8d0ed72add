//! Kernel memory figures for BSD netstat's `-m`: active objects of a slab cache from
//! `/proc/slabinfo` (root only), the socket memory lines of `/proc/net/sockstat` and
//! `sockstat6`, and the page size.

use crate::error::{Error, Result};

/// Active objects of slab cache `cache` (e.g. `skbuff_head_cache`); `None` when the cache is
/// not listed. Reading /proc/slabinfo needs root: the error says so.
pub fn active_objects(cache: &str) -> Result<Option<u64>> {
    let text = std::fs::read_to_string("/proc/slabinfo")
        .map_err(|e| Error::kernel("reading /proc/slabinfo (needs root)", e))?;
    Ok(parse_active_objects(&text, cache))
}

/// The `<active_objs>` column of `cache` in slabinfo text.
pub fn parse_active_objects(text: &str, cache: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let mut w = l.split_whitespace();
        (w.next()? == cache)
            .then(|| w.next()?.parse().ok())
            .flatten()
    })
}

/// Every `(group, name, value)` of `/proc/net/sockstat` and `sockstat6` (`("TCP", "mem", 3)`,
/// `("FRAG6", "memory", 0)`, ...). Missing files contribute nothing.
pub fn sockstat() -> Vec<(String, String, u64)> {
    let mut out = Vec::new();
    for p in ["/proc/net/sockstat", "/proc/net/sockstat6"] {
        if let Ok(t) = std::fs::read_to_string(p) {
            out.extend(parse_sockstat(&t));
        }
    }
    out
}

/// Parses sockstat text: `GROUP: name value name value ...` lines.
pub fn parse_sockstat(text: &str) -> Vec<(String, String, u64)> {
    let mut out = Vec::new();
    for l in text.lines() {
        let Some((group, rest)) = l.split_once(':') else {
            continue;
        };
        let w: Vec<&str> = rest.split_whitespace().collect();
        for pair in w.chunks(2) {
            if let [name, value] = pair {
                if let Ok(v) = value.parse() {
                    out.push((group.trim().to_string(), name.to_string(), v));
                }
            }
        }
    }
    out
}

/// The kernel page size in bytes (from /proc/self/smaps; 4096 when it cannot be read).
pub fn page_size() -> u64 {
    std::fs::read_to_string("/proc/self/smaps")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("KernelPageSize:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(4096, |kb| kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_slabinfo_and_sockstat() {
        let slab = "slabinfo - version: 2.1\n# name <active_objs>\nskbuff_head_cache    302    320    256   16    1 : tunables\n";
        assert_eq!(parse_active_objects(slab, "skbuff_head_cache"), Some(302));
        assert_eq!(parse_active_objects(slab, "nope"), None);
        let s = parse_sockstat(
            "sockets: used 25\nTCP: inuse 1 orphan 0 tw 0 alloc 1 mem 7\nFRAG: inuse 0 memory 0\n",
        );
        assert!(s.contains(&("TCP".into(), "mem".into(), 7)));
        assert!(s.contains(&("sockets".into(), "used".into(), 25)));
        assert!(page_size() >= 4096);
    }
}
