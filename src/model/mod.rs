//! The data model shared by every layer: typed [`Value`]s, [`Column`] schemas and [`Table`]s.

mod table;
mod value;

pub use table::{Column, Table};
pub use value::{Type, Value};
