//! Bounded fuzzing of everything that reads user input: the text reader
//! ([`borrowed_json::from_str`]), dataset and package validation, and literal normalization for
//! every field type. Inputs are random bytes, random JSON values, and mutations of the valid
//! packages under `tests/data/valid` (a value replaced, a key removed, bytes of the text changed).
//!
//! What must hold: no input panics, and every refusal is a [`Problem`] with a path and a rule
//! (or, for text that is not JSON, a parse error). The number of cases is `PROPTEST_CASES`
//! (`make fuzz` raises it); the default keeps `cargo test` to seconds.

#[path = "common/engines.rs"]
mod engines;

use std::path::Path;

use depot_core::borrowed_json::{self, ParseError};
use depot_core::literal::normalize;
use depot_core::properties::{parse_dataset, parse_dataset_json};
use depot_core::validate::{parse_package, parse_package_json};
use depot_core::{FieldType, Problem, Problems};
use engines::TEST_ENGINES;
use proptest::prelude::*;
use serde_json::{json, Value};

/// The number of cases of each property: `PROPTEST_CASES`, else `default`.
fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        // Shrinking a failure is worth its time; a passing run should not wait on it.
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

fn assert_located(problems: &Problems, input: &str) {
    assert!(!problems.0.is_empty(), "refused without a problem: {input}");
    for Problem {
        path,
        rule,
        message,
        ..
    } in &problems.0
    {
        assert!(
            !path.is_empty(),
            "a problem without a path: {message} ({input})"
        );
        assert!(
            !rule.is_empty(),
            "a problem without a rule: {message} ({input})"
        );
        assert!(
            !message.is_empty(),
            "a problem without a message at {path} ({input})"
        );
    }
}

/// Validates `value` as a package and as dataset properties (alone and around it).
fn validate_value(value: &Value) {
    let shown = || value.to_string().chars().take(400).collect::<String>();
    if let Err(p) = parse_package(value) {
        assert_located(&p, &shown());
    }
    if let Err(p) = parse_dataset(value, &TEST_ENGINES) {
        assert_located(&p, &shown());
    }
    if let Err(p) = parse_dataset(&dataset_of(value.clone()), &TEST_ENGINES) {
        assert_located(&p, &shown());
    }
}

/// Reads `text` as the command line does, then validates it both ways.
fn validate_text(text: &str) {
    match borrowed_json::from_str(text) {
        Ok(json) => {
            if let Err(p) = parse_package_json(&json) {
                assert_located(&p, text);
            }
            if let Err(p) = parse_dataset_json(&json, &TEST_ENGINES) {
                assert_located(&p, text);
            }
            validate_value(&json_value(&json));
        }
        Err(ParseError::DuplicateKey(problem)) => {
            assert!(!problem.path.is_empty() && problem.rule == "duplicate-key");
        }
        Err(ParseError::Syntax(_)) => {}
    }
}

fn json_value(json: &borrowed_json::BorrowedJson<'_>) -> Value {
    depot_core::json::JsonValue::to_value(json)
}

fn dataset_of(package: Value) -> Value {
    json!({
        "environmentId": "e2e404529091ed2",
        "alias": "Fuzz",
        "bootstrapBucket": "sdp-bootstrap-fuzz",
        "location": {"type": "postgres", "name": "main", "host": "db", "port": "5432", "database": "app"},
        "package": package,
    })
}

fn valid_packages() -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/valid");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

/// Strings that reach the corners: NUL and other controls, full-width and Arabic-Indic digits,
/// signs, quotes, SQL, very long runs.
fn odd_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9０-９٠-٩:+\\-.TZ ]{0,30}",
        "2024-01-01T00:00:00[+\\-][0-9０-９:]{0,6}",
        "[\\x00-\\x1f\"'\\\\;]{0,10}",
        Just("x".repeat(20_000)),
        Just("SELECT 1; DROP TABLE t; --".to_string()),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        odd_string().prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    odd_string(),
                    prop::sample::select(vec![
                        "name",
                        "version",
                        "schemas",
                        "seeds",
                        "kind",
                        "fields",
                        "type",
                        "maxLength",
                        "precision",
                        "scale",
                        "nullable",
                        "default",
                        "primaryKey",
                        "indexes",
                        "query",
                        "queries",
                        "sqlName",
                        "previousNames",
                        "Dog",
                        // SPEC §1b.
                        "description",
                        "items",
                        "autoIncrement",
                        "computed",
                        "expression",
                        "sql",
                        "literal",
                        "postgres",
                        "foreignKeys",
                        "references",
                        "onDelete",
                        "checks",
                        "field",
                        "order",
                        "nulls",
                        "where",
                        "include",
                        "method",
                        "enums",
                        "unenforcedChecks",
                    ])
                    .prop_map(str::to_string),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every place in `value` as a JSON pointer (the root excluded).
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

/// Removes the member or element at `pointer`.
fn remove_at(value: &mut Value, pointer: &str) {
    let (parent, last) = pointer.rsplit_once('/').expect("a pointer below the root");
    let last = last.replace("~1", "/").replace("~0", "~");
    match value.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&last);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = last.parse::<usize>() {
                if i < items.len() {
                    items.remove(i);
                }
            }
        }
        _ => {}
    }
}

fn field_types() -> Vec<FieldType> {
    vec![
        FieldType::String { max_length: None },
        FieldType::String {
            max_length: Some(3),
        },
        FieldType::Integer,
        FieldType::Bigint,
        FieldType::Double,
        FieldType::Decimal {
            precision: 38,
            scale: 10,
        },
        FieldType::Decimal {
            precision: 1,
            scale: 0,
        },
        FieldType::Boolean,
        FieldType::Date,
        FieldType::Time,
        FieldType::Timestamp,
        FieldType::Timestamptz,
        FieldType::Uuid,
        FieldType::Binary,
        FieldType::Json,
        FieldType::Array {
            items: Box::new(FieldType::Integer),
        },
        FieldType::Array {
            items: Box::new(FieldType::Timestamptz),
        },
    ]
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            validate_text(text);
        }
    }

    #[test]
    fn random_json_never_panics_and_every_refusal_is_located(value in any_json()) {
        validate_value(&value);
        validate_text(&value.to_string());
    }

    #[test]
    fn valid_packages_with_a_value_replaced_or_removed_are_read_or_located(
        which in any::<prop::sample::Index>(),
        place in any::<prop::sample::Index>(),
        replacement in any_json(),
        remove in any::<bool>(),
    ) {
        let packages = valid_packages();
        let mut package = packages[which.index(packages.len())].clone();
        let mut places = Vec::new();
        pointers(&package, "", &mut places);
        let pointer = &places[place.index(places.len())];
        if remove {
            remove_at(&mut package, pointer);
        } else {
            *package.pointer_mut(pointer).unwrap() = replacement;
        }
        validate_value(&package);
        validate_text(&package.to_string());
    }

    #[test]
    fn valid_package_texts_with_bytes_changed_never_panic(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let packages = valid_packages();
        let mut bytes = serde_json::to_vec_pretty(&packages[which.index(packages.len())]).unwrap();
        for (at, byte, op) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 => bytes.insert(i, byte),
                1 if i < bytes.len() => { bytes.remove(i); }
                _ => {
                    // Repeat a slice of the text: repeated keys, doubled members.
                    let end = (i + usize::from(byte)).min(bytes.len());
                    let slice = bytes[i..end].to_vec();
                    bytes.splice(i..i, slice);
                }
            }
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            validate_text(text);
        }
    }

    #[test]
    fn literal_normalization_never_panics_for_any_field_type(value in any_json()) {
        for field_type in field_types() {
            // An error is fine; it must render as a message.
            if let Err(e) = normalize(&field_type, &value) {
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }

    #[test]
    fn temporal_literals_with_odd_characters_never_panic(text in odd_string()) {
        for field_type in field_types() {
            let _ = normalize(&field_type, &Value::from(text.as_str()));
        }
    }
}

#[test]
fn deeply_nested_input_is_refused_without_overflowing_the_stack() {
    for depth in [100, 127, 128, 129, 10_000] {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        validate_text(&text);
        let text = format!(
            r#"{{"name": "p", "version": "1", "schemas": {}1{}}}"#,
            r#"{"a": "#.repeat(depth),
            "}".repeat(depth)
        );
        validate_text(&text);
    }
}
