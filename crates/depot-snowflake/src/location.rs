//! SnowflakeLocation: a dataset's Snowflake database, the typed form of a `snowflake` location,
//! and the plug-in that tells the core how one is written ([`EnginePlugin`]).

use depot_core::dialect::Dialect;
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
    fn as_dialect(&self) -> &dyn Dialect {
        self
    }

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
