//! A scripting session for the interactive shell: one Rhai `Scope` and the functions defined so
//! far, kept across evaluations, so `let` variables and `fn` definitions persist from one input
//! to the next. Each input runs like [`super::run`] (same sandboxed engine, same context, same
//! diagnostics and outputs); only the scope and the function definitions carry over.

use std::any::TypeId;
use std::rc::Rc;

use rhai::{AST, Array, Dynamic, EvalAltResult, Scope};

use super::context::Ctx;
use super::types::{Grouping, Row, TableRef};
use super::{Output, Settings, closure, diag, engine, interrupt, plan};
use crate::catalog::Catalog;
use crate::error::{Error, Result};

/// What a variable of the session holds, as far as completion cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarShape {
    /// A table with these columns.
    Table(Vec<String>),
    /// A row with these columns.
    Row(Vec<String>),
    /// Anything else.
    Other,
}

/// Evaluation state kept between the inputs of an interactive session.
pub struct ScriptSession {
    catalog: Rc<Catalog>,
    /// Settings for the next evaluations (the shell updates the render options).
    pub settings: Settings,
    scope: Scope<'static>,
    functions: AST,
}

impl ScriptSession {
    /// A session over `catalog`; `args` is an empty array, as for a script run without any.
    pub fn new(catalog: Rc<Catalog>, settings: Settings) -> ScriptSession {
        let mut scope = Scope::new();
        scope.push_constant("args", Array::new());
        ScriptSession {
            catalog,
            settings,
            scope,
            functions: AST::empty(),
        }
    }

    /// Reads tables from `catalog` from now on, keeping variables and functions (the REPL's
    /// `.netns`).
    pub fn set_catalog(&mut self, catalog: Rc<Catalog>) {
        self.catalog = catalog;
    }

    /// Evaluates `source` in the session's scope; `name` labels it in error messages.
    /// Functions it defines are kept even when its statements fail.
    pub fn eval(&mut self, name: &str, source: &str) -> Result<Output> {
        interrupt::arm();
        let source = super::strip_shebang(source);
        let mut ctx = Ctx::new(Rc::clone(&self.catalog), &source, self.settings.render);
        ctx.native_predicates = self.settings.native_predicates;
        let ctx = Rc::new(ctx);
        let engine = engine::build(&ctx);
        let fail = |e: &EvalAltResult| Error::Script {
            message: diag::report(name, &source, e),
            code: 1,
        };
        let ast = engine
            .compile_with_scope(&self.scope, &source)
            .map_err(|e| fail(&EvalAltResult::from(e)))?;
        super::order::learn(&source, false);
        let mut program = self.functions.merge(&ast);
        *ctx.closures.borrow_mut() = closure::closures(&program);
        *ctx.socket_plan.borrow_mut() = plan::sockets_plan(&program, &ctx.closures.borrow());
        let result = engine.eval_ast_with_scope::<Dynamic>(&mut self.scope, &program);
        program.clear_statements();
        self.functions = program;
        match result {
            Ok(d) => Ok(super::output(d)),
            Err(e) => match super::terminated(&e) {
                Some(token) => super::stopped(name, token),
                None => Err(fail(&e)),
            },
        }
    }

    /// The variables of the scope (newest last) and what they hold.
    pub fn variables(&self) -> Vec<(String, VarShape)> {
        let columns =
            |t: &crate::model::Table| t.columns().iter().map(|c| c.name.to_string()).collect();
        self.scope
            .iter_raw()
            .map(|(name, _, value)| {
                let shape = if let Some(t) = value.read_lock::<TableRef>() {
                    VarShape::Table(columns(&t.0))
                } else if let Some(r) = value.read_lock::<Row>() {
                    VarShape::Row(columns(&r.table))
                } else {
                    VarShape::Other
                };
                (name.to_string(), shape)
            })
            .collect()
    }

    /// The names scripts can call, from the engine's registry: `(methods, functions)`, where
    /// methods take a table (or a grouping) first and functions are everything else, table
    /// functions included. Operators, getters and indexers are left out.
    pub fn vocabulary(&self) -> (Vec<String>, Vec<String>) {
        let ctx = Rc::new(Ctx::new(Rc::clone(&self.catalog), "", self.settings.render));
        let engine = engine::build(&ctx);
        let receivers = [TypeId::of::<TableRef>(), TypeId::of::<Grouping>()];
        let found: Vec<(String, bool)> = engine.collect_fn_metadata(
            None,
            |info| {
                let m = info.metadata;
                let name = m.name.as_str();
                let ident = name.starts_with(|c: char| c.is_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_');
                let method = m.param_types.first().is_some_and(|t| receivers.contains(t));
                ident.then(|| (name.to_string(), method))
            },
            false,
        );
        let (mut methods, mut functions): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
        for (name, method) in found {
            if method {
                methods.push(name)
            } else {
                functions.push(name)
            }
        }
        for list in [&mut methods, &mut functions] {
            list.sort();
            list.dedup();
        }
        (methods, functions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::RenderOpts;

    fn session() -> ScriptSession {
        let snap = crate::snapshot::Snapshot::parse(
            br#"{"format":"netpry-snapshot","version":1,"host":"h","kernel":"k","time":"t",
                 "tables":{"interfaces":{"columns":[{"name":"name","type":"str"},
                 {"name":"mtu","type":"int"}],"rows":[["lo",65536],["eth0",1500]]}},"errors":{}}"#,
        )
        .unwrap();
        ScriptSession::new(
            Rc::new(Catalog::from_snapshot(snap)),
            Settings::new(RenderOpts::default()),
        )
    }

    fn text(o: Output) -> String {
        match o {
            Output::Value { text, .. } => text,
            other => panic!("not a value: {other:?}"),
        }
    }

    #[test]
    fn variables_and_functions_persist() {
        let mut s = session();
        s.eval("<repl>", "fn twice(x) { x * 2 }").unwrap();
        s.eval("<repl>", "let big = interfaces().where(|i| i.mtu > 2000);")
            .unwrap();
        assert_eq!(text(s.eval("<repl>", "twice(big.len())").unwrap()), "2\n");
        // A closure kept in a variable still works in a later input.
        s.eval("<repl>", "let small = |i| i.mtu < 2000;").unwrap();
        assert_eq!(
            text(s.eval("<repl>", "interfaces().where(small).len()").unwrap()),
            "1\n"
        );
        let vars = s.variables();
        let cols = vec!["name".to_string(), "mtu".to_string()];
        assert!(
            vars.contains(&("big".into(), VarShape::Table(cols))),
            "{vars:?}"
        );
    }

    #[test]
    fn an_error_keeps_the_session() {
        let mut s = session();
        s.eval("<repl>", "let a = 5;").unwrap();
        let e = s.eval("<repl>", "a +* 1").unwrap_err().to_string();
        assert!(e.contains("<repl>"), "{e}");
        assert!(s.eval("<repl>", "no_such(a)").is_err());
        assert_eq!(text(s.eval("<repl>", "a + 1").unwrap()), "6\n");
    }

    #[test]
    fn vocabulary_splits_methods_from_functions() {
        let (methods, functions) = session().vocabulary();
        for m in ["where", "select", "sort", "count"] {
            assert!(
                methods.iter().any(|x| x == m),
                "{m} not a method: {methods:?}"
            );
        }
        for f in ["interfaces", "sockets", "hostname"] {
            assert!(
                functions.iter().any(|x| x == f),
                "{f} not a function: {functions:?}"
            );
        }
        assert!(!functions.iter().any(|x| x.starts_with("get$")));
    }
}
