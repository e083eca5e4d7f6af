//! Test fixtures shared by the tests of every part of package validation: the SPEC's example
//! package, and helpers to change one member of it and list the problems found.

use serde_json::{json, Value};

use super::parse_package;

pub(super) fn dogs() -> Value {
    json!({
        "name": "dogs",
        "version": "1.3.0",
        "description": "Dogs and their vaccinations",
        "schemas": {
            "Dog": {
                "kind": "object",
                "description": "A dog known to the clinic",
                "fields": {
                    "id":         { "type": "uuid" },
                    "name":       { "type": "string", "maxLength": 200 },
                    "birthDate":  { "type": "date", "nullable": true },
                    "weightKg":   { "type": "decimal", "precision": 6, "scale": 2, "nullable": true },
                    "vaccinated": { "type": "boolean", "default": false },
                    "ownerName":  { "type": "string", "nullable": true, "previousNames": ["owner"] }
                },
                "primaryKey": ["id"],
                "indexes": [ { "name": "byName", "fields": ["name"] } ],
                "previousNames": ["Hound"]
            },
            "VaccinatedDog": {
                "kind": "view",
                "query": "SELECT id, name, birthDate FROM Dog WHERE vaccinated"
            }
        },
        "seeds": { "Dog": [ { "id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": "Rex" } ] }
    })
}

pub(super) fn unseeded() -> Value {
    let mut raw = dogs();
    raw.as_object_mut().unwrap().remove("seeds");
    raw
}

/// problems parses `raw`, expecting failure, and gives (rule, path) pairs.
pub(super) fn problems(raw: Value) -> Vec<(&'static str, String)> {
    match parse_package(&raw) {
        Ok(p) => panic!("expected problems, the package parsed: {p:?}"),
        Err(ps) => ps.0.into_iter().map(|p| (p.rule, p.path)).collect(),
    }
}

pub(super) fn with(mut base: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    base.pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .insert(key.to_string(), value);
    base
}
