//! Names: the logical-name check, the `previousNames` of schemas and fields (read, and checked
//! against current and claimed names), and how lists of names are written in messages.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::json::JsonValue;
use crate::reader::{Place, Reader};
use crate::rules;

use super::{is_logical_name, NAME_RULE};

/// Joined writes names separated by `, ` (for messages, formatted only when reported).
pub(super) struct Joined<'a, T>(pub(super) &'a [T]);

impl<T: AsRef<str>> fmt::Display for Joined<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, name) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(name.as_ref())?;
        }
        Ok(())
    }
}

pub(super) fn check_name(r: &mut Reader, at: &Place<'_>, what: &str, name: &str) -> bool {
    if is_logical_name(name) {
        return true;
    }
    r.report(
        at,
        rules::INVALID_NAME,
        format!("{what} `{name}` is not a valid name: {NAME_RULE}"),
    );
    false
}

/// Owner is what a list of previous names belongs to.
#[derive(Clone, Copy)]
pub(super) enum Owner {
    Schema,
    Field,
}

/// check_previous_names reports previous names that are a current name (of this or another
/// item), or that two items both claim: either way the planner could not tell what was renamed.
/// `parent` is where the items are (`schemas`, or an object's `fields`).
pub(super) fn check_previous_names(
    r: &mut Reader,
    parent: &Place<'_>,
    owner: Owner,
    previous: &[(&str, Vec<String>)],
    is_current: impl Fn(&str) -> bool,
    what: &str,
) {
    let mut claimed: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, prevs) in previous {
        let name = *name;
        let item = parent.key(name);
        let item = match owner {
            Owner::Schema => item.in_schema(name),
            Owner::Field => item.in_field(name),
        };
        let at = item.key("previousNames");
        for p in prevs {
            if p == name {
                r.report(
                    &at,
                    rules::PREVIOUS_NAME_CONFLICT,
                    format!("{what} `{name}` lists its own name in previousNames"),
                );
            } else if is_current(p) {
                r.report(
                    &at,
                    rules::PREVIOUS_NAME_CONFLICT,
                    format!(
                        "{what} `{name}` lists `{p}` in previousNames, but `{p}` is a current {what}: a name cannot be renamed and kept"
                    ),
                );
            } else if let Some(other) = claimed.insert(p, name) {
                r.report(
                    &at,
                    rules::PREVIOUS_NAME_CONFLICT,
                    format!(
                        "{what}s `{other}` and `{name}` both list `{p}` in previousNames: only one can be the renamed `{p}`"
                    ),
                );
            }
        }
    }
}

/// read_previous_names reads `previousNames` (its value): valid names, sorted and without
/// duplicates.
pub(super) fn read_previous_names<J: JsonValue>(
    r: &mut Reader,
    value: Option<&J>,
    at: &Place<'_>,
) -> Option<Option<Vec<String>>> {
    let Some(v) = value else {
        return Some(None);
    };
    let at = at.key("previousNames");
    let before = r.problems.len();
    let list = r.string_list(v, &at, "`previousNames`")?;
    for (i, n) in list.iter().enumerate() {
        check_name(r, &at.index(i), "previous name", n);
    }
    let set: BTreeSet<String> = list.into_iter().collect();
    (r.problems.len() == before).then(|| Some(set.into_iter().collect()))
}
#[cfg(test)]
mod tests {
    use super::super::is_logical_name;
    use super::super::parse_package;
    use super::super::test_support::{dogs, problems, with};
    use crate::rules;
    use serde_json::json;

    #[test]
    fn invalid_names_name_the_rule_schema_and_field() {
        let raw = with(
            dogs(),
            "/schemas/Dog/fields/birth_date",
            json!({"type": "date"}),
        );
        let err = parse_package(&raw).unwrap_err();
        assert_eq!(err.0.len(), 1);
        let p = &err.0[0];
        assert_eq!(
            (p.rule, p.path.as_str()),
            (rules::INVALID_NAME, "schemas.Dog.fields.birth_date")
        );
        assert_eq!(p.schema.as_deref(), Some("Dog"));
        assert_eq!(p.field.as_deref(), Some("birth_date"));
        assert!(p.message.contains("[A-Za-z][A-Za-z0-9]*"), "{}", p.message);
        assert!(
            is_logical_name("Dog2")
                && !is_logical_name("2Dog")
                && !is_logical_name("")
                && !is_logical_name("Dög")
        );
    }

    #[test]
    fn previous_names_cannot_be_current_names() {
        let raw = with(
            dogs(),
            "/schemas/Dog/fields/ownerName/previousNames",
            json!(["name"]),
        );
        assert_eq!(
            problems(raw),
            [(
                rules::PREVIOUS_NAME_CONFLICT,
                "schemas.Dog.fields.ownerName.previousNames".to_string()
            )]
        );
        let raw = with(
            dogs(),
            "/schemas/Dog/previousNames",
            json!(["VaccinatedDog", "Dog"]),
        );
        let got = problems(raw);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got
            .iter()
            .all(|(r, p)| *r == rules::PREVIOUS_NAME_CONFLICT && p == "schemas.Dog.previousNames"));
        let raw = with(
            dogs(),
            "/schemas/Cat",
            json!({"kind": "object", "fields": {"id": {"type": "uuid"}}, "previousNames": ["Hound"]}),
        );
        assert_eq!(problems(raw)[0].0, rules::PREVIOUS_NAME_CONFLICT);
        let raw = with(
            dogs(),
            "/schemas/Dog/fields/name/previousNames",
            json!(["a-b"]),
        );
        assert_eq!(
            problems(raw),
            [(
                rules::INVALID_NAME,
                "schemas.Dog.fields.name.previousNames[0]".to_string()
            )]
        );
    }
}
