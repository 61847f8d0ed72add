//! The shell's evaluator: one script engine, one Rhai `Scope` and the functions defined so far,
//! kept across inputs, so variables and `fn` definitions persist. Each input is compiled against
//! the scope, its functions are merged into the kept ones, and the statements run once.

use std::any::TypeId;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rhai::{AST, Dynamic, Engine, Scope};

use super::Vocabulary;
use crate::catalog::Catalog;
use crate::error::{Error, Result};

/// Persistent evaluation state of the shell.
pub struct Evaluator {
    engine: Engine,
    scope: Scope<'static>,
    functions: AST,
    interrupt: Arc<AtomicBool>,
}

impl Evaluator {
    /// An evaluator over `catalog`.
    pub fn new(_catalog: Arc<Catalog>) -> Result<Evaluator> {
        let interrupt = Arc::new(AtomicBool::new(false));
        let mut engine = Engine::new();
        let flag = Arc::clone(&interrupt);
        engine.on_progress(move |_| {
            flag.load(Ordering::Relaxed)
                .then(|| Dynamic::from("interrupted"))
        });
        let handler_flag = Arc::clone(&interrupt);
        ctrlc::set_handler(move || handler_flag.store(true, Ordering::SeqCst))
            .map_err(|e| Error::Usage(format!("cannot install the Ctrl-C handler: {e}")))?;
        Ok(Evaluator {
            engine,
            scope: Scope::new(),
            functions: AST::empty(),
            interrupt,
        })
    }

    /// Names for completion, from the functions registered in the engine: those whose first
    /// parameter is a table are methods, the others global functions.
    pub fn vocabulary(&self) -> Vocabulary {
        let table_types: Vec<TypeId> = Vec::new();
        let found: Vec<(String, bool)> = self.engine.collect_fn_metadata(
            None,
            |info| {
                let m = info.metadata;
                let name = m.name.as_str();
                let ident = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_');
                let method = m
                    .param_types
                    .first()
                    .is_some_and(|t| table_types.contains(t));
                ident.then(|| (name.to_string(), method))
            },
            false,
        );
        let mut v = Vocabulary::default();
        for (name, method) in found {
            if crate::tables::TABLES.iter().any(|t| t.name == name) {
                continue;
            }
            if method {
                v.methods.push(name)
            } else {
                v.functions.push(name)
            }
        }
        for list in [&mut v.methods, &mut v.functions] {
            list.sort();
            list.dedup();
        }
        v
    }

    /// The variables of the scope with their values.
    pub fn variables(&self) -> impl Iterator<Item = (&str, &Dynamic)> {
        self.scope.iter_raw().map(|(name, _, value)| (name, value))
    }

    /// Evaluates `src` in the persistent scope; `name` labels it in error messages.
    pub fn eval(&mut self, src: &str, name: &str) -> Result<Dynamic> {
        self.interrupt.store(false, Ordering::SeqCst);
        let ast = self
            .engine
            .compile_with_scope(&self.scope, src)
            .map_err(|e| script_error(name, &e.to_string()))?;
        let mut program = self.functions.merge(&ast);
        let result = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut self.scope, &program);
        // Keep the functions (even when the statements failed: they were defined).
        program.clear_statements();
        self.functions = program;
        self.interrupt.store(false, Ordering::SeqCst);
        result.map_err(|e| match *e {
            rhai::EvalAltResult::ErrorTerminated(..) => script_error(name, "interrupted"),
            other => script_error(name, &other.to_string()),
        })
    }
}

fn script_error(name: &str, message: &str) -> Error {
    Error::Script {
        message: format!("{name}: {message}"),
        code: 1,
    }
}
