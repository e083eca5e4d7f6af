//! Salvage: the sound part of a package that has problems, so that the checks made only when
//! a package is resolved (view queries, expressions, indexes of materialized views, physical
//! names) still run on it and their problems are reported with the others, instead of after
//! the first ones are fixed.
//!
//! What is kept, and why no kept problem misleads:
//! - An object that did not parse as a whole keeps what parsed (fields, keys, indexes, foreign
//!   keys, checks); a field with problems becomes a `string` placeholder, so that
//!   expressions and views naming it still resolve. A resolution problem that lies on or above
//!   a place with a problem of its own, and any name collision while a placeholder stands in
//!   for a field, are not kept ([`Salvage::keeps`]).
//! - A schema with an invalid name, of unknown kind, or with an invalid field name is left out,
//!   and so is a view whose query names a schema left out (it would be told the schema is
//!   unknown, which is not the mistake). A foreign key is kept only when its target is sound.
//! - Enums with problems are kept with the values that could be read; their own resolution
//!   problems are not kept: they were reported already.

use std::collections::{BTreeMap, BTreeSet};

use crate::field_type::FieldType;
use crate::json::JsonValue;
use crate::package::{EnumType, Field, ObjectSchema, Package, Schema};
use crate::problem::Problem;
use crate::rules;

use super::enums::{Enums, MAX_VALUE_BYTES};
use super::is_logical_name;
use super::schema::{Outline, Schemas};

/// Salvage is the sound part of a package with problems.
#[derive(Debug, Clone)]
pub struct Salvage {
    /// What can be resolved of the package; no seeds.
    pub package: Package,
    /// The enums that parsed without a problem.
    sound_enums: BTreeSet<String>,
    /// The paths (in the package) of the problems already found.
    spoiled: Vec<String>,
    /// A placeholder stands in for a field somewhere.
    placeholders: bool,
    /// The objects kept that did not parse as a whole.
    partial: BTreeSet<String>,
}

impl Salvage {
    /// keeps tells whether a problem found resolving [`Salvage::package`] (placed under
    /// `package`, as resolution places them) is news: it belongs to the sound part, and no
    /// problem already found lies on its path.
    pub fn keeps(&self, problem: &Problem) -> bool {
        let path = problem
            .path
            .strip_prefix("package.")
            .unwrap_or(&problem.path);
        let belongs = match &problem.schema {
            Some(schema) => self.package.schemas.contains_key(schema),
            None => path
                .strip_prefix("enums.")
                .map(|rest| rest.split(['.', '[']).next().unwrap_or(rest))
                .is_some_and(|name| self.sound_enums.contains(name)),
        };
        // A placeholder, or an index or constraint left out, may make or hide a collision.
        let collision = problem.rule == rules::NAME_COLLISION
            && (self.placeholders
                || problem
                    .schema
                    .as_ref()
                    .is_some_and(|s| self.partial.contains(s)));
        belongs
            && !collision
            && !self
                .spoiled
                .iter()
                .any(|s| within(s, path) || within(path, s))
    }
}

/// within tells whether path `inner` is `outer` or lies under it.
fn within(inner: &str, outer: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// salvage builds the sound part of a package whose reading found `problems`; `seeds` is the
/// range of them found in its seeds (rows are not salvaged, so they spoil nothing).
pub(super) fn salvage<J: JsonValue>(
    problems: &[Problem],
    seeds: std::ops::Range<usize>,
    enums: Option<&Enums>,
    schemas: Option<&Schemas<'_, J>>,
) -> Option<Salvage> {
    let schemas = schemas?;
    let enums = enums?;
    let own: Vec<&Problem> = problems
        .iter()
        .enumerate()
        .filter(|(i, _)| !seeds.contains(i))
        .map(|(_, p)| p)
        .collect();
    let spoiled_schemas: BTreeSet<&str> = own.iter().filter_map(|p| p.schema.as_deref()).collect();
    // Fields with a problem of their own (also one found after the object was read, such as a
    // default that is not a value of its enum), by object.
    let mut spoiled_fields: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in &own {
        if let (Some(schema), Some(field)) = (&p.schema, &p.field) {
            spoiled_fields.entry(schema).or_default().insert(field);
        }
    }
    let salvaged_enums = salvage_enums(enums);

    let mut kept: BTreeMap<String, Schema> = BTreeMap::new();
    // Objects that are kept but not sound: references to them are not resolved.
    let mut partial: BTreeSet<&str> = BTreeSet::new();
    let mut placeholders = false;
    for (name, outline) in &schemas.outlines {
        if !is_logical_name(name) {
            continue;
        }
        let parsed = schemas.parsed.get(*name);
        let schema = match (outline, parsed) {
            (Outline::View, Some(s @ (Schema::View(_) | Schema::MaterializedView(_)))) => {
                if spoiled_schemas.contains(name) {
                    continue;
                }
                s.clone()
            }
            (
                Outline::Object {
                    declared,
                    partial: p,
                },
                _,
            ) => {
                let Some(base) = outline.object(name, &schemas.parsed) else {
                    continue;
                };
                let names: Vec<&str> = declared.names().collect();
                if names.is_empty() || !names.iter().all(|n| is_logical_name(n)) {
                    continue;
                }
                let mut o = base.clone();
                // Two entries of one name (a problem reported already) cannot be told apart
                // by name, which is how a problem of one is placed: neither is resolved.
                o.indexes = once_each(std::mem::take(&mut o.indexes), |ix| &ix.name);
                o.checks = once_each(std::mem::take(&mut o.checks), |c| &c.name);
                let no_field = BTreeSet::new();
                let spoiled = spoiled_fields.get(*name).unwrap_or(&no_field);
                let filled = fill_fields(&mut o, &names, spoiled, &salvaged_enums);
                placeholders |= filled;
                if p.is_some() || filled || spoiled_schemas.contains(name) {
                    partial.insert(name);
                    // Its foreign keys' problems are placed by their input position, which the
                    // model (sorted by name) does not keep: none is resolved.
                    o.foreign_keys.clear();
                }
                Schema::Object(o)
            }
            _ => continue,
        };
        kept.insert(name.to_string(), schema);
    }
    // Views that name a schema left out are left out, and so, in turn, are their readers.
    loop {
        let lost: Vec<String> = kept
            .iter()
            .filter_map(|(name, s)| match s {
                Schema::View(v) | Schema::MaterializedView(v) => {
                    let mut words = v
                        .query
                        .iter()
                        .chain(v.queries.values())
                        .flat_map(|t| words(t));
                    let names_lost = words.any(|w| {
                        schemas
                            .outlines
                            .keys()
                            .any(|s| s.eq_ignore_ascii_case(w) && !kept.contains_key(*s))
                    });
                    names_lost.then(|| name.clone())
                }
                Schema::Object(_) => None,
            })
            .collect();
        if lost.is_empty() {
            break;
        }
        for name in lost {
            kept.remove(&name);
        }
    }
    let sound: BTreeSet<String> = kept
        .iter()
        .filter(|(name, s)| matches!(s, Schema::Object(_)) && !partial.contains(name.as_str()))
        .map(|(name, _)| name.clone())
        .collect();
    for schema in kept.values_mut() {
        if let Schema::Object(o) = schema {
            // A reference to an object that is not sound cannot be checked: its target's keys
            // may be what has the problem.
            o.foreign_keys.retain(|fk| {
                fk.references.dependency().is_some() || sound.contains(&fk.references.schema)
            });
        }
    }
    Some(Salvage {
        package: Package {
            name: "salvage".into(),
            version: "0".into(),
            description: None,
            enums: salvaged_enums,
            schemas: kept,
            seeds: BTreeMap::new(),
        },
        sound_enums: enums.parsed.keys().cloned().collect(),
        spoiled: problems.iter().map(|p| p.path.clone()).collect(),
        placeholders,
        partial: partial.into_iter().map(str::to_string).collect(),
    })
}

/// salvage_enums gives every enum that parsed, and every enum with problems whose values could
/// be read, with its valid values once each.
fn salvage_enums(enums: &Enums) -> BTreeMap<String, EnumType> {
    let mut out = BTreeMap::new();
    for (name, values) in &enums.declared {
        if let Some(e) = enums.parsed.get(name) {
            out.insert(name.clone(), e.clone());
            continue;
        }
        let mut kept: Vec<String> = Vec::new();
        for v in values.iter().flatten() {
            let valid = !v.is_empty() && !v.contains('\0') && v.len() <= MAX_VALUE_BYTES;
            if valid && !kept.contains(v) {
                kept.push(v.clone());
            }
        }
        if is_logical_name(name) && !kept.is_empty() {
            out.insert(
                name.clone(),
                EnumType {
                    values: kept,
                    description: None,
                    previous_names: Vec::new(),
                    sql_name: None,
                },
            );
        }
    }
    out
}

/// fill_fields puts a placeholder in object `o` for each declared field that did not parse, has
/// a problem, or uses an enum that is not kept; tells whether it put one.
fn fill_fields(
    o: &mut ObjectSchema,
    declared: &[&str],
    spoiled: &BTreeSet<&str>,
    enums: &BTreeMap<String, EnumType>,
) -> bool {
    let mut filled = false;
    for name in declared {
        let field = o.fields.get(*name).filter(|_| !spoiled.contains(name));
        let usable = field.is_some_and(|f| match &f.field_type {
            FieldType::Enum { name, .. } => enums.contains_key(name),
            _ => true,
        });
        if !usable {
            o.fields.insert(name.to_string(), placeholder());
            filled = true;
        }
    }
    filled
}

/// A field that did not parse: a string, not nullable (it may be in the primary key).
fn placeholder() -> Field {
    Field {
        field_type: FieldType::String { max_length: None },
        nullable: false,
        default: None,
        auto_increment: None,
        computed: None,
        description: None,
        previous_names: Vec::new(),
        sql_name: None,
    }
}

/// once_each keeps the entries of `list` whose name no other entry has.
fn once_each<T>(list: Vec<T>, name: impl Fn(&T) -> &String) -> Vec<T> {
    let names: Vec<String> = list.iter().map(|e| name(e).clone()).collect();
    list.into_iter()
        .filter(|e| names.iter().filter(|n| *n == name(e)).count() == 1)
        .collect()
}

/// words splits SQL text into its identifier-like words (quoted or not).
fn words(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}
