//! Fields: one field of an object, its type (with parameters and hints for misspelled types),
//! nullability, default and names.

use crate::field_type::FieldType;
use crate::json::JsonValue;
use crate::package::Field;
use crate::reader::{Place, Reader};
use crate::rules;

use super::default::read_default;
use super::generated::{check_generated_keys, read_auto_increment, GivenKeys};
use super::names::{read_previous_names, Joined};
use super::package::{optional_sql_name, optional_string};

const FIELD_KEYS: &[&str; 13] = &[
    "type",
    "maxLength",
    "precision",
    "scale",
    "nullable",
    "default",
    "description",
    "previousNames",
    "sqlName",
    "items",
    "autoIncrement",
    "computed",
    "enum",
];

/// The keys of an array's `items`: a type and its parameters (`items` only to be refused with
/// a reason: arrays of arrays are not supported).
const ITEMS_KEYS: &[&str; 5] = &["type", "maxLength", "precision", "scale", "items"];

/// The largest decimal precision both engines support.
const MAX_DECIMAL_PRECISION: u32 = 38;

/// TYPE_ALIASES maps common spellings from other systems to Depot's type, for a hint.
const TYPE_ALIASES: &[(&str, &str)] = &[
    ("int", "integer"),
    ("int4", "integer"),
    ("int32", "integer"),
    ("int8", "bigint"),
    ("int64", "bigint"),
    ("long", "bigint"),
    ("text", "string"),
    ("varchar", "string"),
    ("bool", "boolean"),
    ("float", "double"),
    ("float8", "double"),
    ("number", "double"),
    ("real", "double"),
    ("numeric", "decimal"),
    ("datetime", "timestamp"),
    ("bytes", "binary"),
    ("bytea", "binary"),
    ("blob", "binary"),
    ("jsonb", "json"),
];

/// TypeMembers are the members of a field that give its type.
struct TypeMembers<'v, J> {
    type_name: Option<&'v J>,
    max_length: Option<&'v J>,
    precision: Option<&'v J>,
    scale: Option<&'v J>,
    /// An array's `items`.
    items: Option<&'v J>,
    /// An enum field's `enum`.
    enum_name: Option<&'v J>,
}

/// TypeOf says whose type is read: a field's, or the items of an array field.
#[derive(Clone, Copy, PartialEq)]
enum TypeOf {
    Field,
    Items,
}

fn read_field_type<J: JsonValue>(
    r: &mut Reader,
    members: TypeMembers<'_, J>,
    at: &Place<'_>,
    name: &str,
    of: TypeOf,
) -> Option<FieldType> {
    let TypeMembers {
        type_name,
        max_length,
        precision,
        scale,
        items,
        enum_name,
    } = members;
    let before = r.problems.len();
    let type_name = r
        .require(
            type_name,
            at,
            "type",
            format_args!("field `{name}` needs a type: {}", Joined(FieldType::NAMES)),
        )
        .and_then(|v| r.str(v, &at.key("type"), "the field `type`"))?;
    let param = |r: &mut Reader, value: Option<&J>, key: &str| -> Option<Option<u32>> {
        match value {
            None => Some(None),
            Some(v) => r.u32(v, &at.key(key), format_args!("`{key}`")).map(Some),
        }
    };
    let given = (max_length.is_some(), precision.is_some(), scale.is_some());
    let max_length = param(r, max_length, "maxLength");
    let precision = param(r, precision, "precision");
    let scale = param(r, scale, "scale");
    let misplaced = |r: &mut Reader, present: bool, key: &str, belongs: &str| {
        if present {
            r.report(
                &at.key(key),
                rules::INVALID_TYPE_PARAMETER,
                format!("`{key}` applies only to {belongs} fields, and `{name}` is {type_name}"),
            );
        }
    };
    if type_name != "array" {
        misplaced(r, items.is_some(), "items", "array");
    }
    let field_type = match type_name {
        "array" if of == TypeOf::Items => {
            r.report(
                &at.key("type"),
                rules::UNKNOWN_TYPE,
                format!("the items of array field `{name}` cannot be arrays: arrays of arrays are not supported"),
            );
            return None;
        }
        "array" => {
            misplaced(r, given.0, "maxLength", "string");
            misplaced(r, given.1, "precision", "decimal");
            misplaced(r, given.2, "scale", "decimal");
            let items = r
                .require(
                    items,
                    at,
                    "items",
                    format_args!(
                        "array field `{name}` needs `items`: an object with the items' `type` (and its parameters)"
                    ),
                )
                .and_then(|v| read_items(r, v, &at.key("items"), name));
            FieldType::Array {
                items: Box::new(items?),
            }
        }
        "enum" if of == TypeOf::Items => {
            r.report(
                &at.key("type"),
                rules::UNKNOWN_TYPE,
                format!("the items of array field `{name}` cannot be enums: arrays of enums are not supported"),
            );
            return None;
        }
        "enum" => {
            misplaced(r, given.0, "maxLength", "string");
            misplaced(r, given.1, "precision", "decimal");
            misplaced(r, given.2, "scale", "decimal");
            let enum_name = r
                .require(
                    enum_name,
                    at,
                    "enum",
                    format_args!("enum field `{name}` needs `enum`: the name of one of the package's `enums`"),
                )
                .and_then(|v| r.non_empty_string(v, &at.key("enum"), "`enum`"))?;
            FieldType::Enum {
                name: enum_name,
                namespace: None,
            }
        }
        "string" => {
            misplaced(r, given.1, "precision", "decimal");
            misplaced(r, given.2, "scale", "decimal");
            if max_length == Some(Some(0)) {
                r.report(
                    &at.key("maxLength"),
                    rules::INVALID_TYPE_PARAMETER,
                    "`maxLength` must be at least 1 (leave it out for unbounded strings)",
                );
            }
            FieldType::String {
                max_length: max_length.flatten(),
            }
        }
        "decimal" => {
            misplaced(r, given.0, "maxLength", "string");
            let s = scale.flatten().unwrap_or(0);
            match precision {
                // Not a number: already reported.
                None => {}
                Some(None) => r.report(
                    &at.key("precision"),
                    rules::INVALID_TYPE_PARAMETER,
                    format!("decimal field `{name}` needs `precision` (1 to {MAX_DECIMAL_PRECISION})"),
                ),
                Some(Some(p)) if !(1..=MAX_DECIMAL_PRECISION).contains(&p) => r.report(
                    &at.key("precision"),
                    rules::INVALID_TYPE_PARAMETER,
                    format!("precision {p} of `{name}` is out of range: 1 to {MAX_DECIMAL_PRECISION}"),
                ),
                Some(Some(p)) if s > p => r.report(
                    &at.key("scale"),
                    rules::INVALID_TYPE_PARAMETER,
                    format!("scale {s} of `{name}` is larger than its precision {p}: scale is 0 to precision"),
                ),
                Some(Some(_)) => {}
            }
            FieldType::Decimal {
                precision: precision.flatten().unwrap_or(0),
                scale: s,
            }
        }
        other => {
            let Some(known) = simple_type(other) else {
                let hint = TYPE_ALIASES
                    .iter()
                    .find(|(alias, _)| alias.eq_ignore_ascii_case(other))
                    .map(|(_, t)| *t)
                    .or_else(|| {
                        FieldType::NAMES
                            .iter()
                            .copied()
                            .find(|n| n.eq_ignore_ascii_case(other))
                    })
                    .map(|t| format!(" (did you mean `{t}`?)"))
                    .unwrap_or_default();
                r.report(
                    &at.key("type"),
                    rules::UNKNOWN_TYPE,
                    format!(
                        "field `{name}` has unknown type `{other}`{hint}; valid types: {}",
                        Joined(FieldType::NAMES)
                    ),
                );
                return None;
            };
            misplaced(r, given.0, "maxLength", "string");
            misplaced(r, given.1, "precision", "decimal");
            misplaced(r, given.2, "scale", "decimal");
            known
        }
    };
    (r.problems.len() == before).then_some(field_type)
}

/// read_items reads the `items` of array field `name`: an object with a type and its
/// parameters.
fn read_items<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    name: &str,
) -> Option<FieldType> {
    let [type_name, max_length, precision, scale, items] = r.members(
        raw,
        at,
        format_args!("the `items` of field `{name}`"),
        ITEMS_KEYS,
    )?;
    let members = TypeMembers {
        type_name,
        max_length,
        precision,
        scale,
        items,
        enum_name: None,
    };
    read_field_type(r, members, at, name, TypeOf::Items)
}

/// simple_type is the parameterless type named `name`.
fn simple_type(name: &str) -> Option<FieldType> {
    Some(match name {
        "integer" => FieldType::Integer,
        "bigint" => FieldType::Bigint,
        "double" => FieldType::Double,
        "boolean" => FieldType::Boolean,
        "date" => FieldType::Date,
        "time" => FieldType::Time,
        "timestamp" => FieldType::Timestamp,
        "timestamptz" => FieldType::Timestamptz,
        "json" => FieldType::Json,
        "uuid" => FieldType::Uuid,
        "binary" => FieldType::Binary,
        _ => return None,
    })
}

pub(super) fn read_field<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    name: &str,
) -> (Option<Field>, Option<Vec<String>>) {
    let before = r.problems.len();
    let Some(
        [type_name, max_length, precision, scale, nullable, default, description, previous_names, sql_name, items, auto_increment, computed, enum_name],
    ) = r.members(raw, at, format_args!("field `{name}`"), FIELD_KEYS)
    else {
        return (None, None);
    };
    let type_members = TypeMembers {
        type_name,
        max_length,
        precision,
        scale,
        items,
        enum_name,
    };
    let field_type = read_field_type(r, type_members, at, name, TypeOf::Field);
    if enum_name.is_some() && type_name.and_then(JsonValue::as_str) != Some("enum") {
        r.report(
            &at.key("enum"),
            rules::INVALID_TYPE_PARAMETER,
            format!("`enum` applies only to enum fields (`\"type\": \"enum\"`), and `{name}` is not one"),
        );
    }
    let nullable = match nullable {
        None => Some(false),
        Some(v) => r.bool(v, &at.key("nullable"), "`nullable`"),
    };
    let (default_raw, computed_raw) = (default, computed);
    let default = match (default, &field_type) {
        (None, _) => Some(None),
        (Some(v), Some(t)) => read_default(r, v, at, name, t).map(Some),
        // The type itself is wrong and already reported: the default cannot be checked.
        (Some(_), None) => None,
    };
    let auto_increment = match auto_increment {
        None => Some(None),
        Some(v) => read_auto_increment(r, v, at, name, field_type.as_ref()),
    };
    let computed = match computed {
        None => Some(None),
        Some(v) => r
            .non_empty_string(
                v,
                &at.key("computed"),
                format_args!(
                    "`computed` of field `{name}` (one SQL expression over the row's fields)"
                ),
            )
            .map(Some),
    };
    check_generated_keys(
        r,
        at,
        name,
        GivenKeys {
            default: default_raw.is_some(),
            auto_increment: auto_increment.flatten().is_some(),
            computed: computed_raw.is_some(),
            nullable: nullable == Some(true),
        },
    );
    let description = optional_string(r, description, at, "description");
    let sql_name = optional_sql_name(r, sql_name, at);
    let Some(prev) = read_previous_names(r, previous_names, at) else {
        return (None, None);
    };
    let (
        Some(field_type),
        Some(nullable),
        Some(default),
        Some(auto_increment),
        Some(computed),
        Some(description),
        Some(sql_name),
    ) = (
        field_type,
        nullable,
        default,
        auto_increment,
        computed,
        description,
        sql_name,
    )
    else {
        return (None, prev);
    };
    if r.problems.len() > before {
        return (None, prev);
    }
    let field = Field {
        field_type,
        nullable,
        default,
        auto_increment,
        computed,
        description,
        // Kept twice only when given (rarely): once in the field, once for the checks.
        previous_names: prev.clone().unwrap_or_default(),
        sql_name,
    };
    (Some(field), prev)
}

#[cfg(test)]
mod tests {
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
            dog.fields["age"].default,
            Some(crate::column_default::FieldDefault::Literal(json!(5)))
        );
        assert!(dog.fields["age"].nullable);
        assert_eq!(
            dog.fields["weightKg"].default,
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
            dog.fields["x"].field_type,
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
            let err =
                parse_package(&with(dogs(), "/schemas/Dog/fields/x", field.clone())).unwrap_err();
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
            dog.fields["x"].field_type,
            FieldType::Array {
                items: Box::new(FieldType::Decimal {
                    precision: 6,
                    scale: 2
                })
            }
        );
        assert_eq!(
            dog.fields["x"].default,
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
            let got = parse_package(&with(unseeded(), "/schemas/Dog/fields/x", field.clone()))
                .unwrap_err();
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
}
