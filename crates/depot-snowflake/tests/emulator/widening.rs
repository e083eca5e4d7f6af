//! An in-place widening of a column with a default (integer -> bigint, `"default": 7`), found by
//! the generated pairs: Snowflake's SET DATA TYPE keeps the default, so the plan does not set it
//! again with a column copy (a rewrite of the table, and an EXECUTE IMMEDIATE block fakesnow
//! cannot run).

use depot_core::Hazard;
use depot_deploy::DeployOutcome;
use depot_snowflake::dialect::quote_ident;
use serde_json::{json, Value};

use crate::pairs::migrate_pair;
use crate::support::{Env, NAMESPACE};

fn package(version: &str, a1: &str) -> Value {
    json!({"name": "widen", "version": version, "schemas": {"T1": {
        "kind": "object", "primaryKey": ["id"],
        "fields": {"id": {"type": "bigint"}, "a1": {"type": a1, "default": 7}}}}})
}

#[tokio::test]
async fn a_widened_column_keeps_its_default_and_its_rows_without_a_copy() {
    let (old, new) = (package("1.0.0", "integer"), package("2.0.0", "bigint"));
    // The migrated schema equals a fresh deploy, rows survive, no drift.
    migrate_pair("widen_with_default", &old, &new)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let env = Env::new();
    let mut session = env.session().await;
    env.deployer()
        .deploy(&mut session, &env.dataset(&old))
        .await
        .unwrap_or_else(|e| panic!("deploying old: {e}"));
    let table = format!("{}.T1", quote_ident(NAMESPACE));
    let client = session.client();
    client
        .execute(&format!("INSERT INTO {table} (ID, A1) SELECT 1, 1"))
        .await
        .unwrap();
    client
        .execute(&format!("INSERT INTO {table} (ID) SELECT 2"))
        .await
        .unwrap();
    let outcome = env
        .deployer()
        .deploy(&mut session, &env.dataset(&new))
        .await
        .unwrap_or_else(|e| panic!("migrating: {e}"));
    let DeployOutcome::Deployed { plan, .. } = outcome else {
        panic!("not deployed: {outcome:?}");
    };
    let steps: Vec<_> = plan.steps().map(|(_, s)| s).collect();
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert!(
        !steps[0]
            .hazards
            .iter()
            .any(|h| matches!(h, Hazard::TableRewrite | Hazard::BlocksWrites)),
        "{:?}",
        steps[0]
    );
    // A row written after the migration still takes the default.
    let client = session.client();
    client
        .execute(&format!("INSERT INTO {table} (ID) SELECT 3"))
        .await
        .unwrap();
    let rows = client
        .query(&format!(
            "SELECT ID::VARCHAR, A1::VARCHAR FROM {table} ORDER BY ID"
        ))
        .await
        .unwrap();
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        rows,
        vec![
            vec![s("1"), s("1")],
            vec![s("2"), s("7")],
            vec![s("3"), s("7")]
        ]
    );
}
