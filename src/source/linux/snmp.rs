//! Protocol counters from `/proc/net/snmp`, `/proc/net/netstat`, `/proc/net/snmp6`,
//! `/proc/net/sockstat` and `/proc/net/sockstat6`, parsed generically: every counter the
//! running kernel prints becomes a [`StatRecord`], so counters added by newer kernels appear
//! without code changes. Records keep file order (file, then line, then column), which is the
//! order `netstat -s` prints in. A malformed line (a header whose value line has another number
//! of fields, a value that is not an integer) is skipped and described, never a panic.
//!
//! The three layouts:
//! - `snmp`, `netstat`: pairs of lines, `Tcp: Name1 Name2 ...` then `Tcp: 1 2 ...`;
//! - `snmp6`: one counter a line, `Ip6InReceives   12`; the group is the name up to its first
//!   `6` (`Ip6`, `Icmp6`, `Udp6`, `UdpLite6`);
//! - `sockstat`, `sockstat6`: one group a line, `TCP: inuse 1 orphan 0 tw 0`.

use std::sync::Arc;

use crate::door::source::records::StatRecord;
use crate::error::{Error, Result};

/// One of the counter files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatSource {
    /// `/proc/net/snmp`: Ip, Icmp, IcmpMsg, Tcp, Udp, UdpLite.
    Snmp,
    /// `/proc/net/netstat`: TcpExt, IpExt, MPTcpExt.
    Netstat,
    /// `/proc/net/snmp6`: Ip6, Icmp6, Udp6, UdpLite6.
    Snmp6,
    /// `/proc/net/sockstat`: socket counts and memory for IPv4 (and `sockets: used`).
    Sockstat,
    /// `/proc/net/sockstat6`: socket counts for IPv6.
    Sockstat6,
}

impl StatSource {
    /// Every file, in the order the `stats` table lists them.
    pub const ALL: [StatSource; 5] = [
        StatSource::Snmp,
        StatSource::Netstat,
        StatSource::Snmp6,
        StatSource::Sockstat,
        StatSource::Sockstat6,
    ];

    /// The name shown in the `source` column (the file name).
    pub fn name(self) -> &'static str {
        match self {
            StatSource::Snmp => "snmp",
            StatSource::Netstat => "netstat",
            StatSource::Snmp6 => "snmp6",
            StatSource::Sockstat => "sockstat",
            StatSource::Sockstat6 => "sockstat6",
        }
    }

    /// The file's path (in the reading thread's network namespace).
    pub fn path(self) -> &'static str {
        match self {
            StatSource::Snmp => "/proc/net/snmp",
            StatSource::Netstat => "/proc/net/netstat",
            StatSource::Snmp6 => "/proc/net/snmp6",
            StatSource::Sockstat => "/proc/net/sockstat",
            StatSource::Sockstat6 => "/proc/net/sockstat6",
        }
    }

    /// Parses the file's text, appending its counters to `out` in file order; returns one
    /// description per malformed line skipped (`line N: why`).
    pub fn parse(self, text: &str, out: &mut Vec<StatRecord>) -> Vec<String> {
        match self {
            StatSource::Snmp | StatSource::Netstat => parse_header_value(self.name(), text, out),
            StatSource::Snmp6 => parse_snmp6(text, out),
            StatSource::Sockstat | StatSource::Sockstat6 => {
                parse_label_pairs(self.name(), text, out)
            }
        }
    }
}

/// Counters of every file that could be read, and one message per file that was missing,
/// unreadable, or had malformed lines.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ProtocolStats {
    /// Every counter, in file, line and column order.
    pub records: Vec<StatRecord>,
    /// One-line messages for the user (`/proc/net/snmp6: missing (IPv6 disabled?)`, ...).
    pub notes: Vec<String>,
}

/// Reads every counter file of the current network namespace.
///
/// A missing `snmp6` or `sockstat6` (IPv6 disabled) or a malformed line becomes a note; the
/// call fails only when no file at all could be read.
pub fn protocol_stats() -> Result<ProtocolStats> {
    let mut stats = ProtocolStats::default();
    let mut first_error = None;
    let mut read_any = false;
    for source in StatSource::ALL {
        let path = source.path();
        match std::fs::read(super::thread_path(std::path::Path::new(path))) {
            Ok(bytes) => {
                read_any = true;
                let problems = source.parse(&String::from_utf8_lossy(&bytes), &mut stats.records);
                if let Some(note) = problems_note(path, &problems) {
                    stats.notes.push(note);
                }
            }
            Err(e) => {
                let why = if e.kind() == std::io::ErrorKind::NotFound {
                    match source {
                        StatSource::Snmp6 | StatSource::Sockstat6 => {
                            "missing (IPv6 disabled?); its counters are left out".to_string()
                        }
                        _ => "missing; its counters are left out".to_string(),
                    }
                } else {
                    format!("cannot read ({e}); its counters are left out")
                };
                stats.notes.push(format!("{path}: {why}"));
                first_error.get_or_insert((path, e));
            }
        }
    }
    match (read_any, first_error) {
        (false, Some((path, e))) => Err(Error::kernel(format!("reading {path}"), e)),
        _ => Ok(stats),
    }
}

/// One note summarising the malformed lines of a file, or `None` when there were none.
pub fn problems_note(path: &str, problems: &[String]) -> Option<String> {
    let first = problems.first()?;
    let n = problems.len();
    let lines = if n == 1 { "line" } else { "lines" };
    Some(format!(
        "{path}: skipped {n} malformed {lines} (first: {first})"
    ))
}

/// Splits `Label: rest` into the label and the rest; `None` when there is no colon.
fn split_label(line: &str) -> Option<(&str, &str)> {
    let (label, rest) = line.split_once(':')?;
    let label = label.trim();
    (!label.is_empty() && !label.contains(char::is_whitespace)).then_some((label, rest))
}

/// A counter value: a signed integer (Tcp MaxConn is -1); unsigned values beyond `i64::MAX`
/// saturate.
fn parse_value(s: &str) -> Option<i64> {
    s.parse::<i64>()
        .ok()
        .or_else(|| s.parse::<u64>().ok().map(|_| i64::MAX))
}

/// `snmp` and `netstat`: a header line of names followed by a value line with the same label.
fn parse_header_value(source: &'static str, text: &str, out: &mut Vec<StatRecord>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    while let Some((i, header)) = lines.next() {
        let Some((label, names)) = split_label(header) else {
            problems.push(format!("line {}: no `Group:` label", i + 1));
            continue;
        };
        let next_label = lines
            .peek()
            .and_then(|(_, l)| split_label(l))
            .map(|(l, _)| l);
        if next_label != Some(label) {
            problems.push(format!(
                "line {}: {label} names without a value line",
                i + 1
            ));
            continue;
        }
        let (_, value_line) = lines.next().unwrap_or_default();
        let values_text = split_label(value_line).map_or("", |(_, v)| v);
        let names: Vec<&str> = names.split_whitespace().collect();
        let values: Vec<Option<i64>> = values_text.split_whitespace().map(parse_value).collect();
        if names.len() != values.len() {
            problems.push(format!(
                "line {}: {label} has {} names but {} values",
                i + 2,
                names.len(),
                values.len()
            ));
            continue;
        }
        if values.iter().any(Option::is_none) {
            problems.push(format!(
                "line {}: {label} has a value that is not an integer",
                i + 2
            ));
            continue;
        }
        let proto: Arc<str> = Arc::from(label);
        for (name, value) in names.into_iter().zip(values) {
            out.push(StatRecord {
                source,
                proto: Arc::clone(&proto),
                name: name.to_string(),
                value: value.unwrap_or_default(),
            });
        }
    }
    problems
}

/// `snmp6`: `Ip6InReceives<spaces/tab>12`, the group being the name up to its first `6`.
fn parse_snmp6(text: &str, out: &mut Vec<StatRecord>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut proto: Arc<str> = Arc::from("");
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields[..] {
            [] => {}
            [full, value] => {
                let split = full.find('6').map(|p| p + 1).filter(|&p| p < full.len());
                let (Some(p), Some(value)) = (split, parse_value(value)) else {
                    problems.push(format!(
                        "line {}: {full} is not `<Group>6<Name> <integer>`",
                        i + 1
                    ));
                    continue;
                };
                if *proto != full[..p] {
                    proto = Arc::from(&full[..p]);
                }
                out.push(StatRecord {
                    source: "snmp6",
                    proto: Arc::clone(&proto),
                    name: full[p..].to_string(),
                    value,
                });
            }
            _ => problems.push(format!("line {}: expected a name and a value", i + 1)),
        }
    }
    problems
}

/// `sockstat`, `sockstat6`: `TCP: inuse 1 orphan 0 ...`, name/value pairs after the label.
fn parse_label_pairs(source: &'static str, text: &str, out: &mut Vec<StatRecord>) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((label, rest)) = split_label(line) else {
            problems.push(format!("line {}: no `Group:` label", i + 1));
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let pairs: Option<Vec<(&str, i64)>> = if fields.len() % 2 == 0 {
            fields
                .chunks_exact(2)
                .map(|c| parse_value(c[1]).map(|v| (c[0], v)))
                .collect()
        } else {
            None
        };
        let Some(pairs) = pairs else {
            problems.push(format!("line {}: {label} is not `name value` pairs", i + 1));
            continue;
        };
        let proto: Arc<str> = Arc::from(label);
        for (name, value) in pairs {
            out.push(StatRecord {
                source,
                proto: Arc::clone(&proto),
                name: name.to_string(),
                value,
            });
        }
    }
    problems
}

// Needs the test captures (tests/fixtures, tests/data), which the packaged crate leaves out.
#[cfg(all(test, netpry_captures))]
mod tests {
    use super::*;

    // Captured on the development machine (Linux 6.18) with `cp /proc/net/... tests/data/proc/`.
    const SNMP: &str = include_str!("../../../tests/data/proc/net-snmp");
    const NETSTAT: &str = include_str!("../../../tests/data/proc/net-netstat");
    const SNMP6: &str = include_str!("../../../tests/data/proc/net-snmp6");
    const SOCKSTAT: &str = include_str!("../../../tests/data/proc/net-sockstat");
    const SOCKSTAT6: &str = include_str!("../../../tests/data/proc/net-sockstat6");

    fn parse(source: StatSource, text: &str) -> (Vec<StatRecord>, Vec<String>) {
        let mut out = Vec::new();
        let problems = source.parse(text, &mut out);
        (out, problems)
    }

    fn find<'a>(recs: &'a [StatRecord], proto: &str, name: &str) -> &'a StatRecord {
        recs.iter()
            .find(|r| &*r.proto == proto && r.name == name)
            .unwrap_or_else(|| panic!("{proto} {name} missing"))
    }

    /// Every (group, name) of a header/value file, computed independently of the parser.
    fn header_names(text: &str) -> Vec<(String, String)> {
        let lines: Vec<&str> = text.lines().collect();
        lines
            .chunks(2)
            .flat_map(|pair| {
                let (label, names) = pair[0].split_once(':').unwrap();
                names
                    .split_whitespace()
                    .map(move |n| (label.to_string(), n.to_string()))
            })
            .collect()
    }

    #[test]
    fn snmp_keeps_every_counter_in_file_order() {
        let (recs, problems) = parse(StatSource::Snmp, SNMP);
        assert!(problems.is_empty(), "{problems:?}");
        let got: Vec<(String, String)> = recs
            .iter()
            .map(|r| (r.proto.to_string(), r.name.clone()))
            .collect();
        assert_eq!(got, header_names(SNMP));
        assert!(recs.iter().all(|r| r.source == "snmp"));
        assert_eq!(recs[0].proto.as_ref(), "Ip");
        assert_eq!(recs[0].name, "Forwarding");
        assert_eq!(find(&recs, "Tcp", "MaxConn").value, -1);
        assert_eq!(find(&recs, "Tcp", "RtoMax").value, 120_000);
        assert_eq!(find(&recs, "Ip", "DefaultTTL").value, 64);
        assert_eq!(find(&recs, "IcmpMsg", "InType3").value, 1);
        assert_eq!(find(&recs, "Ip", "InReceives").value, 2248);
    }

    #[test]
    fn netstat_keeps_every_extension_group() {
        let (recs, problems) = parse(StatSource::Netstat, NETSTAT);
        assert!(problems.is_empty(), "{problems:?}");
        let got: Vec<(String, String)> = recs
            .iter()
            .map(|r| (r.proto.to_string(), r.name.clone()))
            .collect();
        assert_eq!(got, header_names(NETSTAT));
        assert_eq!(find(&recs, "TcpExt", "TW").value, 9);
        assert_eq!(find(&recs, "IpExt", "InOctets").value, 49_927_826);
        assert_eq!(
            recs.first().map(|r| r.name.as_str()),
            Some("SyncookiesSent")
        );
        let groups: Vec<&str> = recs.iter().map(|r| &*r.proto).fold(Vec::new(), |mut v, p| {
            if v.last() != Some(&p) {
                v.push(p);
            }
            v
        });
        assert_eq!(groups, ["TcpExt", "IpExt", "MPTcpExt"]);
    }

    #[test]
    fn snmp6_splits_the_group_prefix() {
        let (recs, problems) = parse(StatSource::Snmp6, SNMP6);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(recs.len(), SNMP6.lines().count());
        assert_eq!(find(&recs, "Ip6", "InReceives").value, 1);
        assert_eq!(find(&recs, "Ip6", "OutRequests").value, 10);
        assert_eq!(find(&recs, "Icmp6", "InType1").source, "snmp6");
        find(&recs, "Icmp6", "OutType135");
        find(&recs, "UdpLite6", "InDatagrams");
        find(&recs, "Udp6", "IgnoredMulti");
        // Concatenating group and name gives back the file's name, in file order.
        let joined: Vec<String> = recs
            .iter()
            .map(|r| format!("{}{}", r.proto, r.name))
            .collect();
        let names: Vec<&str> = SNMP6
            .lines()
            .map(|l| l.split_whitespace().next().unwrap())
            .collect();
        assert_eq!(joined, names);
    }

    #[test]
    fn sockstat_reads_label_pairs() {
        let (recs, problems) = parse(StatSource::Sockstat, SOCKSTAT);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(find(&recs, "sockets", "used").value, 16);
        assert_eq!(find(&recs, "TCP", "alloc").value, 1);
        assert_eq!(find(&recs, "FRAG", "memory").value, 0);
        let tcp: Vec<&str> = recs
            .iter()
            .filter(|r| &*r.proto == "TCP")
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(tcp, ["inuse", "orphan", "tw", "alloc", "mem"]);
        let (recs, problems) = parse(StatSource::Sockstat6, SOCKSTAT6);
        assert!(problems.is_empty(), "{problems:?}");
        let groups: Vec<&str> = recs.iter().map(|r| &*r.proto).collect();
        assert_eq!(
            groups,
            ["TCP6", "UDP6", "UDPLITE6", "RAW6", "FRAG6", "FRAG6"]
        );
        assert!(recs.iter().all(|r| r.source == "sockstat6"));
    }

    #[test]
    fn mismatched_header_and_values_are_skipped_with_a_description() {
        let text = "Ip: A B C\nIp: 1 2\nTcp: X Y\nTcp: 3 4\n";
        let (recs, problems) = parse(StatSource::Snmp, text);
        assert_eq!(problems, ["line 2: Ip has 3 names but 2 values"]);
        assert_eq!(recs.len(), 2);
        assert_eq!((recs[1].name.as_str(), recs[1].value), ("Y", 4));
    }

    #[test]
    fn orphan_and_garbage_lines_never_panic() {
        let cases = [
            "Ip: A B\n",
            "Ip: A B\nTcp: X\nTcp: 1\n",
            "garbage without colon\nTcp: X\nTcp: 1\n",
            "Tcp: X\nTcp: notanumber\n",
            ": A\n: 1\n",
            "\n\n",
            "Tcp:\nTcp:\n",
            "Tcp: X Y\nTcp: 1 18446744073709551615\n",
        ];
        for text in cases {
            let _ = parse(StatSource::Snmp, text);
            let _ = parse(StatSource::Snmp6, text);
            let _ = parse(StatSource::Sockstat, text);
        }
        let (recs, problems) = parse(StatSource::Snmp, cases[1]);
        assert_eq!(problems, ["line 1: Ip names without a value line"]);
        assert_eq!(recs.len(), 1);
        let (recs, problems) = parse(StatSource::Snmp, cases[3]);
        assert_eq!(problems, ["line 2: Tcp has a value that is not an integer"]);
        assert!(recs.is_empty());
        let (recs, _) = parse(StatSource::Snmp, cases[7]);
        assert_eq!(recs[1].value, i64::MAX, "values beyond i64 saturate");
        let (recs, problems) = parse(StatSource::Snmp, cases[6]);
        assert!(
            recs.is_empty() && problems.is_empty(),
            "an empty group is no counter"
        );
    }

    #[test]
    fn malformed_snmp6_and_sockstat_lines_are_skipped() {
        let (recs, problems) = parse(
            StatSource::Snmp6,
            "Ip6InReceives 1\nIp6 2\nNoDigit 3\nIcmp6InMsgs x\nA 1 2\n",
        );
        assert_eq!(recs.len(), 1);
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert_eq!(problems[0], "line 2: Ip6 is not `<Group>6<Name> <integer>`");
        let (recs, problems) = parse(StatSource::Sockstat, "TCP: inuse 1 orphan\nUDP: inuse 2\n");
        assert_eq!(problems, ["line 1: TCP is not `name value` pairs"]);
        assert_eq!((recs[0].proto.as_ref(), recs[0].value), ("UDP", 2));
    }

    #[test]
    fn problems_make_one_note_per_file() {
        assert_eq!(problems_note("/proc/net/snmp", &[]), None);
        let two = ["line 2: a".to_string(), "line 9: b".to_string()];
        assert_eq!(
            problems_note("/proc/net/snmp", &two).unwrap(),
            "/proc/net/snmp: skipped 2 malformed lines (first: line 2: a)"
        );
    }

    #[test]
    fn live_files_parse_cleanly() {
        // Whatever this kernel prints must parse without a skipped line.
        let stats = protocol_stats().expect("/proc/net/snmp is readable");
        assert!(
            stats.notes.iter().all(|n| !n.contains("malformed")),
            "{:?}",
            stats.notes
        );
        assert!(
            stats
                .records
                .iter()
                .any(|r| &*r.proto == "Tcp" && r.name == "ActiveOpens")
        );
    }
}
