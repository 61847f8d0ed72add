//! `-m`: BSD's mbuf statistics, in the classic Mac OS X layout, from Linux memory figures.
//!
//! Linux has no mbufs. The convention (spec §2.7, also in the book): "mbufs in use" is the
//! active-object count of the `skbuff_head_cache` slab (the `slabs` table: root only, 0
//! otherwise or when a snapshot lacks the table), all counted as packet headers; the cluster lines are `0/0`; the Kbytes figure is
//! the TCP and UDP `mem` pages of `/proc/net/sockstat` (times the page size) plus the FRAG and
//! FRAG6 `memory` bytes, measured against `net.ipv4.tcp_mem[2]` pages for the percentage; the
//! denied, delayed and drain counters are 0.

use std::io::Write;

use super::data::{self, StatCounters};
use super::{BsdCtx, line};
use crate::error::Result;

/// The figures `-m` prints.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    /// skbuff heads in use.
    pub skbuffs: u64,
    /// Socket and fragment memory, KiB.
    pub kbytes: u64,
    /// Percentage of the TCP hard limit.
    pub percent: u64,
}

/// Computes the figures from sockstat counters (groups `TCP`, `UDP`, `FRAG`, `FRAG6`), the
/// page size and `tcp_mem[2]` in pages.
pub fn figures(skbuffs: u64, sock: &StatCounters, page: u64, tcp_mem_max: u64) -> Figures {
    let pages = sock.get("TCP", "mem") + sock.get("UDP", "mem");
    let bytes = pages * page + sock.get("FRAG", "memory") + sock.get("FRAG6", "memory");
    let kbytes = bytes / 1024;
    let limit = tcp_mem_max * page / 1024;
    Figures {
        skbuffs,
        kbytes,
        percent: (kbytes * 100).checked_div(limit).unwrap_or(0),
    }
}

/// The page size assumed when the `slabs` table has no rows (a snapshot without it).
const DEFAULT_PAGE: u64 = 4096;

/// Active `skbuff_head_cache` objects and the page size, from the `slabs` table (0 and
/// [`DEFAULT_PAGE`] for what it lacks; a negative or non-integer cell counts as missing).
fn slab_figures(t: &crate::model::Table) -> (u64, u64) {
    let c = crate::model::Cols::new(t, &["cache", "active_objs", "page_size"]);
    let page = (0..c.len()).find_map(|row| c.u64(row, 2));
    let skb = (0..c.len())
        .find(|row| c.str(*row, 0).as_deref() == Some("skbuff_head_cache"))
        .and_then(|row| c.u64(row, 1));
    (skb.unwrap_or(0), page.unwrap_or(DEFAULT_PAGE))
}

/// Prints `-m`.
pub fn print(ctx: &BsdCtx<'_>, out: &mut dyn Write) -> Result<()> {
    let sock = StatCounters::load(ctx.cat).unwrap_or_default();
    let (skbuffs, page) = match data::load(ctx.cat, "slabs") {
        Ok(v) => slab_figures(&v),
        Err(e) => {
            ctx.cat.notes().add(format!("{e}; mbufs in use shows 0"));
            (0, DEFAULT_PAGE)
        }
    };
    let tcp_mem_max = data::sysctl(ctx.cat, "net.ipv4.tcp_mem")
        .and_then(|v| v.split_whitespace().nth(2)?.parse().ok())
        .unwrap_or(0);
    let f = figures(skbuffs, &sock, page, tcp_mem_max);
    line(out, &format!("{} mbufs in use:", f.skbuffs))?;
    if f.skbuffs > 0 {
        line(
            out,
            &format!("\t{} mbufs allocated to packet headers", f.skbuffs),
        )?;
    }
    line(out, "0/0 mbuf clusters in use")?;
    line(out, "0/0 mbuf 4KB clusters in use")?;
    line(
        out,
        &format!(
            "{} Kbytes allocated to network ({}% in use)",
            f.kbytes, f.percent
        ),
    )?;
    line(out, "0 requests for memory denied")?;
    line(out, "0 requests for memory delayed")?;
    line(out, "0 calls to protocol drain routines")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kbytes_and_percentage() {
        let mut c = StatCounters::default();
        c.insert("TCP", "mem", 100);
        c.insert("UDP", "mem", 28);
        c.insert("FRAG", "memory", 2048);
        let f = figures(5, &c, 4096, 1280);
        // (128 pages * 4 KiB) + 2 KiB = 514 KiB of a 5120 KiB limit.
        assert_eq!(
            f,
            Figures {
                skbuffs: 5,
                kbytes: 514,
                percent: 10
            }
        );
        assert_eq!(figures(0, &StatCounters::default(), 4096, 0).percent, 0);
    }
}
