//! Script diagnostics: one message per error, with the script name, line and column, the
//! offending line and a caret under the column; clear wording for every sandbox limit.

use rhai::{EvalAltResult, LexError, ParseErrorType, Position};

use super::engine::Limits;

/// The innermost error: an error inside a closure or function is reported where it happened.
fn innermost(mut e: &EvalAltResult) -> (&EvalAltResult, Position) {
    let mut pos = e.position();
    loop {
        match e {
            EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
            | EvalAltResult::ErrorInModule(_, inner, _) => {
                e = inner;
                if !e.position().is_none() {
                    pos = e.position();
                }
            }
            _ => return (e, pos),
        }
    }
}

/// `e`, raised by a closure called on row `index` of `table`, as an error that names the row
/// and, when the closure read null columns of it, those columns and the remedy. `reads` are
/// the columns the closure reads of its row parameter `param`.
pub fn in_row(
    e: Box<EvalAltResult>,
    table: &crate::model::Table,
    index: usize,
    param: &str,
    reads: &[String],
) -> Box<EvalAltResult> {
    if matches!(
        innermost(&e).0,
        EvalAltResult::ErrorTerminated(..)
            | EvalAltResult::ErrorTooManyOperations(_)
            | EvalAltResult::ErrorDataTooLarge(..)
    ) {
        return e;
    }
    let inner = message(&e);
    // About the table, not this row's values: said as it is.
    if inner.starts_with("column '") || inner.starts_with("no column '") {
        return e;
    }
    let (_, pos) = innermost(&e);
    let nulls: Vec<&str> = reads
        .iter()
        .filter(|c| {
            table
                .column_index(c)
                .is_some_and(|i| table.cell(index, i).is_null())
        })
        .map(String::as_str)
        .collect();
    let mut msg = format!("row {} of {}: ", index + 1, table.name());
    match nulls.as_slice() {
        [] => msg.push_str(&inner),
        [c, ..] => {
            let names = nulls.join(", ");
            let verb = if nulls.len() == 1 { "is" } else { "are" };
            msg.push_str(&format!(
                "{names} {verb} null; {inner}; give a default with {param}.{c} ?? 0 \
                 (or \"\"), or test {param}.{c} != () first"
            ));
        }
    }
    Box::new(EvalAltResult::ErrorRuntime(msg.into(), pos))
}

/// The message for `e` (without position).
pub fn message(e: &EvalAltResult) -> String {
    let (e, _) = innermost(e);
    let l = Limits::DEFAULT;
    match e {
        EvalAltResult::ErrorRuntime(v, _) => v.to_string(),
        EvalAltResult::ErrorTooManyOperations(_) => format!(
            "stopped after {} operations (the limit): is there an endless loop?",
            l.operations
        ),
        EvalAltResult::ErrorStackOverflow(_) => {
            format!(
                "call depth limit reached ({} nested calls): is there an endless recursion?",
                l.call_levels
            )
        }
        EvalAltResult::ErrorDataTooLarge(what, _) => format!("{what} over the limit"),
        EvalAltResult::ErrorModuleNotFound(name, _) => {
            format!("import is not allowed: scripts cannot load modules (asked for '{name}')")
        }
        EvalAltResult::ErrorTerminated(token, _) => token.to_string(),
        EvalAltResult::ErrorFunctionNotFound(sig, _) => function_not_found(sig),
        EvalAltResult::ErrorVariableNotFound(name, _) => format!("unknown variable '{name}'"),
        EvalAltResult::ErrorParsing(p, _) => parse_message(p),
        EvalAltResult::ErrorMismatchDataType(wanted, got, _) => {
            format!("expected {} but got {}", user_type(wanted), user_type(got))
        }
        EvalAltResult::ErrorMismatchOutputType(wanted, got, _) => format!(
            "the result must be {}, not {}",
            user_type(wanted),
            user_type(got)
        ),
        other => {
            let text = other.to_string();
            let text = match text.rfind(" (line ") {
                Some(i) if text.ends_with(')') => text[..i].to_string(),
                _ => text,
            };
            user_types_in(&text)
        }
    }
}

fn parse_message(p: &ParseErrorType) -> String {
    match p {
        ParseErrorType::Reserved(w) | ParseErrorType::BadInput(LexError::ImproperSymbol(w, _))
            if w == "eval" =>
        {
            "eval is disabled in netpry scripts".to_string()
        }
        other => other.to_string(),
    }
}

/// "unknown function" wording, naming a close table or helper when there is one.
fn function_not_found(sig: &str) -> String {
    let sig = &user_types(sig);
    let name = sig.split([' ', '(']).next().unwrap_or(sig);
    let tables: Vec<&str> = crate::tables::TABLES.iter().map(|t| t.name).collect();
    if sig.ends_with("()") || sig.ends_with("( )") {
        let hint = crate::error::suggest(name, tables.iter().copied());
        if hint.starts_with("; did you mean") {
            return format!("no table or function '{name}'{hint}");
        }
    }
    let banned = [
        "open",
        "read_file",
        "write_file",
        "system",
        "exec",
        "command",
        "spawn",
    ];
    if banned.contains(&name) {
        return format!("no function '{name}': scripts cannot read files or run programs");
    }
    if let Some(hint) = familiar_name(name) {
        return format!("no function {sig}: {hint}");
    }
    if !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        // An operator: no name is close to it.
        return format!("no operator {sig}: it does not apply to these types");
    }
    format!("no function {sig}{}", closest_function(name))
}

/// A Rhai signature with the types as scripts know them: `string` for Rust's string types,
/// `int`, `float`, `bool`, `null` for `()`, `closure` for a function pointer, `array`, `map`.
fn user_types(sig: &str) -> String {
    let Some((name, args)) = sig.split_once(" (") else {
        return sig.to_string();
    };
    let args = args.strip_suffix(')').unwrap_or(args);
    if args.trim().is_empty() {
        return sig.to_string();
    }
    let shown: Vec<&str> = args.split(", ").map(|a| user_type(a.trim())).collect();
    format!("{name} ({})", shown.join(", "))
}

/// `text` with the Rust type names Rhai messages quote (`i64`, `ImmutableString`, `()`) as
/// scripts know them (`int`, `string`, `null`).
fn user_types_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let w = std::mem::take(word);
        let known = [
            "i64",
            "f64",
            "ImmutableString",
            "String",
            "INT",
            "FLOAT",
            "FnPtr",
            "TableRef",
        ];
        if known.contains(&w.as_str()) {
            out.push_str(user_type(&w));
        } else {
            out.push_str(&w);
        }
    };
    let mut prev: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            let after_word = prev.is_some_and(|p| p.is_alphanumeric() || p == '_');
            if c == '(' && chars.peek() == Some(&')') && !after_word {
                chars.next();
                out.push_str("null");
                prev = Some(')');
                continue;
            }
            out.push(c);
        }
        prev = Some(c);
    }
    flush(&mut word, &mut out);
    out
}

/// A Rhai or Rust type name as scripts know it: `string`, `int`, `float`, `bool`, `null` for
/// `()`, `closure`, `array`, `map`, `blob`; netpry's own types by their script names.
pub fn user_type(t: &str) -> &str {
    let t = t.trim_start_matches('&').trim_start_matches("mut ");
    let last = t.rsplit("::").next().unwrap_or(t);
    match last {
        x if x.contains("ImmutableString") || x == "str" || x == "String" || x == "string" => {
            "string"
        }
        "i64" | "i32" | "u64" | "INT" | "int" => "int",
        "f64" | "f32" | "FLOAT" | "float" => "float",
        "bool" => "bool",
        "()" => "null",
        "Fn" | "FnPtr" => "closure",
        "Array" | "Vec<Dynamic>" | "array" => "array",
        "Map" | "map" => "map",
        "Blob" | "Vec<u8>" | "blob" => "blob",
        "TableRef" => "Table",
        "Agg" => "Aggregate",
        "char" => "char",
        _ => t,
    }
}

/// What netpry calls the operation that `name` means in SQL, pandas, jq, nushell or LINQ.
fn familiar_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "filter" | "filter_by" | "select_where" => {
            "to keep the rows a closure accepts, use where(|r| ...)"
        }
        "head" | "take" | "top" | "first_n" => "to keep the first rows, use limit(n)",
        "tail" | "last_n" => {
            "to keep the last rows, sort the other way (sort_desc) and use limit(n)"
        }
        "order_by" | "orderby" | "sort_by" | "order" => {
            "to order rows use sort(\"col\") or sort_desc(\"col\") (or an array of columns)"
        }
        "group" | "groupby" | "group_by_count" => "to group rows use group_by(\"col\").count()",
        "size" | "length" | "nrows" | "row_count" => "to count rows use count()",
        "uniq" | "unique" | "dedup" => "to keep distinct rows use distinct()",
        "project" | "pick" | "columns" => "to keep some columns use select([\"a\", \"b\"])",
        "inner_join" | "merge" => "to join tables use join(other, \"col\") or left_join(...)",
        _ => return None,
    })
}

thread_local! {
    /// The names of the functions the engine of this thread knows (set by the engine's builder).
    static FUNCTION_NAMES: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Records the function names `engine` knows, for "did you mean" hints.
pub fn learn_functions(engine: &rhai::Engine) {
    let mut names: Vec<String> = engine.collect_fn_metadata(
        None,
        |f| {
            let n = f.metadata.name.as_str();
            (n.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && !n.contains('$'))
                .then(|| n.to_string())
        },
        true,
    );
    names.sort();
    names.dedup();
    FUNCTION_NAMES.with(|f| *f.borrow_mut() = names);
}

/// `; did you mean 'NAME'?` for the known function closest to `name`, if one is close.
fn closest_function(name: &str) -> String {
    FUNCTION_NAMES.with(|f| {
        f.borrow()
            .iter()
            .filter(|n| n.as_str() != name)
            .map(|n| (crate::error::edit_distance(name, n), n))
            .min_by_key(|(d, _)| *d)
            .filter(|(d, _)| *d <= if name.chars().count() > 3 { 2 } else { 1 })
            .map(|(_, n)| format!("; did you mean '{n}'?"))
            .unwrap_or_default()
    })
}

/// The full report: `NAME:LINE:COL: message`, then the line and a caret under the column.
/// An error at the end of the input (Rhai gives a line past the last one, or no column) is
/// shown on the last line, with the caret just after its last character.
pub fn report(name: &str, source: &str, e: &EvalAltResult) -> String {
    // The message may quote the script or a value: escaped, and bounded.
    let msg =
        crate::model::escape_bounded(message(e).as_bytes(), MAX_MESSAGE).replace("\\x0a", "\n");
    let (_, pos) = innermost(e);
    let Some(mut line) = pos.line() else {
        return format!("{name}: {msg}");
    };
    let lines: Vec<&str> = source.lines().collect();
    let mut col = pos.position();
    if line > lines.len() {
        // Past the end: the last line that has text.
        match lines.iter().rposition(|l| !l.trim().is_empty()) {
            Some(i) => {
                line = i + 1;
                col = None;
            }
            None => return format!("{name}:{line}: {msg}"),
        }
    }
    let text = lines[line - 1];
    let col = col.unwrap_or(text.chars().count() + 1);
    let num = line.to_string();
    let pad = " ".repeat(num.len());
    let (shown, lead) = excerpt(text, col);
    format!("{name}:{line}:{col}: {msg}\n{pad} |\n{num} | {shown}\n{pad} | {lead}^")
}

/// The longest message quoted in a report, in characters.
const MAX_MESSAGE: usize = 400;
/// The most characters of the offending line shown on each side of the column.
const EXCERPT_SIDE: usize = 60;

/// The part of `text` shown under a report, and the lead that puts a caret under column `col`
/// (from 1). A long line is cut to [`EXCERPT_SIDE`] characters each side of the column, a cut
/// marked `...`; control characters and invalid text are escaped (`\x00`) as everywhere else,
/// except tabs, kept so the caret lines up under tab-indented text.
fn excerpt(text: &str, col: usize) -> (String, String) {
    let at = col.saturating_sub(1);
    let len = text.chars().count();
    let start = at.saturating_sub(EXCERPT_SIDE);
    let end = at.saturating_add(EXCERPT_SIDE).min(len);
    let mut shown = String::new();
    let mut lead = String::new();
    if start > 0 {
        shown.push_str("...");
        lead.push_str("   ");
    }
    for (i, c) in text.chars().enumerate().skip(start).take(end - start) {
        let piece = if c == '\t' {
            "\t".into()
        } else {
            crate::model::escape_str(c.encode_utf8(&mut [0; 4])).into_owned()
        };
        if i < at {
            if c == '\t' {
                lead.push('\t');
            } else {
                lead.extend(std::iter::repeat_n(' ', piece.chars().count()));
            }
        }
        shown.push_str(&piece);
    }
    if end < len {
        shown.push_str("...");
    }
    // A column past the end of the line (an error at its end).
    lead.extend(std::iter::repeat_n(' ', at.saturating_sub(len.max(start))));
    (shown, lead)
}

#[cfg(test)]
mod tests {
    use rhai::{EvalAltResult, ParseErrorType, Position};

    fn at_end(source: &str, pos: Position) -> String {
        let e = EvalAltResult::ErrorParsing(ParseErrorType::UnexpectedEOF, pos);
        super::report("e.rhai", source, &e)
    }

    #[test]
    fn rust_type_names_read_as_script_types() {
        assert_eq!(
            super::user_types_in("Data type is incorrect: i64 (expecting ImmutableString), got ()"),
            "Data type is incorrect: int (expecting string), got null"
        );
        assert_eq!(
            super::user_types_in("call sockets() first"),
            "call sockets() first"
        );
        assert_eq!(super::user_type("&mut TableRef"), "Table");
        assert_eq!(super::user_type("rhai::ImmutableString"), "string");
    }

    #[test]
    fn errors_past_the_last_line_point_after_its_last_character() {
        let r = at_end("let a=1;\nnosuch(\n", Position::new(3, 1));
        assert!(r.starts_with("e.rhai:2:8: "), "{r}");
        assert!(r.ends_with("\n2 | nosuch(\n  |        ^"), "{r}");
        // Trailing blank lines are skipped; a line without a column gets the end too.
        let r = at_end("\tf(\n\n", Position::new(4, 0));
        assert!(r.starts_with("e.rhai:1:4: "), "{r}");
        assert!(r.ends_with("1 | \tf(\n  | \t  ^"), "{r}");
        let r = at_end("x(", Position::new(1, 0));
        assert!(r.ends_with("1 | x(\n  |   ^"), "{r}");
    }

    #[test]
    fn long_lines_are_cut_around_the_column_and_escaped() {
        let mut line = "a".repeat(1_000_000);
        line.replace_range(500_000..500_001, "\0");
        let (shown, lead) = super::excerpt(&line, 500_001);
        assert!(
            shown.starts_with("...") && shown.ends_with("..."),
            "{shown}"
        );
        assert!(shown.contains("\\x00") && !shown.contains('\0'), "{shown}");
        assert!(shown.len() < 200, "{}", shown.len());
        assert_eq!(&shown[lead.len()..lead.len() + 4], "\\x00");
        let (shown, lead) = super::excerpt("\tab\x07c", 5);
        assert_eq!(shown, "\tab\\x07c");
        assert_eq!(lead, "\t      ");
        let (_, lead) = super::excerpt("\x07", 1);
        assert_eq!(format!("{lead}^"), "^");
        let (_, lead) = super::excerpt("\x07", 2);
        assert_eq!(lead, "    ");
    }
}
