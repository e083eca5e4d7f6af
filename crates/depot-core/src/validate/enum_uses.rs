//! The uses of enums, checked once every schema is read: a field of type `enum` names an enum
//! of the package, and its literal default is one of the enum's values. Fields of objects with
//! problems elsewhere are checked too, and so are fields that use an enum with problems of its
//! own (against the values that could be read): one mistake never hides another.

use crate::column_default::FieldDefault;
use crate::field_type::FieldType;
use crate::json::JsonValue;
use crate::reader::{Place, Reader};
use crate::rules;

use super::enums::Enums;
use super::schema::Schemas;

/// check_enum_fields reports fields of type `enum` that name no enum of the package, and
/// literal defaults that are not a value of their enum.
pub(super) fn check_enum_fields<J: JsonValue>(
    r: &mut Reader,
    at: &Place<'_>,
    enums: &Enums,
    schemas: &Schemas<'_, J>,
) {
    for (schema, outline) in &schemas.outlines {
        let Some(object) = outline.object(schema, &schemas.parsed) else {
            continue;
        };
        for (field, f) in &object.fields {
            let FieldType::Enum { name, .. } = &f.field_type else {
                continue;
            };
            let place = at.key(schema).in_schema(schema);
            let place = place.key("fields");
            let place = place.key(field).in_field(field);
            let values = match enums.declared.get(name) {
                None => {
                    let known: Vec<&str> = enums.declared.keys().map(String::as_str).collect();
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
                }
                // Declared, but its values could not be read: nothing to check against.
                Some(None) => continue,
                Some(Some(values)) => values,
            };
            if let Some(FieldDefault::Literal(serde_json::Value::String(v))) = &f.default {
                if !values.contains(v) {
                    r.report(
                        &place.key("default"),
                        rules::INVALID_DEFAULT,
                        format!(
                            "the default `{v}` of field `{field}` is not a value of enum `{name}` ({})",
                            listed(values)
                        ),
                    );
                }
            }
        }
    }
}

/// enum_seed_problem tells why seed value `value` of enum field `field` is not one of its
/// enum's values, if it is not (and the enum's values are known).
pub(super) fn enum_seed_problem(
    enums: Option<&Enums>,
    field: &str,
    field_type: &FieldType,
    value: &serde_json::Value,
) -> Option<String> {
    let FieldType::Enum { name, .. } = field_type else {
        return None;
    };
    let values = enums?.declared.get(name)?.as_ref()?;
    let v = value.as_str()?;
    // The value itself is not repeated: seed rows may hold anything.
    (!values.iter().any(|e| e == v)).then(|| {
        format!(
            "seed value of `{field}` is not a value of enum `{name}` ({})",
            listed(values)
        )
    })
}

/// listed writes an enum's values for a message, each once (a broken enum may list one twice).
fn listed(values: &[String]) -> String {
    let mut once: Vec<&str> = Vec::with_capacity(values.len());
    for v in values {
        if !once.contains(&v.as_str()) {
            once.push(v);
        }
    }
    once.join(", ")
}
