//! The data-driven package pairs of tests/pairs, run on the emulator: deploy old.json, add
//! rows, migrate to new.json; the migrated schema must equal new.json deployed fresh, and every
//! row must survive. Pairs whose plans use statements fakesnow (DuckDB) cannot run are listed
//! in EMULATOR_CANNOT_RUN with the reason; the test checks that they do fail here (so the list
//! stays true), and tests/render.rs snapshots their SQL. The drift check finds nothing after
//! either deploy.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use depot_core::physical::PhysicalModel;
use depot_core::resolve::resolve;
use depot_core::FieldType;
use depot_deploy::{DriftCheck, LocationSession};
use depot_snowflake::dialect::quote_ident;
use depot_snowflake::{SnowflakeDialect, SnowflakeSession};
use serde_json::Value;

use crate::support::{Env, NAMESPACE};

/// Pairs fakesnow cannot run, and why.
const EMULATOR_CANNOT_RUN: &[(&str, &str)] = &[
    (
        "add_not_null_column_with_default",
        "ADD COLUMN ... NOT NULL DEFAULT: DuckDB cannot add a NOT NULL column",
    ),
    ("change_primary_key", "ALTER TABLE ... DROP PRIMARY KEY"),
    (
        "index_keys",
        "ALTER TABLE ... DROP CONSTRAINT of a UNIQUE key: DuckDB keeps the key, so declaring it again fails",
    ),
    (
        "set_default",
        "the column copy's EXECUTE IMMEDIATE block (Snowflake Scripting)",
    ),
    (
        "widen_decimal",
        "the column copy's EXECUTE IMMEDIATE block (Snowflake Scripting)",
    ),
    (
        "array_fields",
        "ADD COLUMN ... NOT NULL DEFAULT: DuckDB cannot add a NOT NULL column",
    ),
    (
        "expression_defaults",
        "a column named AT: fakesnow's parser takes it for a keyword",
    ),
    (
        "index_options",
        "a column named AT: fakesnow's parser takes it for a keyword",
    ),
    (
        "narrowing",
        "the column copy's EXECUTE IMMEDIATE block (Snowflake Scripting)",
    ),
    (
        "materialized_view",
        "DROP MATERIALIZED VIEW: DuckDB has no materialized views, and fakesnow fails the drop",
    ),
    (
        "rename_materialized_view",
        "ALTER MATERIALIZED VIEW ... RENAME TO: fakesnow's parser has no such statement",
    ),
];

/// Pairs whose packages Snowflake refuses at validation (SPEC §1b features it cannot hold), and
/// the feature: the test checks that each is refused with the engine's reason (rule
/// `engine-feature`), before anything is deployed.
const SNOWFLAKE_REFUSES: &[(&str, &str)] = &[
    ("add_check", "checks"),
    ("add_computed_field", "computed fields"),
    ("auto_increment", "autoIncrement: always"),
    ("comments", "checks"),
    ("described_things_rebuilt", "checks"),
    ("drop_check_and_foreign_key", "checks"),
];

fn pairs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pairs")
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub(crate) fn model(env: &Env, package: &Value) -> PhysicalModel {
    resolve(&env.dataset(package), &SnowflakeDialect, &BTreeMap::new()).unwrap()
}

/// A value of `field_type` for row `i` as a Snowflake expression, unique per column.
fn sample(field_type: &FieldType, i: usize) -> String {
    match field_type {
        FieldType::String { max_length } => {
            let s = format!("v{i}");
            let s = match max_length {
                Some(n) if s.len() > *n as usize => s[s.len() - *n as usize..].to_string(),
                _ => s,
            };
            format!("'{s}'")
        }
        FieldType::Integer | FieldType::Bigint => format!("{}", i + 1),
        FieldType::Decimal { precision, scale } => {
            if precision > scale {
                format!("{}", (i + 1) % 10)
            } else {
                format!("0.{}", (i + 1) % 10)
            }
        }
        FieldType::Double => format!("{}.5", i + 1),
        FieldType::Boolean => i.is_multiple_of(2).to_string().to_uppercase(),
        FieldType::Date => format!("'2020-01-{:02}'::DATE", i % 28 + 1),
        FieldType::Time => format!("'10:00:{:02}'::TIME", i % 60),
        FieldType::Timestamp => format!("'2020-01-01 00:00:{:02}'::TIMESTAMP_NTZ", i % 60),
        FieldType::Timestamptz => format!("'2020-01-01 00:00:{:02} +00:00'::TIMESTAMP_TZ", i % 60),
        FieldType::Json => format!("PARSE_JSON('{{\"n\": {i}}}')"),
        FieldType::Uuid => format!("'00000000-0000-4000-8000-{:012}'", i + 1),
        FieldType::Binary => format!("TO_BINARY('{:02x}', 'HEX')", i % 256),
        FieldType::Array { items } => format!("ARRAY_CONSTRUCT({})", sample(items, i)),
        // A VARCHAR on Snowflake, which does not check the values.
        FieldType::Enum { .. } => format!("'v{i}'"),
    }
}

async fn insert_rows(session: &SnowflakeSession, model: &PhysicalModel, n: usize) {
    for object in model.objects.values() {
        let columns: Vec<String> = object
            .columns
            .iter()
            .map(|c| quote_ident(&c.physical))
            .collect();
        for i in 0..n {
            let values: Vec<String> = object
                .columns
                .iter()
                .map(|c| sample(&c.field_type, i))
                .collect();
            // INSERT ... SELECT: Snowflake takes no function calls (PARSE_JSON) in VALUES.
            let sql = format!(
                "INSERT INTO {}.{} ({}) SELECT {}",
                quote_ident(&model.namespace),
                quote_ident(&object.physical),
                columns.join(", "),
                values.join(", ")
            );
            session
                .client()
                .execute(&sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
}

/// The columns of the namespace: table -> {(column, type, precision, scale, nullable)}.
pub(crate) async fn shape(
    session: &SnowflakeSession,
) -> BTreeMap<String, BTreeSet<Vec<Option<String>>>> {
    let rows = session
        .client()
        .query(&format!(
            "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, NUMERIC_PRECISION::VARCHAR, \
             NUMERIC_SCALE::VARCHAR, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS \
             WHERE TABLE_SCHEMA = '{NAMESPACE}'"
        ))
        .await
        .unwrap();
    let mut out: BTreeMap<String, BTreeSet<Vec<Option<String>>>> = BTreeMap::new();
    for row in rows {
        let table = row[0].clone().unwrap_or_default();
        out.entry(table).or_default().insert(row[1..].to_vec());
    }
    out
}

pub(crate) async fn row_counts(
    session: &SnowflakeSession,
    model: &PhysicalModel,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for object in model.objects.values() {
        let rows = session
            .client()
            .query(&format!(
                "SELECT COUNT(*)::VARCHAR FROM {}.{}",
                quote_ident(&model.namespace),
                quote_ident(&object.physical)
            ))
            .await
            .unwrap();
        out.insert(
            object.logical.clone(),
            rows[0][0].clone().unwrap_or_default(),
        );
    }
    out
}

/// The drift check never cries wolf: a schema as deployed or migrated matches its model.
async fn no_drift(
    session: &mut SnowflakeSession,
    expected: &PhysicalModel,
    when: &str,
) -> Result<(), String> {
    match session.check_drift(expected).await {
        Ok(DriftCheck::Compared(drift)) if drift.is_empty() => Ok(()),
        other => Err(format!("{when}: false drift: {other:?}")),
    }
}

/// Runs one pair of tests/pairs; Err says where it failed.
async fn run_pair(name: &str) -> Result<(), String> {
    let dir = pairs_dir().join(name);
    let (old, new) = (read(&dir.join("old.json")), read(&dir.join("new.json")));
    migrate_pair(name, &old, &new).await
}

/// Rows added to every table of old.json before the migration.
const ROWS: usize = 3;

/// Deploys `old`, adds rows, migrates to `new`: the migrated schema must equal `new` deployed
/// fresh, every row must survive and the drift check must find nothing after either deploy.
/// Err says which deploy failed; a differing schema or a lost row panics, naming `name`.
pub(crate) async fn migrate_pair(name: &str, old: &Value, new: &Value) -> Result<(), String> {
    let env = Env::new();
    let mut session = env.session().await;
    env.deployer()
        .deploy(&mut session, &env.dataset(old))
        .await
        .map_err(|e| format!("deploying old.json: {e}"))?;
    let old_model = model(&env, old);
    no_drift(&mut session, &old_model, "old.json deployed").await?;
    insert_rows(&session, &old_model, ROWS).await;
    let before = row_counts(&session, &old_model).await;
    env.deployer()
        .deploy(&mut session, &env.dataset(new))
        .await
        .map_err(|e| format!("migrating to new.json: {e}"))?;
    no_drift(&mut session, &model(&env, new), "migrated to new.json").await?;
    let migrated = shape(&session).await;

    let fresh_env = Env::new();
    let mut fresh = fresh_env.session().await;
    fresh_env
        .deployer()
        .deploy(&mut fresh, &fresh_env.dataset(new))
        .await
        .map_err(|e| format!("deploying new.json fresh: {e}"))?;
    let expected = shape(&fresh).await;
    assert_eq!(
        migrated, expected,
        "{name}: the migrated schema differs from a fresh deploy"
    );

    // Rows survive in every table that continues one of old.json (by name or previous name).
    let new_model = model(&env, new);
    let after = row_counts(&session, &new_model).await;
    for object in new_model.objects.values() {
        let source = std::iter::once(&object.logical)
            .chain(object.previous_names.iter())
            .find_map(|n| before.get(n));
        if let Some(count) = source {
            assert_eq!(
                after.get(&object.logical),
                Some(count),
                "{name}: rows of {}",
                object.logical
            );
        }
    }
    Ok(())
}

#[tokio::test]
async fn every_pair_the_emulator_can_run_migrates_to_the_fresh_schema_and_keeps_its_rows() {
    let cannot: BTreeMap<&str, &str> = EMULATOR_CANNOT_RUN.iter().copied().collect();
    let refused: BTreeMap<&str, &str> = SNOWFLAKE_REFUSES.iter().copied().collect();
    let mut names: Vec<String> = std::fs::read_dir(pairs_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(
        names.len() >= 28,
        "the pairs folder holds {} pairs",
        names.len()
    );
    let mut problems = Vec::new();
    let mut ran = 0;
    for name in &names {
        let result = run_pair(name).await;
        if let Some(feature) = refused.get(name.as_str()) {
            match result {
                Err(e) if e.contains("invalid dataset") && e.contains("[engine-feature]") => {}
                other => problems.push(format!(
                    "{name}: Snowflake should refuse its {feature} at validation: {other:?}"
                )),
            }
            continue;
        }
        match (result, cannot.get(name.as_str())) {
            (Ok(()), None) => ran += 1,
            (Err(e), None) => problems.push(format!("{name}: {e}")),
            (Ok(()), Some(_)) => problems.push(format!(
                "{name} now runs on the emulator: remove it from EMULATOR_CANNOT_RUN"
            )),
            (Err(_), Some(_)) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    eprintln!(
        "{ran} pairs ran on the emulator; {} are snapshot-only",
        cannot.len()
    );
}
