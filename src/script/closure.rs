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
    /// The keys, in source order, of the object map literal the body ends with (its only
    /// expression, or the last statement of a longer body); empty when it ends otherwise.
    pub result_keys: Vec<String>,
    /// The columns the body reads of its last parameter (`row.col`, `row["col"]`), in source
    /// order, each once: run-time errors name those that are null in the failing row.
    pub reads: Vec<String>,
}

/// Every anonymous function (closure) of `ast`, by its internal name.
pub fn closures(ast: &rhai::AST) -> HashMap<String, Closure> {
    let mut out = HashMap::new();
    for def in ast.iter_fn_def() {
        if !def.name.starts_with("anon$") {
            continue;
        }
        let name = def.name.to_string();
        // An AST holding only this function, so the walk sees only its body
        // (`clone_functions_only_filtered` keeps every script function, which mixed the
        // bodies of all closures of a script together).
        let mut lib = rhai::Module::new();
        lib.set_script_fn(def.clone());
        let only = rhai::AST::new(std::iter::empty(), lib);
        let mut top: Vec<Node> = Vec::new();
        let row_param = def.params.last().map(ToString::to_string);
        let mut reads: Vec<String> = Vec::new();
        only.walk(&mut |path: &[ASTNode]| {
            if let [ASTNode::Stmt(s)] = path {
                top.push(stmt_node(s));
            }
            if let (Some(ASTNode::Expr(e)), Some(p)) = (path.last(), &row_param) {
                if let Some(col) = read_of(e, p) {
                    if !reads.contains(&col) {
                        reads.push(col);
                    }
                }
            }
            true
        });
        let result_keys = match top.last() {
            Some(Node::Map(keys)) => keys.clone(),
            _ => Vec::new(),
        };
        let body = if top.len() == 1 { top.pop() } else { None };
        let params = def.params.iter().map(ToString::to_string).collect();
        out.insert(
            name,
            Closure {
                params,
                body,
                result_keys,
                reads,
            },
        );
    }
    out
}

/// The column `e` reads of the variable `param`: `param.col` (also followed by a method or
/// property) or `param["col"]`.
fn read_of(e: &Expr, param: &str) -> Option<String> {
    match e {
        Expr::Dot(b, ..) if var_name(&b.lhs).as_deref() == Some(param) => match &b.rhs {
            Expr::Property(p, _) => Some(p.2.to_string()),
            Expr::Dot(b2, ..) | Expr::Index(b2, ..) => match &b2.lhs {
                Expr::Property(p, _) => Some(p.2.to_string()),
                _ => None,
            },
            _ => None,
        },
        Expr::Index(b, ..) if var_name(&b.lhs).as_deref() == Some(param) => match &b.rhs {
            Expr::StringConstant(s, _) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
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
        let n = body(r#"let f = |s| s["state"] in ["LISTEN", "ESTABLISHED"];"#);
        let Node::Call(name, args) = n else { panic!() };
        assert_eq!(name, "contains");
        assert!(matches!(&args[0], Node::Array(items) if items.len() == 2));
    }

    #[test]
    fn a_longer_body_ending_in_a_map_literal_keeps_its_key_order() {
        let engine = rhai::Engine::new();
        let ast = engine
            .compile("let f = |s| { let x = s.a + 1; #{ zeta: x, alpha: s.b } };")
            .unwrap();
        let c = closures(&ast).into_values().next().unwrap();
        assert_eq!(c.body, None);
        assert_eq!(c.result_keys, ["zeta", "alpha"]);
        let ast = engine.compile("let f = |s| { let x = 1; x };").unwrap();
        assert!(
            closures(&ast)
                .into_values()
                .next()
                .unwrap()
                .result_keys
                .is_empty()
        );
    }

    #[test]
    fn each_closure_of_a_script_has_its_own_body() {
        let engine = rhai::Engine::new();
        let ast = engine
            .compile("t.where(|p| p.pid < 0).map(|p| #{ zeta: p.pid, alpha: 1 })")
            .unwrap();
        let all = closures(&ast);
        assert_eq!(all.len(), 2);
        let bodies: Vec<&Closure> = all.values().collect();
        assert!(
            bodies
                .iter()
                .any(|c| matches!(&c.body, Some(Node::Call(op, _)) if op == "<")),
            "{all:?}"
        );
        assert!(
            bodies
                .iter()
                .any(|c| c.result_keys == ["zeta", "alpha"] && c.body.is_some()),
            "{all:?}"
        );
    }

    #[test]
    fn records_the_columns_a_closure_reads() {
        let engine = rhai::Engine::new();
        let ast = engine
            .compile(
                r#"let f = |s| { let x = s.rtt_ms * 2; x > 1 && s["recv_q"] > 0 && s.process.contains("a") || s.rtt_ms > 3 };"#,
            )
            .unwrap();
        let c = closures(&ast).into_values().next().unwrap();
        assert_eq!(c.reads, ["rtt_ms", "recv_q", "process"]);
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
