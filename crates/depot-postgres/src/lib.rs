//! Depot's PostgreSQL engine.
pub mod dialect;
pub use dialect::PostgresDialect;
