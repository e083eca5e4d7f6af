//! The engines the `depot` command line serves: what it hands to the dataset reader, and
//! where it finds a dataset's dialect.

use anyhow::{anyhow, Result};
use depot_core::engine::Engines;
use depot_core::{Dataset, Dialect};
use depot_postgres::PostgresDialect;
use depot_snowflake::SnowflakeDialect;

/// PostgreSQL and Snowflake, in the order messages list them.
pub const ENGINES: Engines<'static> = Engines::new(&[&PostgresDialect, &SnowflakeDialect]);

/// The dialect of the dataset's engine (one of [`ENGINES`]: the dataset was read with them).
pub fn dialect_of(dataset: &Dataset) -> Result<&'static dyn Dialect> {
    let engine = dataset.config.location.engine();
    ENGINES
        .find(engine.as_str())
        .map(|plugin| -> &dyn Dialect { plugin })
        .ok_or_else(|| anyhow!("the command line serves no {engine} location"))
}
