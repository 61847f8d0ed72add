//! Where rows come from. `linux` is the only module that touches netlink or /proc; it returns
//! the plain [`records`] that the `tables` modules turn into typed rows.

pub mod linux;
pub mod records;
pub mod select;
