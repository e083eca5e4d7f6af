//! `depot import` on a real PostgreSQL: a package using every feature is deployed, imported,
//! and the imported package is valid, resolves to the same physical model, deploys to the same
//! catalog, and imports again to itself. Objects a package cannot express are warnings naming
//! each, and the tables still import.

use depot_core::validate::parse_package;
use depot_postgres::import::{import_schema, Imported};
use depot_tests::{dataset, model, Env, NAMESPACE};
use serde_json::{json, Value};

/// Every feature import reads, written as PostgreSQL prints its expressions back (the
/// normalization import performs: parentheses, casts) and with the logical name import gives a
/// column that needs a `sqlName`, so that the physical models compare equal.
fn shop() -> Value {
    json!({
        "name": "shop", "version": "1.0.0", "description": "A shop",
        "enums": {"OrderState": ["open", "paid", "sent"]},
        "schemas": {
            "Customer": {
                "kind": "object", "description": "Who buys",
                "fields": {
                    "id": {"type": "bigint", "autoIncrement": "always"},
                    "email": {"type": "string", "maxLength": 320, "description": "login"},
                    "name": {"type": "string", "default": "anonymous"},
                    "born": {"type": "date", "nullable": true, "default": "2000-01-01"},
                    "since": {"type": "timestamptz", "default": {"expression": "now"}},
                    "seenAt": {"type": "timestamp", "default": {"expression": "now"}},
                    "day": {"type": "date", "default": {"expression": "currentDate"}},
                    "wakeUp": {"type": "time", "nullable": true, "default": "07:30:00"},
                    "ref": {"type": "uuid", "default": {"expression": "randomUuid"}},
                    "vip": {"type": "boolean", "default": false},
                    "score": {"type": "double", "default": 1.5},
                    "level": {"type": "integer", "default": -3},
                    "profile": {"type": "json", "default": {"a": 1}},
                    "avatar": {"type": "binary", "nullable": true},
                    "tags": {"type": "array", "items": {"type": "string"}, "nullable": true},
                    "codes": {"type": "array", "items": {"type": "integer"}, "nullable": true},
                    "nick": {"type": "string", "nullable": true,
                             "default": {"sql": {"postgres": "upper('x'::text)"}}},
                    "legacyname": {"type": "string", "nullable": true, "sqlName": "LegacyName"}
                },
                "primaryKey": ["id"],
                "indexes": [
                    {"name": "byEmail", "fields": ["email"], "unique": true, "description": "one account per email"},
                    {"name": "recent", "fields": [{"field": "since", "order": "desc"}, {"field": "name", "nulls": "first"}],
                     "where": "vip = true", "include": ["email"]},
                    {"name": "byTags", "fields": ["tags"], "method": "gin"},
                    {"name": "byLowerName", "fields": [{"expression": "lower(name)", "order": "desc"}, "day"],
                     "description": "by spelling"},
                    {"name": "oneNick", "fields": ["nick"], "unique": true, "nullsDistinct": false},
                    {"name": "oneRef", "fields": ["ref"], "unique": true, "deferrable": "initiallyImmediate",
                     "description": "checked per statement"}
                ],
                "checks": [{"name": "positiveLevel", "expression": "level > '-10'::integer", "description": "floor"}]
            },
            "Order": {
                "kind": "object",
                "fields": {
                    "id": {"type": "bigint", "autoIncrement": true},
                    "customerId": {"type": "bigint"},
                    "totalCents": {"type": "bigint"},
                    "totalEuros": {"type": "decimal", "precision": 14, "scale": 2, "nullable": true,
                                   "computed": "((totalCents)::numeric / 100.0)"},
                    "note": {"type": "string", "maxLength": 200, "nullable": true},
                    "state": {"type": "enum", "enum": "OrderState", "default": "open"}
                },
                "primaryKey": ["id"],
                "foreignKeys": [{"name": "byCustomer", "fields": ["customerId"],
                                 "references": {"schema": "Customer", "fields": ["id"]},
                                 "onDelete": "cascade", "deferrable": "initiallyDeferred",
                                 "description": "the buyer"}],
                "checks": [{"name": "positiveTotal", "expression": "totalCents >= 0"}]
            },
            "BigOrders": {
                "kind": "view", "description": "orders over 100",
                "query": "SELECT \"Order\".id, \"Order\".totalCents AS cents FROM \"Order\" WHERE \"Order\".totalCents > 10000"
            },
            "CustomerTotals": {
                "kind": "materializedView", "description": "cents per customer",
                "query": "SELECT \"Order\".customerId, sum(\"Order\".totalCents) AS cents FROM \"Order\" GROUP BY \"Order\".customerId",
                "indexes": [{"name": "byCustomer", "fields": ["customerId"], "unique": true,
                             "description": "one row per customer"},
                            {"name": "byCents", "fields": [{"field": "cents", "order": "desc"}]}]
            }
        }
    })
}

async fn import(env: &Env, name: &str) -> Imported {
    import_schema(&env.db.client, NAMESPACE, name, "1.0.0")
        .await
        .expect("import")
}

#[tokio::test]
async fn a_package_of_every_feature_round_trips() {
    let original = shop();
    let env = Env::new().await;
    env.deploy(&dataset(&original)).await.expect("deploy shop");
    let imported = import(&env, "shop").await;
    assert_eq!(imported.warnings, Vec::<String>::new());

    // (a) what import writes is a valid package.
    let written = serde_json::to_value(&imported.package).unwrap();
    let parsed =
        parse_package(&written).unwrap_or_else(|p| panic!("invalid import: {p}\n{written:#}"));
    assert_eq!(parsed, imported.package);

    // (b) both resolve to the same physical model for the same dataset configuration.
    assert_eq!(
        model(&dataset(&written)),
        model(&dataset(&original)),
        "imported package:\n{written:#}"
    );

    // (c) deployed fresh, the imported package gives the same catalog, and imports to itself.
    let again = Env::new().await;
    again
        .deploy(&dataset(&written))
        .await
        .expect("deploy the import");
    assert_eq!(again.snapshot().await, env.snapshot().await);
    assert_eq!(import(&again, "shop").await.package, imported.package);
}

#[tokio::test]
async fn objects_a_package_cannot_express_are_warnings_naming_each() {
    let env = Env::new().await;
    let package = json!({"name": "p", "version": "1", "schemas": {
        "Dog": {"kind": "object", "fields": {"id": {"type": "uuid"}, "name": {"type": "string"}},
                "primaryKey": ["id"]}
    }});
    env.deploy(&dataset(&package)).await.expect("deploy");
    env.db
        .client
        .batch_execute(
            "CREATE FUNCTION pairs.shout() RETURNS trigger LANGUAGE plpgsql AS \
               $$ BEGIN NEW.name := upper(NEW.name); RETURN NEW; END $$; \
             CREATE TRIGGER loud BEFORE INSERT ON pairs.dog FOR EACH ROW EXECUTE FUNCTION pairs.shout(); \
             CREATE POLICY mine ON pairs.dog USING (true); \
             CREATE TYPE pairs.mood AS ENUM ('calm', 'wild'); \
             CREATE TABLE pairs.cat (id smallint PRIMARY KEY, mood pairs.mood, name text, \
                                     CHECK (mood <> 'wild')); \
             CREATE INDEX cat_by_mood_idx ON pairs.cat (mood); \
             CREATE MATERIALIZED VIEW pairs.cat_names AS SELECT name FROM pairs.cat; \
             CREATE SEQUENCE pairs.tickets; \
             CREATE TABLE pairs.visit (id serial PRIMARY KEY); \
             CREATE SCHEMA elsewhere; CREATE TABLE elsewhere.t (id integer PRIMARY KEY); \
             CREATE TABLE pairs.link (id integer PRIMARY KEY REFERENCES elsewhere.t (id)); \
             CREATE VIEW pairs.far AS SELECT id FROM elsewhere.t; \
             CREATE UNLOGGED TABLE pairs.log (id uuid PRIMARY KEY, note text COLLATE \"C\"); \
             CREATE UNIQUE INDEX dog_name_idx ON pairs.dog (name) NULLS NOT DISTINCT; \
             ALTER TABLE pairs.dog ADD CONSTRAINT dog_named_check CHECK (name <> '') NOT VALID;",
        )
        .await
        .expect("objects import cannot express");
    let imported = import(&env, "p").await;
    let warnings = imported.warnings.join("\n");
    for expected in [
        "function shout()",
        "trigger dog.loud",
        "policy dog.mine",
        "column cat.id of type smallint",
        "primary key cat.cat_pkey: it has a skipped column",
        "sequence tickets",
        "column visit.id takes its default from a sequence",
        "foreign key link.link_id_fkey references elsewhere.t",
        "view far reads elsewhere.t",
        "table log: it is UNLOGGED",
        "column log.note: its collation",
        "check dog.dog_named_check is NOT VALID",
    ] {
        assert!(
            warnings.contains(expected),
            "no warning `{expected}` in:\n{warnings}"
        );
    }
    // The tables import all the same, without the skipped columns, in a valid package.
    let written = serde_json::to_value(&imported.package).unwrap();
    parse_package(&written).unwrap_or_else(|p| panic!("invalid import: {p}\n{written:#}"));
    let schemas = written["schemas"].clone();
    assert_eq!(schemas["Dog"]["fields"]["name"]["type"], "string");
    assert_eq!(schemas["Cat"]["fields"]["name"]["type"], "string");
    // An enum type is imported, and its columns are enum fields.
    assert_eq!(
        written["enums"]["Mood"],
        json!({"values": ["calm", "wild"]})
    );
    assert_eq!(schemas["Cat"]["fields"]["mood"]["enum"], "Mood");
    // A materialized view imports as one.
    assert_eq!(schemas["CatNames"]["kind"], "materializedView");
    assert_eq!(schemas["Visit"]["fields"]["id"]["autoIncrement"], true);
    assert_eq!(schemas["Dog"]["indexes"][0]["name"], "name");
    // NULLS NOT DISTINCT is in the model: imported, not warned about.
    assert_eq!(schemas["Dog"]["indexes"][0]["nullsDistinct"], false);
    assert_eq!(schemas["Dog"]["checks"][0]["name"], "named");
}

#[tokio::test]
async fn a_missing_schema_is_an_error_naming_it() {
    let env = Env::new().await;
    let error = import_schema(&env.db.client, "no_such_schema", "p", "1")
        .await
        .expect_err("a missing schema");
    assert!(error.to_string().contains("no_such_schema"), "{error}");
}
