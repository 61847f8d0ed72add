//! The data model shared by every layer: typed [`Value`]s, [`Column`] schemas and [`Table`]s.

mod escape;
mod nexthop;
mod notes;
mod proto;
pub mod rawtext;
pub mod read;
pub mod store;
mod table;
mod value;

pub use escape::{escape_bounded, escape_bytes, escape_str, unescape};
pub use nexthop::NextHop;
pub use notes::Notes;
pub use proto::Proto;
pub use read::Cols;
pub use store::{ColumnData, Dict, NO_ROW, Store};
pub use table::{Column, Table, row_id};
pub use value::{Type, Value};
