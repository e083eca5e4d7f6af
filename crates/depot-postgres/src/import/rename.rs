//! Physical names to logical ones in SQL the catalog prints: shared with Snowflake, see
//! [`depot_core::import::rename`] (PostgreSQL's catalog prints stored names,
//! `SqlFlavor::StoredNames`, parsed as PostgreSQL: `import::postgres_renames`).

pub use depot_core::import::rename::*;
