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
