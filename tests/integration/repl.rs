//! The interactive shell on a real pseudo-terminal: each test runs the binary inside its own
//! tmux server (private socket, unique session name, killed on drop even when the test fails),
//! types keys and polls the screen for the expected text, against the fixture snapshot
//! `tests/fixtures/repl-host.json`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::{netpry, netpry_bin};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/repl-host.json");
const TIMEOUT: Duration = Duration::from_secs(20);

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A netpry shell running in a private tmux server.
struct Shell {
    socket: String,
    name: String,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Shell {
    /// Starts `netpry ARGS` with `XDG_STATE_HOME=state` and the extra environment `env`.
    fn start(tag: &str, state: &Path, args: &[&str], env: &[(&str, &str)]) -> Shell {
        let n = SEQ.fetch_add(1, Ordering::SeqCst);
        let name = format!("np-{tag}-{}-{n}", std::process::id());
        let socket = name.clone();
        let mut cmd = format!(
            "env XDG_STATE_HOME={} LANG=C.UTF-8 LC_ALL=C.UTF-8 PAGER=cat",
            quote(state.to_str().expect("utf-8 temp path"))
        );
        for (k, v) in env {
            cmd.push_str(&format!(" {k}={}", quote(v)));
        }
        cmd.push(' ');
        cmd.push_str(&quote(netpry_bin().to_str().expect("utf-8 binary path")));
        for a in args {
            cmd.push(' ');
            cmd.push_str(&quote(a));
        }
        // Keep the pane after the shell exits, to read its exit status.
        let wrapped = format!("{cmd}; echo \"[exited $?]\"; sleep 60");
        let shell = Shell { socket, name };
        shell.tmux(&[
            "new-session",
            "-d",
            "-x",
            "200",
            "-y",
            "50",
            "-s",
            &shell.name,
            &wrapped,
        ]);
        shell.tmux(&["set-option", "-t", &shell.name, "history-limit", "10000"]);
        shell
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run tmux (is it installed?)");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types `text` literally.
    fn type_text(&self, text: &str) {
        // tmux takes an argument ending in `;` for a command separator unless escaped.
        let escaped = match text.strip_suffix(';') {
            Some(head) => format!("{head}\\;"),
            None => text.to_string(),
        };
        self.tmux(&["send-keys", "-t", &self.name, "-l", &escaped]);
    }

    /// Presses keys by tmux name (`Enter`, `Tab`, `C-c`, `C-d`, `Up`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Types `line` and presses Enter.
    fn line(&self, line: &str) {
        self.type_text(line);
        self.keys(&["Enter"]);
    }

    /// Types a complete input, presses Enter, and waits for the next prompt.
    fn eval(&self, line: &str) {
        let before = self.screen().matches("netpry").count();
        self.line(line);
        self.wait_until(&format!("the prompt after {line:?}"), |s| {
            s.matches("netpry").count() > before && s.trim_end().ends_with('>')
        });
    }

    /// Everything the pane shows, scrollback included, wrapped lines joined.
    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-S", "-", "-t", &self.name])
    }

    /// Waits until the screen satisfies `ok`, panicking with the screen after [`TIMEOUT`].
    fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if start.elapsed() > TIMEOUT {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `needle` is on the screen.
    fn wait_for(&self, needle: &str) -> String {
        self.wait_until(&format!("{needle:?}"), |s| s.contains(needle))
    }

    /// Waits until `needle` is on the screen `n` times.
    fn wait_count(&self, needle: &str, n: usize) -> String {
        self.wait_until(&format!("{n}× {needle:?}"), |s| {
            s.matches(needle).count() >= n
        })
    }

    /// The last prompt line of the screen (what is being edited).
    fn input_line(&self) -> String {
        let s = self.screen();
        s.lines()
            .rev()
            .find(|l| l.starts_with("netpry"))
            .unwrap_or("")
            .to_string()
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

const PROMPT: &str = "netpry[repl-host.json]> ";

fn fixture_shell(tag: &str, state: &Path) -> Shell {
    let sh = Shell::start(tag, state, &["--snapshot", FIXTURE], &[]);
    sh.wait_for(PROMPT);
    sh
}

/// The columns of a registered table that start with `prefix`.
fn registry_columns(table: &str, prefix: &str) -> Vec<String> {
    let def = netpry::tables::lookup(table).expect("registered table");
    (def.columns)()
        .iter()
        .map(|c| c.name.to_string())
        .filter(|c| c.starts_with(prefix))
        .collect()
}

#[test]
fn completes_table_method_and_column() {
    let state = tempfile::tempdir().unwrap();
    let sh = fixture_shell("complete", state.path());
    sh.type_text("interf");
    sh.keys(&["Tab"]);
    sh.wait_until("table name completed", |_| {
        sh.input_line().ends_with("interfaces(")
    });
    sh.type_text(").wher");
    sh.keys(&["Tab"]);
    sh.wait_until("method completed", |_| {
        sh.input_line().ends_with("interfaces().where(")
    });
    assert_eq!(
        registry_columns("interfaces", "mt"),
        ["mtu"],
        "the registry changed: fix the test"
    );
    sh.type_text("|i| i.mt");
    sh.keys(&["Tab"]);
    sh.wait_until("column completed", |_| {
        sh.input_line().ends_with("where(|i| i.mtu")
    });
    // Inside a string argument of a column-taking method.
    sh.type_text(" > 1450).sort(\"na");
    sh.keys(&["Tab"]);
    sh.wait_until("column in a string", |_| {
        sh.input_line().ends_with(".sort(\"name")
    });
    sh.type_text("\").len() + 4000");
    sh.keys(&["Enter"]);
    sh.wait_for("4002");
    // Dot-commands and their arguments complete too.
    sh.type_text(".sche");
    sh.keys(&["Tab"]);
    sh.wait_until("dot-command", |_| sh.input_line().ends_with(".schema"));
    sh.type_text(" socke");
    sh.keys(&["Tab"]);
    sh.wait_until("table argument", |_| {
        sh.input_line().ends_with(".schema sockets")
    });
}

#[test]
fn multi_line_input_and_persistent_definitions() {
    let state = tempfile::tempdir().unwrap();
    let sh = fixture_shell("multiline", state.path());
    sh.line("fn twice(x) {");
    sh.line("  x * 2");
    sh.eval("}");
    sh.line("let items = [1,");
    sh.eval("  2, 3]");
    sh.eval("twice(items.len() + 500)");
    sh.wait_for("1006");
    // The continuation lines were one input: no error was printed.
    let s = sh.screen();
    assert!(!s.contains("error"), "{s}");
}

#[test]
fn history_is_kept_across_runs() {
    let state = tempfile::tempdir().unwrap();
    {
        let sh = fixture_shell("hist1", state.path());
        sh.eval("40 + 2002");
        sh.wait_for("2042");
        sh.keys(&["C-d"]);
        sh.wait_for("[exited 0]");
    }
    let file = state.path().join("netpry/history");
    let text = std::fs::read_to_string(&file).expect("history file written");
    assert!(text.contains("40 + 2002"), "{text}");
    let sh = fixture_shell("hist2", state.path());
    sh.keys(&["Up"]);
    sh.wait_until("recalled input", |_| sh.input_line().ends_with("40 + 2002"));
    sh.keys(&["Enter"]);
    sh.wait_for("2042");
}

#[test]
fn ctrl_c_interrupts_a_running_script_and_the_shell_goes_on() {
    let state = tempfile::tempdir().unwrap();
    let sh = fixture_shell("ctrlc", state.path());
    sh.line("loop { }");
    // Press Ctrl-C until the evaluation reports it was interrupted (on a loaded machine the
    // first press may reach the line editor before the evaluation starts).
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(300));
        sh.keys(&["C-c"]);
        if sh.screen().contains("interrupted") {
            break;
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "Ctrl-C did not interrupt:\n{}",
            sh.screen()
        );
        std::thread::sleep(Duration::from_millis(700));
        if sh.screen().contains("interrupted") {
            break;
        }
    }
    // Type only once the prompt is back: keys sent while the terminal is between modes can be
    // dropped by the line discipline.
    sh.wait_until("the prompt after the interrupt", |s| {
        s.trim_end().ends_with('>')
    });
    sh.eval("1000 + 1");
    sh.wait_for("1001");
    // Ctrl-C at the prompt discards the input being typed.
    sh.type_text("this is discarded");
    sh.wait_for("this is discarded");
    let prompts = sh.screen().matches("netpry").count();
    sh.keys(&["C-c"]);
    sh.wait_until("a fresh prompt after Ctrl-C", |s| {
        s.matches("netpry").count() > prompts && s.trim_end().ends_with('>')
    });
    sh.eval("2000 + 2");
    sh.wait_for("2002");
    // Ctrl-D on an empty line leaves.
    sh.keys(&["C-d"]);
    sh.wait_for("[exited 0]");
}

#[test]
fn an_error_does_not_end_the_shell() {
    let state = tempfile::tempdir().unwrap();
    let sh = fixture_shell("error", state.path());
    sh.eval("no_such_function(1)");
    sh.wait_for("error");
    sh.eval("1 +* 2");
    sh.wait_count("error", 2);
    sh.eval(".schema nosuchtable");
    sh.wait_for("no table 'nosuchtable'");
    sh.eval("6 * 7 + 3000");
    sh.wait_for("3042");
}

#[test]
fn dot_commands() {
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("lib.rhai");
    std::fs::write(&lib, "fn triple(x) { x * 3 }\nlet loaded = 7;\n").unwrap();
    let script = dir.path().join("count.rhai");
    std::fs::write(&script, "\"script says \" + (interfaces().len() + 10)\n").unwrap();
    let sh = Shell::start("dot", state.path(), &["--snapshot", FIXTURE], &[]);
    sh.wait_for(PROMPT);

    sh.eval(".help");
    sh.wait_for(".explain TERM");
    sh.eval(".help keys");
    sh.wait_for("Ctrl-R searches history");
    // Help on a method: signature, one-line description, example (from the book's API pages).
    sh.eval(".help where");
    sh.wait_for("where(|row| condition)");
    sh.wait_for("The rows for which the condition is");
    sh.wait_for("sockets().where(|s| s.state == ");
    sh.eval(".help agg");
    sh.wait_for("Several aggregates at once:");
    sh.eval(".help int_arg");
    sh.wait_for("let top = args.int_arg(0, 10);");
    sh.eval(".tables");
    for t in netpry::tables::TABLES {
        sh.wait_for(t.doc);
    }
    sh.eval(".schema interfaces");
    let mtu_doc = netpry::tables::lookup("interfaces").unwrap();
    let mtu_doc = (mtu_doc.columns)()
        .iter()
        .find(|c| c.name == "mtu")
        .unwrap()
        .doc
        .to_string();
    sh.wait_for(&mtu_doc);
    sh.eval(".explain CLOSE_WAIT");
    sh.wait_for("TCP state CLOSE_WAIT");
    sh.eval(".explain UGSc");
    sh.wait_for("route flags UGSc");
    sh.wait_for("G  gateway");
    sh.eval(".explain Recv-Q");
    sh.wait_for("netstat column Recv-Q");

    sh.eval(".format json");
    sh.eval("interfaces().where(|i| i.name == \"eth0\")");
    sh.wait_for("\"mtu\":1500");
    sh.eval(".format csv");
    sh.eval("interfaces().where(|i| i.name == \"wlan0\")");
    sh.wait_for("3,wlan0,1400,DOWN");
    sh.eval(".format table");
    sh.eval(".format");
    sh.wait_for("format: table");

    sh.eval(".timer on");
    sh.eval("1 + 5000");
    sh.wait_for("5001");
    sh.wait_for("time: ");
    sh.eval(".timer off");

    sh.eval(".pager off");
    sh.eval(".pager");
    sh.wait_for("pager: off");
    sh.eval(".refresh");
    sh.wait_for("its data never changes");

    sh.eval(&format!(".load {}", lib.display()));
    sh.eval("triple(loaded) + 7000");
    sh.wait_for("7021");
    sh.eval(&format!(".run {}", script.display()));
    sh.wait_for("script says 13");
    // Saved scripts complete by name and take arguments.
    sh.type_text(".run listen");
    sh.keys(&["Tab"]);
    sh.wait_until("saved script name", |_| {
        sh.input_line().ends_with(".run listening")
    });
    sh.eval(" 22");
    sh.wait_for("sshd");

    // .netstat prints what `netpry --snapshot F netstat ARGS` prints.
    let out = netpry()
        .args(["--snapshot", FIXTURE, "netstat", "-i"])
        .output()
        .unwrap();
    let direct = String::from_utf8_lossy(if out.stdout.is_empty() {
        &out.stderr
    } else {
        &out.stdout
    })
    .lines()
    .next()
    .unwrap_or("")
    .to_string();
    sh.eval(".netstat -i");
    sh.wait_for(direct.trim_end());

    sh.eval(".nosuch");
    sh.wait_for("unknown command '.nosuch'");
    sh.line(".quit");
    sh.wait_for("[exited 0]");
}

#[test]
fn long_output_goes_through_the_pager_unless_off() {
    let state = tempfile::tempdir().unwrap();
    let sh = Shell::start(
        "pager",
        state.path(),
        &["--snapshot", FIXTURE],
        &[("PAGER", "sed s/^/PAGED:/")],
    );
    sh.wait_for(PROMPT);
    let long = "let s = \"\"; for i in 0..120 { s += `row${i}\n`; } s";
    sh.eval(long);
    sh.wait_for("PAGED:row119");
    sh.eval(".pager off");
    sh.eval("let t = \"\"; for i in 0..120 { t += `line${i}\n`; } t");
    let s = sh.wait_for("line119");
    assert!(!s.contains("PAGED:line"), "paged although .pager off");
    // Short output is printed directly.
    sh.eval(".pager on");
    sh.eval("\"short\" + 8000");
    let s = sh.wait_for("short8000");
    assert!(!s.contains("PAGED:short"), "{s}");
}

#[test]
fn the_prompt_names_the_snapshot_and_live_shows_plain() {
    let state = tempfile::tempdir().unwrap();
    let sh = fixture_shell("prompt", state.path());
    sh.eval("\"host \" + 9000");
    sh.wait_for("host 9000");
    let live = Shell::start("live", state.path(), &["repl"], &[]);
    live.wait_for("netpry> ");
}

fn run_stdin(args: &[&str], script: &str) -> (i32, String, String) {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut child = netpry()
        .args(args)
        .env("XDG_STATE_HOME", dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    // No history is written when not interactive.
    assert!(!PathBuf::from(dir.path()).join("netpry/history").exists());
    crate::support::decode(out)
}

#[test]
fn stdin_not_a_terminal_runs_one_script_without_prompts() {
    let script = "let n = interfaces().len();\nfn plus(a) {\n  a + 100\n}\nplus(n)\n";
    for args in [
        &["--snapshot", FIXTURE][..],
        &["--snapshot", FIXTURE, "repl"][..],
    ] {
        let (code, out, err) = run_stdin(args, script);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, "103\n", "{args:?}");
        assert!(
            !out.contains("netpry>") && !err.contains("netpry>"),
            "{err}"
        );
    }
    let (code, out, err) = run_stdin(
        &["--snapshot", FIXTURE],
        "let x = 1;\nno_such_function(x)\n",
    );
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("no_such_function"), "{err}");
}

#[test]
fn netns_switches_namespace_and_shows_it_in_the_prompt() {
    if !crate::support::root_or_skip("netns_switches_namespace_and_shows_it_in_the_prompt") {
        return;
    }
    let ns = crate::support::Netns::new("replns");
    ns.ip(&["link", "add", "rq0", "type", "veth", "peer", "name", "rq1"]);
    let state = tempfile::tempdir().unwrap();
    let sh = Shell::start("netns", state.path(), &[], &[]);
    sh.wait_for("netpry> ");
    sh.line(&format!(".netns {}", ns.name));
    sh.wait_for(&format!("netpry@{}> ", ns.name));
    sh.line("interfaces().where(|i| i.name == \"rq0\").len()");
    sh.wait_until("one rq0 inside the namespace", |s| {
        s.lines().any(|l| l.trim() == "1")
    });
    sh.line(".netns all");
    sh.wait_for("netpry@all> ");
    sh.line("interfaces().where(|i| i.name == \"rq0\").select([\"name\", \"netns\"]).len()");
    sh.wait_count("netpry@all> ", 2);
    sh.line(".netns -");
    sh.wait_count("netpry> ", 2);
    sh.line(".netns no-such-ns-anywhere");
    sh.wait_for("no network namespace by that name");
}
