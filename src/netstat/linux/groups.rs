//! `netstat -g`: multicast group memberships, printed inside the socket listing after the
//! raw sockets, from netpry's `multicast` table (IPv4 rows if the inet family is on, then IPv6
//! rows if inet6 is on). Group addresses are resolved like socket hosts unless numeric.

use std::io::Write;

use super::Plan;
use super::args::Family;
use super::names::Resolver;
use super::sockets::pad_left;
use crate::catalog::Catalog;
use crate::model::Cols;
use crate::tables::Request;

/// The three header lines.
pub const HEADER: &str = "IPv6/IPv4 Group Memberships\nInterface       RefCnt Group\n\
--------------- ------ ---------------------\n";

/// One row: interface L(15), users L(6), group text.
pub fn format_row(interface: &str, users: i64, group: &str) -> String {
    let mut s = String::with_capacity(48);
    pad_left(&mut s, interface, 15);
    s.push(' ');
    pad_left(&mut s, &users.to_string(), 6);
    s.push(' ');
    s.push_str(group);
    s.push('\n');
    s
}

/// Prints the group section for one pass.
pub fn print(
    plan: &Plan,
    cat: &Catalog,
    hosts: &mut Resolver,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    out.write_all(HEADER.as_bytes())?;
    let req = Request::columns(&["family", "ifname", "group", "users"]);
    let Ok(t) = cat.collect("multicast", &req).map(crate::netstat::bytewise) else {
        return Ok(());
    };
    const FAMILY: usize = 0;
    const IFNAME: usize = 1;
    const GROUP: usize = 2;
    const USERS: usize = 3;
    let c = Cols::new(&t, &["family", "ifname", "group", "users"]);
    for (fam, want) in [("inet", Family::Inet), ("inet6", Family::Inet6)] {
        if !plan.opts.has(want) {
            continue;
        }
        for row in 0..c.len() {
            if c.str(row, FAMILY).as_deref() != Some(fam) {
                continue;
            }
            let Some(group) = c.ip(row, GROUP) else {
                continue;
            };
            let group = hosts.host_text(&group, plan.opts.numeric_hosts);
            let line = format_row(
                c.str(row, IFNAME).as_deref().unwrap_or(""),
                c.int(row, USERS).unwrap_or(0),
                &group,
            );
            out.write_all(line.as_bytes())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_match_the_spec() {
        assert_eq!(
            format_row("lo", 1, "224.0.0.1"),
            "lo              1      224.0.0.1\n"
        );
        assert_eq!(
            format_row("eth0", 1, "ff02::1:ff00:2"),
            "eth0            1      ff02::1:ff00:2\n"
        );
    }
}
