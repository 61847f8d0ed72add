//! `netpry --version`: the crate version and, when built from a git checkout, the commit
//! (`build.rs` passes it as `NETPRY_GIT_COMMIT`); with `--verbose`, the kernel features found
//! at run time ([`crate::door::source::linux::features`]).

use std::io::{self, Write};

use crate::door::source::linux::features::{self, Probe};

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit (abbreviated) netpry was built from, or `None` when built outside a git
/// checkout (e.g. from the packaged crate).
pub fn commit() -> Option<&'static str> {
    option_env!("NETPRY_GIT_COMMIT").filter(|c| !c.is_empty())
}

/// `netpry 0.1.0 (git 1a2b3c4d5e6f)`, or `netpry 0.1.0` without a commit.
pub fn line() -> String {
    match commit() {
        Some(c) => format!("netpry {VERSION} (git {c})"),
        None => format!("netpry {VERSION}"),
    }
}

/// Prints the version line and, when `verbose`, one line per kernel feature probed.
pub fn print(w: &mut dyn Write, verbose: bool) -> io::Result<()> {
    writeln!(w, "{}", line())?;
    if !verbose {
        return Ok(());
    }
    let f = features::probe();
    writeln!(w, "kernel: {}", f.kernel.as_deref().unwrap_or("unknown"))?;
    for (family, protos) in &f.sock_diag {
        writeln!(w, "sock_diag {family}: {}", summary(protos))?;
    }
    writeln!(w, "raw_diag: {}", summary(&f.raw_diag))?;
    writeln!(w, "rules: {}", summary(&f.rules))?;
    Ok(())
}

/// `tcp udp udplite`, with `; no NAME (why)` for each probe that failed, `none` when all did.
fn summary(probes: &[(&str, Probe)]) -> String {
    let ok: Vec<&str> = probes
        .iter()
        .filter(|(_, p)| p.is_ok())
        .map(|(n, _)| *n)
        .collect();
    let mut s = if ok.is_empty() {
        "none".to_string()
    } else if probes.len() == 1 {
        "yes".to_string()
    } else {
        ok.join(" ")
    };
    for (name, p) in probes {
        if let Err(why) = p {
            s.push_str(&format!("; no {name} ({why})"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_name_what_is_missing_and_why() {
        let p = |n, ok: bool| {
            (
                n,
                if ok {
                    Ok(())
                } else {
                    Err("not in this kernel".into())
                },
            )
        };
        assert_eq!(summary(&[p("tcp", true), p("udp", true)]), "tcp udp");
        assert_eq!(
            summary(&[p("inet", true), p("inet6", false)]),
            "inet; no inet6 (not in this kernel)"
        );
        assert_eq!(summary(&[p("unix", true)]), "yes");
        assert_eq!(
            summary(&[p("unix", false)]),
            "none; no unix (not in this kernel)"
        );
    }

    #[test]
    fn the_commit_is_named_only_from_a_git_checkout() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        if !root.join(".git").exists() {
            // The packaged crate, a tarball: the version alone.
            assert_eq!(commit(), None);
            assert_eq!(line(), format!("netpry {VERSION}"));
        } else if std::process::Command::new("git")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            let c = commit().expect("a commit when built from a checkout with git");
            assert!(
                c.len() == 12 && c.bytes().all(|b| b.is_ascii_hexdigit()),
                "{c}"
            );
        }
    }

    #[test]
    fn the_line_names_the_version() {
        assert!(line().starts_with(&format!("netpry {VERSION}")));
    }
}
