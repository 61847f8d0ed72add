//! Rendering tables for people and programs. Pure: every function writes to the writer it is
//! given and reads no terminal or environment state; the caller passes the width.

mod csv;
pub mod fit;
mod json;
mod text;

use std::io::Write;

use crate::error::{Error, Result};
use crate::model::{Table, Value};

pub use self::csv::write_csv;
pub use self::json::write_json;
pub use self::text::{write_plain, write_table};

/// A cell as people see it in table, plain and CSV output: text escaped so that no control
/// character, bidirectional override or invalid byte reaches the terminal and the backslash
/// stays unambiguous (see `model::escape`); other values in their natural form.
pub fn cell_text(v: &Value) -> std::borrow::Cow<'_, str> {
    match v {
        Value::Str(s) => crate::model::escape_str(s),
        Value::Bytes(b) => crate::model::escape_bytes(b),
        other => std::borrow::Cow::Owned(other.to_string()),
    }
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// An aligned table fitted to the terminal width.
    #[default]
    Table,
    /// A JSON array of objects with typed values.
    Json,
    /// CSV with a header row.
    Csv,
    /// Tab-separated values without a header.
    Plain,
}

/// How to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOpts {
    /// Output format.
    pub format: Format,
    /// Maximum line width for [`Format::Table`] (`None`: unlimited, e.g. not a terminal).
    pub width: Option<usize>,
    /// Every column of a whole registry table even on a terminal (`--all`); otherwise a
    /// table fitted to a width shows its default view ([`fit::default_view`]).
    pub all: bool,
}

/// Renders `table` to `out` in the chosen format.
pub fn render(table: &Table, opts: &RenderOpts, out: &mut dyn Write) -> Result<()> {
    match opts.format {
        Format::Table => match opts
            .width
            .filter(|_| !opts.all)
            .and_then(|_| fit::default_view(table))
        {
            Some((view, hidden)) => text::write_table_noting(&view, opts.width, &hidden, out),
            None => write_table(table, opts.width, out),
        },
        Format::Json => write_json(table, out),
        Format::Csv => write_csv(table, out),
        Format::Plain => write_plain(table, out),
    }
    .map_err(Error::Output)
}
