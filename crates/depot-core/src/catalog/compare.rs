//! The comparison of a live catalog with the expected one: the namespace, its enum types,
//! tables and views, each line naming what differs and where.

use std::collections::BTreeMap;

use super::compare_index::compare_indexes;
use super::compare_table::compare_table;
use super::types::{Catalog, EnumType, View};

/// The differences between `live` (the namespace as it is) and `expected` (as deployed), one
/// line each, in the words of `expected.wording`. Empty when they match.
pub fn compare(live: &Catalog, expected: &Catalog) -> Vec<String> {
    let ns = &expected.namespace;
    let words = &expected.wording;
    let mut out = Vec::new();
    if !live.exists {
        // An empty namespace is dropped with its last table, and that is no drift.
        let deployed = !expected.tables.is_empty()
            || !expected.views.is_empty()
            || !expected.materialized_views.is_empty();
        if deployed {
            out.push(format!("{} {ns} does not exist", words.namespace));
        }
        return out;
    }
    compare_comment(
        &format!("{} {ns}", words.namespace),
        &live.comment,
        &expected.comment,
        &mut out,
    );
    compare_enums(ns, &live.enums, &expected.enums, &mut out);
    for (name, table) in &expected.tables {
        match live.tables.get(name) {
            None => out.push(format!("table {ns}.{name} ({}) is missing", table.logical)),
            Some(found) => compare_table(&format!("{ns}.{name}"), found, table, words, &mut out),
        }
    }
    for name in live.tables.keys() {
        if !expected.tables.contains_key(name) {
            out.push(format!(
                "table {ns}.{name} is not part of the deployed version"
            ));
        }
    }
    compare_views(live, expected, true, &mut out);
    compare_views(live, expected, false, &mut out);
    out
}

/// The views of one kind (materialized or plain): each expected one present, with its comment
/// and indexes, and no other.
fn compare_views(live: &Catalog, expected: &Catalog, materialized: bool, out: &mut Vec<String>) {
    let ns = &expected.namespace;
    let words = &expected.wording;
    let kind_word = |materialized: bool| {
        if materialized {
            words.materialized_view
        } else {
            "view"
        }
    };
    let (word, other_word) = (kind_word(materialized), kind_word(!materialized));
    for (name, view) in of_kind(expected, materialized) {
        let found = of_kind(live, materialized).get(name);
        let other_kind = of_kind(live, !materialized)
            .get(name)
            .filter(|_| words.one_line_kind_change);
        match (found, other_kind) {
            (Some(found), _) => {
                compare_comment(
                    &format!("{word} {ns}.{name}"),
                    &found.comment,
                    &view.comment,
                    out,
                );
                compare_indexes(
                    &format!("materialized view {ns}.{name}"),
                    &found.indexes,
                    &view.indexes,
                    out,
                );
            }
            (None, Some(found)) => {
                compare_comment(
                    &format!("{other_word} {ns}.{name}"),
                    &found.comment,
                    &view.comment,
                    out,
                );
                let kind = |materialized: bool| {
                    if materialized {
                        "a materialized view"
                    } else {
                        "a plain view"
                    }
                };
                out.push(format!(
                    "{other_word} {ns}.{name} is {}, expected {}",
                    kind(!materialized),
                    kind(materialized)
                ));
            }
            (None, None) => out.push(format!("{word} {ns}.{name} ({}) is missing", view.logical)),
        }
    }
    for name in of_kind(live, materialized).keys() {
        let changed_kind =
            words.one_line_kind_change && of_kind(expected, !materialized).contains_key(name);
        if !of_kind(expected, materialized).contains_key(name) && !changed_kind {
            out.push(format!(
                "{word} {ns}.{name} is not part of the deployed version"
            ));
        }
    }
}

/// The views of `catalog` of one kind.
fn of_kind(catalog: &Catalog, materialized: bool) -> &BTreeMap<String, View> {
    if materialized {
        &catalog.materialized_views
    } else {
        &catalog.views
    }
}

/// Each expected enum type present with its values in order, and no other.
fn compare_enums(
    ns: &str,
    live: &BTreeMap<String, EnumType>,
    expected: &BTreeMap<String, EnumType>,
    out: &mut Vec<String>,
) {
    for (name, e) in expected {
        match live.get(name) {
            None => out.push(format!("enum type {ns}.{name} ({}) is missing", e.logical)),
            Some(found) if found.values != e.values => out.push(format!(
                "enum type {ns}.{name} has values ({}), expected ({})",
                found.values.join(", "),
                e.values.join(", ")
            )),
            Some(_) => {}
        }
    }
    for name in live.keys() {
        if !expected.contains_key(name) {
            out.push(format!(
                "enum type {ns}.{name} is not part of the deployed version"
            ));
        }
    }
}

/// A line when `found` is not the `expected` comment of `what`.
pub(super) fn compare_comment(
    what: &str,
    found: &Option<String>,
    expected: &Option<String>,
    out: &mut Vec<String>,
) {
    if found != expected {
        let says = |c: &Option<String>| c.as_ref().map_or("none".to_string(), |c| format!("{c:?}"));
        out.push(format!(
            "{what}: comment is {}, expected {}",
            says(found),
            says(expected)
        ));
    }
}
