//! Fields: one field of an object, its type (with parameters and hints for misspelled types),
//! nullability, default and names.

use crate::json::JsonValue;
use crate::package::Field;
use crate::reader::{Place, Reader};
use crate::rules;

use super::default::read_default;
use super::generated::{check_generated_keys, read_auto_increment, GivenKeys};
use super::names::read_previous_names;
use super::package::{optional_sql_name, optional_string};

mod field_type;

use field_type::{read_field_type, TypeMembers, TypeOf};

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
mod tests;
