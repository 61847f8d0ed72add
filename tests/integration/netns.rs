//! Namespaces built by the test: two named ones joined by a veth pair, one unnamed (held only by
//! an `unshare -n` process), one held only by a bind mount under a Docker-like directory, and one
//! whose member sits in a cgroup named like a Docker scope. `--netns` and `--all-netns` must see
//! each of them as `nsenter`, `ss` and `ip -j` do, and `--netns X netstat ARGS` must equal
//! `nsenter --net=X netstat ARGS` byte for byte. Everything is removed on drop, even on failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::netstat_linux::{
    SOCKET_CASES, Verdict, compare, have_netstat, normalize_prog, populated,
};
use crate::support::{Netns, decode, netpry, root_or_skip, sh_ok};

/// Listens on 127.0.0.1:PORT, holds one established connection to it and a UDP socket on
/// PORT+1, then prints `ready`.
const HOLDER_PY: &str = r#"
import socket, sys, time
p = int(sys.argv[1])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('127.0.0.1', p)); l.listen(8)
c = socket.create_connection(('127.0.0.1', p)); a, _ = l.accept()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', p + 1))
print('ready', flush=True)
time.sleep(600)
"#;

/// A process in a namespace of its own (`unshare -n`, `lo` up) running [`HOLDER_PY`].
struct Holder {
    child: Child,
}

impl Holder {
    fn start(port: u16) -> Holder {
        use std::io::BufRead;
        let script = format!("ip link set lo up && exec python3 -u -c \"$0\" {port}");
        let mut child = Command::new("unshare")
            .args(["-n", "sh", "-c", &script, HOLDER_PY])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("unshare -n");
        let mut line = String::new();
        let out = child.stdout.take().expect("piped");
        std::io::BufReader::new(out)
            .read_line(&mut line)
            .expect("ready line");
        assert_eq!(line.trim(), "ready", "holder failed to start");
        Holder { child }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The cgroup v2 mount point, from /proc/self/mountinfo.
fn cgroup2_root() -> Option<PathBuf> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    text.lines().find_map(|l| {
        let (pre, post) = l.split_once(" - ")?;
        let point = pre.split_whitespace().nth(4)?;
        (post.split_whitespace().next()? == "cgroup2").then(|| PathBuf::from(point))
    })
}

/// Everything the test builds; dropped in reverse order of need.
struct Lab {
    a: Netns,
    b: Netns,
    unnamed: Holder,
    contained: Holder,
    /// The Docker-like directory holding the bind mount (`.../netns/cafe0123`).
    mount: PathBuf,
    cgroup: Option<PathBuf>,
    docker_dir: Option<PathBuf>,
    container_id: String,
    _a_procs: Option<Holder>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.mount).status();
        // The directory the test made: TMP/netpry-docker-PID (above run/docker/netns/FILE).
        if let Some(dir) = self.mount.ancestors().nth(4) {
            let _ = std::fs::remove_dir_all(dir);
        }
        let _ = self.contained.child.kill();
        let _ = self.contained.child.wait();
        if let Some(cg) = &self.cgroup {
            // The cgroup empties once its process is reaped.
            for _ in 0..50 {
                if std::fs::remove_dir(cg).is_ok() || !cg.exists() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        if let Some(d) = &self.docker_dir {
            let _ = std::fs::remove_dir_all(d);
            let _ = std::fs::remove_dir("/var/lib/docker/containers");
            let _ = std::fs::remove_dir("/var/lib/docker");
        }
    }
}

fn build_lab(tag: &str) -> Lab {
    let a = Netns::new(&format!("{tag}a"));
    let b = Netns::new(&format!("{tag}b"));
    a.ip(&[
        "link", "add", "nva", "type", "veth", "peer", "name", "nvb", "netns", &b.name,
    ]);
    a.ip(&["addr", "add", "10.99.0.1/24", "dev", "nva"]);
    a.ip(&["link", "set", "nva", "up"]);
    b.ip(&["addr", "add", "10.99.0.2/24", "dev", "nvb"]);
    b.ip(&["link", "set", "nvb", "up"]);
    let unnamed = Holder::start(7100);
    // The Docker-like one: a namespace bind mounted, then its process gone.
    let base = std::env::temp_dir().join(format!("netpry-docker-{}", std::process::id()));
    let dir = base.join("run/docker/netns");
    std::fs::create_dir_all(&dir).expect("docker-like dir");
    let mount = dir.join("cafe0123");
    std::fs::write(&mount, "").expect("mount point");
    {
        let held = Holder::start(7200);
        sh_ok(&[
            "mount",
            "--bind",
            &format!("/proc/{}/ns/net", held.pid()),
            mount.to_str().expect("utf-8"),
        ]);
    }
    // The contained one: its process in a cgroup named like a Docker scope.
    let container_id: String = (0..64)
        .map(|i| char::from(b"0123456789abcdef"[(i * 7 + std::process::id() as usize) % 16]))
        .collect();
    let contained = Holder::start(7300);
    let cgroup = cgroup2_root().map(|r| r.join(format!("docker-{container_id}.scope")));
    if let Some(cg) = &cgroup {
        std::fs::create_dir_all(cg).expect("make cgroup");
        std::fs::write(cg.join("cgroup.procs"), contained.pid().to_string())
            .expect("move into cgroup");
    }
    let docker_dir = (!Path::new("/var/lib/docker").exists()).then(|| {
        let d = PathBuf::from(format!("/var/lib/docker/containers/{container_id}"));
        std::fs::create_dir_all(&d).expect("docker dir");
        std::fs::write(
            d.join("config.v2.json"),
            r#"{"ID":"x","Name":"/netpry-test-web","Config":{}}"#,
        )
        .expect("config.v2.json");
        d
    });
    let mut lab = Lab {
        a,
        b,
        unnamed,
        contained,
        mount,
        cgroup,
        docker_dir,
        container_id,
        _a_procs: None,
    };
    // Sockets in the named namespace A, from a process started inside it.
    let holder = {
        use std::io::BufRead;
        let mut child = lab
            .a
            .command("python3", &["-u", "-c", HOLDER_PY, "7000"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python in A");
        let mut line = String::new();
        let out = child.stdout.take().expect("piped");
        std::io::BufReader::new(out)
            .read_line(&mut line)
            .expect("ready");
        Holder { child }
    };
    lab._a_procs = Some(holder);
    lab
}

/// The nsfs inode of a file.
fn inode(path: &str) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).expect("stat nsfs").ino()
}

fn json(args: &[&str]) -> Vec<serde_json::Value> {
    let mut full = args.to_vec();
    full.extend(["--format", "json"]);
    let out = netpry().args(&full).output().expect("run netpry");
    let (code, out, err) = decode(out);
    assert_eq!(code, 0, "netpry {args:?}: {err}");
    match serde_json::from_str(&out).expect("JSON") {
        serde_json::Value::Array(rows) => rows,
        other => panic!("not an array: {other}"),
    }
}

/// (proto, local port, remote port) of the TCP and UDP sockets `ss -tuanH` lists.
fn ss_rows(nsfile: &str) -> Vec<(String, i64, i64)> {
    let out = Command::new("nsenter")
        .args([&format!("--net={nsfile}"), "ss", "-tuanH"])
        .output()
        .expect("nsenter ss");
    let mut rows: Vec<(String, i64, i64)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let port = |s: &str| {
                s.rsplit(':')
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0)
            };
            Some((f.first()?.to_string(), port(f.get(4)?), port(f.get(5)?)))
        })
        .collect();
    rows.sort();
    rows
}

/// The same from netpry's sockets table for `--netns spec`.
fn netpry_rows(spec: &str) -> Vec<(String, i64, i64)> {
    let rows = json(&[
        "--netns",
        spec,
        "table",
        "sockets",
        "-c",
        "proto,local_port,remote_port",
    ]);
    tuples(rows.iter())
}

/// (proto, local port, remote port) of the TCP and UDP rows of a sockets table in JSON, sorted.
fn tuples<'a>(rows: impl Iterator<Item = &'a serde_json::Value>) -> Vec<(String, i64, i64)> {
    let mut out: Vec<(String, i64, i64)> = rows
        .filter(|r| matches!(r["proto"].as_str(), Some("tcp" | "udp")))
        .map(|r| {
            (
                r["proto"].as_str().unwrap_or("").to_string(),
                r["local_port"].as_i64().unwrap_or(0),
                r["remote_port"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_kind_of_namespace_is_found_and_read() {
    if !root_or_skip("every_kind_of_namespace_is_found_and_read") {
        return;
    }
    let lab = build_lab("nsk");
    let files = [
        (format!("/run/netns/{}", lab.a.name), lab.a.name.clone()),
        (format!("/run/netns/{}", lab.b.name), lab.b.name.clone()),
        (
            format!("/proc/{}/ns/net", lab.unnamed.pid()),
            format!("pid:{}", lab.unnamed.pid()),
        ),
        (
            lab.mount.display().to_string(),
            lab.mount.display().to_string(),
        ),
        (
            format!("/proc/{}/ns/net", lab.contained.pid()),
            inode(&format!("/proc/{}/ns/net", lab.contained.pid())).to_string(),
        ),
    ];
    // The netns table: each exactly once, with its names and members.
    let table = json(&["table", "netns"]);
    let by_inode: BTreeMap<u64, &serde_json::Value> = table
        .iter()
        .map(|r| (r["inode"].as_u64().expect("inode"), r))
        .collect();
    assert_eq!(by_inode.len(), table.len(), "namespaces listed twice");
    for (file, _) in &files {
        assert!(by_inode.contains_key(&inode(file)), "{file} not found");
    }
    let a = by_inode[&inode(&files[0].0)];
    assert_eq!(a["name"].as_str(), Some(lab.a.name.as_str()));
    let unnamed = by_inode[&inode(&files[2].0)];
    assert!(unnamed["name"].is_null() && unnamed["pids"].as_i64() >= Some(1));
    let mounted = by_inode[&inode(&files[3].0)];
    assert_eq!(mounted["pids"].as_i64(), Some(0), "{mounted}");
    assert_eq!(mounted["paths"].as_str(), Some(files[3].0.as_str()));
    let host: Vec<_> = table.iter().filter(|r| r["is_host"] == true).collect();
    assert_eq!(host.len(), 1);
    assert_eq!(
        table[0]["is_host"], true,
        "the host's namespace comes first"
    );
    if lab.cgroup.is_some() {
        let c = by_inode[&inode(&files[4].0)];
        assert_eq!(c["runtime"].as_str(), Some("docker"), "{c}");
        assert_eq!(c["container_id"].as_str(), Some(lab.container_id.as_str()));
        if lab.docker_dir.is_some() {
            assert_eq!(c["container_name"].as_str(), Some("netpry-test-web"));
        }
    }
    // The veth pair: A's kernel id for B is what `ip -j link` shows as link_netnsid.
    let link = lab.a.ip_json(&["link", "show", "nva"]);
    let want = link[0]["link_netnsid"].as_i64().expect("link_netnsid");
    let seen = json(&["--netns", &lab.a.name, "table", "netns"]);
    let b_row = seen
        .iter()
        .find(|r| r["inode"].as_u64() == Some(inode(&files[1].0)))
        .expect("B seen from A");
    assert_eq!(b_row["nsid"].as_i64(), Some(want));

    // Per namespace, by every kind of name: sockets equal ss, interfaces and addresses ip -j.
    for (file, spec) in &files {
        assert_eq!(netpry_rows(spec), ss_rows(file), "sockets of {spec}");
        let ip = Command::new("nsenter")
            .args([&format!("--net={file}"), "ip", "-j", "addr"])
            .output()
            .expect("ip -j addr");
        let ip: serde_json::Value = serde_json::from_slice(&ip.stdout).expect("JSON");
        let mut want: Vec<(String, i64)> = ip
            .as_array()
            .expect("array")
            .iter()
            .map(|l| {
                (
                    l["ifname"].as_str().unwrap_or("").to_string(),
                    l["ifindex"].as_i64().unwrap_or(0),
                )
            })
            .collect();
        want.sort();
        let mut got: Vec<(String, i64)> =
            json(&["--netns", spec, "table", "interfaces", "-c", "name,index"])
                .iter()
                .map(|r| {
                    (
                        r["name"].as_str().unwrap_or("").to_string(),
                        r["index"].as_i64().unwrap_or(0),
                    )
                })
                .collect();
        got.sort();
        assert_eq!(got, want, "interfaces of {spec}");
        let mut want_addrs: Vec<String> = ip
            .as_array()
            .expect("array")
            .iter()
            .flat_map(|l| l["addr_info"].as_array().cloned().unwrap_or_default())
            .map(|a| format!("{}/{}", a["local"].as_str().unwrap_or(""), a["prefixlen"]))
            .collect();
        want_addrs.sort();
        let mut got_addrs: Vec<String> = json(&[
            "--netns",
            spec,
            "table",
            "addresses",
            "-c",
            "addr,prefix_len",
        ])
        .iter()
        .map(|r| format!("{}/{}", r["addr"].as_str().unwrap_or(""), r["prefix_len"]))
        .collect();
        got_addrs.sort();
        assert_eq!(got_addrs, want_addrs, "addresses of {spec}");
    }

    // --all-netns: every row tagged; each namespace's rows are its own.
    let all = json(&[
        "--all-netns",
        "table",
        "sockets",
        "-c",
        "proto,local_port,remote_port,netns",
    ]);
    for (file, spec) in &files {
        let ino = inode(file);
        let mine = tuples(all.iter().filter(|r| r["netns"].as_u64() == Some(ino)));
        assert_eq!(mine, ss_rows(file), "--all-netns rows of {spec}");
    }
    let routes = json(&["--all-netns", "table", "routes", "-c", "dst,netns"]);
    assert!(
        routes
            .iter()
            .any(|r| r["netns"].as_u64() == Some(inode(&files[0].0))),
        "routes carry the netns column"
    );

    // netstat across namespaces: `ip -all netns exec` headers, host first, sections equal.
    let out = netpry()
        .args(["--all-netns", "netstat", "-tan"])
        .output()
        .expect("netstat");
    let (code, text, _) = decode(out);
    assert_eq!(code, 0);
    assert!(text.starts_with("\nnetns: "), "{text}");
    for (file, _) in &files[..2] {
        let name = Path::new(file).file_name().unwrap().to_str().unwrap();
        let want = Command::new("nsenter")
            .args([&format!("--net={file}"), "/usr/bin/netstat", "-tan"])
            .env("LC_ALL", "C")
            .output()
            .expect("nsenter netstat");
        if want.status.success() {
            let want = String::from_utf8_lossy(&want.stdout);
            assert!(
                text.contains(&format!("\nnetns: {name}\n{want}")),
                "section of {name}:\n{want}\nin\n{text}"
            );
        }
    }
    let unnamed_header = format!("\nnetns: {}\n", inode(&files[2].0));
    assert!(text.contains(&unnamed_header), "{text}");

    // Snapshots: --all-netns holds every namespace; --netns on it filters.
    let snap = std::env::temp_dir().join(format!("netpry-netns-{}.json", std::process::id()));
    let s = snap.to_str().unwrap();
    let (code, _, err) = decode(
        netpry()
            .args(["--all-netns", "snapshot", "-o", s])
            .output()
            .expect("snapshot"),
    );
    assert_eq!(code, 0, "{err}");
    let from_snap = json(&[
        "--snapshot",
        s,
        "--netns",
        &lab.a.name,
        "table",
        "sockets",
        "-c",
        "proto,local_port,remote_port,netns",
    ]);
    // netstat over every namespace of the snapshot: the same sections as live.
    let (code, stored, err) = decode(
        netpry()
            .args(["--snapshot", s, "--all-netns", "netstat", "-tan"])
            .output()
            .expect("stored netstat"),
    );
    assert_eq!(code, 0, "{err}");
    let live_a = decode(
        netpry()
            .args(["--netns", &lab.a.name, "netstat", "-tan"])
            .output()
            .expect("live netstat"),
    )
    .1;
    assert!(
        stored.contains(&format!("\nnetns: {}\n{live_a}", lab.a.name)),
        "{stored}"
    );
    let _ = std::fs::remove_file(&snap);
    let ino_a = inode(&files[0].0);
    assert!(!from_snap.is_empty());
    assert!(from_snap.iter().all(|r| r["netns"].as_u64() == Some(ino_a)));
    assert_eq!(tuples(from_snap.iter()), ss_rows(&files[0].0));

    // Processes carry their namespace: the unnamed holder's is its own.
    let procs = json(&["table", "processes", "-c", "pid,netns"]);
    let me = procs
        .iter()
        .find(|r| r["pid"].as_u64() == Some(u64::from(lab.unnamed.pid())))
        .expect("holder process");
    assert_eq!(me["netns"].as_u64(), Some(inode(&files[2].0)));

    // A script sees the namespace and container next to each socket.
    let (code, out, err) = decode(
        netpry()
            .args([
                "--all-netns",
                "-e",
                "sockets().join(netns(), \"netns\", \"inode\").where(|r| r.local_port == 7300 && r.state == \"LISTEN\").select([\"local_port\", \"container_id\"])",
                "--format",
                "csv",
            ])
            .output()
            .expect("script"),
    );
    assert_eq!(code, 0, "{err}");
    if lab.cgroup.is_some() {
        assert!(out.contains(&format!("7300,{}", lab.container_id)), "{out}");
    }

    // A saved script runs once per namespace, each run after a header naming the namespace
    // (and its container): the listener on 7300 shows in the contained one's section only.
    let (code, out, err) = decode(
        netpry()
            .args(["--format", "csv", "--all-netns", "run", "listening", "7300"])
            .output()
            .expect("saved script"),
    );
    assert_eq!(code, 0, "{err}");
    let contained = inode(&files[4].0);
    let header = match (&lab.cgroup, &lab.docker_dir) {
        (Some(_), Some(_)) => format!("\nnetns: {contained}  container: netpry-test-web\n"),
        _ => format!("\nnetns: {contained}"),
    };
    let sections: Vec<&str> = out.split("\nnetns: ").skip(1).collect();
    assert!(sections.len() >= files.len(), "{out}");
    let hit = format!("tcp,127.0.0.1,7300,{},python3,root", lab.contained.pid());
    assert!(out.contains(&header), "{header:?} in\n{out}");
    let with: Vec<&&str> = sections.iter().filter(|s| s.contains(&hit)).collect();
    assert_eq!(with.len(), 1, "{out}");
    assert!(with[0].starts_with(&contained.to_string()), "{out}");
    assert!(
        sections[0].starts_with(&host[0]["inode"].to_string()),
        "the host's namespace first: {out}"
    );
    // JSON: one header object per namespace, then that namespace's result.
    let (code, out, err) = decode(
        netpry()
            .args([
                "--format",
                "json",
                "--all-netns",
                "run",
                "listening",
                "7000",
            ])
            .output()
            .expect("saved script json"),
    );
    assert_eq!(code, 0, "{err}");
    let heads: Vec<serde_json::Value> = out
        .lines()
        .filter(|l| l.starts_with("{\"container\""))
        .map(|l| serde_json::from_str(l).expect("header JSON"))
        .collect();
    assert!(heads.len() >= files.len(), "{out}");
    assert!(
        heads
            .iter()
            .any(|h| h["name"].as_str() == Some(lab.a.name.as_str())),
        "{out}"
    );
}

#[test]
fn bad_namespace_choices_are_clear_usage_errors() {
    let (code, out, err) = decode(
        netpry()
            .args(["--netns", "no-such-namespace-anywhere", "table", "sockets"])
            .output()
            .expect("run"),
    );
    if !crate::support::is_root() {
        // Without the capability the capability is what is missing.
        assert_eq!(code, 2);
        assert!(err.contains("CAP_SYS_ADMIN"), "{err}");
        return;
    }
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.contains("/run/netns/no-such-namespace-anywhere") && err.contains("mountinfo"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // Without CAP_SYS_ADMIN: one line, exit 2, nothing on stdout.
    let bin = crate::support::netpry_bin();
    for opt in [&["--all-netns"][..], &["--netns", "pid:1"][..]] {
        let out = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin)
            .args(opt)
            .args(["table", "sockets"])
            .output()
            .expect("setpriv");
        let (code, out, err) = decode(out);
        assert_eq!((code, out.as_str()), (2, ""), "{err}");
        assert!(
            err.contains("CAP_SYS_ADMIN") && err.lines().count() == 1,
            "{err}"
        );
    }
    let (code, _, err) = decode(
        netpry()
            .args(["--netns", "x", "--all-netns", "tables"])
            .output()
            .expect("run"),
    );
    assert_eq!(code, 2, "{err}");
}

/// Representative Linux differential lists (sockets of every kind, routes, interfaces,
/// statistics, groups) for `--netns`.
const MODE_CASES: &[&str] = &[
    "-rn", "-r", "-i", "-ie", "-s", "-st", "-su", "-gn", "-rn -6", "-M",
];

#[test]
fn netstat_in_a_namespace_equals_nsenter_netstat() {
    if !root_or_skip("netstat_in_a_namespace_equals_nsenter_netstat") || !have_netstat() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("netpry-nsd-{}", std::process::id()));
    let (ns, _procs) = populated("nsd", &dir);
    let nsfile = format!("/run/netns/{}", ns.name);
    let mut failures = Vec::new();
    let cases: Vec<&str> = SOCKET_CASES.iter().chain(MODE_CASES).copied().collect();
    for case in &cases {
        let args: Vec<&str> = case.split_whitespace().collect();
        let want = Command::new("nsenter")
            .arg(format!("--net={nsfile}"))
            .arg("/usr/bin/netstat")
            .args(&args)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()
            .expect("nsenter netstat");
        let want = normalize_prog(decode(want), "netstat");
        let got = netpry()
            .args(["--netns", &ns.name, "netstat"])
            .args(&args)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()
            .expect("netpry netstat");
        let got = normalize_prog(decode(got), "netstat");
        let timers = args
            .iter()
            .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('o'))
            || args.contains(&"--timers");
        if let Verdict::Different(d) = compare(&want, &got, timers) {
            failures.push(format!("netstat {case}\n{d}"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
