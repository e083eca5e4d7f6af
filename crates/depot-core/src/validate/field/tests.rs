//! Tests of reading fields: scalars, types and their parameters, defaults, arrays, keys.

use super::super::parse_package;
use super::super::test_support::{dogs, problems, unseeded, with};
use crate::field_type::FieldType;
use crate::package::Schema;
use crate::rules;
use serde_json::json;

#[test]
fn string_scalars_are_accepted_and_normalized() {
    let raw = with(
        dogs(),
        "/schemas/Dog/fields/age",
        json!({"type": "integer", "default": "5", "nullable": "true"}),
    );
    let raw = with(
        raw,
        "/schemas/Dog/fields/weightKg",
        json!({"type": "decimal", "precision": "6", "scale": "2", "default": "012.50"}),
    );
    let p = parse_package(&raw).unwrap();
    let Schema::Object(dog) = &p.schemas["Dog"] else {
        panic!()
    };
    assert_eq!(
        dog.fields.get("age").unwrap().default,
        Some(crate::column_default::FieldDefault::Literal(json!(5)))
    );
    assert!(dog.fields.get("age").unwrap().nullable);
    assert_eq!(
        dog.fields.get("weightKg").unwrap().default,
        Some(crate::column_default::FieldDefault::Literal(json!("12.5")))
    );
}

#[test]
fn unknown_type_lists_the_valid_types_and_hints() {
    let raw = with(dogs(), "/schemas/Dog/fields/name", json!({"type": "text"}));
    let err = parse_package(&raw).unwrap_err();
    let p = &err.0[0];
    assert_eq!(
        (p.rule, p.path.as_str()),
        (rules::UNKNOWN_TYPE, "schemas.Dog.fields.name.type")
    );
    assert!(p.message.contains("did you mean `string`"), "{}", p.message);
    assert!(p.message.contains("timestamptz"), "{}", p.message);
    assert_eq!(
        err.0.len(),
        1,
        "the index on `name` is not reported again: {err}"
    );
}

#[test]
fn type_parameters_are_checked() {
    let cases = [
        (
            json!({"type": "integer", "maxLength": 5}),
            "schemas.Dog.fields.x.maxLength",
        ),
        (
            json!({"type": "string", "maxLength": 0}),
            "schemas.Dog.fields.x.maxLength",
        ),
        (
            json!({"type": "string", "maxLength": "-3"}),
            "schemas.Dog.fields.x.maxLength",
        ),
        (json!({"type": "decimal"}), "schemas.Dog.fields.x.precision"),
        (
            json!({"type": "decimal", "precision": 39}),
            "schemas.Dog.fields.x.precision",
        ),
        (
            json!({"type": "decimal", "precision": 4, "scale": 5}),
            "schemas.Dog.fields.x.scale",
        ),
        (
            json!({"type": "string", "scale": 1}),
            "schemas.Dog.fields.x.scale",
        ),
    ];
    for (field, path) in cases {
        let got = problems(with(unseeded(), "/schemas/Dog/fields/x", field.clone()));
        assert_eq!(got.len(), 1, "{field}: {got:?}");
        assert_eq!(got[0].1, path, "{field}");
    }
    let ok = parse_package(&with(
        unseeded(),
        "/schemas/Dog/fields/x",
        json!({"type": "decimal", "precision": 10}),
    ))
    .unwrap();
    let Schema::Object(dog) = &ok.schemas["Dog"] else {
        panic!()
    };
    assert_eq!(
        dog.fields.get("x").unwrap().field_type,
        FieldType::Decimal {
            precision: 10,
            scale: 0
        }
    );
}

#[test]
fn defaults_must_be_literals_of_the_field_type() {
    for (field, needle) in [
        (json!({"type": "integer", "default": "five"}), "integer"),
        (json!({"type": "date", "default": "2024-13-01"}), "calendar"),
        (json!({"type": "uuid", "default": 5}), "UUID"),
        (
            json!({"type": "string", "nullable": true, "default": null}),
            "no default",
        ),
    ] {
        let err = parse_package(&with(dogs(), "/schemas/Dog/fields/x", field.clone())).unwrap_err();
        assert_eq!(err.0.len(), 1, "{field}");
        assert_eq!(err.0[0].rule, rules::INVALID_DEFAULT);
        assert_eq!(err.0[0].path, "schemas.Dog.fields.x.default");
        assert!(err.0[0].message.contains(needle), "{}", err.0[0].message);
    }
}

#[test]
fn array_fields_take_items_of_one_type() {
    let raw = with(
        unseeded(),
        "/schemas/Dog/fields/x",
        json!({"type": "array", "items": {"type": "decimal", "precision": "6", "scale": 2}, "default": ["1.50"]}),
    );
    let p = parse_package(&raw).unwrap();
    let Schema::Object(dog) = &p.schemas["Dog"] else {
        panic!()
    };
    assert_eq!(
        dog.fields.get("x").unwrap().field_type,
        FieldType::Array {
            items: Box::new(FieldType::Decimal {
                precision: 6,
                scale: 2
            })
        }
    );
    assert_eq!(
        dog.fields.get("x").unwrap().default,
        Some(crate::column_default::FieldDefault::Literal(json!(["1.5"])))
    );
    let cases = [
        (
            json!({"type": "array"}),
            rules::REQUIRED,
            "schemas.Dog.fields.x.items",
            "needs `items`",
        ),
        (
            json!({"type": "array", "items": {"type": "array", "items": {"type": "string"}}}),
            rules::UNKNOWN_TYPE,
            "schemas.Dog.fields.x.items.type",
            "arrays of arrays",
        ),
        (
            json!({"type": "array", "items": {"type": "text"}}),
            rules::UNKNOWN_TYPE,
            "schemas.Dog.fields.x.items.type",
            "did you mean `string`",
        ),
        (
            json!({"type": "array", "items": {"type": "string", "nullable": true}}),
            rules::UNKNOWN_KEY,
            "schemas.Dog.fields.x.items.nullable",
            "`items` of field `x`",
        ),
        (
            json!({"type": "array", "items": "string"}),
            rules::WRONG_JSON_TYPE,
            "schemas.Dog.fields.x.items",
            "`items` of field `x`",
        ),
        (
            json!({"type": "string", "items": {"type": "string"}}),
            rules::INVALID_TYPE_PARAMETER,
            "schemas.Dog.fields.x.items",
            "only to array fields",
        ),
        (
            json!({"type": "enum"}),
            rules::REQUIRED,
            "schemas.Dog.fields.x.enum",
            "needs `enum`",
        ),
        (
            json!({"type": "enum", "enum": "Status", "maxLength": 3}),
            rules::INVALID_TYPE_PARAMETER,
            "schemas.Dog.fields.x.maxLength",
            "only to string fields",
        ),
        (
            json!({"type": "array", "items": {"type": "enum"}}),
            rules::UNKNOWN_TYPE,
            "schemas.Dog.fields.x.items.type",
            "arrays of enums",
        ),
        (
            json!({"type": "string", "enum": "Status"}),
            rules::INVALID_TYPE_PARAMETER,
            "schemas.Dog.fields.x.enum",
            "only to enum fields",
        ),
    ];
    for (field, rule, path, needle) in cases {
        let got =
            parse_package(&with(unseeded(), "/schemas/Dog/fields/x", field.clone())).unwrap_err();
        assert_eq!(got.0.len(), 1, "{field}: {got}");
        let p = &got.0[0];
        assert_eq!(
            (p.rule, p.path.as_str()),
            (rule, path),
            "{field}: {}",
            p.message
        );
        assert!(p.message.contains(needle), "{field}: {}", p.message);
    }
}

#[test]
fn computed_and_array_fields_are_not_key_fields() {
    for (field, needle) in [
        (json!({"type": "integer", "computed": "1"}), "computed"),
        (
            json!({"type": "array", "items": {"type": "integer"}}),
            "an array",
        ),
    ] {
        let raw = with(unseeded(), "/schemas/Dog/fields/k", field.clone());
        let raw = with(raw, "/schemas/Dog/primaryKey", json!(["id", "k"]));
        let got = parse_package(&raw).unwrap_err();
        assert_eq!(got.0.len(), 1, "{field}: {got}");
        let p = &got.0[0];
        assert_eq!(
            (p.rule, p.path.as_str()),
            (rules::INVALID_KEY_FIELD, "schemas.Dog.primaryKey[1]")
        );
        assert!(p.message.contains(needle), "{}", p.message);
        assert!(
            p.message.contains("`k`") && p.message.contains("`Dog`"),
            "{}",
            p.message
        );
    }
}
