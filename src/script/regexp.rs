//! Regular expressions in scripts: `text.matches(re)` (true when `re` matches anywhere in
//! `text`; anchor with `^`/`$`). Each pattern is compiled once per thread and reused for every
//! row, so a `where(|s| s.process.matches("^py"))` over 100k rows compiles one regex. Syntax is
//! the `regex` crate's (RE2-like: no backreferences or look-around, linear time, so a hostile
//! pattern cannot make a query run away). On null, `matches` is false.

use std::cell::RefCell;
use std::collections::HashMap;

use rhai::Engine;

use super::ip::RhaiResultOf;

/// How many compiled patterns a thread keeps.
const CACHE: usize = 64;
/// Compiled size limit of one pattern.
const SIZE_LIMIT: usize = 1 << 20;

thread_local! {
    static COMPILED: RefCell<HashMap<String, regex::Regex>> = RefCell::new(HashMap::new());
}

/// Whether `re` matches somewhere in `text`.
pub fn matches(text: &str, re: &str) -> Result<bool, String> {
    COMPILED.with(|c| {
        let mut cache = c.borrow_mut();
        if let Some(r) = cache.get(re) {
            return Ok(r.is_match(text));
        }
        let r = regex::RegexBuilder::new(re)
            .size_limit(SIZE_LIMIT)
            .build()
            .map_err(|e| {
                let shown = crate::model::escape_bounded(re.as_bytes(), 80);
                let why = e.to_string();
                let why = why.lines().last().unwrap_or("invalid pattern").trim();
                format!("matches: \"{shown}\" is not a regular expression: {why}")
            })?;
        let hit = r.is_match(text);
        if cache.len() >= CACHE {
            cache.clear();
        }
        cache.insert(re.to_string(), r);
        Ok(hit)
    })
}

/// Registers `matches` on strings (and on null, false).
pub fn register(engine: &mut Engine) {
    engine.register_fn("matches", |text: &str, re: &str| -> RhaiResultOf<bool> {
        matches(text, re).map_err(|m| m.into())
    });
    engine.register_fn("matches", |_: (), _: &str| false);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_anywhere_and_bad_ones_say_why() {
        assert_eq!(matches("python3", "^py"), Ok(true));
        assert_eq!(matches("python3", "^th"), Ok(false));
        assert_eq!(matches("nginx: worker", "(?i)NGINX"), Ok(true));
        let e = matches("x", "a(").unwrap_err();
        assert!(
            e.starts_with("matches: \"a(\" is not a regular expression"),
            "{e}"
        );
        // Linear-time engine: a classic catastrophic pattern is quick.
        let long = "a".repeat(5000) + "b";
        assert_eq!(matches(&long, "^(a+)+$"), Ok(false));
    }
}
