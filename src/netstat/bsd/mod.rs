//! `netpry netstat --bsd`: the BSD / Mac OS X netstat of the course handout, on Linux data.
//!
//! The command line follows BSD getopt ([`args`]); [`main`] dispatches in Apple's order
//! (`-m`, interface displays, `-r`, `-g`, `-p`, then the per-family socket or statistics walk)
//! to one module per display: [`sockets`] (Internet and UNIX socket lists, `-L`), [`routes`]
//! (`-r`, `-rs`), [`interfaces`] (`-i`, `-I`, `-w`), [`stats`] (`-s`), [`memory`] (`-m`) and
//! [`groups`] (`-g`). Every display reads netpry's tables through [`data`], so `--snapshot`
//! works for all of them; formats and field widths follow `shared/specs/bsd-netstat.md`.

pub mod args;
pub mod data;
pub mod groups;
pub mod interfaces;
pub mod memory;
pub mod names;
pub mod routes;
pub mod sockets;
pub mod stats;

use std::io::Write;
use std::path::Path;

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use args::{Af, Opts};

/// Everything a display needs: options, the catalog, and the output.
pub struct BsdCtx<'a> {
    /// Parsed options.
    pub opts: Opts,
    /// Where tables come from.
    pub cat: &'a Catalog,
    /// Whether the catalog reads a snapshot (no live-only sources).
    pub snapshot: bool,
}

/// Runs BSD-style netstat with `args` (without the program name); returns the exit status.
pub fn main(program: &str, args: Vec<String>, snapshot: Option<&Path>) -> u8 {
    let base = Path::new(program)
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    let me = if base == "bsd-netstat" {
        base
    } else {
        "netstat"
    };
    let opts = match args::parse(&args) {
        Ok(o) => o,
        Err(e) => {
            if !e.message.is_empty() {
                crate::errln!("{me}: {}", e.message);
            }
            if e.usage {
                crate::console::err_text(args::USAGE);
            }
            return 1;
        }
    };
    if !opts.ignored_kvm.is_empty() {
        crate::errln!(
            "{me}: warning: {} ignored: Linux has no kvm core or namelist; showing the running kernel",
            opts.ignored_kvm.join(", ")
        );
    }
    let cat = match crate::front::open(me, snapshot, &mut std::io::stderr().lock()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let ctx = BsdCtx {
        opts,
        cat: &cat,
        snapshot: snapshot.is_some(),
    };
    let stdout = std::io::stdout();
    // Names print as the raw bytes they are, as netstat prints them.
    let mut out = std::io::BufWriter::new(crate::model::rawtext::RawWriter::new(stdout.lock()));
    let result =
        dispatch(&ctx, &mut out).and_then(|c| out.flush().map(|_| c).map_err(Error::Output));
    let _ = crate::front::print_notes(me, &cat, &mut std::io::stderr().lock());
    if result.as_ref().is_err_and(|e| !e.is_broken_pipe()) {
        let _ = out.flush();
    }
    crate::front::finish(
        me,
        result.map_err(crate::front::Status1),
        &mut std::io::stderr().lock(),
    )
}

/// Apple's dispatch order (spec §1.3).
fn dispatch(ctx: &BsdCtx<'_>, out: &mut dyn Write) -> Result<u8> {
    let o = &ctx.opts;
    if o.memory > 0 {
        memory::print(ctx, out)?;
        return Ok(0);
    }
    if o.iflag && o.stats == 0 {
        return match o.interval {
            Some(wait) => interfaces::sideways(ctx, wait, out),
            None => interfaces::table(ctx, out).map(|_| 0),
        };
    }
    if o.routes {
        if o.stats > 0 {
            stats::routing(ctx, out)?;
        } else {
            routes::print(ctx, out)?;
        }
        return Ok(0);
    }
    if o.groups {
        groups::print(ctx, out)?;
        return Ok(0);
    }
    if o.stats > 0 && o.if_explicit && o.protocol.is_none() {
        stats::per_interface(ctx, out, None)?;
        return Ok(0);
    }
    if let Some(p) = o.protocol {
        return print_protocol(ctx, p, out);
    }
    let af = o.af;
    let mut socks = None;
    let v4 = matches!(af, None | Some(Af::Inet));
    let v6 = matches!(af, None | Some(Af::Inet6));
    if o.stats > 0 {
        let mut list: Vec<&str> = Vec::new();
        if v4 {
            list.extend(["tcp", "udp", "ip", "icmp", "igmp"]);
        }
        if v6 {
            for p in ["tcp", "udp", "ip6", "icmp6", "rip6"] {
                if !list.contains(&p) {
                    list.push(p);
                }
            }
        }
        let c = data::StatCounters::load(ctx.cat)?;
        for p in list {
            stats::block(ctx, &c, p, out)?;
        }
        return Ok(0);
    }
    if v4 || v6 {
        let s = sockets::Inet::load(ctx)?;
        s.print_all(ctx, out)?;
        socks = Some(s);
    }
    if matches!(af, None | Some(Af::Unix)) && !o.listen_queues {
        let all = match socks {
            Some(s) => s.into_sockets(),
            None => data::sockets(ctx.cat)?,
        };
        sockets::unix(&all, out)?;
    }
    Ok(0)
}

/// `-p proto`: its sockets, or its statistics with `-s` (repeated every `-w` seconds).
fn print_protocol(ctx: &BsdCtx<'_>, p: &'static str, out: &mut dyn Write) -> Result<u8> {
    let o = &ctx.opts;
    if o.stats > 0 {
        if o.if_explicit {
            if matches!(p, "ip6" | "icmp6") {
                stats::per_interface(ctx, out, Some(p))?;
            } else {
                writeln!(out, "{p}: no per-interface stats routine").map_err(Error::Output)?;
            }
            return Ok(0);
        }
        if !stats::has_block(p) {
            writeln!(out, "{p}: no stats routine").map_err(Error::Output)?;
            return Ok(0);
        }
        return match o.interval {
            Some(wait) => stats::repeat(ctx, p, wait, out),
            None => {
                let c = data::StatCounters::load(ctx.cat)?;
                stats::block(ctx, &c, p, out)?;
                Ok(0)
            }
        };
    }
    if !sockets::has_pcb_list(p) {
        writeln!(out, "{p}: no PCB routine").map_err(Error::Output)?;
        return Ok(0);
    }
    let s = sockets::Inet::load(ctx)?;
    s.print_protocol(ctx, p, out)?;
    Ok(0)
}

/// Installs the Ctrl-C handler (the program's one, [`crate::interrupt`]) once and returns the
/// flag it sets (for the `-w` loops).
pub fn interrupted() -> &'static std::sync::atomic::AtomicBool {
    crate::interrupt::install();
    &crate::interrupt::FLAG
}

/// Sleeps `secs` seconds in short steps; returns false when Ctrl-C arrived meanwhile.
pub fn sleep_unless_interrupted(secs: u64) -> bool {
    use std::sync::atomic::Ordering;
    let flag = interrupted();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if flag.load(Ordering::SeqCst) {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    !flag.load(Ordering::SeqCst)
}

/// `%-W.Ws`: left-justified, padded and cut to `w` characters.
pub fn l(s: &str, w: usize) -> String {
    let cut: String = s.chars().take(w).collect();
    format!("{cut:<w$}")
}

/// `%W.Ws`: right-justified, padded and cut to `w` characters.
pub fn r(s: &str, w: usize) -> String {
    let cut: String = s.chars().take(w).collect();
    format!("{cut:>w$}")
}

/// Writes a line, mapping errors.
pub fn line(out: &mut dyn Write, s: &str) -> Result<()> {
    writeln!(out, "{s}").map_err(Error::Output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf_widths() {
        assert_eq!(l("Destination", 5), "Desti");
        assert_eq!(l("ab", 4), "ab  ");
        assert_eq!(r("Refs", 6), "  Refs");
        assert_eq!(r("1234567", 3), "123");
    }
}
