//! The order in which a script wrote the keys of its object map literals.
//!
//! Rhai object maps iterate sorted by key, and Rhai folds a map literal of constants into one
//! constant before netpry sees the syntax tree, so the order is read from the source text:
//! every `#{ key: ..., ... }` literal (nested ones too) gives its keys in written order. A map
//! met at run time (a result, an element of an array of maps, the argument of `agg`) is shown
//! in the order of the first literal with exactly its keys, or sorted when none has them.

use std::cell::RefCell;

use rhai::Map;

thread_local! {
    /// Key lists of the map literals of the scripts of this thread's evaluation (a session
    /// keeps those of its earlier inputs: a map kept in a variable is shown later).
    static ORDERS: RefCell<Vec<Vec<String>>> = const { RefCell::new(Vec::new()) };
}

/// The most key lists kept (a long session forgets the oldest).
const MAX_KEPT: usize = 4096;

/// Records the map literals of `source`; `fresh` forgets those recorded before.
pub fn learn(source: &str, fresh: bool) {
    let found = literal_keys(source);
    ORDERS.with(|o| {
        let mut o = o.borrow_mut();
        if fresh {
            o.clear();
        }
        // Newest first: a session's latest input decides between two orders of one key set.
        for keys in found.into_iter().rev() {
            if !o.contains(&keys) {
                o.insert(0, keys);
            }
        }
        o.truncate(MAX_KEPT);
    });
}

/// The keys of `m` in the order a literal of the script wrote them (sorted when none did).
pub fn ordered_keys(m: &Map) -> Vec<String> {
    let written = ORDERS.with(|o| {
        o.borrow()
            .iter()
            .find(|keys| keys.len() == m.len() && keys.iter().all(|k| m.contains_key(k.as_str())))
            .cloned()
    });
    written.unwrap_or_else(|| m.keys().map(ToString::to_string).collect())
}

/// One map literal being read.
struct Frame {
    keys: Vec<String>,
    nest: usize,
    expect_key: bool,
}

/// The key lists of every object map literal in `source`, in the order their literals end.
fn literal_keys(source: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        // Comments.
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
            continue;
        }
        let expecting = stack.last().is_some_and(|f| f.nest == 0 && f.expect_key);
        if expecting && !c.is_whitespace() {
            // A key: an identifier or a string, then ':'.
            let (key, after) = if c == '"' {
                let (s, end) = string_at(&chars, i);
                (Some(s), end)
            } else if c.is_alphabetic() || c == '_' {
                let mut j = i;
                while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                (Some(chars[i..j].iter().collect::<String>()), j)
            } else {
                (None, i)
            };
            if let Some(frame) = stack.last_mut() {
                frame.expect_key = false;
                if let Some(key) = key {
                    let mut j = after;
                    while j < chars.len() && chars[j].is_whitespace() {
                        j += 1;
                    }
                    if chars.get(j) == Some(&':') {
                        frame.keys.push(key);
                        i = j + 1;
                        continue;
                    }
                }
            }
            // Not a key (e.g. the `}` of an empty map): read it as any other character.
        }
        match c {
            '"' | '`' => {
                i = string_at(&chars, i).1;
                continue;
            }
            '\'' => {
                // A character literal: 'x' or '\x'.
                i += if next == Some('\\') { 4 } else { 3 };
                continue;
            }
            '#' if next == Some('{') => {
                stack.push(Frame {
                    keys: Vec::new(),
                    nest: 0,
                    expect_key: true,
                });
                i += 2;
                continue;
            }
            '(' | '[' | '{' => {
                if let Some(f) = stack.last_mut() {
                    f.nest += 1;
                }
            }
            ')' | ']' | '}' => match stack.last_mut() {
                Some(f) if f.nest > 0 => f.nest -= 1,
                Some(_) if c == '}' => {
                    if let Some(f) = stack.pop() {
                        if !f.keys.is_empty() {
                            out.push(f.keys);
                        }
                    }
                }
                _ => {}
            },
            ',' => {
                if let Some(f) = stack.last_mut().filter(|f| f.nest == 0) {
                    f.expect_key = true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The text of the string literal starting at `i` (a `"` or a backtick) and the index after
/// it; escapes are kept as written except `\"`.
fn string_at(chars: &[char], i: usize) -> (String, usize) {
    let quote = chars[i];
    let mut s = String::new();
    let mut j = i + 1;
    while j < chars.len() && chars[j] != quote {
        if chars[j] == '\\' && j + 1 < chars.len() {
            j += 1;
        }
        s.push(chars[j]);
        j += 1;
    }
    (s, j + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_in_written_order_nested_and_quoted() {
        let k = literal_keys(
            r#"let m = #{ zeta: 1, "b c": [1, #{y: 2, x: "}"}], alpha: f(1, 2) }; // #{no: 1}
               /* #{nor: 2} */ #{}"#,
        );
        assert_eq!(
            k,
            vec![
                vec!["y".to_string(), "x".into()],
                vec!["zeta".into(), "b c".into(), "alpha".into()]
            ]
        );
    }

    #[test]
    fn maps_take_the_order_of_the_literal_with_their_keys() {
        learn("#{ port: 1, addr: 2, b: 3 }; #{ z: 1, a: 2 }", true);
        let mut m = Map::new();
        for k in ["addr", "b", "port"] {
            m.insert(k.into(), 1.into());
        }
        assert_eq!(ordered_keys(&m), ["port", "addr", "b"]);
        m.remove("b");
        assert_eq!(ordered_keys(&m), ["addr", "port"]);
        learn("#{ addr: 1, port: 2 }", false);
        assert_eq!(ordered_keys(&m), ["addr", "port"]);
        learn("#{ port: 1, addr: 2 }", false);
        assert_eq!(ordered_keys(&m), ["port", "addr"]);
    }
}
