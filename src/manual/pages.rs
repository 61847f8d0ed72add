//! The manual pages and completion scripts as pure functions of the command-line definition and
//! a [`Catalogue`] of tables and saved scripts.
//!
//! The running binary calls these (`netpry man`, `netpry completions`) through
//! [`crate::manual`], and `build.rs` compiles this very file (with `src/cli.rs`) to write the
//! same pages and scripts as files at build time, which the Debian package installs. So this file may use nothing but std, clap, clap_complete,
//! clap_mangen and roff, and nothing of the crate.

use std::io::{self, Write};
use std::path::Path;

use clap::builder::PossibleValuesParser;
use clap_complete::Shell;
use roff::{Roff, bold, italic, roman};

/// What the pages list besides the command line: tables, saved scripts, the version.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// Every table: name and one-line description, in listing order.
    pub tables: Vec<(&'static str, &'static str)>,
    /// The built-in saved scripts: name and description, in name order.
    pub scripts: Vec<(&'static str, String)>,
    /// The version the pages name (the crate's version, without the git commit, so that the
    /// packaged pages do not change with every commit).
    pub version: &'static str,
}

/// Where the generated files go under `share/` (as under `/usr/share`): the manual pages.
pub const MAN_FILES: [&str; 2] = ["man/man1/netpry.1", "man/man1/netpry-netstat.1"];

/// The shells whose completion scripts are installed, with each file's place under `share/`
/// (the directories bash-completion, zsh and fish read for packaged completions).
pub const COMPLETION_FILES: &[(Shell, &str)] = &[
    (Shell::Bash, "bash-completion/completions/netpry"),
    (Shell::Zsh, "zsh/vendor-completions/_netpry"),
    (Shell::Fish, "fish/vendor_completions.d/netpry.fish"),
];

/// A saved script's description: its first comment line (`// text`), after an optional `#!`
/// line; empty when none (`Saved::description` in `script::saved` is this; `build.rs`
/// compiles this module on its own, so the rule lives here).
pub fn script_description(source: &str) -> String {
    source
        .lines()
        .filter(|l| !l.starts_with("#!"))
        .map(str::trim)
        .find(|l| !l.is_empty())
        .and_then(|l| l.strip_prefix("//"))
        .map(|d| d.trim_start_matches('/').trim().to_string())
        .unwrap_or_default()
}

/// The command line as completion scripts see it: table and script names as possible values.
/// (They are added to a copy of the command used for generation only: the running command
/// keeps its own errors for unknown names, with suggestions.)
fn command_for_completion(cmd: clap::Command, cat: &Catalogue) -> clap::Command {
    let tables: Vec<&'static str> = cat.tables.iter().map(|t| t.0).collect();
    let scripts: Vec<&'static str> = cat.scripts.iter().map(|s| s.0).collect();
    cmd.mut_subcommand("table", |c| {
        c.mut_arg("name", |a| {
            a.value_parser(PossibleValuesParser::new(tables.clone()))
        })
    })
    .mut_subcommand("schema", |c| {
        c.mut_arg("name", |a| {
            a.value_parser(PossibleValuesParser::new(tables.clone()))
        })
    })
    .mut_subcommand("run", |c| {
        // Keep the name the first positional (the script's arguments follow it).
        c.mut_arg("name", |a| {
            a.value_parser(PossibleValuesParser::new(scripts)).index(1)
        })
        .mut_arg("args", |a| a.index(2))
    })
}

/// The completion script of `shell` for `cmd` (the `netpry` command line).
pub fn completions(shell: Shell, cmd: clap::Command, cat: &Catalogue) -> Vec<u8> {
    let mut cmd = command_for_completion(cmd, cat);
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "netpry", &mut buf);
    buf
}

/// The manual page netpry(1), in roff: clap's sections (name, synopsis, description, options),
/// every command's usage, then the tables, the saved scripts, exit status, environment,
/// examples and related commands.
pub fn man_page(cmd: clap::Command, cat: &Catalogue) -> io::Result<Vec<u8>> {
    let cmd = cmd.version(cat.version).long_about(
        "netpry reads sockets, processes, interfaces, addresses, routes, policy rules, \
         neighbours, multicast memberships, protocol counters and sysctls from the running \
         kernel (netlink first, /proc where netlink has nothing) and shows each as a typed \
         table. Each command line, saved script or line of the interactive shell is a Rhai \
         script over those tables. `netpry netstat` is a faithful net-tools netstat (and, with \
         --bsd, the BSD one; see netpry-netstat(1)); `netpry snapshot` saves every table to one \
         JSON file that any command reads back with --snapshot.",
    );
    let man = clap_mangen::Man::new(cmd.clone())
        .section("1")
        .manual("netpry manual")
        .source(format!("netpry {}", cat.version));
    let mut buf = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    man.render_options_section(&mut buf)?;
    commands_section(cmd).to_writer(&mut buf)?;
    extra_sections(cat).to_writer(&mut buf)?;
    man.render_version_section(&mut buf)?;
    Ok(buf)
}

/// A section heading.
fn heading(r: &mut Roff, title: &str) {
    r.control("SH", [title]);
}

/// A tagged paragraph: `tag` in bold, then `text`.
fn item(r: &mut Roff, tag: &str, text: &str) {
    r.control("TP", []).text([bold(tag)]).text([roman(text)]);
}

/// COMMANDS: each subcommand's usage line and summary (all on this one page).
fn commands_section(mut cmd: clap::Command) -> Roff {
    let mut r = Roff::new();
    heading(&mut r, "COMMANDS");
    cmd.build();
    for sub in cmd.get_subcommands_mut() {
        if sub.get_name() == "help" {
            continue;
        }
        let usage = sub.render_usage().to_string();
        let usage = usage.trim().trim_start_matches("Usage:").trim();
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        item(&mut r, usage, &about);
    }
    item(
        &mut r,
        "netpry FILE.rhai [ARGS]...",
        "Run a script file (a #!/usr/bin/env netpry first line works); ARGS are its args.",
    );
    r
}

fn extra_sections(cat: &Catalogue) -> Roff {
    let mut r = Roff::new();
    heading(&mut r, "TABLES");
    r.text([roman(
        "Every table, with its columns, is described by netpry schema NAME and in the book. \
         In scripts, each is a function of the same name, as in ",
    )])
    .text([italic("routes().where(|r| r.dst_len == 0)")]);
    for (name, doc) in &cat.tables {
        item(&mut r, name, doc);
    }
    heading(&mut r, "SAVED SCRIPTS");
    r.text([roman(
        "Run with netpry run NAME [ARGS...]; netpry run --list also shows the user's own. \
         Checks exit 1 with a one-line reason when they fail.",
    )]);
    for (name, description) in &cat.scripts {
        item(&mut r, name, description);
    }
    heading(&mut r, "EXIT STATUS");
    item(&mut r, "0", "Success.");
    item(
        &mut r,
        "1",
        "A failure: a script error, a check that failed (fail()), a table that could not be read.",
    );
    item(
        &mut r,
        "2",
        "A usage error: an unknown option, table or column, an unreadable snapshot.",
    );
    heading(&mut r, "ENVIRONMENT");
    item(
        &mut r,
        "XDG_CONFIG_HOME",
        "Saved scripts are also read from $XDG_CONFIG_HOME/netpry/scripts (default ~/.config/netpry/scripts); \
         a file there overrides a built-in script of the same name.",
    );
    item(
        &mut r,
        "XDG_STATE_HOME",
        "The shell's history is kept in $XDG_STATE_HOME/netpry/history (default ~/.local/state/netpry/history).",
    );
    item(
        &mut r,
        "PAGER",
        "The pager for long output in the interactive shell.",
    );
    item(
        &mut r,
        "NETPRY_MAX_INPUT",
        "The most netpry reads of one input, in bytes (suffixes K, M, G, T: powers of 1024); \
         default 1G for a snapshot and 64M for a script (a file, a saved script, standard input).",
    );
    item(
        &mut r,
        "NETPRY_PROC_OWNERS",
        "1: read socket owners (pid, process, netstat -p) by walking /proc/*/fd even where the \
         kernel's descriptor iterator could be used (root, a kernel with BTF); the answer is the same.",
    );
    item(
        &mut r,
        "NETPRY_NETSTAT_STYLE",
        "linux or bsd: the default style of netpry netstat (--bsd chooses BSD too).",
    );
    heading(&mut r, "FILES");
    item(
        &mut r,
        "/usr/share/netpry/scripts",
        "The built-in saved scripts as installed by the Debian package, for reading and copying \
         (netpry runs its own built-in copies).",
    );
    heading(&mut r, "EXAMPLES");
    for (cmd, what) in [
        (
            "netpry table sockets -c proto,state,local_addr,local_port,pid",
            "Some columns of one table.",
        ),
        (
            "netpry -e 'sockets().where(|s| s.state == \"ESTABLISHED\").group_by(\"remote_addr\").count()'",
            "Connections per remote host.",
        ),
        (
            "netpry -e 'route_get(\"192.0.2.1\")'",
            "The route the kernel would choose.",
        ),
        ("netpry run close-wait 50", "A saved check, for monitoring."),
        ("netpry snapshot -o web1.json", "Save every table."),
        (
            "netpry --snapshot web1.json netstat -rn",
            "Read them back, anywhere.",
        ),
        ("netpry netstat -tanp", "net-tools netstat, byte for byte."),
        (
            "netpry --version --verbose",
            "The version, the git commit and the kernel features found.",
        ),
    ] {
        r.control("TP", []).text([bold(cmd)]).text([roman(what)]);
    }
    heading(&mut r, "SEE ALSO");
    r.text([roman(
        "netpry-netstat(1), ss(8), netstat(8), ip(8), ip-route(8), ip-rule(8), lsof(8), sysctl(8)",
    )]);
    r
}

/// One option line of a netstat usage text: `-r, --route   display routing table`.
fn usage_option(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    if !line.starts_with('-') {
        return None;
    }
    let split = line.find("  ")?;
    let (tag, text) = line.split_at(split);
    Some((tag.trim().to_string(), text.trim().to_string()))
}

/// The manual page netpry-netstat(1), in roff, built from the two netstat usage texts
/// (net-tools' `linux_usage`, the BSD `bsd_usage`) that `netpry netstat -h` prints.
pub fn netstat_man_page(linux_usage: &str, bsd_usage: &str, version: &str) -> Vec<u8> {
    let mut r = Roff::new();
    r.control(
        "TH",
        [
            "netpry-netstat",
            "1",
            "",
            &format!("netpry {version}"),
            "netpry manual",
        ],
    );
    heading(&mut r, "NAME");
    r.text([roman(
        "netpry-netstat - net-tools compatible netstat (and BSD netstat) over netpry's tables",
    )]);
    heading(&mut r, "SYNOPSIS");
    for synopsis in [
        "netpry netstat [OPTIONS]...",
        "netstat [OPTIONS]...",
        "netpry netstat --bsd [OPTIONS]...",
        "netpry --snapshot FILE netstat [OPTIONS]...",
    ] {
        r.text([bold(synopsis)]).control("br", []);
    }
    heading(&mut r, "DESCRIPTION");
    r.text([roman(
        "netpry netstat prints what net-tools netstat 2.10 prints, byte for byte, for the same \
         command line: sockets, routes (-r), interfaces (-i), multicast groups (-g) and \
         protocol statistics (-s), read from the kernel by netpry (netlink first, /proc where \
         netlink has nothing). netpry answers as netstat when it is invoked under that name, \
         so a link named netstat to netpry is a drop-in netstat for old scripts.",
    )]);
    r.control("PP", []).text([roman(
        "With --bsd, the program name bsd-netstat, or NETPRY_NETSTAT_STYLE=bsd, it prints the \
         BSD / Mac OS X netstat instead. With --snapshot FILE, every table comes from a netpry \
         snapshot instead of the running kernel.",
    )]);
    heading(&mut r, "OPTIONS");
    r.text([roman("The net-tools options, as netstat -h lists them:")]);
    for (tag, text) in linux_usage.lines().filter_map(usage_option) {
        item(&mut r, &tag, &text);
    }
    item(
        &mut r,
        "-4, -6, -A FAMILY, --inet, --inet6, --unix, ...",
        "Address families: only sockets (or routes) of these.",
    );
    item(
        &mut r,
        "-t, -u, -U, -w, -x",
        "TCP, UDP, UDP-Lite, raw and UNIX sockets (--tcp, --udp, --udplite, --raw, --unix).",
    );
    item(&mut r, "-V, --version", "The net-tools version banner.");
    item(&mut r, "-h, --help", "The usage text.");
    heading(&mut r, "BSD STYLE");
    r.text([roman(
        "The BSD usage, as netpry netstat --bsd -h prints it:",
    )]);
    r.control("PP", []).control("nf", []);
    for line in bsd_usage.lines().filter(|l| !l.trim().is_empty()) {
        let line = line.trim().trim_start_matches("Usage:").trim();
        r.text([roman(line)]).control("br", []);
    }
    r.control("fi", []);
    heading(&mut r, "INSTALLED AS NETSTAT");
    r.text([roman(
        "The Debian package offers /usr/bin/netstat through update-alternatives (alternative \
         name netstat, low priority): where net-tools is installed its real netstat stays in \
         place, and where it is not, netstat runs netpry. update-alternatives --display netstat \
         shows which one is in use.",
    )]);
    heading(&mut r, "EXIT STATUS");
    r.text([roman(
        "As net-tools netstat: 0 on success, 1 on a usage error or a failure to read a table.",
    )]);
    heading(&mut r, "SEE ALSO");
    r.text([roman("netpry(1), netstat(8), ss(8), ip(8)")]);
    r.render().into_bytes()
}

/// Writes every generated file under `share` as it is installed under `/usr/share`:
/// [`MAN_FILES`] and [`COMPLETION_FILES`].
pub fn write_all(
    share: &Path,
    cmd: &clap::Command,
    cat: &Catalogue,
    linux_usage: &str,
    bsd_usage: &str,
) -> io::Result<()> {
    let [netpry, netstat] = MAN_FILES;
    write_if_changed(&share.join(netpry), &man_page(cmd.clone(), cat)?)?;
    write_if_changed(
        &share.join(netstat),
        &netstat_man_page(linux_usage, bsd_usage, cat.version),
    )?;
    for (shell, file) in COMPLETION_FILES {
        write_if_changed(&share.join(file), &completions(*shell, cmd.clone(), cat))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` unless it already holds them (keeps the timestamp of an unchanged
/// file).
fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)
}
