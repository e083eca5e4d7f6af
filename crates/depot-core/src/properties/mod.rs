//! Dataset properties parsing (SPEC §2): raw properties (scalars as strings or JSON scalars)
//! into a normalized [`Dataset`]. The package must be inline under `package` by now; callers
//! resolve `packageFile`/`packageUri` before.
//!
//! The engines a dataset may live on are the reader's [`Engines`]: a location's `type` names
//! one, whose [`crate::engine::EnginePlugin`] says the location's keys, what its executor takes
//! and its default naming strategy.
//!
//! Defaults filled in: `executor` `{"name": "default"}`; `namingStrategy` the engine's
//! ([`crate::Dialect::default_naming`]); `schemaName` the naming strategy
//! applied to the alias; `migrationMode` synchronous; `triggerSeeding` false; `allowedHazards`
//! none; `removalPolicy` retain. CloudFormation's own keys (`ServiceToken`, `ServiceTimeout`)
//! and the package references (`packageUri`, `packageFile`) are not part of the configuration.
//!
//! Secrets never belong here: a key that would hold one (`password`, `privateKey`, `token`,
//! ...) is refused without its value ever appearing in a message.
//!
//! One concept per file: `scalars.rs` (the readers the others share), `secrets.rs`,
//! `bucket.rs`, `package_source.rs`, `location.rs`, `executor.rs` (with endpoints and ports),
//! `transformer.rs` (`planTransformer`), `dependencies.rs` and `migration_options.rs`; this file
//! reads the top level and fills in the defaults.

mod bucket;
mod dependencies;
mod executor;
mod location;
mod migration_options;
mod package_source;
mod scalars;
mod secrets;
#[cfg(test)]
mod test_support;
mod transformer;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::dataset::{
    Dataset, DatasetConfig, Executor, MigrationMode, MigrationOptions, RemovalPolicy,
};
use crate::engine::Engines;
use crate::json::{JsonObject, JsonValue};
use crate::naming::NamingStrategy;
use crate::nul::report_nul_characters;
use crate::problem::Problems;
use crate::reader::{describe_scalar, Place, Reader};
use crate::rules;
use crate::validate::{is_logical_name, NAME_RULE};

pub use bucket::bucket_name_problem;

use dependencies::read_dependencies;
use executor::read_executor;
use location::read_location;
use migration_options::read_migration_options;
use package_source::read_package;
use scalars::{choice, hex_id, object, required_string};
use transformer::read_plan_transformer;

/// Parses dataset properties, package included, for a location on one of `engines`. Reports
/// every problem at once.
pub fn parse_dataset(raw: &Value, engines: &Engines<'_>) -> Result<Dataset, Problems> {
    parse_dataset_json(raw, engines)
}

/// [`parse_dataset`] of any JSON input: a `Value`, or a [`crate::borrowed_json::BorrowedJson`]
/// parsed straight from the text (the cheaper way from a dataset file's text).
pub fn parse_dataset_json<J: JsonValue>(
    raw: &J,
    engines: &Engines<'_>,
) -> Result<Dataset, Problems> {
    let mut r = Reader::default();
    report_nul_characters(&mut r, raw, &Place::root());
    let dataset = read_dataset(&mut r, raw, engines);
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
    "unenforcedChecks",
    "ServiceToken",
    "ServiceTimeout",
];

/// read_dataset reads the top level, each part by its own reader, and fills in the defaults.
fn read_dataset<J: JsonValue>(r: &mut Reader, raw: &J, engines: &Engines<'_>) -> Option<Dataset> {
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
    let types = engines
        .ids()
        .iter()
        .map(|id| id.as_str().to_string())
        .collect::<Vec<_>>()
        .join(" or ");
    let location = r
        .required(
            map,
            &at,
            "location",
            format_args!("where the dataset lives (type {types})"),
        )
        .and_then(|v| read_location(r, v, &at.key("location"), engines));
    // The location's engine: the reader found it among `engines`.
    let engine = location
        .as_ref()
        .and_then(|l| Some((l, engines.find(l.engine().as_str())?)));
    let executor = match map.get("executor") {
        None => Some(Executor::named(DEFAULT_EXECUTOR)),
        Some(v) => read_executor(
            r,
            v,
            &at.key("executor"),
            engine.map(|(l, plugin)| (l, plugin.executor_rules())),
        ),
    };
    let naming_strategy = match map.get("namingStrategy") {
        None => engine.map(|(_, plugin)| plugin.default_naming()),
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
    // Only one value: the key exists to make ignoring Snowflake's missing CHECK a choice
    // written down, never a default.
    let ignore_unenforced_checks = match map.get("unenforcedChecks") {
        None => Some(false),
        Some(v) => choice(
            r,
            v,
            &at.key("unenforcedChecks"),
            "`unenforcedChecks` (leave it out to refuse checks an engine cannot enforce)",
            &["ignore"],
        )
        .map(|_| true),
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
            ignore_unenforced_checks: ignore_unenforced_checks?,
        },
        package: package?,
        dataset_id: dataset_id?,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::json;

    use super::*;
    use crate::hazard::Hazard;
    use crate::properties::test_support::{minimal, package, problems, set, spec_example};
    use crate::view::test_dialect::TEST_ENGINES;

    #[test]
    fn the_spec_example_parses() {
        let d = parse_dataset(&spec_example(), &TEST_ENGINES).unwrap();
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
        assert_eq!(c.location.engine().as_str(), "postgres");
        assert_eq!(
            c.location.setting("port"),
            Some(&crate::location::Setting::Number(5432))
        );
        assert_eq!(d.package.name, "dogs");
        assert_eq!(d.dataset_id, None);
    }

    #[test]
    fn defaults_follow_the_engine() {
        let d = parse_dataset(&minimal(), &TEST_ENGINES).unwrap();
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
        let d = parse_dataset(&sf, &TEST_ENGINES).unwrap();
        assert_eq!(d.config.naming_strategy, NamingStrategy::UpperSnakeCase);
        assert_eq!(d.config.schema_name, "WS_DEV_DOG_SRC");

        let preserve = set(minimal(), "/namingStrategy", json!("preserve"));
        assert_eq!(
            parse_dataset(&preserve, &TEST_ENGINES)
                .unwrap()
                .config
                .schema_name,
            "WsDevDogSrc"
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
        let d = parse_dataset(&raw, &TEST_ENGINES).unwrap();
        assert_eq!(d.dataset_id.as_deref(), Some("6d9c7969f0b1"));
        assert_eq!(
            d.config,
            parse_dataset(&minimal(), &TEST_ENGINES).unwrap().config
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
    fn unenforced_checks_accepts_only_ignore() {
        assert!(
            !parse_dataset(&minimal(), &TEST_ENGINES)
                .unwrap()
                .config
                .ignore_unenforced_checks
        );
        let raw = set(minimal(), "/unenforcedChecks", json!("ignore"));
        assert!(
            parse_dataset(&raw, &TEST_ENGINES)
                .unwrap()
                .config
                .ignore_unenforced_checks
        );
        let raw = set(minimal(), "/unenforcedChecks", json!("enforce"));
        let err = parse_dataset(&raw, &TEST_ENGINES).unwrap_err();
        assert_eq!(
            (err.0.len(), err.0[0].rule, err.0[0].path.as_str()),
            (1, rules::INVALID_VALUE, "unenforcedChecks")
        );
        assert!(err.0[0].message.contains("ignore"), "{}", err.0[0].message);
    }

    #[test]
    fn messages_say_what_is_allowed() {
        let raw = set(
            minimal(),
            "/migrationOptions",
            json!({"allowedHazards": ["deletes_data"]}),
        );
        let err = parse_dataset(&raw, &TEST_ENGINES).unwrap_err();
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
        let err = parse_dataset(&raw, &TEST_ENGINES).unwrap_err();
        assert!(
            err.0[0].message.contains("did you mean `destroy`"),
            "{}",
            err.0[0].message
        );
        let raw = set(minimal(), "/location/type", json!("oracle"));
        let err = parse_dataset(&raw, &TEST_ENGINES).unwrap_err();
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
        let err = parse_dataset(&raw, &TEST_ENGINES).unwrap_err();
        assert!(
            err.0[0].message.contains("only to asynchronous"),
            "{}",
            err.0[0].message
        );
    }
}
