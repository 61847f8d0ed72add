//! The net-tools netstat 2.10 command line: a faithful emulation of glibc `getopt_long` over
//! netstat's option table, and netstat's own handling of each option.
//!
//! glibc rules reproduced: bundled short options (`-tuan`), attached or separate arguments
//! (`-Ainet`, `-A inet`, `--protocol=inet`, `--protocol inet`), argument permutation (words that
//! are not options are skipped and ignored, unless `POSIXLY_CORRECT` is set, which stops at the
//! first one), `--` as terminator, unique-prefix abbreviation of long options (prefixes that
//! match several options with the same meaning are not ambiguous: all address-family options
//! share one), and getopt's exact messages with `argv[0]` as invoked. Options take effect left
//! to right as they are seen: `-V` and `-h` print and exit at once, so an error after them is
//! never reached, while an error before them wins.

use std::io::Write;

/// The usage text (without the family list, which always goes to stderr).
pub const USAGE: &str = "\
usage: netstat [-vWeenNcCF] [<Af>] -r         netstat {-V|--version|-h|--help}
       netstat [-vWnNcaeol] [<Socket> ...]
       netstat { [-vWeenNac] -i | [-cnNe] -M | -s [-6tuw] }

        -r, --route              display routing table
        -i, --interfaces         display interface table
        -g, --groups             display multicast group memberships
        -s, --statistics         display networking statistics (like SNMP)
        -M, --masquerade         display masqueraded connections

        -v, --verbose            be verbose
        -W, --wide               don't truncate IP addresses
        -n, --numeric            don't resolve names
        --numeric-hosts          don't resolve host names
        --numeric-ports          don't resolve port names
        --numeric-users          don't resolve user names
        -N, --symbolic           resolve hardware names
        -e, --extend             display other/more information
        -p, --programs           display PID/Program name for sockets
        -o, --timers             display timers
        -c, --continuous         continuous listing

        -l, --listening          display listening server sockets
        -a, --all                display all sockets (default: connected)
        -F, --fib                display Forwarding Information Base (default)
        -C, --cache              display routing cache instead of FIB
        -Z, --context            display SELinux security context for sockets

  <Socket>={-t|--tcp} {-u|--udp} {-U|--udplite} {-S|--sctp} {-w|--raw}
           {-x|--unix} --ax25 --ipx --netrom
  <AF>=Use '-6|-4' or '-A <af>' or '--<af>'; default: inet
  List of possible address families (which support routing):
";

/// The routable address families listed after the usage text, always on stderr.
pub const FAMILY_LIST: &str = "    inet (DARPA Internet) inet6 (IPv6) ax25 (AMPR AX.25) \n    \
netrom (AMPR NET/ROM) rose (AMPR ROSE) ipx (Novell IPX) \n    ddp (Appletalk DDP) x25 (CCITT X.25) \n";

/// The `-V` text.
pub const VERSION: &str = "net-tools 2.10
Fred Baumgarten, Alan Cox, Bernd Eckenfels, Phil Blundell, Tuan Hoang, Brian Micek and others
+NEW_ADDRT +RTF_IRTT +RTF_REJECT +FW_MASQUERADE +I18N +SELINUX
AF: (inet) +UNIX +INET +INET6 +IPX +AX25 +NETROM +X25 +ATALK +ECONET +ROSE -BLUETOOTH
HW:  +ETHER +ARC +SLIP +PPP +TUNNEL -TR +AX25 +NETROM +X25 +FR +ROSE +ASH +SIT +FDDI +HIPPI +HDLC/LAPB +EUI64 \n";

/// The short-option string netstat hands to getopt (`:` marks an argument).
const SHORTOPTS: &[u8] = b"A:CFMacdeghilnNoprsStuUvVWw2fx64?Z";

/// What a long option stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Val {
    /// The same as this short option.
    Short(u8),
    /// An address family option (`--inet`, `--unix`, ...): all share one value, so prefixes
    /// matching several of them are not ambiguous; the first in table order is used.
    Af,
    /// `--numeric-hosts`.
    NumericHosts,
    /// `--numeric-ports`.
    NumericPorts,
    /// `--numeric-users`.
    NumericUsers,
}

/// One entry of the long-option table.
struct LongOpt {
    name: &'static str,
    has_arg: bool,
    val: Val,
}

const fn af(name: &'static str) -> LongOpt {
    LongOpt {
        name,
        has_arg: false,
        val: Val::Af,
    }
}

const fn opt(name: &'static str, c: u8) -> LongOpt {
    LongOpt {
        name,
        has_arg: false,
        val: Val::Short(c),
    }
}

/// Number of leading [`LONGOPTS`] entries that are real address-family options; `--tcpip`
/// shares their value but lies outside the range, which netstat reports as an internal error.
const AF_OPTS: usize = 12;

/// netstat's long options in table order: the order decides which option an abbreviation
/// picks and the order of the ambiguity message's possibilities (checked against the binary).
static LONGOPTS: &[LongOpt] = &[
    af("ax25"),
    af("ip"),
    af("ipx"),
    af("appletalk"),
    af("netrom"),
    af("inet"),
    af("inet6"),
    af("ddp"),
    af("rose"),
    af("unix"),
    af("x25"),
    af("bluetooth"),
    af("tcpip"),
    LongOpt {
        name: "protocol",
        has_arg: true,
        val: Val::Short(b'A'),
    },
    opt("version", b'V'),
    opt("help", b'h'),
    opt("route", b'r'),
    opt("interfaces", b'i'),
    opt("groups", b'g'),
    opt("sctp", b'S'),
    opt("statistics", b's'),
    opt("symbolic", b'N'),
    opt("masquerade", b'M'),
    opt("all", b'a'),
    opt("l2cap", b'2'),
    opt("listening", b'l'),
    opt("numeric", b'n'),
    LongOpt {
        name: "numeric-hosts",
        has_arg: false,
        val: Val::NumericHosts,
    },
    LongOpt {
        name: "numeric-ports",
        has_arg: false,
        val: Val::NumericPorts,
    },
    LongOpt {
        name: "numeric-users",
        has_arg: false,
        val: Val::NumericUsers,
    },
    opt("extend", b'e'),
    opt("tcp", b't'),
    opt("udp", b'u'),
    opt("udplite", b'U'),
    opt("raw", b'w'),
    opt("rfcomm", b'f'),
    opt("unix", b'x'),
    opt("timers", b'o'),
    opt("programs", b'p'),
    opt("continuous", b'c'),
    opt("cache", b'C'),
    opt("context", b'Z'),
    opt("verbose", b'v'),
    opt("wide", b'W'),
    opt("fib", b'F'),
];

/// An address family as netstat names it (canonical names, in netstat's `-A` vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4 (`inet`, `ip`, `tcpip`, `-4`).
    Inet,
    /// IPv6 (`inet6`, `ip6`, `-6`).
    Inet6,
    /// UNIX domain (`unix`, `-x`).
    Unix,
    /// Novell IPX.
    Ipx,
    /// AMPR AX.25.
    Ax25,
    /// AMPR NET/ROM.
    Netrom,
    /// AMPR ROSE.
    Rose,
    /// CCITT X.25.
    X25,
    /// AppleTalk DDP (`ddp`, `appletalk`).
    Ddp,
    /// Econet (`econet`).
    Ec,
    /// Ash.
    Ash,
    /// Bluetooth.
    Bluetooth,
}

impl Family {
    /// The family named by an `-A` token or a `--<af>` option, if netstat knows it.
    pub fn from_token(tok: &str) -> Option<Family> {
        Some(match tok {
            "inet" | "ip" | "tcpip" => Family::Inet,
            "inet6" | "ip6" => Family::Inet6,
            "unix" => Family::Unix,
            "ipx" => Family::Ipx,
            "ax25" => Family::Ax25,
            "netrom" => Family::Netrom,
            "rose" => Family::Rose,
            "x25" => Family::X25,
            "ddp" | "appletalk" => Family::Ddp,
            "econet" => Family::Ec,
            "ash" => Family::Ash,
            "bluetooth" => Family::Bluetooth,
            _ => return None,
        })
    }

    /// The canonical name (as listed in `afname` and in messages).
    pub fn name(self) -> &'static str {
        match self {
            Family::Inet => "inet",
            Family::Inet6 => "inet6",
            Family::Unix => "unix",
            Family::Ipx => "ipx",
            Family::Ax25 => "ax25",
            Family::Netrom => "netrom",
            Family::Rose => "rose",
            Family::X25 => "x25",
            Family::Ddp => "ddp",
            Family::Ec => "ec",
            Family::Ash => "ash",
            Family::Bluetooth => "bluetooth",
        }
    }
}

/// Everything the command line set, before netstat's derived rules (see `super::Plan`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opts {
    /// `-r` count.
    pub route: u32,
    /// `-i` count.
    pub interfaces: u32,
    /// `-s` count.
    pub statistics: u32,
    /// `-M` count.
    pub masquerade: u32,
    /// `-g`.
    pub groups: bool,
    /// `-a`.
    pub all: bool,
    /// `-l`.
    pub listening: bool,
    /// `--numeric-hosts` (or `-n`).
    pub numeric_hosts: bool,
    /// `--numeric-ports` (or `-n`).
    pub numeric_ports: bool,
    /// `--numeric-users` (or `-n`).
    pub numeric_users: bool,
    /// `-N`.
    pub symbolic: bool,
    /// `-e` count.
    pub extend: u32,
    /// `-o`.
    pub timers: bool,
    /// `-p`.
    pub programs: bool,
    /// `-c`.
    pub continuous: bool,
    /// `-v`.
    pub verbose: bool,
    /// `-W`.
    pub wide: bool,
    /// `-C`.
    pub cache: bool,
    /// `-F`.
    pub fib: bool,
    /// `-t`.
    pub tcp: bool,
    /// `-u`.
    pub udp: bool,
    /// `-U`.
    pub udplite: bool,
    /// `-w`.
    pub raw: bool,
    /// `-S`.
    pub sctp: bool,
    /// `-2`.
    pub l2cap: bool,
    /// `-f`.
    pub rfcomm: bool,
    /// Family flags set by `-A`, `-4`, `-6`, `-x` and `--<af>`.
    pub families: Vec<Family>,
    /// The families in the order given, duplicates kept (netstat's `afname`).
    pub afname: Vec<Family>,
}

impl Opts {
    /// Whether family `f` was selected.
    pub fn has(&self, f: Family) -> bool {
        self.families.contains(&f)
    }

    fn set_family(&mut self, f: Family) {
        if !self.has(f) {
            self.families.push(f);
        }
        self.afname.push(f);
    }
}

/// The outcome of parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// Run with these options.
    Run(Opts),
    /// Everything has been printed; exit with this status.
    Exit(u8),
}

/// One option as getopt returns it.
enum Event<'a> {
    /// A valid option (short char or long value) with its argument; `long` is the table index
    /// when it came from a long option.
    Opt {
        val: Val,
        long: Option<usize>,
        arg: Option<&'a str>,
    },
    /// getopt reported an error (already printed) or saw `-?`.
    Error,
}

/// A glibc `getopt_long` over netstat's tables, with permutation.
struct Getopt<'a> {
    program: &'a str,
    args: &'a [String],
    /// Index of the word being scanned.
    ind: usize,
    /// Position inside a bundle of short options (0: not inside one).
    pos: usize,
    posix: bool,
    done: bool,
}

impl<'a> Getopt<'a> {
    fn new(program: &'a str, args: &'a [String]) -> Self {
        let posix = std::env::var_os("POSIXLY_CORRECT").is_some();
        Getopt {
            program,
            args,
            ind: 0,
            pos: 0,
            posix,
            done: false,
        }
    }

    fn next(&mut self, err: &mut dyn Write) -> std::io::Result<Option<Event<'a>>> {
        if self.done {
            return Ok(None);
        }
        if self.pos == 0 {
            // Find the next option word, skipping (permuting) non-options.
            loop {
                let Some(word) = self.args.get(self.ind) else {
                    self.done = true;
                    return Ok(None);
                };
                if word == "--" {
                    self.done = true;
                    return Ok(None);
                }
                if word.len() < 2 || !word.starts_with('-') {
                    if self.posix {
                        self.done = true;
                        return Ok(None);
                    }
                    self.ind += 1;
                    continue;
                }
                break;
            }
            let word = &self.args[self.ind];
            if let Some(rest) = word.strip_prefix("--") {
                return self.long(rest, err).map(Some);
            }
            self.pos = 1;
        }
        self.short(err).map(Some)
    }

    fn short(&mut self, err: &mut dyn Write) -> std::io::Result<Event<'a>> {
        let word = self.args[self.ind].as_bytes();
        let c = word[self.pos];
        self.pos += 1;
        let at_end = self.pos >= word.len();
        let known = c != b':' && c != b';' && SHORTOPTS.contains(&c);
        if !known {
            if at_end {
                self.advance();
            }
            err.write_all(format!("{}: invalid option -- '", self.program).as_bytes())?;
            err.write_all(&[c])?;
            err.write_all(b"'\n")?;
            return Ok(Event::Error);
        }
        let takes_arg = SHORTOPTS
            .iter()
            .position(|&x| x == c)
            .is_some_and(|i| SHORTOPTS.get(i + 1) == Some(&b':'));
        if !takes_arg {
            if at_end {
                self.advance();
            }
            if c == b'?' {
                return Ok(Event::Error);
            }
            return Ok(Event::Opt {
                val: Val::Short(c),
                long: None,
                arg: None,
            });
        }
        if !at_end {
            let arg = &self.args[self.ind][self.pos..];
            self.advance();
            return Ok(Event::Opt {
                val: Val::Short(c),
                long: None,
                arg: Some(arg),
            });
        }
        self.advance();
        match self.args.get(self.ind) {
            Some(arg) => {
                self.ind += 1;
                Ok(Event::Opt {
                    val: Val::Short(c),
                    long: None,
                    arg: Some(arg.as_str()),
                })
            }
            None => {
                self.done = true;
                err.write_all(
                    format!("{}: option requires an argument -- '", self.program).as_bytes(),
                )?;
                err.write_all(&[c])?;
                err.write_all(b"'\n")?;
                Ok(Event::Error)
            }
        }
    }

    fn advance(&mut self) {
        self.ind += 1;
        self.pos = 0;
    }

    fn long(&mut self, text: &'a str, err: &mut dyn Write) -> std::io::Result<Event<'a>> {
        self.ind += 1;
        let (name, inline) = match text.find('=') {
            Some(i) => (&text[..i], Some(&text[i + 1..])),
            None => (text, None),
        };
        let program = self.program;
        let found = match LONGOPTS.iter().position(|o| o.name == name) {
            Some(i) => Some(i),
            None => {
                let mut first: Option<usize> = None;
                let mut ambiguous: Vec<usize> = Vec::new();
                for (i, o) in LONGOPTS.iter().enumerate() {
                    if !o.name.starts_with(name) {
                        continue;
                    }
                    match first {
                        None => first = Some(i),
                        Some(f) => {
                            let p = &LONGOPTS[f];
                            if p.has_arg != o.has_arg || p.val != o.val {
                                if ambiguous.is_empty() {
                                    ambiguous.push(f);
                                }
                                ambiguous.push(i);
                            }
                        }
                    }
                }
                if !ambiguous.is_empty() {
                    let mut msg =
                        format!("{program}: option '--{text}' is ambiguous; possibilities:");
                    for i in ambiguous {
                        msg.push_str(&format!(" '--{}'", LONGOPTS[i].name));
                    }
                    msg.push('\n');
                    err.write_all(msg.as_bytes())?;
                    return Ok(Event::Error);
                }
                first
            }
        };
        let Some(idx) = found else {
            err.write_all(format!("{program}: unrecognized option '--{text}'\n").as_bytes())?;
            return Ok(Event::Error);
        };
        let o = &LONGOPTS[idx];
        let arg = match (inline, o.has_arg) {
            (Some(_), false) => {
                err.write_all(
                    format!(
                        "{program}: option '--{}' doesn't allow an argument\n",
                        o.name
                    )
                    .as_bytes(),
                )?;
                return Ok(Event::Error);
            }
            (Some(a), true) => Some(a),
            (None, false) => None,
            (None, true) => match self.args.get(self.ind) {
                Some(a) => {
                    self.ind += 1;
                    Some(a.as_str())
                }
                None => {
                    err.write_all(
                        format!("{program}: option '--{}' requires an argument\n", o.name)
                            .as_bytes(),
                    )?;
                    return Ok(Event::Error);
                }
            },
        };
        Ok(Event::Opt {
            val: o.val,
            long: Some(idx),
            arg,
        })
    }
}

/// Prints the usage text: on stdout for `-h`, otherwise on stderr; the family list always goes
/// to stderr.
pub fn usage(to_stdout: bool, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<()> {
    if to_stdout {
        out.write_all(USAGE.as_bytes())?;
    } else {
        err.write_all(USAGE.as_bytes())?;
    }
    err.write_all(FAMILY_LIST.as_bytes())
}

/// Applies netstat's `aftrans`: sets the family flag and appends to `afname`; an unknown name
/// prints netstat's message and returns false.
fn family(opts: &mut Opts, tok: &str, err: &mut dyn Write) -> std::io::Result<bool> {
    match Family::from_token(tok) {
        Some(f) => {
            opts.set_family(f);
            Ok(true)
        }
        None => {
            err.write_all(format!("Unknown address family `{tok}'.\n").as_bytes())?;
            Ok(false)
        }
    }
}

/// Parses `args` (without the program name) the way netstat 2.10 does, printing what it prints
/// along the way (`-h`, `-V`, getopt and family errors). `program` is `argv[0]` as invoked.
pub fn parse(
    program: &str,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<Parsed> {
    let mut o = Opts::default();
    let mut g = Getopt::new(program, args);
    while let Some(ev) = g.next(err)? {
        let (val, long, arg) = match ev {
            Event::Error => {
                usage(false, out, err)?;
                return Ok(Parsed::Exit(3));
            }
            Event::Opt { val, long, arg } => (val, long, arg),
        };
        match val {
            Val::Af => {
                let idx = long.unwrap_or(usize::MAX);
                if idx >= AF_OPTS {
                    err.write_all(b"netstat.c: Internal Error `longopts 1 range'.\n")?;
                } else if !family(&mut o, LONGOPTS[idx].name, err)? {
                    return Ok(Parsed::Exit(1));
                }
            }
            Val::NumericHosts => o.numeric_hosts = true,
            Val::NumericPorts => o.numeric_ports = true,
            Val::NumericUsers => o.numeric_users = true,
            Val::Short(c) => match c {
                b'A' => {
                    for tok in arg.unwrap_or("").split(',') {
                        if !family(&mut o, tok, err)? {
                            return Ok(Parsed::Exit(1));
                        }
                    }
                }
                b'M' => o.masquerade += 1,
                b'a' => o.all = true,
                b'c' => o.continuous = true,
                b'C' => o.cache = true,
                b'F' => o.fib = true,
                b'd' => {}
                b'e' => o.extend += 1,
                b'g' => o.groups = true,
                b'h' => {
                    usage(true, out, err)?;
                    return Ok(Parsed::Exit(0));
                }
                b'i' => o.interfaces += 1,
                b'l' => o.listening = true,
                b'n' => {
                    o.numeric_hosts = true;
                    o.numeric_ports = true;
                    o.numeric_users = true;
                }
                b'N' => o.symbolic = true,
                b'o' => o.timers = true,
                b'p' => o.programs = true,
                b'r' => o.route += 1,
                b's' => o.statistics += 1,
                b'S' => o.sctp = true,
                b't' => o.tcp = true,
                b'u' => o.udp = true,
                b'U' => o.udplite = true,
                b'w' => o.raw = true,
                b'v' => o.verbose = true,
                b'V' => {
                    out.write_all(VERSION.as_bytes())?;
                    return Ok(Parsed::Exit(0));
                }
                b'W' => o.wide = true,
                b'x' => {
                    family(&mut o, "unix", err)?;
                }
                b'4' => {
                    family(&mut o, "inet", err)?;
                }
                b'6' => {
                    family(&mut o, "inet6", err)?;
                }
                b'2' => o.l2cap = true,
                b'f' => o.rfcomm = true,
                b'Z' => {
                    err.write_all(b"SELinux is not enabled on this machine.\n")?;
                    return Ok(Parsed::Exit(1));
                }
                _ => {
                    usage(false, out, err)?;
                    return Ok(Parsed::Exit(3));
                }
            },
        }
    }
    Ok(Parsed::Run(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> (Parsed, String, String) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let r = parse("netstat", &args, &mut out, &mut err).unwrap();
        (
            r,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn opts(args: &[&str]) -> Opts {
        match p(args).0 {
            Parsed::Run(o) => o,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn first_err_line(args: &[&str]) -> (Parsed, String) {
        let (r, _, e) = p(args);
        (r, e.lines().next().unwrap_or("").to_string())
    }

    #[test]
    fn bundles_arguments_and_permutation() {
        let o = opts(&["-tuan", "eth0", "-Ainet6,unix", "--protocol", "inet"]);
        assert!(o.tcp && o.udp && o.all && o.numeric_hosts && o.numeric_users);
        assert_eq!(o.afname, [Family::Inet6, Family::Unix, Family::Inet]);
        let o = opts(&["-66", "--", "-r"]);
        assert_eq!(o.afname, [Family::Inet6, Family::Inet6]);
        assert_eq!(o.route, 0);
        assert_eq!(opts(&["-ee", "--ext"]).extend, 3);
        assert_eq!(p(&["-A", "-r"]).2, "Unknown address family `-r'.\n");
    }

    #[test]
    fn getopt_messages() {
        assert_eq!(
            first_err_line(&["-Q", "-h"]),
            (Parsed::Exit(3), "netstat: invalid option -- 'Q'".into())
        );
        assert_eq!(
            first_err_line(&["-t", "-A"]),
            (
                Parsed::Exit(3),
                "netstat: option requires an argument -- 'A'".into()
            )
        );
        assert_eq!(
            first_err_line(&["--ip6"]).1,
            "netstat: unrecognized option '--ip6'"
        );
        assert_eq!(
            first_err_line(&["--ip6=x"]).1,
            "netstat: unrecognized option '--ip6=x'"
        );
        assert_eq!(
            first_err_line(&["--tcp=1"]).1,
            "netstat: option '--tcp' doesn't allow an argument"
        );
        assert_eq!(
            first_err_line(&["--protocol"]).1,
            "netstat: option '--protocol' requires an argument"
        );
        assert_eq!(
            first_err_line(&["--in"]).1,
            "netstat: option '--in' is ambiguous; possibilities: '--inet' '--interfaces'"
        );
        assert_eq!(
            first_err_line(&["--u"]).1,
            "netstat: option '--u' is ambiguous; possibilities: '--unix' '--udp' '--udplite' '--unix'"
        );
        assert_eq!(
            first_err_line(&["--r=5"]).1,
            "netstat: option '--r=5' is ambiguous; possibilities: '--rose' '--route' '--raw' '--rfcomm'"
        );
        let (r, out, err) = p(&["-?"]);
        assert_eq!(r, Parsed::Exit(3));
        assert!(out.is_empty() && err.starts_with("usage: netstat") && err.ends_with(FAMILY_LIST));
    }

    #[test]
    fn immediate_effects_left_to_right() {
        let (r, out, err) = p(&["-h", "-Q", "-A", "foo"]);
        assert_eq!(r, Parsed::Exit(0));
        assert_eq!(out, USAGE);
        assert_eq!(err, FAMILY_LIST);
        assert_eq!(p(&["-A", "foo", "-h"]).2, "Unknown address family `foo'.\n");
        assert_eq!(p(&["-A", "inet,", "-V"]).2, "Unknown address family `'.\n");
        let (r, out, _) = p(&["-V", "-Q"]);
        assert_eq!((r, out.as_str()), (Parsed::Exit(0), VERSION));
        assert_eq!(p(&["-Z", "-h"]).0, Parsed::Exit(1));
        let (r, _, err) = p(&["--tcpip", "-t"]);
        assert!(matches!(r, Parsed::Run(_)));
        assert_eq!(err, "netstat.c: Internal Error `longopts 1 range'.\n");
    }

    #[test]
    fn abbreviations_pick_the_first_of_equal_options() {
        assert_eq!(opts(&["--ine"]).afname, [Family::Inet]);
        assert_eq!(opts(&["--b"]).afname, [Family::Bluetooth]);
        assert!(opts(&["--prog"]).programs);
        assert!(opts(&["--numeric-h"]).numeric_hosts);
        assert_eq!(opts(&["--stat"]).statistics, 1);
        assert_eq!(opts(&["--appl"]).afname, [Family::Ddp]);
    }
}
