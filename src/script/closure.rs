//! What netpry needs to know about a script's closures before running them: a small owned
//! copy of each one-expression closure body, read from Rhai's AST once per script.
//!
//! `where` compiles such bodies into native predicates ([`super::predicate`]); `map` reads
//! the key order of a returned object map literal (Rhai maps iterate sorted by key, but a
//! table should keep the columns in the order the script wrote them).

use std::collections::HashMap;

use rhai::{ASTNode, Expr, Stmt};

use crate::model::Value;

/// A closure body expression, reduced to the forms predicate compilation understands.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A constant.
    Lit(Value),
    /// A variable (a parameter or a captured variable).
    Var(String),
    /// `var.prop` or `var["prop"]`.
    Prop(String, String),
    /// An operator or function call: `==`, `<`, `!`, `contains` (from `in`), ...
    Call(String, Vec<Node>),
    /// `target.method(args)`.
    Method(Box<Node>, String, Vec<Node>),
    /// `a && b && ...`.
    And(Vec<Node>),
    /// `a || b || ...`.
    Or(Vec<Node>),
    /// `[a, b, ...]`.
    Array(Vec<Node>),
    /// An object map literal, with its keys in source order.
    Map(Vec<String>),
    /// Anything else.
    Other,
}

/// A script-defined closure: parameter names (captured variables first, then the declared
/// parameters) and, when the body is a single expression, that expression.
#[derive(Debug, Clone)]
pub struct Closure {
    /// Parameter names.
    pub params: Vec<String>,
    /// The body, when it is one expression statement.
    pub body: Option<Node>,
}

/// Every anonymous function (closure) of `ast`, by its internal name.
pub fn closures(ast: &rhai::AST) -> HashMap<String, Closure> {
    let owners = Owners::of(ast);
    let mut tops: HashMap<&str, Vec<Node>> = HashMap::new();
    ast.walk(&mut |path: &[ASTNode]| {
        if let [ASTNode::Stmt(s)] = path
            && let Some(owner) = owners.owner(s.position())
        {
            tops.entry(owner).or_default().push(stmt_node(s));
        }
        true
    });
    let mut out = HashMap::new();
    for def in ast.iter_fn_def() {
        if !def.name.starts_with("anon$") {
            continue;
        }
        let mut top = tops.remove(def.name.as_str()).unwrap_or_default();
        let body = if top.len() == 1 { top.pop() } else { None };
        let params = def.params.iter().map(ToString::to_string).collect();
        out.insert(def.name.to_string(), Closure { params, body });
    }
    out
}

/// Which script function each top-level statement of a walk belongs to: the innermost one
/// whose body spans the statement's position. (Rhai's `clone_functions_only_filtered` keeps
/// every function of an AST's own module, so functions are told apart by position.)
pub struct Owners {
    /// (name, first position, last position) of every function body.
    spans: Vec<(String, LineCol, LineCol)>,
}

/// A source position as (line, column).
type LineCol = (usize, usize);

fn line_col(p: rhai::Position) -> Option<LineCol> {
    Some((p.line()?, p.position().unwrap_or(0)))
}

impl Owners {
    /// The function bodies of `ast`.
    pub fn of(ast: &rhai::AST) -> Owners {
        let spans = ast
            .iter_fn_def()
            .filter_map(|d| {
                let start = line_col(d.body.start_position())?;
                // A one-expression body has no end: it is the statement at its start.
                let end = line_col(d.body.end_position()).unwrap_or(start);
                Some((d.name.to_string(), start, end))
            })
            .collect();
        Owners { spans }
    }

    /// The function holding a statement at `pos` (`None`: the script's main body, or unknown).
    pub fn owner(&self, pos: rhai::Position) -> Option<&str> {
        let p = line_col(pos)?;
        self.spans
            .iter()
            .filter(|(_, start, end)| *start <= p && p <= *end)
            .min_by_key(|(_, start, end)| (end.0 - start.0, end.1.abs_diff(start.1)))
            .map(|(name, ..)| name.as_str())
    }

    /// Walks only the statements of function `name` (and everything under them); returns
    /// the number of its top-level statements seen.
    pub fn walk_function(
        &self,
        ast: &rhai::AST,
        name: &str,
        on_node: &mut impl FnMut(&[ASTNode]) -> bool,
    ) -> usize {
        let mut inside = false;
        let mut statements = 0;
        ast.walk(&mut |path: &[ASTNode]| {
            if let [top] = path {
                inside = matches!(top, ASTNode::Stmt(s) if self.owner(s.position()) == Some(name));
                statements += usize::from(inside);
            }
            !inside || on_node(path)
        });
        statements
    }
}

fn stmt_node(s: &Stmt) -> Node {
    match s {
        Stmt::Expr(e) => node(e),
        Stmt::FnCall(f, _) => call(&f.name, &f.args),
        _ => Node::Other,
    }
}

fn call(name: &str, args: &[Expr]) -> Node {
    Node::Call(name.to_string(), args.iter().map(node).collect())
}

fn var_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Variable(v, ..) => Some(v.1.to_string()),
        _ => None,
    }
}

fn node(e: &Expr) -> Node {
    match e {
        Expr::BoolConstant(b, _) => Node::Lit(Value::Bool(*b)),
        Expr::IntegerConstant(n, _) => Node::Lit(Value::Int(*n)),
        Expr::FloatConstant(x, _) => Node::Lit(Value::Float(**x)),
        Expr::StringConstant(s, _) => Node::Lit(Value::str(s.as_str())),
        Expr::CharConstant(c, _) => Node::Lit(Value::str(c.to_string())),
        Expr::Unit(_) => Node::Lit(Value::Null),
        Expr::DynamicConstant(d, _) => match d.as_array_ref() {
            Ok(items) => Node::Array(
                items
                    .iter()
                    .map(|i| Node::Lit(super::types::from_dynamic(i)))
                    .collect(),
            ),
            Err(_) => Node::Other,
        },
        Expr::Variable(..) => var_name(e).map_or(Node::Other, Node::Var),
        Expr::Array(items, _) => Node::Array(items.iter().map(node).collect()),
        Expr::Map(m, _) => Node::Map(m.0.iter().map(|(id, _)| id.name.to_string()).collect()),
        Expr::FnCall(f, _) if f.namespace.is_empty() => call(&f.name, &f.args),
        Expr::And(xs, _) => Node::And(xs.iter().map(node).collect()),
        Expr::Or(xs, _) => Node::Or(xs.iter().map(node).collect()),
        Expr::Index(b, ..) => match (var_name(&b.lhs), &b.rhs) {
            (Some(v), Expr::StringConstant(p, _)) => Node::Prop(v, p.to_string()),
            _ => Node::Other,
        },
        Expr::Dot(b, ..) => {
            let Some(v) = var_name(&b.lhs) else {
                return Node::Other;
            };
            match &b.rhs {
                Expr::Property(p, _) => Node::Prop(v, p.2.to_string()),
                Expr::MethodCall(f, _) => Node::Method(
                    Box::new(Node::Var(v)),
                    f.name.to_string(),
                    f.args.iter().map(node).collect(),
                ),
                Expr::Dot(b2, ..) => match (&b2.lhs, &b2.rhs) {
                    (Expr::Property(p, _), Expr::MethodCall(f, _)) => Node::Method(
                        Box::new(Node::Prop(v, p.2.to_string())),
                        f.name.to_string(),
                        f.args.iter().map(node).collect(),
                    ),
                    _ => Node::Other,
                },
                _ => Node::Other,
            }
        }
        _ => Node::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(src: &str) -> Node {
        let engine = rhai::Engine::new();
        let ast = engine.compile(src).unwrap();
        let all = closures(&ast);
        assert_eq!(all.len(), 1, "{all:?}");
        all.into_values().next().unwrap().body.unwrap()
    }

    #[test]
    fn reads_comparisons_and_logic() {
        let n = body(r#"let f = |s| s.state == "LISTEN" && s.local_port < 1024;"#);
        let Node::And(parts) = n else { panic!("{n:?}") };
        assert_eq!(
            parts[0],
            Node::Call(
                "==".into(),
                vec![
                    Node::Prop("s".into(), "state".into()),
                    Node::Lit(Value::str("LISTEN"))
                ]
            )
        );
        assert_eq!(
            parts[1],
            Node::Call(
                "<".into(),
                vec![
                    Node::Prop("s".into(), "local_port".into()),
                    Node::Lit(Value::Int(1024))
                ]
            )
        );
    }

    #[test]
    fn reads_in_methods_and_map_keys() {
        let n = body(r#"let f = |s| s.remote_addr in "10.0.0.0/8";"#);
        assert_eq!(
            n,
            Node::Call(
                "contains".into(),
                vec![
                    Node::Lit(Value::str("10.0.0.0/8")),
                    Node::Prop("s".into(), "remote_addr".into())
                ]
            )
        );
        let n = body(r#"let f = |s| s.remote_addr.is_loopback();"#);
        assert_eq!(
            n,
            Node::Method(
                Box::new(Node::Prop("s".into(), "remote_addr".into())),
                "is_loopback".into(),
                vec![]
            )
        );
        let n = body(r#"let f = |s| #{ zeta: s.a, alpha: 1 };"#);
        assert_eq!(n, Node::Map(vec!["zeta".into(), "alpha".into()]));
        let n = body(r#"let f = |s| s["state"] in ["LISTEN", "ESTAB"];"#);
        let Node::Call(name, args) = n else { panic!() };
        assert_eq!(name, "contains");
        assert!(matches!(&args[0], Node::Array(items) if items.len() == 2));
    }

    #[test]
    fn several_closures_each_get_their_own_body() {
        let engine = rhai::Engine::new();
        let ast = engine
            .compile(
                r#"fn f(t) { t.where(|r| r.mtu > 1500) }
                   let a = |s| s.state == "LISTEN";
                   let b = |s| { let x = 1; s.local_port == x };
                   f(interfaces()).where(|i| i.name == "lo").count()"#,
            )
            .unwrap();
        let all = closures(&ast);
        assert_eq!(all.len(), 4);
        let mut bodies: Vec<String> = all.values().map(|c| format!("{:?}", c.body)).collect();
        bodies.sort();
        assert_eq!(
            bodies.iter().filter(|b| *b == "None").count(),
            1,
            "{bodies:?}"
        );
        for want in ["mtu", "LISTEN", "\"lo\""] {
            assert!(
                bodies.iter().any(|b| b.contains(want)),
                "{want}: {bodies:?}"
            );
        }
    }

    #[test]
    fn captured_variables_come_first() {
        let engine = rhai::Engine::new();
        let ast = engine
            .compile("let p = 22; let f = |s| s.local_port == p;")
            .unwrap();
        let c = closures(&ast).into_values().next().unwrap();
        assert_eq!(c.params, ["p", "s"]);
    }
}
