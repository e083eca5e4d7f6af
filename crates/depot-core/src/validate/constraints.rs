//! Constraints (SPEC §1b): an object's `foreignKeys` and `checks`, and the names they share
//! with its indexes. Their references are checked in `references`, once every schema is read.
//!
//! SQL (a check's expression) is parsed later, per engine, by resolution; so is a reference to
//! a dependency's schema (`Alias.Schema`), which only the dataset's dependencies can tell.

use std::collections::BTreeMap;
use std::fmt;

use crate::constraint::{Check, Deferrable, ForeignKey, Reference, ReferentialAction};
use crate::json::JsonValue;
use crate::reader::{describe_scalar, Place, Reader};
use crate::rules;

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

const CHECK_KEYS: &[&str; 3] = &["name", "expression", "description"];

const DEFERRABLE_NAMES: &[&str] = &["initiallyImmediate", "initiallyDeferred"];

/// Read is what parsed of a list of constraints: each with its position in the input (the
/// model sorts them by name; problems found later point at the input).
pub(super) type Read<T> = Vec<(usize, T)>;

/// ConstraintWhat names a constraint in messages: `foreign key `byCustomer` of `Order``.
#[derive(Clone, Copy)]
pub(super) struct ConstraintWhat<'a> {
    pub(super) kind: &'static str,
    pub(super) name: Option<&'a str>,
    pub(super) object: &'a str,
}

impl fmt::Display for ConstraintWhat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            Some(n) => write!(f, "{} `{n}` of `{}`", self.kind, self.object),
            None => write!(f, "a {} of `{}`", self.kind, self.object),
        }
    }
}

/// read_list reads `value`, an array, each item with `read`.
fn read_list<'v, J: JsonValue, T>(
    r: &mut Reader,
    value: &'v J,
    at: &Place<'_>,
    what: &str,
    mut read: impl FnMut(&mut Reader, &'v J, &Place<'_>) -> Option<T>,
) -> Read<T> {
    let Some(items) = value.as_array() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!(
                "{what} must be an array, not {}",
                crate::lenient::kind(value)
            ),
        );
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| read(r, item, &at.index(i)).map(|t| (i, t)))
        .collect()
}

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
    (r.problems.len() == before).then_some(ForeignKey {
        name: name?,
        fields: fields?,
        references: references?,
        on_delete: on_delete?,
        on_update: on_update?,
        deferrable: deferrable?,
        description: description?,
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

/// read_deferrable reads the `deferrable` of a foreign key or a unique index (`what`).
pub(super) fn read_deferrable<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    what: impl std::fmt::Display,
) -> Option<Deferrable> {
    match r.str(value, at, format_args!("`deferrable` of {what}"))? {
        "initiallyImmediate" => Some(Deferrable::InitiallyImmediate),
        "initiallyDeferred" => Some(Deferrable::InitiallyDeferred),
        _ => {
            r.report(
                at,
                rules::INVALID_VALUE,
                format!(
                    "`deferrable` of {what} is {}; it is one of {} (leave it out for a key checked at once)",
                    describe_scalar(value),
                    Joined(DEFERRABLE_NAMES)
                ),
            );
            None
        }
    }
}

/// read_checks reads an object's `checks` (the value at `at`).
pub(super) fn read_checks<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    object: &str,
) -> Read<Check> {
    read_list(
        r,
        value,
        at,
        "`checks` (a list of {name, expression})",
        |r, raw, at| read_check(r, raw, at, object),
    )
}

fn read_check<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    object: &str,
) -> Option<Check> {
    let before = r.problems.len();
    let [name, expression, description] = r.members(raw, at, "a check", CHECK_KEYS)?;
    let name = read_name(r, name, at, "check", object);
    let what = ConstraintWhat {
        kind: "check",
        name: name.as_deref(),
        object,
    };
    let expression = r
        .require(
            expression,
            at,
            "expression",
            format_args!("the condition of {what} (one SQL expression over the object's fields)"),
        )
        .and_then(|v| {
            r.non_empty_string(
                v,
                &at.key("expression"),
                format_args!("`expression` of {what}"),
            )
        });
    let description = optional_string(r, description, at, "description");
    (r.problems.len() == before).then_some(Check {
        name: name?,
        expression: expression?,
        description: description?,
    })
}

fn read_name<J: JsonValue>(
    r: &mut Reader,
    value: Option<&J>,
    at: &Place<'_>,
    kind: &str,
    object: &str,
) -> Option<String> {
    let name_at = at.key("name");
    let name = r
        .require(
            value,
            at,
            "name",
            format_args!("the name of a {kind} of `{object}`"),
        )
        .and_then(|v| r.string(v, &name_at, format_args!("the {kind} `name`")))?;
    check_name(r, &name_at, &format!("{kind} name"), &name).then_some(name)
}

/// NamedAt is one named index or constraint of an object: its list (`indexes`, ...), its
/// position in it and its name.
pub(super) type NamedAt<'n> = (&'static str, usize, &'n str);

/// check_unique_names reports an index, foreign key or check named like an earlier one of
/// another list (two indexes of one name are reported with the indexes).
pub(super) fn check_unique_names(
    r: &mut Reader,
    at: &Place<'_>,
    object: &str,
    named: &[NamedAt<'_>],
) {
    let kind = |list: &str| match list {
        "indexes" => "index",
        "foreignKeys" => "foreign key",
        _ => "check",
    };
    let mut first: BTreeMap<&str, &str> = BTreeMap::new();
    for &(list, i, name) in named {
        match first.get(name) {
            None => {
                first.insert(name, list);
            }
            Some(&earlier) if earlier == "indexes" && list == "indexes" => {}
            Some(&earlier) => r.report(
                &at.key(list).index(i).key("name"),
                rules::DUPLICATE_CONSTRAINT,
                format!(
                    "object `{object}` has {} `{name}` and {} `{name}`: indexes, foreign keys and checks of an object have distinct names",
                    kind(earlier),
                    kind(list)
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_package;
    use super::super::test_support::{one_problem, orders, problems, with};
    use crate::constraint::{Deferrable, ReferentialAction};
    use crate::package::Schema;
    use crate::rules;
    use serde_json::{json, Value};

    fn order(p: &crate::package::Package) -> &crate::package::ObjectSchema {
        match &p.schemas["Order"] {
            Schema::Object(o) => o,
            Schema::View(_) | Schema::MaterializedView(_) => panic!(),
        }
    }

    #[test]
    fn foreign_keys_and_checks_are_read_sorted_by_name() {
        let p = parse_package(&orders()).unwrap();
        let o = order(&p);
        let names: Vec<&str> = o.foreign_keys.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["byBreed", "byCustomer", "byEmail"]);
        let fk = &o.foreign_keys[1];
        assert_eq!(fk.on_delete, ReferentialAction::Restrict);
        assert_eq!(fk.on_update, ReferentialAction::Cascade);
        assert_eq!(fk.deferrable, Some(Deferrable::InitiallyDeferred));
        assert_eq!(
            o.foreign_keys[0].references.dependency(),
            Some(("Breeds", "Breed"))
        );
        assert_eq!(o.checks[0].expression, "totalCents >= 0");
    }

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

    #[test]
    fn checks_and_names_shared_by_indexes_and_constraints() {
        let raw = with(
            orders(),
            "/schemas/Order/checks",
            json!([{"name": "c", "expression": " "}]),
        );
        let p = one_problem(raw);
        assert_eq!(
            (p.rule, p.path.as_str()),
            (rules::EMPTY_VALUE, "schemas.Order.checks[0].expression")
        );
        assert!(p.message.contains("check `c` of `Order`"), "{}", p.message);
        let raw = with(orders(), "/schemas/Order/checks", json!([{"name": "c"}]));
        assert_eq!(
            problems(raw),
            [(
                rules::REQUIRED,
                "schemas.Order.checks[0].expression".to_string()
            )]
        );
        let raw = with(orders(), "/schemas/Order/checks", json!({"name": "c"}));
        assert_eq!(
            problems(raw),
            [(rules::WRONG_JSON_TYPE, "schemas.Order.checks".to_string())]
        );
        let raw = with(
            orders(),
            "/schemas/Order/checks",
            json!([{"name": "byTags", "expression": "true"}, {"name": "byCustomer", "expression": "true"}]),
        );
        let got = parse_package(&raw).unwrap_err();
        let got: Vec<_> = got
            .0
            .iter()
            .map(|p| (p.rule, p.path.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (rules::DUPLICATE_CONSTRAINT, "schemas.Order.checks[0].name", "object `Order` has index `byTags` and check `byTags`: indexes, foreign keys and checks of an object have distinct names"),
                (rules::DUPLICATE_CONSTRAINT, "schemas.Order.checks[1].name", "object `Order` has foreign key `byCustomer` and check `byCustomer`: indexes, foreign keys and checks of an object have distinct names"),
            ]
        );
    }
}
