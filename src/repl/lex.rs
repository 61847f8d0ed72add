//! A forgiving Rhai tokenizer for the line editor: enough to tell whether an input is finished
//! (open brackets, unterminated strings and comments) and what surrounds the cursor for
//! completion (method chains, closure parameters, the call a string argument belongs to).
//! It never fails: anything it does not understand becomes a punctuation token.

/// One token with its byte offset in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// Byte offset of its first character.
    pub start: usize,
}

/// Token kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// An identifier or keyword.
    Ident(String),
    /// A string or character literal; `closed` is false when the input ends inside it.
    Str {
        /// Whether the closing quote was seen.
        closed: bool,
    },
    /// A number.
    Num,
    /// Any other character (brackets, dots, operators, `|`).
    Punct(char),
    /// A block comment the input ends inside.
    OpenComment,
}

/// Splits `src` into tokens, skipping white space and comments.
pub fn tokenize(src: &str) -> Vec<Token> {
    let bytes: Vec<(usize, char)> = src.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let (start, c) = bytes[i];
        let next = bytes.get(i + 1).map(|(_, c)| *c);
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < bytes.len() && bytes[i].1 != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            // Rhai block comments nest.
            let mut depth = 0usize;
            let mut closed = false;
            while i < bytes.len() {
                let (a, b) = (bytes[i].1, bytes.get(i + 1).map(|(_, c)| *c));
                if a == '/' && b == Some('*') {
                    depth += 1;
                    i += 2;
                } else if a == '*' && b == Some('/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        closed = true;
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            if !closed {
                out.push(Token {
                    kind: Kind::OpenComment,
                    start,
                });
            }
        } else if c == '"' || c == '\'' || c == '`' {
            let closed = scan_string(&bytes, &mut i, c);
            out.push(Token {
                kind: Kind::Str { closed },
                start,
            });
        } else if c.is_alphabetic() || c == '_' {
            let mut name = String::new();
            while i < bytes.len() && (bytes[i].1.is_alphanumeric() || bytes[i].1 == '_') {
                name.push(bytes[i].1);
                i += 1;
            }
            out.push(Token {
                kind: Kind::Ident(name),
                start,
            });
        } else if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].1.is_alphanumeric() || bytes[i].1 == '_') {
                i += 1;
            }
            out.push(Token {
                kind: Kind::Num,
                start,
            });
        } else {
            out.push(Token {
                kind: Kind::Punct(c),
                start,
            });
            i += 1;
        }
    }
    out
}

/// Advances `i` past a string opened by `quote` at `bytes[*i]`; returns whether it was closed.
/// Back-tick strings may contain `${ ... }` interpolations, which may hold strings themselves.
fn scan_string(bytes: &[(usize, char)], i: &mut usize, quote: char) -> bool {
    *i += 1;
    while *i < bytes.len() {
        let c = bytes[*i].1;
        if c == '\\' && quote != '`' {
            *i += 2;
            continue;
        }
        if c == quote {
            *i += 1;
            return true;
        }
        if quote == '`' && c == '$' && bytes.get(*i + 1).map(|(_, c)| *c) == Some('{') {
            *i += 2;
            let mut depth = 1usize;
            while *i < bytes.len() && depth > 0 {
                match bytes[*i].1 {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    q @ ('"' | '\'' | '`') => {
                        if !scan_string(bytes, i, q) {
                            return false;
                        }
                        continue;
                    }
                    _ => {}
                }
                *i += 1;
            }
            continue;
        }
        *i += 1;
    }
    false
}

/// Whether the input plainly continues: an unclosed bracket, string or block comment.
pub fn is_unfinished(src: &str) -> bool {
    let tokens = tokenize(src);
    let mut depth: i64 = 0;
    for t in &tokens {
        match t.kind {
            Kind::Str { closed: false } | Kind::OpenComment => return true,
            Kind::Punct('(' | '[' | '{') => depth += 1,
            Kind::Punct(')' | ']' | '}') => depth -= 1,
            _ => {}
        }
    }
    depth > 0
}

/// The index of the bracket that opens the innermost group still open at the end of `tokens`
/// (before index `end`), or `None`.
pub fn innermost_open(tokens: &[Token], end: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in (0..end).rev() {
        match tokens[i].kind {
            Kind::Punct(')' | ']' | '}') => depth += 1,
            Kind::Punct('(' | '[' | '{') => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    None
}

/// Given the index of a `(` that opens a group, the index of the matching `)` going backwards:
/// for a `)` at `close`, the index of its `(`.
pub fn matching_open(tokens: &[Token], close: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in (0..=close).rev() {
        match tokens[i].kind {
            Kind::Punct(')' | ']' | '}') => depth += 1,
            Kind::Punct('(' | '[' | '{') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The identifier at `i`, if that token is one.
pub fn ident(tokens: &[Token], i: usize) -> Option<&str> {
    match tokens.get(i).map(|t| &t.kind) {
        Some(Kind::Ident(s)) => Some(s),
        _ => None,
    }
}

/// Whether the token at `i` is the punctuation `c`.
pub fn is_punct(tokens: &[Token], i: usize, c: char) -> bool {
    matches!(tokens.get(i).map(|t| &t.kind), Some(Kind::Punct(p)) if *p == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_unfinished_input() {
        for s in [
            "sockets(",
            "fn f() {",
            "[1, 2,",
            "\"abc",
            "`a ${ \"x\" ",
            "/* open",
            "x(\"(\"",
        ] {
            assert!(is_unfinished(s), "{s}");
        }
        for s in [
            "sockets()",
            "fn f() { 1 }",
            "\"a(b\"",
            "x // (",
            "/* ( */ 1",
            "'('",
            "1)",
        ] {
            assert!(!is_unfinished(s), "{s}");
        }
    }

    #[test]
    fn tokens_carry_offsets() {
        let t = tokenize("ab.c(\"x");
        assert_eq!(
            t[0],
            Token {
                kind: Kind::Ident("ab".into()),
                start: 0
            }
        );
        assert_eq!(
            t[2],
            Token {
                kind: Kind::Ident("c".into()),
                start: 3
            }
        );
        assert_eq!(
            t[4],
            Token {
                kind: Kind::Str { closed: false },
                start: 5
            }
        );
        assert_eq!(innermost_open(&t, t.len()), Some(3));
        let t = tokenize("f(a(b)).x");
        assert_eq!(matching_open(&t, 6), Some(1));
    }
}
