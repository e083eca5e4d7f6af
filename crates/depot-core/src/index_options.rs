//! Index options (SPEC §1b): per-key order and nulls, partial (`where`), covering (`include`)
//! and the access method.

use serde::{Deserialize, Serialize};

/// SortOrder of an index key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    Asc,
    Desc,
}

/// NullsOrder: where nulls sort in an index key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NullsOrder {
    First,
    Last,
}

/// IndexMethod is the index's access method (PostgreSQL `USING`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexMethod {
    Btree,
    Hash,
    Gin,
    Gist,
    Brin,
}

impl IndexMethod {
    pub const NAMES: &'static [&'static str] = &["btree", "hash", "gin", "gist", "brin"];

    pub fn from_name(name: &str) -> Option<IndexMethod> {
        match name {
            "btree" => Some(IndexMethod::Btree),
            "hash" => Some(IndexMethod::Hash),
            "gin" => Some(IndexMethod::Gin),
            "gist" => Some(IndexMethod::Gist),
            "brin" => Some(IndexMethod::Brin),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            IndexMethod::Btree => "btree",
            IndexMethod::Hash => "hash",
            IndexMethod::Gin => "gin",
            IndexMethod::Gist => "gist",
            IndexMethod::Brin => "brin",
        }
    }
}

/// IndexField is one key of a package's index: a field name (normalized to a plain string when
/// it has no order or nulls), or `{"field": ..., "order": ..., "nulls": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IndexField {
    Name(String),
    Sorted(SortedField),
}

/// SortedField is an index key with its order and nulls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SortedField {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<SortOrder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls: Option<NullsOrder>,
}

impl IndexField {
    /// The logical field the key indexes.
    pub fn field(&self) -> &str {
        match self {
            IndexField::Name(name) => name,
            IndexField::Sorted(s) => &s.field,
        }
    }

    /// The key's sort (both `None` for a plain name).
    pub fn sort(&self) -> KeySort {
        match self {
            IndexField::Name(_) => KeySort::default(),
            IndexField::Sorted(s) => KeySort {
                order: s.order,
                nulls: s.nulls,
            },
        }
    }
}

/// KeySort is the order and nulls of one physical index key; the default sorts as the engine
/// does by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeySort {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<SortOrder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls: Option<NullsOrder>,
}

impl KeySort {
    pub fn is_default(&self) -> bool {
        self.order.is_none() && self.nulls.is_none()
    }
}

impl From<&str> for IndexField {
    fn from(name: &str) -> IndexField {
        IndexField::Name(name.to_string())
    }
}
