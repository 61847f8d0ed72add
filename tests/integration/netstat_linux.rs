//! The net-tools netstat front end against the real `/usr/bin/netstat` (net-tools 2.10).
//!
//! * Command-line behaviour that reads no socket data (usage, version, getopt errors, every
//!   abbreviation of every long option, family errors, mode conflicts) is compared on the host.
//! * The socket listing is compared inside a throwaway network namespace holding known
//!   sockets (TCP v4/v6 listeners, established, CLOSE_WAIT, TIME_WAIT, IPv4-mapped, long IPv6
//!   addresses, UDP, UDP-Lite, raw, UNIX path/abstract/socketpair, a socket owned by `nobody`,
//!   multicast memberships), with `/etc/hosts` and `resolv.conf` under the test's control (the
//!   name server is 127.0.0.53 inside the namespace, where nothing listens, so DNS fails fast).
//!   stdout, stderr (up to the program name) and the exit status must be identical. The kernel
//!   may hand netpry (sock_diag) rows in a different order than netstat reads them from /proc;
//!   when that is the only difference, rows are compared sorted within each section, and the
//!   report says so. Timer countdowns (`-o`) change between the two runs: the Timer field is
//!   compared by kind, retransmit and probe counts and the shape of the countdown.
//! * Snapshot fixtures reproduce the spec's captured samples without root.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Netns, decode, netpry, netpry_bin, root_or_skip};

const NETSTAT: &str = "/usr/bin/netstat";

/// A directory holding a `netstat` symlink to the netpry binary (removed on drop).
pub(crate) struct Link {
    dir: PathBuf,
}

impl Link {
    pub(crate) fn new(tag: &str) -> Link {
        let dir = std::env::temp_dir().join(format!("netpry-nslink-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create link dir");
        std::os::unix::fs::symlink(netpry_bin(), dir.join("netstat")).expect("symlink");
        Link { dir }
    }

    fn path(&self) -> PathBuf {
        self.dir.join("netstat")
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) fn have_netstat() -> bool {
    if Path::new(NETSTAT).exists() {
        return true;
    }
    if std::env::var("NETPRY_REQUIRE_ROOT_TESTS").as_deref() == Ok("1") {
        panic!("{NETSTAT} is missing (install net-tools)");
    }
    eprintln!("SKIP: {NETSTAT} is missing");
    false
}

/// One run's (status, stdout, stderr), with the program name at line starts replaced.
pub(crate) type Run = (i32, String, String);

pub(crate) fn normalize_prog(r: Run, prog: &str) -> Run {
    let prefix = format!("{prog}:");
    let err: String =
        r.2.split_inclusive('\n')
            .map(|l| match l.strip_prefix(&prefix) {
                Some(rest) => format!("PROG:{rest}"),
                None => l.to_string(),
            })
            .collect();
    (r.0, r.1, err)
}

/// Replaces the countdown in Timer fields (`keepalive (7199.52/0/0)`) by `#`, keeping its shape
/// checked: only `digits.2digits` is replaced.
fn mask_timers(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.split_inclusive('\n') {
        let mut l = line.to_string();
        for kind in [
            "on (",
            "keepalive (",
            "timewait (",
            "probe (",
            "on1 (",
            "on2 (",
        ] {
            if let Some(i) = l.rfind(kind) {
                let start = i + kind.len();
                let rest = &l[start..];
                if let Some(slash) = rest.find('/') {
                    let num = &rest[..slash];
                    let shaped = num.split_once('.').is_some_and(|(a, b)| {
                        !a.is_empty()
                            && a.bytes().all(|c| c.is_ascii_digit())
                            && b.len() == 2
                            && b.bytes().all(|c| c.is_ascii_digit())
                    });
                    if shaped {
                        l = format!("{}#{}", &l[..start], &rest[slash..]);
                    }
                }
                break;
            }
        }
        out.push_str(&l);
    }
    out
}

fn is_header(line: &str) -> bool {
    [
        "Active ",
        "Proto ",
        "IPv6/IPv4 Group",
        "Interface ",
        "---------------",
    ]
    .iter()
    .any(|h| line.starts_with(h))
}

/// Rows sorted within each section (a section is the run of rows between header lines).
fn sorted_sections(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    for line in s.split_inclusive('\n') {
        if is_header(line) {
            rows.sort();
            out.append(&mut rows);
            out.push(line.to_string());
        } else {
            rows.push(line.to_string());
        }
    }
    rows.sort();
    out.append(&mut rows);
    out
}

/// How two runs compared.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Identical,
    /// Identical once rows are sorted within sections (kernel row order differs).
    SameRowsOtherOrder,
    Different(String),
}

pub(crate) fn compare(want: &Run, got: &Run, timers: bool) -> Verdict {
    let (wo, go) = if timers {
        (mask_timers(&want.1), mask_timers(&got.1))
    } else {
        (want.1.clone(), got.1.clone())
    };
    if want.0 != got.0 || want.2 != got.2 {
        return Verdict::Different(format!(
            "status {} vs {}\n--- netstat stderr\n{}--- netpry stderr\n{}",
            want.0, got.0, want.2, got.2
        ));
    }
    if wo == go {
        return Verdict::Identical;
    }
    if sorted_sections(&wo) == sorted_sections(&go) {
        return Verdict::SameRowsOtherOrder;
    }
    Verdict::Different(format!("--- netstat stdout\n{wo}--- netpry stdout\n{go}"))
}

fn run_in(ns: &Netns, program: &Path, args: &[&str]) -> Run {
    let mut c = ns.command(program.to_str().expect("utf-8 path"), args);
    c.env("LC_ALL", "C")
        .env_remove("NETPRY_NETSTAT_STYLE")
        .env_remove("POSIXLY_CORRECT");
    decode(c.output().expect("run in netns"))
}

/// Compares every argument list in the namespace, collecting failures.
pub(crate) fn compare_all(ns: &Netns, link: &Link, cases: &[&str]) -> (Vec<String>, usize) {
    let mut failures = Vec::new();
    let mut reordered = 0;
    for case in cases {
        let args: Vec<&str> = case.split_whitespace().collect();
        let want = normalize_prog(run_in(ns, Path::new(NETSTAT), &args), NETSTAT);
        let got = normalize_prog(
            run_in(ns, &link.path(), &args),
            link.path().to_str().unwrap(),
        );
        let timers = args
            .iter()
            .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('o'))
            || args.contains(&"--timers");
        match compare(&want, &got, timers) {
            Verdict::Identical => {}
            Verdict::SameRowsOtherOrder => reordered += 1,
            Verdict::Different(d) => failures.push(format!("netstat {case}\n{d}")),
        }
    }
    (failures, reordered)
}

#[test]
fn command_line_matches_net_tools() {
    if !have_netstat() {
        return;
    }
    let link = Link::new("cli");
    // None of these read socket rows: each stops before the first section or prints none.
    let mut cases: Vec<String> = [
        "-h",
        "--help",
        "-V",
        "--version",
        "-Q",
        "-Q -h",
        "-h -Q",
        "-V -Q",
        "-?",
        "-A",
        "-t -A",
        "--protocol",
        "--protocol=",
        "-A foo",
        "-A inet,foo -h",
        "-A , -V",
        "-h -A foo",
        "--in",
        "--u",
        "--num",
        "--ro",
        "--ip6",
        "--ip6=x",
        "--tcp=1",
        "--interfaces=eth0",
        "--help=x",
        "-rr",
        "-r -i",
        "-M -r",
        "-s -i",
        "-i -s -r",
        "-Z",
        "-Z -h",
        "-M",
        "-M -c",
        "--tcpip -V",
        "-: -h",
        "-S",
        "-uS",
        "--ipx",
        "--netrom",
        "--rose",
        "--x25 -S",
        "-2",
        "-f",
        "-A bluetooth",
        "--bluetooth",
        "--b",
        "-4 -S",
        "-g -S",
        "-t -A",
        "-c -Q",
        "-eeee -?",
        "--notrim",
        "--econet",
        "--ash",
        "-T",
        "-I",
        "-n --tcpip -?",
        "-Ainet,,inet6 -V",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    const LONG: &[&str] = &[
        "route",
        "interfaces",
        "groups",
        "statistics",
        "masquerade",
        "all",
        "listening",
        "numeric",
        "numeric-hosts",
        "numeric-ports",
        "numeric-users",
        "symbolic",
        "extend",
        "timers",
        "programs",
        "continuous",
        "verbose",
        "wide",
        "cache",
        "fib",
        "tcp",
        "udp",
        "udplite",
        "raw",
        "sctp",
        "unix",
        "inet",
        "inet6",
        "ip",
        "protocol",
        "l2cap",
        "rfcomm",
        "context",
        "version",
        "help",
        "ax25",
        "x25",
        "ipx",
        "appletalk",
        "netrom",
        "ddp",
        "rose",
        "bluetooth",
        "tcpip",
    ];
    // Every prefix of every long option, followed by -V (prints the version if the prefix is
    // accepted, so only the option's own effect or error shows).
    for name in LONG {
        for i in 1..=name.len() {
            cases.push(format!("--{} -V", &name[..i]));
        }
    }
    let mut failures = Vec::new();
    for case in &cases {
        let args: Vec<&str> = case.split_whitespace().collect();
        let want = Command::new(NETSTAT)
            .args(&args)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let got = Command::new(link.path())
            .args(&args)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let want = normalize_prog(decode(want), NETSTAT);
        let got = normalize_prog(decode(got), link.path().to_str().unwrap());
        if let Verdict::Different(d) = compare(&want, &got, false) {
            failures.push(format!("netstat {case}\n{d}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // The program name in getopt messages is argv[0] as invoked.
    let (code, _, err) = decode(Command::new(link.path()).arg("-Q").output().unwrap());
    assert_eq!(code, 3);
    assert!(
        err.starts_with(&format!(
            "{}: invalid option -- 'Q'\n",
            link.path().display()
        )),
        "{err}"
    );
    // Through `netpry netstat`, the name is `netstat`.
    let (code, out, err) = decode(netpry().args(["netstat", "--in"]).output().unwrap());
    assert_eq!((code, out.as_str()), (3, ""));
    assert!(err.starts_with(
        "netstat: option '--in' is ambiguous; possibilities: '--inet' '--interfaces'\n"
    ));
}

/// The Python program holding the namespace's sockets; prints `ready` when set up.
pub(crate) const SOCKETS_PY: &str = r#"
import os, socket, sys, time
d = sys.argv[1]
keep = []
def listen(fam, addr, port, v6only=None):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((addr, port)); s.listen(16); keep.append(s); return s
L = listen(socket.AF_INET, '127.0.0.1', 8080)
listen(socket.AF_INET, '0.0.0.0', 2024)
listen(socket.AF_INET, '10.77.0.1', 22)
c = socket.create_connection(('127.0.0.1', 8080))
c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
a, _ = L.accept(); keep += [c, a]
c.sendall(b'x' * 1234)
c2 = socket.create_connection(('127.0.0.1', 8080)); a2, _ = L.accept(); keep.append(a2); c2.close()
c3 = socket.create_connection(('127.0.0.1', 8080)); a3, _ = L.accept(); c3.close(); time.sleep(0.1); a3.close()
c4 = socket.socket(); c4.bind(('10.77.0.1', 0)); c4.connect(('10.77.0.1', 22)); keep.append(c4)
L6 = listen(socket.AF_INET6, '::1', 9090)
c6 = socket.create_connection(('::1', 9090)); a6, _ = L6.accept(); keep += [c6, a6]
D = listen(socket.AF_INET6, '::', 8443, v6only=0)
cm = socket.create_connection(('127.0.0.1', 8443)); am, _ = D.accept(); keep += [cm, am]
LONG = '2001:db8:1234:5678:9abc:def0:1234:5678'
LL = listen(socket.AF_INET6, LONG, 8080)
cl = socket.socket(socket.AF_INET6); cl.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); cl.bind((LONG, 51000)); cl.connect((LONG, 8080)); al, _ = LL.accept(); keep += [cl, al]
cb = socket.socket(socket.AF_INET6); cb.bind(('2001:db8:77::1', 0)); cb.connect((LONG, 8080)); ab, _ = LL.accept(); keep += [cb, ab]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', 5353))
uc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uc.connect(('127.0.0.1', 5353)); uc.send(b'hello')
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(('::1', 9999))
u0 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u0.bind(('0.0.0.0', 68))
keep += [u, uc, u6, u0]
for fam, addr, port in [(socket.AF_INET, '127.0.0.1', 7777), (socket.AF_INET6, '::1', 7778)]:
    try:
        s = socket.socket(fam, socket.SOCK_DGRAM, 136); s.bind((addr, port)); keep.append(s)
    except OSError:
        pass
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); r.bind(('10.77.0.1', 0))
r6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6); r6.bind(('2001:db8:77::1', 0))
keep += [r, r6]
us = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); us.bind(d + '/stream.sock'); us.listen(4)
ucl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); ucl.connect(d + '/stream.sock'); ua, _ = us.accept()
ud = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); ud.bind(d + '/dgram.sock')
ab = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); ab.bind('\0netstat-abstract'); ab.listen(4)
sp1, sp2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
ws = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); ws.bind(d + '/with space.sock'); ws.listen(4)
loose = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
keep += [us, ucl, ua, ud, ab, sp1, sp2, ws, loose]
m = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
m.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton('239.1.2.3') + socket.inet_aton('10.77.0.1'))
m6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
m6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, socket.inet_pton(socket.AF_INET6, 'ff05::1:3') + socket.if_nametoindex('d0').to_bytes(4, sys.byteorder))
keep += [m, m6]
print('ready', flush=True)
time.sleep(600)
"#;

/// A second owner: a socket created as `nobody`, in a process whose argv[0] is long and has
/// spaces (netstat shows it cut to 19 characters).
const NOBODY_PY: &str = r#"
import os, socket, time, encodings.idna
os.setgid(65534); os.setuid(65534)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 6000)); s.listen(4)
c = socket.create_connection(('127.0.0.1', 6000)); a, _ = s.accept()
print('ready', flush=True)
time.sleep(600)
"#;

/// A child started through `bash -c 'exec -a NAME ...'` (its PID is the program itself), killed
/// on drop.
pub(crate) struct Proc(Child);

impl Proc {
    /// Starts the real interpreter (by absolute path, so its argv[0] is a path) under the name
    /// `argv0` when given.
    pub(crate) fn start(ns: &Netns, argv0: Option<&str>, code: &str, args: &[&str]) -> Proc {
        use std::io::BufRead;
        // python3 may be a wrapper script (pyenv) that would replace argv[0]: exec the real
        // interpreter.
        let real = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3");
        let python = String::from_utf8_lossy(&real.stdout).trim().to_string();
        let mut script = match argv0 {
            Some(name) => format!("exec -a '{name}' '{python}' -u -c \"$0\""),
            None => format!("exec '{python}' -u -c \"$0\""),
        };
        for i in 0..args.len() {
            script.push_str(&format!(" \"${}\"", i + 1));
        }
        let mut all = vec!["-c", script.as_str(), code];
        all.extend_from_slice(args);
        let mut child = ns
            .command("bash", &all)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn");
        let stdout = child.stdout.take().expect("piped");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("ready line");
        assert_eq!(line.trim(), "ready", "helper failed to set up its sockets");
        Proc(child)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const HOSTS: &str = "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n\
10.77.0.1 alpha.test alpha\n2001:db8:77::1 beta.test\n2001:db8:1234:5678:9abc:def0:1234:5678 \
a-rather-long-host-name.example.test\nff02::1 ip6-allnodes\n224.0.0.1 all-systems.mcast.net\n";

/// The veth pair `d0`/`d1` and the addresses the listing suite's sockets bind to.
pub(crate) fn add_listing_addresses(ns: &Netns) {
    ns.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ns.ip(&["link", "set", "d1", "up"]);
    ns.ip(&["link", "set", "d0", "multicast", "on", "up"]);
    ns.ip(&["addr", "add", "10.77.0.1/24", "dev", "d0"]);
    ns.ip(&["addr", "add", "2001:db8:77::1/64", "dev", "d0", "nodad"]);
    ns.ip(&[
        "addr",
        "add",
        "2001:db8:1234:5678:9abc:def0:1234:5678/64",
        "dev",
        "d0",
        "nodad",
    ]);
}

/// A namespace with a veth pair, addresses, controlled name files and the sockets.
pub(crate) fn populated(tag: &str, dir: &Path) -> (Netns, Vec<Proc>) {
    let ns = Netns::new(tag);
    add_listing_addresses(&ns);
    ns.etc_file("hosts", HOSTS);
    ns.etc_file(
        "resolv.conf",
        "nameserver 127.0.0.53\noptions timeout:1 attempts:1\n",
    );
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("socket dir");
    let d = dir.to_str().expect("utf-8");
    let procs = vec![
        Proc::start(&ns, None, SOCKETS_PY, &[d]),
        Proc::start(&ns, Some("my server: worker process"), NOBODY_PY, &[]),
    ];
    (ns, procs)
}

/// Socket-listing argument lists compared with the real netstat.
pub(crate) const SOCKET_CASES: &[&str] = &[
    "",
    "-a",
    "-l",
    "-n",
    "-an",
    "-ln",
    "-t",
    "-ta",
    "-tan",
    "-tln",
    "-tl",
    "-ua",
    "-uan",
    "-ul",
    "-Ua",
    "-Uan",
    "-wa",
    "-wan",
    "-x",
    "-xa",
    "-xl",
    "-xap",
    "--unix --all --programs",
    "-4a",
    "-4an",
    "-6a",
    "-6an",
    "-6 -x -a",
    "-A inet -an",
    "-A inet6,unix -a",
    "-Ainet6 -n",
    "--inet -a",
    "--inet6 -an",
    "--ip -l",
    "-tanp",
    "-tuanp",
    "-tuwUxanp",
    "-tanoe",
    "-tane",
    "-taneeW",
    "-tanW",
    "-taW",
    "-W -ta",
    "-tao",
    "-uano",
    "-wano",
    "-tanope",
    "-a --numeric-hosts",
    "-a --numeric-ports",
    "-ae --numeric-users",
    "-ae",
    "-tae",
    "-tle",
    "-N -ta",
    "-v -an",
    "-v -a -t",
    "-ap",
    "-aeop",
    "-aeopW --numeric-ports",
    "-l -e -p",
    "--tcp --udp --all --numeric",
    "--listening --programs --numeric",
    "-A ddp -an",
    "-A econet -n",
    "-d -tan",
    "x -tan y",
    "-tan -- -x",
    "-- -Q",
    "-x -- -Q",
    "-g",
    "-gn",
    "-g -t -n",
    "-g -6 -n",
    "-g -4",
    "-g -x -n",
    "--groups --numeric-ports",
    "-2 -tan",
    "-tan -f",
    "-t -A bluetooth -n",
    "-uS -n",
    "-x --ax25",
    "--ipx -x -a",
    "-tn -S",
    "-4 --netrom -n",
    "-tan --tcpip",
];

#[test]
fn socket_listing_matches_net_tools() {
    if !root_or_skip("socket_listing_matches_net_tools") || !have_netstat() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("netpry-ns-sockets-{}", std::process::id()));
    let (ns, _procs) = populated("nsl", &dir);
    let link = Link::new("sockets");
    let (failures, reordered) = compare_all(&ns, &link, SOCKET_CASES);
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "{} argument lists compared; {} identical only with rows sorted within sections (kernel order)",
        SOCKET_CASES.len(),
        reordered
    );
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        SOCKET_CASES.len(),
        failures.join("\n")
    );
}

/// Runs `program -c ARGS` for about 2.5 s and returns its output split into passes (each pass
/// starts with the listing's first line).
fn continuous_passes(ns: &Netns, program: &Path, args: &[&str]) -> Vec<String> {
    use std::io::Read;
    let mut c = ns.command(program.to_str().unwrap(), args);
    c.env("LC_ALL", "C")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = c.spawn().expect("spawn -c");
    let mut stdout = child.stdout.take().expect("piped stdout");
    // Read until the third pass has begun (so the first two are complete), however slow the
    // machine is, with a generous deadline; then stop the program.
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut bytes = Vec::new();
    while Instant::now() < deadline {
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
            bytes.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&bytes);
        let first = text.split_inclusive('\n').next().unwrap_or("");
        if !first.is_empty() && text.split_inclusive('\n').filter(|l| *l == first).count() >= 3 {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = reader.join();
    while let Ok(chunk) = rx.try_recv() {
        bytes.extend_from_slice(&chunk);
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let first = text.split_inclusive('\n').next().unwrap_or("").to_string();
    let mut passes: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        if line == first || passes.is_empty() {
            passes.push(String::new());
        }
        passes.last_mut().unwrap().push_str(line);
    }
    passes
}

#[test]
fn continuous_mode_repeats_the_listing() {
    if !root_or_skip("continuous_mode_repeats_the_listing") || !have_netstat() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("netpry-ns-cont-{}", std::process::id()));
    let (ns, _procs) = populated("nsc", &dir);
    let link = Link::new("cont");
    // `-c -g` is left out: from its second pass on, net-tools 2.10 prints the IPv4 group rows
    // garbled (`E0              0      0:1::100:0`); netpry repeats the first pass's rows.
    for args in [
        &["-tanc"][..],
        &["-c", "-xa"],
        &["-c", "-tuln"],
        &["-c", "-uan", "-p"],
    ] {
        let want = continuous_passes(&ns, Path::new(NETSTAT), args);
        let got = continuous_passes(&ns, &link.path(), args);
        assert!(
            want.len() >= 2 && got.len() >= 2,
            "{args:?}: passes {} vs {}",
            want.len(),
            got.len()
        );
        // The first two passes are complete in both: the third had begun before the kill.
        for i in 0..2 {
            let w = (0, want[i].clone(), String::new());
            let g = (0, got[i].clone(), String::new());
            if let Verdict::Different(d) = compare(&w, &g, false) {
                panic!("netstat {args:?} pass {}:\n{d}", i + 1);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unreachable_name_server_does_not_stall_the_listing() {
    if !root_or_skip("unreachable_name_server_does_not_stall_the_listing") {
        return;
    }
    let mut ns = Netns::new("nsdns");
    ns.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ns.ip(&["link", "set", "d1", "up"]);
    ns.ip(&["link", "set", "d0", "up"]);
    ns.ip(&["addr", "add", "10.78.0.1/24", "dev", "d0"]);
    ns.etc_file("hosts", "127.0.0.1 localhost\n");
    ns.etc_file("resolv.conf", "nameserver 127.0.0.53\n");
    // A name server that reads queries and never answers: every lookup times out.
    ns.spawn_python(
        "import socket, time\n\
         s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.53', 53))\n\
         t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind(('127.0.0.53', 53)); t.listen(64)\n\
         ls = []\n\
         for i in range(6):\n\
         \x20   l = socket.socket(); l.bind(('10.78.0.1', 7000 + i)); l.listen(4)\n\
         \x20   c = socket.create_connection(('10.78.0.1', 7000 + i)); ls += [l, c, l.accept()[0]]\n\
         print('ready', flush=True)\n\
         while True: s.recv(4096)\n",
        &[],
    );
    let started = Instant::now();
    let (code, out, err) = ns.netpry(&["netstat", "-ta"]);
    let took = started.elapsed();
    assert_eq!(code, 0, "{err}");
    assert!(
        took < Duration::from_millis(2500),
        "netpry netstat -ta took {took:?}"
    );
    assert!(
        out.contains("10.78.0.1:7001 "),
        "numeric fallback expected:\n{out}"
    );
    assert!(out.contains("ESTABLISHED"), "{out}");
    // The lookups' own sockets to the name server are never listed (net-tools, reading /proc,
    // has none): the name server's socket is only ever the local end.
    for args in [&["-tua"][..], &["-a"], &["-tuao"], &["-tuav"], &["-tuae"]] {
        let mut all = vec!["netstat"];
        all.extend_from_slice(args);
        let (code, out, err) = ns.netpry(&all);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.contains("10.78.0.1:7001 "), "{args:?}:\n{out}");
        for line in out
            .lines()
            .filter(|l| l.starts_with("udp") || l.starts_with("tcp"))
        {
            let foreign = line.split_whitespace().nth(4).unwrap_or("");
            assert!(
                !foreign.starts_with("127.0.0.53:"),
                "netstat {args:?} lists its own resolver socket: {line}\n{out}"
            );
        }
    }
}

#[test]
fn spent_dns_budget_still_reads_the_hosts_file() {
    if !root_or_skip("spent_dns_budget_still_reads_the_hosts_file") {
        return;
    }
    // Loopback only: no link-local address whose duplicate detection ends between the runs.
    // The main table's 2001:db8:5::/64 is listed (and looked up) before the local ::1/128.
    let mut ns = Netns::new("nshost");
    ns.ip(&["addr", "add", "2001:db8:5::1/64", "dev", "lo", "nodad"]);
    ns.etc_file(
        "hosts",
        "127.0.0.1 localhost\n::1 localhost ip6-localhost\n",
    );
    ns.etc_file("resolv.conf", "nameserver 127.0.0.53\n");
    // A name server that swallows queries: the first lookups spend the whole DNS budget.
    ns.spawn_python(
        "import socket\n\
         s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.53', 53))\n\
         print('ready', flush=True)\n\
         while True: s.recv(4096)\n",
        &[],
    );
    let started = Instant::now();
    let (code, ours, err) = ns.netpry(&["netstat", "-r", "-6"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "the DNS budget was not spent, the test shows nothing:\n{ours}"
    );
    assert!(ours.contains("\nlocalhost/128 "), "{ours}");
    // net-tools with a name server that refuses at once (it would wait a minute on the silent
    // one) gives the names the files give.
    ns.etc_file("resolv.conf", "nameserver 127.0.0.54\n");
    let (code, theirs, err) = ns.exec("/usr/bin/netstat", &["-r", "-6"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ours, theirs);
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/netstat")
        .join(name)
}

/// Runs netpry on a snapshot fixture and compares with the expected text file.
fn check_fixture(snapshot: &str, args: &[&str], expected: &str) {
    let snap = fixture(snapshot);
    let mut all = vec!["--snapshot", snap.to_str().unwrap(), "netstat"];
    all.extend_from_slice(args);
    let (code, out, err) = decode(netpry().args(&all).output().expect("run netpry"));
    let want = std::fs::read_to_string(fixture(expected)).expect("expected output file");
    assert_eq!(code, 0, "netstat {args:?}: {err}");
    assert_eq!(err, "", "netstat {args:?}");
    assert_eq!(out, want, "netstat {args:?} differs from {expected}");
}

/// Writes a copy of `synthetic.json` whose sockets table `edit` changed; returns its path.
fn edited_snapshot(
    tag: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> (tempfile::TempDir, PathBuf) {
    let text = std::fs::read_to_string(fixture("synthetic.json")).expect("fixture");
    let mut snap: serde_json::Value = serde_json::from_str(&text).expect("fixture json");
    edit(&mut snap["tables"]["sockets"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(format!("{tag}.json"));
    std::fs::write(&path, serde_json::to_string(&snap).unwrap()).expect("write snapshot");
    (dir, path)
}

#[test]
fn snapshot_rows_netstat_cannot_show_are_reported() {
    let col = |t: &serde_json::Value, name: &str| {
        t["columns"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c["name"] == name)
            .unwrap()
    };
    // Three TCP rows: a port out of range, an unknown state, and a good one.
    let (_dir, path) = edited_snapshot("bad-rows", |t| {
        let (lp, st) = (col(t, "local_port"), col(t, "state"));
        let rows = t["rows"].as_array_mut().unwrap();
        rows.retain(|r| r[0] == "tcp" && r[1] == "inet");
        rows.truncate(3);
        rows[0][lp] = 70000.into();
        rows[2][st] = "BOGUS".into();
    });
    let (code, out, err) = decode(
        netpry()
            .args(["--snapshot", path.to_str().unwrap(), "netstat", "-tan"])
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "Active Internet connections (servers and established)\n\
         Proto Recv-Q Send-Q Local Address           Foreign Address         State      \n\
         tcp        0      5 10.0.0.5:1234           10.0.0.6:80             CLOSING    \n"
    );
    assert_eq!(
        err,
        "netstat: left out 1 snapshot socket row with a port outside 0-65535\n\
         netstat: left out 1 snapshot socket row with an unknown state\n"
    );
    // A table without local ports: the ports print as `*`, and stderr says why.
    let (_dir2, path) = edited_snapshot("no-port", |t| {
        let lp = col(t, "local_port");
        t["columns"].as_array_mut().unwrap().remove(lp);
        for r in t["rows"].as_array_mut().unwrap() {
            r.as_array_mut().unwrap().remove(lp);
        }
    });
    let (code, out, err) = decode(
        netpry()
            .args(["--snapshot", path.to_str().unwrap(), "netstat", "-tan"])
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\ntcp        0      5 10.0.0.5:*  "), "{out}");
    assert_eq!(
        err,
        "netstat: the snapshot's sockets table has no local_port column; \
         those values print as `*` or blank\n"
    );
}

#[test]
fn spec_samples_from_snapshot() {
    check_fixture("sample.json", &["-tan"], "tan.txt");
    check_fixture("sample.json", &["-W", "-tan"], "tan.txt");
    check_fixture("sample.json", &["-tuanp"], "tuanp.txt");
    check_fixture("sample.json", &["-tanoe"], "tanoe.txt");
    check_fixture("sample.json", &["-xa"], "xa.txt");
    check_fixture("sample.json", &["-gn"], "gn.txt");
    check_fixture("synthetic.json", &["-tanoe"], "synthetic-tanoe.txt");
    check_fixture(
        "synthetic.json",
        &["-taW", "--numeric-hosts"],
        "synthetic-taW.txt",
    );
    check_fixture(
        "synthetic.json",
        &["-ta", "--numeric-hosts"],
        "synthetic-ta.txt",
    );
    check_fixture("synthetic.json", &["-uano"], "synthetic-uano.txt");
    check_fixture("synthetic.json", &["-xa"], "synthetic-xa.txt");
}

#[test]
fn snapshot_runs_need_no_root_and_keep_exit_codes() {
    let snap = fixture("sample.json");
    let s = snap.to_str().unwrap();
    let (code, out, err) = decode(
        netpry()
            .args(["--snapshot", s, "netstat", "-uS", "-n"])
            .output()
            .unwrap(),
    );
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "netstat: no support for `AF INET (sctp)' on this system.\n"
    );
    assert!(
        out.starts_with("Active Internet connections (w/o servers)\n"),
        "{out}"
    );
    let (code, out, _) = decode(
        netpry()
            .args(["--snapshot", s, "netstat", "-ln", "-x"])
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("[ ACC ]     STREAM     LISTENING") && !out.contains("CONNECTED"),
        "{out}"
    );
}
