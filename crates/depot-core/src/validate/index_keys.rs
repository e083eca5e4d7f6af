//! The keys of an index that make it more than a list of fields (SPEC §1b): expression keys
//! (`{"expression": "lower(email)"}`), and the options only a unique index may have,
//! `nullsDistinct` and `deferrable`.
//!
//! The expression is only read here as text; it is parsed and rewritten to physical names with
//! the object's fields in scope when the package is resolved, as a partial index's `where` is.

use crate::constraint::Deferrable;
use crate::index_options::{ExpressionKey, IndexField, IndexMethod, NullsOrder, SortOrder};
use crate::json::JsonValue;
use crate::reader::{Place, Reader};
use crate::rules;

use super::constraints::read_deferrable;
use super::index::{normalized_sort, IndexWhat};

/// read_expression_key reads the `expression` of an index key; `has_field` says the key also
/// names a `field`, which an expression key cannot.
pub(super) fn read_expression_key<J: JsonValue>(
    r: &mut Reader,
    expression: &J,
    has_field: bool,
    at: &Place<'_>,
    what: IndexWhat<'_>,
) -> Option<String> {
    if has_field {
        r.report(
            &at.key("field"),
            rules::INVALID_INDEX_OPTION,
            format!("a key of {what} has both `field` and `expression`: a key indexes one field or one expression"),
        );
        return None;
    }
    r.non_empty_string(
        expression,
        &at.key("expression"),
        format_args!(
            "`expression` of a key of {what} (one SQL expression over the object's fields)"
        ),
    )
}

/// normalized_expression_key drops an order or nulls that sorts as the engines do by default,
/// so that one index has one form (and one hash) however it is spelled.
pub(super) fn normalized_expression_key(
    expression: String,
    order: Option<SortOrder>,
    nulls: Option<NullsOrder>,
) -> IndexField {
    let (order, nulls) = normalized_sort(order, nulls);
    IndexField::Expression(ExpressionKey {
        expression,
        order,
        nulls,
    })
}

/// UniqueOptions is what [`read_unique_options`] needs of the index besides the two keys.
pub(super) struct UniqueOptions<'a, J> {
    pub unique: bool,
    pub nulls_distinct: Option<&'a J>,
    pub deferrable: Option<&'a J>,
    /// The index's keys when they were read.
    pub keys: Option<&'a [IndexField]>,
    pub has_where: bool,
    pub method: Option<IndexMethod>,
}

/// read_unique_options reads `nullsDistinct` (kept only when `false`: `true` is the default)
/// and `deferrable`, which only a unique index may have. A deferrable unique index is a UNIQUE
/// constraint, which indexes plain fields in the default order with a btree and no `where`.
/// `None` when a problem was reported.
pub(super) fn read_unique_options<J: JsonValue>(
    r: &mut Reader,
    at: &Place<'_>,
    what: IndexWhat<'_>,
    options: UniqueOptions<'_, J>,
) -> Option<(Option<bool>, Option<Deferrable>)> {
    let before = r.problems.len();
    let not_unique = |r: &mut Reader, key: &str, why: &str| {
        r.report(
            &at.key(key),
            rules::INVALID_INDEX_OPTION,
            format!("`{key}` of {what} applies to unique indexes only ({why}): set `\"unique\": true` or remove it"),
        );
    };
    let nulls_distinct = match options.nulls_distinct {
        None => None,
        Some(v) => {
            let value = r.bool(
                v,
                &at.key("nullsDistinct"),
                format_args!("`nullsDistinct` of {what}"),
            );
            if value.is_some() && !options.unique {
                not_unique(
                    r,
                    "nullsDistinct",
                    "it says whether two rows with nulls collide",
                );
            }
            value.filter(|distinct| !distinct)
        }
    };
    let deferrable = match options.deferrable {
        None => None,
        Some(v) => {
            let at = at.key("deferrable");
            let value = read_deferrable(r, v, &at, format_args!("{what}"));
            if value.is_some() && !options.unique {
                not_unique(r, "deferrable", "it says when uniqueness is checked");
            } else if value.is_some() {
                let sorted = options
                    .keys
                    .is_some_and(|keys| keys.iter().any(|k| !k.sort().is_default()));
                let expression = options
                    .keys
                    .is_some_and(|keys| keys.iter().any(|k| k.expression().is_some()));
                let method = options.method.filter(|m| *m != IndexMethod::Btree);
                let conflict = if expression {
                    Some("an expression key".to_string())
                } else if options.has_where {
                    Some("a `where`".to_string())
                } else if sorted {
                    Some("a key with `order` or `nulls`".to_string())
                } else {
                    method.map(|m| format!("method `{}`", m.name()))
                };
                if let Some(conflict) = conflict {
                    r.report(
                        &at,
                        rules::INVALID_INDEX_OPTION,
                        format!("{what} is deferrable and has {conflict}: a deferrable unique index is a UNIQUE constraint, which indexes plain fields (btree, default order, no `where`)"),
                    );
                }
            }
            value
        }
    };
    (r.problems.len() == before).then_some((nulls_distinct, deferrable))
}

#[cfg(test)]
mod tests {
    use super::super::parse_package;
    use super::super::test_support::{one_problem, orders, unseeded, with};
    use crate::constraint::Deferrable;
    use crate::index_options::{ExpressionKey, IndexField, SortOrder};
    use crate::package::Schema;
    use crate::rules;
    use serde_json::json;

    #[test]
    fn expression_keys_and_unique_options_are_read() {
        let raw = with(
            unseeded(),
            "/schemas/Dog/indexes",
            json!([
                {"name": "a", "fields": [{"expression": "lower(name)", "order": "desc"}, "name"], "unique": true,
                 "nullsDistinct": false, "description": "one per spelling"},
                {"name": "b", "fields": ["name"], "unique": true, "deferrable": "initiallyDeferred", "nullsDistinct": true},
                {"name": "c", "fields": [{"expression": "upper(name)", "order": "asc", "nulls": "last"}]}
            ]),
        );
        let p = parse_package(&raw).unwrap();
        let Schema::Object(dog) = &p.schemas["Dog"] else {
            panic!()
        };
        let [a, b, c] = &dog.indexes[..] else {
            panic!("{:?}", dog.indexes)
        };
        assert_eq!(
            a.fields,
            [
                IndexField::Expression(ExpressionKey {
                    expression: "lower(name)".into(),
                    order: Some(SortOrder::Desc),
                    nulls: None
                }),
                IndexField::Name("name".into())
            ]
        );
        assert_eq!(
            (a.nulls_distinct, a.deferrable, a.description.as_deref()),
            (Some(false), None, Some("one per spelling"))
        );
        // `nullsDistinct: true` is the default: normalized away.
        assert_eq!(
            (b.nulls_distinct, b.deferrable),
            (None, Some(Deferrable::InitiallyDeferred))
        );
        // The default sort of an expression key is normalized away too.
        assert_eq!(
            c.fields,
            [IndexField::Expression(ExpressionKey {
                expression: "upper(name)".into(),
                order: None,
                nulls: None
            })]
        );
    }

    #[test]
    fn bad_expression_keys_and_unique_options_name_the_index_and_key() {
        let cases = [
            (
                json!({"name": "a", "fields": [{"expression": ""}]}),
                rules::EMPTY_VALUE,
                "schemas.Dog.indexes[0].fields[0].expression",
                "`expression` of a key of index `a`",
            ),
            (
                json!({"name": "a", "fields": [{"expression": "lower(name)", "field": "name"}]}),
                rules::INVALID_INDEX_OPTION,
                "schemas.Dog.indexes[0].fields[0].field",
                "a key of index `a` has both `field` and `expression`",
            ),
            (
                json!({"name": "a", "fields": [{"expression": "lower(name)", "order": "up"}]}),
                rules::INVALID_VALUE,
                "schemas.Dog.indexes[0].fields[0].order",
                "asc, desc",
            ),
            (
                json!({"name": "a", "fields": ["name"], "nullsDistinct": false}),
                rules::INVALID_INDEX_OPTION,
                "schemas.Dog.indexes[0].nullsDistinct",
                "`nullsDistinct` of index `a` applies to unique indexes only",
            ),
            (
                json!({"name": "a", "fields": ["name"], "unique": true, "nullsDistinct": "no"}),
                rules::WRONG_JSON_TYPE,
                "schemas.Dog.indexes[0].nullsDistinct",
                "`nullsDistinct` of index `a`",
            ),
            (
                json!({"name": "a", "fields": ["name"], "deferrable": "initiallyDeferred"}),
                rules::INVALID_INDEX_OPTION,
                "schemas.Dog.indexes[0].deferrable",
                "`deferrable` of index `a` applies to unique indexes only",
            ),
            (
                json!({"name": "a", "fields": ["name"], "unique": true, "deferrable": "later"}),
                rules::INVALID_VALUE,
                "schemas.Dog.indexes[0].deferrable",
                "initiallyImmediate, initiallyDeferred",
            ),
            (
                json!({"name": "a", "fields": [{"expression": "lower(name)"}], "unique": true, "deferrable": "initiallyImmediate"}),
                rules::INVALID_INDEX_OPTION,
                "schemas.Dog.indexes[0].deferrable",
                "index `a` is deferrable and has an expression key",
            ),
            (
                json!({"name": "a", "fields": ["name"], "unique": true, "where": "name <> ''", "deferrable": "initiallyImmediate"}),
                rules::INVALID_INDEX_OPTION,
                "schemas.Dog.indexes[0].deferrable",
                "index `a` is deferrable and has a `where`",
            ),
            (
                json!({"name": "a", "fields": [{"field": "name", "order": "desc"}], "unique": true, "deferrable": "initiallyImmediate"}),
                rules::INVALID_INDEX_OPTION,
                "schemas.Dog.indexes[0].deferrable",
                "index `a` is deferrable and has a key with `order` or `nulls`",
            ),
        ];
        for (index, rule, path, needle) in cases {
            let p = one_problem(with(
                unseeded(),
                "/schemas/Dog/indexes",
                json!([index.clone()]),
            ));
            assert_eq!(
                (p.rule, p.path.as_str()),
                (rule, path),
                "{index}: {}",
                p.message
            );
            assert_eq!(p.schema.as_deref(), Some("Dog"));
            assert!(p.message.contains(needle), "{index}: {}", p.message);
        }
    }

    #[test]
    fn a_foreign_key_cannot_reference_a_unique_index_of_expressions_or_a_deferrable_one() {
        for (index, why) in [
            (
                json!({"name": "byEmail", "fields": [{"expression": "lower(email)"}], "unique": true}),
                "whose unique index `byEmail` indexes an expression",
            ),
            (
                json!({"name": "byEmail", "fields": ["email"], "unique": true, "deferrable": "initiallyImmediate"}),
                "whose unique index `byEmail` is deferrable",
            ),
        ] {
            let p = one_problem(with(orders(), "/schemas/Customer/indexes", json!([index])));
            assert_eq!(
                (p.rule, p.path.as_str()),
                (
                    rules::INVALID_FOREIGN_KEY,
                    "schemas.Order.foreignKeys[1].references.fields"
                ),
                "{}",
                p.message
            );
            assert!(
                p.message.starts_with(
                    "foreign key `byEmail` of `Order` references (email) of `Customer`"
                ),
                "{}",
                p.message
            );
            assert!(p.message.contains(why), "{}", p.message);
        }
    }
}
