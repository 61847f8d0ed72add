//! Test support: the built binary, root detection, and throwaway network namespaces that clean
//! up after themselves (processes killed by PID, namespace and /etc/netns files removed), even
//! when a test fails.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Path of the netpry binary under test.
pub fn netpry_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_netpry"))
}

/// A `netpry` command with a sealed environment (no config, no pager, fixed width).
pub fn netpry() -> Command {
    let mut c = Command::new(netpry_bin());
    c.env_remove("NETPRY_NETSTAT_STYLE")
        .env("XDG_CONFIG_HOME", "/nonexistent-netpry-test")
        .env("LC_ALL", "C")
        .env("PAGER", "cat")
        .stdin(Stdio::null());
    c
}

/// Runs netpry with `args`, returning (status code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = netpry().args(args).output().expect("run netpry");
    decode(out)
}

/// (status, stdout, stderr) of an output.
pub fn decode(out: Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Whether we run as root (effective uid 0).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// Returns true when a root-only test may run; otherwise prints a skip note, or panics when
/// `NETPRY_REQUIRE_ROOT_TESTS=1` (CI) because a skip there would hide a failure.
pub fn root_or_skip(test: &str) -> bool {
    if is_root() {
        return true;
    }
    if std::env::var("NETPRY_REQUIRE_ROOT_TESTS").as_deref() == Ok("1") {
        panic!("{test}: needs root, and NETPRY_REQUIRE_ROOT_TESTS=1 forbids skipping");
    }
    eprintln!("SKIP {test}: needs root (network namespaces)");
    false
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A network namespace created for one test and deleted when dropped.
pub struct Netns {
    /// The namespace name (`np-TAG-PID-N`).
    pub name: String,
    children: Vec<Child>,
}

impl Netns {
    /// Creates a namespace with `lo` up. Panics if `ip netns add` fails.
    pub fn new(tag: &str) -> Netns {
        let name = format!(
            "np-{tag}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        );
        sh_ok(&["ip", "netns", "add", &name]);
        let ns = Netns {
            name,
            children: Vec::new(),
        };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// Runs `ip -n NS ARGS...`, panicking on failure.
    pub fn ip(&self, args: &[&str]) {
        let mut full = vec!["ip", "-n", self.name.as_str()];
        full.extend_from_slice(args);
        sh_ok(&full);
    }

    /// `ip -j -n NS ARGS...` parsed as JSON.
    pub fn ip_json(&self, args: &[&str]) -> serde_json::Value {
        let mut full = vec!["-j", "-n", self.name.as_str()];
        full.extend_from_slice(args);
        let out = Command::new("ip").args(&full).output().expect("run ip");
        assert!(
            out.status.success(),
            "ip {full:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if out.stdout.iter().all(u8::is_ascii_whitespace) {
            return serde_json::Value::Array(vec![]);
        }
        serde_json::from_slice(&out.stdout).expect("ip -j output is JSON")
    }

    /// A command that runs `program args` inside the namespace.
    pub fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program])
            .args(args)
            .stdin(Stdio::null());
        c
    }

    /// Runs `program args` inside the namespace to completion.
    pub fn exec(&self, program: &str, args: &[&str]) -> (i32, String, String) {
        decode(self.command(program, args).output().expect("ip netns exec"))
    }

    /// Runs netpry inside the namespace with a sealed environment.
    pub fn netpry(&self, args: &[&str]) -> (i32, String, String) {
        let bin = netpry_bin();
        let mut c = self.command(bin.to_str().expect("utf-8 path"), args);
        c.env("XDG_CONFIG_HOME", "/nonexistent-netpry-test")
            .env("LC_ALL", "C")
            .env("PAGER", "cat");
        decode(c.output().expect("run netpry in netns"))
    }

    /// Starts a long-running `python3 -c CODE args` inside the namespace; it is killed on drop.
    /// Waits until the program prints its first line (print "ready" after setting up sockets),
    /// and returns its pid.
    pub fn spawn_python(&mut self, code: &str, args: &[&str]) -> u32 {
        use std::io::BufRead;
        let mut all = vec!["-u", "-c", code];
        all.extend_from_slice(args);
        let mut child = self
            .command("python3", &all)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn python3 in netns");
        let pid = child.id();
        let stdout = child.stdout.take().expect("piped stdout");
        self.children.push(child);
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read ready line");
        assert!(
            !line.is_empty(),
            "helper process exited before it was ready"
        );
        pid
    }

    /// Writes `/etc/netns/NS/FILE` (hosts, resolv.conf, ...) for name resolution in the namespace.
    pub fn etc_file(&self, file: &str, contents: &str) {
        let dir = PathBuf::from("/etc/netns").join(&self.name);
        std::fs::create_dir_all(&dir).expect("create /etc/netns dir");
        std::fs::write(dir.join(file), contents).expect("write /etc/netns file");
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for c in &mut self.children {
            // `ip netns exec` execs the program, so this PID is the program itself.
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
        let _ = std::fs::remove_dir_all(PathBuf::from("/etc/netns").join(&self.name));
    }
}

/// Runs a command, panicking with its stderr on failure.
pub fn sh_ok(argv: &[&str]) {
    let out = Command::new(argv[0])
        .args(&argv[1..])
        .output()
        .expect("spawn");
    assert!(
        out.status.success(),
        "{argv:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
