//! BSD netstat's command line: BSD `getopt(3)` over the classic Mac OS X option string.
//!
//! BSD getopt, not GNU: options end at the first operand or at `--` (no permutation), there
//! are no long options, letters may be bundled (`-rn`, `-Lan`), and an option argument is the
//! rest of the word or the next word (`-fINET`, `-f inet`). A bad letter prints
//! `netstat: illegal option -- X` and the usage text, and exits 1. After the options, a
//! numeric operand is the legacy form of `-w N`; further operands are the kvm namelist and
//! core, accepted and ignored like `-N` and `-M`.

use crate::tables::names as netdb;

/// Address family selected with `-f` (or `-u`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Af {
    /// `inet`: IPv4.
    Inet,
    /// `inet6`: IPv6.
    Inet6,
    /// `unix`: UNIX domain.
    Unix,
    /// A family Apple knows but Linux netpry has nothing for (`ipx`, `pfkey`, `systm`, `vsock`).
    Other,
}

/// Every option and operand, after parsing.
#[derive(Debug, Clone, Default)]
pub struct Opts {
    /// `-A`: show the socket's handle (the sock_diag cookie).
    pub a_pcb: bool,
    /// `-a`: all sockets (LISTEN too), cloned routes, multicast lines under `-i`.
    pub all: bool,
    /// `-b`: byte columns with `-i`.
    pub bytes: bool,
    /// `-d`: drop column with `-i` and `-w`.
    pub drops: bool,
    /// `-f af` (`-u` is `-f unix`).
    pub af: Option<Af>,
    /// `-g`: multicast group memberships (count: `-gs` is the per-interface state).
    pub groups: bool,
    /// `-I interface`.
    pub interface: Option<String>,
    /// `-i` (also set by `-I`, `-w` and a numeric operand).
    pub iflag: bool,
    /// `-i` or `-I` given (not just an interval): selects per-interface statistics with `-s`.
    pub if_explicit: bool,
    /// `-L`: listen queue sizes.
    pub listen_queues: bool,
    /// `-l` count: full IPv6 addresses, route MTU column.
    pub long: u32,
    /// `-m` count: memory statistics.
    pub memory: u32,
    /// `-n`: numeric addresses and ports.
    pub numeric: bool,
    /// `-p protocol`, resolved to netstat's protocol name.
    pub protocol: Option<&'static str>,
    /// `-r`: routing tables.
    pub routes: bool,
    /// `-s` count: statistics; 2 or more hides zero counters.
    pub stats: u32,
    /// `-t`: the (always zero) watchdog Time column with `-i`.
    pub timer: bool,
    /// `-W`: do not cut addresses.
    pub wide: bool,
    /// `-w wait` or the legacy numeric operand, in seconds.
    pub interval: Option<u64>,
    /// Options and operands that name a kvm core or kernel (`-M`, `-N`, trailing operands).
    pub ignored_kvm: Vec<String>,
}

/// Why the command line was refused: the message (without the program name) and whether the
/// usage text follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgError {
    /// One-line message, e.g. `illegal option -- z`.
    pub message: String,
    /// Print the usage text after the message.
    pub usage: bool,
}

impl ArgError {
    fn usage(message: String) -> ArgError {
        ArgError {
            message,
            usage: true,
        }
    }
    fn plain(message: String) -> ArgError {
        ArgError {
            message,
            usage: false,
        }
    }
}

/// The usage text (classic Apple synopsis without `-M`/`-N`), ending with an empty line.
pub const USAGE: &str = "Usage:\tnetstat [-AaLlnW] [-f address_family | -p protocol]
\tnetstat [-gilns] [-f address_family]
\tnetstat -i | -I interface [-w wait] [-abdgt]
\tnetstat -s [-s] [-f address_family | -p protocol]
\tnetstat -i | -I interface -s [-f address_family | -p protocol]
\tnetstat -m
\tnetstat -r [-Aaln] [-f address_family]
\tnetstat -rs [-s]

";

/// Letters that take an argument.
const WITH_ARG: &str = "fIMNpw";
/// Letters without one.
const FLAGS: &str = "AabdgiLlmnrstuW";

/// Protocol names netstat knows (`-p`), in Apple's table order.
pub const PROTOCOLS: &[&str] = &[
    "tcp", "udp", "divert", "ip", "icmp", "igmp", "ipsec", "arp", "mptcp", "ip6", "icmp6",
    "ipsec6", "rip6", "pfkey",
];

/// Parses the arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Opts, ArgError> {
    parse_with(args, &|name| protocol_alias(name, "/etc/protocols"))
}

/// [`parse`] with an injectable `/etc/protocols` alias lookup (for tests).
pub fn parse_with(
    args: &[String],
    alias: &dyn Fn(&str) -> Option<&'static str>,
) -> Result<Opts, ArgError> {
    let mut o = Opts::default();
    let mut i = 0;
    while i < args.len() {
        let word = &args[i];
        if word == "--" {
            i += 1;
            break;
        }
        if !word.starts_with('-') || word == "-" {
            break;
        }
        let letters: Vec<char> = word[1..].chars().collect();
        let mut k = 0;
        while k < letters.len() {
            let c = letters[k];
            k += 1;
            if WITH_ARG.contains(c) {
                let optarg: String = if k < letters.len() {
                    let rest: String = letters[k..].iter().collect();
                    k = letters.len();
                    rest
                } else {
                    i += 1;
                    match args.get(i) {
                        Some(a) => a.clone(),
                        None => {
                            return Err(ArgError::usage(format!(
                                "option requires an argument -- {c}"
                            )));
                        }
                    }
                };
                apply_arg(&mut o, c, optarg, alias)?;
            } else if FLAGS.contains(c) {
                apply_flag(&mut o, c);
            } else {
                return Err(ArgError::usage(format!("illegal option -- {c}")));
            }
        }
        i += 1;
    }
    let mut rest = args[i.min(args.len())..].iter();
    if let Some(first) = rest.clone().next() {
        if first.starts_with(|c: char| c.is_ascii_digit()) {
            rest.next();
            match atoi(first) {
                n if n > 0 => {
                    o.interval = Some(n);
                    o.iflag = true;
                }
                _ => return Err(ArgError::usage(String::new())),
            }
        }
    }
    o.ignored_kvm.extend(rest.map(|s| format!("operand {s}")));
    Ok(o)
}

fn apply_flag(o: &mut Opts, c: char) {
    match c {
        'A' => o.a_pcb = true,
        'a' => o.all = true,
        'b' => o.bytes = true,
        'd' => o.drops = true,
        'g' => o.groups = true,
        'i' => {
            o.iflag = true;
            o.if_explicit = true;
        }
        'L' => o.listen_queues = true,
        'l' => o.long += 1,
        'm' => o.memory += 1,
        'n' => o.numeric = true,
        'r' => o.routes = true,
        's' => o.stats += 1,
        't' => o.timer = true,
        'u' => o.af = Some(Af::Unix),
        'W' => o.wide = true,
        _ => {}
    }
}

fn apply_arg(
    o: &mut Opts,
    c: char,
    arg: String,
    alias: &dyn Fn(&str) -> Option<&'static str>,
) -> Result<(), ArgError> {
    match c {
        'f' => {
            o.af = Some(match arg.as_str() {
                "inet" => Af::Inet,
                "inet6" => Af::Inet6,
                "unix" | "local" => Af::Unix,
                "ipx" | "pfkey" | "systm" | "vsock" => Af::Other,
                _ => return Err(ArgError::plain(format!("{arg}: unknown address family"))),
            })
        }
        'I' => {
            o.interface = Some(arg);
            o.iflag = true;
            o.if_explicit = true;
        }
        'M' => o.ignored_kvm.push(format!("-M {arg}")),
        'N' => o.ignored_kvm.push(format!("-N {arg}")),
        'p' => {
            let p = PROTOCOLS
                .iter()
                .copied()
                .find(|p| *p == arg)
                .or_else(|| alias(&arg));
            match p {
                Some(p) => o.protocol = Some(p),
                None => {
                    return Err(ArgError::plain(format!(
                        "{arg}: unknown or uninstrumented protocol"
                    )));
                }
            }
        }
        'w' => {
            let n = atoi(&arg);
            if n == 0 {
                return Err(ArgError::plain(format!(
                    "{arg}: bad wait interval (a positive number of seconds)"
                )));
            }
            o.interval = Some(n);
            o.iflag = true;
        }
        _ => {}
    }
    Ok(())
}

/// C `atoi` for non-negative numbers: leading digits, 0 when there are none.
fn atoi(s: &str) -> u64 {
    let digits: String = s
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or(if digits.is_empty() { 0 } else { u64::MAX })
}

/// Looks `name` up as a protocol name or alias in `protocols_file` (`/etc/protocols` format)
/// and returns netstat's name for it, if netstat knows that protocol.
pub fn protocol_alias(name: &str, protocols_file: &str) -> Option<&'static str> {
    let entry = netdb::protocols_at(protocols_file)
        .into_iter()
        .find(|p| p.name == name || p.aliases.iter().any(|a| a == name))?;
    let lower = entry.name.to_ascii_lowercase();
    let known = PROTOCOLS.iter().copied().find(|p| *p == lower).or_else(|| {
        entry.aliases.iter().find_map(|a| {
            let a = a.to_ascii_lowercase();
            PROTOCOLS.iter().copied().find(|p| *p == a)
        })
    });
    // /etc/protocols spells ICMPv6 `ipv6-icmp`.
    known.or(match lower.as_str() {
        "ipv6-icmp" => Some("icmp6"),
        "ipv6" => Some("ip6"),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: &[&str]) -> Result<Opts, ArgError> {
        let v: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        parse_with(&v, &|n| if n == "TCP" { Some("tcp") } else { None })
    }

    #[test]
    fn bundles_and_arguments() {
        let o = p(&["-rn"]).unwrap();
        assert!(o.routes && o.numeric);
        let o = p(&["-finet6", "-Lan"]).unwrap();
        assert_eq!(o.af, Some(Af::Inet6));
        assert!(o.listen_queues && o.all && o.numeric);
        let o = p(&["-I", "en0", "-w", "2", "-d"]).unwrap();
        assert_eq!(o.interface.as_deref(), Some("en0"));
        assert_eq!(o.interval, Some(2));
        assert!(o.iflag && o.drops);
        let o = p(&["-ss", "-p", "TCP"]).unwrap();
        assert_eq!((o.stats, o.protocol), (2, Some("tcp")));
    }

    #[test]
    fn no_permutation_and_legacy_interval() {
        // BSD getopt stops at the first operand: "-r" after "5" is an operand, not an option.
        let o = p(&["-n", "5", "-r"]).unwrap();
        assert!(!o.routes);
        assert_eq!(o.interval, Some(5));
        assert_eq!(o.ignored_kvm, ["operand -r"]);
        let o = p(&["--", "-r"]).unwrap();
        assert!(!o.routes);
    }

    #[test]
    fn errors() {
        assert_eq!(
            p(&["-z"]).unwrap_err(),
            ArgError::usage("illegal option -- z".into())
        );
        assert_eq!(
            p(&["--long"]).unwrap_err(),
            ArgError::usage("illegal option -- -".into())
        );
        assert_eq!(
            p(&["-w"]).unwrap_err(),
            ArgError::usage("option requires an argument -- w".into())
        );
        assert_eq!(
            p(&["-f", "ax25"]).unwrap_err().message,
            "ax25: unknown address family"
        );
        assert_eq!(
            p(&["-p", "xyz"]).unwrap_err().message,
            "xyz: unknown or uninstrumented protocol"
        );
        assert!(p(&["-w", "0"]).is_err());
    }

    #[test]
    fn kvm_options_are_recorded() {
        let o = p(&["-M", "core", "-Nkernel", "-r"]).unwrap();
        assert_eq!(o.ignored_kvm, ["-M core", "-N kernel"]);
        assert!(o.routes);
    }

    #[test]
    fn aliases_from_a_protocols_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("protocols");
        std::fs::write(&f, "tcp\t6\tTCP\t# comment\nipv6-icmp 58 IPv6-ICMP\n").unwrap();
        let f = f.to_str().unwrap();
        assert_eq!(protocol_alias("TCP", f), Some("tcp"));
        assert_eq!(protocol_alias("IPv6-ICMP", f), Some("icmp6"));
        assert_eq!(protocol_alias("nope", f), None);
    }
}
