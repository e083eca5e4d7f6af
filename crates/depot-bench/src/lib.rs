//! Generated packages for Depot's benchmarks: `n` objects of 20 fields each (assorted types, a
//! primary key, two indexes), and a next version where every tenth object changed (a field
//! added, a `varchar` widened, a field renamed, a check and a description changed).
//!
//! Objects use the schema features of SPEC §1b, so that benchmarks measure them too: an
//! identity column, an expression default, a foreign key to the previous object, a check, a
//! partial index, a sorted index key and descriptions.

use depot_core::engine::Engines;
use depot_postgres::PostgresDialect;
use depot_snowflake::SnowflakeDialect;
use serde_json::{json, Map, Value};

/// The engines a benchmark's dataset may live on.
pub const ENGINES: Engines<'static> = Engines::new(&[&PostgresDialect, &SnowflakeDialect]);

/// The namespace benchmark datasets deploy into.
pub const NAMESPACE: &str = "bench";
/// The fixed dataset id of benchmark datasets.
pub const DATASET_ID: &str = "0123456789ab";

/// Fields per object.
pub const FIELDS: usize = 20;

/// The logical name of object `i`.
pub fn object_name(i: usize) -> String {
    format!("Entity{i:05}")
}

/// True when object `i` changes in the next version (every tenth object: 10%).
pub fn changes(i: usize) -> bool {
    i.is_multiple_of(10)
}

/// One object of the first version (`next = false`) or of the next one.
fn object(i: usize, next: bool) -> Value {
    let changed = next && changes(i);
    let mut fields = Map::new();
    let mut add = |name: &str, v: Value| {
        fields.insert(name.to_string(), v);
    };
    add("id", json!({"type": "uuid"}));
    add(
        "name",
        json!({"type": "string", "maxLength": 200, "description": "what people call it"}),
    );
    add("code", json!({"type": "string", "maxLength": 32}));
    add("quantity", json!({"type": "integer", "default": 0}));
    add("total", json!({"type": "bigint", "autoIncrement": true}));
    add(
        "amount",
        json!({"type": "decimal", "precision": 12, "scale": 2, "nullable": true}),
    );
    add("ratio", json!({"type": "double", "nullable": true}));
    add("active", json!({"type": "boolean", "default": false}));
    add("birthDate", json!({"type": "date", "nullable": true}));
    add("opensAt", json!({"type": "time", "nullable": true}));
    add(
        "createdAt",
        json!({"type": "timestamp", "default": {"expression": "now"}}),
    );
    add(
        "updatedAt",
        json!({"type": "timestamptz", "nullable": true}),
    );
    add("payload", json!({"type": "json", "nullable": true}));
    add("parentId", json!({"type": "uuid", "nullable": true}));
    add("picture", json!({"type": "binary", "nullable": true}));
    add(
        "score",
        json!({"type": "integer", "nullable": true, "default": 10}),
    );
    add(
        "price",
        json!({"type": "decimal", "precision": 10, "scale": 4, "nullable": true}),
    );
    add("description", json!({"type": "string", "nullable": true}));
    // Widened in the next version: varchar(100) -> varchar(300), in place.
    let label_length = if changed { 300 } else { 100 };
    add(
        "label",
        json!({"type": "string", "maxLength": label_length, "nullable": true}),
    );
    // Renamed in the next version: note -> remark.
    if changed {
        add(
            "remark",
            json!({"type": "string", "maxLength": 500, "nullable": true, "previousNames": ["note"]}),
        );
        // Added in the next version.
        add(
            "extra",
            json!({"type": "string", "maxLength": 64, "nullable": true}),
        );
    } else {
        add(
            "note",
            json!({"type": "string", "maxLength": 500, "nullable": true}),
        );
    }
    // A foreign key to the previous object: a chain through the whole package.
    let foreign_keys = match i.checked_sub(1) {
        Some(parent) => json!([{
            "name": "toParent", "fields": ["parentId"],
            "references": {"schema": object_name(parent), "fields": ["id"]},
            "onDelete": "setNull"
        }]),
        None => json!([]),
    };
    let least = if changed { 1 } else { 0 };
    json!({
        "kind": "object",
        "description": if changed { format!("entity {i}, revised") } else { format!("entity {i}") },
        "fields": fields,
        "primaryKey": ["id"],
        "foreignKeys": foreign_keys,
        "checks": [{"name": "enoughQuantity", "expression": format!("quantity >= {least}")}],
        "indexes": [
            {"name": "byName", "fields": ["name"], "where": "active"},
            {"name": "byCode", "fields": ["code", {"field": "createdAt", "order": "desc"}], "unique": true}
        ]
    })
}

/// A package of `objects` objects; `next` gives the version where 10% of them changed.
pub fn package(objects: usize, next: bool) -> Value {
    let schemas: Map<String, Value> = (0..objects)
        .map(|i| (object_name(i), object(i, next)))
        .collect();
    json!({
        "name": "bench",
        "version": if next { "1.1.0" } else { "1.0.0" },
        "schemas": schemas,
    })
}

/// Dataset properties (SPEC §2) around `package`: synchronous mode, every hazard allowed.
pub fn properties(package: &Value, database: &str) -> Value {
    json!({
        "environmentId": "e2e404529091ed2",
        "alias": "Bench",
        "datasetId": DATASET_ID,
        "bootstrapBucket": "sdp-bootstrap-bench",
        "package": package,
        "location": {"type": "postgres", "name": "bench", "host": "127.0.0.1", "port": "5432", "database": database},
        "executor": {"name": "bench"},
        "schemaName": NAMESPACE,
        "namingStrategy": "snake_case",
        "migrationOptions": {
            "migrationMode": {"type": "synchronous"},
            "allowedHazards": ["DELETES_DATA", "TABLE_REWRITE", "BLOCKS_WRITES", "BLOCKS_READS",
                               "INDEX_BUILD", "VALIDATES_DATA", "NOT_REVERSIBLE", "NARROWS_TYPE"]
        }
    })
}

/// The dataset properties of `objects` objects as JSON text, as a dataset file holds them.
pub fn properties_text(objects: usize, next: bool) -> String {
    serde_json::to_string(&properties(&package(objects, next), "bench")).expect("JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_have_twenty_fields_and_ten_percent_change() {
        let old = package(100, false);
        let new = package(100, true);
        let fields = |p: &Value, i: usize| {
            p["schemas"][object_name(i)]["fields"]
                .as_object()
                .unwrap()
                .len()
        };
        assert_eq!(fields(&old, 1), FIELDS);
        assert_eq!(fields(&new, 1), FIELDS);
        assert_eq!(fields(&new, 0), FIELDS + 1);
        let changed = (0..100)
            .filter(|&i| old["schemas"][object_name(i)] != new["schemas"][object_name(i)])
            .count();
        assert_eq!(changed, 10);
    }

    /// Both versions are valid datasets, with every §1b feature the generator uses accepted.
    #[test]
    fn both_versions_validate() {
        for next in [false, true] {
            let raw = properties(&package(20, next), "bench");
            if let Err(problems) = depot_core::properties::parse_dataset(&raw, &crate::ENGINES) {
                panic!("next={next}: {problems}");
            }
        }
    }
}
