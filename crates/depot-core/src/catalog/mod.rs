//! The catalog of a namespace, engine-neutral: what drift detection compares. Each engine builds
//! two: the live one from what it introspected, and the expected one from the
//! [`crate::physical::PhysicalModel`] its deployed version describes, both in its own words
//! (types as the engine prints them). [`compare`] lists how they differ.
//!
//! What an engine does not compare (Snowflake's index methods, a name the emulator does not
//! keep) is left out of both catalogs, or is the same on both sides, so that the one comparison
//! never reports it.

mod compare;
mod compare_index;
mod compare_table;
mod types;

pub use compare::compare;
pub use types::{
    Catalog, Column, Constraint, ConstraintKind, EnumType, ForeignKeyShape, Index, IndexKey,
    PrimaryKey, Table, UniqueKey, View, Wording,
};

#[cfg(test)]
mod tests;
