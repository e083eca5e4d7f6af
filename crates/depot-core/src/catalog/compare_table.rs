//! The comparison of one table: its columns, comment, constraints, primary key, indexes and
//! unique keys.

use std::collections::BTreeMap;

use super::compare::compare_comment;
use super::compare_index::{compare_indexes, describe_deferrable};
use super::types::{Column, ConstraintKind, PrimaryKey, Table, Wording};

/// Appends to `out` how the `live` table `table_name` (`ns.t`) differs from `expected`.
pub(super) fn compare_table(
    table_name: &str,
    live: &Table,
    expected: &Table,
    words: &Wording,
    out: &mut Vec<String>,
) {
    let owner = format!("table {table_name}");
    let live_columns: BTreeMap<&str, &Column> =
        live.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    for column in &expected.columns {
        match live_columns.get(column.name.as_str()) {
            None => out.push(format!(
                "{owner}: column {} ({}) is missing",
                column.name, column.logical
            )),
            Some(found) => compare_column(
                &format!("{owner}: column {}", column.name),
                found,
                column,
                words.no_identity,
                out,
            ),
        }
    }
    compare_comment(&owner, &live.comment, &expected.comment, out);
    compare_constraints(&owner, live, expected, out);
    let expected_columns: BTreeMap<&str, &Column> = expected
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c))
        .collect();
    for column in &live.columns {
        let name = &column.name;
        if !expected_columns.contains_key(name.as_str()) && !expected.leftovers.contains(name) {
            out.push(format!(
                "{owner}: column {name} is not part of the deployed version"
            ));
        }
    }
    compare_primary_key(
        &owner,
        live.primary_key.as_ref(),
        expected.primary_key.as_ref(),
        out,
    );
    compare_indexes(&owner, &live.indexes, &expected.indexes, out);
    for (name, key) in &expected.unique_keys {
        match live.unique_keys.get(name) {
            None => out.push(format!(
                "{owner}: unique constraint {name} ({}) is missing",
                key.logical
            )),
            Some(found) if found.columns != key.columns => out.push(format!(
                "{owner}: unique constraint {name} is on ({}), expected ({})",
                found.columns.join(", "),
                key.columns.join(", ")
            )),
            Some(_) => {}
        }
    }
    for name in live.unique_keys.keys() {
        if !expected.unique_keys.contains_key(name) {
            out.push(format!(
                "{owner}: unique constraint {name} is not part of the deployed version"
            ));
        }
    }
}

/// A column's type, nullability, identity, generation and comment.
fn compare_column(
    what: &str,
    found: &Column,
    column: &Column,
    no_identity: &str,
    out: &mut Vec<String>,
) {
    if found.data_type != column.data_type && !column.also_read_as.contains(&found.data_type) {
        out.push(format!(
            "{what} is {}, expected {}",
            found.data_type, column.data_type
        ));
    }
    if found.nullable != column.nullable {
        let says = |nullable: bool| if nullable { "nullable" } else { "NOT NULL" };
        out.push(format!(
            "{what} is {}, expected {}",
            says(found.nullable),
            says(column.nullable)
        ));
    }
    if found.identity != column.identity {
        let says =
            |identity: &Option<String>| identity.clone().unwrap_or_else(|| no_identity.to_string());
        out.push(format!(
            "{what} is {}, expected {}",
            says(&found.identity),
            says(&column.identity)
        ));
    }
    if found.generated != column.generated {
        let says = |generated: bool| {
            if generated {
                "generated"
            } else {
                "not generated"
            }
        };
        out.push(format!(
            "{what} is {}, expected {}",
            says(found.generated),
            says(column.generated)
        ));
    }
    compare_comment(what, &found.comment, &column.comment, out);
}

/// Each expected check and foreign key present as one, with its comment, shape and deferral;
/// and no other check or foreign key (leftovers aside).
fn compare_constraints(owner: &str, live: &Table, expected: &Table, out: &mut Vec<String>) {
    for (name, constraint) in &expected.constraints {
        let kind = constraint.kind.name();
        let Some(found) = live.constraints.get(name) else {
            out.push(format!(
                "{owner}: {} {name} ({}) is missing",
                kind.replace('_', " "),
                constraint.logical
            ));
            continue;
        };
        if found.kind != constraint.kind {
            out.push(format!(
                "{owner}: constraint {name} is a {}, expected a {kind}",
                found.kind.name()
            ));
            continue;
        }
        compare_comment(
            &format!("{owner}: constraint {name}"),
            &found.comment,
            &constraint.comment,
            out,
        );
        if let (Some(found), Some(shape)) = (&found.shape, &constraint.shape) {
            let same = found.columns == shape.columns
                && found.references_table == shape.references_table
                && found.references_columns == shape.references_columns;
            if !same {
                out.push(format!(
                    "{owner}: foreign key {name} is ({}) -> {}.{} ({}), expected ({}) -> {}.{} ({})",
                    found.columns.join(", "),
                    found.references_namespace,
                    found.references_table,
                    found.references_columns.join(", "),
                    shape.columns.join(", "),
                    shape.references_namespace,
                    shape.references_table,
                    shape.references_columns.join(", ")
                ));
            }
        }
        if found.deferrable != constraint.deferrable {
            out.push(format!(
                "{owner}: foreign key {name} is {}, expected {}",
                describe_deferrable(found.deferrable),
                describe_deferrable(constraint.deferrable)
            ));
        }
    }
    for (name, found) in &live.constraints {
        let compared = matches!(
            found.kind,
            ConstraintKind::Check | ConstraintKind::ForeignKey
        );
        if compared
            && !expected.constraints.contains_key(name)
            && !expected.leftovers.contains(name)
        {
            out.push(format!(
                "{owner}: {} {name} is not part of the deployed version",
                found.kind.name().replace('_', " ")
            ));
        }
    }
}

/// The primary key: present or not, its columns, and its name where both sides know it.
fn compare_primary_key(
    owner: &str,
    live: Option<&PrimaryKey>,
    expected: Option<&PrimaryKey>,
    out: &mut Vec<String>,
) {
    let named = |key: &PrimaryKey| key.name.as_ref().map_or(String::new(), |n| format!(" {n}"));
    match (expected, live) {
        (None, None) => {}
        (Some(key), None) => out.push(format!("{owner}: primary key{} is missing", named(key))),
        (None, Some(key)) => out.push(format!(
            "{owner}: primary key{} is not part of the deployed version",
            named(key)
        )),
        (Some(key), Some(found)) => {
            let same_name = match (&key.name, &found.name) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
            if !same_name || key.columns != found.columns {
                out.push(format!(
                    "{owner}: primary key is{} ({}), expected{} ({})",
                    named(found),
                    found.columns.join(", "),
                    named(key),
                    key.columns.join(", ")
                ));
            }
        }
    }
}
