//! Foreign keys (SPEC §1b): an object's `foreignKeys`, each with its fields, what it
//! references and its options. The reference itself is checked in `references`, once every
//! schema is read; a reference to a dependency's schema (`Alias.Schema`) by resolution.

use crate::constraint::{ForeignKey, Reference, ReferentialAction};
use crate::json::JsonValue;
use crate::reader::{describe_scalar, Place, Reader};
use crate::rules;

use super::constraints::{read_deferrable, read_list, read_name, ConstraintWhat, Read};
use super::names::{check_name, Joined};
use super::object::{check_field_list, Declared};
use super::package::optional_string;

const FOREIGN_KEY_KEYS: &[&str; 7] = &[
    "name",
    "fields",
    "references",
    "onDelete",
    "onUpdate",
    "deferrable",
    "description",
];

const REFERENCE_KEYS: &[&str; 2] = &["schema", "fields"];

/// read_foreign_keys reads an object's `foreignKeys` (the value at `at`).
pub(super) fn read_foreign_keys<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    object: &str,
    declared: Declared<'_, J>,
) -> Read<ForeignKey> {
    read_list(
        r,
        value,
        at,
        "`foreignKeys` (a list of {name, fields, references})",
        |r, raw, at| read_foreign_key(r, raw, at, object, declared),
    )
}

fn read_foreign_key<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    object: &str,
    declared: Declared<'_, J>,
) -> Option<ForeignKey> {
    let before = r.problems.len();
    let [name, fields, references, on_delete, on_update, deferrable, description] =
        r.members(raw, at, "a foreign key", FOREIGN_KEY_KEYS)?;
    let name = read_name(r, name, at, "foreign key", object);
    let what = ConstraintWhat {
        kind: "foreign key",
        name: name.as_deref(),
        object,
    };
    let fields_at = at.key("fields");
    let fields = r
        .require(
            fields,
            at,
            "fields",
            format_args!("the fields of {what} (a non-empty list)"),
        )
        .and_then(|v| r.string_list(v, &fields_at, format_args!("`fields` of {what}")));
    if let Some(f) = &fields {
        if f.is_empty() {
            r.report(
                &fields_at,
                rules::EMPTY_VALUE,
                format!("{what} has no fields"),
            );
        }
        check_field_list(r, &fields_at, f, declared, what);
    }
    let references = r
        .require(
            references,
            at,
            "references",
            format_args!("what {what} references: {{\"schema\", \"fields\"}}"),
        )
        .and_then(|v| read_reference(r, v, &at.key("references"), what));
    if let (Some(f), Some(reference)) = (&fields, &references) {
        // An empty list is reported as such, not again as a mismatch.
        let both = !f.is_empty() && !reference.fields.is_empty();
        if both && f.len() != reference.fields.len() {
            r.report(
                &at.key("references").key("fields"),
                rules::INVALID_FOREIGN_KEY,
                format!(
                    "{what} has {} field(s) but references {}: each field pairs with one referenced field",
                    f.len(),
                    reference.fields.len()
                ),
            );
        }
    }
    // What the key joins read without a problem: its target is checked even when an option
    // below has one (the object is refused either way).
    let joins_ok = r.problems.len() == before;
    let mut action = |value: Option<&J>, key: &str| -> Option<ReferentialAction> {
        let Some(v) = value else {
            return Some(ReferentialAction::default());
        };
        let kat = at.key(key);
        let text = r.str(v, &kat, format_args!("`{key}` of {what}"))?;
        let action = ReferentialAction::from_name(text);
        if action.is_none() {
            r.report(
                &kat,
                rules::INVALID_VALUE,
                format!(
                    "`{key}` of {what} is {}; the actions are {}",
                    describe_scalar(v),
                    Joined(ReferentialAction::NAMES)
                ),
            );
        }
        action
    };
    let on_delete = action(on_delete, "onDelete");
    let on_update = action(on_update, "onUpdate");
    let deferrable = match deferrable {
        None => Some(None),
        Some(v) => read_deferrable(r, v, &at.key("deferrable"), what).map(Some),
    };
    let description = optional_string(r, description, at, "description");
    if r.problems.len() == before {
        return Some(ForeignKey {
            name: name?,
            fields: fields?,
            references: references?,
            on_delete: on_delete?,
            on_update: on_update?,
            deferrable: deferrable?,
            description: description?,
        });
    }
    // An option with a problem is left at its default: the checks of the target do not use it
    // (`setNull` on a field that cannot be null is checked once the action reads).
    joins_ok.then_some(ForeignKey {
        name: name?,
        fields: fields?,
        references: references?,
        on_delete: on_delete.unwrap_or_default(),
        on_update: on_update.unwrap_or_default(),
        deferrable: deferrable.flatten(),
        description: description.flatten(),
    })
}

fn read_reference<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    what: ConstraintWhat<'_>,
) -> Option<Reference> {
    let before = r.problems.len();
    let [schema, fields] = r.members(
        raw,
        at,
        format_args!("`references` of {what}"),
        REFERENCE_KEYS,
    )?;
    let schema_at = at.key("schema");
    let schema = r
        .require(
            schema,
            at,
            "schema",
            "the referenced schema: a schema of the package, or `Alias.Schema` of a dependency",
        )
        .and_then(|v| {
            r.non_empty_string(v, &schema_at, format_args!("the schema {what} references"))
        });
    if let Some(s) = &schema {
        if let Some((alias, target)) = s.split_once('.') {
            check_name(r, &schema_at, "dependency alias", alias);
            check_name(r, &schema_at, "referenced schema name", target);
        }
    }
    let fields_at = at.key("fields");
    let fields = r
        .require(
            fields,
            at,
            "fields",
            "the referenced fields: the target's primary key or the fields of one of its unique indexes",
        )
        .and_then(|v| r.string_list(v, &fields_at, format_args!("the fields {what} references")));
    if let Some(f) = &fields {
        if f.is_empty() {
            r.report(
                &fields_at,
                rules::EMPTY_VALUE,
                format!("{what} references no field"),
            );
        }
        for (i, field) in f.iter().enumerate() {
            if f[..i].contains(field) {
                r.report(
                    &fields_at.index(i),
                    rules::DUPLICATE_FIELD,
                    format!("{what} references field `{field}` twice"),
                );
            }
        }
    }
    (r.problems.len() == before).then_some(Reference {
        schema: schema?,
        fields: fields?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{one_problem, orders, with};
    use crate::rules;
    use serde_json::{json, Value};

    fn with_foreign_key(fk: Value) -> Value {
        with(orders(), "/schemas/Order/foreignKeys", json!([fk]))
    }

    #[test]
    fn bad_foreign_keys_name_the_key_and_the_reason() {
        let refs = |schema: &str, fields: Value| json!({"schema": schema, "fields": fields});
        let fk = |fields: Value, references: Value| json!({"name": "k", "fields": fields, "references": references});
        let cases = [
            (
                fk(json!(["customerId"]), refs("Nobody", json!(["id"]))),
                rules::UNKNOWN_SCHEMA,
                "schemas.Order.foreignKeys[0].references.schema",
                "Customer, Order",
            ),
            (
                fk(json!(["customerId"]), refs("Customer", json!(["ghost"]))),
                rules::UNKNOWN_FIELD,
                "schemas.Order.foreignKeys[0].references.fields[0]",
                "ghost",
            ),
            (
                fk(
                    json!(["customerId"]),
                    refs("Customer", json!(["id", "email"])),
                ),
                rules::INVALID_FOREIGN_KEY,
                "schemas.Order.foreignKeys[0].references.fields",
                "1 field(s) but references 2",
            ),
            (
                fk(
                    json!(["customerEmail", "customerId"]),
                    refs("Customer", json!(["email", "id"])),
                ),
                rules::INVALID_FOREIGN_KEY,
                "schemas.Order.foreignKeys[0].references.fields",
                "neither its primary key (id)",
            ),
            (
                fk(json!(["totalCents"]), refs("Customer", json!(["id"]))),
                rules::INVALID_FOREIGN_KEY,
                "schemas.Order.foreignKeys[0].fields[0]",
                "bigint but foreign key `k` of `Order` pairs it with `Customer.id`, which is uuid",
            ),
            (
                fk(json!(["ghost"]), refs("Customer", json!(["id"]))),
                rules::UNKNOWN_FIELD,
                "schemas.Order.foreignKeys[0].fields[0]",
                "ghost",
            ),
            (
                fk(json!([]), refs("Customer", json!(["id"]))),
                rules::EMPTY_VALUE,
                "schemas.Order.foreignKeys[0].fields",
                "no fields",
            ),
            (
                fk(
                    json!(["customerId"]),
                    refs("bad-alias.Breed", json!(["id"])),
                ),
                rules::INVALID_NAME,
                "schemas.Order.foreignKeys[0].references.schema",
                "bad-alias",
            ),
            (
                json!({"name": "k", "fields": ["customerId"], "references": {"schema": "Customer", "fields": ["id"]}, "onDelete": "explode"}),
                rules::INVALID_VALUE,
                "schemas.Order.foreignKeys[0].onDelete",
                "noAction, restrict, cascade, setNull, setDefault",
            ),
            (
                json!({"name": "k", "fields": ["customerId"], "references": {"schema": "Customer", "fields": ["id"]}, "deferrable": true}),
                rules::WRONG_JSON_TYPE,
                "schemas.Order.foreignKeys[0].deferrable",
                "`deferrable` of foreign key `k` of `Order`",
            ),
            (
                json!({"name": "k-1", "fields": ["customerId"], "references": {"schema": "Customer", "fields": ["id"]}}),
                rules::INVALID_NAME,
                "schemas.Order.foreignKeys[0].name",
                "foreign key name",
            ),
            (
                json!({"name": "k", "fields": ["customerId"]}),
                rules::REQUIRED,
                "schemas.Order.foreignKeys[0].references",
                "foreign key `k` of `Order`",
            ),
        ];
        let set_null = json!({"name": "k", "fields": ["customerId"], "references": {"schema": "Customer", "fields": ["id"]}, "onDelete": "setNull"});
        let p = one_problem(with_foreign_key(set_null));
        assert_eq!(
            (p.rule, p.path.as_str()),
            (
                rules::INVALID_FOREIGN_KEY,
                "schemas.Order.foreignKeys[0].onDelete"
            )
        );
        assert!(
            p.message.contains("customerId of `Order` cannot be null"),
            "{}",
            p.message
        );
        for (fk, rule, path, needle) in cases {
            let p = one_problem(with_foreign_key(fk.clone()));
            assert_eq!(
                (p.rule, p.path.as_str()),
                (rule, path),
                "{fk}: {}",
                p.message
            );
            assert_eq!(p.schema.as_deref(), Some("Order"));
            assert!(p.message.contains(needle), "{fk}: {}", p.message);
        }
        // A view is not a target; a partial unique index does not identify one row.
        let raw = with(
            orders(),
            "/schemas/Names",
            json!({"kind": "view", "query": "SELECT id FROM Customer"}),
        );
        let raw = with(
            raw,
            "/schemas/Order/foreignKeys",
            json!([fk(json!(["customerId"]), refs("Names", json!(["id"])))]),
        );
        assert_eq!(one_problem(raw).rule, rules::INVALID_FOREIGN_KEY);
        let raw = with(
            orders(),
            "/schemas/Customer/indexes",
            json!([{"name": "byEmail", "fields": ["email"], "unique": true, "where": "email <> ''"}]),
        );
        let p = one_problem(raw);
        assert_eq!(
            (p.rule, p.path.as_str()),
            (
                rules::INVALID_FOREIGN_KEY,
                "schemas.Order.foreignKeys[1].references.fields"
            ),
            "the input position, not the sorted one"
        );
    }
}
