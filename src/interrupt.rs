//! Ctrl-C, one mechanism for the whole program: a SIGINT handler (installed once, by the first
//! part that needs it) sets a flag. Scripts clear it when an evaluation starts ([`arm`]) and
//! the engine and `sleep` poll it (the script then stops with "interrupted"); BSD netstat's
//! repeating displays (`-w`) poll it between passes ([`install`] leaves it as it is).

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by SIGINT; cleared by [`arm`].
pub static FLAG: AtomicBool = AtomicBool::new(false);

/// Installs the SIGINT handler (once per process), leaving the flag as it is.
pub fn install() {
    static INSTALL: Once = Once::new();
    // When SIGINT is ignored (a background job), it stays ignored: only the operation limit
    // stops a runaway script, and a repeating display runs until it is killed.
    INSTALL.call_once(sys::install);
}

/// Installs the SIGINT handler (once per process) and clears the flag (a script evaluation
/// starts).
pub fn arm() {
    install();
    FLAG.store(false, Ordering::SeqCst);
}

/// A plain signal handler (no helper thread, so a one-line script starts no thread at all).
#[allow(unsafe_code)]
mod sys {
    use std::sync::atomic::Ordering;

    extern "C" fn on_sigint(_: libc::c_int) {
        // An atomic store is async-signal-safe.
        super::FLAG.store(true, Ordering::SeqCst);
    }

    /// Installs [`on_sigint`] for SIGINT unless SIGINT is ignored.
    pub fn install() {
        // SAFETY: sigaction with a zeroed (valid) struct, a handler that only stores to an
        // atomic, and the previous action read into a valid out-pointer.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGINT, std::ptr::null(), &mut old) != 0
                || old.sa_sigaction == libc::SIG_IGN
            {
                return;
            }
            let mut act: libc::sigaction = std::mem::zeroed();
            act.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t;
            act.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut act.sa_mask);
            libc::sigaction(libc::SIGINT, &act, std::ptr::null_mut());
        }
    }
}

/// Whether Ctrl-C was pressed (since [`arm`], for scripts).
pub fn requested() -> bool {
    FLAG.load(Ordering::Relaxed)
}
