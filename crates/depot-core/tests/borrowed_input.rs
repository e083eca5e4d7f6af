//! The two ways into validation must agree: dataset properties read from a `serde_json::Value`
//! (`parse_dataset`) and the same text read as a `BorrowedJson` (`parse_dataset_json`) give the
//! same dataset, or the same problems (paths, schemas, fields, rules and messages, in order).
//!
//! Inputs: every case under `tests/data`, each also with every value in it replaced in turn by
//! values of every JSON kind, and texts only text can hold (repeated keys, escapes).

#[path = "common/engines.rs"]
mod engines;

use std::path::Path;

use depot_core::borrowed_json;
use depot_core::properties::{parse_dataset, parse_dataset_json};
use depot_core::validate::{parse_package, parse_package_json};
use engines::TEST_ENGINES;
use serde_json::{json, Value};

fn dataset_of(package: Value) -> Value {
    json!({
        "environmentId": "e2e404529091ed2",
        "alias": "WsDevDogSrc",
        "bootstrapBucket": "sdp-bootstrap-058264526050-eu-west-1",
        "location": {"type": "postgres", "name": "main", "host": "db", "port": "5432", "database": "app"},
        "dependencies": {"Breeds": "WsDevBreeds"},
        "migrationOptions": {"migrationMode": {"type": "asynchronous"}, "allowedHazards": "DELETES_DATA, INDEX_BUILD"},
        "package": package,
    })
}

/// Every case under `tests/data`, as dataset properties (packages wrapped in a dataset).
fn cases() -> Vec<(String, Value)> {
    let mut cases = Vec::new();
    for folder in ["valid", "invalid", "invalid-datasets"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(folder);
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            // The file's own text first: its key order, spacing and escapes.
            assert_same(&text);
            let raw: Value = serde_json::from_str(&text).unwrap();
            let raw = if folder == "invalid-datasets" {
                raw
            } else {
                dataset_of(raw)
            };
            cases.push((format!("{folder}/{}", path.display()), raw));
        }
    }
    cases
}

/// assert_same parses `text` both ways, as dataset properties and as a package.
fn assert_same(text: &str) {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let borrowed = borrowed_json::from_str(text).unwrap_err();
            assert_eq!(
                borrowed.to_string(),
                format!("malformed JSON: {e}"),
                "{text}"
            );
            return;
        }
    };
    let borrowed = match borrowed_json::from_str(text) {
        Ok(borrowed) => borrowed,
        // serde_json's `Value` keeps the last of a repeated key; the text reader refuses it.
        Err(borrowed_json::ParseError::DuplicateKey(problem)) => {
            assert_eq!(problem.rule, "duplicate-key", "{text}");
            return;
        }
        Err(e) => panic!("{text}: {e}"),
    };
    assert_eq!(
        parse_dataset(&value, &TEST_ENGINES),
        parse_dataset_json(&borrowed, &TEST_ENGINES),
        "dataset {text}"
    );
    assert_eq!(
        parse_package(&value),
        parse_package_json(&borrowed),
        "package {text}"
    );
}

/// Every place in `value` (JSON pointers to each member and element, the root excluded).
fn pointers(value: &Value, prefix: &str, out: &mut Vec<String>) {
    let escape = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{prefix}/{}", escape(k));
                out.push(p.clone());
                pointers(v, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{prefix}/{i}");
                out.push(p.clone());
                pointers(v, &p, out);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

#[test]
fn every_case_reads_the_same_both_ways() {
    for (_, raw) in cases() {
        assert_same(&raw.to_string());
        assert_same(&serde_json::to_string_pretty(&raw).unwrap());
    }
}

#[test]
fn every_value_replaced_by_every_kind_reads_the_same_both_ways() {
    let odd = [
        json!(null),
        json!(true),
        json!("false"),
        json!(0),
        json!(-7),
        json!(2.5),
        json!(18446744073709551615u64),
        json!("12"),
        json!(""),
        json!(" "),
        json!("a b"),
        json!("x".repeat(70)),
        json!([]),
        json!(["a", 1]),
        json!({}),
        json!({"zz": 1, "type": "uuid"}),
    ];
    let mut checked = 0;
    for (_, raw) in cases() {
        let mut places = Vec::new();
        pointers(&raw, "", &mut places);
        for place in &places {
            for value in &odd {
                let mut changed = raw.clone();
                *changed.pointer_mut(place).unwrap() = value.clone();
                assert_same(&changed.to_string());
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "only {checked} inputs");
}

#[test]
fn texts_only_text_can_hold_read_the_same_both_ways() {
    let package = r#"{"name": "dogs", "version": "1", "schemas": {
        "Dog": {"kind": "object", "fields": {"id": {"type": "uuid"}, "name": {"type": "string"}},
                "primaryKey": ["id"]}}}"#;
    for text in [
        // Repeated keys: refused by the text reader.
        r#"{"name": "a", "version": "1", "name": "b", "schemas": {}}"#,
        r#"{"name": "a", "version": "1", "schemas": {"X": {"kind": "view"}, "X": {"kind": "object", "fields": {"id": {"type": "uuid"}}}}}"#,
        r#"{"name": "a", "version": "1", "schemas": {"X": {"kind": "object", "fields": {"id": {"type": "uuid"}}}, "X": 5}}"#,
        // Escapes in keys and values, and keys that sort differently once unescaped.
        r#"{"n\u0061me": "dogs", "version": "1\n", "schemas": {"D\u006fg": {"kind": "object", "fields": {"i\u0064": {"type": "uu\u0069d"}}}}}"#,
        r#"{"name": "dogs", "version": "1", "schemas": {"Dog": {"kind": "object", "fields": {"\u00e9t\u00e9": {"type": "date"}, "\"q\"": {"type": "x"}}}}}"#,
        // Numbers in their many spellings.
        r#"{"name": "dogs", "version": "1", "schemas": {"Dog": {"kind": "object", "fields": {"d": {"type": "decimal", "precision": 6.0, "scale": 2e0, "default": 1.250e1}, "n": {"type": "bigint", "default": -9223372036854775808}, "f": {"type": "double", "default": 1e-7}}}}}"#,
        // Not JSON at all.
        r#"{"name": "dogs",}"#,
        "",
        package,
    ] {
        assert_same(text);
        let dataset = dataset_of(serde_json::from_str(text).unwrap_or(Value::Null));
        assert_same(&dataset.to_string());
    }
}
