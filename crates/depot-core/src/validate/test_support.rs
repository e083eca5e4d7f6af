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

/// one_problem parses `raw`, expecting exactly one problem, and gives it.
pub(super) fn one_problem(raw: Value) -> crate::problem::Problem {
    match parse_package(&raw) {
        Ok(p) => panic!("expected a problem, the package parsed: {p:?}"),
        Err(ps) => {
            assert_eq!(ps.0.len(), 1, "{ps}");
            ps.0.into_iter().next().unwrap()
        }
    }
}

/// orders is a package using every key of SPEC §1b that this version builds.
pub(super) fn orders() -> Value {
    json!({
        "name": "orders", "version": "1", "description": "Orders",
        "schemas": {
            "Customer": {
                "kind": "object",
                "fields": {
                    "id": {"type": "uuid", "default": {"expression": "randomUuid"}},
                    "email": {"type": "string", "maxLength": 200}
                },
                "primaryKey": ["id"],
                "indexes": [{"name": "byEmail", "fields": ["email"], "unique": true, "method": "btree"}]
            },
            "Order": {
                "kind": "object",
                "description": "An order",
                "fields": {
                    "id": {"type": "bigint", "autoIncrement": true, "description": "surrogate key"},
                    "seq": {"type": "integer", "autoIncrement": "always"},
                    "ref": {"type": "string", "maxLength": 36, "default": {"expression": "randomUuid"}},
                    "placedAt": {"type": "timestamptz", "default": {"expression": "now"}},
                    "day": {"type": "date", "default": {"expression": "currentDate"}},
                    "tags": {"type": "array", "items": {"type": "string", "maxLength": 20}, "nullable": true, "default": ["a", "b"]},
                    "customerId": {"type": "uuid"},
                    "customerEmail": {"type": "string", "nullable": true},
                    "totalCents": {"type": "bigint"},
                    "totalEuros": {"type": "decimal", "precision": 14, "scale": 2, "computed": "totalCents / 100.0"},
                    "note": {"type": "string", "nullable": true, "default": {"sql": {"postgres": "'n/a'::text", "snowflake": "'n/a'"}}},
                    "meta": {"type": "json", "default": {"literal": {"sql": 1}}},
                    "plain": {"type": "json", "default": {"a": 1}}
                },
                "primaryKey": ["id"],
                "foreignKeys": [
                    {"name": "byCustomer", "fields": ["customerId"], "references": {"schema": "Customer", "fields": ["id"]},
                     "onDelete": "restrict", "onUpdate": "cascade", "deferrable": "initiallyDeferred", "description": "the buyer"},
                    {"name": "byEmail", "fields": ["customerEmail"], "references": {"schema": "Customer", "fields": ["email"]}},
                    {"name": "byBreed", "fields": ["customerId"], "references": {"schema": "Breeds.Breed", "fields": ["id"]}}
                ],
                "checks": [{"name": "positiveTotal", "expression": "totalCents >= 0", "description": "no credit"}],
                "indexes": [
                    {"name": "openOrders", "fields": [{"field": "placedAt", "order": "desc"}, {"field": "day", "order": "asc", "nulls": "last"}],
                     "where": "totalCents > 0", "include": ["customerId"], "method": "btree", "description": "recent first"},
                    {"name": "byTags", "fields": ["tags"], "method": "gin"}
                ]
            }
        },
        "seeds": {"Order": [{"id": 1, "customerId": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "totalCents": 100, "tags": ["x"]}]}
    })
}
