//! The comparison of the indexes of a table or materialized view: each expected one present
//! with its keys, uniqueness, method, covered columns, predicate, nulls, deferral and comment,
//! and no other.

use std::collections::BTreeMap;

use crate::constraint::Deferrable;

use super::compare::compare_comment;
use super::types::{Index, IndexKey};

/// Appends to `out` how the `live` indexes of `owner` (`table ns.t`) differ from `expected`.
pub(super) fn compare_indexes(
    owner: &str,
    live: &BTreeMap<String, Index>,
    expected: &BTreeMap<String, Index>,
    out: &mut Vec<String>,
) {
    for (name, index) in expected {
        let Some(found) = live.get(name) else {
            out.push(format!(
                "{owner}: index {name} ({}) is missing",
                index.logical
            ));
            continue;
        };
        if found.unique != index.unique || !keys_match(&found.keys, &index.keys) || !found.valid {
            out.push(format!(
                "{owner}: index {name} is `{}`{}, expected {}({})",
                found.definition,
                if found.valid { "" } else { " (INVALID)" },
                if index.unique { "unique " } else { "" },
                key_list(&index.keys)
            ));
        }
    }
    for (name, index) in expected {
        let Some(found) = live.get(name) else {
            continue;
        };
        if found.method != index.method
            || found.include != index.include
            || found.partial != index.partial
        {
            out.push(format!(
                "{owner}: index {name} is `{}`, expected USING {}{}{}",
                found.definition,
                index.method.as_deref().unwrap_or_default(),
                if index.include { " with INCLUDE" } else { "" },
                if index.partial { ", partial" } else { "" }
            ));
        }
        compare_comment(
            &format!("{owner}: index {name}"),
            &found.comment,
            &index.comment,
            out,
        );
    }
    for (name, index) in expected {
        let Some(found) = live.get(name) else {
            continue;
        };
        if found.nulls_not_distinct != index.nulls_not_distinct {
            out.push(format!(
                "{owner}: index {name} is `{}`, expected nulls {}",
                found.definition,
                if index.nulls_not_distinct {
                    "not distinct"
                } else {
                    "distinct"
                }
            ));
        }
        if found.deferrable != index.deferrable {
            out.push(format!(
                "{owner}: unique index {name} is {}, expected {}",
                describe_deferrable(found.deferrable),
                describe_deferrable(index.deferrable)
            ));
        }
    }
    for name in live.keys() {
        if !expected.contains_key(name) {
            out.push(format!(
                "{owner}: index {name} is not part of the deployed version"
            ));
        }
    }
}

/// Whether the live keys are the expected ones: the same columns in order, and an expression
/// where one is expected (its text is the engine's, see [`IndexKey`]).
fn keys_match(live: &[IndexKey], expected: &[IndexKey]) -> bool {
    live.len() == expected.len()
        && live.iter().zip(expected).all(|pair| match pair {
            (IndexKey::Column(found), IndexKey::Column(column)) => found == column,
            (IndexKey::Expression(_), IndexKey::Expression(_)) => true,
            _ => false,
        })
}

/// The keys as a line names them: columns, `(expression)`s.
fn key_list(keys: &[IndexKey]) -> String {
    keys.iter()
        .map(|key| match key {
            IndexKey::Column(c) => c.clone(),
            IndexKey::Expression(sql) => format!("({sql})"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// When a unique index or foreign key is checked, in the words of `DEFERRABLE`.
pub(super) fn describe_deferrable(deferrable: Option<Deferrable>) -> &'static str {
    match deferrable {
        None => "checked at once",
        Some(Deferrable::InitiallyImmediate) => "DEFERRABLE INITIALLY IMMEDIATE",
        Some(Deferrable::InitiallyDeferred) => "DEFERRABLE INITIALLY DEFERRED",
    }
}
