//! `netpry netstat`: netstat front ends over netpry's tables.
//!
//! Two styles share this entry point: net-tools netstat 2.10 (Linux, the default) and the
//! BSD / Mac OS X netstat of the handout (`--bsd`, a program name of `bsd-netstat`, or
//! `NETPRY_NETSTAT_STYLE=bsd`). Each style parses its own command line, because neither
//! follows clap's rules, and prints byte for byte what the original prints.

pub mod bsd;
pub mod linux;
pub mod rows;

use std::path::Path;

use crate::model::{Table, Value};

/// A table as the netstat front ends print it: every text cell that is not ASCII carried
/// byte by byte ([`crate::model::rawtext::encode_bytewise`]), so names pad and cut by bytes as
/// in net-tools, and the output writer ([`crate::model::rawtext::RawWriter`]) prints their raw
/// bytes. ASCII cells (nearly all) are left as they are.
pub(crate) fn bytewise(mut table: Table) -> Table {
    table.map_cells(|v| {
        if let Some(b) = v.as_bytes().filter(|b| !b.is_ascii()) {
            *v = Value::str(crate::model::rawtext::encode_bytewise(b));
        }
    });
    table
}

/// [`bytewise`] for a shared table: the same table when every text cell is ASCII.
pub(crate) fn bytewise_shared(table: std::sync::Arc<Table>) -> std::sync::Arc<Table> {
    let all_ascii = table
        .rows()
        .flatten()
        .all(|v| v.as_bytes().is_none_or(|b| b.is_ascii()));
    if all_ascii {
        table
    } else {
        std::sync::Arc::new(bytewise((*table).clone()))
    }
}

/// Which netstat to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// net-tools netstat 2.10.
    Linux,
    /// BSD / Mac OS X netstat.
    Bsd,
}

/// Chooses the style: `--bsd` anywhere in `args` (removed from them), the program name
/// `bsd-netstat`, or `NETPRY_NETSTAT_STYLE=bsd`; otherwise Linux. Any other value of
/// `NETPRY_NETSTAT_STYLE` than `linux` or `bsd` gets a one-line warning on stderr.
pub fn choose_style(program: &str, args: &mut Vec<String>) -> Style {
    let before = args.len();
    args.retain(|a| a != "--bsd");
    let base = Path::new(program)
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or(program);
    let env = std::env::var_os("NETPRY_NETSTAT_STYLE");
    let (from_env, warning) =
        style_from_env(env.as_deref().map(|v| v.to_string_lossy()).as_deref());
    if let Some(w) = warning {
        crate::errln!("netpry: {w}");
    }
    if args.len() != before || base == "bsd-netstat" || from_env == Some(Style::Bsd) {
        Style::Bsd
    } else {
        Style::Linux
    }
}

/// The style `NETPRY_NETSTAT_STYLE` asks for (`linux` or `bsd`, any case; unset or empty:
/// none), and a warning when it holds anything else (then Linux).
fn style_from_env(value: Option<&str>) -> (Option<Style>, Option<String>) {
    match value {
        None | Some("") => (None, None),
        Some(v) if v.eq_ignore_ascii_case("linux") => (Some(Style::Linux), None),
        Some(v) if v.eq_ignore_ascii_case("bsd") => (Some(Style::Bsd), None),
        Some(v) => (
            Some(Style::Linux),
            Some(format!(
                "NETPRY_NETSTAT_STYLE={v:?} is not a netstat style (valid: linux, bsd); using linux"
            )),
        ),
    }
}

/// Runs netstat with `args` (without the program name); `program` is the name to print in
/// messages; `snapshot` reads tables from a snapshot file instead of the kernel. Returns the
/// exit status.
pub fn main(program: &str, mut args: Vec<String>, snapshot: Option<&Path>) -> u8 {
    match choose_style(program, &mut args) {
        Style::Linux => linux::main(program, args, snapshot),
        Style::Bsd => bsd::main(program, args, snapshot),
    }
}

/// Runs netstat with its output captured — `(status, stdout, stderr)` — when that is
/// possible: the Linux style without continuous mode (`-c`). `None` otherwise.
pub fn captured(program: &str, args: Vec<String>) -> Option<(u8, Vec<u8>, Vec<u8>)> {
    if !capturable(program, &args) {
        return None;
    }
    Some(linux::captured(program, &args))
}

/// Whether [`captured`] can run this command line.
pub fn capturable(program: &str, args: &[String]) -> bool {
    let continuous = args.iter().any(|a| {
        a.starts_with("--c") || (a.starts_with('-') && !a.starts_with("--") && a.contains('c'))
    });
    let mut args = args.to_vec();
    !continuous
        && !args.iter().any(|a| a == "--")
        && choose_style(program, &mut args) == Style::Linux
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_command_lines_never_panic() {
        let words = [
            "-t",
            "-u",
            "-w",
            "-x",
            "-a",
            "-n",
            "-p",
            "-l",
            "-e",
            "-o",
            "-r",
            "-i",
            "-s",
            "-g",
            "-M",
            "-c",
            "-v",
            "-W",
            "-N",
            "-C",
            "-F",
            "-Z",
            "-A",
            "-f",
            "-I",
            "-m",
            "-b",
            "-d",
            "-q",
            "-L",
            "-tanp",
            "-rn",
            "-in",
            "-s6",
            "--tcp",
            "--numeric",
            "--program",
            "--extend",
            "--timers",
            "--route",
            "--interfaces",
            "--inter",
            "--statistics",
            "-4",
            "-6",
            "--protocol=inet",
            "inet6",
            "unix",
            "--",
            "-",
            "--bogus",
            "-Aunix",
            "-Ieth0",
            "lo",
            "inet",
            "tcp",
            "1",
            "-h",
            "-V",
            "--bsd",
            "\u{0}",
            "é",
            "--ver",
            "-tuwx",
            "-ee",
            "--numeric-hosts",
            "--numeric-ports",
        ];
        let mut rng = crate::mutate::Rng::new(42);
        for _ in 0..3000 {
            let n = rng.below(6);
            let args: Vec<String> = (0..n)
                .map(|_| words[rng.below(words.len())].to_string())
                .collect();
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let _ = linux::args::parse("netstat", &args, &mut out, &mut err);
            let _ = bsd::args::parse(&args);
        }
    }

    #[test]
    fn style_from_flag_and_program_name() {
        let mut a = vec!["-r".to_string(), "--bsd".to_string()];
        assert_eq!(choose_style("netpry", &mut a), Style::Bsd);
        assert_eq!(a, ["-r"]);
        let mut b = vec!["-r".to_string()];
        assert_eq!(
            choose_style("/usr/local/bin/bsd-netstat", &mut b),
            Style::Bsd
        );
        assert_eq!(choose_style("netstat", &mut b), Style::Linux);
    }

    #[test]
    fn style_from_the_environment() {
        assert_eq!(style_from_env(None), (None, None));
        assert_eq!(style_from_env(Some("")), (None, None));
        assert_eq!(style_from_env(Some("BSD")), (Some(Style::Bsd), None));
        assert_eq!(style_from_env(Some("linux")), (Some(Style::Linux), None));
        let (style, warning) = style_from_env(Some("bogus"));
        assert_eq!(style, Some(Style::Linux));
        assert_eq!(
            warning.as_deref(),
            Some(
                "NETPRY_NETSTAT_STYLE=\"bogus\" is not a netstat style (valid: linux, bsd); using linux"
            )
        );
    }
}
