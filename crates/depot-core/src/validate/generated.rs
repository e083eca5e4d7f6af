//! Generated values (SPEC §1b): `autoIncrement` (numbered by the engine's sequence) and
//! `computed` (an expression over the row), and the keys of a field they exclude.

use crate::field_type::FieldType;
use crate::identity::AutoIncrement;
use crate::json::{JsonValue, View};
use crate::lenient;
use crate::reader::{describe_scalar, Place, Reader};
use crate::rules;

/// read_auto_increment reads `autoIncrement` of field `name` (of `field_type`, when it parsed):
/// `true`, `"byDefault"` or `"always"`; `false` is the same as leaving it out.
pub(super) fn read_auto_increment<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    name: &str,
    field_type: Option<&FieldType>,
) -> Option<Option<AutoIncrement>> {
    let aat = at.key("autoIncrement");
    // Booleans also as CloudFormation's strings, like every boolean of a package.
    let read = match (lenient::as_bool(value), value.view()) {
        (Some(true), _) => Some(AutoIncrement::ByDefault),
        (Some(false), _) => return Some(None),
        (None, View::String("byDefault")) => Some(AutoIncrement::ByDefault),
        (None, View::String("always")) => Some(AutoIncrement::Always),
        _ => None,
    };
    let Some(auto_increment) = read else {
        r.report(
            &aat,
            rules::INVALID_AUTO_INCREMENT,
            format!(
                "`autoIncrement` of field `{name}` is {}: it is true (same as \"byDefault\": explicit values may be inserted), \"always\", or left out",
                describe_scalar(value)
            ),
        );
        return None;
    };
    match field_type {
        Some(FieldType::Integer | FieldType::Bigint) | None => Some(Some(auto_increment)),
        Some(other) => {
            r.report(
                &aat,
                rules::INVALID_AUTO_INCREMENT,
                format!(
                    "field `{name}` has `autoIncrement` but is {}: only integer and bigint fields auto-increment",
                    other.describe()
                ),
            );
            None
        }
    }
}

/// GivenKeys says which of the keys that generated values exclude a field gives.
pub(super) struct GivenKeys {
    pub(super) default: bool,
    /// `autoIncrement` other than `false`.
    pub(super) auto_increment: bool,
    pub(super) computed: bool,
    /// `nullable: true`.
    pub(super) nullable: bool,
}

/// check_generated_keys reports keys that exclude each other: a value comes from one place.
pub(super) fn check_generated_keys(r: &mut Reader, at: &Place<'_>, name: &str, given: GivenKeys) {
    let GivenKeys {
        default,
        auto_increment,
        computed,
        nullable,
    } = given;
    if auto_increment && default {
        r.report(
            &at.key("autoIncrement"),
            rules::CONFLICTING_KEYS,
            format!("field `{name}` has both `autoIncrement` and `default`: an auto-increment field takes its values from its sequence, remove one"),
        );
    }
    if auto_increment && nullable {
        r.report(
            &at.key("nullable"),
            rules::CONFLICTING_KEYS,
            format!("field `{name}` has `autoIncrement` and is nullable: an auto-increment field always has a value, remove `nullable`"),
        );
    }
    if computed && default {
        r.report(
            &at.key("computed"),
            rules::CONFLICTING_KEYS,
            format!("field `{name}` has both `computed` and `default`: a computed field's value is its expression, remove one"),
        );
    }
    if computed && auto_increment {
        r.report(
            &at.key("computed"),
            rules::CONFLICTING_KEYS,
            format!("field `{name}` has both `computed` and `autoIncrement`: a field's value comes from one of them, remove one"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_package;
    use super::super::test_support::{one_problem, orders, unseeded, with};
    use crate::identity::AutoIncrement;
    use crate::package::Schema;
    use crate::rules;
    use serde_json::json;

    #[test]
    fn auto_increment_and_computed_are_read() {
        let p = parse_package(&orders()).unwrap();
        let Schema::Object(order) = &p.schemas["Order"] else {
            panic!()
        };
        assert_eq!(
            order.fields.get("id").unwrap().auto_increment,
            Some(AutoIncrement::ByDefault)
        );
        assert_eq!(
            order.fields.get("seq").unwrap().auto_increment,
            Some(AutoIncrement::Always)
        );
        assert_eq!(
            order.fields.get("totalEuros").unwrap().computed.as_deref(),
            Some("totalCents / 100.0")
        );
        for (value, expected) in [
            (json!("byDefault"), Some(AutoIncrement::ByDefault)),
            (json!("true"), Some(AutoIncrement::ByDefault)),
            (json!(false), None),
        ] {
            let raw = with(
                unseeded(),
                "/schemas/Dog/fields/n",
                json!({"type": "integer", "autoIncrement": value}),
            );
            let p = parse_package(&raw).unwrap();
            let Schema::Object(dog) = &p.schemas["Dog"] else {
                panic!()
            };
            assert_eq!(dog.fields.get("n").unwrap().auto_increment, expected);
        }
    }

    #[test]
    fn generated_values_exclude_other_sources_of_values() {
        let cases = [
            (
                json!({"type": "string", "autoIncrement": true}),
                rules::INVALID_AUTO_INCREMENT,
                "schemas.Dog.fields.n.autoIncrement",
                "only integer and bigint",
            ),
            (
                json!({"type": "integer", "autoIncrement": "never"}),
                rules::INVALID_AUTO_INCREMENT,
                "schemas.Dog.fields.n.autoIncrement",
                "\"always\"",
            ),
            (
                json!({"type": "integer", "autoIncrement": true, "default": 1}),
                rules::CONFLICTING_KEYS,
                "schemas.Dog.fields.n.autoIncrement",
                "`default`",
            ),
            (
                json!({"type": "integer", "autoIncrement": true, "nullable": true}),
                rules::CONFLICTING_KEYS,
                "schemas.Dog.fields.n.nullable",
                "nullable",
            ),
            (
                json!({"type": "integer", "computed": "1", "default": 1}),
                rules::CONFLICTING_KEYS,
                "schemas.Dog.fields.n.computed",
                "`default`",
            ),
            (
                json!({"type": "integer", "computed": "1", "autoIncrement": "always"}),
                rules::CONFLICTING_KEYS,
                "schemas.Dog.fields.n.computed",
                "`autoIncrement`",
            ),
            (
                json!({"type": "integer", "computed": ""}),
                rules::EMPTY_VALUE,
                "schemas.Dog.fields.n.computed",
                "`computed` of field `n`",
            ),
        ];
        for (field, rule, path, needle) in cases {
            let p = one_problem(with(unseeded(), "/schemas/Dog/fields/n", field.clone()));
            assert_eq!((p.rule, p.path.as_str()), (rule, path), "{field}");
            assert!(p.message.contains(needle), "{field}: {}", p.message);
            assert!(p.message.contains("`n`"), "{}", p.message);
        }
    }
}
