//! Notes: one-line messages for the user (a fallback taken, a column left null without root),
//! collected while tables are gathered and printed once on stderr by the front end.

use std::sync::Mutex;

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

    /// Removes and returns the notes collected so far.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.lines.lock().unwrap_or_else(|e| e.into_inner()))
    }
}
