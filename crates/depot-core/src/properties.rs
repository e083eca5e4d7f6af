//! Dataset properties parsing (SPEC §2): raw properties (scalars as strings or JSON scalars)
//! into a normalized [`Dataset`]. The package must be inline under `package` by now; callers
//! resolve `packageFile`/`packageUri` before.
//!
//! Defaults filled in: `executor` `{"name": "default"}`; `namingStrategy` by engine
//! (PostgreSQL `snake_case`, Snowflake `UPPER_SNAKE_CASE`); `schemaName` the naming strategy
//! applied to the alias; `migrationMode` synchronous; `triggerSeeding` false; `allowedHazards`
//! none; `removalPolicy` retain. CloudFormation's own keys (`ServiceToken`, `ServiceTimeout`)
//! and the package references (`packageUri`, `packageFile`) are not part of the configuration.
//!
//! Secrets never belong here: a key that would hold one (`password`, `privateKey`, `token`,
//! ...) is refused without its value ever appearing in a message.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::dataset::{
    Dataset, DatasetConfig, Endpoint, Executor, Location, MigrationMode, MigrationOptions,
    PlanTransformerConfig, PostgresLocation, RemovalPolicy, SnowflakeLocation,
    LOCK_TIMEOUT_MS_RANGE, PLAN_TRANSFORMER_TIMEOUT_RANGE,
};
use crate::hazard::Hazard;
use crate::json::{JsonObject, JsonValue, View};
use crate::lenient;
use crate::naming::NamingStrategy;
use crate::nul::report_nul_characters;
use crate::problem::{Problem, Problems};
use crate::reader::{describe_scalar, Place, Reader};
use crate::rules;
use crate::validate::{is_logical_name, parse_package_json_checked, NAME_RULE};

/// Parses dataset properties, package included. Reports every problem at once.
pub fn parse_dataset(raw: &Value) -> Result<Dataset, Problems> {
    parse_dataset_json(raw)
}

/// [`parse_dataset`] of any JSON input: a `Value`, or a [`crate::borrowed_json::BorrowedJson`]
/// parsed straight from the text (the cheaper way from a dataset file's text).
pub fn parse_dataset_json<J: JsonValue>(raw: &J) -> Result<Dataset, Problems> {
    let mut r = Reader::default();
    report_nul_characters(&mut r, raw, &Place::root());
    let dataset = read_dataset(&mut r, raw);
    r.finish(dataset)
}

/// The default executor name, when the properties name none.
pub const DEFAULT_EXECUTOR: &str = "default";

const TOP_KEYS: &[&str] = &[
    "environmentId",
    "alias",
    "bootstrapBucket",
    "datasetId",
    "package",
    "packageUri",
    "packageFile",
    "location",
    "executor",
    "schemaName",
    "namingStrategy",
    "dependencies",
    "migrationOptions",
    "removalPolicy",
    "planTransformer",
    "ServiceToken",
    "ServiceTimeout",
];
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
const EXECUTOR_KEYS: &[&str] = &[
    "name",
    "warehouse",
    "role",
    "endpoint",
    "readerEndpoint",
    "user",
    "iamAuth",
];
/// The executor keys that only a PostgreSQL location can use.
const POSTGRES_EXECUTOR_KEYS: &[&str] = &["endpoint", "readerEndpoint", "user", "iamAuth"];
const ENDPOINT_KEYS: &[&str] = &["host", "port"];
const TRANSFORMER_KEYS: &[&str] = &["lambdaArn", "command", "timeoutSeconds"];
const OPTIONS_KEYS: &[&str] = &[
    "migrationMode",
    "triggerSeeding",
    "allowedHazards",
    "lockTimeoutMs",
];
const MODE_KEYS: &[&str] = &["type", "eventBusArn", "customEventBinding"];

/// looks_secret tells whether a key would hold a secret value. `secretArn` (a reference, not a
/// secret) is the one allowed spelling.
fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase().replace(['_', '-'], "");
    k != "secretarn"
        && [
            "password",
            "passwd",
            "privatekey",
            "secret",
            "token",
            "passphrase",
            "apikey",
            "credential",
        ]
        .iter()
        .any(|s| k.contains(s))
        // CloudFormation's own key names the Lambda, it holds no secret.
        && key != "ServiceToken"
}

/// object reads a JSON object, reporting keys that would hold a secret (never their value) and
/// other unknown keys.
fn object<'v, J: JsonValue>(
    r: &mut Reader,
    value: &'v J,
    at: &Place<'_>,
    what: &str,
    allowed: &[&str],
) -> Option<&'v J::Object> {
    let Some(map) = value.as_object() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!("{what} must be a JSON object, not {}", lenient::kind(value)),
        );
        return None;
    };
    for key in map.keys() {
        if allowed.contains(&key) {
            continue;
        }
        if looks_secret(key) {
            r.report(
                &at.key(key),
                rules::SECRET_IN_PROPERTIES,
                format!(
                    "`{key}` in {what} would put a secret in the properties, where CloudFormation, logs and documents can read it: store it in AWS Secrets Manager and give its ARN as `secretArn`"
                ),
            );
        } else {
            r.report(
                &at.key(key),
                rules::UNKNOWN_KEY,
                format!(
                    "unknown key `{key}` in {what}; allowed keys: {}",
                    allowed.join(", ")
                ),
            );
        }
    }
    Some(map)
}

/// required_string reads a required non-empty string.
fn required_string<O: JsonObject>(
    r: &mut Reader,
    map: &O,
    at: &Place<'_>,
    key: &str,
    what: &str,
) -> Option<String> {
    r.required(map, at, key, what)
        .and_then(|v| r.non_empty_string(v, &at.key(key), format_args!("`{key}`")))
}

/// optional_string reads an optional non-empty string: `Some(None)` when absent.
fn optional_string<O: JsonObject>(
    r: &mut Reader,
    map: &O,
    at: &Place<'_>,
    key: &str,
) -> Option<Option<String>> {
    match map.get(key) {
        None => Some(None),
        Some(v) => r
            .non_empty_string(v, &at.key(key), format_args!("`{key}`"))
            .map(Some),
    }
}

/// optional_arn reads an optional ARN (`arn:...`).
fn optional_arn<O: JsonObject>(
    r: &mut Reader,
    map: &O,
    at: &Place<'_>,
    key: &str,
) -> Option<Option<String>> {
    let value = optional_string(r, map, at, key)?;
    match value {
        Some(arn) if !arn.starts_with("arn:") => {
            r.report(
                &at.key(key),
                rules::INVALID_VALUE,
                format!("`{key}` must be an ARN (starting with `arn:`)"),
            );
            None
        }
        other => Some(other),
    }
}

/// bucket_name_problem says why `name` is not an S3 bucket name (3 to 63 lowercase letters,
/// digits, dots and hyphens, starting and ending with a letter or digit, no `..`, not an IP
/// address), or `None` when it is one. The bucket becomes a folder of the local document store
/// and part of every document key: `../x` would write outside it.
pub fn bucket_name_problem(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !(3..=63).contains(&bytes.len()) {
        Some("it must be 3 to 63 characters long")
    } else if !bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-'))
    {
        Some("only lowercase letters, digits, dots and hyphens are allowed")
    } else if !edge_ok(bytes.first()) || !edge_ok(bytes.last()) {
        Some("it must start and end with a lowercase letter or a digit")
    } else if name.contains("..") {
        Some("two dots may not follow each other")
    } else if name.parse::<std::net::Ipv4Addr>().is_ok() {
        Some("it may not be an IP address")
    } else {
        None
    }
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// hex_id reads an id of `len` lowercase hex digits.
fn hex_id<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    what: &str,
    len: usize,
    example: &str,
) -> Option<String> {
    let s = r.string(value, at, what)?;
    if is_lower_hex(&s, len) {
        Some(s)
    } else {
        r.report(
            at,
            rules::INVALID_VALUE,
            format!(
                "{what} {} must be {len} lowercase hexadecimal characters (e.g. `{example}`)",
                describe_scalar(value)
            ),
        );
        None
    }
}

/// choice reads one of `allowed` (exact spelling), hinting a differently-cased match.
fn choice<'a, J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    what: &str,
    allowed: &[&'a str],
) -> Option<&'a str> {
    let s = r.string(value, at, what)?;
    if let Some(hit) = allowed.iter().find(|a| **a == s) {
        return Some(hit);
    }
    let hint = allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(&s))
        .map(|a| format!(" (did you mean `{a}`?)"))
        .unwrap_or_default();
    r.report(
        at,
        rules::INVALID_VALUE,
        format!(
            "{what} {} is not allowed{hint}; allowed: {}",
            describe_scalar(value),
            allowed.join(", ")
        ),
    );
    None
}

fn read_dataset<J: JsonValue>(r: &mut Reader, raw: &J) -> Option<Dataset> {
    let at = Place::root();
    let map = object(r, raw, &at, "the dataset properties", TOP_KEYS)?;

    let environment_id = r
        .required(
            map,
            &at,
            "environmentId",
            "the Depot environment id (15 lowercase hex)",
        )
        .and_then(|v| {
            hex_id(
                r,
                v,
                &at.key("environmentId"),
                "`environmentId`",
                15,
                "e2e404529091ed2",
            )
        });
    let alias = r
        .required(map, &at, "alias", "the dataset alias (e.g. WsDevDogSrc)")
        .and_then(|v| r.string(v, &at.key("alias"), "`alias`"))
        .and_then(|a| {
            if is_logical_name(&a) {
                Some(a)
            } else {
                r.report(
                    &at.key("alias"),
                    rules::INVALID_NAME,
                    format!("alias `{a}` is not a valid name: {NAME_RULE}"),
                );
                None
            }
        });
    let bootstrap_bucket = required_string(
        r,
        map,
        &at,
        "bootstrapBucket",
        "the environment's bootstrap bucket",
    )
    .and_then(|bucket| match bucket_name_problem(&bucket) {
        None => Some(bucket),
        Some(why) => {
            r.report(
                &at.key("bootstrapBucket"),
                rules::INVALID_BUCKET,
                format!(
                    "`bootstrapBucket` {} is not an S3 bucket name: {why}",
                    describe_scalar(&Value::from(bucket))
                ),
            );
            None
        }
    });
    let dataset_id = match map.get("datasetId") {
        None => Some(None),
        Some(v) => hex_id(
            r,
            v,
            &at.key("datasetId"),
            "`datasetId`",
            12,
            "6d9c7969f0b1",
        )
        .map(Some),
    };
    let package = read_package(r, map, &at);
    let location = r
        .required(
            map,
            &at,
            "location",
            "where the dataset lives (type postgres or snowflake)",
        )
        .and_then(|v| read_location(r, v, &at.key("location")));
    let executor = match map.get("executor") {
        None => Some(Executor::named(DEFAULT_EXECUTOR)),
        Some(v) => read_executor(r, v, &at.key("executor"), location.as_ref()),
    };
    let naming_strategy = match map.get("namingStrategy") {
        None => location.as_ref().map(|l| match l {
            Location::Postgres(_) => NamingStrategy::SnakeCase,
            Location::Snowflake(_) => NamingStrategy::UpperSnakeCase,
        }),
        Some(v) => choice(
            r,
            v,
            &at.key("namingStrategy"),
            "`namingStrategy`",
            &["snake_case", "UPPER_SNAKE_CASE", "preserve"],
        )
        .and_then(NamingStrategy::parse),
    };
    let schema_name = match map.get("schemaName") {
        Some(v) => r.non_empty_string(v, &at.key("schemaName"), "`schemaName`"),
        None => match (&alias, naming_strategy) {
            (Some(a), Some(n)) => Some(n.apply(a)),
            _ => None,
        },
    };
    let dependencies = match map.get("dependencies") {
        None => Some(BTreeMap::new()),
        Some(v) => read_dependencies(r, v, &at.key("dependencies")),
    };
    let migration_options = match map.get("migrationOptions") {
        None => Some(MigrationOptions {
            migration_mode: MigrationMode::Synchronous {
                event_bus_arn: None,
            },
            trigger_seeding: false,
            allowed_hazards: BTreeSet::new(),
            lock_timeout_ms: None,
        }),
        Some(v) => read_migration_options(r, v, &at.key("migrationOptions")),
    };
    let removal_policy = match map.get("removalPolicy") {
        None => Some(RemovalPolicy::Retain),
        Some(v) => choice(
            r,
            v,
            &at.key("removalPolicy"),
            "`removalPolicy`",
            &["retain", "destroy"],
        )
        .map(|p| {
            if p == "destroy" {
                RemovalPolicy::Destroy
            } else {
                RemovalPolicy::Retain
            }
        }),
    };
    let plan_transformer = match map.get("planTransformer") {
        None => Some(None),
        Some(v) => read_plan_transformer(r, v, &at.key("planTransformer")).map(Some),
    };
    Some(Dataset {
        config: DatasetConfig {
            environment_id: environment_id?,
            alias: alias?,
            bootstrap_bucket: bootstrap_bucket?,
            location: location?,
            executor: executor?,
            schema_name: schema_name?,
            naming_strategy: naming_strategy?,
            dependencies: dependencies?,
            migration_options: migration_options?,
            removal_policy: removal_policy?,
            plan_transformer: plan_transformer?,
        },
        package: package?,
        dataset_id: dataset_id?,
    })
}

fn read_package<O: JsonObject>(
    r: &mut Reader,
    map: &O,
    at: &Place<'_>,
) -> Option<crate::package::Package> {
    if let Some(v) = map.get("packageUri") {
        if let Some(uri) = r.string(v, &at.key("packageUri"), "`packageUri`") {
            if !uri.starts_with("s3://") {
                r.report(
                    &at.key("packageUri"),
                    rules::INVALID_VALUE,
                    "`packageUri` must be an s3:// URI",
                );
            }
        }
    }
    if let Some(v) = map.get("packageFile") {
        r.non_empty_string(v, &at.key("packageFile"), "`packageFile`");
    }
    let Some(raw) = map.get("package") else {
        let reference = ["packageUri", "packageFile"]
            .into_iter()
            .find(|k| map.contains_key(k));
        match reference {
            Some(key) => r.report(
                &at.key("package"),
                rules::PACKAGE_UNRESOLVED,
                format!(
                    "the package is given by reference (`{key}`) and has not been fetched: the caller must read it and pass it inline as `package`"
                ),
            ),
            None => r.report(
                &at.key("package"),
                rules::REQUIRED,
                "`package` is required: the package inline, or `packageUri` (s3://) for one fetched before deployment",
            ),
        }
        return None;
    };
    match parse_package_json_checked(raw) {
        Ok(p) => Some(p),
        Err(problems) => {
            r.problems
                .extend(problems.0.into_iter().map(|p| prefixed("package", p)));
            None
        }
    }
}

/// prefixed places a problem found in a nested document under `prefix`.
fn prefixed(prefix: &str, mut p: Problem) -> Problem {
    p.path = match p.path.as_str() {
        "$" => prefix.to_string(),
        path if path.starts_with('[') => format!("{prefix}{path}"),
        path => format!("{prefix}.{path}"),
    };
    p
}

fn read_location<J: JsonValue>(r: &mut Reader, value: &J, at: &Place<'_>) -> Option<Location> {
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

fn report_secrets<J: JsonValue>(r: &mut Reader, value: &J, at: &Place<'_>) {
    for key in value.as_object().into_iter().flat_map(|m| m.keys()) {
        if looks_secret(key) {
            r.report(
                &at.key(key),
                rules::SECRET_IN_PROPERTIES,
                format!(
                    "`{key}` in the location would put a secret in the properties: store it in AWS Secrets Manager and give its ARN as `secretArn`"
                ),
            );
        }
    }
}

fn read_executor<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    location: Option<&Location>,
) -> Option<Executor> {
    let map = object(r, value, at, "`executor`", EXECUTOR_KEYS)?;
    let before = r.problems.len();
    let name = required_string(r, map, at, "name", "the executor's name");
    let warehouse = optional_string(r, map, at, "warehouse");
    let role = optional_string(r, map, at, "role");
    if let Some(Location::Snowflake(_)) = location {
        for key in POSTGRES_EXECUTOR_KEYS {
            if map.contains_key(key) {
                r.report(
                    &at.key(key),
                    rules::INVALID_VALUE,
                    format!(
                        "`executor.{key}` applies to PostgreSQL locations only; a Snowflake \
                         executor is a `warehouse` and a `role`"
                    ),
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
    let location_user = match location {
        Some(Location::Postgres(pg)) => pg.user.is_some(),
        _ => false,
    };
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
fn read_port<J: JsonValue>(r: &mut Reader, value: &J, at: &Place<'_>) -> Option<u16> {
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

/// `planTransformer`: `{"lambdaArn": "arn:aws:lambda:..."}` or `{"command": ["prog", "arg"]}`,
/// with an optional `timeoutSeconds`.
fn read_plan_transformer<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
) -> Option<PlanTransformerConfig> {
    let map = object(r, value, at, "`planTransformer`", TRANSFORMER_KEYS)?;
    let before = r.problems.len();
    let lambda_arn = optional_arn(r, map, at, "lambdaArn");
    if let Some(Some(arn)) = &lambda_arn {
        if !arn.starts_with("arn:aws") || !arn.contains(":lambda:") {
            r.report(
                &at.key("lambdaArn"),
                rules::INVALID_VALUE,
                "`planTransformer.lambdaArn` must be a Lambda function ARN (`arn:aws:lambda:...`)",
            );
        }
    }
    let command = match map.get("command") {
        None => Some(None),
        Some(v) => r
            .string_list(v, &at.key("command"), "`planTransformer.command`")
            .and_then(|c| {
                if c.is_empty() || c[0].trim().is_empty() {
                    r.report(
                        &at.key("command"),
                        rules::EMPTY_VALUE,
                        "`planTransformer.command` must name a program: [\"program\", \"arg\", ...]",
                    );
                    None
                } else {
                    Some(Some(c))
                }
            }),
    };
    let timeout_seconds = match map.get("timeoutSeconds") {
        None => Some(None),
        Some(v) => {
            match lenient::as_u32(v).filter(|s| PLAN_TRANSFORMER_TIMEOUT_RANGE.contains(s)) {
                Some(s) => Some(Some(s)),
                None => {
                    r.report(
                        &at.key("timeoutSeconds"),
                        rules::INVALID_VALUE,
                        format!(
                        "`planTransformer.timeoutSeconds` {} must be whole seconds from {} to {}",
                        describe_scalar(v),
                        PLAN_TRANSFORMER_TIMEOUT_RANGE.start(),
                        PLAN_TRANSFORMER_TIMEOUT_RANGE.end()
                    ),
                    );
                    None
                }
            }
        }
    };
    match (&lambda_arn, &command) {
        (Some(Some(_)), Some(Some(_))) => r.report(
            at,
            rules::INVALID_VALUE,
            "`planTransformer` names either `lambdaArn` (in the cloud) or `command` (the command line), not both",
        ),
        (Some(None), Some(None)) => r.report(
            at,
            rules::REQUIRED,
            "`planTransformer` needs `lambdaArn` (in the cloud) or `command` (the command line)",
        ),
        _ => {}
    }
    if r.problems.len() > before {
        return None;
    }
    Some(PlanTransformerConfig {
        lambda_arn: lambda_arn?,
        command: command?,
        timeout_seconds: timeout_seconds?,
    })
}

fn read_dependencies<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
) -> Option<BTreeMap<String, String>> {
    let Some(map) = value.as_object() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!(
                "`dependencies` must be an object (alias in view queries -> dataset alias or id), not {}",
                lenient::kind(value)
            ),
        );
        return None;
    };
    let before = r.problems.len();
    let mut out = BTreeMap::new();
    for (alias, target) in map.members() {
        let dat = at.key(alias);
        if !is_logical_name(alias) {
            r.report(
                &dat,
                rules::INVALID_NAME,
                format!("dependency alias `{alias}` is not a valid name: {NAME_RULE}"),
            );
        }
        if let Some(t) = r.non_empty_string(
            target,
            &dat,
            format_args!("dependency `{alias}` (a dataset alias or id)"),
        ) {
            out.insert(alias.to_string(), t);
        }
    }
    (r.problems.len() == before).then_some(out)
}

fn read_migration_options<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
) -> Option<MigrationOptions> {
    let map = object(r, value, at, "`migrationOptions`", OPTIONS_KEYS)?;
    let before = r.problems.len();
    let migration_mode = match map.get("migrationMode") {
        None => Some(MigrationMode::Synchronous {
            event_bus_arn: None,
        }),
        Some(v) => read_migration_mode(r, v, &at.key("migrationMode")),
    };
    let trigger_seeding = match map.get("triggerSeeding") {
        None => Some(false),
        Some(v) => r.bool(v, &at.key("triggerSeeding"), "`triggerSeeding`"),
    };
    let allowed_hazards = match map.get("allowedHazards") {
        None => Some(BTreeSet::new()),
        Some(v) => read_hazards(r, v, &at.key("allowedHazards")),
    };
    let lock_timeout_ms = match map.get("lockTimeoutMs") {
        None => Some(None),
        Some(v) => read_lock_timeout_ms(r, v, &at.key("lockTimeoutMs")).map(Some),
    };
    if r.problems.len() > before {
        return None;
    }
    Some(MigrationOptions {
        migration_mode: migration_mode?,
        trigger_seeding: trigger_seeding?,
        allowed_hazards: allowed_hazards?,
        lock_timeout_ms: lock_timeout_ms?,
    })
}

/// `lockTimeoutMs`: whole milliseconds in [`LOCK_TIMEOUT_MS_RANGE`], as a number or (as
/// CloudFormation sends every scalar) a string of digits.
fn read_lock_timeout_ms<J: JsonValue>(r: &mut Reader, value: &J, at: &Place<'_>) -> Option<u32> {
    match lenient::as_u32(value).filter(|ms| LOCK_TIMEOUT_MS_RANGE.contains(ms)) {
        Some(ms) => Some(ms),
        None => {
            r.report(
                at,
                rules::INVALID_VALUE,
                format!(
                    "`lockTimeoutMs` {} must be whole milliseconds from {} to {} (how long one \
                     migration statement waits for its lock before it is retried)",
                    describe_scalar(value),
                    LOCK_TIMEOUT_MS_RANGE.start(),
                    LOCK_TIMEOUT_MS_RANGE.end()
                ),
            );
            None
        }
    }
}

fn read_migration_mode<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
) -> Option<MigrationMode> {
    let map = object(r, value, at, "`migrationMode`", MODE_KEYS)?;
    let before = r.problems.len();
    let kind = match map.get("type") {
        None => Some("synchronous"),
        Some(v) => choice(
            r,
            v,
            &at.key("type"),
            "`migrationMode.type`",
            &["synchronous", "asynchronous"],
        ),
    };
    let event_bus_arn = optional_arn(r, map, at, "eventBusArn");
    let custom_event_binding = match map.get("customEventBinding") {
        None => Some(false),
        Some(v) => r.bool(v, &at.key("customEventBinding"), "`customEventBinding`"),
    };
    if kind == Some("synchronous") && custom_event_binding == Some(true) {
        r.report(
            &at.key("customEventBinding"),
            rules::INVALID_VALUE,
            "`customEventBinding` applies only to asynchronous mode: a synchronous migration runs at once, no runner receives its event",
        );
    }
    if r.problems.len() > before {
        return None;
    }
    Some(match kind? {
        "asynchronous" => MigrationMode::Asynchronous {
            event_bus_arn: event_bus_arn?,
            custom_event_binding: custom_event_binding?,
        },
        _ => MigrationMode::Synchronous {
            event_bus_arn: event_bus_arn?,
        },
    })
}

/// read_hazards reads `allowedHazards`: a list of hazard names, or one comma-separated string
/// (the form a CloudFormation `CommaDelimitedList` parameter may arrive in).
fn read_hazards<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
) -> Option<BTreeSet<Hazard>> {
    let names: Vec<(String, Place<'_>)> = match value.view() {
        View::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| (n.to_string(), *at))
            .collect(),
        View::Null | View::Bool(_) | View::Number(_) | View::Array(_) | View::Object(_) => r
            .string_list(value, at, "`allowedHazards`")?
            .into_iter()
            .enumerate()
            .map(|(i, n)| (n, at.index(i)))
            .collect(),
    };
    let before = r.problems.len();
    let mut out = BTreeSet::new();
    for (name, nat) in names {
        match Hazard::parse(&name) {
            Some(h) => {
                out.insert(h);
            }
            None => {
                let valid: Vec<&str> = Hazard::ALL.iter().map(Hazard::as_str).collect();
                let hint = Hazard::parse(&name.to_ascii_uppercase())
                    .map(|h| format!(" (did you mean `{h}`?)"))
                    .unwrap_or_default();
                r.report(
                    &nat,
                    rules::UNKNOWN_HAZARD,
                    format!(
                        "`{name}` is not a hazard{hint}; hazards: {}",
                        valid.join(", ")
                    ),
                );
            }
        }
    }
    (r.problems.len() == before).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn package() -> Value {
        json!({
            "name": "dogs", "version": "1.0.0",
            "schemas": {"Dog": {"kind": "object", "fields": {"id": {"type": "uuid"}}, "primaryKey": ["id"]}}
        })
    }

    fn spec_example() -> Value {
        json!({
            "environmentId": "e2e404529091ed2",
            "alias": "WsDevDogSrc",
            "bootstrapBucket": "sdp-bootstrap-058264526050-eu-west-1",
            "package": package(),
            "location": {
                "type": "postgres", "name": "main",
                "host": "db.example.internal", "port": 5432, "database": "app",
                "secretArn": "arn:aws:secretsmanager:eu-west-1:058264526050:secret:depot/main"
            },
            "executor": { "name": "migrations" },
            "schemaName": "ws_dev_dog_src",
            "namingStrategy": "snake_case",
            "dependencies": { "Breeds": "WsDevBreeds" },
            "migrationOptions": {
                "migrationMode": { "type": "asynchronous", "eventBusArn": "arn:aws:events:eu-west-1:1:event-bus/x", "customEventBinding": false },
                "triggerSeeding": false,
                "allowedHazards": ["DELETES_DATA"]
            },
            "removalPolicy": "retain"
        })
    }

    fn minimal() -> Value {
        json!({
            "environmentId": "e2e404529091ed2",
            "alias": "WsDevDogSrc",
            "bootstrapBucket": "bkt",
            "package": package(),
            "location": {"type": "postgres", "name": "main", "host": "h", "port": "5432", "database": "app"},
        })
    }

    fn problems(raw: Value) -> Vec<(&'static str, String)> {
        match parse_dataset(&raw) {
            Ok(d) => panic!("expected problems, parsed: {d:?}"),
            Err(ps) => ps.0.into_iter().map(|p| (p.rule, p.path)).collect(),
        }
    }

    fn set(mut raw: Value, pointer: &str, value: Value) -> Value {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        raw.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert(key.to_string(), value);
        raw
    }

    #[test]
    fn the_spec_example_parses() {
        let d = parse_dataset(&spec_example()).unwrap();
        let c = &d.config;
        assert_eq!(c.alias, "WsDevDogSrc");
        assert_eq!(c.schema_name, "ws_dev_dog_src");
        assert_eq!(c.naming_strategy, NamingStrategy::SnakeCase);
        assert_eq!(c.executor.name, "migrations");
        assert_eq!(c.dependencies["Breeds"], "WsDevBreeds");
        assert!(matches!(
            c.migration_options.migration_mode,
            MigrationMode::Asynchronous {
                custom_event_binding: false,
                ..
            }
        ));
        assert_eq!(
            c.migration_options.allowed_hazards,
            BTreeSet::from([Hazard::DeletesData])
        );
        assert_eq!(c.removal_policy, RemovalPolicy::Retain);
        let Location::Postgres(pg) = &c.location else {
            panic!("postgres")
        };
        assert_eq!(pg.port, 5432);
        assert_eq!(d.package.name, "dogs");
        assert_eq!(d.dataset_id, None);
    }

    #[test]
    fn lock_timeout_ms_is_whole_milliseconds_in_range_as_a_number_or_a_string() {
        assert_eq!(
            parse_dataset(&minimal())
                .unwrap()
                .config
                .migration_options
                .lock_timeout_ms,
            None
        );
        for (given, expected) in [
            (json!(1000), 1000),
            (json!("250"), 250),
            (json!(50), 50),
            (json!("60000"), 60_000),
        ] {
            let raw = set(
                minimal(),
                "/migrationOptions",
                json!({"lockTimeoutMs": given.clone()}),
            );
            let d = parse_dataset(&raw).unwrap_or_else(|e| panic!("{given}: {e}"));
            assert_eq!(d.config.migration_options.lock_timeout_ms, Some(expected));
        }
        for bad in [
            json!(49),
            json!("60001"),
            json!(-5),
            json!("1.5s"),
            json!(1.5),
            json!(true),
        ] {
            let raw = set(
                minimal(),
                "/migrationOptions",
                json!({"lockTimeoutMs": bad.clone()}),
            );
            let why = parse_dataset(&raw).unwrap_err().to_string();
            assert!(
                why.contains("migrationOptions") && why.contains("lockTimeoutMs"),
                "{bad}: {why}"
            );
            assert!(why.contains("from 50 to 60000"), "{bad}: {why}");
        }
    }

    #[test]
    fn defaults_follow_the_engine() {
        let d = parse_dataset(&minimal()).unwrap();
        assert_eq!(d.config.schema_name, "ws_dev_dog_src");
        assert_eq!(d.config.naming_strategy, NamingStrategy::SnakeCase);
        assert_eq!(d.config.executor.name, DEFAULT_EXECUTOR);
        assert_eq!(
            d.config.migration_options.migration_mode,
            MigrationMode::Synchronous {
                event_bus_arn: None
            }
        );
        assert!(!d.config.migration_options.trigger_seeding);
        assert_eq!(d.config.removal_policy, RemovalPolicy::Retain);

        let sf = set(
            minimal(),
            "/location",
            json!({"type": "snowflake", "name": "sf", "account": "acme-x1", "database": "DB"}),
        );
        let d = parse_dataset(&sf).unwrap();
        assert_eq!(d.config.naming_strategy, NamingStrategy::UpperSnakeCase);
        assert_eq!(d.config.schema_name, "WS_DEV_DOG_SRC");

        let preserve = set(minimal(), "/namingStrategy", json!("preserve"));
        assert_eq!(
            parse_dataset(&preserve).unwrap().config.schema_name,
            "WsDevDogSrc"
        );
    }

    #[test]
    fn cloudformation_string_scalars_are_accepted() {
        let raw = set(
            minimal(),
            "/migrationOptions",
            json!({
                "migrationMode": {"type": "asynchronous", "customEventBinding": "true"},
                "triggerSeeding": "true",
                "allowedHazards": "DELETES_DATA, INDEX_BUILD",
            }),
        );
        let d = parse_dataset(&raw).unwrap();
        let o = &d.config.migration_options;
        assert!(o.trigger_seeding);
        assert_eq!(
            o.migration_mode,
            MigrationMode::Asynchronous {
                event_bus_arn: None,
                custom_event_binding: true
            }
        );
        assert_eq!(
            o.allowed_hazards,
            BTreeSet::from([Hazard::DeletesData, Hazard::IndexBuild])
        );
    }

    #[test]
    fn cloudformation_keys_and_package_file_are_ignored() {
        let raw = set(
            minimal(),
            "/ServiceToken",
            json!("arn:aws:lambda:eu-west-1:1:function:depot"),
        );
        let raw = set(raw, "/ServiceTimeout", json!("900"));
        let raw = set(raw, "/packageFile", json!("dogs.json"));
        let raw = set(raw, "/datasetId", json!("6d9c7969f0b1"));
        let d = parse_dataset(&raw).unwrap();
        assert_eq!(d.dataset_id.as_deref(), Some("6d9c7969f0b1"));
        assert_eq!(d.config, parse_dataset(&minimal()).unwrap().config);
    }

    #[test]
    fn an_unfetched_package_reference_is_a_problem() {
        let mut raw = minimal();
        raw.as_object_mut().unwrap().remove("package");
        assert_eq!(
            problems(raw.clone()),
            [(rules::REQUIRED, "package".to_string())]
        );
        let raw = set(raw, "/packageUri", json!("s3://bucket/dogs.json"));
        assert_eq!(
            problems(raw),
            [(rules::PACKAGE_UNRESOLVED, "package".to_string())]
        );
    }

    #[test]
    fn package_problems_are_reported_under_package() {
        let raw = set(
            minimal(),
            "/package/schemas/Dog/fields/id",
            json!({"type": "uid"}),
        );
        assert_eq!(
            problems(raw),
            [(
                rules::UNKNOWN_TYPE,
                "package.schemas.Dog.fields.id.type".to_string()
            )]
        );
        let raw = set(minimal(), "/package", json!([]));
        assert_eq!(
            problems(raw),
            [(rules::WRONG_JSON_TYPE, "package".to_string())]
        );
    }

    #[test]
    fn secrets_are_refused_without_echoing_them() {
        let raw = set(minimal(), "/location/password", json!("hunter2"));
        let raw = set(raw, "/location/private_key", json!("-----BEGIN hunter3"));
        let raw = set(raw, "/apiToken", json!("hunter4"));
        let err = parse_dataset(&raw).unwrap_err();
        let got: Vec<_> = err.0.iter().map(|p| (p.rule, p.path.as_str())).collect();
        assert_eq!(
            got,
            [
                (rules::SECRET_IN_PROPERTIES, "apiToken"),
                (rules::SECRET_IN_PROPERTIES, "location.password"),
                (rules::SECRET_IN_PROPERTIES, "location.private_key"),
            ]
        );
        let text = err.to_string();
        assert!(!text.contains("hunter"), "{text}");
        assert!(text.contains("secretArn"), "{text}");
        // Even with a broken location type, a secret is caught.
        let raw = set(
            minimal(),
            "/location",
            json!({"type": "mysql", "password": "hunter5"}),
        );
        let err = parse_dataset(&raw).unwrap_err();
        assert!(err.0.iter().any(|p| p.rule == rules::SECRET_IN_PROPERTIES));
        assert!(!err.to_string().contains("hunter"));
        assert!(
            !looks_secret("secretArn")
                && !looks_secret("ServiceToken")
                && looks_secret("clientSecret")
        );
    }

    #[test]
    fn bootstrap_buckets_are_s3_bucket_names() {
        for good in [
            "bkt",
            "sdp-bootstrap-058264526050-eu-west-1",
            "a.b-c",
            "123",
            &"a".repeat(63),
        ] {
            assert_eq!(bucket_name_problem(good), None, "{good}");
        }
        for bad in [
            "../x",
            "a/b",
            "ab",
            "",
            "Bkt",
            "-bkt",
            "bkt-",
            ".bkt",
            "a..b",
            "192.168.1.1",
            "bkt_1",
            "bücket",
            "bkt\u{0}",
            &"a".repeat(64),
        ] {
            assert!(bucket_name_problem(bad).is_some(), "{bad}");
        }
        let raw = set(minimal(), "/bootstrapBucket", json!("../x"));
        assert_eq!(
            problems(raw),
            [(rules::INVALID_BUCKET, "bootstrapBucket".to_string())]
        );
    }

    #[test]
    fn ids_names_and_choices_are_checked() {
        let raw = json!({
            "environmentId": "E2E404529091ED2",
            "alias": "ws-dev",
            "bootstrapBucket": "",
            "datasetId": "6d9c",
            "package": package(),
            "location": {"type": "postgres", "name": "main", "host": "h", "port": "99999", "database": "app", "secretArn": "secret:x"},
            "executor": {"warehouse": "W"},
            "namingStrategy": "snake",
            "dependencies": {"bad-alias": "x", "Ok": ""},
            "migrationOptions": {"migrationMode": {"type": "sync", "customEventBinding": true}, "allowedHazards": ["deletes_data", "EATS_DATA"], "retries": 3},
            "removalPolicy": "Delete",
        });
        assert_eq!(
            problems(raw),
            [
                (rules::INVALID_VALUE, "environmentId".to_string()),
                (rules::INVALID_NAME, "alias".to_string()),
                (rules::EMPTY_VALUE, "bootstrapBucket".to_string()),
                (rules::INVALID_VALUE, "datasetId".to_string()),
                (rules::INVALID_VALUE, "location.port".to_string()),
                (rules::INVALID_VALUE, "location.secretArn".to_string()),
                (rules::REQUIRED, "executor.name".to_string()),
                (rules::INVALID_VALUE, "namingStrategy".to_string()),
                (rules::EMPTY_VALUE, "dependencies.Ok".to_string()),
                (
                    rules::INVALID_NAME,
                    "dependencies[\"bad-alias\"]".to_string()
                ),
                (rules::UNKNOWN_KEY, "migrationOptions.retries".to_string()),
                (
                    rules::INVALID_VALUE,
                    "migrationOptions.migrationMode.type".to_string()
                ),
                (
                    rules::UNKNOWN_HAZARD,
                    "migrationOptions.allowedHazards[0]".to_string()
                ),
                (
                    rules::UNKNOWN_HAZARD,
                    "migrationOptions.allowedHazards[1]".to_string()
                ),
                (rules::INVALID_VALUE, "removalPolicy".to_string()),
            ]
        );
    }

    #[test]
    fn messages_say_what_is_allowed() {
        let raw = set(
            minimal(),
            "/migrationOptions",
            json!({"allowedHazards": ["deletes_data"]}),
        );
        let err = parse_dataset(&raw).unwrap_err();
        assert!(
            err.0[0].message.contains("did you mean `DELETES_DATA`"),
            "{}",
            err.0[0].message
        );
        assert!(
            err.0[0].message.contains("NOT_REVERSIBLE"),
            "{}",
            err.0[0].message
        );
        let raw = set(minimal(), "/removalPolicy", json!("Destroy"));
        let err = parse_dataset(&raw).unwrap_err();
        assert!(
            err.0[0].message.contains("did you mean `destroy`"),
            "{}",
            err.0[0].message
        );
        let raw = set(minimal(), "/location/type", json!("oracle"));
        let err = parse_dataset(&raw).unwrap_err();
        assert_eq!(err.0.len(), 1, "{err}");
        assert!(
            err.0[0].message.contains("postgres, snowflake"),
            "{}",
            err.0[0].message
        );
        let raw = set(
            minimal(),
            "/migrationOptions",
            json!({"migrationMode": {"customEventBinding": true}}),
        );
        let err = parse_dataset(&raw).unwrap_err();
        assert!(
            err.0[0].message.contains("only to asynchronous"),
            "{}",
            err.0[0].message
        );
    }

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
        let e = parse_dataset(&raw).unwrap().config.executor;
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
        assert!(parse_dataset(&raw).unwrap().config.executor.iam_auth);
    }

    #[test]
    fn executor_settings_are_part_of_the_version_hash_and_absent_ones_change_nothing() {
        let hash = |raw: &Value| {
            let d = parse_dataset(raw).unwrap();
            crate::hash::version_hash(&d.config, &d.package)
        };
        let plain = with_executor(json!({"name": "migrations"}));
        let base = hash(&plain);
        // The hash of a dataset without the new settings is what it always was: the
        // configuration serializes without them.
        let config = serde_json::to_value(parse_dataset(&plain).unwrap().config).unwrap();
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
        let err = parse_dataset(&with_executor(json!({"name": "m", "iamAuth": true})))
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
        let err = parse_dataset(&sf).unwrap_err();
        assert_eq!(err.0.len(), 1, "{err}");
        assert_eq!(err.0[0].path, "executor.user");
        assert!(
            err.0[0].message.contains("PostgreSQL locations only"),
            "{err}"
        );
    }

    #[test]
    fn a_plan_transformer_is_a_lambda_or_a_command_and_part_of_the_hash() {
        let hash = |raw: &Value| {
            let d = parse_dataset(raw).unwrap();
            crate::hash::version_hash(&d.config, &d.package)
        };
        let lambda = set(
            minimal(),
            "/planTransformer",
            json!({"lambdaArn": "arn:aws:lambda:eu-west-1:123456789012:function:adjust"}),
        );
        let local = set(
            minimal(),
            "/planTransformer",
            json!({"command": ["./adjust.py", "--analyze"], "timeoutSeconds": "10"}),
        );
        let t = parse_dataset(&local)
            .unwrap()
            .config
            .plan_transformer
            .unwrap();
        assert_eq!(t.command.as_deref().unwrap(), ["./adjust.py", "--analyze"]);
        assert_eq!(t.timeout(), std::time::Duration::from_secs(10));
        let base = hash(&minimal());
        assert_ne!(hash(&lambda), base);
        assert_ne!(hash(&local), base);
        assert_ne!(hash(&lambda), hash(&local));
        // Without one, the configuration is what it was.
        let config = serde_json::to_value(parse_dataset(&minimal()).unwrap().config).unwrap();
        assert!(config.get("planTransformer").is_none());
    }

    #[test]
    fn bad_plan_transformers_are_named() {
        for (transformer, path) in [
            (json!({}), "planTransformer"),
            (
                json!({"lambdaArn": "arn:aws:lambda:eu-west-1:1:function:f", "command": ["x"]}),
                "planTransformer",
            ),
            (json!({"command": []}), "planTransformer.command"),
            (json!({"command": "adjust.py"}), "planTransformer.command"),
            (json!({"lambdaArn": "adjust"}), "planTransformer.lambdaArn"),
            (
                json!({"lambdaArn": "arn:aws:sqs:eu-west-1:1:q"}),
                "planTransformer.lambdaArn",
            ),
            (
                json!({"command": ["x"], "timeoutSeconds": 901}),
                "planTransformer.timeoutSeconds",
            ),
            (
                json!({"command": ["x"], "retries": 2}),
                "planTransformer.retries",
            ),
        ] {
            let raw = set(minimal(), "/planTransformer", transformer.clone());
            let got = problems(raw);
            assert_eq!(got.len(), 1, "{transformer}: {got:?}");
            assert_eq!(got[0].1, path, "{transformer}: {got:?}");
        }
    }
}
