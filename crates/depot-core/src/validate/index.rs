//! Indexes: one entry of an object's `indexes` (name, fields, uniqueness).

use std::fmt;

use crate::index_options::{IndexField, IndexMethod, NullsOrder, SortOrder, SortedField};
use crate::json::JsonValue;
use crate::package::Index;
use crate::reader::{describe_scalar, Place, Reader};
use crate::rules;

use super::index_keys;
use super::names::{check_name, Joined};
use super::object::{check_field_entries, Declared};
use super::package::optional_string;

pub(super) const INDEX_KEYS: &[&str; 9] = &[
    "name",
    "fields",
    "unique",
    "where",
    "include",
    "method",
    "description",
    "nullsDistinct",
    "deferrable",
];

/// The keys of one index key written as an object.
const KEY_KEYS: &[&str; 4] = &["field", "order", "nulls", "expression"];

/// IndexWhat names an index in messages: `index `byName``, or `the index` without a name.
#[derive(Clone, Copy)]
pub(super) struct IndexWhat<'a>(pub(super) Option<&'a str>);

impl fmt::Display for IndexWhat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(n) => write!(f, "index `{n}`"),
            None => f.write_str("the index"),
        }
    }
}

pub(super) fn read_index<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    declared: Declared<'_, J>,
) -> Option<Index> {
    let before = r.problems.len();
    let [name, fields, unique, where_clause, include, method, description, nulls_distinct, deferrable] =
        r.members(raw, at, "an index", INDEX_KEYS)?;
    let name_at = at.key("name");
    let name = r
        .require(name, at, "name", "the index name")
        .and_then(|v| r.string(v, &name_at, "the index `name`"));
    if let Some(n) = &name {
        check_name(r, &name_at, "index name", n);
    }
    let what = IndexWhat(name.as_deref());
    let fields_at = at.key("fields");
    let fields = r
        .require(
            fields,
            at,
            "fields",
            "the indexed fields (a non-empty list)",
        )
        .and_then(|v| read_keys(r, v, &fields_at, declared, what));
    let unique = match unique {
        None => Some(false),
        Some(v) => r.bool(v, &at.key("unique"), "`unique`"),
    };
    let where_clause = match where_clause {
        None => Some(None),
        Some(v) => r
            .non_empty_string(
                v,
                &at.key("where"),
                format_args!("`where` of {what} (one SQL condition over the object's fields)"),
            )
            .map(Some),
    };
    let include_at = at.key("include");
    let include = match include {
        None => Some(Vec::new()),
        Some(v) => r.string_list(v, &include_at, format_args!("`include` of {what}")),
    };
    if let Some(list) = &include {
        let entries: Vec<(usize, &str)> = list.iter().map(String::as_str).enumerate().collect();
        check_field_entries(
            r,
            &include_at,
            &entries,
            declared,
            format_args!("`include` of {what}"),
        );
        for (i, f) in list.iter().enumerate() {
            let is_key = fields
                .as_ref()
                .is_some_and(|keys| keys.iter().any(|k| k.field() == Some(f.as_str())));
            if is_key {
                r.report(
                    &include_at.index(i).in_field(f),
                    rules::INVALID_INDEX_OPTION,
                    format!("`include` of {what} names `{f}`, which is already a key of the index: include only other fields"),
                );
            }
        }
    }
    let method = match method {
        None => Some(None),
        Some(v) => read_method(r, v, &at.key("method"), what).map(Some),
    };
    if let (Some(true), Some(Some(m))) = (unique, method) {
        if m != IndexMethod::Btree {
            r.report(
                &at.key("method"),
                rules::INVALID_INDEX_OPTION,
                format!(
                    "{what} is unique with method `{}`: only btree indexes can be unique",
                    m.name()
                ),
            );
        }
    }
    let description = optional_string(r, description, at, "description");
    let constraint = index_keys::read_unique_options(
        r,
        at,
        what,
        index_keys::UniqueOptions {
            unique: unique.unwrap_or(false),
            nulls_distinct,
            deferrable,
            keys: fields.as_deref(),
            has_where: where_clause.as_ref().is_some_and(Option::is_some),
            method: method.flatten(),
        },
    );
    let (nulls_distinct, deferrable) = constraint?;
    (r.problems.len() == before).then_some(Index {
        name: name?,
        fields: fields?,
        unique: unique?,
        where_clause: where_clause?,
        include: include?,
        method: method?,
        description: description?,
        nulls_distinct,
        deferrable,
    })
}

fn read_method<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    what: IndexWhat<'_>,
) -> Option<IndexMethod> {
    let text = r.str(value, at, format_args!("`method` of {what}"))?;
    let method = IndexMethod::from_name(text);
    if method.is_none() {
        r.report(
            at,
            rules::INVALID_VALUE,
            format!(
                "`method` of {what} is {}; the methods are {}",
                describe_scalar(value),
                Joined(IndexMethod::NAMES)
            ),
        );
    }
    method
}

/// read_keys reads an index's `fields`: each a field name, or `{"field", "order", "nulls"}`.
fn read_keys<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    declared: Declared<'_, J>,
    what: IndexWhat<'_>,
) -> Option<Vec<IndexField>> {
    let Some(items) = value.as_array() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!(
                "the index `fields` must be an array of field names (or {{\"field\", \"order\", \"nulls\"}}), not {}",
                crate::lenient::kind(value)
            ),
        );
        return None;
    };
    let before = r.problems.len();
    if items.is_empty() {
        r.report(at, rules::EMPTY_VALUE, format!("{what} has no fields"));
    }
    let mut keys = Vec::with_capacity(items.len());
    let mut positions = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if let Some(key) = read_key(r, item, &at.index(i), what) {
            keys.push(key);
            positions.push(i);
        }
    }
    let names: Vec<(usize, &str)> = positions
        .iter()
        .zip(&keys)
        .filter_map(|(i, k)| Some((*i, k.field()?)))
        .collect();
    check_field_entries(r, at, &names, declared, what);
    (r.problems.len() == before).then_some(keys)
}

fn read_key<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    what: IndexWhat<'_>,
) -> Option<IndexField> {
    if let Some(name) = value.as_str() {
        return Some(IndexField::Name(name.to_string()));
    }
    let [field, order, nulls, expression] = r.members(
        value,
        at,
        format_args!("each key of {what} (a field name, or {{\"field\", \"order\", \"nulls\"}})"),
        KEY_KEYS,
    )?;
    if let Some(expression) = expression {
        let (order, nulls) = read_sort(r, order, nulls, at, what);
        let expression = index_keys::read_expression_key(r, expression, field.is_some(), at, what);
        return Some(index_keys::normalized_expression_key(
            expression?,
            order?,
            nulls?,
        ));
    }
    let field = r
        .require(
            field,
            at,
            "field",
            format_args!("the indexed field of {what}"),
        )
        .and_then(|v| r.string(v, &at.key("field"), format_args!("`field` of {what}")));
    let (order, nulls) = read_sort(r, order, nulls, at, what);
    let (field, order, nulls) = (field?, order?, nulls?);
    Some(normalized_key(field, order, nulls))
}

/// read_sort reads the `order` and `nulls` of an index key (each `Some(None)` when absent,
/// `None` when wrong).
#[allow(clippy::type_complexity)]
fn read_sort<J: JsonValue>(
    r: &mut Reader,
    order: Option<&J>,
    nulls: Option<&J>,
    at: &Place<'_>,
    what: IndexWhat<'_>,
) -> (Option<Option<SortOrder>>, Option<Option<NullsOrder>>) {
    let order = match order {
        None => Some(None),
        Some(v) => read_choice(
            r,
            v,
            &at.key("order"),
            what,
            "order",
            &[("asc", SortOrder::Asc), ("desc", SortOrder::Desc)],
        )
        .map(Some),
    };
    let nulls = match nulls {
        None => Some(None),
        Some(v) => read_choice(
            r,
            v,
            &at.key("nulls"),
            what,
            "nulls",
            &[("first", NullsOrder::First), ("last", NullsOrder::Last)],
        )
        .map(Some),
    };
    (order, nulls)
}

/// read_choice reads `key` of an index key: one of `choices` by name.
fn read_choice<J: JsonValue, T: Copy>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    what: IndexWhat<'_>,
    key: &str,
    choices: &[(&str, T)],
) -> Option<T> {
    let text = r.str(value, at, format_args!("`{key}` of a key of {what}"))?;
    let hit = choices.iter().find(|(n, _)| *n == text).map(|(_, c)| *c);
    if hit.is_none() {
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        r.report(
            at,
            rules::INVALID_VALUE,
            format!(
                "`{key}` of a key of {what} is {}; it is one of {}",
                describe_scalar(value),
                Joined(&names)
            ),
        );
    }
    hit
}

/// normalized_key writes a key that sorts as engines sort by default as a plain name
/// (ascending; nulls last ascending and first descending), so that one index has one form (and
/// one hash) however it is spelled.
fn normalized_key(
    field: String,
    order: Option<SortOrder>,
    nulls: Option<NullsOrder>,
) -> IndexField {
    let (order, nulls) = normalized_sort(order, nulls);
    if order.is_none() && nulls.is_none() {
        IndexField::Name(field)
    } else {
        IndexField::Sorted(SortedField {
            field,
            order,
            nulls,
        })
    }
}

/// normalized_sort drops an order or nulls that is the engines' default (ascending; nulls last
/// ascending and first descending).
pub(super) fn normalized_sort(
    order: Option<SortOrder>,
    nulls: Option<NullsOrder>,
) -> (Option<SortOrder>, Option<NullsOrder>) {
    let default_nulls = match order {
        Some(SortOrder::Desc) => NullsOrder::First,
        Some(SortOrder::Asc) | None => NullsOrder::Last,
    };
    (
        order.filter(|o| *o == SortOrder::Desc),
        nulls.filter(|n| *n != default_nulls),
    )
}

#[cfg(test)]
mod tests {
    use super::super::parse_package;
    use super::super::test_support::{one_problem, orders, unseeded, with};
    use crate::index_options::{IndexField, IndexMethod, NullsOrder, SortOrder, SortedField};
    use crate::package::Schema;
    use crate::rules;
    use serde_json::json;

    #[test]
    fn index_options_are_read_and_default_sorts_are_plain_names() {
        let p = parse_package(&orders()).unwrap();
        let Schema::Object(order) = &p.schemas["Order"] else {
            panic!()
        };
        let open = order
            .indexes
            .iter()
            .find(|i| i.name == "openOrders")
            .unwrap();
        assert_eq!(
            open.fields,
            [
                IndexField::Sorted(SortedField {
                    field: "placedAt".into(),
                    order: Some(SortOrder::Desc),
                    nulls: None
                }),
                // `asc` with nulls `last` is how every engine sorts anyway.
                IndexField::Name("day".into()),
            ]
        );
        assert_eq!(open.where_clause.as_deref(), Some("totalCents > 0"));
        assert_eq!(open.include, ["customerId"]);
        assert_eq!(open.method, Some(IndexMethod::Btree));
        assert_eq!(open.description.as_deref(), Some("recent first"));
        let raw = with(
            unseeded(),
            "/schemas/Dog/indexes",
            json!([{"name": "a", "fields": [{"field": "name", "nulls": "first"}]}]),
        );
        let p = parse_package(&raw).unwrap();
        let Schema::Object(dog) = &p.schemas["Dog"] else {
            panic!()
        };
        assert_eq!(
            dog.indexes[0].fields,
            [IndexField::Sorted(SortedField {
                field: "name".into(),
                order: None,
                nulls: Some(NullsOrder::First)
            })]
        );
    }

    #[test]
    fn bad_index_options_name_the_index_and_key() {
        let cases = [
            (
                json!({"name": "a", "fields": [{"field": "name", "order": "up"}]}),
                rules::INVALID_VALUE,
                "schemas.Dog.indexes[0].fields[0].order",
                "asc, desc",
            ),
            (
                json!({"name": "a", "fields": [{"field": "name", "nulls": "never"}]}),
                rules::INVALID_VALUE,
                "schemas.Dog.indexes[0].fields[0].nulls",
                "first, last",
            ),
            (
                json!({"name": "a", "fields": [{"order": "desc"}]}),
                rules::REQUIRED,
                "schemas.Dog.indexes[0].fields[0].field",
                "index `a`",
            ),
            (
                json!({"name": "a", "fields": [{"field": "ghost"}]}),
                rules::UNKNOWN_FIELD,
                "schemas.Dog.indexes[0].fields[0]",
                "ghost",
            ),
            (
                json!({"name": "a", "fields": ["name", {"field": "name", "order": "desc"}]}),
                rules::DUPLICATE_FIELD,
                "schemas.Dog.indexes[0].fields[1]",
                "twice",
            ),
            (
                json!({"name": "a", "fields": ["name"], "where": ""}),
                rules::EMPTY_VALUE,
                "schemas.Dog.indexes[0].where",
                "index `a`",
            ),
            (
                json!({"name": "a", "fields": ["name"], "include": ["name"]}),
                rules::INVALID_INDEX_OPTION,
                "schemas.Dog.indexes[0].include[0]",
                "already a key",
            ),
            (
                json!({"name": "a", "fields": ["name"], "include": ["ghost"]}),
                rules::UNKNOWN_FIELD,
                "schemas.Dog.indexes[0].include[0]",
                "ghost",
            ),
            (
                json!({"name": "a", "fields": ["name"], "method": "rtree"}),
                rules::INVALID_VALUE,
                "schemas.Dog.indexes[0].method",
                "btree, hash, gin, gist, brin",
            ),
            (
                json!({"name": "a", "fields": ["name"], "unique": true, "method": "hash"}),
                rules::INVALID_INDEX_OPTION,
                "schemas.Dog.indexes[0].method",
                "only btree",
            ),
            (
                json!({"name": "a", "fields": ["name"], "description": 5}),
                rules::WRONG_JSON_TYPE,
                "schemas.Dog.indexes[0].description",
                "description",
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
}
