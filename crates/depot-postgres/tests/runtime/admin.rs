//! prepare(): the admin schema is created once, whatever the number of racing sessions.

use depot_deploy::LocationSession;
use depot_postgres::admin;
use depot_testkit::fresh_database;

use crate::support::session;

#[tokio::test]
async fn prepare_is_idempotent() {
    let db = fresh_database().await;
    let mut s = session(&db).await;
    assert!(!admin::is_current(s.client()).await.unwrap());
    s.prepare().await.unwrap();
    assert!(admin::is_current(s.client()).await.unwrap());
    s.prepare().await.unwrap();
    let objects: i64 = db
        .client
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = '__admin' AND c.relname IN \
               ('dataset_state', 'dataset', 'dataset_state_pkey', 'dataset_state_alias_key')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(objects, 4);
}

#[tokio::test]
async fn prepare_is_safe_when_sessions_race() {
    let db = fresh_database().await;
    let mut sessions = Vec::new();
    for _ in 0..6 {
        sessions.push(session(&db).await);
    }
    let results = futures_join_all(sessions).await;
    for r in results {
        r.unwrap();
    }
    let s = session(&db).await;
    assert!(admin::is_current(s.client()).await.unwrap());
}

async fn futures_join_all(
    sessions: Vec<depot_postgres::PostgresSession>,
) -> Vec<Result<(), depot_deploy::LocationError>> {
    let handles: Vec<_> = sessions
        .into_iter()
        .map(|mut s| tokio::spawn(async move { s.prepare().await }))
        .collect();
    let mut results = Vec::new();
    for h in handles {
        results.push(h.await.expect("prepare task"));
    }
    results
}

/// The switch-over point of `admin::admin_ddl`: the state table rendered from `admin_model()`
/// by the planner has the columns of the hand-written one.
#[tokio::test]
async fn the_admin_model_plans_the_hand_written_table() {
    use depot_core::assemble::{plan_migration, PlanHeader};
    use depot_postgres::introspect::introspect;
    use depot_postgres::PostgresDialect;

    let hand = fresh_database().await;
    session(&hand).await.prepare().await.unwrap();
    let planned = fresh_database().await;
    let header = PlanHeader {
        migration_id: "01967b85-dd5c-7306-b067-0a06ab34d6ae".into(),
        environment_id: "e2e404529091ed2".into(),
        dataset_id: "000000000000".into(),
        dataset_alias: "DepotAdmin".into(),
        from_version: None,
        to_version: "0".repeat(64),
        created_at: "2025-04-28T08:31:33.816Z".into(),
    };
    let plan = plan_migration(&PostgresDialect, None, &admin::admin_model(), header).unwrap();
    for (_, step) in plan.steps() {
        planned
            .client
            .batch_execute(step.sql.as_deref().unwrap())
            .await
            .unwrap();
    }
    let hand = introspect(&hand.client, admin::ADMIN_SCHEMA).await.unwrap();
    let planned = introspect(&planned.client, admin::ADMIN_SCHEMA)
        .await
        .unwrap();
    let columns = |s: &depot_postgres::SchemaSnapshot| {
        s.tables["dataset_state"]
            .columns
            .iter()
            .map(|(name, c)| (name.clone(), c.data_type.clone(), c.nullable))
            .collect::<Vec<_>>()
    };
    assert_eq!(columns(&planned), columns(&hand));
    assert_eq!(
        planned.tables["dataset_state"].primary_key,
        hand.tables["dataset_state"].primary_key
    );
}
