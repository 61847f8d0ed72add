//! Kernel memory figures for BSD netstat's `-m` (the `slabs` table): the caches of
//! `/proc/slabinfo` (root only) and the page size. (The socket memory lines of
//! `/proc/net/sockstat` are in the `stats` table; the parsers kept here for them and for one
//! cache are fuzzing targets.)

use crate::error::{Error, Result};

/// One cache of `/proc/slabinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlabRecord {
    /// Cache name (`skbuff_head_cache`, `TCP`, ...).
    pub cache: String,
    /// Objects in use.
    pub active_objs: u64,
    /// Objects allocated (in use or free).
    pub num_objs: u64,
    /// Size of one object in bytes.
    pub objsize: u64,
    /// The kernel page size in bytes (the same on every row).
    pub page_size: u64,
}

/// Every cache of `/proc/slabinfo`, in file order. Reading the file needs root: the error
/// says so.
pub fn slabs() -> Result<Vec<SlabRecord>> {
    let text = std::fs::read_to_string("/proc/slabinfo")
        .map_err(|e| Error::kernel("reading /proc/slabinfo (needs root)", e))?;
    Ok(parse_slabs(&text, page_size()))
}

/// Parses slabinfo text (version 2.x: `name active_objs num_objs objsize ...`); the header
/// lines and malformed lines are skipped.
pub fn parse_slabs(text: &str, page_size: u64) -> Vec<SlabRecord> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("slabinfo"))
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some(SlabRecord {
                cache: w.next()?.to_string(),
                active_objs: w.next()?.parse().ok()?,
                num_objs: w.next()?.parse().ok()?,
                objsize: w.next()?.parse().ok()?,
                page_size,
            })
        })
        .collect()
}

/// The `<active_objs>` column of `cache` in slabinfo text.
#[cfg(any(test, feature = "fuzzing"))]
pub fn parse_active_objects(text: &str, cache: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let mut w = l.split_whitespace();
        (w.next()? == cache)
            .then(|| w.next()?.parse().ok())
            .flatten()
    })
}

/// Parses sockstat text: `GROUP: name value name value ...` lines.
#[cfg(any(test, feature = "fuzzing"))]
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
    fn slabinfo_caches_in_file_order() {
        let t = "slabinfo - version: 2.1\n# name <active_objs> <num_objs> <objsize> ...\n\
                 skbuff_head_cache 400 480 256 32 2 : tunables 0 0 0\nbad line\nTCP 12 24 2368 13 8\n";
        let got = parse_slabs(t, 4096);
        assert_eq!(got.len(), 2);
        assert_eq!(
            (
                got[0].cache.as_str(),
                got[0].active_objs,
                got[0].num_objs,
                got[0].objsize
            ),
            ("skbuff_head_cache", 400, 480, 256)
        );
        assert_eq!((got[1].cache.as_str(), got[1].page_size), ("TCP", 4096));
    }

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
