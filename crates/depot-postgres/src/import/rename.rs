//! Physical names to logical ones in SQL the catalog prints: shared with Snowflake, see
//! [`depot_core::import::rename`] (PostgreSQL's is the default flavor).

pub use depot_core::import::rename::*;
