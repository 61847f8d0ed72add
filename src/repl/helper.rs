//! The line editor's helper: completion (table functions, methods, columns, helpers, keywords,
//! variables, dot-commands and their arguments, saved scripts), hints from history, bracket
//! highlighting, and the validator that lets an unfinished expression continue on the next line.
//!
//! Columns are completed where a row is expected: after `s.` when `s` is the parameter of a
//! closure passed to a method of a known table (`sockets().where(|s| s.`), after a variable that
//! holds a row, and inside the string arguments of column-taking methods
//! (`select(["`, `sort("`, `group_by("`, ...).

use std::borrow::Cow;
use std::collections::BTreeMap;

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter, MatchingBracketHighlighter};
use rustyline::hint::{Hinter, HistoryHinter};
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use super::commands::COMMANDS;
use super::lex::{self, Kind, Token};
use crate::tables::TABLES;

/// Methods whose string arguments are column names of the table they are called on.
pub const COLUMN_METHODS: &[&str] = &[
    "select",
    "sort",
    "sort_desc",
    "column",
    "distinct",
    "group_by",
    "join",
    "left_join",
];

/// Methods that turn a table into one row.
const ROW_METHODS: &[&str] = &["first", "last", "row"];

/// Rhai keywords offered at the start of an expression.
const KEYWORDS: &[&str] = &[
    "let", "const", "if", "else", "fn", "for", "in", "while", "loop", "do", "until", "return",
    "break", "continue", "switch", "true", "false", "throw", "try", "catch", "print", "debug",
    "type_of",
];

/// The names completion offers, from the table registry and the script engine.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Methods of tables (`where`, `select`, ...).
    pub methods: Vec<String>,
    /// Global functions other than the table functions (`route_get`, `sysctl`, ...).
    pub functions: Vec<String>,
    /// Saved script names, for `.run`.
    pub scripts: Vec<String>,
}

/// What a variable of the shell's scope holds, as far as completion cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarKind {
    /// A table with these columns.
    Table(Vec<String>),
    /// A row with these columns.
    Row(Vec<String>),
    /// Anything else.
    Other,
}

/// The rustyline helper of the shell.
pub struct ReplHelper {
    /// Names to complete.
    pub vocab: Vocabulary,
    /// Variables of the shell's scope (updated after every evaluation).
    pub vars: BTreeMap<String, VarKind>,
    hinter: HistoryHinter,
    brackets: MatchingBracketHighlighter,
    files: FilenameCompleter,
    parser: rhai::Engine,
}

impl ReplHelper {
    /// A helper completing `vocab`.
    pub fn new(vocab: Vocabulary) -> ReplHelper {
        ReplHelper {
            vocab,
            vars: BTreeMap::new(),
            hinter: HistoryHinter::new(),
            brackets: MatchingBracketHighlighter::new(),
            files: FilenameCompleter::new(),
            parser: rhai::Engine::new_raw(),
        }
    }

    /// Completion candidates for `line` with the cursor at byte `pos`: the start of the text
    /// to replace and the candidates.
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let before = &line[..pos];
        if let Some(r) = self.complete_dot_command(line, pos) {
            return r;
        }
        let word_start = before
            .trim_end_matches(|c: char| c.is_alphanumeric() || c == '_')
            .len();
        let word = &before[word_start..];
        let tokens = lex::tokenize(&before[..word_start]);
        let Some(last) = tokens.last() else {
            return (word_start, self.globals(word, &tokens));
        };
        match last.kind {
            Kind::Str { closed: false } => {
                let start = last.start + 1;
                let prefix = &before[start..];
                let cols = self.string_columns(&tokens).unwrap_or_default();
                (start, plain(&cols, prefix))
            }
            Kind::Str { closed: true } | Kind::Num => (word_start, Vec::new()),
            Kind::Punct('.') => (word_start, self.after_dot(&tokens, word)),
            _ => (word_start, self.globals(word, &tokens)),
        }
    }

    /// Completion of `.command` names and their arguments (only at the start of an input).
    fn complete_dot_command(&self, line: &str, pos: usize) -> Option<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let trimmed = before.trim_start();
        if !trimmed.starts_with('.') || before.contains('\n') {
            return None;
        }
        let Some(space) = trimmed.find(char::is_whitespace) else {
            let names: Vec<String> = COMMANDS.iter().map(|c| c.name.to_string()).collect();
            return Some((before.len() - trimmed.len(), plain(&names, trimmed)));
        };
        let command = &trimmed[..space];
        let arg_start = before.trim_end_matches(|c: char| !c.is_whitespace()).len();
        let prefix = &before[arg_start..];
        let words: Vec<String> = match command {
            ".schema" => TABLES.iter().map(|t| t.name.to_string()).collect(),
            ".explain" => super::explain::terms(),
            ".run" => self.vocab.scripts.clone(),
            ".format" => vec!["table".into(), "json".into(), "csv".into()],
            ".timer" | ".pager" => vec!["on".into(), "off".into()],
            ".help" => super::commands::help_topics(),
            ".load" => return self.files.complete_path(line, pos).ok(),
            _ => Vec::new(),
        };
        Some((arg_start, plain(&words, prefix)))
    }

    /// Candidates after `receiver.`: columns when the receiver is a row, otherwise methods.
    fn after_dot(&self, tokens: &[Token], word: &str) -> Vec<Pair> {
        let dot = tokens.len() - 1;
        let Some(recv) = dot.checked_sub(1) else {
            return Vec::new();
        };
        let methods = || calls(&self.vocab.methods, word);
        match &tokens[recv].kind {
            Kind::Ident(name) if !(recv > 0 && lex::is_punct(tokens, recv - 1, '.')) => {
                if let Some(table) = closure_table(tokens, name, self) {
                    let cols = table.unwrap_or_else(all_columns);
                    return plain(&cols, word);
                }
                match self.vars.get(name) {
                    Some(VarKind::Row(cols)) => plain(cols, word),
                    _ => methods(),
                }
            }
            Kind::Punct(')') => {
                // A call: `first()` and friends give a row, anything else a table.
                let open = lex::matching_open(tokens, recv);
                let name = open
                    .and_then(|o| o.checked_sub(1))
                    .and_then(|i| lex::ident(tokens, i));
                if name.is_some_and(|n| ROW_METHODS.contains(&n)) {
                    let cols = chain_table(tokens, recv, self).unwrap_or_else(all_columns);
                    plain(&cols, word)
                } else {
                    methods()
                }
            }
            _ => methods(),
        }
    }

    /// Candidates at the start of an expression: table functions, helpers, keywords, variables.
    fn globals(&self, word: &str, tokens: &[Token]) -> Vec<Pair> {
        let mut out = calls(
            &TABLES
                .iter()
                .map(|t| t.name.to_string())
                .collect::<Vec<_>>(),
            word,
        );
        out.extend(calls(&self.vocab.functions, word));
        // Closure parameters in scope here complete like variables.
        let mut names: Vec<String> = self.vars.keys().cloned().collect();
        names.extend(open_closure_params(tokens));
        names.extend(KEYWORDS.iter().map(|k| k.to_string()));
        out.extend(plain(&names, word));
        out.sort_by(|a, b| a.display.cmp(&b.display));
        out.dedup_by(|a, b| a.display == b.display);
        out
    }

    /// The columns a string argument being typed names, when it is an argument of a
    /// column-taking method of a known table.
    fn string_columns(&self, tokens: &[Token]) -> Option<Vec<String>> {
        let s = tokens.len() - 1;
        let mut open = lex::innermost_open(tokens, s)?;
        if lex::is_punct(tokens, open, '[') {
            open = lex::innermost_open(tokens, open)?;
        }
        if !lex::is_punct(tokens, open, '(') {
            return None;
        }
        let method = lex::ident(tokens, open.checked_sub(1)?)?;
        if !COLUMN_METHODS.contains(&method) || !lex::is_punct(tokens, open.checked_sub(2)?, '.') {
            return None;
        }
        Some(chain_table(tokens, open.checked_sub(3)?, self).unwrap_or_else(all_columns))
    }

    /// The columns of the table a variable holds (for chains rooted at a variable).
    fn var_columns(&self, name: &str) -> Option<Vec<String>> {
        match self.vars.get(name) {
            Some(VarKind::Table(cols) | VarKind::Row(cols)) => Some(cols.clone()),
            _ => None,
        }
    }
}

/// When `param` is a parameter of a closure that encloses the end of `tokens` and is passed to a
/// method call, the columns of the table that call is on: `Some(Some(cols))` when known,
/// `Some(None)` when the table is not known, `None` when `param` is no closure parameter.
fn closure_table(
    tokens: &[Token],
    param: &str,
    helper: &ReplHelper,
) -> Option<Option<Vec<String>>> {
    let mut end = tokens.len();
    while let Some(open) = lex::innermost_open(tokens, end) {
        end = open;
        if !lex::is_punct(tokens, open, '(') {
            continue;
        }
        let params = closure_params_at(tokens, open + 1);
        if !params.iter().any(|p| p == param) {
            continue;
        }
        let is_method = open >= 3 && lex::is_punct(tokens, open - 2, '.');
        return Some(if is_method {
            chain_table(tokens, open - 3, helper)
        } else {
            None
        });
    }
    None
}

/// The parameter names of a closure `|a, b|` starting at token `i` (empty if none starts there).
fn closure_params_at(tokens: &[Token], mut i: usize) -> Vec<String> {
    let mut out = Vec::new();
    if !lex::is_punct(tokens, i, '|') {
        return out;
    }
    i += 1;
    while let Some(name) = lex::ident(tokens, i) {
        out.push(name.to_string());
        i += 1;
        if lex::is_punct(tokens, i, ',') {
            i += 1;
        }
    }
    if lex::is_punct(tokens, i, '|') {
        out
    } else {
        Vec::new()
    }
}

/// Parameters of every closure still open at the end of `tokens`.
fn open_closure_params(tokens: &[Token]) -> Vec<String> {
    let mut out = Vec::new();
    let mut end = tokens.len();
    while let Some(open) = lex::innermost_open(tokens, end) {
        out.extend(closure_params_at(tokens, open + 1));
        end = open;
    }
    out
}

/// The columns of the table a method chain ending at token `i` is rooted at:
/// `sockets().where(...).sort("x")` → the sockets columns; a chain rooted at a variable uses
/// the variable's table.
fn chain_table(tokens: &[Token], mut i: usize, helper: &ReplHelper) -> Option<Vec<String>> {
    loop {
        match &tokens.get(i)?.kind {
            Kind::Punct(')') => {
                let open = lex::matching_open(tokens, i)?;
                let name_at = open.checked_sub(1)?;
                let name = lex::ident(tokens, name_at)?;
                if name_at >= 1 && lex::is_punct(tokens, name_at - 1, '.') {
                    i = name_at.checked_sub(2)?;
                    continue;
                }
                return table_columns(name);
            }
            Kind::Ident(name) => {
                if i >= 1 && lex::is_punct(tokens, i - 1, '.') {
                    i = i.checked_sub(2)?;
                    continue;
                }
                return helper
                    .var_columns(name)
                    .or_else(|| let_bound_table(tokens, name));
            }
            _ => return None,
        }
    }
}

/// The table of `let NAME = TABLE(...` earlier in the same input.
fn let_bound_table(tokens: &[Token], name: &str) -> Option<Vec<String>> {
    tokens.windows(4).rev().find_map(|w| {
        let is_let = matches!(&w[0].kind, Kind::Ident(k) if k == "let" || k == "const");
        let same = matches!(&w[1].kind, Kind::Ident(n) if n == name);
        let eq = matches!(w[2].kind, Kind::Punct('='));
        match (&w[3].kind, is_let && same && eq) {
            (Kind::Ident(t), true) => table_columns(t),
            _ => None,
        }
    })
}

/// The column names of registered table `name`.
fn table_columns(name: &str) -> Option<Vec<String>> {
    let def = TABLES.iter().find(|t| t.name == name)?;
    Some((def.columns)().iter().map(|c| c.name.to_string()).collect())
}

/// Every column of every table (when the table is not known).
fn all_columns() -> Vec<String> {
    let mut out: Vec<String> = TABLES
        .iter()
        .flat_map(|t| (t.columns)().iter().map(|c| c.name.to_string()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Candidates from `names` starting with `prefix`, inserted as they are.
fn plain(names: &[String], prefix: &str) -> Vec<Pair> {
    let mut out: Vec<Pair> = names
        .iter()
        .filter(|n| n.starts_with(prefix))
        .map(|n| Pair {
            display: n.clone(),
            replacement: n.clone(),
        })
        .collect();
    out.sort_by(|a, b| a.display.cmp(&b.display));
    out.dedup_by(|a, b| a.display == b.display);
    out
}

/// Candidates for functions: inserted with the opening parenthesis.
fn calls(names: &[String], prefix: &str) -> Vec<Pair> {
    let mut out = plain(names, prefix);
    for p in &mut out {
        p.replacement.push('(');
    }
    out
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(self.candidates(line, pos))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<String> {
        self.hinter.hint(line, pos, ctx)
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        self.brackets.highlight(line, pos)
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
    }

    fn highlight_char(&self, line: &str, pos: usize, kind: CmdKind) -> bool {
        self.brackets.highlight_char(line, pos, kind)
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(if is_incomplete(ctx.input(), &self.parser) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

impl Helper for ReplHelper {}

/// Whether `input` is an unfinished expression or block that continues on the next line:
/// unbalanced brackets, an unterminated string or comment, or Rhai's "unexpected end of input".
/// Dot-commands and empty input are always complete.
pub fn is_incomplete(input: &str, parser: &rhai::Engine) -> bool {
    let trimmed = input.trim();
    if trimmed.is_empty() || trimmed.starts_with('.') {
        return false;
    }
    if lex::is_unfinished(input) {
        return true;
    }
    match parser.compile(input) {
        Err(e) => matches!(*e.0, rhai::ParseErrorType::UnexpectedEOF),
        Ok(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(h: &ReplHelper, line: &str) -> Vec<String> {
        h.candidates(line, line.len())
            .1
            .into_iter()
            .map(|p| p.display)
            .collect()
    }

    fn helper() -> ReplHelper {
        ReplHelper::new(Vocabulary {
            methods: vec![
                "where".into(),
                "select".into(),
                "sort".into(),
                "show".into(),
            ],
            functions: vec!["route_get".into(), "sysctl".into()],
            scripts: vec!["listeners".into(), "health".into()],
        })
    }

    fn cols(table: &str) -> Vec<String> {
        table_columns(table).unwrap()
    }

    #[test]
    fn completes_tables_and_helpers_at_the_start() {
        let h = helper();
        assert_eq!(names(&h, "sock"), vec!["sockets"]);
        let (start, c) = h.candidates("1 + rou", 7);
        assert_eq!(start, 4);
        let d: Vec<&str> = c.iter().map(|p| p.display.as_str()).collect();
        assert_eq!(d, vec!["route_get", "route_nexthops", "routes"]);
        assert_eq!(c[2].replacement, "routes(");
        assert!(names(&h, "wh").contains(&"while".to_string()));
    }

    #[test]
    fn completes_methods_after_a_table() {
        let h = helper();
        assert_eq!(names(&h, "sockets().wh"), vec!["where"]);
        assert_eq!(
            names(&h, "sockets().where(|s| true).s"),
            vec!["select", "show", "sort"]
        );
    }

    #[test]
    fn completes_columns_of_the_closure_table() {
        let h = helper();
        let want = cols("interfaces");
        let got = names(&h, "interfaces().where(|i| i.");
        assert_eq!(got.len(), want.len());
        let m = names(&h, "interfaces().where(|i| i.state == \"UP\" && i.mt");
        assert_eq!(m, vec!["mtu"]);
        // Nested calls inside the closure still see the parameter.
        assert_eq!(
            names(&h, "interfaces().sort(\"name\").where(|x| f(x.mt"),
            vec!["mtu"]
        );
        // An unknown table gives every column of every table.
        assert!(names(&h, "foo.where(|r| r.").len() >= want.len());
    }

    #[test]
    fn completes_columns_in_string_arguments() {
        let h = helper();
        assert_eq!(
            names(&h, "interfaces().select([\"name\", \"mt"),
            vec!["mtu"]
        );
        assert_eq!(
            names(&h, "interfaces().where(|i| true).sort(\"mt"),
            vec!["mtu"]
        );
        let (start, _) = h.candidates("interfaces().sort(\"mt", 20);
        assert_eq!(start, 19);
        // Not a column-taking call: nothing.
        assert!(names(&h, "print(\"mt").is_empty());
    }

    #[test]
    fn completes_columns_of_variables() {
        let mut h = helper();
        h.vars
            .insert("t".into(), VarKind::Table(cols("interfaces")));
        h.vars.insert("r".into(), VarKind::Row(cols("interfaces")));
        assert_eq!(names(&h, "r.mt"), vec!["mtu"]);
        assert_eq!(names(&h, "t.wh"), vec!["where"]);
        assert_eq!(names(&h, "t.where(|x| x.mt"), vec!["mtu"]);
        assert_eq!(names(&h, "let u = interfaces(); u.sort(\"mt"), vec!["mtu"]);
        assert_eq!(names(&h, "interfaces().first().mt"), vec!["mtu"]);
    }

    #[test]
    fn completes_dot_commands_and_arguments() {
        let h = helper();
        assert_eq!(names(&h, ".sch"), vec![".schema"]);
        assert_eq!(names(&h, ".schema int"), vec!["interfaces"]);
        assert_eq!(names(&h, ".run li"), vec!["listeners"]);
        assert_eq!(names(&h, ".format j"), vec!["json"]);
        assert_eq!(names(&h, ".explain CLOSE_"), vec!["CLOSE_WAIT"]);
    }

    #[test]
    fn validator_continues_unfinished_input() {
        let p = rhai::Engine::new_raw();
        for s in ["fn f(x) {", "let x = [1,", "\"abc", "let x = 1 +"] {
            assert!(is_incomplete(s, &p), "{s}");
        }
        for s in ["1 + 1", ".schema sockets", "", "let x = 1;", "1 +* 2", "x)"] {
            assert!(!is_incomplete(s, &p), "{s}");
        }
    }
}
