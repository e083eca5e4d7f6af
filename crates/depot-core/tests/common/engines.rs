//! The engines the dataset reader's tests accept: PostgreSQL-like and Snowflake-like plug-ins
//! with the keys of the real engines' locations and executors, without depending on the engine
//! crates (which depend on the core). Planning tests use their own dialects.
#![allow(dead_code)]

use depot_core::dialect::{Dialect, EngineId, RenderContext, RenderError, StepDraft};
use depot_core::engine::{
    EnginePlugin, Engines, ExecutorRules, LocationKey, LocationSchema, SettingKind,
};
use depot_core::location::{Location, LocationError};
use depot_core::naming::NamingStrategy;
use depot_core::Change;

/// The engines a test's dataset may live on.
pub const TEST_ENGINES: Engines<'static> = Engines::new(&[&PostgresLike, &SnowflakeLike]);

/// PostgresLike reads a `postgres` location; it plans nothing.
pub struct PostgresLike;

/// SnowflakeLike reads a `snowflake` location; it plans nothing.
pub struct SnowflakeLike;

macro_rules! reader_only_dialect {
    ($engine:ty, $id:literal, $naming:expr) => {
        impl Dialect for $engine {
            fn engine(&self) -> EngineId {
                EngineId::new($id)
            }
            fn default_naming(&self) -> NamingStrategy {
                $naming
            }
            fn max_identifier_bytes(&self) -> usize {
                63
            }
            fn quote_ident(&self, ident: &str) -> String {
                self.quoted_ident(ident)
            }
            fn quoted_ident(&self, ident: &str) -> String {
                format!("\"{}\"", ident.replace('"', "\"\""))
            }
            fn string_literal(&self, value: &str) -> Option<String> {
                Some(format!("'{}'", value.replace('\'', "''")))
            }
            fn parser_dialect(&self) -> &dyn sqlparser::dialect::Dialect {
                &sqlparser::dialect::GenericDialect {}
            }
            fn render(
                &self,
                change: &Change,
                _: &RenderContext,
            ) -> Result<Vec<StepDraft>, RenderError> {
                Err(RenderError {
                    target: change.target(),
                    message: "a reader-only test engine renders nothing".to_string(),
                })
            }
        }
    };
}

reader_only_dialect!(PostgresLike, "postgres", NamingStrategy::SnakeCase);
reader_only_dialect!(SnowflakeLike, "snowflake", NamingStrategy::UpperSnakeCase);

const POSTGRES_LOCATION: LocationSchema = LocationSchema {
    what: "a postgres location",
    keys: &[
        LocationKey::required("name", SettingKind::Text, "the location's name (e.g. main)"),
        LocationKey::required("host", SettingKind::Text, "the database host"),
        LocationKey::required("port", SettingKind::Port, "the database port (e.g. 5432)"),
        LocationKey::required("database", SettingKind::Text, "the database name"),
        LocationKey::optional("user", SettingKind::Text),
        LocationKey::optional("secretArn", SettingKind::SecretArn),
    ],
};

const SNOWFLAKE_LOCATION: LocationSchema = LocationSchema {
    what: "a snowflake location",
    keys: &[
        LocationKey::required("name", SettingKind::Text, "the location's name"),
        LocationKey::required(
            "account",
            SettingKind::Text,
            "the Snowflake account identifier",
        ),
        LocationKey::required("database", SettingKind::Text, "the Snowflake database"),
        LocationKey::optional("warehouse", SettingKind::Text),
        LocationKey::optional("role", SettingKind::Text),
        LocationKey::optional("user", SettingKind::Text),
        LocationKey::optional("endpoint", SettingKind::Url),
        LocationKey::optional("secretArn", SettingKind::SecretArn),
    ],
};

impl EnginePlugin for PostgresLike {
    fn location_schema(&self) -> &'static LocationSchema {
        &POSTGRES_LOCATION
    }
    fn place(&self, location: &Location) -> Result<String, LocationError> {
        Ok(format!("{}://{}", location.engine(), location.name()))
    }
    fn executor_rules(&self) -> ExecutorRules {
        ExecutorRules {
            location_user_key: Some("user"),
            ..ExecutorRules::default()
        }
    }
}

impl EnginePlugin for SnowflakeLike {
    fn location_schema(&self) -> &'static LocationSchema {
        &SNOWFLAKE_LOCATION
    }
    fn place(&self, location: &Location) -> Result<String, LocationError> {
        Ok(format!("{}://{}", location.engine(), location.name()))
    }
    fn executor_rules(&self) -> ExecutorRules {
        ExecutorRules {
            refused_keys: &["endpoint", "readerEndpoint", "user", "iamAuth"],
            refusal: "applies to PostgreSQL locations only; a Snowflake executor is a \
                      `warehouse` and a `role`",
            location_user_key: None,
        }
    }
}
