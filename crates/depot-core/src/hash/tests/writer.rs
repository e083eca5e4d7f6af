//! The canonical JSON writers match `serde_jcs` (the first implementation), and the typed
//! writer of the package matches the serialized model.

use std::cmp::Ordering;

use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::super::canonical::{utf16_cmp, MAX_EXACT};
use super::super::sink::CHUNK;
use super::super::{canonical_json, version_hash, write_hashed};
use super::{base, BASE_REWRITTEN};
use crate::dataset::DatasetConfig;
use crate::package::Package;
use crate::properties::parse_dataset;

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

/// The canonical JSON as it was first written: `serde_jcs` over the `Value` with big
/// integers turned into strings. The writers here must give the same text, byte for byte.
fn reference(value: &Value) -> String {
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
    serde_jcs::to_string(&exact_integers(value.clone())).unwrap()
}

#[test]
fn the_writer_matches_serde_jcs_on_a_corpus() {
    let corpus = [
        json!(null),
        json!(true),
        json!(false),
        json!(0),
        json!(-0.0),
        json!(-1),
        json!(1.5),
        json!(0.1),
        json!(100.0),
        json!(1e21),
        json!(1e20),
        json!(123456789012345680000.0),
        json!(1e-7),
        json!(0.000001),
        json!(5e-324),
        json!(1.7976931348623157e308),
        json!(-2.5e-10),
        json!(9007199254740992u64),
        json!(9007199254740993u64),
        json!(-9007199254740992i64),
        json!(-9007199254740993i64),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(""),
        json!("plain"),
        json!("quote \" backslash \\ slash / tab \t newline \n cr \r bs \u{8} ff \u{c}"),
        json!("controls \u{0} \u{1} \u{1f} \u{b} del \u{7f} \u{80} \u{2028} \u{2029}"),
        json!("non-ASCII: äöü € 𝄞 \u{e000} \u{ffff} \u{10000} 😀"),
        json!([]),
        json!({}),
        json!([1, [2, [3, [4, []]]], {"a": [{}]}]),
        json!({"b": 1, "a": 2, "A": 3, "_": 4, "aa": 5, "": 6}),
        json!({"\u{10000}": 1, "\u{e000}": 2, "\u{ffff}": 3, "\u{d7ff}": 4, "z": 5, "é": 6}),
        json!({"😀": {"\u{ff61}": [1.25, "x"], "𝄞": null}, "\u{f000}a": true, "\u{f000}": false}),
        json!({"key\nwith\"escapes\\": "v", "key\u{1}": [1e300, -0.5]}),
        json!({"peach": "This sorting order", "péché": "is wrong according to French", "pêche": "but canonicalization MUST", "sin": "ignore locale"}),
        json!({"1": {"f": {"f": "hi", "F": 5}, "\n": 56.0}, "10": {}, "": "empty", "a": {}, "111": [{"e": "yes", "E": "no"}], "A": {}}),
    ];
    // RFC 8785's own example (section 3.2.2), read as text.
    let rfc: Value = serde_json::from_str(
        r#"{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
                "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
                "literals": [null, true, false]}"#,
    )
    .unwrap();
    assert_eq!(
        canonical_json(&rfc),
        r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
    );
    for value in corpus.iter().chain([&rfc]) {
        assert_eq!(canonical_json(value), reference(value), "{value}");
    }
}

#[test]
fn utf16_order_differs_from_byte_order_only_above_the_bmp() {
    let mut keys = vec![
        "\u{ffff}",
        "\u{10000}",
        "\u{e000}",
        "a",
        "",
        "ab",
        "\u{d7ff}",
        "😀",
    ];
    keys.sort_by(|a, b| utf16_cmp(a, b));
    let mut by_units = keys.clone();
    by_units.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    assert_eq!(keys, by_units);
    assert_eq!(keys[..4], ["", "a", "ab", "\u{d7ff}"]);
    assert_eq!(utf16_cmp("\u{10000}", "\u{e000}"), Ordering::Less);
    assert_eq!(utf16_cmp("\u{e000}", "\u{10000}"), Ordering::Greater);
    assert_eq!(utf16_cmp("x\u{10000}", "x\u{10000}"), Ordering::Equal);
}

/// A dataset using every member of the configuration and the package, with literals of
/// every type (json defaults and seeds with non-ASCII keys, escapes, floats, big integers).
fn everything() -> Value {
    let fields = json!({
        "id": {"type": "uuid", "description": "key", "sqlName": "dog_id"},
        "name": {"type": "string", "maxLength": 200, "default": "ä\"\\\n\u{1}😀", "previousNames": ["title", "label"]},
        "free": {"type": "string", "nullable": true},
        "count": {"type": "integer", "default": "-5"},
        "big": {"type": "bigint", "default": "-9007199254740993"},
        "small": {"type": "bigint", "default": 9007199254740992i64},
        "weight": {"type": "decimal", "precision": 6, "scale": 2, "default": "0012.50"},
        "whole": {"type": "decimal", "precision": 4, "scale": 0, "nullable": true},
        "ratio": {"type": "double", "default": 0.1},
        "huge": {"type": "double", "default": 1e21},
        "tiny": {"type": "double", "default": "1e-7"},
        "ok": {"type": "boolean", "default": "true"},
        "born": {"type": "date", "default": "2024-02-29"},
        "opens": {"type": "time", "default": "08:30:00.500"},
        "seen": {"type": "timestamp", "default": "2025-04-28 08:31:33.810"},
        "at": {"type": "timestamptz", "default": "2025-01-01T00:30:00+01:00"},
        "doc": {"type": "json", "nullable": true, "default": {
            "\u{10000}": 1, "\u{e000}": [1.5, {"b": null, "a": "x"}], "é": -9007199254740993i64,
            "z": {"\u{ffff}": 2.5e-8, "Z": [[], {}]}, "": "\u{7f}\t"
        }},
        "ref": {"type": "uuid", "nullable": true, "default": "7F1C0A52-8F3E-4D7E-9A51-2B1B3C7F0D11"},
        "blob": {"type": "binary", "default": "aGVsbG8"},
        "seq": {"type": "bigint", "autoIncrement": true},
        "always": {"type": "integer", "autoIncrement": "always"},
        "twice": {"type": "integer", "computed": "count * 2", "description": "é\u{1}"},
        "made": {"type": "timestamptz", "default": {"expression": "now"}},
        "today": {"type": "date", "default": {"expression": "currentDate"}},
        "token": {"type": "uuid", "default": {"sql": {"snowflake": "UUID_STRING()", "postgres": "gen_random_uuid()"}}},
        "form": {"type": "json", "default": {"literal": {"expression": "now"}}},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 20}, "nullable": true, "default": ["a", "ä"]},
        "sizes": {"type": "array", "items": {"type": "decimal", "precision": 6, "scale": 2}, "default": ["1.50", 2]}
    });
    let seeds = json!({
        "Dog": [
            {"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": "Rex", "free": null,
             "doc": {"ß": [1, 2.5, "\u{1}"], "\u{10ffff}": {"k": true}, "a": 18446744073709551615u64}},
            {"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d12", "name": "Fido", "ratio": "2.5", "big": 1}
        ]
    });
    json!({
        "environmentId": "e2e404529091ed2",
        "alias": "WsDevDogSrc",
        "bootstrapBucket": "sdp-bootstrap-058264526050-eu-west-1",
        "location": {"type": "snowflake", "name": "sf", "account": "acme-x1", "database": "DB",
                     "warehouse": "WH", "role": "R", "user": "U", "endpoint": "https://localhost:4566",
                     "secretArn": "arn:aws:secretsmanager:eu-west-1:1:secret:x"},
        "executor": {"name": "migrations", "warehouse": "W2", "role": "R2"},
        "schemaName": "DOGS",
        "dependencies": {"Breeds": "WsDevBreeds", "Aa": "x"},
        "migrationOptions": {
            "migrationMode": {"type": "asynchronous", "eventBusArn": "arn:aws:events:eu-west-1:1:event-bus/x", "customEventBinding": true},
            "triggerSeeding": true,
            "allowedHazards": ["DELETES_DATA", "INDEX_BUILD", "TABLE_REWRITE"]
        },
        "removalPolicy": "destroy",
        "unenforcedChecks": "ignore",
        "package": {
            "name": "dogs ✓", "version": "1.3.0", "description": "Dogs \"and\" cats\n",
            "schemas": {
                "Dog": {
                    "kind": "object",
                    "description": "A dog",
                    "sqlName": "dogs_table",
                    "previousNames": ["Hound", "Canine"],
                    "fields": fields,
                    "primaryKey": ["id", "name"],
                    "indexes": [{"name": "byName", "fields": ["name", "free"], "unique": true},
                                {"name": "byBorn", "fields": ["born"]},
                                {"name": "recent", "fields": [{"field": "seen", "order": "desc", "nulls": "last"}, "count", {"field": "born", "nulls": "first"}],
                                 "where": "ok", "include": ["weight", "ratio"], "method": "btree", "description": "recent ✓"},
                                {"name": "byTags", "fields": ["tags"], "method": "gin"}],
                    "foreignKeys": [
                        {"name": "self", "fields": ["ref", "free"], "references": {"schema": "Dog", "fields": ["id", "name"]},
                         "onDelete": "setNull", "onUpdate": "cascade", "deferrable": "initiallyImmediate", "description": "parent"},
                        {"name": "breed", "fields": ["ref"], "references": {"schema": "Breeds.Breed", "fields": ["id"]}}
                    ],
                    "checks": [{"name": "positive", "expression": "count > 0", "description": "\"quoted\""},
                               {"name": "alsoPositive", "expression": "big > 0"}]
                },
                "Tag": {"kind": "object", "fields": {"label": {"type": "string"}}},
                "Everything": {
                    "kind": "view", "description": "all", "sqlName": "v_all", "previousNames": ["All"],
                    "query": "SELECT id FROM Dog", "queries": {"snowflake": "SELECT id FROM Dog LIMIT 1", "postgres": "SELECT id FROM Dog"}
                },
                "Plain": {"kind": "view", "queries": {"postgres": "SELECT 1"}}
            },
            "seeds": seeds
        }
    })
}

/// Hashed is what the hash covers, serialized by serde (the generic path).
#[derive(Serialize)]
struct Hashed<'a> {
    dataset: &'a DatasetConfig,
    package: &'a Package,
}

#[test]
fn the_typed_writer_matches_the_serialized_model() {
    let bench_like = json!({
        "environmentId": "e2e404529091ed2", "alias": "Bench", "bootstrapBucket": "bkt",
        "location": {"type": "postgres", "name": "bench", "host": "127.0.0.1", "port": "5432", "database": "bench"},
        "package": {"name": "bench", "version": "1.0.0", "schemas": (0..300).map(|i| (format!("Entity{i:05}"), json!({
            "kind": "object",
            "fields": {"id": {"type": "uuid"}, "name": {"type": "string", "maxLength": 200}, "q": {"type": "integer", "default": i}},
            "primaryKey": ["id"],
            "indexes": [{"name": "byName", "fields": ["name"]}]
        }))).collect::<serde_json::Map<_, _>>()}
    });
    let rewritten: Value = serde_json::from_str(BASE_REWRITTEN).unwrap();
    let mut longest = 0;
    for raw in [base(), rewritten, everything(), bench_like] {
        let d = parse_dataset(&raw).unwrap_or_else(|e| panic!("{e}"));
        let hashed = Hashed {
            dataset: &d.config,
            package: &d.package,
        };
        let expected = reference(&serde_json::to_value(&hashed).unwrap());
        assert_eq!(canonical_json(&hashed), expected);
        let mut typed = Vec::new();
        write_hashed(&mut typed, &d.config, &d.package);
        assert_eq!(String::from_utf8(typed).unwrap(), expected);
        // Streamed into the hasher in chunks, it hashes as the whole text does (the
        // bench-like package is several chunks long).
        assert_eq!(
            version_hash(&d.config, &d.package),
            hex::encode(Sha256::digest(expected.as_bytes()))
        );
        longest = longest.max(expected.len());
    }
    assert!(longest > 3 * CHUNK, "{longest}");
}
