//! The book and the table registry agree: every table has its page under `book/src/tables/`,
//! listed in `SUMMARY.md`, naming every column in backticks; every page `SUMMARY.md` lists
//! exists.

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
