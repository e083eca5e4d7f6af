//! `executor`: who runs the migration (a name; a warehouse and role; writer/reader endpoints, a
//! user and IAM authentication: which of them an engine's executor takes is its
//! [`ExecutorRules`]), and the endpoint and port readers it shares with the location.

use crate::dataset::{Endpoint, Executor};
use crate::engine::ExecutorRules;
use crate::json::{JsonObject, JsonValue};
use crate::lenient;
use crate::location::Location;
use crate::reader::{describe_scalar, Place, Reader};
use crate::rules;

use super::scalars::{object, optional_string, required_string};

const EXECUTOR_KEYS: &[&str] = &[
    "name",
    "warehouse",
    "role",
    "endpoint",
    "readerEndpoint",
    "user",
    "iamAuth",
];
const ENDPOINT_KEYS: &[&str] = &["host", "port"];

/// read_executor reads `executor`; the location (when it parsed) and its engine's `rules` decide
/// which keys apply.
pub(super) fn read_executor<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    location: Option<(&Location, ExecutorRules)>,
) -> Option<Executor> {
    let map = object(r, value, at, "`executor`", EXECUTOR_KEYS)?;
    let before = r.problems.len();
    let name = required_string(r, map, at, "name", "the executor's name");
    let warehouse = optional_string(r, map, at, "warehouse");
    let role = optional_string(r, map, at, "role");
    if let Some((_, engine_rules)) = location {
        for key in engine_rules.refused_keys {
            if map.contains_key(key) {
                r.report(
                    &at.key(key),
                    rules::INVALID_VALUE,
                    format!("`executor.{key}` {}", engine_rules.refusal),
                );
            }
        }
    }
    let endpoint = match map.get("endpoint") {
        None => Some(None),
        Some(v) => read_endpoint(r, v, &at.key("endpoint"), "`executor.endpoint`").map(Some),
    };
    let reader_endpoint = match map.get("readerEndpoint") {
        None => Some(None),
        Some(v) => {
            read_endpoint(r, v, &at.key("readerEndpoint"), "`executor.readerEndpoint`").map(Some)
        }
    };
    let user = optional_string(r, map, at, "user");
    let iam_auth = match map.get("iamAuth") {
        None => Some(false),
        Some(v) => r.bool(v, &at.key("iamAuth"), "`executor.iamAuth`"),
    };
    let location_user = location.is_some_and(|(location, engine_rules)| {
        engine_rules
            .location_user_key
            .is_some_and(|key| location.setting(key).is_some())
    });
    if iam_auth == Some(true) && matches!(user, Some(None)) && !location_user {
        r.report(
            &at.key("iamAuth"),
            rules::REQUIRED,
            "`executor.iamAuth` needs the database user to connect as (an IAM token names its \
             user): set `executor.user` (or the location's `user`)",
        );
    }
    if r.problems.len() > before {
        return None;
    }
    Some(Executor {
        name: name?,
        warehouse: warehouse?,
        role: role?,
        endpoint: endpoint?,
        reader_endpoint: reader_endpoint?,
        user: user?,
        iam_auth: iam_auth?,
    })
}

/// read_endpoint reads `{"host": ..., "port": ...}` (the port as a number or a string).
fn read_endpoint<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    what: &str,
) -> Option<Endpoint> {
    let map = object(r, value, at, what, ENDPOINT_KEYS)?;
    let before = r.problems.len();
    let host = required_string(r, map, at, "host", "the endpoint's host name");
    let port = r
        .required(map, at, "port", "the endpoint's port (e.g. 5432)")
        .and_then(|v| read_port(r, v, &at.key("port")));
    if r.problems.len() > before {
        return None;
    }
    Some(Endpoint {
        host: host?,
        port: port?,
    })
}

/// read_port reads a TCP port, 1 to 65535, as a number or a string.
pub(super) fn read_port<J: JsonValue>(r: &mut Reader, value: &J, at: &Place<'_>) -> Option<u16> {
    match lenient::as_u16(value).filter(|p| *p > 0) {
        Some(p) => Some(p),
        None => {
            r.report(
                at,
                rules::INVALID_VALUE,
                format!(
                    "`port` {} must be a port number, 1 to 65535",
                    describe_scalar(value)
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::{json, Value};

    use crate::dataset::Endpoint;
    use crate::properties::parse_dataset;
    use crate::properties::test_support::{minimal, problems, set};
    use crate::rules;
    use crate::view::test_dialect::TEST_ENGINES;

    fn with_executor(executor: Value) -> Value {
        set(minimal(), "/executor", executor)
    }

    #[test]
    fn a_postgres_executor_names_its_endpoints_user_and_iam_auth() {
        let raw = with_executor(json!({
            "name": "migrations",
            "endpoint": {"host": "c.cluster-x.eu-west-1.rds.amazonaws.com", "port": "5432"},
            "readerEndpoint": {"host": "c.cluster-ro-x.eu-west-1.rds.amazonaws.com", "port": 5433},
            "user": "depot_migrator",
            "iamAuth": "true",
        }));
        let e = parse_dataset(&raw, &TEST_ENGINES).unwrap().config.executor;
        assert_eq!(
            e.endpoint,
            Some(Endpoint {
                host: "c.cluster-x.eu-west-1.rds.amazonaws.com".into(),
                port: 5432
            })
        );
        assert_eq!(e.reader_endpoint.as_ref().map(|r| r.port), Some(5433));
        assert_eq!(e.user.as_deref(), Some("depot_migrator"));
        assert!(e.iam_auth);
        // iamAuth with the location's user is enough.
        let raw = set(minimal(), "/location/user", json!("app"));
        let raw = set(raw, "/executor", json!({"name": "m", "iamAuth": true}));
        assert!(
            parse_dataset(&raw, &TEST_ENGINES)
                .unwrap()
                .config
                .executor
                .iam_auth
        );
    }

    #[test]
    fn executor_settings_are_part_of_the_version_hash_and_absent_ones_change_nothing() {
        let hash = |raw: &Value| {
            let d = parse_dataset(raw, &TEST_ENGINES).unwrap();
            crate::hash::version_hash(&d.config, &d.package)
        };
        let plain = with_executor(json!({"name": "migrations"}));
        let base = hash(&plain);
        // The hash of a dataset without the new settings is what it always was: the
        // configuration serializes without them.
        let config =
            serde_json::to_value(parse_dataset(&plain, &TEST_ENGINES).unwrap().config).unwrap();
        assert_eq!(config["executor"], json!({"name": "migrations"}));
        let mut seen = BTreeSet::from([base.clone()]);
        for executor in [
            json!({"name": "migrations", "user": "depot"}),
            json!({"name": "migrations", "user": "depot", "iamAuth": true}),
            json!({"name": "migrations", "endpoint": {"host": "w", "port": 5432}}),
            json!({"name": "migrations", "endpoint": {"host": "w", "port": 5433}}),
            json!({"name": "migrations", "readerEndpoint": {"host": "r", "port": 5432}}),
        ] {
            assert!(
                seen.insert(hash(&with_executor(executor.clone()))),
                "{executor} hashes like another executor"
            );
        }
        // Same settings, other spelling: same hash.
        assert_eq!(
            hash(&with_executor(
                json!({"endpoint": {"port": "5432", "host": "w"}, "name": "migrations"})
            )),
            hash(&with_executor(
                json!({"name": "migrations", "endpoint": {"host": "w", "port": 5432}})
            ))
        );
        assert_eq!(
            hash(&with_executor(
                json!({"name": "migrations", "iamAuth": "false"})
            )),
            base
        );
    }

    #[test]
    fn bad_executor_settings_are_named() {
        let raw = with_executor(json!({
            "name": "m",
            "endpoint": {"host": "", "port": 0, "tls": true},
            "readerEndpoint": "r:5432",
            "iamAuth": "yes",
        }));
        assert_eq!(
            problems(raw),
            [
                (rules::UNKNOWN_KEY, "executor.endpoint.tls".to_string()),
                (rules::EMPTY_VALUE, "executor.endpoint.host".to_string()),
                (rules::INVALID_VALUE, "executor.endpoint.port".to_string()),
                (
                    rules::WRONG_JSON_TYPE,
                    "executor.readerEndpoint".to_string()
                ),
                (rules::WRONG_JSON_TYPE, "executor.iamAuth".to_string()),
            ]
        );
        let err = parse_dataset(
            &with_executor(json!({"name": "m", "iamAuth": true})),
            &TEST_ENGINES,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("executor.iamAuth") && err.contains("executor.user"),
            "{err}"
        );
        let sf = set(
            minimal(),
            "/location",
            json!({"type": "snowflake", "name": "sf", "account": "acme-x1", "database": "DB"}),
        );
        let sf = set(
            sf,
            "/executor",
            json!({"name": "m", "warehouse": "W", "user": "u"}),
        );
        let err = parse_dataset(&sf, &TEST_ENGINES).unwrap_err();
        assert_eq!(err.0.len(), 1, "{err}");
        assert_eq!(err.0[0].path, "executor.user");
        assert!(
            err.0[0].message.contains("PostgreSQL locations only"),
            "{err}"
        );
    }
}
