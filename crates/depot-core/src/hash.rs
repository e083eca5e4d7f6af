//! Version hash (SPEC §3): sha256 of the canonical JSON of the normalized package + config.
//!
//! The inputs are already normalized by parsing (defaults filled in, literals in one form,
//! unordered lists sorted), so the canonical JSON of two inputs that mean the same is the same
//! text whatever their key order, whitespace or string-vs-number scalars.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::dataset::DatasetConfig;
use crate::package::Package;

/// The dataset version hash: 64 lowercase hex characters.
pub fn version_hash(config: &DatasetConfig, package: &Package) -> String {
    #[derive(Serialize)]
    struct Hashed<'a> {
        dataset: &'a DatasetConfig,
        package: &'a Package,
    }
    let canonical = canonical_json(&Hashed {
        dataset: config,
        package,
    });
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// canonical_json writes `value` as RFC 8785 canonical JSON: object keys sorted, no
/// insignificant whitespace, numbers in their shortest ECMAScript form.
///
/// RFC 8785 writes every number as an IEEE double, which cannot tell apart integers beyond
/// 2^53 (two different bigint defaults would hash the same); such integers are written as
/// their decimal string instead, so that every distinct value keeps a distinct text.
///
/// # Panics
///
/// Only if `value`'s `Serialize` implementation fails or produces a map with non-string keys,
/// which Depot's model types never do.
pub fn canonical_json<T: Serialize>(value: &T) -> String {
    let value = serde_json::to_value(value).expect("Depot's model types serialize to JSON");
    serde_jcs::to_string(&exact_integers(value)).expect("a JSON value has a canonical form")
}

/// The largest integer an IEEE double holds exactly, with all below it.
const MAX_EXACT: u64 = 1 << 53;

fn exact_integers(value: Value) -> Value {
    match value {
        Value::Number(n) => {
            let exact = n.as_u64().into_iter().all(|u| u <= MAX_EXACT)
                && n.as_i64()
                    .into_iter()
                    .all(|i| i.unsigned_abs() <= MAX_EXACT);
            if exact {
                Value::Number(n)
            } else {
                Value::String(n.to_string())
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(exact_integers).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, exact_integers(v)))
                .collect(),
        ),
        other @ (Value::Null | Value::Bool(_) | Value::String(_)) => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::properties::parse_dataset;
    use serde_json::json;

    fn hash_of(raw: &Value) -> String {
        let d = parse_dataset(raw).unwrap_or_else(|e| panic!("{e}"));
        version_hash(&d.config, &d.package)
    }

    /// base is a dataset exercising every part of the configuration and package.
    fn base() -> Value {
        json!({
            "environmentId": "e2e404529091ed2",
            "alias": "WsDevDogSrc",
            "bootstrapBucket": "sdp-bootstrap-058264526050-eu-west-1",
            "location": {"type": "postgres", "name": "main", "host": "db.example.internal", "port": 5432, "database": "app"},
            "executor": {"name": "migrations"},
            "dependencies": {"Breeds": "WsDevBreeds"},
            "migrationOptions": {"migrationMode": {"type": "synchronous"}, "triggerSeeding": false, "allowedHazards": ["DELETES_DATA"]},
            "package": {
                "name": "dogs", "version": "1.3.0",
                "schemas": {
                    "Dog": {
                        "kind": "object",
                        "fields": {
                            "id": {"type": "uuid"},
                            "name": {"type": "string", "maxLength": 200},
                            "weightKg": {"type": "decimal", "precision": 6, "scale": 2, "nullable": true, "default": "1.50"},
                            "vaccinated": {"type": "boolean", "default": false},
                            "big": {"type": "bigint", "nullable": true, "default": 9007199254740993i64}
                        },
                        "primaryKey": ["id"],
                        "indexes": [{"name": "byName", "fields": ["name"]}, {"name": "byWeight", "fields": ["weightKg"]}]
                    },
                    "VaccinatedDog": {"kind": "view", "query": "SELECT id, name FROM Dog WHERE vaccinated"}
                }
            }
        })
    }

    /// The same logical input as [`base`], with other key order, whitespace and string scalars.
    const BASE_REWRITTEN: &str = r#"
    {
      "package": {
        "schemas": {
          "VaccinatedDog": { "query": "SELECT id, name FROM Dog WHERE vaccinated", "kind": "view" },
          "Dog": {
            "indexes": [ { "fields": ["weightKg"], "name": "byWeight", "unique": "false" },
                         { "name": "byName", "fields": ["name"] } ],
            "primaryKey": ["id"],
            "fields": {
              "big":        { "default": "9007199254740993", "nullable": "true", "type": "bigint" },
              "vaccinated": { "type": "boolean", "default": "false", "nullable": false },
              "weightKg":   { "scale": "2", "precision": "6", "type": "decimal", "nullable": "true", "default": 1.5 },
              "name":       { "maxLength": "200", "type": "string" },
              "id":         { "type": "uuid" }
            },
            "kind": "object"
          }
        },
        "version": "1.3.0", "name": "dogs"
      },
      "migrationOptions": { "allowedHazards": "DELETES_DATA", "triggerSeeding": "false" },
      "dependencies": { "Breeds": "WsDevBreeds" },
      "executor": { "name": "migrations" },
      "location": { "database": "app", "port": "5432", "host": "db.example.internal", "name": "main", "type": "postgres" },
      "namingStrategy": "snake_case",
      "schemaName": "ws_dev_dog_src",
      "removalPolicy": "retain",
      "bootstrapBucket": "sdp-bootstrap-058264526050-eu-west-1",
      "alias": "WsDevDogSrc",
      "environmentId": "e2e404529091ed2",
      "ServiceToken": "arn:aws:lambda:eu-west-1:058264526050:function:depot"
    }"#;

    #[test]
    fn the_hash_is_64_lowercase_hex() {
        let h = hash_of(&base());
        assert_eq!(h.len(), 64);
        assert!(
            h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "{h}"
        );
    }

    #[test]
    fn key_order_whitespace_string_scalars_and_defaults_do_not_change_the_hash() {
        let rewritten: Value = serde_json::from_str(BASE_REWRITTEN).unwrap();
        assert_eq!(hash_of(&base()), hash_of(&rewritten));
    }

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

    #[test]
    fn canonical_json_sorts_keys_and_keeps_big_integers_exact() {
        assert_eq!(
            canonical_json(&json!({"b": 1, "a": [true, null, 1.50]})),
            r#"{"a":[true,null,1.5],"b":1}"#
        );
        assert_eq!(
            canonical_json(&json!(9007199254740992u64)),
            "9007199254740992"
        );
        assert_eq!(
            canonical_json(&json!(9007199254740993u64)),
            r#""9007199254740993""#
        );
        assert_eq!(
            canonical_json(&json!(-9007199254740993i64)),
            r#""-9007199254740993""#
        );
        assert_eq!(canonical_json(&json!(5.0)), "5");
    }
}
