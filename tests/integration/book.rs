//! The book and the table registry agree: every table has its page under `book/src/tables/`,
//! listed in `SUMMARY.md`, naming every column in backticks; every page `SUMMARY.md` lists
//! exists; and every `$ netpry ...` console example of the book runs (against the fixture
//! snapshot), its error messages word for word as shown.

use std::path::PathBuf;

use crate::support::run;

fn book_src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("book")
        .join("src")
}

/// The link targets of `SUMMARY.md`, in order (`tables/stats.md`, ...).
fn summary_links() -> Vec<String> {
    let summary =
        std::fs::read_to_string(book_src().join("SUMMARY.md")).expect("book/src/SUMMARY.md");
    let mut links = Vec::new();
    for line in summary.lines() {
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            links.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    links
}

/// The first CSV field of every data line (names never contain commas).
fn first_column(csv: &str) -> Vec<String> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn every_page_in_summary_exists() {
    let links = summary_links();
    assert!(links.iter().any(|l| l == "introduction.md"), "{links:?}");
    let missing: Vec<&String> = links
        .iter()
        .filter(|l| !l.is_empty() && !book_src().join(l).is_file())
        .collect();
    assert!(
        missing.is_empty(),
        "SUMMARY.md lists pages that do not exist: {missing:?}"
    );
}

#[test]
fn every_table_has_a_page_naming_every_column() {
    let (code, out, err) = run(&["tables", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let tables = first_column(&out);
    assert!(tables.len() >= 8, "{tables:?}");
    let links = summary_links();
    let mut problems = Vec::new();
    for table in &tables {
        let page = format!("tables/{table}.md");
        if !links.contains(&page) {
            problems.push(format!("{page} is not listed in SUMMARY.md"));
        }
        let Ok(text) = std::fs::read_to_string(book_src().join(&page)) else {
            problems.push(format!("book/src/{page} does not exist"));
            continue;
        };
        let (code, schema, err) = run(&["schema", table, "--format", "csv"]);
        assert_eq!(code, 0, "{err}");
        for column in first_column(&schema) {
            if !text.contains(&format!("`{column}`")) {
                problems.push(format!("book/src/{page} does not mention `{column}`"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// One `$ netpry ...` line of a ```console block, with the lines the book shows after it.
struct Example {
    page: String,
    command: String,
    shown: Vec<String>,
}

/// Every console example of the book.
fn console_examples() -> Vec<Example> {
    let mut out = Vec::new();
    let mut pages: Vec<PathBuf> = Vec::new();
    let mut dirs = vec![book_src()];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                pages.push(p);
            }
        }
    }
    pages.sort();
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        let name = page.strip_prefix(book_src()).unwrap().display().to_string();
        let mut in_console = false;
        for line in text.lines() {
            if line.starts_with("```") {
                in_console = !in_console && line.trim() == "```console";
                continue;
            }
            if !in_console {
                continue;
            }
            if let Some(cmd) = line.strip_prefix("$ ") {
                out.push(Example {
                    page: name.clone(),
                    command: cmd.to_string(),
                    shown: Vec::new(),
                });
            } else if let Some(last) = out.last_mut() {
                last.shown.push(line.to_string());
            }
        }
    }
    out
}

#[test]
fn every_console_example_runs() {
    // Each `$ netpry ...` line of the book runs against the fixture snapshot (a `--snapshot
    // FILE` of the example reads it instead; pipes to grep and gzip run as written, in a
    // scratch directory). It must not be a usage error, unless the book shows the error: then
    // the message must be the one shown, word for word.
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/script.json");
    let bin = crate::support::netpry_bin();
    let dir = tempfile::tempdir().unwrap();
    let examples = console_examples();
    assert!(examples.len() > 40, "{}", examples.len());
    let mut ran = 0;
    for ex in &examples {
        if !ex.command.starts_with("netpry") || ex.command.contains("NAME [") {
            continue; // a synopsis, not a command
        }
        let mut words: Vec<String> = Vec::new();
        let mut snapshot_given = false;
        let mut it = ex.command.split(' ').peekable();
        while let Some(w) = it.next() {
            words.push(w.to_string());
            if w == "--snapshot" && it.peek().is_some() {
                it.next();
                words.push(fixture.to_string());
                snapshot_given = true;
            }
        }
        let mut command = words.join(" ");
        if !snapshot_given {
            command = command.replacen("netpry", &format!("netpry --snapshot {fixture}"), 1);
        }
        let script = format!(
            "netpry() {{ '{}' \"$@\"; }}\n{command}\nexit ${{PIPESTATUS[0]}}",
            bin.display()
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "-c", &script])
            .current_dir(dir.path())
            .env("XDG_CONFIG_HOME", "/nonexistent-netpry-test")
            .env("LC_ALL", "C")
            .output()
            .unwrap();
        let code = out.status.code().unwrap_or(-1);
        let err = String::from_utf8_lossy(&out.stderr);
        let ctx = format!("{}: $ {}", ex.page, ex.command);
        assert!(!err.contains("panicked"), "{ctx}\n{err}");
        let shown_error: Vec<&String> = ex
            .shown
            .iter()
            .filter(|l| l.starts_with("netpry: "))
            .collect();
        if code == 2 {
            assert!(!shown_error.is_empty(), "{ctx}: a usage error\n{err}");
            let got: Vec<&str> = err.lines().collect();
            let want: Vec<&str> = shown_error.iter().map(|s| s.as_str()).collect();
            assert_eq!(got, want, "{ctx}: the book shows another message");
        } else {
            assert!(code == 0 || code == 1, "{ctx}: status {code}\n{err}");
            for stale in [
                "no column",
                "no table",
                "Function not found",
                "Syntax error",
            ] {
                assert!(!err.contains(stale), "{ctx}\n{err}");
            }
        }
        ran += 1;
    }
    assert!(ran > 40, "{ran}");
}

/// The recipes of "Common questions" show exactly what they print: each `$ netpry ...` runs
/// against the fixture snapshot and its standard output (standard error when it fails) is
/// the text under it, line for line.
#[test]
fn common_questions_show_what_they_print() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/script.json");
    let bin = crate::support::netpry_bin();
    let examples: Vec<Example> = console_examples()
        .into_iter()
        .filter(|e| e.page == "common-questions.md")
        .collect();
    assert!(examples.len() >= 15, "{}", examples.len());
    for ex in &examples {
        let command = ex
            .command
            .replacen("netpry", &format!("netpry --snapshot {fixture}"), 1);
        let script = format!("netpry() {{ '{}' \"$@\"; }}\n{command}", bin.display());
        let out = std::process::Command::new("bash")
            .args(["--norc", "-c", &script])
            .env("XDG_CONFIG_HOME", "/nonexistent-netpry-test")
            .env("LC_ALL", "C")
            .env_remove("COLUMNS")
            .output()
            .unwrap();
        let text = if out.status.success() {
            String::from_utf8_lossy(&out.stdout).into_owned()
        } else {
            String::from_utf8_lossy(&out.stderr).into_owned()
        };
        let got: Vec<&str> = text.lines().collect();
        assert_eq!(got, ex.shown, "common-questions.md: $ {}", ex.command);
    }
}
