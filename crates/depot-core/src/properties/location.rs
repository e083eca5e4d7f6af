//! `location`: where the dataset lives, a PostgreSQL database or a Snowflake database, each
//! with its own keys. With an unknown `type` only secrets are still looked for.

use crate::dataset::{Location, PostgresLocation, SnowflakeLocation};
use crate::json::{JsonObject, JsonValue};
use crate::lenient;
use crate::reader::{Place, Reader};
use crate::rules;

use super::executor::read_port;
use super::scalars::{choice, object, optional_arn, optional_string, required_string};
use super::secrets::report_secrets;

const POSTGRES_KEYS: &[&str] = &[
    "type",
    "name",
    "host",
    "port",
    "database",
    "user",
    "secretArn",
];
const SNOWFLAKE_KEYS: &[&str] = &[
    "type",
    "name",
    "account",
    "database",
    "warehouse",
    "role",
    "user",
    "endpoint",
    "secretArn",
];

/// read_location reads `location`, its keys chosen by its `type`.
pub(super) fn read_location<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
) -> Option<Location> {
    let engine = value.as_object().and_then(|m| m.get("type")).map(|t| {
        choice(
            r,
            t,
            &at.key("type"),
            "location `type`",
            &["postgres", "snowflake"],
        )
    });
    match engine {
        Some(Some("postgres")) => {
            let map = object(r, value, at, "a postgres location", POSTGRES_KEYS)?;
            let before = r.problems.len();
            let name = required_string(r, map, at, "name", "the location's name (e.g. main)");
            let host = required_string(r, map, at, "host", "the database host");
            let port = r
                .required(map, at, "port", "the database port (e.g. 5432)")
                .and_then(|v| read_port(r, v, &at.key("port")));
            let database = required_string(r, map, at, "database", "the database name");
            let user = optional_string(r, map, at, "user");
            let secret_arn = optional_arn(r, map, at, "secretArn");
            if r.problems.len() > before {
                return None;
            }
            Some(Location::Postgres(PostgresLocation {
                name: name?,
                host: host?,
                port: port?,
                database: database?,
                user: user?,
                secret_arn: secret_arn?,
            }))
        }
        Some(Some(_)) => {
            let map = object(r, value, at, "a snowflake location", SNOWFLAKE_KEYS)?;
            let before = r.problems.len();
            let name = required_string(r, map, at, "name", "the location's name");
            let account =
                required_string(r, map, at, "account", "the Snowflake account identifier");
            let database = required_string(r, map, at, "database", "the Snowflake database");
            let warehouse = optional_string(r, map, at, "warehouse");
            let role = optional_string(r, map, at, "role");
            let user = optional_string(r, map, at, "user");
            let endpoint = optional_string(r, map, at, "endpoint");
            if let Some(Some(e)) = &endpoint {
                if !(e.starts_with("https://") || e.starts_with("http://")) {
                    r.report(
                        &at.key("endpoint"),
                        rules::INVALID_VALUE,
                        "`endpoint` must be a URL (`https://host[:port]`)",
                    );
                }
            }
            let secret_arn = optional_arn(r, map, at, "secretArn");
            if r.problems.len() > before {
                return None;
            }
            Some(Location::Snowflake(SnowflakeLocation {
                name: name?,
                account: account?,
                database: database?,
                warehouse: warehouse?,
                role: role?,
                user: user?,
                endpoint: endpoint?,
                secret_arn: secret_arn?,
            }))
        }
        // A wrong type is reported; the rest cannot be checked without knowing the engine,
        // except for secrets, which must never pass unnoticed.
        Some(None) => {
            report_secrets(r, value, at);
            None
        }
        None => {
            if value.as_object().is_some() {
                r.report(
                    &at.key("type"),
                    rules::REQUIRED,
                    "the location needs a `type`: postgres or snowflake",
                );
                report_secrets(r, value, at);
            } else {
                r.report(
                    at,
                    rules::WRONG_JSON_TYPE,
                    format!("`location` must be an object, not {}", lenient::kind(value)),
                );
            }
            None
        }
    }
}
