//! Objects: an object schema's fields, primary key and indexes, with the declared field
//! names that keys, indexes and seed rows are checked against.

use std::collections::BTreeSet;
use std::fmt;

use crate::field_type::FieldType;
use crate::json::{JsonObject, JsonValue, View};
use crate::package::{FieldMap, Index, ObjectSchema};
use crate::reader::{Place, Reader};
use crate::rules;

use super::constraints::{check_unique_names, read_checks, NamedAt};
use super::field::read_field;
use super::foreign_keys::read_foreign_keys;
use super::index::read_index;
use super::names::{check_name, check_previous_names, Joined, Owner};
use super::package::{optional_sql_name, optional_string};

pub(super) const OBJECT_KEYS: &[&str; 9] = &[
    "kind",
    "description",
    "fields",
    "primaryKey",
    "indexes",
    "previousNames",
    "sqlName",
    "foreignKeys",
    "checks",
];

/// Declared is every field name an object declares (every key of its `fields`, valid or not;
/// none when `fields` is missing or not an object), borrowed from the input. `.1`: any name is
/// declared (a materialized view, whose columns are known only once its query is resolved).
pub(super) struct Declared<'v, J: JsonValue>(Option<&'v J::Object>, bool);

// Not derived: a derive would ask `J` itself to be `Copy`.
impl<J: JsonValue> Clone for Declared<'_, J> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<J: JsonValue> Copy for Declared<'_, J> {}

impl<J: JsonValue> Declared<'_, J> {
    pub(super) fn contains(&self, name: &str) -> bool {
        self.1 || self.0.is_some_and(|m| m.contains_key(name))
    }

    /// Every name is declared: the names are checked later.
    pub(super) fn any() -> Self {
        Declared(None, true)
    }

    /// Every declared name, in input order (none for [`Declared::any`]).
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.0.into_iter().flat_map(|m| m.keys())
    }

    /// The names, sorted, separated by `, `.
    pub(super) fn list(&self) -> String {
        let mut names: Vec<&str> = self.0.iter().flat_map(|m| m.keys()).collect();
        names.sort_unstable();
        Joined(&names).to_string()
    }
}

/// Partial is what parsed of an object that did not parse as a whole: its valid fields, its
/// primary key, and its indexes, foreign keys and checks that parsed.
pub(super) type Partial = ObjectSchema;

/// ObjectMembers are the members of an object read by [`read_object`].
pub(super) struct ObjectMembers<'v, J> {
    pub(super) description: Option<&'v J>,
    pub(super) fields: Option<&'v J>,
    pub(super) primary_key: Option<&'v J>,
    pub(super) indexes: Option<&'v J>,
    pub(super) sql_name: Option<&'v J>,
    pub(super) foreign_keys: Option<&'v J>,
    pub(super) checks: Option<&'v J>,
}

/// ObjectRead is what [`read_object`] gives: the object (or what parsed of it), its declared
/// fields, and the input position of each of its foreign keys (the model sorts them by name),
/// for the checks of references made once every schema is read.
pub(super) struct ObjectRead<'v, J: JsonValue> {
    pub(super) object: Result<ObjectSchema, Partial>,
    pub(super) declared: Declared<'v, J>,
    pub(super) foreign_key_positions: Vec<usize>,
}

pub(super) fn read_object<'v, J: JsonValue>(
    r: &mut Reader,
    members: ObjectMembers<'v, J>,
    at: &Place<'_>,
    name: &str,
) -> ObjectRead<'v, J> {
    let ObjectMembers {
        description,
        fields: fields_value,
        primary_key: primary_key_value,
        indexes: indexes_value,
        sql_name,
        foreign_keys: foreign_keys_value,
        checks: checks_value,
    } = members;
    let before = r.problems.len();
    let description = optional_string(r, description, at, "description");
    let sql_name = optional_sql_name(r, sql_name, at);

    let mut declared = Declared(None, false);
    // Fields come in key order: collected, then built into a map at once.
    let mut fields = Vec::new();
    let mut field_previous = Vec::new();
    let fields_at = at.key("fields");
    match r
        .require(fields_value, at, "fields", "an object of fields by name")
        .map(|v| (v, v.view()))
    {
        None => {}
        Some((_, View::Object(fmap))) if fmap.is_empty() => r.report(
            &fields_at,
            rules::NO_FIELDS,
            format!("object `{name}` has no fields: an object needs at least one"),
        ),
        Some((_, View::Object(fmap))) => {
            declared = Declared(Some(fmap), false);
            fields.reserve_exact(fmap.len());
            for (fname, raw) in fmap.members() {
                let fat = fields_at.key(fname).in_field(fname);
                let name_ok = check_name(r, &fat, "field name", fname);
                let (field, prev) = read_field(r, raw, &fat, fname);
                if let Some(prev) = prev {
                    field_previous.push((fname, prev));
                }
                if let (Some(f), true) = (field, name_ok) {
                    fields.push((fname.to_string(), f));
                }
            }
        }
        Some((other, _)) => r.report(
            &fields_at,
            rules::WRONG_JSON_TYPE,
            format!(
                "`fields` of object `{name}` must be an object of fields by name, not {}",
                crate::lenient::kind(other)
            ),
        ),
    }
    check_previous_names(
        r,
        &fields_at,
        Owner::Field,
        &field_previous,
        |n| declared.contains(n),
        "field",
    );
    let fields: FieldMap = fields.into_iter().collect();

    let primary_key = match primary_key_value {
        None => Vec::new(),
        Some(v) => {
            let kat = at.key("primaryKey");
            let keys = r
                .string_list(v, &kat, "`primaryKey` (a list of field names)")
                .unwrap_or_default();
            check_field_list(r, &kat, &keys, declared, "the primary key");
            for (i, k) in keys.iter().enumerate() {
                let Some(field) = fields.get(k) else {
                    continue;
                };
                if field.nullable {
                    r.report(
                        &kat.index(i).in_field(k),
                        rules::NULLABLE_KEY,
                        format!(
                            "field `{k}` is in the primary key of `{name}` but is nullable: key fields cannot be null"
                        ),
                    );
                }
                let not_a_key = if field.computed.is_some() {
                    Some("computed")
                } else if matches!(field.field_type, FieldType::Array { .. }) {
                    Some("an array")
                } else {
                    None
                };
                if let Some(what) = not_a_key {
                    r.report(
                        &kat.index(i).in_field(k),
                        rules::INVALID_KEY_FIELD,
                        format!(
                            "field `{k}` is in the primary key of `{name}` but is {what}: key fields hold stored, scalar values"
                        ),
                    );
                }
            }
            keys
        }
    };

    // Every index, foreign key and check name, for the check that they are distinct.
    let mut named: Vec<(&'static str, usize, String)> = Vec::new();
    let mut indexes = Vec::new();
    if let Some(v) = indexes_value {
        for (i, ix) in read_index_list(r, v, &at.key("indexes"), name, declared) {
            named.push(("indexes", i, ix.name.clone()));
            indexes.push(ix);
        }
    }
    // Index order carries no meaning: sorting keeps the normalized form (and hash) stable.
    indexes.sort_by(|a, b| a.name.cmp(&b.name));

    // So does the order of foreign keys and checks.
    let mut foreign_keys = match foreign_keys_value {
        None => Vec::new(),
        Some(v) => read_foreign_keys(r, v, &at.key("foreignKeys"), name, declared),
    };
    foreign_keys.sort_by(|(_, a), (_, b)| a.name.cmp(&b.name));
    let mut checks = match checks_value {
        None => Vec::new(),
        Some(v) => read_checks(r, v, &at.key("checks"), name),
    };
    checks.sort_by(|(_, a), (_, b)| a.name.cmp(&b.name));
    named.extend(
        foreign_keys
            .iter()
            .map(|(i, fk)| ("foreignKeys", *i, fk.name.clone())),
    );
    named.extend(checks.iter().map(|(i, c)| ("checks", *i, c.name.clone())));
    // In input order, so that the later of two is the one reported.
    named.sort_by_key(|(list, i, _)| (list_rank(list), *i));
    let named: Vec<NamedAt<'_>> = named
        .iter()
        .map(|(list, i, n)| (*list, *i, n.as_str()))
        .collect();
    check_unique_names(r, at, name, &named);
    let foreign_key_positions = foreign_keys.iter().map(|(i, _)| *i).collect();

    let object = ObjectSchema {
        foreign_keys: foreign_keys.into_iter().map(|(_, fk)| fk).collect(),
        checks: checks.into_iter().map(|(_, c)| c).collect(),
        description: description.flatten(),
        fields,
        primary_key,
        indexes,
        previous_names: Vec::new(),
        sql_name: sql_name.flatten(),
    };
    let object = if r.problems.len() == before {
        Ok(object)
    } else {
        Err(object)
    };
    ObjectRead {
        object,
        declared,
        foreign_key_positions,
    }
}

/// read_indexes reads an `indexes` array, sorted by name (their order carries no meaning:
/// sorting keeps the normalized form, and hash, stable).
pub(super) fn read_indexes<J: JsonValue>(
    r: &mut Reader,
    v: &J,
    iat: &Place<'_>,
    name: &str,
    declared: Declared<'_, J>,
) -> Vec<Index> {
    let mut indexes: Vec<Index> = read_index_list(r, v, iat, name, declared)
        .into_iter()
        .map(|(_, ix)| ix)
        .collect();
    indexes.sort_by(|a, b| a.name.cmp(&b.name));
    indexes
}

/// read_index_list reads an `indexes` array: each index that parsed, with its position.
fn read_index_list<J: JsonValue>(
    r: &mut Reader,
    v: &J,
    iat: &Place<'_>,
    name: &str,
    declared: Declared<'_, J>,
) -> Vec<(usize, Index)> {
    let mut indexes = Vec::new();
    match v.as_array() {
        None => r.report(
            iat,
            rules::WRONG_JSON_TYPE,
            format!(
                "`indexes` must be an array of {{name, fields, unique}}, not {}",
                crate::lenient::kind(v)
            ),
        ),
        Some(items) => {
            indexes.reserve_exact(items.len());
            // Names as the input spells them: a parsed index's name is its input string.
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            for (i, raw) in items.iter().enumerate() {
                let ixat = iat.index(i);
                if let Some(ix) = read_index(r, raw, &ixat, declared) {
                    let spelled = raw
                        .as_object()
                        .and_then(|o| o.get("name"))
                        .and_then(JsonValue::as_str)
                        .unwrap_or_default();
                    if !seen.insert(spelled) {
                        r.report(
                            &ixat.key("name"),
                            rules::DUPLICATE_INDEX,
                            format!("`{name}` has two indexes named `{}`", ix.name),
                        );
                    }
                    indexes.push((i, ix));
                }
            }
        }
    }
    indexes
}

/// list_rank orders the lists of named things as an object lists them in its documentation.
fn list_rank(list: &str) -> u8 {
    match list {
        "indexes" => 0,
        "foreignKeys" => 1,
        _ => 2,
    }
}

/// check_field_list reports unknown and repeated fields of a key or index.
pub(super) fn check_field_list<J: JsonValue>(
    r: &mut Reader,
    at: &Place<'_>,
    list: &[String],
    declared: Declared<'_, J>,
    what: impl fmt::Display,
) {
    let entries: Vec<(usize, &str)> = list.iter().map(String::as_str).enumerate().collect();
    check_field_entries(r, at, &entries, declared, what);
}

/// check_field_entries is [`check_field_list`] of the entries that are field names, each with
/// its position in the list (the other entries have problems of their own).
pub(super) fn check_field_entries<J: JsonValue>(
    r: &mut Reader,
    at: &Place<'_>,
    entries: &[(usize, &str)],
    declared: Declared<'_, J>,
    what: impl fmt::Display,
) {
    // Lists are short: an earlier entry is looked for by scanning, unless the list is long.
    let long = entries.len() > 16;
    let mut seen = BTreeSet::new();
    for (n, &(i, f)) in entries.iter().enumerate() {
        if !declared.contains(f) {
            r.report(
                &at.index(i).in_field(f),
                rules::UNKNOWN_FIELD,
                format!(
                    "{what} names field `{f}`, which the object does not have; fields: {}",
                    declared.list()
                ),
            );
            continue;
        }
        let repeated = if long {
            !seen.insert(f)
        } else {
            entries[..n].iter().any(|&(_, e)| e == f)
        };
        if repeated {
            r.report(
                &at.index(i).in_field(f),
                rules::DUPLICATE_FIELD,
                format!("{what} lists field `{f}` twice"),
            );
        }
    }
}
#[cfg(test)]
mod tests {
    use super::super::test_support::{dogs, problems, unseeded, with};
    use crate::rules;
    use serde_json::json;

    #[test]
    fn keys_and_indexes_name_existing_fields() {
        let raw = with(
            unseeded(),
            "/schemas/Dog/primaryKey",
            json!(["id", "nope", "id", "birthDate"]),
        );
        let got = problems(raw);
        assert_eq!(
            got,
            [
                (
                    rules::UNKNOWN_FIELD,
                    "schemas.Dog.primaryKey[1]".to_string()
                ),
                (
                    rules::DUPLICATE_FIELD,
                    "schemas.Dog.primaryKey[2]".to_string()
                ),
                (rules::NULLABLE_KEY, "schemas.Dog.primaryKey[3]".to_string()),
            ]
        );
        let raw = with(
            dogs(),
            "/schemas/Dog/indexes",
            json!([
                {"name": "byName", "fields": ["name"]},
                {"name": "byName", "fields": []},
                {"name": "by-x", "fields": ["x"], "unique": "maybe", "partial": "x"},
            ]),
        );
        let got = problems(raw);
        assert_eq!(
            got,
            [
                (
                    rules::EMPTY_VALUE,
                    "schemas.Dog.indexes[1].fields".to_string()
                ),
                (
                    rules::UNKNOWN_KEY,
                    "schemas.Dog.indexes[2].partial".to_string()
                ),
                (
                    rules::INVALID_NAME,
                    "schemas.Dog.indexes[2].name".to_string()
                ),
                (
                    rules::UNKNOWN_FIELD,
                    "schemas.Dog.indexes[2].fields[0]".to_string()
                ),
                (
                    rules::WRONG_JSON_TYPE,
                    "schemas.Dog.indexes[2].unique".to_string()
                ),
            ]
        );
    }
}
