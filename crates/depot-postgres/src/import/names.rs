//! Logical names from physical ones: shared with Snowflake, see [`depot_core::import::names`].

pub use depot_core::import::names::*;
