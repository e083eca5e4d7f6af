//! The engines the cloud side serves: what the entity creators and the migration runner hand to
//! the dataset reader ([`depot_core::properties::parse_dataset`]), and open sessions on
//! ([`crate::open_session`]).

use depot_core::engine::Engines;
use depot_postgres::PostgresDialect;
use depot_snowflake::SnowflakeDialect;

/// PostgreSQL (and Aurora PostgreSQL) and Snowflake, in the order messages list them.
pub const ENGINES: Engines<'static> = Engines::new(&[&PostgresDialect, &SnowflakeDialect]);
