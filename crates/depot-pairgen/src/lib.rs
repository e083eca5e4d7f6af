//! Generated package pairs: an old package of one to three objects with assorted field types,
//! and a new package derived from it by random edits (renames through `previousNames`, drops,
//! widenings and narrowings, nullability and default changes, new fields, indexes, objects and
//! views). The SPEC §1b features are drawn too: expression defaults, identity keys, computed
//! columns, checks, foreign keys between objects (deferrable or not), sorted, partial and
//! expression indexes, unique ones with `nullsDistinct: false`, descriptions and `SELECT *`
//! views, each added, kept, toggled or dropped by the edits. Each engine's tests check that
//! every pair migrates like a fresh deploy and keeps every row (tests/suites/generated_pairs.rs
//! on PostgreSQL, crates/depot-snowflake/tests/emulator/generated_pairs.rs on fakesnow).
//!
//! The strategy ([`recipe`]) generates a *recipe* of plain choices, and [`build`] turns any
//! recipe into a valid pair: impossible choices (widening a boolean, a unique index on a
//! boolean, an index on a dropped field, ...) fall back to a harmless one. So every value
//! proptest shrinks to is still a valid pair, and a failure shrinks to a small one. A
//! [`Profile`] keeps out what an engine refuses or its emulator cannot run.
//!
//! Names come from disjoint pools that `snake_case` maps one to one and never reuses across the
//! two versions: old objects `T1`..`T3` (`t1`..), renamed objects `R1`.., the new object `N1`,
//! views `V1` (old) and `W1` (new); old fields `a1`..`a5`, renamed fields `b1`.., new fields
//! `c1`..; indexes `old1` and `new1`. (None is a keyword of an engine, such as `AT`.)

mod build;
mod failure;
mod profile;
mod recipe;
mod strategy;
mod ty;

pub use build::build;
pub use failure::with_packages;
pub use profile::Profile;
pub use recipe::Recipe;
pub use strategy::recipe;
pub use ty::{enum_values, Ty, ENUM};
