//! Resolving index expression keys, `nullsDistinct` and `deferrable`.

use super::tests::{dogs, pg, problems, resolved, sf};
use crate::constraint::Deferrable;
use crate::physical::IndexKey;
use crate::rules;
use crate::view::test_dialect::{POSTGRES, SNOWFLAKE};
use serde_json::{json, Value};

fn with_indexes(indexes: Value) -> Value {
    let mut schemas = dogs();
    schemas["Dog"]["indexes"] = indexes;
    schemas
}

#[test]
fn expression_keys_are_rewritten_to_physical_names_next_to_plain_keys() {
    let schemas = with_indexes(json!([
        {"name": "byLowerName", "fields": [{"expression": "lower(name)", "order": "desc", "nulls": "last"}, "birthDate"],
         "unique": true, "nullsDistinct": false, "description": "one per spelling"},
        {"name": "byId", "fields": ["id"], "unique": true, "deferrable": "initiallyDeferred"}
    ]));
    let m = resolved(&pg(schemas.clone()), POSTGRES);
    let index = |name: &str| {
        m.objects["Dog"]
            .indexes
            .iter()
            .find(|i| i.logical == name)
            .unwrap()
            .clone()
    };
    let (lower, by_id) = (index("byLowerName"), index("byId"));
    assert_eq!(
        lower.keys().collect::<Vec<_>>(),
        [
            IndexKey::Expression("lower(\"name\")"),
            IndexKey::Column("birth_date")
        ]
    );
    assert_eq!(lower.key_columns(), ["birth_date"]);
    assert_eq!(lower.nulls_distinct, Some(false));
    assert_eq!(lower.comment.as_deref(), Some("one per spelling"));
    assert_eq!(by_id.deferrable, Some(Deferrable::InitiallyDeferred));
    // Snowflake's physical names are its own.
    let m = resolved(&sf(schemas), SNOWFLAKE);
    let lower = m.objects["Dog"]
        .indexes
        .iter()
        .find(|i| i.logical == "byLowerName")
        .unwrap();
    assert_eq!(
        lower.keys().next(),
        Some(IndexKey::Expression("lower(\"NAME\")"))
    );
}

#[test]
fn bad_expression_keys_name_the_schema_index_and_key() {
    let cases = [
        (
            json!({"name": "a", "fields": ["name", {"expression": "1 + 1"}]}),
            rules::EXPRESSION_READS,
            "package.schemas.Dog.indexes[0].fields[1].expression",
            "the expression of key 1 of index `a` of `Dog` reads no field",
        ),
        (
            json!({"name": "a", "fields": [{"expression": "lower(ghost)"}]}),
            rules::UNKNOWN_FIELD,
            "package.schemas.Dog.indexes[0].fields[0].expression",
            "the expression of key 0 of index `a` of `Dog`",
        ),
        (
            json!({"name": "a", "fields": [{"expression": "(SELECT 1) + length(name)"}]}),
            rules::EXPRESSION_SQL_UNSUPPORTED,
            "package.schemas.Dog.indexes[0].fields[0].expression",
            "the expression of key 0 of index `a` of `Dog`",
        ),
        (
            json!({"name": "a", "fields": [{"expression": "lower(name); DROP TABLE dog"}]}),
            rules::EXPRESSION_SQL_SYNTAX,
            "package.schemas.Dog.indexes[0].fields[0].expression",
            "exactly one expression",
        ),
    ];
    for (index, rule, path, needle) in cases {
        let got = problems(&pg(with_indexes(json!([index.clone()]))), POSTGRES);
        let [(got_rule, got_path, message)] = &got[..] else {
            panic!("{index}: {got:?}")
        };
        assert_eq!(
            (*got_rule, got_path.as_str()),
            (rule, path),
            "{index}: {message}"
        );
        assert!(message.contains(needle), "{index}: {message}");
    }
}
