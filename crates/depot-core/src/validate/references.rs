//! References (SPEC §1b): the target of each foreign key of the package's objects, checked
//! once every schema is read. A reference to a dependency's schema (`Alias.Schema`) is left to
//! resolution, which knows the dataset's dependencies.

use std::collections::BTreeMap;

use crate::constraint::{ForeignKey, ReferentialAction};
use crate::json::JsonValue;
use crate::package::{ObjectSchema, Schema};
use crate::reader::{Place, Reader};
use crate::rules;

use super::constraints::ConstraintWhat;
use super::names::Joined;
use super::schema::Outline;

/// check_references checks the foreign keys of every object (what parsed of it) whose target is a schema of
/// the package: it is an object, the referenced fields are its primary key or the fields of
/// one of its (non-partial) unique indexes, and paired fields have the same type.
/// `positions` gives, per object, the input position of each of its (sorted) foreign keys.
pub(super) fn check_references<J: JsonValue>(
    r: &mut Reader,
    at: &Place<'_>,
    parsed: &BTreeMap<String, Schema>,
    outlines: &BTreeMap<&str, Outline<'_, J>>,
    positions: &BTreeMap<&str, Vec<usize>>,
) {
    // Also the foreign keys that parsed of an object with problems elsewhere: a wrong target is
    // reported with them, not after they are fixed.
    for (owner, outline) in outlines {
        let Some(object) = outline.object(owner, parsed) else {
            continue;
        };
        let Some(positions) = positions.get(owner) else {
            continue;
        };
        let oat = at.key(owner).in_schema(owner);
        let fkat = oat.key("foreignKeys");
        // In input order, as every other problem of the object is reported.
        let mut in_input: Vec<(usize, &ForeignKey)> = positions
            .iter()
            .copied()
            .zip(&object.foreign_keys)
            .collect();
        in_input.sort_by_key(|(i, _)| *i);
        for (i, fk) in in_input {
            check_reference(r, &fkat.index(i), owner, object, fk, parsed, outlines);
        }
    }
}

fn check_reference<J: JsonValue>(
    r: &mut Reader,
    at: &Place<'_>,
    owner: &str,
    object: &ObjectSchema,
    fk: &ForeignKey,
    parsed: &BTreeMap<String, Schema>,
    outlines: &BTreeMap<&str, Outline<'_, J>>,
) {
    let what = ConstraintWhat {
        kind: "foreign key",
        name: Some(&fk.name),
        object: owner,
    };
    // `setNull` on a field that cannot be null would fail the delete or update it answers.
    for (key, action) in [("onDelete", fk.on_delete), ("onUpdate", fk.on_update)] {
        if action != ReferentialAction::SetNull {
            continue;
        }
        let required: Vec<&str> = fk
            .fields
            .iter()
            .filter(|f| object.fields.get(*f).is_some_and(|field| !field.nullable))
            .map(String::as_str)
            .collect();
        if !required.is_empty() {
            r.report(
                &at.key(key),
                rules::INVALID_FOREIGN_KEY,
                format!(
                    "{what} sets its fields to null `{key}`, but {} of `{owner}` cannot be null: make them nullable or choose another action",
                    Joined(&required)
                ),
            );
        }
    }
    // `Alias.Schema`: checked by resolution against the dataset's dependencies.
    if fk.references.dependency().is_some() {
        return;
    }
    let target_name = fk.references.schema.as_str();
    let rat = at.key("references");
    let target = match (outlines.get(target_name), parsed.get(target_name)) {
        (None, _) => {
            let objects: Vec<&str> = outlines
                .iter()
                .filter(|(_, o)| matches!(o, Outline::Object { .. }))
                .map(|(n, _)| *n)
                .collect();
            r.report(
                &rat.key("schema"),
                rules::UNKNOWN_SCHEMA,
                format!(
                    "{what} references `{target_name}`, which is not a schema of the package (a dependency's is written `Alias.Schema`); objects: {}",
                    Joined(&objects)
                ),
            );
            return;
        }
        (Some(Outline::View), _) => {
            r.report(
                &rat.key("schema"),
                rules::INVALID_FOREIGN_KEY,
                format!("{what} references `{target_name}`, which is a view: a foreign key references an object"),
            );
            return;
        }
        (_, Some(Schema::Object(target))) => target,
        // The target has problems of its own, already reported.
        (Some(_), _) => return,
    };
    let fields_at = rat.key("fields");
    let mut known = true;
    for (j, f) in fk.references.fields.iter().enumerate() {
        if !target.fields.contains_key(f) {
            known = false;
            let fields: Vec<&str> = target.fields.keys().map(String::as_str).collect();
            r.report(
                &fields_at.index(j),
                rules::UNKNOWN_FIELD,
                format!(
                    "{what} references field `{f}` of `{target_name}`, which it does not have; fields: {}",
                    Joined(&fields)
                ),
            );
        }
    }
    if !known {
        return;
    }
    let same_set = |keys: &mut dyn Iterator<Item = &str>| {
        let mut keys: Vec<&str> = keys.collect();
        let mut referenced: Vec<&str> = fk.references.fields.iter().map(String::as_str).collect();
        keys.sort_unstable();
        referenced.sort_unstable();
        keys == referenced
    };
    let is_key = same_set(&mut target.primary_key.iter().map(String::as_str))
        || target
            .indexes
            .iter()
            .filter(|ix| ix.unique && ix.where_clause.is_none())
            .filter(|ix| !ix.has_expression() && ix.deferrable.is_none())
            .any(|ix| same_set(&mut ix.field_names()));
    if !is_key {
        // A unique index of expressions, or a deferrable one, identifies a row too, but the
        // engines do not let a foreign key reference it: say which index it would have been.
        let unreferencable = target.indexes.iter().find(|ix| {
            ix.unique
                && ix.where_clause.is_none()
                && (ix.has_expression() || ix.deferrable.is_some())
                && ix
                    .field_names()
                    .all(|f| fk.references.fields.iter().any(|rf| rf == f))
        });
        if let Some(ix) = unreferencable {
            r.report(
                &fields_at,
                rules::INVALID_FOREIGN_KEY,
                format!(
                    "{what} references ({}) of `{target_name}`, whose unique index `{}` {}: a foreign key references the primary key or a unique index of plain fields that is checked at once",
                    Joined(&fk.references.fields),
                    ix.name,
                    if ix.has_expression() { "indexes an expression" } else { "is deferrable" },
                ),
            );
            return;
        }
        r.report(
            &fields_at,
            rules::INVALID_FOREIGN_KEY,
            format!(
                "{what} references ({}) of `{target_name}`, which is neither its primary key ({}) nor the fields of one of its unique indexes: a reference identifies one row",
                Joined(&fk.references.fields),
                Joined(&target.primary_key)
            ),
        );
        return;
    }
    for (j, (f, rf)) in fk.fields.iter().zip(&fk.references.fields).enumerate() {
        let (Some(field), Some(referenced)) = (object.fields.get(f), target.fields.get(rf)) else {
            continue;
        };
        let (a, b) = (field.field_type.name(), referenced.field_type.name());
        if a != b {
            r.report(
                &at.key("fields").index(j).in_field(f),
                rules::INVALID_FOREIGN_KEY,
                format!(
                    "field `{f}` of `{owner}` is {a} but {what} pairs it with `{target_name}.{rf}`, which is {b}: paired fields have the same type"
                ),
            );
        }
    }
}
