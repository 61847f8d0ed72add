//! Planning the live `sockets()` collection of one script from its syntax tree, before it runs:
//! which columns the script can ever see (so `sockets().where(|s| s.state == "LISTEN").count()`
//! never scans every process's open files nor asks the kernel for tcp_info), and which
//! protocols, families and states the kernel may leave out (`state == "X"`, `proto == "x"` and
//! `family == "x"` tests at the top of a leading `where`, pushed down into [`SocketSelect`]).
//!
//! The plan is exact by construction: every `sockets()` call of the script must start a method
//! chain whose steps are known (`where` with a script closure, `count`, `len`, `is_empty`,
//! `group_by` + aggregate, `select`, `column`, `sort`, `limit`, `distinct`), and each closure
//! may only read `row.column` / `row["column"]` of existing columns. Anything else (a table kept
//! in a variable, printed, joined, a row passed elsewhere, `table(..)`, a function shadowing a
//! method) makes that call site see every column, and a call site not led by a pushable `where`
//! sees every socket. The `where` filters still run in full afterwards, so the kernel-side
//! selection only ever drops rows they would drop.

use std::collections::{BTreeSet, HashMap};

use rhai::{AST, ASTNode, Expr, FnPtr, Stmt};

use super::closure::{Closure, Node};
use crate::model::Value;
use crate::tables::SocketSelect;
use crate::tables::sockets::{ALL_STATES, STATE_NAMES};

/// What one script needs of the live `sockets` table.
#[derive(Debug, Clone, PartialEq)]
pub struct SocketPlan {
    /// The sockets every use of `sockets()` can need (the kernel-side selection).
    pub select: SocketSelect,
    /// The columns the script can ever read; `None` for every column.
    pub columns: Option<BTreeSet<String>>,
}

impl SocketPlan {
    /// No knowledge: every socket, every column.
    pub fn unknown() -> SocketPlan {
        SocketPlan {
            select: SocketSelect::default(),
            columns: None,
        }
    }
}

/// Method names whose meaning the plan relies on: a script function of that name (which Rhai
/// would call instead) voids the plan.
const KNOWN_METHODS: [&str; 16] = [
    "sockets",
    "table",
    "where",
    "count",
    "len",
    "is_empty",
    "group_by",
    "sum",
    "min",
    "max",
    "select",
    "column",
    "sort",
    "sort_desc",
    "limit",
    "distinct",
];

/// Plans `sockets()` for the script `ast`, whose closures are `closures`.
pub fn sockets_plan(ast: &AST, closures: &HashMap<String, Closure>) -> SocketPlan {
    if ast
        .iter_fn_def()
        .any(|f| !f.name.starts_with("anon$") && KNOWN_METHODS.contains(&f.name.as_str()))
    {
        return SocketPlan::unknown();
    }
    // A fleet's tables also have `host` and `snapshot_time` (crate::fleet); elsewhere a script
    // naming them fails on the table as it would unplanned.
    let schema: Vec<String> = (crate::tables::sockets::DEF.columns)()
        .iter()
        .map(|c| c.name.to_string())
        .chain([crate::fleet::HOST, crate::fleet::TIME].map(String::from))
        .collect();
    let planner = Planner {
        ast,
        closures,
        schema: &schema,
    };
    let mut sites: Vec<Site> = Vec::new();
    let mut void = false;
    ast.walk(&mut |path: &[ASTNode]| {
        let e = match path.last() {
            Some(ASTNode::Expr(e)) => e,
            // A statement-level call is never the receiver of a chain.
            Some(ASTNode::Stmt(Stmt::FnCall(f, _))) if f.name == "sockets" => {
                sites.push(Site {
                    select: SocketSelect::default(),
                    columns: None,
                });
                return true;
            }
            _ => return true,
        };
        match e {
            Expr::FnCall(f, _) if f.name == "sockets" => match planner.site(f, path) {
                Some(site) => sites.push(site),
                None => void = true,
            },
            // `table("sockets")`, `Fn("sockets")`, ...: a way around the analysis.
            Expr::StringConstant(s, _) if s == "sockets" => void = true,
            Expr::DynamicConstant(d, _)
                if d.read_lock::<FnPtr>()
                    .is_some_and(|f| f.fn_name() == "sockets") =>
            {
                void = true
            }
            _ => {}
        }
        !void
    });
    if void {
        return SocketPlan::unknown();
    }
    let mut plan = SocketPlan {
        select: SocketSelect {
            tcp: false,
            udp: false,
            udplite: false,
            raw: false,
            unix: false,
            inet: false,
            inet6: false,
            states: 0,
        },
        columns: Some(BTreeSet::new()),
    };
    if sites.is_empty() {
        return SocketPlan::unknown();
    }
    for site in sites {
        let (a, b) = (&mut plan.select, site.select);
        a.tcp |= b.tcp;
        a.udp |= b.udp;
        a.udplite |= b.udplite;
        a.raw |= b.raw;
        a.unix |= b.unix;
        a.inet |= b.inet;
        a.inet6 |= b.inet6;
        a.states |= b.states;
        plan.columns = match (plan.columns, site.columns) {
            (Some(mut all), Some(cols)) => {
                all.extend(cols);
                Some(all)
            }
            _ => None,
        };
    }
    plan
}

/// What one `sockets()` call needs.
struct Site {
    select: SocketSelect,
    columns: Option<BTreeSet<String>>,
}

struct Planner<'a> {
    ast: &'a AST,
    closures: &'a HashMap<String, Closure>,
    schema: &'a [String],
}

impl Planner<'_> {
    /// The needs of the call `f` at the end of `path`; `None` voids the whole plan (the script
    /// names a column that does not exist, so its error must list every column).
    fn site(&self, f: &rhai::FnCallExpr, path: &[ASTNode]) -> Option<Site> {
        let escape = Site {
            select: SocketSelect::default(),
            columns: None,
        };
        if !f.args.is_empty() || path.len() < 2 {
            return Some(escape);
        }
        let ASTNode::Expr(Expr::Dot(dot, ..)) = path[path.len() - 2] else {
            return Some(escape);
        };
        let is_receiver = matches!(&dot.lhs, Expr::FnCall(g, _) if std::ptr::eq(&**g, f));
        if !is_receiver {
            return Some(escape);
        }
        let mut chain = Vec::new();
        flatten(&dot.rhs, &mut chain);
        let mut select = SocketSelect::default();
        let mut pushing = true;
        let mut used = BTreeSet::new();
        let mut i = 0;
        let finished = loop {
            let Some(Expr::MethodCall(m, _)) = chain.get(i) else {
                // The chain ends in a table (printed, stored, ...), or goes on with something
                // that is no method call.
                break false;
            };
            i += 1;
            let name = m.name.as_str();
            let strs = string_args(&m.args);
            match (name, m.args.len()) {
                ("where", 1) => {
                    let Some((closure, row)) = self.closure(&m.args[0]) else {
                        break false;
                    };
                    let Some(cols) = row_columns(self.ast, &closure, &row) else {
                        break false;
                    };
                    used.extend(cols);
                    if pushing && let Some(body) = &self.closures[&closure].body {
                        narrow(&mut select, body, &row);
                    }
                    continue;
                }
                ("count" | "len" | "is_empty", 0) => break true,
                ("group_by", 1) => {
                    let Some(key) = strs else { break false };
                    used.extend(key);
                    // A grouping is only counted or aggregated over named columns; its result
                    // holds the keys and the aggregate only, so whatever follows it (a sort,
                    // a limit, a count, a print) can read no other column of the sockets.
                    match chain.get(i) {
                        None => break true,
                        Some(Expr::MethodCall(agg, _)) => {
                            let cols = string_args(&agg.args);
                            match (agg.name.as_str(), cols) {
                                ("count", Some(c)) if c.is_empty() => break true,
                                ("sum" | "min" | "max", Some(c)) if c.len() == 1 => {
                                    used.extend(c);
                                    break true;
                                }
                                _ => break false,
                            }
                        }
                        Some(_) => break false,
                    }
                }
                // These leave only the named columns.
                ("select" | "column" | "distinct", 1) => {
                    let Some(cols) = strs else { break false };
                    used.extend(cols);
                    break true;
                }
                ("sort" | "sort_desc", 1) => {
                    let Some(cols) = strs else { break false };
                    used.extend(cols);
                }
                ("limit", 1) => {}
                _ => break false,
            }
            pushing = false;
        };
        if used.iter().any(|c| !self.schema.contains(c)) {
            return None;
        }
        Some(Site {
            select,
            columns: finished.then_some(used),
        })
    }

    /// The script closure an argument passes (its internal name) and its row parameter.
    fn closure(&self, arg: &Expr) -> Option<(String, String)> {
        let name = match arg {
            Expr::DynamicConstant(d, _) => d.read_lock::<FnPtr>()?.fn_name().to_string(),
            // A closure with captured variables: `{ share; curry(Fn(anon$..), vars..) }`.
            Expr::Stmt(block) => {
                let call = match block.statements().last()? {
                    Stmt::FnCall(c, _) => c,
                    Stmt::Expr(e) => match &**e {
                        Expr::FnCall(c, _) => c,
                        _ => return None,
                    },
                    _ => return None,
                };
                if call.name != "curry" {
                    return None;
                }
                match call.args.first()? {
                    Expr::DynamicConstant(d, _) => d.read_lock::<FnPtr>()?.fn_name().to_string(),
                    _ => return None,
                }
            }
            _ => return None,
        };
        let row = self.closures.get(&name)?.params.last()?.clone();
        Some((name, row))
    }
}

/// The steps of a method chain (`a.b().c()` is `Dot(a, Dot(b(), c()))`).
fn flatten<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match e {
        Expr::Dot(b, ..) => {
            out.push(&b.lhs);
            flatten(&b.rhs, out);
        }
        e => out.push(e),
    }
}

/// The arguments when every one is a string constant or an array of them.
fn string_args(args: &[Expr]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for a in args {
        match a {
            // `select("a, b")` names two columns.
            Expr::StringConstant(s, _) => out.extend(
                s.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            ),
            Expr::Array(items, _) => {
                for i in items.iter() {
                    match i {
                        Expr::StringConstant(s, _) => out.push(s.to_string()),
                        _ => return None,
                    }
                }
            }
            Expr::DynamicConstant(d, _) => {
                for i in d.as_array_ref().ok()?.iter() {
                    out.push(i.clone().into_string().ok()?);
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The leftmost step of a property chain (`row.a.b()` reads `a`).
fn leftmost(e: &Expr) -> &Expr {
    match e {
        Expr::Dot(b, ..) | Expr::Index(b, ..) => leftmost(&b.lhs),
        e => e,
    }
}

/// The columns closure `name` reads through its row parameter `row`, or `None` when the row
/// itself goes anywhere else (passed to a function, printed, captured, a method called on it).
fn row_columns(ast: &AST, name: &str, row: &str) -> Option<BTreeSet<String>> {
    // An AST holding only this function, so the walk sees only its body.
    let def = ast.iter_fn_def().find(|d| d.name == name)?;
    let mut lib = rhai::Module::new();
    lib.set_script_fn(def.clone());
    let only = AST::new(std::iter::empty(), lib);
    let mut cols = BTreeSet::new();
    let mut escaped = false;
    let mut statements = 0;
    only.walk(&mut |path: &[ASTNode]| {
        statements += usize::from(path.len() == 1);
        let Some(ASTNode::Expr(e @ Expr::Variable(v, ..))) = path.last() else {
            return true;
        };
        if v.1 != row {
            return true;
        }
        let read = match path.len().checked_sub(2).map(|i| &path[i]) {
            Some(ASTNode::Expr(Expr::Dot(b, ..))) if std::ptr::eq(&b.lhs, *e) => {
                match leftmost(&b.rhs) {
                    Expr::Property(p, _) => Some(p.2.to_string()),
                    _ => None,
                }
            }
            Some(ASTNode::Expr(Expr::Index(b, ..))) if std::ptr::eq(&b.lhs, *e) => match &b.rhs {
                Expr::StringConstant(s, _) => Some(s.to_string()),
                _ => None,
            },
            _ => None,
        };
        match read {
            Some(c) => {
                cols.insert(c);
                true
            }
            None => {
                escaped = true;
                false
            }
        }
    });
    // A body that could not be found is treated as reading anything.
    (!escaped && statements > 0).then_some(cols)
}

/// Narrows `select` by the top-level `&&` terms of a `where` body that test `proto`, `family`
/// or `state` for equality with (or membership in) constants; other terms are left alone.
fn narrow(select: &mut SocketSelect, body: &Node, row: &str) {
    let terms = match body {
        Node::And(xs) => xs.as_slice(),
        n => std::slice::from_ref(n),
    };
    for t in terms {
        let Some((col, values)) = equality(t, row) else {
            continue;
        };
        match col.as_str() {
            "state" => {
                let mut mask = 0;
                for v in &values {
                    // Names only: the column spells unknown states as numbers, never pushed.
                    match STATE_NAMES.iter().skip(1).position(|n| n == v) {
                        Some(i) => mask |= 1 << (i + 1),
                        None => return,
                    }
                }
                select.states &= mask & ALL_STATES;
            }
            "proto" => {
                let has = |p: &str| values.iter().any(|v| v == p);
                select.tcp &= has("tcp");
                select.udp &= has("udp");
                select.udplite &= has("udplite");
                select.raw &= has("raw");
                select.unix &= has("unix");
            }
            "family" => {
                let has = |f: &str| values.iter().any(|v| v == f);
                select.inet &= has("inet");
                select.inet6 &= has("inet6");
                if !has("unix") {
                    select.unix = false;
                }
                if !has("inet") && !has("inet6") {
                    select.tcp = false;
                    select.udp = false;
                    select.udplite = false;
                    select.raw = false;
                }
            }
            _ => {}
        }
    }
}

/// `row.col == "x"`, `"x" == row.col` or `row.col in ["x", "y"]`: the column and the texts.
fn equality(t: &Node, row: &str) -> Option<(String, Vec<String>)> {
    let Node::Call(f, args) = t else { return None };
    let prop = |n: &Node| match n {
        Node::Prop(v, c) if v == row => Some(c.clone()),
        _ => None,
    };
    let text = |n: &Node| match n {
        Node::Lit(Value::Str(s)) => Some(s.to_string()),
        _ => None,
    };
    match (f.as_str(), args.as_slice()) {
        ("==", [a, b]) => match (prop(a), text(b), text(a), prop(b)) {
            (Some(c), Some(v), ..) | (_, _, Some(v), Some(c)) => Some((c, vec![v])),
            _ => None,
        },
        ("contains", [Node::Array(items), b]) => {
            let c = prop(b)?;
            let vs = items.iter().map(text).collect::<Option<Vec<_>>>()?;
            Some((c, vs))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(src: &str) -> SocketPlan {
        let engine = rhai::Engine::new();
        let ast = engine.compile(src).unwrap();
        sockets_plan(&ast, &super::super::closure::closures(&ast))
    }

    fn cols(p: &SocketPlan) -> Option<Vec<&str>> {
        p.columns
            .as_ref()
            .map(|c| c.iter().map(String::as_str).collect())
    }

    #[test]
    fn count_after_state_test_is_pushed_down_and_projected() {
        let p = plan(r#"sockets().where(|s| s.state == "ESTABLISHED").count()"#);
        assert_eq!(p.select.states, 1 << 1);
        assert!(p.select.tcp && p.select.unix);
        assert_eq!(cols(&p), Some(vec!["state"]));
        let p = plan(
            r#"sockets().where(|s| s.proto == "tcp" && s.local_port < 1024 && "LISTEN" == s.state).len()"#,
        );
        assert!(p.select.tcp && !p.select.udp && !p.select.unix);
        assert_eq!(p.select.states, 1 << 10);
        assert_eq!(cols(&p), Some(vec!["local_port", "proto", "state"]));
        let p = plan(
            r#"sockets().where(|s| s.state in ["LISTEN", "CLOSE"] && s.family == "inet6").count()"#,
        );
        assert_eq!(p.select.states, (1 << 10) | (1 << 7));
        assert!(!p.select.inet && p.select.inet6 && !p.select.unix && p.select.udp);
    }

    #[test]
    fn only_exact_tests_are_pushed_down() {
        // `||`, `!=`, unknown names and later `where`s after a `limit` stay in the filter.
        for src in [
            r#"sockets().where(|s| s.state == "LISTEN" || s.local_port == 22).count()"#,
            r#"sockets().where(|s| s.state != "LISTEN").count()"#,
            r#"sockets().where(|s| s.state == "ESTAB").count()"#,
            r#"sockets().where(|s| s.state == "12").count()"#,
            r#"sockets().limit(5).where(|s| s.state == "LISTEN").count()"#,
            r#"let x = "LISTEN"; sockets().where(|s| s.state == x).count()"#,
        ] {
            assert_eq!(plan(src).select, SocketSelect::default(), "{src}");
        }
        let p =
            plan(r#"sockets().where(|s| s.proto == "udp").where(|s| s.state == "CLOSE").count()"#);
        assert!(p.select.udp && !p.select.tcp && p.select.states == 1 << 7);
    }

    #[test]
    fn groupings_selections_and_sorts_name_their_columns() {
        let p = plan(r#"sockets().group_by("remote_addr").count()"#);
        assert_eq!(cols(&p), Some(vec!["remote_addr"]));
        assert_eq!(p.select, SocketSelect::default());
        let p = plan(r#"sockets().group_by("process").sum("recv_q")"#);
        assert_eq!(cols(&p), Some(vec!["process", "recv_q"]));
        // Whatever follows an aggregate sees only the keys and the aggregate.
        let p = plan(r#"sockets().group_by("remote_addr").count().sort_desc("count").limit(10)"#);
        assert_eq!(cols(&p), Some(vec!["remote_addr"]));
        let p = plan(
            r#"sockets().where(|s| s.state == "ESTABLISHED").group_by("remote_addr").count().count()"#,
        );
        assert_eq!(cols(&p), Some(vec!["remote_addr", "state"]));
        assert_eq!(p.select.states, 1 << 1);
        let p = plan(r#"sockets().group_by("uid").max("recv_q").where(|g| g.uid == 0)"#);
        assert_eq!(cols(&p), Some(vec!["recv_q", "uid"]));
        let p = plan(r#"sockets().sort("local_port").select(["proto", "local_port"])"#);
        assert_eq!(cols(&p), Some(vec!["local_port", "proto"]));
        let p = plan(r#"sockets().where(|s| s.remote_addr.is_loopback()).column("inode")"#);
        assert_eq!(cols(&p), Some(vec!["inode", "remote_addr"]));
        let p = plan(
            r#"let n = sockets().where(|s| s["state"] == "LISTEN").count(); n + sockets().where(|s| s.proto == "udp").len()"#,
        );
        assert_eq!(cols(&p), Some(vec!["proto", "state"]));
        // Two call sites: the union of what each needs.
        assert!(p.select.tcp && p.select.udp && p.select.states == ALL_STATES);
    }

    #[test]
    fn tables_that_escape_need_every_column() {
        for src in [
            "sockets()",
            r#"sockets().where(|s| s.state == "LISTEN")"#,
            "let t = sockets(); t.count()",
            "sockets().first()",
            "sockets().where(|s| is_private(s)).count()",
            "sockets().where(|s| s.to_map().len() > 0).count()",
            "let f = |s| s.uid == 0; sockets().where(f).count()",
            "sockets().map(|s| #{a: s.uid}).count()",
            r#"table("sockets").count()"#,
            "fn count(t) { 1 } sockets().count()",
            "sockets().where(|s| s.no_such_column == 1).count()",
        ] {
            assert_eq!(plan(src).columns, None, "{src}");
        }
        // A table that escapes still gets the kernel-side selection.
        let p = plan(r#"sockets().where(|s| s.state == "LISTEN")"#);
        assert_eq!(p.select.states, 1 << 10);
        // But not when some other use of sockets() is unrestricted.
        let p = plan(r#"let a = sockets().where(|s| s.state == "LISTEN").count(); sockets()"#);
        assert_eq!(p.select, SocketSelect::default());
    }

    #[test]
    fn scripts_without_sockets_plan_nothing() {
        assert_eq!(plan("interfaces().count()"), SocketPlan::unknown());
    }
}
