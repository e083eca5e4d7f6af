//! Shared test fixtures for the properties tests: a valid package, the SPEC §2 example, a
//! minimal dataset, and helpers to change one key and to list the problems found.

use serde_json::{json, Value};

use super::parse_dataset;
use crate::view::test_dialect::TEST_ENGINES;

pub(super) fn package() -> Value {
    json!({
        "name": "dogs", "version": "1.0.0",
        "schemas": {"Dog": {"kind": "object", "fields": {"id": {"type": "uuid"}}, "primaryKey": ["id"]}}
    })
}

pub(super) fn spec_example() -> Value {
    json!({
        "environmentId": "e2e404529091ed2",
        "alias": "WsDevDogSrc",
        "bootstrapBucket": "sdp-bootstrap-058264526050-eu-west-1",
        "package": package(),
        "location": {
            "type": "postgres", "name": "main",
            "host": "db.example.internal", "port": 5432, "database": "app",
            "secretArn": "arn:aws:secretsmanager:eu-west-1:058264526050:secret:depot/main"
        },
        "executor": { "name": "migrations" },
        "schemaName": "ws_dev_dog_src",
        "namingStrategy": "snake_case",
        "dependencies": { "Breeds": "WsDevBreeds" },
        "migrationOptions": {
            "migrationMode": { "type": "asynchronous", "eventBusArn": "arn:aws:events:eu-west-1:1:event-bus/x", "customEventBinding": false },
            "triggerSeeding": false,
            "allowedHazards": ["DELETES_DATA"]
        },
        "removalPolicy": "retain"
    })
}

pub(super) fn minimal() -> Value {
    json!({
        "environmentId": "e2e404529091ed2",
        "alias": "WsDevDogSrc",
        "bootstrapBucket": "bkt",
        "package": package(),
        "location": {"type": "postgres", "name": "main", "host": "h", "port": "5432", "database": "app"},
    })
}

pub(super) fn problems(raw: Value) -> Vec<(&'static str, String)> {
    match parse_dataset(&raw, &TEST_ENGINES) {
        Ok(d) => panic!("expected problems, parsed: {d:?}"),
        Err(ps) => ps.0.into_iter().map(|p| (p.rule, p.path)).collect(),
    }
}

pub(super) fn set(mut raw: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    raw.pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .insert(key.to_string(), value);
    raw
}
