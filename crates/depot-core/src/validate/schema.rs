//! Schemas: the `schemas` object of a package, each schema dispatched by its `kind` to an
//! object or a view, and the outline of every declared schema that later checks (seeds,
//! previous names) rely on even when the schema itself has problems.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::json::{JsonObject, JsonValue, View};
use crate::package::{ObjectSchema, Schema};
use crate::reader::{describe_scalar, Place, Reader};
use crate::rules;

use super::names::{check_name, check_previous_names, read_previous_names, Owner};
use super::object::{read_object, Declared, ObjectMembers, ObjectRead, Partial, OBJECT_KEYS};
use super::references::check_references;
use super::view::{read_view, ViewMembers, MATERIALIZED_VIEW_KEYS, VIEW_KEYS};

/// Outline is what later checks (keys, seeds, previous names) need of a schema, even when the
/// schema itself has problems: its declared field names stop one mistake from cascading into
/// `unknown-field` reports elsewhere.
pub(super) enum Outline<'v, J: JsonValue> {
    Object {
        declared: Declared<'v, J>,
        /// What parsed of the object (fields, keys, indexes, constraints), when it did not parse
        /// as a whole; when it did, it is in [`Schemas::parsed`] (not copied here).
        partial: Option<Box<Partial>>,
    },
    View,
    /// The kind is missing or wrong: nothing more is known.
    Unknown,
}

impl<J: JsonValue> Outline<'_, J> {
    /// The object `name` of this outline, or what parsed of it when it did not parse as a
    /// whole; `None` for a view or a schema of unknown kind.
    pub(super) fn object<'a>(
        &'a self,
        name: &str,
        parsed: &'a BTreeMap<String, Schema>,
    ) -> Option<&'a ObjectSchema> {
        match self {
            Outline::Object {
                partial: Some(o), ..
            } => Some(o.as_ref()),
            Outline::Object { partial: None, .. } => match parsed.get(name) {
                Some(Schema::Object(o)) => Some(o),
                Some(Schema::View(_) | Schema::MaterializedView(_)) | None => None,
            },
            Outline::View | Outline::Unknown => None,
        }
    }
}

/// Schemas is every schema that parsed, with the outline of every declared schema.
pub(super) struct Schemas<'v, J: JsonValue> {
    /// The schemas that parsed (also those with an invalid name: `ok` is false then).
    pub(super) parsed: BTreeMap<String, Schema>,
    pub(super) outlines: BTreeMap<&'v str, Outline<'v, J>>,
    /// No problem was found in `schemas`.
    pub(super) ok: bool,
}

pub(super) fn read_schemas<'v, J: JsonValue>(
    r: &mut Reader,
    value: &'v J,
    at: &Place<'_>,
) -> Option<Schemas<'v, J>> {
    let Some(map) = value.as_object() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!(
                "`schemas` must be an object of schemas by name, not {}",
                crate::lenient::kind(value)
            ),
        );
        return None;
    };
    let before = r.problems.len();
    // Schemas come in key order: collected, then built into maps at once.
    let mut parsed = Vec::with_capacity(map.len());
    let mut outlines = Vec::with_capacity(map.len());
    let mut previous: Vec<(&str, Vec<String>)> = Vec::new();
    let mut foreign_key_positions: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    // Each schema is read on its own (on every core), with its own problems; they are taken in
    // key order, so the problems come as they would read one after another.
    let members: Vec<(&'v str, &'v J)> = map.members().collect();
    let read: Vec<_> = members
        .par_iter()
        .map(|&(name, raw)| {
            let mut own = Reader::default();
            let sat = at.key(name).in_schema(name);
            // An invalid name is reported: `ok` is false, the parsed schema is never used.
            check_name(&mut own, &sat, "schema name", name);
            let read = read_schema(&mut own, raw, &sat, name);
            (own.problems, read)
        })
        .collect();
    for ((name, _), (problems, (schema, outline, prev, positions))) in members.into_iter().zip(read)
    {
        r.problems.extend(problems);
        if !positions.is_empty() {
            foreign_key_positions.insert(name, positions);
        }
        if let Some(prev) = prev {
            previous.push((name, prev));
        }
        outlines.push((name, outline));
        if let Some(s) = schema {
            parsed.push((name.to_string(), s));
        }
    }
    check_previous_names(
        r,
        at,
        Owner::Schema,
        &previous,
        |n| map.contains_key(n),
        "schema",
    );
    let parsed: BTreeMap<String, Schema> = parsed.into_iter().collect();
    let outlines: BTreeMap<&str, Outline<'_, J>> = outlines.into_iter().collect();
    check_references(r, at, &parsed, &outlines, &foreign_key_positions);
    Some(Schemas {
        parsed,
        outlines,
        ok: r.problems.len() == before,
    })
}

fn read_schema<'v, J: JsonValue>(
    r: &mut Reader,
    raw: &'v J,
    at: &Place<'_>,
    name: &str,
) -> (
    Option<Schema>,
    Outline<'v, J>,
    Option<Vec<String>>,
    Vec<usize>,
) {
    let Some(map) = raw.as_object() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!(
                "schema `{name}` must be an object with a `kind`, not {}",
                crate::lenient::kind(raw)
            ),
        );
        return (None, Outline::Unknown, None, Vec::new());
    };
    let kind = match map.get("kind").map(|v| (v, v.view())) {
        None => {
            r.report(
                &at.key("kind"),
                rules::REQUIRED,
                format!("schema `{name}` needs a `kind`: object, view or materializedView"),
            );
            None
        }
        Some((_, View::String(k))) if k == "object" || k == "view" || k == "materializedView" => {
            Some(k)
        }
        Some((other, _)) => {
            r.report(
                &at.key("kind"),
                rules::INVALID_KIND,
                format!(
                    "schema `{name}` has kind {}; the kinds are object, view and materializedView",
                    describe_scalar(other)
                ),
            );
            None
        }
    };
    match kind {
        Some("object") => {
            let [_, description, fields, primary_key, indexes, previous_names, sql_name, foreign_keys, checks] =
                r.member_values(map, at, format_args!("object `{name}`"), OBJECT_KEYS);
            let prev = read_previous_names(r, previous_names, at);
            let members = ObjectMembers {
                description,
                fields,
                primary_key,
                indexes,
                sql_name,
                foreign_keys,
                checks,
            };
            let ObjectRead {
                object,
                declared,
                foreign_key_positions,
            } = read_object(r, members, at, name);
            match (object, prev) {
                (Ok(mut o), Some(p)) => {
                    let check = p.clone();
                    o.previous_names = p.unwrap_or_default();
                    let outline = Outline::Object {
                        declared,
                        partial: None,
                    };
                    (
                        Some(Schema::Object(o)),
                        outline,
                        check,
                        foreign_key_positions,
                    )
                }
                // The object parsed but its previous names did not: the outline keeps what
                // seeds are checked against.
                (Ok(o), None) => {
                    let outline = Outline::Object {
                        declared,
                        partial: Some(Box::new(o)),
                    };
                    (None, outline, None, foreign_key_positions)
                }
                // What parsed of it, its foreign keys too: their targets are checked.
                (Err(partial), prev) => {
                    let outline = Outline::Object {
                        declared,
                        partial: Some(Box::new(partial)),
                    };
                    (None, outline, prev.flatten(), foreign_key_positions)
                }
            }
        }
        Some(kind) => {
            let materialized = kind == "materializedView";
            let [_, description, query, queries, previous_names, sql_name, indexes] =
                if materialized {
                    r.member_values(
                        map,
                        at,
                        format_args!("materialized view `{name}`"),
                        MATERIALIZED_VIEW_KEYS,
                    )
                } else {
                    let [k, d, q, qs, p, s] =
                        r.member_values(map, at, format_args!("view `{name}`"), VIEW_KEYS);
                    [k, d, q, qs, p, s, None]
                };
            let prev = read_previous_names(r, previous_names, at);
            let members = ViewMembers {
                description,
                query,
                queries,
                sql_name,
                indexes,
            };
            let view = read_view(r, members, at, name);
            match (view, prev) {
                (Some(mut v), Some(p)) => {
                    let check = p.clone();
                    v.previous_names = p.unwrap_or_default();
                    let schema = if materialized {
                        Schema::MaterializedView(v)
                    } else {
                        Schema::View(v)
                    };
                    (Some(schema), Outline::View, check, Vec::new())
                }
                (_, prev) => (None, Outline::View, prev.flatten(), Vec::new()),
            }
        }
        None => (
            None,
            Outline::Unknown,
            read_previous_names(r, map.get("previousNames"), at).flatten(),
            Vec::new(),
        ),
    }
}
#[cfg(test)]
mod tests {
    use super::super::parse_package;
    use super::super::test_support::{dogs, problems, with};
    use crate::package::Schema;
    use crate::rules;
    use serde_json::json;

    #[test]
    fn schema_kinds_and_views() {
        let raw = with(
            dogs(),
            "/schemas/Cat",
            json!({"kind": "table", "fields": {}}),
        );
        assert_eq!(
            problems(raw),
            [(rules::INVALID_KIND, "schemas.Cat.kind".to_string())]
        );
        let raw = with(dogs(), "/schemas/Cat", json!({"fields": {}}));
        assert_eq!(
            problems(raw),
            [(rules::REQUIRED, "schemas.Cat.kind".to_string())]
        );
        let raw = with(
            dogs(),
            "/schemas/Cat",
            json!({"kind": "object", "fields": {}}),
        );
        assert_eq!(
            problems(raw),
            [(rules::NO_FIELDS, "schemas.Cat.fields".to_string())]
        );
        let raw = with(dogs(), "/schemas/V", json!({"kind": "view"}));
        assert_eq!(
            problems(raw),
            [(rules::MISSING_QUERY, "schemas.V.query".to_string())]
        );
        let raw = with(
            dogs(),
            "/schemas/V",
            json!({"kind": "view", "queries": {"oracle": "SELECT 1", "postgres": ""}, "fields": {}}),
        );
        assert_eq!(
            problems(raw),
            [
                (rules::UNKNOWN_KEY, "schemas.V.fields".to_string()),
                (rules::UNKNOWN_KEY, "schemas.V.queries.oracle".to_string()),
                (rules::EMPTY_VALUE, "schemas.V.queries.postgres".to_string()),
            ]
        );
        let raw = with(
            dogs(),
            "/schemas/V",
            json!({"kind": "view", "queries": {"snowflake": "SELECT 1"}, "sqlName": "v_x"}),
        );
        let p = parse_package(&raw).unwrap();
        let Schema::View(v) = &p.schemas["V"] else {
            panic!()
        };
        assert_eq!(v.query_for("snowflake"), Some("SELECT 1"));
        assert_eq!(v.query_for("postgres"), None);
        assert_eq!(v.sql_name.as_deref(), Some("v_x"));
    }

    #[test]
    fn materialized_views_take_indexes_and_plain_views_do_not() {
        let raw = with(
            dogs(),
            "/schemas/M",
            json!({"kind": "materializedView", "query": "SELECT name FROM Dog",
                   "indexes": [{"name": "z", "fields": ["name"]},
                               {"name": "a", "fields": ["name"], "unique": true}]}),
        );
        let p = parse_package(&raw).unwrap();
        let Schema::MaterializedView(v) = &p.schemas["M"] else {
            panic!("{:?}", p.schemas["M"])
        };
        // Sorted by name, like an object's; their fields are checked once the query resolves.
        let names: Vec<&str> = v.indexes.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["a", "z"]);
        assert!(p.is_materialized("M") && !p.is_materialized("Dog"));
        // A plain view has no `indexes`; a bad index of a materialized view names its path.
        let raw = with(
            dogs(),
            "/schemas/V",
            json!({"kind": "view", "query": "SELECT 1", "indexes": []}),
        );
        assert_eq!(
            problems(raw),
            [(rules::UNKNOWN_KEY, "schemas.V.indexes".to_string())]
        );
        let raw = with(
            dogs(),
            "/schemas/M",
            json!({"kind": "materializedView", "query": "SELECT 1",
                   "indexes": [{"name": "a", "fields": []}, {"name": "b", "fields": ["x"]}, {"name": "b", "fields": ["y"]}]}),
        );
        let found = problems(raw);
        assert!(
            found.contains(&(
                rules::DUPLICATE_INDEX,
                "schemas.M.indexes[2].name".to_string()
            )),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|(_, path)| path.starts_with("schemas.M.indexes[0].fields")),
            "{found:?}"
        );
    }
}
