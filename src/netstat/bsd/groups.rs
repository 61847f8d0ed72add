//! `-g`: multicast group memberships in the modern Mac OS X layout (link-layer, IPv4 and IPv6
//! tables, TAB separated), and `-gs`: per-interface membership state in ifmcstat style.
//!
//! The handout-era `-g` printed multicast *routing* tables (VIFs and the forwarding cache);
//! netpry follows the modern meaning, since Linux hosts rarely run a multicast router and the
//! memberships are what users look for. Data: the `multicast` table (live or from a snapshot).

use std::io::Write;
use std::net::IpAddr;

use super::args::Af;
use super::data::{self, Group, GroupAddr};
use super::names::{self, Names};
use super::{BsdCtx, line};
use crate::error::Result;

/// The link-layer address an IP group maps to: `01:00:5e` + low 23 bits, `33:33` + low 32.
pub fn mapped_mac(a: IpAddr) -> String {
    let bytes: Vec<u8> = match a {
        IpAddr::V4(v) => {
            let o = v.octets();
            vec![0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]]
        }
        IpAddr::V6(v) => {
            let o = v.octets();
            vec![0x33, 0x33, o[12], o[13], o[14], o[15]]
        }
    };
    bytes
        .iter()
        .map(|b| format!("{b:x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn load(ctx: &BsdCtx<'_>) -> Vec<Group> {
    data::multicast(ctx.cat).unwrap_or_else(|e| {
        ctx.cat.notes().add(format!("multicast memberships: {e}"));
        Vec::new()
    })
}

/// Prints `-g` (or `-gs`).
pub fn print(ctx: &BsdCtx<'_>, out: &mut dyn Write) -> Result<()> {
    let groups = load(ctx);
    let mut names = Names::load(ctx.opts.numeric, ctx.cat);
    if let Ok(ifs) = data::interfaces(ctx.cat) {
        names.ifnames = ifs.into_iter().map(|i| (i.index, i.name)).collect();
    }
    if ctx.opts.stats > 0 {
        return per_interface(ctx, &groups, &names, out);
    }
    let af = ctx.opts.af;
    let mut first = true;
    let mut table =
        |title: &str, rows: Vec<(String, String, String)>, out: &mut dyn Write| -> Result<()> {
            if !first {
                line(out, "")?;
            }
            first = false;
            line(out, title)?;
            line(
                out,
                &format!("{:<20}\t{:<16}\tNetif", "Group", "Link-layer Address"),
            )?;
            for (g, mac, netif) in rows {
                line(out, &format!("{g:<20}\t{mac:<16}\t{netif}"))?;
            }
            Ok(())
        };
    if af.is_none() {
        let rows = groups
            .iter()
            .filter_map(|g| match &g.group {
                GroupAddr::Link(m) => Some((
                    names::ether_unpadded(m),
                    "<none>".to_string(),
                    g.ifname.clone(),
                )),
                GroupAddr::Ip(_) => None,
            })
            .collect();
        table("Link-layer Multicast Group Memberships", rows, out)?;
    }
    if matches!(af, None | Some(Af::Inet)) {
        let rows = groups
            .iter()
            .filter_map(|g| match &g.group {
                GroupAddr::Ip(a @ IpAddr::V4(v)) => {
                    Some((names.routename4(*v), mapped_mac(*a), g.ifname.clone()))
                }
                _ => None,
            })
            .collect();
        table("IPv4 Multicast Group Memberships", rows, out)?;
    }
    if matches!(af, None | Some(Af::Inet6)) {
        let rows = groups
            .iter()
            .filter_map(|g| match &g.group {
                GroupAddr::Ip(a @ IpAddr::V6(v)) => Some((
                    names::numeric6(*v, g.ifindex, &names),
                    mapped_mac(*a),
                    g.ifname.clone(),
                )),
                _ => None,
            })
            .collect();
        table("IPv6 Multicast Group Memberships", rows, out)?;
    }
    Ok(())
}

/// `-gs`: for each interface with memberships, its addresses, the IGMP/MLD version and each
/// group with the link-layer address it maps to.
fn per_interface(
    ctx: &BsdCtx<'_>,
    groups: &[Group],
    names: &Names,
    out: &mut dyn Write,
) -> Result<()> {
    let addrs = data::addresses(ctx.cat).unwrap_or_default();
    let mut ifs: Vec<(u32, &str)> = groups
        .iter()
        .map(|g| (g.ifindex, g.ifname.as_str()))
        .collect();
    ifs.sort();
    ifs.dedup();
    for (idx, name) in ifs {
        line(out, &format!("{name}:"))?;
        for v6 in [false, true] {
            let mine: Vec<&Group> = groups
                .iter()
                .filter(|g| {
                    g.ifindex == idx && matches!(g.group, GroupAddr::Ip(a) if a.is_ipv6() == v6)
                })
                .collect();
            if mine.is_empty() {
                continue;
            }
            for a in addrs
                .iter()
                .filter(|a| a.ifindex == idx && a.addr.is_ipv6() == v6)
            {
                match a.addr {
                    IpAddr::V4(v) => line(out, &format!("\tinet {v}"))?,
                    IpAddr::V6(v) => {
                        line(out, &format!("\tinet6 {}", names::numeric6(v, idx, names)))?
                    }
                }
            }
            let version = if v6 {
                "mldv2".to_string()
            } else {
                mine[0].igmp_version.as_deref().map_or_else(
                    || "igmp".into(),
                    |v| format!("igmp{}", v.to_ascii_lowercase()),
                )
            };
            line(out, &format!("\t{version}"))?;
            for g in mine {
                let GroupAddr::Ip(a) = g.group else { continue };
                let text = match a {
                    IpAddr::V4(v) => v.to_string(),
                    IpAddr::V6(v) => names::numeric6(v, idx, names),
                };
                line(out, &format!("\t\tgroup {text} mode exclude"))?;
                line(out, &format!("\t\t\tmcast-macaddr {}", mapped_mac(a)))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_to_link_layer_mapping() {
        assert_eq!(mapped_mac("224.0.0.1".parse().unwrap()), "1:0:5e:0:0:1");
        assert_eq!(mapped_mac("239.129.2.3".parse().unwrap()), "1:0:5e:1:2:3");
        assert_eq!(
            mapped_mac("ff02::1:ff00:1234".parse().unwrap()),
            "33:33:ff:0:12:34"
        );
    }
}
