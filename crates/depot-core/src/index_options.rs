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
/// it has no order or nulls), `{"field": ..., "order": ..., "nulls": ...}`, or an expression
/// over the row's fields, `{"expression": ..., "order": ..., "nulls": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IndexField {
    Name(String),
    Sorted(SortedField),
    Expression(ExpressionKey),
}

/// ExpressionKey is an index key computed from the row: one SQL expression in logical names
/// (`lower(email)`), with its order and nulls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpressionKey {
    pub expression: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<SortOrder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls: Option<NullsOrder>,
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
    /// The logical field the key indexes; `None` for an expression key.
    pub fn field(&self) -> Option<&str> {
        match self {
            IndexField::Name(name) => Some(name),
            IndexField::Sorted(s) => Some(&s.field),
            IndexField::Expression(_) => None,
        }
    }

    /// The key's expression in logical names, for an expression key.
    pub fn expression(&self) -> Option<&str> {
        match self {
            IndexField::Expression(e) => Some(&e.expression),
            IndexField::Name(_) | IndexField::Sorted(_) => None,
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
            IndexField::Expression(e) => KeySort {
                order: e.order,
                nulls: e.nulls,
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
