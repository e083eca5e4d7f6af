//! Depot's Snowflake engine: rendering of changes as Snowflake SQL, plan execution over
//! `snowflake-api` (one session per run, independent steps concurrently), the state record and
//! the per-dataset lease in the database's `__ADMIN` schema.
//!
//! Pure (no I/O): [`dialect`], [`keywords`], [`sql_type`], [`literal`], [`column_default`], [`foreign_key`], [`render`],
//! [`precondition`], [`one_statement`]. At the side: [`client`] and its HTTP middlewares ([`endpoint`],
//! [`round_trips`], and [`emulator`] for fakesnow only), [`admin`], [`state_store`], [`lease`],
//! [`progress`], [`executor`], [`seeding`], [`introspect`] (the catalog, for [`import`] and
//! [`drift`]), and [`session`], which ties them into `depot_deploy::LocationSession`.
pub mod admin;
pub mod client;
pub mod column_default;
pub mod credentials;
pub mod dialect;
pub mod drift;
mod drift_catalog;
pub mod emulator;
pub mod endpoint;
pub mod executor;
pub mod foreign_key;
pub mod import;
pub mod introspect;
pub mod keywords;
pub mod lease;
pub mod literal;
pub mod location;
pub mod one_statement;
pub mod precondition;
pub mod progress;
pub mod render;
pub mod round_trips;
pub mod seeding;
pub mod session;
pub mod sql_type;
pub mod state_store;
pub mod undo;
pub mod undo_executor;

pub use client::{ConnectTarget, SnowflakeClient, SnowflakeError};
pub use credentials::{Auth, Credentials, Secret};
pub use dialect::SnowflakeDialect;
pub use emulator::EmulatorShim;
pub use location::SnowflakeLocation;
pub use session::{SessionOptions, SnowflakeSession};
