//! Help on one method or helper (`.help where` in the shell, `help("where")` in scripts), read
//! from the book's API pages (`book/src/api/*.md`), built into the binary: the pages are the
//! single source, and `src/script/tests.rs` checks that they document every registered
//! function with a runnable example, so the help is as complete and as tested as they are.
//!
//! An entry is a `### ` heading: the signatures in backticks, then the description (its first
//! sentence is the summary) and the first ```` ```rhai ```` example.

/// The API pages, in the order the book lists them.
const PAGES: [(&str, &str); 5] = [
    ("tables", include_str!("../../book/src/api/tables.md")),
    (
        "table-methods",
        include_str!("../../book/src/api/table-methods.md"),
    ),
    ("rows", include_str!("../../book/src/api/rows.md")),
    ("ip", include_str!("../../book/src/api/ip.md")),
    ("helpers", include_str!("../../book/src/api/helpers.md")),
];

/// One documented entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The heading without its backticks: `sort(column), sort_desc(column)`.
    pub signature: String,
    /// The names the heading documents: `sort`, `sort_desc`.
    pub names: Vec<String>,
    /// The first sentence of the description.
    pub summary: String,
    /// The first example.
    pub example: String,
    /// The page it comes from (`table-methods`).
    pub page: &'static str,
}

/// Every entry of the API pages.
pub fn entries() -> Vec<Entry> {
    let mut out = Vec::new();
    for (page, text) in PAGES {
        for section in text.split("\n### ").skip(1) {
            let (heading, body) = section.split_once('\n').unwrap_or((section, ""));
            let names = heading_names(heading);
            if names.is_empty() {
                continue;
            }
            let prose: String = body
                .split("```")
                .next()
                .unwrap_or("")
                .split("\n\n")
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let summary = first_sentence(&prose);
            let example = body
                .split("```rhai\n")
                .nth(1)
                .and_then(|b| b.split("```").next())
                .unwrap_or("")
                .trim_end()
                .to_string();
            out.push(Entry {
                signature: heading.replace('`', ""),
                names,
                summary,
                example,
                page,
            });
        }
    }
    out
}

/// The script names a heading documents: the identifier before `(` of each backticked part
/// (the last one of `text.matches(regex)`), or a bare identifier (`args`).
fn heading_names(heading: &str) -> Vec<String> {
    let mut names = Vec::new();
    for part in heading.split('`').skip(1).step_by(2) {
        let head = part.split('(').next().unwrap_or(part);
        let name = if part.contains('(') {
            head.rsplit(['.', ' ']).next().unwrap_or(head)
        } else {
            head
        };
        if !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_string());
        }
    }
    names
}

/// The text up to the end of its first sentence (a `.` followed by a space or the end).
fn first_sentence(text: &str) -> String {
    let mut end = text.len();
    for (i, _) in text.match_indices(". ") {
        // Not an abbreviation such as "e.g. " or "i.e. ".
        let before = &text[..i];
        if before.ends_with("e.g") || before.ends_with("i.e") {
            continue;
        }
        end = i + 1;
        break;
    }
    text[..end].to_string()
}

/// The help text on `name` (a method, helper or table function, with or without `()`, or a
/// signature's start such as `.where`), or `None` when the API pages have no entry for it.
pub fn help(name: &str) -> Option<String> {
    let name = name
        .trim()
        .trim_start_matches('.')
        .trim_end_matches("()")
        .trim_end_matches('(');
    let found: Vec<Entry> = entries()
        .into_iter()
        .filter(|e| e.names.iter().any(|n| n == name))
        .collect();
    if found.is_empty() {
        return None;
    }
    let mut out = String::new();
    for (i, e) in found.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&e.signature);
        out.push_str(&format!("\n  {}", e.summary));
        if !e.example.is_empty() {
            out.push_str("\n  e.g.");
            for line in e.example.lines() {
                out.push_str(&format!("\n    {line}"));
            }
        }
        out.push_str(&format!("\n  (book: api/{}.md)\n", e.page));
    }
    Some(out.trim_end().to_string())
}

/// `help(name)` for scripts: the same text as the shell's `.help NAME`.
pub fn register(engine: &mut rhai::Engine) {
    engine.register_fn("help", |name: &str| -> String {
        help(name).unwrap_or_else(|| {
            let all = entries();
            let known = all.iter().flat_map(|e| e.names.iter().map(String::as_str));
            let hint = crate::error::suggest(name, known);
            format!("no help on '{name}'{hint}")
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_give_names_summaries_and_examples() {
        let w = help("where").expect("where is documented");
        assert!(
            w.starts_with("where(|row| condition)\n  The rows for which"),
            "{w}"
        );
        assert!(w.contains("e.g.\n    sockets().where(|s|"), "{w}");
        let s = help(".sort_desc").unwrap();
        assert!(s.starts_with("sort(column), sort_desc(column)\n"), "{s}");
        assert!(help("matches").unwrap().starts_with("text.matches(regex)"));
        assert!(help("args").is_some());
        assert!(help("no_such_method").is_none());
        assert_eq!(
            heading_names("`ip in \"cidr\"`, `contains(cidr, ip)`"),
            ["contains"]
        );
        assert_eq!(first_sentence("One (e.g. two). Three."), "One (e.g. two).");
    }
}
