//! Per-interface IPv6 and ICMPv6 counters from `/proc/net/dev_snmp6/IFNAME`, for BSD netstat's
//! `-i -s` / `-I IF -s` blocks.

use crate::error::{Error, Result};

/// The `(name, value)` counters of interface `ifname`, in file order.
pub fn counters(ifname: &str) -> Result<Vec<(String, u64)>> {
    if ifname.is_empty() || ifname.contains('/') || ifname.starts_with('.') {
        return Err(Error::Usage(format!("{ifname}: not an interface name")));
    }
    let path = super::raw_path("/proc/net/dev_snmp6", ifname);
    let text = super::read_raw(&path).map_err(|e| {
        let shown = crate::model::escape_bytes(path.as_os_str().as_encoded_bytes()).into_owned();
        Error::kernel(format!("reading {shown}"), e)
    })?;
    Ok(parse(&text))
}

/// One counter of one interface's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevSnmp6Record {
    /// Interface name (raw text, see `model::rawtext`).
    pub ifname: String,
    /// Counter name as the file spells it (`Ip6InReceives`, `Icmp6OutMsgs`, `ifIndex`).
    pub name: String,
    /// Counter value.
    pub value: u64,
}

/// Every interface's counters: the files of `/proc/net/dev_snmp6` in name order, each in file
/// order. A kernel without IPv6 (no directory) has none; a file that vanishes while being read
/// (its interface was deleted) is skipped.
pub fn all() -> Result<Vec<DevSnmp6Record>> {
    let dir = super::thread_path(std::path::Path::new("/proc/net/dev_snmp6")).into_owned();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::kernel("reading /proc/net/dev_snmp6", e)),
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| super::raw_name(&e.file_name()))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for ifname in names {
        let Ok(counters) = counters(&ifname) else {
            continue;
        };
        out.extend(counters.into_iter().map(|(name, value)| DevSnmp6Record {
            ifname: ifname.clone(),
            name,
            value,
        }));
    }
    Ok(out)
}

/// Parses `name value` lines.
pub fn parse(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_name_value_lines() {
        let c = super::parse("ifIndex 4\nIp6InReceives 12\nbad\n");
        assert_eq!(
            c,
            [
                ("ifIndex".to_string(), 4),
                ("Ip6InReceives".to_string(), 12)
            ]
        );
    }
}
