//! The families `netstat -r` knows but netpry has no routing tables for (IPX, AX.25, NET/ROM,
//! ROSE, DDP, X.25) and those without a route printer: net-tools' messages and exit codes.

use super::*;

/// What net-tools prints for families that have a route printer but whose kernel files this
/// kernel lacks (netpry has no tables for them), or that have none at all.
pub(super) fn legacy_family(
    fam: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    const ENOENT: &str = "No such file or directory";
    match fam {
        "ipx" => {
            writeln!(err, "{ENOENT}")?;
            writeln!(
                out,
                "IPX routing not in file /proc/net/ipx/route or /proc/net/ipx_route found."
            )?;
        }
        "ax25" => {
            writeln!(err, "/proc/net/ax25_route: {ENOENT}")?;
            writeln!(out, "AX.25 not configured in this system.")?;
        }
        "netrom" => {
            writeln!(err, "/proc/net/nr_nodes: {ENOENT}")?;
            writeln!(err, "/proc/net/nr_neigh: Invalid argument")?;
            writeln!(out, "NET/ROM not configured in this system.")?;
        }
        "rose" => {
            writeln!(err, "/proc/net/rose_nodes: {ENOENT}")?;
            writeln!(err, "ROSE not configured in this system.")?;
        }
        "ddp" => {
            writeln!(err, "Error opening /proc/net/atalk_route: {ENOENT}")?;
            writeln!(err, "DDP (AppleTalk) not configured on this system.")?;
        }
        "x25" => writeln!(out, "X.25 not configured in this system.")?,
        "unix" | "ec" | "ash" => {
            writeln!(err, "No routing for address family `{fam}'.")?;
            return Ok(3);
        }
        _ => {
            writeln!(err, "Address family `{fam}' not supported.")?;
            return Ok(3);
        }
    }
    Ok(1)
}
