//! Constraints (SPEC §1b): an object's `checks`, what its constraints share (reading a list of
//! them, names, `deferrable`) and the names they share with its indexes. Foreign keys are read
//! in `foreign_keys`; their references are checked in `references`, once every schema is read.
//!
//! SQL (a check's expression) is parsed later, per engine, by resolution; so is a reference to
//! a dependency's schema (`Alias.Schema`), which only the dataset's dependencies can tell.

use std::collections::BTreeMap;
use std::fmt;

use crate::constraint::{Check, Deferrable};
use crate::json::JsonValue;
use crate::reader::{describe_scalar, Place, Reader};
use crate::rules;

use super::names::{check_name, Joined};
use super::package::optional_string;

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
pub(super) fn read_list<'v, J: JsonValue, T>(
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

pub(super) fn read_name<J: JsonValue>(
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
    use serde_json::json;

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
