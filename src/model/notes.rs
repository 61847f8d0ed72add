//! Notes: one-line messages for the user (a fallback taken, a column left null without root),
//! collected while tables are gathered and printed once on stderr by the front end.

use std::sync::Mutex;

/// Notes added by lazily computed columns, waiting for the next [`Notes::take`].
static LATE: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A de-duplicated list of notes, safe to share between collector threads.
#[derive(Debug, Default)]
pub struct Notes {
    lines: Mutex<Vec<String>>,
}

impl Notes {
    /// Adds `note` unless the same text is already there.
    pub fn add(&self, note: impl Into<String>) {
        let note = note.into();
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        if !lines.contains(&note) {
            lines.push(note);
        }
    }

    /// Removes and returns the notes collected so far, with the late ones (see
    /// [`Notes::add_late`]).
    pub fn take(&self) -> Vec<String> {
        let mut lines = std::mem::take(&mut *self.lines.lock().unwrap_or_else(|e| e.into_inner()));
        for n in std::mem::take(&mut *LATE.lock().unwrap_or_else(|e| e.into_inner())) {
            if !lines.contains(&n) {
                lines.push(n);
            }
        }
        lines
    }

    /// Adds a note found after collection, by a column computed on first use (which holds no
    /// `Notes` of its own): the next [`Notes::take`] of any list returns it.
    pub fn add_late(note: impl Into<String>) {
        let note = note.into();
        let mut late = LATE.lock().unwrap_or_else(|e| e.into_inner());
        if !late.contains(&note) {
            late.push(note);
        }
    }
}
