//! Defaults (SPEC §1b): a field's `default` is a JSON literal of its type, or an object with
//! exactly one key among `expression` (a portable expression), `sql` (per-engine SQL, parsed
//! later by resolution) and `literal` (a literal written out, the way a `json` field gives an
//! object that would otherwise read as one of these forms).

use std::collections::BTreeMap;

use crate::column_default::{FieldDefault, PortableExpression, DEFAULT_FORM_KEYS};
use crate::field_type::FieldType;
use crate::json::{JsonObject, JsonValue};
use crate::literal;
use crate::reader::{describe_scalar, Place, Reader};
use crate::rules;

use super::names::Joined;
use super::view::ENGINES;

/// The length of a UUID's text (`8-4-4-4-12` hex digits): the shortest string that holds one.
const UUID_TEXT_LENGTH: u32 = 36;

/// read_default reads `value`, the `default` of field `name` of type `field_type`.
pub(super) fn read_default<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    name: &str,
    field_type: &FieldType,
) -> Option<FieldDefault> {
    let dat = at.key("default");
    if value.is_null() {
        r.report(
            &dat,
            rules::INVALID_DEFAULT,
            format!("field `{name}` has default null, which is the same as no default: remove `default`"),
        );
        return None;
    }
    let Some(map) = value.as_object() else {
        return read_literal(r, value, &dat, name, field_type).map(FieldDefault::Literal);
    };
    // The same test as `needs_literal_wrapper`, without copying the object.
    let form = map.len() == 1 && map.keys().all(|k| DEFAULT_FORM_KEYS.contains(&k));
    if !form {
        // Only a json field has object literals; anything else names the forms.
        if *field_type == FieldType::Json {
            return Some(FieldDefault::Literal(value.to_value()));
        }
        r.report(
            &dat,
            rules::INVALID_DEFAULT,
            format!(
                "the default of field `{name}` is an object: write a {} literal, or an object with exactly one key among {}",
                field_type.describe(),
                Joined(DEFAULT_FORM_KEYS)
            ),
        );
        return None;
    }
    let (key, inner) = map.members().next()?;
    match key {
        "literal" => {
            let lat = dat.key("literal");
            if inner.is_null() {
                r.report(
                    &lat,
                    rules::INVALID_DEFAULT,
                    format!("field `{name}` has default null, which is the same as no default: remove `default`"),
                );
                return None;
            }
            read_literal(r, inner, &lat, name, field_type).map(FieldDefault::Literal)
        }
        "expression" => read_expression(r, inner, &dat.key("expression"), name, field_type)
            .map(FieldDefault::Expression),
        _ => read_sql(r, inner, &dat.key("sql"), name).map(FieldDefault::Sql),
    }
}

fn read_literal<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    name: &str,
    field_type: &FieldType,
) -> Option<serde_json::Value> {
    match literal::normalize(field_type, value) {
        Ok(n) => Some(n),
        Err(e) => {
            r.report(
                at,
                rules::INVALID_DEFAULT,
                format!(
                    "the default of field `{name}` is not a {} value: {e}",
                    field_type.describe()
                ),
            );
            None
        }
    }
}

/// The types a portable expression can be the default of, as written in messages.
fn allowed_types(expression: PortableExpression) -> &'static [&'static str] {
    match expression {
        PortableExpression::Now => &["timestamp", "timestamptz"],
        PortableExpression::CurrentDate => &["date"],
        PortableExpression::RandomUuid => &["uuid", "string"],
    }
}

fn read_expression<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    name: &str,
    field_type: &FieldType,
) -> Option<PortableExpression> {
    let text = r.str(value, at, "`default.expression`")?;
    let Some(expression) = PortableExpression::from_name(text) else {
        r.report(
            at,
            rules::INVALID_DEFAULT,
            format!(
                "the default of field `{name}` names expression {}; the portable expressions are {} (per-engine SQL goes in `sql`){}",
                describe_scalar(value),
                Joined(PortableExpression::NAMES),
                if *field_type == FieldType::Json {
                    "; a json object of this shape is written {\"literal\": ...}"
                } else {
                    ""
                }
            ),
        );
        return None;
    };
    let allowed = allowed_types(expression);
    if !allowed.contains(&field_type.name()) {
        r.report(
            at,
            rules::INVALID_DEFAULT,
            format!(
                "default expression `{text}` of field `{name}` needs a field of type {}, and `{name}` is {}",
                Joined(allowed),
                field_type.describe()
            ),
        );
        return None;
    }
    // A random UUID is 36 characters: a shorter string column would fail every insert.
    if let FieldType::String {
        max_length: Some(n),
    } = field_type
    {
        if *n < UUID_TEXT_LENGTH {
            r.report(
                at,
                rules::INVALID_DEFAULT,
                format!(
                    "default expression `randomUuid` of field `{name}` gives {UUID_TEXT_LENGTH} characters, more than its maxLength {n}"
                ),
            );
            return None;
        }
    }
    Some(expression)
}

fn read_sql<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    name: &str,
) -> Option<BTreeMap<String, String>> {
    let before = r.problems.len();
    let map = r.object(
        value,
        at,
        format_args!("`default.sql` of field `{name}` (SQL per engine)"),
        ENGINES,
    )?;
    if map.is_empty() {
        r.report(
            at,
            rules::EMPTY_VALUE,
            format!(
                "`default.sql` of field `{name}` gives no SQL: give one expression per engine ({})",
                Joined(ENGINES)
            ),
        );
    }
    let mut per_engine = BTreeMap::new();
    for (engine, sql) in map.members() {
        if !ENGINES.contains(&engine) {
            // Reported as an unknown key, with the engines listed.
            continue;
        }
        if let Some(sql) = r.non_empty_string(
            sql,
            &at.key(engine),
            format_args!("the {engine} default SQL of field `{name}`"),
        ) {
            per_engine.insert(engine.to_string(), sql);
        }
    }
    (r.problems.len() == before).then_some(per_engine)
}

#[cfg(test)]
mod tests {
    use super::super::parse_package;
    use super::super::test_support::{one_problem, orders, unseeded, with};
    use crate::column_default::{FieldDefault, PortableExpression};
    use crate::package::Schema;
    use crate::rules;
    use serde_json::json;

    #[test]
    fn every_default_form_is_read() {
        let p = parse_package(&orders()).unwrap();
        let Schema::Object(order) = &p.schemas["Order"] else {
            panic!()
        };
        let default = |f: &str| order.fields.get(f).unwrap().default.clone();
        assert_eq!(
            default("placedAt"),
            Some(FieldDefault::Expression(PortableExpression::Now))
        );
        assert_eq!(
            default("note").unwrap().to_json(),
            json!({"sql": {"postgres": "'n/a'::text", "snowflake": "'n/a'"}})
        );
        // A json object that looks like a form is written as `literal`; any other is itself.
        assert_eq!(
            default("meta"),
            Some(FieldDefault::Literal(json!({"sql": 1})))
        );
        assert_eq!(
            default("plain"),
            Some(FieldDefault::Literal(json!({"a": 1})))
        );
        assert_eq!(
            default("tags"),
            Some(FieldDefault::Literal(json!(["a", "b"])))
        );
    }

    #[test]
    fn literal_defaults_are_normalized_by_type() {
        let raw = with(
            unseeded(),
            "/schemas/Dog/fields/x",
            json!({"type": "integer", "default": {"literal": "5"}}),
        );
        let p = parse_package(&raw).unwrap();
        let Schema::Object(dog) = &p.schemas["Dog"] else {
            panic!()
        };
        assert_eq!(
            dog.fields.get("x").unwrap().default,
            Some(FieldDefault::Literal(json!(5)))
        );
    }

    #[test]
    fn bad_defaults_name_the_field_and_what_is_allowed() {
        let cases = [
            (
                json!({"type": "date", "default": {"expression": "now"}}),
                rules::INVALID_DEFAULT,
                "schemas.Dog.fields.x.default.expression",
                "timestamp, timestamptz",
            ),
            (
                json!({"type": "uuid", "default": {"expression": "tomorrow"}}),
                rules::INVALID_DEFAULT,
                "schemas.Dog.fields.x.default.expression",
                "now, currentDate, randomUuid",
            ),
            (
                json!({"type": "timestamp", "default": {"expression": "currentDate"}}),
                rules::INVALID_DEFAULT,
                "schemas.Dog.fields.x.default.expression",
                "needs a field of type date",
            ),
            (
                json!({"type": "integer", "default": {"expression": "randomUuid"}}),
                rules::INVALID_DEFAULT,
                "schemas.Dog.fields.x.default.expression",
                "uuid, string",
            ),
            (
                json!({"type": "string", "maxLength": 10, "default": {"expression": "randomUuid"}}),
                rules::INVALID_DEFAULT,
                "schemas.Dog.fields.x.default.expression",
                "maxLength 10",
            ),
            (
                json!({"type": "string", "default": {"sql": {}}}),
                rules::EMPTY_VALUE,
                "schemas.Dog.fields.x.default.sql",
                "no SQL",
            ),
            (
                json!({"type": "string", "default": {"sql": {"oracle": "1"}}}),
                rules::UNKNOWN_KEY,
                "schemas.Dog.fields.x.default.sql.oracle",
                "postgres, snowflake",
            ),
            (
                json!({"type": "string", "default": {"sql": {"postgres": " "}}}),
                rules::EMPTY_VALUE,
                "schemas.Dog.fields.x.default.sql.postgres",
                "must not be empty",
            ),
            (
                json!({"type": "string", "default": {"sql": "now()"}}),
                rules::WRONG_JSON_TYPE,
                "schemas.Dog.fields.x.default.sql",
                "JSON object",
            ),
            (
                json!({"type": "integer", "default": {"literal": "x"}}),
                rules::INVALID_DEFAULT,
                "schemas.Dog.fields.x.default.literal",
                "not a integer value",
            ),
            (
                json!({"type": "integer", "default": {"expression": "now", "sql": {}}}),
                rules::INVALID_DEFAULT,
                "schemas.Dog.fields.x.default",
                "exactly one key among expression, sql, literal",
            ),
            (
                json!({"type": "array", "items": {"type": "integer"}, "default": [1, "x"]}),
                rules::INVALID_DEFAULT,
                "schemas.Dog.fields.x.default",
                "array of integer",
            ),
        ];
        for (field, rule, path, needle) in cases {
            let p = one_problem(with(unseeded(), "/schemas/Dog/fields/x", field.clone()));
            assert_eq!((p.rule, p.path.as_str()), (rule, path), "{field}");
            assert_eq!(p.field.as_deref(), Some("x"), "{field}");
            assert_eq!(p.schema.as_deref(), Some("Dog"), "{field}");
            assert!(p.message.contains(needle), "{field}: {}", p.message);
            assert!(p.message.contains('x'), "{}", p.message);
        }
    }
}
