//! IP values in scripts: comparison with other addresses and with address text, CIDR tests
//! (`ip in "10.0.0.0/8"`, `ip.within(cidr)`), classification, and null-safe comparisons so a
//! missing value (`()`) compares as false instead of stopping the script.

use std::cmp::Ordering;
use std::net::IpAddr;

use ipnet::IpNet;
use rhai::{Engine, EvalAltResult, FLOAT, INT, Position};

/// A result whose error is a Rhai error.
pub type RhaiResultOf<T> = Result<T, Box<EvalAltResult>>;

use super::types::Ip;

/// Parses `text` as a network in CIDR notation; a plain address is a /32 or /128 network.
pub fn parse_net(text: &str) -> Result<IpNet, String> {
    let t = text.trim();
    if let Ok(net) = t.parse::<IpNet>() {
        return Ok(net);
    }
    t.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("'{text}' is not an address or a CIDR network (like \"10.0.0.0/8\")"))
}

/// The IPv4 address behind an IPv4-mapped IPv6 address (`::ffff:10.9.0.2`, what a `::`
/// listener reports for an IPv4 client); any other address unchanged.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether `net` holds `ip` as written or, for an IPv4-mapped address, its IPv4 form.
pub fn net_contains(net: &IpNet, ip: IpAddr) -> bool {
    net.contains(&ip) || net.contains(&canonical(ip))
}

/// Whether `ip` equals the address written in `text` (false when `text` is not an address).
pub fn eq_text(ip: IpAddr, text: &str) -> bool {
    text.trim().parse::<IpAddr>().is_ok_and(|t| t == ip)
}

/// Orders `ip` against the address written in `text`.
pub fn cmp_text(ip: IpAddr, text: &str) -> Result<Ordering, String> {
    text.trim()
        .parse::<IpAddr>()
        .map(|t| ip.cmp(&t))
        .map_err(|_| format!("cannot compare an IP address with '{text}': not an address"))
}

/// The address tests a script can call on an `Ip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpTest {
    /// 127.0.0.0/8 or ::1.
    Loopback,
    /// RFC 1918 (10/8, 172.16/12, 192.168/16) or IPv6 unique local (fc00::/7).
    Private,
    /// 0.0.0.0 or ::.
    Unspecified,
}

impl IpTest {
    /// The test named `name` (the script method's name).
    pub fn by_name(name: &str) -> Option<IpTest> {
        Some(match name {
            "is_loopback" => IpTest::Loopback,
            "is_private" => IpTest::Private,
            "is_unspecified" => IpTest::Unspecified,
            _ => return None,
        })
    }

    /// Applies the test (to the IPv4 form of an IPv4-mapped address).
    pub fn check(self, ip: IpAddr) -> bool {
        match (self, canonical(ip)) {
            (IpTest::Loopback, ip) => ip.is_loopback(),
            (IpTest::Unspecified, ip) => ip.is_unspecified(),
            (IpTest::Private, IpAddr::V4(v4)) => v4.is_private(),
            (IpTest::Private, IpAddr::V6(v6)) => (v6.segments()[0] & 0xfe00) == 0xfc00,
        }
    }
}

fn err<T>(msg: String) -> RhaiResultOf<T> {
    Err(Box::new(EvalAltResult::ErrorRuntime(
        msg.into(),
        Position::NONE,
    )))
}

macro_rules! ordering_ops {
    ($engine:ident, $l:ty, $r:ty, $cmp:expr) => {
        $engine.register_fn("<", move |a: $l, b: $r| -> RhaiResultOf<bool> {
            Ok($cmp(a, b)?.is_lt())
        });
        $engine.register_fn("<=", move |a: $l, b: $r| -> RhaiResultOf<bool> {
            Ok($cmp(a, b)?.is_le())
        });
        $engine.register_fn(">", move |a: $l, b: $r| -> RhaiResultOf<bool> {
            Ok($cmp(a, b)?.is_gt())
        });
        $engine.register_fn(">=", move |a: $l, b: $r| -> RhaiResultOf<bool> {
            Ok($cmp(a, b)?.is_ge())
        });
    };
}

macro_rules! null_false {
    ($engine:ident, $($l:ty, $r:ty);* $(;)?) => {$(
        for op in ["<", "<=", ">", ">="] {
            $engine.register_fn(op, |_: $l, _: $r| false);
        }
    )*};
}

/// Registers the `Ip` type, its operators and methods, `ip(text)`, and the null-safe
/// comparisons.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Ip>("Ip");
    engine.register_fn("ip", |text: &str| -> RhaiResultOf<Ip> {
        text.trim()
            .parse()
            .map(Ip)
            .or_else(|_| err(format!("'{text}' is not an IP address")))
    });
    engine.register_fn("to_string", |ip: &mut Ip| ip.0.to_string());
    engine.register_fn("to_debug", |ip: &mut Ip| ip.0.to_string());
    engine.register_fn("==", |a: Ip, b: Ip| a == b);
    engine.register_fn("!=", |a: Ip, b: Ip| a != b);
    engine.register_fn("==", |a: Ip, b: &str| eq_text(a.0, b));
    engine.register_fn("!=", |a: Ip, b: &str| !eq_text(a.0, b));
    engine.register_fn("==", |a: &str, b: Ip| eq_text(b.0, a));
    engine.register_fn("!=", |a: &str, b: Ip| !eq_text(b.0, a));
    ordering_ops!(engine, Ip, Ip, |a: Ip, b: Ip| -> RhaiResultOf<Ordering> {
        Ok(a.cmp(&b))
    });
    ordering_ops!(engine, Ip, &str, |a: Ip,
                                     b: &str|
     -> RhaiResultOf<Ordering> {
        cmp_text(a.0, b).or_else(err)
    });
    ordering_ops!(engine, &str, Ip, |a: &str,
                                     b: Ip|
     -> RhaiResultOf<Ordering> {
        cmp_text(b.0, a).map(Ordering::reverse).or_else(err)
    });
    // `ip in "10.0.0.0/8"` is `contains("10.0.0.0/8", ip)`.
    engine.register_fn("contains", |net: &str, ip: Ip| -> RhaiResultOf<bool> {
        parse_net(net).map(|n| net_contains(&n, ip.0)).or_else(err)
    });
    engine.register_fn("within", |ip: &mut Ip, net: &str| -> RhaiResultOf<bool> {
        parse_net(net).map(|n| net_contains(&n, ip.0)).or_else(err)
    });
    engine.register_fn("canonical", |ip: &mut Ip| Ip(canonical(ip.0)));
    engine.register_fn("canonical", |_: ()| ());
    engine.register_fn("contains", |_: &str, _: ()| false);
    engine.register_fn("within", |_: (), _: &str| false);
    for name in ["is_loopback", "is_private", "is_unspecified"] {
        let test = IpTest::by_name(name).unwrap_or(IpTest::Loopback);
        engine.register_fn(name, move |ip: &mut Ip| test.check(ip.0));
        engine.register_fn(name, |_: ()| false);
    }
    engine.register_fn("is_ipv4", |ip: &mut Ip| ip.0.is_ipv4());
    engine.register_fn("is_ipv6", |ip: &mut Ip| ip.0.is_ipv6());
    // A missing value orders as false against anything, like SQL's NULL.
    null_false!(engine,
        (), INT; INT, (); (), FLOAT; FLOAT, (); (), &str; &str, (); (), Ip; Ip, (); (), ());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_and_text_comparisons() {
        let ip: IpAddr = "10.1.2.3".parse().unwrap();
        assert!(parse_net("10.0.0.0/8").unwrap().contains(&ip));
        assert!(parse_net("10.1.2.3").unwrap().contains(&ip));
        assert!(
            parse_net("nope")
                .unwrap_err()
                .contains("not an address or a CIDR")
        );
        assert!(eq_text(ip, "10.1.2.3") && !eq_text(ip, "x"));
        assert_eq!(cmp_text(ip, "10.1.2.10"), Ok(Ordering::Less));
        assert!(IpTest::Private.check(ip));
        assert!(IpTest::Private.check("fd00::1".parse().unwrap()));
        assert!(!IpTest::Private.check("8.8.8.8".parse().unwrap()));
        assert!(IpTest::Loopback.check("::1".parse().unwrap()));
        assert!(IpTest::Unspecified.check("0.0.0.0".parse().unwrap()));
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_ipv4() {
        let mapped: IpAddr = "::ffff:10.9.0.2".parse().unwrap();
        assert_eq!(canonical(mapped), "10.9.0.2".parse::<IpAddr>().unwrap());
        assert_eq!(canonical("fd00::1".parse().unwrap()).to_string(), "fd00::1");
        assert!(net_contains(&parse_net("10.0.0.0/8").unwrap(), mapped));
        assert!(net_contains(&parse_net("::ffff:0:0/96").unwrap(), mapped));
        assert!(!net_contains(&parse_net("192.168.0.0/16").unwrap(), mapped));
        assert!(IpTest::Private.check(mapped));
        assert!(IpTest::Loopback.check("::ffff:127.0.0.1".parse().unwrap()));
        assert!(IpTest::Unspecified.check("::ffff:0.0.0.0".parse().unwrap()));
        assert!(!IpTest::Private.check("::ffff:8.8.8.8".parse().unwrap()));
    }
}
