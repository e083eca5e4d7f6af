//! Materialized views (SPEC §1b) on a real PostgreSQL: created with their indexes and rows,
//! recreated when a column they read changes (the migration then equals a fresh deploy),
//! refreshed when a table they read is migrated or seeded, and undone after a failure.

use std::path::Path;

use depot_core::Hazard;
use depot_deploy::DeployOutcome;
use depot_tests::{check_pair, check_undo, dataset, Env, NAMESPACE};
use serde_json::{json, Value};

fn pair(name: &str) -> (Value, Value) {
    let case = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("pairs")
        .join(name);
    let read = |file: &str| -> Value {
        let text = std::fs::read_to_string(case.join(file)).expect("the pair's file");
        serde_json::from_str(&text).expect("JSON")
    };
    (read("old.json"), read("new.json"))
}

/// Dogs with seed rows and a materialized view counting them per name, with a unique index.
fn kennel(extra_field: bool) -> Value {
    let mut fields = json!({
        "id": {"type": "integer"},
        "name": {"type": "string", "maxLength": 50}
    });
    if extra_field {
        fields["weight"] = json!({"type": "integer", "nullable": true});
    }
    json!({
        "name": "kennel", "version": if extra_field { "2" } else { "1" },
        "schemas": {
            "Dog": {"kind": "object", "fields": fields, "primaryKey": ["id"]},
            "NameCounts": {
                "kind": "materializedView", "description": "dogs per name",
                "query": "SELECT name, count(*) AS dogs FROM Dog GROUP BY name",
                "indexes": [{"name": "byName", "fields": ["name"], "unique": true,
                             "description": "one row per name"}]
            }
        },
        "seeds": {"Dog": [{"id": 1, "name": "Rex"}, {"id": 2, "name": "Rex"}, {"id": 3, "name": "Bo"}]}
    })
}

/// A harness dataset around `package` that seeds on deploy.
fn seeded(package: &Value) -> depot_core::Dataset {
    let mut properties = depot_tests::properties(package);
    properties["migrationOptions"]["triggerSeeding"] = json!(true);
    depot_core::properties::parse_dataset(&properties, &depot_tests::ENGINES)
        .expect("a valid dataset")
}

async fn counts(env: &Env) -> Vec<(String, i64)> {
    env.db
        .client
        .query(
            &format!("SELECT name::text, dogs FROM {NAMESPACE}.name_counts ORDER BY name"),
            &[],
        )
        .await
        .expect("reading the materialized view")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[tokio::test]
async fn a_materialized_view_is_created_with_its_index_comment_and_the_seeded_rows() {
    let env = Env::new().await;
    env.deploy(&seeded(&kennel(false))).await.expect("deploy");
    // Seeding ran after the view was created: it was refreshed.
    assert_eq!(
        counts(&env).await,
        [("Bo".to_string(), 1), ("Rex".to_string(), 2)]
    );
    let snapshot = env.snapshot().await;
    let view = &snapshot.views["name_counts"];
    assert!(view.materialized);
    assert_eq!(view.comment.as_deref(), Some("dogs per name"));
    let index = &view.indexes["name_counts_by_name_idx"];
    assert!(index.unique && index.valid);
    assert_eq!(index.comment.as_deref(), Some("one row per name"));
}

#[tokio::test]
async fn a_kept_materialized_view_is_refreshed_when_its_table_is_migrated() {
    let env = Env::new().await;
    env.deploy(&seeded(&kennel(false))).await.expect("deploy");
    env.db
        .client
        .batch_execute(&format!(
            "INSERT INTO {NAMESPACE}.dog (id, name) VALUES (4, 'Bo'), (5, 'Max')"
        ))
        .await
        .expect("rows written outside Depot");
    // Not yet visible: a materialized view holds the rows of its last refresh.
    assert_eq!(counts(&env).await.len(), 2);
    // Without seeding: the migration's own refresh step shows the rows.
    let outcome = env.deploy(&dataset(&kennel(true))).await.expect("migrate");
    let DeployOutcome::Deployed { plan, .. } = outcome else {
        panic!("no plan ran: {outcome:?}");
    };
    let refresh: Vec<_> = plan
        .steps()
        .filter(|(_, s)| s.action == "refreshMaterializedView")
        .collect();
    assert_eq!(refresh.len(), 1, "{plan:#?}");
    let (_, step) = refresh[0];
    // Its unique index over a plain column lets readers go on.
    assert_eq!(
        step.sql.as_deref(),
        Some("REFRESH MATERIALIZED VIEW CONCURRENTLY pairs.name_counts")
    );
    assert!(!step.hazards.contains(&Hazard::BlocksReads));
    assert!(
        !plan.steps().any(|(_, s)| s.action == "dropView"),
        "the view reads no changed column: kept, not recreated"
    );
    assert_eq!(
        counts(&env).await,
        [
            ("Bo".to_string(), 2),
            ("Max".to_string(), 1),
            ("Rex".to_string(), 2)
        ]
    );
}

#[tokio::test]
async fn on_demand_refresh_recomputes_every_materialized_view_or_the_one_named() {
    use depot_deploy::LocationSession;
    let env = Env::new().await;
    let dataset = seeded(&kennel(false));
    env.deploy(&dataset).await.expect("deploy");
    env.db
        .client
        .batch_execute(&format!("DELETE FROM {NAMESPACE}.dog WHERE name = 'Rex'"))
        .await
        .expect("rows deleted outside Depot");
    let model = depot_tests::model(&dataset);
    let mut session = env.session().await;
    let refreshed = session
        .refresh_materialized_views(&model, Some("NameCounts"))
        .await
        .expect("refresh");
    assert_eq!(refreshed, ["name_counts"]);
    assert_eq!(counts(&env).await, [("Bo".to_string(), 1)]);
    let error = session
        .refresh_materialized_views(&model, Some("Ghost"))
        .await
        .expect_err("no such view");
    assert!(
        error.to_string().contains("no materialized view Ghost")
            && error.to_string().contains("NameCounts"),
        "{error}"
    );
}

/// The pair: one view reads a widened column (recreated), the other only rows of the migrated
/// table (refreshed, readers blocked: no unique index). Migrating equals deploying fresh.
#[tokio::test]
async fn a_source_column_change_recreates_it_and_migrating_equals_a_fresh_deploy() {
    let (old, new) = pair("materialized_view");
    let plan = check_pair(&old, &new, 4).await;
    let actions: Vec<(String, String)> = plan
        .steps()
        .filter(|(_, s)| s.target.starts_with("Dog") && s.target != "Dog.name")
        .map(|(_, s)| (s.action.clone(), s.sql.clone().unwrap_or_default()))
        .collect();
    let has = |action: &str, sql: &str| actions.iter().any(|(a, s)| a == action && s.contains(sql));
    assert!(
        has("dropView", "DROP MATERIALIZED VIEW pairs.dogs_by_name"),
        "{actions:#?}"
    );
    assert!(
        has("createView", "CREATE MATERIALIZED VIEW pairs.dogs_by_name"),
        "{actions:#?}"
    );
    assert!(
        has("createView", "CREATE UNIQUE INDEX dogs_by_name_by_name_idx"),
        "{actions:#?}"
    );
    assert!(
        has(
            "refreshMaterializedView",
            "REFRESH MATERIALIZED VIEW pairs.dog_ages"
        ),
        "{actions:#?}"
    );
    let refresh = plan
        .steps()
        .find(|(_, s)| s.action == "refreshMaterializedView")
        .expect("a refresh");
    assert!(refresh.1.hazards.contains(&Hazard::BlocksReads));
}

#[tokio::test]
async fn a_failed_migration_of_materialized_views_is_undone() {
    let (old, new) = pair("materialized_view");
    check_undo(&old, &new, 3).await;
}

/// Renamed through `previousNames`: renamed in place with its index, rows kept (no refresh,
/// no recreation), and the result is the new version deployed fresh.
#[tokio::test]
async fn a_renamed_materialized_view_is_renamed_in_place_and_equals_a_fresh_deploy() {
    let (old, new) = pair("rename_materialized_view");
    let plan = check_pair(&old, &new, 3).await;
    let sql: Vec<String> = plan
        .steps()
        .filter_map(|(_, s)| s.sql.clone())
        .filter(|s| !s.starts_with("--"))
        .collect();
    assert!(
        sql.contains(&"ALTER MATERIALIZED VIEW pairs.dog_ages RENAME TO ages_of_dogs".to_string())
            && sql.contains(
                &"ALTER INDEX pairs.dog_ages_by_id_idx RENAME TO ages_of_dogs_by_id_idx"
                    .to_string()
            ),
        "{sql:#?}"
    );
    assert!(
        !plan.steps().any(|(_, s)| s.action == "dropView"),
        "{sql:#?}"
    );
    check_undo(&old, &new, 3).await;
}

async fn drift(env: &Env, model: &depot_core::PhysicalModel) -> Vec<String> {
    use depot_deploy::{DriftCheck, LocationSession};
    match env.session().await.check_drift(model).await.unwrap() {
        DriftCheck::Compared(d) => d.differences,
        DriftCheck::Unsupported => panic!("PostgreSQL compares"),
    }
}

/// The drift check reads materialized views and their indexes: a dropped index, or a plain
/// view where a materialized one belongs, is a difference.
#[tokio::test]
async fn a_hand_made_change_to_a_materialized_view_is_drift() {
    let env = Env::new().await;
    let dataset = dataset(&kennel(false));
    env.deploy(&dataset).await.expect("deploy");
    let model = depot_tests::model(&dataset);
    assert_eq!(drift(&env, &model).await, Vec::<String>::new());
    env.db
        .client
        .batch_execute(&format!("DROP INDEX {NAMESPACE}.name_counts_by_name_idx"))
        .await
        .unwrap();
    assert_eq!(
        drift(&env, &model).await,
        ["materialized view pairs.name_counts: index name_counts_by_name_idx (byName) is missing"]
    );
    env.db
        .client
        .batch_execute(&format!(
            "DROP MATERIALIZED VIEW {NAMESPACE}.name_counts; \
             CREATE VIEW {NAMESPACE}.name_counts AS SELECT name, count(*) AS dogs \
             FROM {NAMESPACE}.dog GROUP BY name"
        ))
        .await
        .unwrap();
    assert_eq!(
        drift(&env, &model).await,
        [
            "view pairs.name_counts: comment is none, expected \"dogs per name\"",
            "view pairs.name_counts is a plain view, expected a materialized view"
        ]
    );
}
