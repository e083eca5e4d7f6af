//! Views: a view schema's SQL, portable (`query`) or per engine (`queries`).

use std::collections::BTreeMap;

use crate::json::{JsonObject, JsonValue};
use crate::package::ViewSchema;
use crate::reader::{Place, Reader};
use crate::rules;

use super::object::{read_indexes, Declared};
use super::package::{optional_sql_name, optional_string};

/// ENGINES are the keys allowed in a view's `queries`.
pub const ENGINES: &[&str] = &["postgres", "snowflake"];

pub(super) const VIEW_KEYS: &[&str; 6] = &[
    "kind",
    "description",
    "query",
    "queries",
    "previousNames",
    "sqlName",
];

/// MATERIALIZED_VIEW_KEYS are a view's keys and `indexes` (its rows are stored, so they can be
/// indexed).
pub(super) const MATERIALIZED_VIEW_KEYS: &[&str; 7] = &[
    "kind",
    "description",
    "query",
    "queries",
    "previousNames",
    "sqlName",
    "indexes",
];

/// ViewMembers are the members of a view read by [`read_view`].
pub(super) struct ViewMembers<'v, J> {
    pub(super) description: Option<&'v J>,
    pub(super) query: Option<&'v J>,
    pub(super) queries: Option<&'v J>,
    pub(super) sql_name: Option<&'v J>,
    /// A materialized view's indexes (always `None` for a plain view).
    pub(super) indexes: Option<&'v J>,
}

pub(super) fn read_view<J: JsonValue>(
    r: &mut Reader,
    members: ViewMembers<'_, J>,
    at: &Place<'_>,
    name: &str,
) -> Option<ViewSchema> {
    let ViewMembers {
        description,
        query,
        queries: queries_value,
        sql_name,
        indexes: indexes_value,
    } = members;
    let before = r.problems.len();
    let description = optional_string(r, description, at, "description");
    let sql_name = optional_sql_name(r, sql_name, at);
    let has_sql = query.is_some() || queries_value.is_some();
    let query = match query {
        None => Some(None),
        Some(v) => r
            .non_empty_string(
                v,
                &at.key("query"),
                "the view `query` (SQL in logical names)",
            )
            .map(Some),
    };
    let mut queries = BTreeMap::new();
    if let Some(v) = queries_value {
        let qat = at.key("queries");
        if let Some(qmap) = r.object(v, &qat, "`queries` (SQL per engine)", ENGINES) {
            for (engine, q) in qmap.members() {
                if !ENGINES.contains(&engine) {
                    // Reported as an unknown key, with the engines listed.
                    continue;
                }
                if let Some(q) =
                    r.non_empty_string(q, &qat.key(engine), format_args!("the {engine} query"))
                {
                    queries.insert(engine.to_string(), q);
                }
            }
        }
    }
    if !has_sql {
        r.report(
            &at.key("query"),
            rules::MISSING_QUERY,
            format!(
                "view `{name}` has no SQL: give `query` (portable) or `queries` (per engine: postgres, snowflake)"
            ),
        );
    }
    // The view's columns are known only once its query is resolved: its index fields are
    // checked there (see `resolve::views`).
    let indexes = match indexes_value {
        None => Vec::new(),
        Some(v) => read_indexes(r, v, &at.key("indexes"), name, Declared::any()),
    };
    (r.problems.len() == before).then(|| ViewSchema {
        description: description.flatten(),
        query: query.flatten(),
        queries,
        previous_names: Vec::new(),
        sql_name: sql_name.flatten(),
        indexes,
    })
}
