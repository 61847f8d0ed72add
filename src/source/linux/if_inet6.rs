//! `/proc/net/if_inet6`: the host's IPv6 addresses in the kernel's own order (its address
//! hash), which is the order `ifconfig` and net-tools `netstat -ie` print them in; rtnetlink
//! dumps the same addresses in another order.
//!
//! One address a line, fields separated by spaces: the address (32 hex digits, no colons), the
//! interface index, the prefix length, the scope and the flags (hex), then the device name.

use std::net::Ipv6Addr;

/// One line of `/proc/net/if_inet6`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfInet6 {
    /// The address.
    pub addr: Ipv6Addr,
    /// Interface index.
    pub ifindex: u32,
    /// Prefix length.
    pub prefix_len: u8,
    /// Device name.
    pub dev: String,
}

/// The entries of `/proc/net/if_inet6` in file order (empty when IPv6 is off or unreadable).
pub fn if_inet6() -> Vec<IfInet6> {
    parse(&super::read_raw("/proc/net/if_inet6").unwrap_or_default())
}

/// Parses the file's text; malformed lines are skipped.
pub fn parse(text: &str) -> Vec<IfInet6> {
    text.lines()
        .filter_map(|line| {
            let w: Vec<&str> = line.split_whitespace().collect();
            if w.len() < 6 || w[0].len() != 32 {
                return None;
            }
            Some(IfInet6 {
                addr: Ipv6Addr::from(u128::from_str_radix(w[0], 16).ok()?),
                ifindex: u32::from_str_radix(w[1], 16).ok()?,
                prefix_len: u8::from_str_radix(w[2], 16).ok()?,
                dev: w[5].to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_in_file_order() {
        let got = parse(
            "fe8000000000000000fc00fffe000001 04 40 20 80     eth0\n\
             00000000000000000000000000000001 01 80 10 80       lo\n\
             short 01 80 10 80 lo\n\
             fd000000000000000000000000000002 0a 40 00 82 vlongername0123\n",
        );
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[0].addr,
            "fe80::fc:ff:fe00:1".parse::<Ipv6Addr>().unwrap()
        );
        assert_eq!((got[0].ifindex, got[0].prefix_len), (4, 64));
        assert_eq!(got[1].dev, "lo");
        assert_eq!(
            (got[2].ifindex, got[2].dev.as_str()),
            (10, "vlongername0123")
        );
    }
}
