//! Snapshots of the Snowflake SQL of every package pair of tests/pairs (old -> new) and of a
//! package deployed from nothing, as the plan preview shows them. These cover the statements
//! the emulator cannot run (tests/emulator/pairs.rs lists them): ADD COLUMN ... NOT NULL
//! DEFAULT, DROP PRIMARY KEY, the column copy's EXECUTE IMMEDIATE block, and the admin and
//! lease statements fakesnow runs only in part.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use depot_core::assemble::{plan_migration, PlanHeader};
use depot_core::preview::render_text;
use depot_core::properties::parse_dataset;
use depot_core::resolve::resolve;
use depot_core::PhysicalModel;
use depot_snowflake::SnowflakeDialect;
use serde_json::{json, Value};

fn model(package: &Value) -> Result<PhysicalModel, String> {
    let properties = json!({
        "environmentId": "e2e404529091ed2", "alias": "Pairs", "bootstrapBucket": "b-test",
        "package": package,
        "location": {"type": "snowflake", "name": "sf", "account": "acme-x1", "database": "ANALYTICS"},
        "schemaName": "pairs",
    });
    let dataset = parse_dataset(
        &properties,
        &depot_core::engine::Engines::new(&[&SnowflakeDialect]),
    )
    .unwrap_or_else(|p| panic!("{p}"));
    resolve(&dataset, &SnowflakeDialect, &BTreeMap::new()).map_err(|p| p.to_string())
}

fn header(from: Option<&str>) -> PlanHeader {
    PlanHeader {
        migration_id: "01967b85-dd5c-7306-b067-0a06ab34d6ae".to_string(),
        environment_id: "e2e404529091ed2".to_string(),
        dataset_id: "6d9c7969f0b1".to_string(),
        dataset_alias: "Pairs".to_string(),
        from_version: from.map(str::to_string),
        to_version: "b".repeat(64),
        created_at: "2025-04-28T08:31:33.816Z".to_string(),
    }
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_pair_renders_snowflake_sql() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pairs");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    for name in names {
        let old = model(&read(&dir.join(&name).join("old.json")));
        let new = model(&read(&dir.join(&name).join("new.json")));
        // A package Snowflake cannot hold (checks, computed fields, ...) is refused at
        // validation, before any plan: the snapshot shows the reason.
        let (old, new) = match (old, new) {
            (Ok(old), Ok(new)) => (old, new),
            (Err(refused), _) | (_, Err(refused)) => {
                insta::assert_snapshot!(
                    format!("pair_{name}"),
                    format!("refused at validation: {refused}")
                );
                continue;
            }
        };
        let text = match plan_migration(
            &SnowflakeDialect,
            Some(&old),
            &new,
            header(Some(&"a".repeat(64))),
        ) {
            Ok(plan) => {
                assert!(plan.phases.iter().all(|p| !p.transactional), "{name}");
                assert_each_step_is_one_statement(&name, &plan);
                render_text(&plan)
            }
            Err(refused) => format!("refused: {refused}"),
        };
        insta::assert_snapshot!(format!("pair_{name}"), text);
    }
}

/// The client sends a text only when it is one statement (`one_statement`), and fakesnow cannot
/// run every statement Depot renders (Snowflake Scripting blocks): each rendered step is checked
/// here instead. A step that is only a comment (an index Snowflake does not have) is not sent.
fn assert_each_step_is_one_statement(name: &str, plan: &depot_core::Plan) {
    use depot_snowflake::one_statement::{one_statement, NotOneStatement};
    for (_, step) in plan.steps() {
        let Some(sql) = step.sql.as_deref() else {
            continue;
        };
        match one_statement(sql) {
            Ok(()) => {}
            Err(NotOneStatement::Empty { .. }) if sql.trim_start().starts_with("--") => {}
            Err(e) => panic!("{name}: step {}: {e}", step.id),
        }
    }
}

#[test]
fn a_package_from_nothing_renders_tables_notes_and_views() {
    let package = json!({
        "name": "dogs", "version": "1.0.0",
        "schemas": {
            "Dog": {"kind": "object", "fields": {
                "id": {"type": "uuid"},
                "name": {"type": "string", "maxLength": 200},
                "birthDate": {"type": "date", "nullable": true},
                "weightKg": {"type": "decimal", "precision": 6, "scale": 2, "nullable": true},
                "vaccinated": {"type": "boolean", "default": false},
                "notes": {"type": "json", "nullable": true},
                "chip": {"type": "binary", "nullable": true},
                "seenAt": {"type": "timestamptz", "nullable": true},
                "order": {"type": "integer", "default": 1}
            }, "primaryKey": ["id"],
            "indexes": [{"name": "byName", "fields": ["name"]}, {"name": "byChip", "fields": ["chip"], "unique": true}]},
            "VaccinatedDog": {"kind": "view", "query": "SELECT id, name, birthDate FROM Dog WHERE vaccinated"}
        }
    });
    let plan = plan_migration(
        &SnowflakeDialect,
        None,
        &model(&package).unwrap(),
        header(None),
    )
    .unwrap();
    assert_each_step_is_one_statement("from nothing", &plan);
    insta::assert_snapshot!(render_text(&plan));
}

#[test]
fn admin_and_lease_statements() {
    for statement in depot_snowflake::admin::admin_ddl() {
        depot_snowflake::one_statement::one_statement(&statement).unwrap_or_else(|e| panic!("{e}"));
    }
    let mut text = depot_snowflake::admin::admin_ddl().join(";\n\n");
    text.push_str(";\n\n");
    text.push_str(&depot_snowflake::lease::take_sql(
        "6d9c7969f0b1",
        "holder-1",
        Duration::from_secs(1800),
    ));
    insta::assert_snapshot!(text);
}

/// integer -> bigint is a NUMBER given more precision, which Snowflake makes in place and which
/// keeps the column's default: the unchanged default is not set again, so the column is not
/// copied (no rewrite of the table, no EXECUTE IMMEDIATE block), and the plan is the one
/// statement, with nothing to undo (Snowflake cannot narrow it back in place).
#[test]
fn an_in_place_widening_keeps_the_default_without_copying_the_column() {
    let with = |t: &str| {
        json!({"name": "widen", "version": "1.0.0", "schemas": {"T1": {
            "kind": "object", "primaryKey": ["id"],
            "fields": {"id": {"type": "bigint"}, "a1": {"type": t, "default": 7}}}}})
    };
    let old = model(&with("integer")).unwrap();
    let new = model(&with("bigint")).unwrap();
    let plan = plan_migration(
        &SnowflakeDialect,
        Some(&old),
        &new,
        header(Some(&"a".repeat(64))),
    )
    .unwrap();
    let steps: Vec<_> = plan.steps().map(|(_, s)| s).collect();
    assert_eq!(steps.len(), 1, "{}", render_text(&plan));
    assert_eq!(
        steps[0].sql.as_deref(),
        Some("ALTER TABLE \"pairs\".T1 ALTER COLUMN A1 SET DATA TYPE NUMBER(19,0)")
    );
    assert!(steps[0].hazards.is_empty(), "{:?}", steps[0].hazards);
    assert!(steps[0].undo.is_empty(), "{:?}", steps[0].undo);
    insta::assert_snapshot!(render_text(&plan));
}
