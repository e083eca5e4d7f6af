//! Field types: reading a field's type (or an array's items) with its parameters, with hints
//! for types spelled as other systems spell them.

use crate::field_type::FieldType;
use crate::json::JsonValue;
use crate::reader::{Place, Reader};
use crate::rules;

use super::super::names::Joined;

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
pub(super) struct TypeMembers<'v, J> {
    pub(super) type_name: Option<&'v J>,
    pub(super) max_length: Option<&'v J>,
    pub(super) precision: Option<&'v J>,
    pub(super) scale: Option<&'v J>,
    /// An array's `items`.
    pub(super) items: Option<&'v J>,
    /// An enum field's `enum`.
    pub(super) enum_name: Option<&'v J>,
}

/// TypeOf says whose type is read: a field's, or the items of an array field.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum TypeOf {
    Field,
    Items,
}

pub(super) fn read_field_type<J: JsonValue>(
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
