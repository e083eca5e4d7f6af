//! SPEC §1b enums on a real PostgreSQL, from packages resolved as deployment does: a native
//! enum type created before its table, a value added in place on a table with rows, a value
//! removed (refused while rows hold it), the values reordered, the type renamed, a string field
//! narrowed to an enum and an enum dropped; each migration reads back as deployed (no drift) and
//! is undone to the catalog it started from (an added value excepted: PostgreSQL cannot remove
//! one, and the undo says so).

use std::collections::BTreeMap;

use depot_core::dialect::{Dialect, RenderContext, StepDraft};
use depot_core::physical::PhysicalModel;
use depot_core::properties::parse_dataset;
use depot_core::resolve::resolve;
use depot_core::undo::{Before, Undo};
use depot_core::{diff, Change, Hazard};
use depot_postgres::drift::compare;
use depot_postgres::introspect::{introspect, SchemaSnapshot};
use depot_postgres::PostgresDialect;
use depot_testkit::{fresh_database, TestDatabase};
use serde_json::{json, Value};

const NS: &str = "ws_enums";

/// Orders whose status is an enum (with a default, and a check casting to the enum by its
/// logical name) and whose note is a string.
fn package(enums: Value, status: Value, note: Value) -> Value {
    json!({
        "name": "shop", "version": "1",
        "enums": enums,
        "schemas": {"Order": {"kind": "object", "fields": {
            "id": {"type": "bigint"},
            "status": status,
            "note": note
        }, "primaryKey": ["id"]}}
    })
}

fn model(package: Value) -> PhysicalModel {
    let raw = json!({
        "environmentId": "e2e404529091ed2",
        "alias": "WsEnums",
        "bootstrapBucket": "sdp-bootstrap-058264526050-eu-west-1",
        "location": {"type": "postgres", "name": "main", "host": "db", "port": "5432", "database": "app"},
        "schemaName": NS,
        "package": package,
    });
    let dataset = parse_dataset(&raw, &depot_core::engine::Engines::new(&[&PostgresDialect]))
        .unwrap_or_else(|p| panic!("{p}"));
    resolve(&dataset, &PostgresDialect, &BTreeMap::new()).unwrap_or_else(|p| panic!("{p}"))
}

fn status_field() -> Value {
    json!({"type": "enum", "enum": "OrderStatus", "default": "pending"})
}

fn text() -> Value {
    json!({"type": "string", "nullable": true})
}

fn shop(values: &[&str]) -> PhysicalModel {
    model(package(
        json!({"OrderStatus": values}),
        status_field(),
        text(),
    ))
}

fn ctx() -> RenderContext {
    RenderContext {
        namespace: NS.into(),
    }
}

fn drafts(changes: &[Change]) -> Vec<StepDraft> {
    let mut drafts: Vec<StepDraft> = changes
        .iter()
        .flat_map(|c| {
            PostgresDialect
                .render(c, &ctx())
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    drafts.sort_by_key(|d| d.phase);
    drafts
}

/// Runs the steps of `changes` phase by phase, as the executor does: a phase in one
/// transaction when all its steps allow it, else statement by statement.
async fn run(db: &TestDatabase, changes: &[Change]) -> Result<(), String> {
    let drafts = drafts(changes);
    let mut phases: BTreeMap<u32, Vec<&StepDraft>> = BTreeMap::new();
    for d in &drafts {
        phases.entry(d.phase).or_default().push(d);
    }
    for steps in phases.values() {
        let transactional = steps.iter().all(|d| d.transactional);
        let describe = |sql: &str, e: tokio_postgres::Error| {
            format!("{sql}: {}", depot_postgres::pg_error::describe(&e))
        };
        if transactional {
            db.client.batch_execute("BEGIN").await.unwrap();
        }
        for d in steps {
            if let Err(e) = db.client.batch_execute(&d.sql).await {
                if transactional {
                    db.client.batch_execute("ROLLBACK").await.unwrap();
                }
                return Err(describe(&d.sql, e));
            }
        }
        if transactional {
            db.client.batch_execute("COMMIT").await.unwrap();
        }
    }
    Ok(())
}

fn changes(old: Option<&PhysicalModel>, new: &PhysicalModel) -> Vec<Change> {
    let mut changes = diff::diff(old, new).unwrap_or_else(|e| panic!("{e}"));
    changes.sort_by_key(diff::rank);
    changes
}

async fn undo(db: &TestDatabase, changes: &[Change], old: &PhysicalModel, new: &PhysicalModel) {
    let before = Before {
        old: Some(old),
        new,
    };
    for change in changes.iter().rev() {
        let Undo::Statements(statements) = PostgresDialect
            .undo(change, &before, &ctx())
            .unwrap_or_else(|e| panic!("{e}"))
        else {
            panic!("{} cannot be undone", change.action());
        };
        for sql in statements {
            db.client
                .batch_execute(&sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {}", depot_postgres::pg_error::describe(&e)));
        }
    }
}

async fn snapshot(db: &TestDatabase) -> SchemaSnapshot {
    introspect(&db.client, NS).await.expect("introspect")
}

async fn deployed(m: &PhysicalModel) -> TestDatabase {
    let db = fresh_database().await;
    run(&db, &changes(None, m)).await.expect("deploy");
    let drift = compare(&snapshot(&db).await, m);
    assert!(drift.is_empty(), "after a fresh deploy: {drift}");
    db
}

async fn insert(db: &TestDatabase, sql: &str) -> Result<(), String> {
    db.client
        .batch_execute(&format!(
            "INSERT INTO ws_enums.\"order\" (id, status) VALUES {sql}"
        ))
        .await
        .map_err(|e| depot_postgres::pg_error::describe(&e))
}

/// Migrates `old` -> `new` (the result reads back as `new`), then undoes it back to the
/// catalog it started from.
async fn migrate_and_undo(
    db: &TestDatabase,
    old: &PhysicalModel,
    new: &PhysicalModel,
) -> Vec<Change> {
    let c = changes(Some(old), new);
    let before = snapshot(db).await;
    run(db, &c).await.unwrap_or_else(|e| panic!("{e}"));
    let drift = compare(&snapshot(db).await, new);
    assert!(drift.is_empty(), "after the migration: {drift}");
    undo(db, &c, old, new).await;
    assert_eq!(
        snapshot(db).await,
        before,
        "the undo left the schema changed"
    );
    c
}

fn actions(changes: &[Change]) -> Vec<&'static str> {
    changes.iter().map(Change::action).collect()
}

#[tokio::test]
async fn a_fresh_deploy_creates_a_native_enum_that_holds_the_rows_to_its_values() {
    // A check and a view cast to the enum by its logical name.
    let mut p = package(
        json!({"OrderStatus": ["pending", "paid", "shipped"]}),
        status_field(),
        text(),
    );
    p["schemas"]["Order"]["checks"] = json!([{"name": "noteWhenShipped", "expression": "status <> 'shipped'::OrderStatus OR note IS NOT NULL"}]);
    p["schemas"]["Paid"] = json!({"kind": "view",
        "query": "SELECT id FROM \"Order\" WHERE status = 'paid'::OrderStatus"});
    let m = model(p);
    let db = deployed(&m).await;
    let live = snapshot(&db).await;
    assert_eq!(live.enums["order_status"], ["pending", "paid", "shipped"]);
    assert_eq!(
        live.tables["order"].columns["status"].data_type,
        "order_status"
    );
    insert(&db, "(1, DEFAULT), (2, 'paid')").await.unwrap();
    let error = insert(&db, "(3, 'lost')").await.unwrap_err();
    assert!(error.contains("invalid input value for enum"), "{error}");
    let error = insert(&db, "(3, 'shipped')").await.unwrap_err();
    assert!(error.contains("order_note_when_shipped_check"), "{error}");
    let paid = db
        .client
        .query("SELECT id FROM ws_enums.paid", &[])
        .await
        .unwrap();
    assert_eq!(paid.len(), 1);
    // Enum values sort in their declared order.
    let rows = db
        .client
        .query(
            "SELECT id FROM ws_enums.\"order\" ORDER BY status DESC",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        rows.iter().map(|r| r.get::<_, i64>(0)).collect::<Vec<_>>(),
        [2, 1]
    );
    // A type changed behind Depot's back is drift.
    db.client
        .batch_execute("ALTER TYPE ws_enums.order_status ADD VALUE 'lost'")
        .await
        .unwrap();
    let drift = compare(&snapshot(&db).await, &m);
    assert_eq!(
        drift.differences,
        ["enum type ws_enums.order_status has values (pending, paid, shipped, lost), expected (pending, paid, shipped)"]
    );
}

#[tokio::test]
async fn values_are_added_in_place_and_the_undo_leaves_them() {
    let old = shop(&["pending", "paid"]);
    let db = deployed(&old).await;
    insert(&db, "(1, 'pending'), (2, 'paid')").await.unwrap();
    let new = shop(&["draft", "pending", "paid", "shipped"]);
    let c = changes(Some(&old), &new);
    assert_eq!(actions(&c), ["addEnumValue", "addEnumValue"]);
    let steps = drafts(&c);
    assert!(
        steps.iter().all(|d| !d.transactional),
        "ADD VALUE runs outside a transaction"
    );
    assert!(
        steps[0].comment.contains("an undo leaves it"),
        "{}",
        steps[0].comment
    );
    run(&db, &c).await.unwrap();
    let live = snapshot(&db).await;
    assert!(compare(&live, &new).is_empty());
    assert_eq!(
        live.enums["order_status"],
        ["draft", "pending", "paid", "shipped"]
    );
    insert(&db, "(3, 'shipped'), (4, 'draft')").await.unwrap();
    // A resumed run adds nothing twice.
    run(&db, &c).await.unwrap();
    undo(&db, &c, &old, &new).await;
    assert_eq!(
        snapshot(&db).await.enums["order_status"],
        ["draft", "pending", "paid", "shipped"]
    );
}

#[tokio::test]
async fn a_removed_value_rebuilds_the_type_refused_while_rows_hold_it() {
    let old = shop(&["pending", "paid", "shipped"]);
    let db = deployed(&old).await;
    insert(&db, "(1, 'pending'), (2, 'shipped')").await.unwrap();
    let new = shop(&["pending", "paid"]);
    let c = changes(Some(&old), &new);
    assert_eq!(actions(&c), ["rebuildEnum"]);
    assert!(drafts(&c)
        .iter()
        .any(|d| d.hazards.contains(&Hazard::DeletesData)));
    let before = snapshot(&db).await;
    let error = run(&db, &c).await.unwrap_err();
    assert!(error.contains("invalid input value for enum"), "{error}");
    assert_eq!(
        snapshot(&db).await,
        before,
        "a failed rebuild changes nothing"
    );

    db.client
        .batch_execute("DELETE FROM ws_enums.\"order\" WHERE status = 'shipped'")
        .await
        .unwrap();
    run(&db, &c).await.unwrap();
    let live = snapshot(&db).await;
    assert!(compare(&live, &new).is_empty(), "{}", compare(&live, &new));
    assert_eq!(
        live.tables["order"].columns["status"].default.as_deref(),
        Some("'pending'::order_status")
    );
    insert(&db, "(3, DEFAULT)").await.unwrap();
    // A removal is DELETES_DATA, which runs in the contract phase and is never undone
    // (`depot_core::undo::is_irreversible`).
    let convert = drafts(&c)
        .into_iter()
        .find(|d| d.action == "convertEnumColumn")
        .unwrap();
    assert_eq!(convert.phase, depot_core::phase::CONTRACT);
    assert!(convert.hazards.contains(&Hazard::DeletesData));
}

#[tokio::test]
async fn reordered_values_rebuild_with_rows_and_undo() {
    let old = shop(&["pending", "paid", "shipped"]);
    let db = deployed(&old).await;
    insert(&db, "(1, 'pending'), (2, 'shipped')").await.unwrap();
    let new = shop(&["shipped", "paid", "pending"]);
    let c = migrate_and_undo(&db, &old, &new).await;
    assert_eq!(actions(&c), ["rebuildEnum"]);
    assert!(!drafts(&c)
        .iter()
        .any(|d| d.hazards.contains(&Hazard::DeletesData)));
}

#[tokio::test]
async fn a_renamed_enum_keeps_its_columns_and_undoes() {
    let old = shop(&["pending", "paid"]);
    let db = deployed(&old).await;
    insert(&db, "(1, 'paid')").await.unwrap();
    let new = model(package(
        json!({"Status": {"values": ["pending", "paid"], "previousNames": ["OrderStatus"]}}),
        json!({"type": "enum", "enum": "Status", "default": "pending"}),
        text(),
    ));
    let c = migrate_and_undo(&db, &old, &new).await;
    assert_eq!(actions(&c), ["renameEnum"]);
    // Renamed and reordered: the type is rebuilt under its new name.
    let new = model(package(
        json!({"Status": {"values": ["paid", "pending"], "previousNames": ["OrderStatus"]}}),
        json!({"type": "enum", "enum": "Status", "default": "pending"}),
        text(),
    ));
    let c = migrate_and_undo(&db, &old, &new).await;
    assert_eq!(actions(&c), ["renameEnum", "rebuildEnum"]);
}

#[tokio::test]
async fn a_string_narrows_to_an_enum_and_an_enum_widens_back() {
    let old = model(package(
        json!({"OrderStatus": ["pending", "paid"]}),
        status_field(),
        text(),
    ));
    let db = deployed(&old).await;
    db.client
        .batch_execute("INSERT INTO ws_enums.\"order\" (id, note) VALUES (1, 'paid'), (2, NULL)")
        .await
        .unwrap();
    // note: string -> enum, NARROWS_TYPE.
    let new = model(package(
        json!({"OrderStatus": ["pending", "paid"]}),
        status_field(),
        json!({"type": "enum", "enum": "OrderStatus", "nullable": true}),
    ));
    let c = migrate_and_undo(&db, &old, &new).await;
    assert_eq!(actions(&c), ["alterFieldType"]);
    assert!(drafts(&c)
        .iter()
        .any(|d| d.hazards.contains(&Hazard::NarrowsType)));
    // A row that is no value of the enum fails the step.
    db.client
        .batch_execute("INSERT INTO ws_enums.\"order\" (id, note) VALUES (3, 'lost')")
        .await
        .unwrap();
    let error = run(&db, &c).await.unwrap_err();
    assert!(error.contains("invalid input value for enum"), "{error}");

    // The enum goes: status widens to a string, then the type is dropped.
    let plain = model(package(
        json!({}),
        json!({"type": "string", "default": "pending"}),
        text(),
    ));
    let c = migrate_and_undo(&db, &old, &plain).await;
    assert_eq!(actions(&c), ["alterFieldType", "setDefault", "dropEnum"]);
}
