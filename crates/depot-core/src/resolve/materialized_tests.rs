//! Resolving materialized views: their indexes over the view's columns, what each engine
//! refuses, and the diff that recreates or refreshes them.

use super::tests::{dogs, pg, problems, resolved, sf};
use crate::change::Change;
use crate::diff::diff;
use crate::rules;
use crate::view::test_dialect::{POSTGRES, SNOWFLAKE};
use serde_json::{json, Value};

fn with_view(view: Value) -> Value {
    let mut schemas = dogs();
    schemas["DogNames"] = view;
    schemas
}

fn counts(indexes: Value) -> Value {
    with_view(json!({
        "kind": "materializedView", "description": "dogs per name",
        "query": "SELECT name, count(*) AS dogs FROM Dog GROUP BY name",
        "indexes": indexes
    }))
}

#[test]
fn a_materialized_view_gets_its_indexes_over_its_columns() {
    let m = resolved(
        &pg(counts(json!([
            {"name": "byName", "fields": ["name"], "unique": true},
            {"name": "big", "fields": ["dogs"], "where": "dogs > 1"}
        ]))),
        POSTGRES,
    );
    let v = &m.views["DogNames"];
    assert!(v.materialized);
    assert_eq!(v.comment.as_deref(), Some("dogs per name"));
    let names: Vec<(&str, &str, bool)> = v
        .indexes
        .iter()
        .map(|i| (i.logical.as_str(), i.physical.as_str(), i.unique))
        .collect();
    assert_eq!(
        names,
        [
            ("big", "dog_names_big_idx", false),
            ("byName", "dog_names_by_name_idx", true)
        ]
    );
    assert_eq!(v.indexes[0].where_sql.as_deref(), Some("\"dogs\" > 1"));
    assert!(v.refreshes_concurrently());
    // A plain view stays as it was: not materialized, no index.
    let plain = resolved(
        &pg(with_view(
            json!({"kind": "view", "query": "SELECT name FROM Dog"}),
        )),
        POSTGRES,
    );
    assert!(!plain.views["DogNames"].materialized);
    assert!(plain.views["DogNames"].indexes.is_empty());
}

#[test]
fn refresh_concurrently_needs_a_unique_index_on_plain_columns_over_every_row() {
    for (indexes, concurrently) in [
        (json!([{"name": "a", "fields": ["name"]}]), false),
        (
            json!([{"name": "a", "fields": ["name"], "unique": true, "where": "dogs > 0"}]),
            false,
        ),
        (
            json!([{"name": "a", "fields": [{"expression": "lower(name)"}], "unique": true}]),
            false,
        ),
        (
            json!([{"name": "a", "fields": ["name"], "unique": true}]),
            true,
        ),
    ] {
        let m = resolved(&pg(counts(indexes.clone())), POSTGRES);
        assert_eq!(
            m.views["DogNames"].refreshes_concurrently(),
            concurrently,
            "{indexes}"
        );
    }
}

#[test]
fn index_fields_must_be_columns_of_the_view() {
    let found = problems(
        &pg(counts(json!([
            {"name": "a", "fields": ["birthDate"]},
            {"name": "b", "fields": ["name"], "unique": true, "deferrable": "initiallyDeferred"}
        ]))),
        POSTGRES,
    );
    assert_eq!(
        found
            .iter()
            .map(|(rule, path, _)| (*rule, path.as_str()))
            .collect::<Vec<_>>(),
        [
            (
                rules::UNKNOWN_FIELD,
                "package.schemas.DogNames.indexes[0].fields[0]"
            ),
            (
                rules::INVALID_INDEX_OPTION,
                "package.schemas.DogNames.indexes[1].deferrable"
            ),
        ]
    );
    assert!(
        found[0].2.contains("`birthDate`") && found[0].2.contains("columns: dogs, name"),
        "{}",
        found[0].2
    );
}

#[test]
fn snowflake_refuses_what_its_materialized_views_cannot_do_naming_the_rule() {
    // One table, no join: allowed.
    let m = resolved(&sf(counts(json!([]))), SNOWFLAKE);
    assert!(m.views["DogNames"].materialized);
    let cases = [
        (
            "SELECT d.name FROM Dog d JOIN Dog e ON e.id = d.id",
            "a single table in FROM (no join)",
        ),
        ("SELECT name FROM Dog ORDER BY name", "no ORDER BY"),
        (
            "SELECT name, row_number() OVER (ORDER BY name) AS n FROM Dog",
            "no window function",
        ),
    ];
    for (query, rule) in cases {
        let found = problems(
            &sf(with_view(
                json!({"kind": "materializedView", "query": query}),
            )),
            SNOWFLAKE,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        let (r, path, message) = &found[0];
        assert_eq!(*r, rules::ENGINE_FEATURE);
        assert_eq!(path, "package.schemas.DogNames.query");
        assert!(
            message.contains("snowflake")
                && message.contains("`DogNames`")
                && message.contains(rule),
            "{message}"
        );
        // PostgreSQL takes them all.
        resolved(
            &pg(with_view(
                json!({"kind": "materializedView", "query": query}),
            )),
            POSTGRES,
        );
    }
    // Reading a view of the package: refused on Snowflake.
    let mut schemas = dogs();
    schemas["Names"] = json!({"kind": "view", "query": "SELECT name FROM Dog"});
    schemas["Cached"] = json!({"kind": "materializedView", "query": "SELECT name FROM Names"});
    let found = problems(&sf(schemas), SNOWFLAKE);
    assert!(
        found.iter().any(|(r, _, m)| *r == rules::ENGINE_FEATURE
            && m.contains("`Cached`")
            && m.contains("not a view (Names)")),
        "{found:?}"
    );
}

#[test]
fn a_kept_materialized_view_is_refreshed_when_a_table_it_reads_migrates() {
    let old = resolved(
        &pg(counts(json!([{"name": "a", "fields": ["name"]}]))),
        POSTGRES,
    );
    // A new field of Dog: the view reads none of its changed columns, so it stays and is
    // refreshed (no unique index: not concurrently).
    let mut schemas = counts(json!([{"name": "a", "fields": ["name"]}]));
    schemas["Dog"]["fields"]["weight"] = json!({"type": "integer", "nullable": true});
    let new = resolved(&pg(schemas), POSTGRES);
    let changes = diff(Some(&old), &new).unwrap();
    let refresh: Vec<&Change> = changes
        .iter()
        .filter(|c| !matches!(c, Change::AddColumn { .. }))
        .collect();
    assert!(
        matches!(
            refresh.as_slice(),
            [Change::RefreshMaterializedView { view, concurrently: false }] if view.logical == "DogNames"
        ),
        "{changes:?}"
    );
    // Nothing changes: nothing to refresh.
    assert_eq!(diff(Some(&old), &old).unwrap(), Vec::<Change>::new());
    // Its index changes: recreated (dropped as a materialized view), not refreshed.
    let new = resolved(
        &pg(counts(
            json!([{"name": "a", "fields": ["name"], "unique": true}]),
        )),
        POSTGRES,
    );
    let changes = diff(Some(&old), &new).unwrap();
    assert!(
        matches!(
            changes.as_slice(),
            [Change::DropView { materialized: true, .. }, Change::CreateView { view }, Change::SetComment { .. }]
                if view.materialized && view.indexes.len() == 1
        ),
        "{changes:?}"
    );
}

#[test]
fn a_renamed_materialized_view_is_renamed_in_place_unless_something_else_changes() {
    let old = resolved(
        &pg(counts(json!([{"name": "a", "fields": ["name"]}]))),
        POSTGRES,
    );
    let renamed = |indexes: Value| {
        let mut schemas = counts(indexes);
        let mut view = schemas["DogNames"].take();
        view["previousNames"] = json!(["DogNames"]);
        schemas.as_object_mut().unwrap().remove("DogNames");
        schemas["NameTally"] = view;
        resolved(&pg(schemas), POSTGRES)
    };
    let changes = diff(
        Some(&old),
        &renamed(json!([{"name": "a", "fields": ["name"]}])),
    )
    .unwrap();
    assert!(
        matches!(
            changes.as_slice(),
            [Change::RenameMaterializedView { from, to, indexes }]
                if from.physical == "dog_names" && to.physical == "name_tally"
                    && indexes == &[("dog_names_a_idx".to_string(), "name_tally_a_idx".to_string())]
        ),
        "{changes:?}"
    );
    // Renamed and its index changes: recreated under the new name.
    let changes = diff(
        Some(&old),
        &renamed(json!([{"name": "a", "fields": ["name"], "unique": true}])),
    )
    .unwrap();
    assert!(
        matches!(
            changes.first(),
            Some(Change::DropView {
                materialized: true,
                ..
            })
        ),
        "{changes:?}"
    );
}
