//! PostgresLocation: a dataset's PostgreSQL database, the typed form of a `postgres` location,
//! and the plug-in that tells the core how one is written ([`EnginePlugin`]).

use depot_core::engine::{EnginePlugin, ExecutorRules, LocationKey, LocationSchema, SettingKind};
use depot_core::location::{Location, LocationError};
use serde::{Deserialize, Serialize};

use crate::dialect::{PostgresDialect, POSTGRES};

/// PostgresLocation is a PostgreSQL database. Only the ARN of its secret is held, never the
/// secret's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PostgresLocation {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub database: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_arn: Option<String>,
}

impl PostgresLocation {
    /// The dataset's location, when it is a PostgreSQL one.
    pub fn from_location(location: &Location) -> Result<PostgresLocation, LocationError> {
        location.to_typed(&POSTGRES)
    }

    /// The engine-neutral location the core keeps.
    pub fn to_location(&self) -> Result<Location, LocationError> {
        Location::from_typed(&PostgresDialect, self)
    }
}

/// The keys of a `postgres` location, as [`PostgresLocation`] has them.
pub const LOCATION_SCHEMA: LocationSchema = LocationSchema {
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

impl EnginePlugin for PostgresDialect {
    fn location_schema(&self) -> &'static LocationSchema {
        &LOCATION_SCHEMA
    }

    /// Every executor key applies; an IAM token is made for the location's `user` when the
    /// executor names none.
    fn executor_rules(&self) -> ExecutorRules {
        ExecutorRules {
            location_user_key: Some("user"),
            ..ExecutorRules::default()
        }
    }

    fn place(&self, location: &Location) -> Result<String, LocationError> {
        let pg = PostgresLocation::from_location(location)?;
        Ok(format!(
            "postgres://{}:{}/{}",
            pg.host, pg.port, pg.database
        ))
    }
}

#[cfg(test)]
mod tests {
    use depot_core::engine::Engines;
    use depot_core::properties::parse_dataset;
    use depot_core::rules;
    use serde_json::{json, Value};

    use super::*;

    const ENGINES: Engines<'static> = Engines::new(&[&PostgresDialect]);

    fn properties(location: Value, executor: Value) -> Value {
        json!({
            "environmentId": "e2e404529091ed2", "alias": "WsDevDogSrc", "bootstrapBucket": "bkt",
            "location": location, "executor": executor,
            "package": {"name": "dogs", "version": "1", "schemas": {}},
        })
    }

    #[test]
    fn a_postgres_location_reads_into_its_typed_form_and_back() {
        let raw = properties(
            json!({"type": "postgres", "name": "main", "host": "db", "port": "5432",
                   "database": "app", "secretArn": "arn:aws:secretsmanager:eu-west-1:1:secret:x"}),
            json!({"name": "migrations"}),
        );
        let dataset = parse_dataset(&raw, &ENGINES).unwrap();
        let location = &dataset.config.location;
        let pg = PostgresLocation::from_location(location).unwrap();
        assert_eq!(
            (pg.host.as_str(), pg.port, pg.user.as_deref()),
            ("db", 5432, None)
        );
        assert_eq!(&pg.to_location().unwrap(), location);
        assert_eq!(
            serde_json::to_string(location).unwrap(),
            r#"{"type":"postgres","name":"main","host":"db","port":5432,"database":"app","secretArn":"arn:aws:secretsmanager:eu-west-1:1:secret:x"}"#
        );
        assert_eq!(
            dataset.config.naming_strategy,
            depot_core::naming::NamingStrategy::SnakeCase
        );
    }

    #[test]
    fn its_keys_and_executor_rules_are_checked() {
        let raw = properties(
            json!({"type": "postgres", "name": "main", "host": "db", "port": "five",
                   "database": "app", "password": "x"}),
            json!({"name": "migrations", "iamAuth": true}),
        );
        let problems = parse_dataset(&raw, &ENGINES).unwrap_err().0;
        let found: Vec<(&str, &str)> = problems.iter().map(|p| (p.rule, p.path.as_str())).collect();
        assert_eq!(
            found,
            [
                (rules::SECRET_IN_PROPERTIES, "location.password"),
                (rules::INVALID_VALUE, "location.port"),
                (rules::REQUIRED, "executor.iamAuth"),
            ]
        );
        // The location's user is the one an IAM token is made for.
        let raw = properties(
            json!({"type": "postgres", "name": "main", "host": "db", "port": 5432,
                   "database": "app", "user": "depot"}),
            json!({"name": "migrations", "iamAuth": true}),
        );
        assert!(parse_dataset(&raw, &ENGINES).is_ok());
    }
}
