//! SnowflakeLocation: a dataset's Snowflake database, the typed form of a `snowflake` location,
//! and the plug-in that tells the core how one is written ([`EnginePlugin`]).

use depot_core::engine::{EnginePlugin, ExecutorRules, LocationKey, LocationSchema, SettingKind};
use depot_core::location::{Location, LocationError};
use serde::{Deserialize, Serialize};

use crate::dialect::{SnowflakeDialect, SNOWFLAKE};

/// SnowflakeLocation is a Snowflake database. Only the ARN of its secret is held, never the
/// secret's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SnowflakeLocation {
    pub name: String,
    pub account: String,
    pub database: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Host override for PrivateLink or a local emulator (`https://host:port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_arn: Option<String>,
}

impl SnowflakeLocation {
    /// The dataset's location, when it is a Snowflake one.
    pub fn from_location(location: &Location) -> Result<SnowflakeLocation, LocationError> {
        location.to_typed(&SNOWFLAKE)
    }

    /// The engine-neutral location the core keeps.
    pub fn to_location(&self) -> Result<Location, LocationError> {
        Location::from_typed(&SnowflakeDialect, self)
    }
}

/// The keys of a `snowflake` location, as [`SnowflakeLocation`] has them.
pub const LOCATION_SCHEMA: LocationSchema = LocationSchema {
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

/// The executor keys a Snowflake executor does not take: they are PostgreSQL's.
const POSTGRES_ONLY_EXECUTOR_KEYS: &[&str] = &["endpoint", "readerEndpoint", "user", "iamAuth"];

impl EnginePlugin for SnowflakeDialect {
    fn location_schema(&self) -> &'static LocationSchema {
        &LOCATION_SCHEMA
    }

    /// A Snowflake executor is a `warehouse` and a `role`; the location's `user` is not an IAM
    /// token's.
    fn executor_rules(&self) -> ExecutorRules {
        ExecutorRules {
            refused_keys: POSTGRES_ONLY_EXECUTOR_KEYS,
            refusal: "applies to PostgreSQL locations only; a Snowflake executor is a \
                      `warehouse` and a `role`",
            location_user_key: None,
        }
    }

    fn place(&self, location: &Location) -> Result<String, LocationError> {
        let sf = SnowflakeLocation::from_location(location)?;
        Ok(format!("snowflake://{}/{}", sf.account, sf.database))
    }
}

#[cfg(test)]
mod tests {
    use depot_core::engine::Engines;
    use depot_core::properties::parse_dataset;
    use depot_core::rules;
    use serde_json::{json, Value};

    use super::*;

    const ENGINES: Engines<'static> = Engines::new(&[&SnowflakeDialect]);

    fn properties(location: Value, executor: Value) -> Value {
        json!({
            "environmentId": "e2e404529091ed2", "alias": "WsDevDogSrc", "bootstrapBucket": "bkt",
            "location": location, "executor": executor,
            "package": {"name": "dogs", "version": "1", "schemas": {}},
        })
    }

    #[test]
    fn a_snowflake_location_reads_into_its_typed_form_and_back() {
        let raw = properties(
            json!({"type": "snowflake", "name": "sf", "account": "acme-x1", "database": "DB",
                   "endpoint": "https://localhost:8080", "warehouse": "W"}),
            json!({"name": "migrations", "role": "R"}),
        );
        let dataset = parse_dataset(&raw, &ENGINES).unwrap();
        let location = &dataset.config.location;
        let sf = SnowflakeLocation::from_location(location).unwrap();
        assert_eq!(sf.endpoint.as_deref(), Some("https://localhost:8080"));
        assert_eq!(&sf.to_location().unwrap(), location);
        assert_eq!(
            serde_json::to_string(location).unwrap(),
            r#"{"type":"snowflake","name":"sf","account":"acme-x1","database":"DB","warehouse":"W","endpoint":"https://localhost:8080"}"#
        );
        assert_eq!(dataset.config.schema_name, "WS_DEV_DOG_SRC");
    }

    #[test]
    fn its_keys_and_executor_rules_are_checked() {
        let found = |raw: &Value| {
            let problems = parse_dataset(raw, &ENGINES).unwrap_err().0;
            problems
                .into_iter()
                .map(|p| (p.rule, p.path, p.message))
                .collect::<Vec<_>>()
        };
        let bad_endpoint = properties(
            json!({"type": "snowflake", "name": "sf", "account": "acme-x1", "database": "DB",
                   "endpoint": "localhost:4566"}),
            json!({"name": "migrations"}),
        );
        let problems = found(&bad_endpoint);
        assert_eq!(
            (problems.len(), problems[0].0, problems[0].1.as_str()),
            (1, rules::INVALID_VALUE, "location.endpoint")
        );
        let iam = properties(
            json!({"type": "snowflake", "name": "sf", "account": "acme-x1", "database": "DB",
                   "user": "DEPOT"}),
            json!({"name": "migrations", "iamAuth": true}),
        );
        let problems = found(&iam);
        let rules_at: Vec<(&str, &str)> = problems
            .iter()
            .map(|(rule, path, _)| (*rule, path.as_str()))
            .collect();
        // Refused, and (the location's user being no IAM token's) missing its user.
        assert_eq!(
            rules_at,
            [
                (rules::INVALID_VALUE, "executor.iamAuth"),
                (rules::REQUIRED, "executor.iamAuth"),
            ]
        );
        assert_eq!(
            problems[0].2,
            "`executor.iamAuth` applies to PostgreSQL locations only; a Snowflake executor is a \
             `warehouse` and a `role`"
        );
    }
}
