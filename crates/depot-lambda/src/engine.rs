//! Engine: which locations one entity-creator function serves, and how it opens a session on
//! one. The two functions share all their logic; each binary names its engine, and so links
//! only that engine's client (the Snowflake client brings Arrow, which the Aurora function has
//! no use for).

use async_trait::async_trait;
use depot_aws::{open_postgres, open_snowflake, ConnectSettings};
use depot_core::dataset::{DatasetConfig, Location};
use depot_deploy::location::LocationSession;
use depot_postgres::PostgresLocation;
use depot_snowflake::SnowflakeLocation;

/// Engine is one function's engine.
#[async_trait]
pub trait Engine: Send + Sync + 'static {
    /// The `location.type` it deploys.
    fn location_type(&self) -> &'static str;

    /// Opens a session on the dataset's location (of this engine's type: see [`check`]).
    async fn open(
        &self,
        config: &DatasetConfig,
        secrets: &aws_sdk_secretsmanager::Client,
        settings: &ConnectSettings,
    ) -> Result<Box<dyn LocationSession>, String>;
}

/// The function that deploys locations of `location_type`.
pub fn function_name(location_type: &str) -> &'static str {
    match location_type {
        "snowflake" => "entity-creator-snowflake",
        _ => "entity-creator-aurora",
    }
}

/// Refuses a location of another engine, saying which function serves it.
pub fn check(engine: &dyn Engine, location: &Location) -> Result<(), String> {
    let kind = location.engine().as_str();
    if kind == engine.location_type() {
        return Ok(());
    }
    Err(format!(
        "this is {}, which deploys {} locations; the dataset's location is {kind}: use {}'s ServiceToken",
        function_name(engine.location_type()),
        engine.location_type(),
        function_name(kind),
    ))
}

/// `entity-creator-aurora`: PostgreSQL and Aurora PostgreSQL.
pub struct PostgresEngine;

#[async_trait]
impl Engine for PostgresEngine {
    fn location_type(&self) -> &'static str {
        "postgres"
    }

    async fn open(
        &self,
        config: &DatasetConfig,
        secrets: &aws_sdk_secretsmanager::Client,
        settings: &ConnectSettings,
    ) -> Result<Box<dyn LocationSession>, String> {
        let location = PostgresLocation::from_location(&config.location)
            .map_err(|e| format!("not a postgres location: {e}"))?;
        match open_postgres(&location, &config.executor, secrets, settings).await {
            // The dataset's own lock timeout (`migrationOptions.lockTimeoutMs`), else the default.
            Ok(session) => Ok(Box::new(session.with_retry_policy(
                depot_postgres::RetryPolicy::for_dataset(&config.migration_options),
            ))),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// `entity-creator-snowflake`: Snowflake.
pub struct SnowflakeEngine;

#[async_trait]
impl Engine for SnowflakeEngine {
    fn location_type(&self) -> &'static str {
        "snowflake"
    }

    async fn open(
        &self,
        config: &DatasetConfig,
        secrets: &aws_sdk_secretsmanager::Client,
        _settings: &ConnectSettings,
    ) -> Result<Box<dyn LocationSession>, String> {
        let location = SnowflakeLocation::from_location(&config.location)
            .map_err(|e| format!("not a snowflake location: {e}"))?;
        match open_snowflake(&location, &config.executor, secrets).await {
            Ok(session) => Ok(Box::new(session)),
            Err(e) => Err(e.to_string()),
        }
    }
}
