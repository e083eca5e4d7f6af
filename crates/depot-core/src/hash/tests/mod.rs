//! Tests of the version hash: the fixtures shared by all, and the hash's stability across
//! rewrites of the same input and across releases.

use serde_json::{json, Value};

use super::version_hash;
use crate::properties::parse_dataset;

mod edits;
mod writer;

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

/// [`base`]'s hash, as computed before `lockTimeoutMs` existed.
const BASE_HASH: &str = "a223afdfb90db93a9a775bcba90a30963d3b9f1756f1d940d9a5d3543f3046d6";

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

/// `lockTimeoutMs` joined the configuration after datasets were deployed: unset, it is not
/// part of the hashed configuration, so their hashes stay what they were (the value pinned
/// here is `base`'s hash before the option existed); set, it is, in either scalar form.
#[test]
fn lock_timeout_ms_changes_the_hash_only_when_set() {
    assert_eq!(hash_of(&base()), BASE_HASH);
    let with = |value: Value| {
        let mut raw = base();
        raw["migrationOptions"]["lockTimeoutMs"] = value;
        hash_of(&raw)
    };
    assert_ne!(with(json!(1000)), BASE_HASH);
    assert_eq!(with(json!(1000)), with(json!("1000")));
    assert_ne!(with(json!(1000)), with(json!(1200)));
}

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

/// The hash of [`base`] as the first implementation (`serde_jcs`) computed it: stored
/// documents are named by their hash, so it must never change.
#[test]
fn the_hash_of_a_known_input_is_stable() {
    assert_eq!(
        hash_of(&base()),
        "a223afdfb90db93a9a775bcba90a30963d3b9f1756f1d940d9a5d3543f3046d6"
    );
}
