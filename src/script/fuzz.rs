//! Fuzzing entry point for script compilation (feature `fuzzing`, used by the cargo-fuzz
//! `script` target under `fuzz/`): compile with the sandboxed engine, find the closures, plan
//! the socket collection, and on failure render the error report. Nothing is evaluated.
//! Re-exported by [`crate::fuzzing`].

use std::rc::Rc;

use super::context::Ctx;
use crate::catalog::Catalog;
use crate::render::RenderOpts;
use crate::snapshot::Snapshot;

thread_local! {
    /// One engine for every input: building it registers hundreds of functions.
    static ENGINE: rhai::Engine = {
        let snap = Snapshot::parse(include_bytes!("../../tests/fixtures/script.json"))
            .expect("the script fixture snapshot parses");
        let ctx = Rc::new(Ctx::new(
            Rc::new(Catalog::from_snapshot(snap)),
            "",
            RenderOpts::default(),
        ));
        super::engine::build(&ctx)
    };
}

/// Compiles `data` (lossy UTF-8, a shebang line stripped as for saved scripts) and plans it;
/// a compile error must give a report that names the script.
pub fn script(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let src = super::strip_shebang(&text);
    ENGINE.with(|engine| match engine.compile(&*src) {
        Ok(ast) => {
            let closures = super::closure::closures(&ast);
            drop(super::plan::sockets_plan(&ast, &closures));
        }
        Err(e) => {
            let report = super::diag::report("<fuzz>", &src, &rhai::EvalAltResult::from(e));
            assert!(report.starts_with("<fuzz>:"), "{report}");
        }
    });
}
