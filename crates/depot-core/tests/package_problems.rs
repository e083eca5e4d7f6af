//! Data-driven checks of validation and resolution. Every package under `tests/data/invalid`
//! and every dataset under `tests/data/invalid-datasets` must fail, and their problem lists (all
//! of them at once: those of reading, then those of resolving what is sound) are snapshotted (`tests/snapshots/package_problems__*.snap`); every package under
//! `tests/data/valid` must resolve, and its physical model is snapshotted.
//!
//! Packages are deployed as a PostgreSQL dataset (alias `WsDevDogSrc`) with one dependency,
//! `Breeds`, whose deployed metadata has an object `Breed {id, breedName}`.

#[path = "common/engines.rs"]
mod engines;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use depot_core::dialect::{Dialect, EngineId, RenderContext, RenderError, StepDraft};
use depot_core::naming::NamingStrategy;
use depot_core::physical::{DependencyModel, Metadata, PhysicalModel, SchemaMetadata};
use depot_core::properties::parse_dataset;
use depot_core::resolve::{place_in_input, resolve, resolve_salvage};
use depot_core::validate::parse_package_salvaging;
use depot_core::{Change, Problems};
use engines::TEST_ENGINES;
use serde_json::{json, Value};

/// PgLike has PostgreSQL's identifier rules (63 bytes, lowercase unquoted, a few reserved
/// words) without depending on the engine crate.
struct PgLike;

const RESERVED: &[&str] = &["order", "user", "select", "from", "where", "table", "group"];

impl Dialect for PgLike {
    fn engine(&self) -> EngineId {
        EngineId::new("postgres")
    }
    fn default_naming(&self) -> NamingStrategy {
        NamingStrategy::SnakeCase
    }
    fn max_identifier_bytes(&self) -> usize {
        63
    }
    fn quote_ident(&self, ident: &str) -> String {
        let plain = ident.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && ident
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !RESERVED.contains(&ident);
        if plain {
            ident.to_string()
        } else {
            format!("\"{}\"", ident.replace('"', "\"\""))
        }
    }
    fn quoted_ident(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }
    fn string_literal(&self, value: &str) -> Option<String> {
        (!value.contains('\0')).then(|| format!("'{}'", value.replace('\'', "''")))
    }
    fn parser_dialect(&self) -> &dyn sqlparser::dialect::Dialect {
        &sqlparser::dialect::PostgreSqlDialect {}
    }
    fn render(&self, change: &Change, _: &RenderContext) -> Result<Vec<StepDraft>, RenderError> {
        Err(RenderError {
            target: change.target(),
            message: "not rendered in these tests".into(),
        })
    }
}

fn dependencies() -> BTreeMap<String, DependencyModel> {
    BTreeMap::from([(
        "Breeds".to_string(),
        Metadata {
            namespace: "ws_dev_breeds".into(),
            schemas: BTreeMap::from([(
                "Breed".to_string(),
                SchemaMetadata {
                    object: "breed".into(),
                    fields: BTreeMap::from([
                        ("id".to_string(), "id".to_string()),
                        ("breedName".to_string(), "breed_name".to_string()),
                    ]),
                },
            )]),
        },
    )])
}

fn dataset_of(package: Value) -> Value {
    json!({
        "environmentId": "e2e404529091ed2",
        "alias": "WsDevDogSrc",
        "bootstrapBucket": "sdp-bootstrap-058264526050-eu-west-1",
        "location": {"type": "postgres", "name": "main", "host": "db", "port": "5432", "database": "app"},
        "dependencies": {"Breeds": "WsDevBreeds"},
        "package": package,
    })
}

/// check parses dataset properties and resolves them, as deployment does. When the package
/// has problems, the sound part of it is resolved too, as `depot validate` does: its problems
/// come after those of reading the package.
fn check(raw: &Value) -> Result<PhysicalModel, Problems> {
    let mut problems = match parse_dataset(raw, &TEST_ENGINES) {
        Ok(dataset) => {
            return resolve(&dataset, &PgLike, &dependencies()).map_err(|mut problems| {
                // Entries of sorted lists are placed where the input has them.
                place_in_input(&mut problems.0, &dataset.package, &raw["package"]);
                problems
            });
        }
        Err(problems) => problems,
    };
    let Some(package) = raw.get("package") else {
        return Err(problems);
    };
    if let Err((_, Some(salvage))) = parse_package_salvaging(package) {
        // The dataset's configuration, read beside a package that parses.
        let mut config = raw.clone();
        config["package"] = json!({"name": "probe", "version": "0", "schemas": {}});
        if let Ok(probe) = parse_dataset(&config, &TEST_ENGINES) {
            problems.0.extend(resolve_salvage(
                &salvage,
                package,
                &probe.config,
                &PgLike,
                &dependencies(),
            ));
        }
    }
    Err(problems)
}

fn files(folder: &str) -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(folder);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no case in {}", dir.display());
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_stem().unwrap().to_string_lossy().into_owned(), value)
        })
        .collect()
}

/// expect_problems snapshots the problems of each case; a case that passes is a failure that
/// points to the valid folder, where it belongs.
fn expect_problems(folder: &str, wrap: fn(Value) -> Value) {
    for (name, raw) in files(folder) {
        match check(&wrap(raw)) {
            Ok(_) => panic!("tests/data/{folder}/{name}.json has no problem: if that is right, move it to tests/data/valid"),
            Err(problems) => {
                for p in &problems.0 {
                    assert!(!p.message.is_empty() && !p.path.is_empty(), "{name}: {p:?}");
                }
                insta::assert_json_snapshot!(format!("{folder}__{name}"), problems);
            }
        }
    }
}

#[test]
fn invalid_packages_report_every_problem() {
    expect_problems("invalid", dataset_of);
}

#[test]
fn invalid_datasets_report_every_problem() {
    expect_problems("invalid-datasets", |raw| raw);
}

#[test]
fn secrets_never_appear_in_messages() {
    let (_, raw) = files("invalid-datasets")
        .into_iter()
        .find(|(n, _)| n == "secrets")
        .unwrap();
    let text = check(&raw).unwrap_err().to_string();
    for secret in ["correct-horse", "ghp_", "BEGIN PRIVATE"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

/// Valid packages resolve (a failure lists the problems, as the invalid cases' snapshots do).
#[test]
fn valid_packages_resolve() {
    for (name, raw) in files("valid") {
        match check(&dataset_of(raw)) {
            Ok(model) => insta::assert_json_snapshot!(format!("valid__{name}"), model),
            Err(problems) => panic!("tests/data/valid/{name}.json should resolve, but: {problems}"),
        }
    }
}

#[test]
fn valid_packages_normalize_their_literals() {
    let (_, raw) = files("valid")
        .into_iter()
        .find(|(n, _)| n == "every-type")
        .unwrap();
    let dataset = parse_dataset(&dataset_of(raw), &TEST_ENGINES).unwrap();
    let normalized = serde_json::to_value(&dataset.package).unwrap();
    insta::assert_json_snapshot!(
        "valid__every-type__normalized",
        normalized["schemas"]["Everything"]["fields"]
    );
}
