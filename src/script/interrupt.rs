//! Ctrl-C for scripts: a SIGINT handler (installed once, when the first script runs) sets a
//! flag that the engine polls between operations and that `sleep` polls while waiting; the
//! script then stops with "interrupted".

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by SIGINT, cleared when an evaluation starts.
pub static FLAG: AtomicBool = AtomicBool::new(false);

/// Installs the SIGINT handler (once per process) and clears the flag.
pub fn arm() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // If another handler is already installed (an embedding program), Ctrl-C keeps its
        // behaviour and only the operation limit stops a runaway script.
        let _ = ctrlc::set_handler(|| FLAG.store(true, Ordering::SeqCst));
    });
    FLAG.store(false, Ordering::SeqCst);
}

/// Whether Ctrl-C was pressed since [`arm`].
pub fn requested() -> bool {
    FLAG.load(Ordering::Relaxed)
}
