//! Every meaningful edit of a dataset changes its hash.

use serde_json::{json, Value};

use super::{base, hash_of};

/// edit applies `value` at JSON pointer `pointer` (creating the last key), or removes the
/// key when `value` is null.
fn edit(pointer: &str, value: Value) -> Value {
    let mut raw = base();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = raw
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("{pointer}"));
    match target {
        Value::Object(map) if value.is_null() => {
            map.remove(key);
        }
        Value::Object(map) => {
            map.insert(key.to_string(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
        other @ (Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_)) => {
            panic!("{pointer}: {other}")
        }
    }
    raw
}

#[test]
fn every_meaningful_edit_gives_a_distinct_hash() {
    let dog = "/package/schemas/Dog";
    let edits = [
        (
            "field type",
            edit(&format!("{dog}/fields/id/type"), json!("string")),
        ),
        (
            "maxLength",
            edit(&format!("{dog}/fields/name/maxLength"), json!(201)),
        ),
        (
            "nullable",
            edit(&format!("{dog}/fields/name/nullable"), json!(true)),
        ),
        (
            "default",
            edit(&format!("{dog}/fields/weightKg/default"), json!("1.51")),
        ),
        (
            "bigint default beyond 2^53",
            edit(
                &format!("{dog}/fields/big/default"),
                json!(9007199254740992i64),
            ),
        ),
        (
            "decimal scale",
            edit(&format!("{dog}/fields/weightKg/scale"), json!(3)),
        ),
        (
            "add field",
            edit(
                &format!("{dog}/fields/colour"),
                json!({"type": "string", "nullable": true}),
            ),
        ),
        (
            "rename via previousNames",
            edit(
                &format!("{dog}/fields/name/previousNames"),
                json!(["title"]),
            ),
        ),
        (
            "field sqlName",
            edit(&format!("{dog}/fields/name/sqlName"), json!("dog_name")),
        ),
        (
            "index unique",
            edit(
                &format!("{dog}/indexes/0"),
                json!({"name": "byName", "fields": ["name"], "unique": true}),
            ),
        ),
        (
            "primaryKey",
            edit(&format!("{dog}/primaryKey"), json!(["id", "name"])),
        ),
        (
            "view query",
            edit(
                "/package/schemas/VaccinatedDog/query",
                json!("SELECT id FROM Dog WHERE vaccinated"),
            ),
        ),
        ("package version", edit("/package/version", json!("1.3.1"))),
        ("schemaName", edit("/schemaName", json!("dogs"))),
        ("namingStrategy", edit("/namingStrategy", json!("preserve"))),
        (
            "allowedHazards",
            edit(
                "/migrationOptions/allowedHazards",
                json!(["DELETES_DATA", "TABLE_REWRITE"]),
            ),
        ),
        (
            "migration mode",
            edit(
                "/migrationOptions/migrationMode",
                json!({"type": "asynchronous"}),
            ),
        ),
        (
            "triggerSeeding",
            edit("/migrationOptions/triggerSeeding", json!(true)),
        ),
        (
            "dependency",
            edit("/dependencies/Breeds", json!("WsProdBreeds")),
        ),
        (
            "location host",
            edit("/location/host", json!("db2.example.internal")),
        ),
        ("location port", edit("/location/port", json!(5433))),
        ("executor", edit("/executor/name", json!("other"))),
        ("removalPolicy", edit("/removalPolicy", json!("destroy"))),
        ("alias", edit("/alias", json!("WsDevDogSrc2"))),
        // SPEC §1b.
        (
            "unenforcedChecks",
            edit("/unenforcedChecks", json!("ignore")),
        ),
        (
            "package description",
            edit("/package/description", json!("Dogs")),
        ),
        (
            "object description",
            edit(&format!("{dog}/description"), json!("A dog")),
        ),
        (
            "field description",
            edit(&format!("{dog}/fields/name/description"), json!("the name")),
        ),
        (
            "view kind materializedView",
            edit(
                "/package/schemas/VaccinatedDog/kind",
                json!("materializedView"),
            ),
        ),
        (
            "materialized view indexes",
            edit(
                "/package/schemas/VaccinatedDog",
                json!({"kind": "materializedView", "query": "SELECT id, name FROM Dog WHERE vaccinated",
                       "indexes": [{"name": "byId", "fields": ["id"], "unique": true}]}),
            ),
        ),
        (
            "view description",
            edit(
                "/package/schemas/VaccinatedDog/description",
                json!("vaccinated"),
            ),
        ),
        (
            "autoIncrement",
            edit(
                &format!("{dog}/fields/n"),
                json!({"type": "bigint", "autoIncrement": true}),
            ),
        ),
        (
            "autoIncrement always",
            edit(
                &format!("{dog}/fields/n"),
                json!({"type": "bigint", "autoIncrement": "always"}),
            ),
        ),
        (
            "computed",
            edit(
                &format!("{dog}/fields/n"),
                json!({"type": "bigint", "computed": "1"}),
            ),
        ),
        (
            "default expression",
            edit(
                &format!("{dog}/fields/n"),
                json!({"type": "uuid", "default": {"expression": "randomUuid"}}),
            ),
        ),
        (
            "default sql",
            edit(
                &format!("{dog}/fields/n"),
                json!({"type": "uuid", "default": {"sql": {"postgres": "gen_random_uuid()"}}}),
            ),
        ),
        (
            "default literal that looks like a form",
            edit(
                &format!("{dog}/fields/n"),
                json!({"type": "json", "default": {"literal": {"sql": {"postgres": "gen_random_uuid()"}}}}),
            ),
        ),
        (
            "array",
            edit(
                &format!("{dog}/fields/n"),
                json!({"type": "array", "items": {"type": "string"}}),
            ),
        ),
        (
            "array items",
            edit(
                &format!("{dog}/fields/n"),
                json!({"type": "array", "items": {"type": "string", "maxLength": 5}}),
            ),
        ),
        (
            "foreign key",
            edit(
                &format!("{dog}/foreignKeys"),
                json!([{"name": "self", "fields": ["id"], "references": {"schema": "Dog", "fields": ["id"]}}]),
            ),
        ),
        (
            "foreign key action",
            edit(
                &format!("{dog}/foreignKeys"),
                json!([{"name": "self", "fields": ["id"], "references": {"schema": "Dog", "fields": ["id"]}, "onDelete": "cascade"}]),
            ),
        ),
        (
            "check",
            edit(
                &format!("{dog}/checks"),
                json!([{"name": "named", "expression": "name <> ''"}]),
            ),
        ),
        (
            "index key order",
            edit(
                &format!("{dog}/indexes/0"),
                json!({"name": "byName", "fields": [{"field": "name", "order": "desc"}]}),
            ),
        ),
        (
            "index where",
            edit(
                &format!("{dog}/indexes/0"),
                json!({"name": "byName", "fields": ["name"], "where": "vaccinated"}),
            ),
        ),
        (
            "index include",
            edit(
                &format!("{dog}/indexes/0"),
                json!({"name": "byName", "fields": ["name"], "include": ["id"]}),
            ),
        ),
        (
            "index method",
            edit(
                &format!("{dog}/indexes/0"),
                json!({"name": "byName", "fields": ["name"], "method": "hash"}),
            ),
        ),
        (
            "index description",
            edit(
                &format!("{dog}/indexes/0"),
                json!({"name": "byName", "fields": ["name"], "description": "by name"}),
            ),
        ),
    ];
    let mut seen = std::collections::BTreeMap::new();
    seen.insert(hash_of(&base()), "the base");
    for (what, raw) in &edits {
        let h = hash_of(raw);
        if let Some(other) = seen.insert(h, what) {
            panic!("`{what}` gives the same hash as {other}");
        }
    }
    assert_eq!(seen.len(), edits.len() + 1);
}
