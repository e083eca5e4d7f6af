//! Enums: the package's `enums` (SPEC §1b), each a list of values or an object with `values`,
//! `description`, `previousNames` and `sqlName`; and, once every schema is read, the fields
//! that use them (the enum exists, a literal default is one of its values).

use std::collections::{BTreeMap, BTreeSet};

use crate::column_default::FieldDefault;
use crate::json::JsonValue;
use crate::package::{EnumType, Schema};
use crate::reader::{Place, Reader};
use crate::rules;

use super::names::{check_name, check_previous_names, read_previous_names, Owner};
use super::package::{optional_sql_name, optional_string};

const ENUM_KEYS: &[&str; 4] = &["values", "description", "previousNames", "sqlName"];

/// The longest enum value: PostgreSQL stores a label in 63 bytes (NAMEDATALEN - 1).
pub const MAX_VALUE_BYTES: usize = 63;

/// read_enums reads `enums`: an object of enums by logical name.
pub(super) fn read_enums<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
) -> Option<BTreeMap<String, EnumType>> {
    let Some(map) = value.as_object() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!(
                "`enums` must be an object of enums by name (each a list of values), not {}",
                crate::lenient::kind(value)
            ),
        );
        return None;
    };
    let before = r.problems.len();
    let mut enums = BTreeMap::new();
    for (name, raw) in crate::json::JsonObject::members(map) {
        let item = at.key(name);
        check_name(r, &item, "enum", name);
        if let Some(e) = read_enum(r, raw, &item, name) {
            enums.insert(name.to_string(), e);
        }
    }
    let previous: Vec<(&str, Vec<String>)> = enums
        .iter()
        .map(|(n, e)| (n.as_str(), e.previous_names.clone()))
        .collect();
    check_previous_names(
        r,
        at,
        Owner::Schema,
        &previous,
        |n| enums.contains_key(n),
        "enum",
    );
    (r.problems.len() == before).then_some(enums)
}

fn read_enum<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    name: &str,
) -> Option<EnumType> {
    if raw.as_array().is_some() {
        let values = read_values(r, raw, at, name)?;
        return Some(EnumType {
            values,
            description: None,
            previous_names: Vec::new(),
            sql_name: None,
        });
    }
    let [values, description, previous_names, sql_name] = r.members(
        raw,
        at,
        format_args!("enum `{name}` (a list of values, or an object with `values`)"),
        ENUM_KEYS,
    )?;
    let values = r
        .require(
            values,
            at,
            "values",
            format_args!("enum `{name}` needs `values`: a list of strings"),
        )
        .and_then(|v| read_values(r, v, &at.key("values"), name));
    let description = optional_string(r, description, at, "description");
    let previous_names = read_previous_names(r, previous_names, at);
    let sql_name = optional_sql_name(r, sql_name, at);
    Some(EnumType {
        values: values?,
        description: description?,
        previous_names: previous_names?.unwrap_or_default(),
        sql_name: sql_name?,
    })
}

/// read_values reads an enum's values: at least one, each a non-empty string of at most
/// [`MAX_VALUE_BYTES`] without NUL, no value twice.
fn read_values<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    name: &str,
) -> Option<Vec<String>> {
    let before = r.problems.len();
    let values = r.string_list(raw, at, format_args!("the values of enum `{name}`"))?;
    if values.is_empty() && r.problems.len() == before {
        r.report(
            at,
            rules::EMPTY_VALUE,
            format!("enum `{name}` has no values: list at least one"),
        );
    }
    let mut seen = BTreeSet::new();
    for (i, v) in values.iter().enumerate() {
        let item = at.index(i);
        if v.is_empty() {
            r.report(
                &item,
                rules::EMPTY_VALUE,
                format!("enum `{name}` has an empty value: values are non-empty strings"),
            );
        } else if v.contains('\0') {
            // Already reported as a NUL character wherever it is; said here for the enum too.
            r.report(
                &item,
                rules::INVALID_VALUE,
                format!("a value of enum `{name}` holds a NUL character"),
            );
        } else if v.len() > MAX_VALUE_BYTES {
            r.report(
                &item,
                rules::INVALID_VALUE,
                format!(
                    "value `{v}` of enum `{name}` is {} bytes long: at most {MAX_VALUE_BYTES} (PostgreSQL's limit)",
                    v.len()
                ),
            );
        }
        if !seen.insert(v.as_str()) {
            r.report(
                &item,
                rules::INVALID_VALUE,
                format!("enum `{name}` lists value `{v}` twice"),
            );
        }
    }
    (r.problems.len() == before).then_some(values)
}

/// check_enum_fields reports fields of type `enum` that name no enum of the package, and
/// literal defaults that are not a value of their enum.
pub(super) fn check_enum_fields(
    r: &mut Reader,
    at: &Place<'_>,
    enums: &BTreeMap<String, EnumType>,
    schemas: &BTreeMap<String, Schema>,
) {
    for (schema, s) in schemas {
        let Schema::Object(o) = s else { continue };
        for (field, f) in &o.fields {
            let crate::field_type::FieldType::Enum { name, .. } = &f.field_type else {
                continue;
            };
            let place = at.key(schema).in_schema(schema);
            let place = place.key("fields");
            let place = place.key(field).in_field(field);
            let Some(e) = enums.get(name) else {
                let known: Vec<&str> = enums.keys().map(String::as_str).collect();
                r.report(
                    &place.key("enum"),
                    rules::UNKNOWN_SCHEMA,
                    format!(
                        "field `{field}` of `{schema}` uses enum `{name}`, which the package's `enums` do not declare{}",
                        if known.is_empty() {
                            String::new()
                        } else {
                            format!(" (declared: {})", known.join(", "))
                        }
                    ),
                );
                continue;
            };
            if let Some(FieldDefault::Literal(serde_json::Value::String(v))) = &f.default {
                if !e.values.contains(v) {
                    r.report(
                        &place.key("default"),
                        rules::INVALID_DEFAULT,
                        format!(
                            "the default `{v}` of field `{field}` is not a value of enum `{name}` ({})",
                            e.values.join(", ")
                        ),
                    );
                }
            }
        }
    }
}
