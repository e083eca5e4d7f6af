//! Indexes: one entry of an object's `indexes` (name, fields, uniqueness).

use crate::index_options::IndexField;
use std::fmt;

use crate::json::JsonValue;
use crate::package::Index;
use crate::reader::{Place, Reader};
use crate::rules;

use super::names::check_name;
use super::object::{check_field_list, Declared};

const INDEX_KEYS: &[&str; 3] = &["name", "fields", "unique"];

/// IndexWhat names an index in messages: `index `byName``, or `the index` without a name.
struct IndexWhat<'a>(Option<&'a str>);

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
    let [name, fields, unique] = r.members(raw, at, "an index", INDEX_KEYS)?;
    let name_at = at.key("name");
    let name = r
        .require(name, at, "name", "the index name")
        .and_then(|v| r.string(v, &name_at, "the index `name`"));
    if let Some(n) = &name {
        check_name(r, &name_at, "index name", n);
    }
    let fields_at = at.key("fields");
    let fields = r
        .require(
            fields,
            at,
            "fields",
            "the indexed fields (a non-empty list)",
        )
        .and_then(|v| r.string_list(v, &fields_at, "the index `fields`"));
    if let Some(f) = &fields {
        let what = IndexWhat(name.as_deref());
        if f.is_empty() {
            r.report(
                &fields_at,
                rules::EMPTY_VALUE,
                format!("{what} has no fields"),
            );
        }
        check_field_list(r, &fields_at, f, declared, &what);
    }
    let unique = match unique {
        None => Some(false),
        Some(v) => r.bool(v, &at.key("unique"), "`unique`"),
    };
    (r.problems.len() == before).then_some(Index {
        name: name?,
        fields: fields?.into_iter().map(IndexField::Name).collect(),
        where_clause: None,
        include: Vec::new(),
        method: None,
        description: None,
        unique: unique?,
    })
}
