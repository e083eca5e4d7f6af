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

/// Customers and their orders, with the foreign key, comments and a check of SPEC §1b.
fn shop(version: &str, second: bool) -> Value {
    let mut order_fields = json!({
        "id": {"type": "bigint", "autoIncrement": true, "description": "surrogate key"},
        "customerId": {"type": "bigint"},
        "totalCents": {"type": "bigint"}
    });
    let mut order = json!({"kind": "object", "description": "An order", "fields": {},
                           "primaryKey": ["id"],
                           "checks": [{"name": "positiveTotal", "expression": "totalCents >= 0"}]});
    if second {
        order_fields["note"] =
            json!({"type": "string", "nullable": true, "description": "free text"});
        order["foreignKeys"] = json!([{"name": "byCustomer", "fields": ["customerId"],
            "references": {"schema": "Customer", "fields": ["id"]}, "onDelete": "restrict"}]);
        order["description"] = json!("An order, placed by a customer");
    }
    order["fields"] = order_fields;
    json!({
        "name": "shop", "version": version,
        "description": if second { "The shop, version two" } else { "The shop" },
        "schemas": {
            "Customer": {"kind": "object", "description": "Someone who orders",
                         "fields": {"id": {"type": "bigint"},
                                    "email": {"type": "string", "maxLength": 200}},
                         "primaryKey": ["id"],
                         "indexes": [{"name": "byEmail", "fields": ["email"], "unique": true}]},
            "Order": order,
            "Orders": {"kind": "view", "description": "Every order",
                       "query": "SELECT id, customerId FROM Order"}
        }
    })
}

fn ignoring_checks(env: &Env, package: &Value) -> depot_core::Dataset {
    let mut properties = env.properties(package);
    properties["unenforcedChecks"] = json!("ignore");
    depot_core::properties::parse_dataset(&properties, &crate::support::ENGINES)
        .unwrap_or_else(|p| panic!("{p}"))
}

#[tokio::test]
async fn checks_are_refused_for_snowflake_unless_the_dataset_ignores_them() {
    let env = Env::new();
    let properties = env.properties(&shop("1.0.0", false));
    let refused = depot_core::properties::parse_dataset(&properties, &crate::support::ENGINES)
        .map_err(|p| p.to_string())
        .and_then(|dataset| {
            depot_core::resolve::resolve(
                &dataset,
                &depot_snowflake::SnowflakeDialect,
                &BTreeMap::new(),
            )
            .map(|_| ())
            .map_err(|p| p.to_string())
        })
        .unwrap_err();
    assert!(
        refused
            .contains("Snowflake has no CHECK constraints; set \"unenforcedChecks\": \"ignore\""),
        "{refused}"
    );
    let mut session = env.session().await;
    env.deployer()
        .deploy(&mut session, &ignoring_checks(&env, &shop("1.0.0", false)))
        .await
        .unwrap();
    // Recorded, not created: a row the check would refuse goes in.
    session
        .client()
        .execute(&format!(
            "INSERT INTO \"{NAMESPACE}\".\"ORDER\" (CUSTOMER_ID, TOTAL_CENTS) SELECT 1, -5"
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn foreign_keys_and_comments_migrate_like_a_fresh_deploy_and_keep_rows() {
    let env = Env::new();
    let mut session = env.session().await;
    env.deployer()
        .deploy(&mut session, &ignoring_checks(&env, &shop("1.0.0", false)))
        .await
        .unwrap();
    for sql in [
        "INSERT INTO \"pairs\".CUSTOMER (ID, EMAIL) SELECT 1, 'a@example.com'",
        "INSERT INTO \"pairs\".\"ORDER\" (CUSTOMER_ID, TOTAL_CENTS) SELECT 1, 100",
        // Declared, never enforced: an order of no known customer stays.
        "INSERT INTO \"pairs\".\"ORDER\" (CUSTOMER_ID, TOTAL_CENTS) SELECT 2, 100",
    ] {
        session.client().execute(sql).await.unwrap();
    }
    env.deployer()
        .deploy(&mut session, &ignoring_checks(&env, &shop("2.0.0", true)))
        .await
        .unwrap();
    let migrated = catalog(&session).await;
    assert_eq!(count(&session, "ORDER").await, "2");
    assert_eq!(count(&session, "CUSTOMER").await, "1");
    let foreign_keys: Vec<String> = env
        .shim
        .answered_statements()
        .into_iter()
        .filter(|s| s.contains("FOREIGN KEY"))
        .collect();
    assert_eq!(
        foreign_keys,
        vec![
            "ALTER TABLE \"pairs\".\"ORDER\" ADD CONSTRAINT ORDER_BY_CUSTOMER_FKEY FOREIGN KEY \
             (CUSTOMER_ID) REFERENCES \"pairs\".CUSTOMER (ID) ON DELETE RESTRICT"
                .to_string()
        ]
    );

    let fresh_env = Env::new();
    let mut fresh = fresh_env.session().await;
    fresh_env
        .deployer()
        .deploy(
            &mut fresh,
            &ignoring_checks(&fresh_env, &shop("2.0.0", true)),
        )
        .await
        .unwrap();
    let expected = catalog(&fresh).await;
    assert_eq!(migrated, expected);
    assert!(
        expected.1.contains(&vec![
            Some("comment".to_string()),
            Some("ORDER".to_string()),
            None,
            Some("An order, placed by a customer".to_string())
        ]),
        "{expected:?}"
    );
}
