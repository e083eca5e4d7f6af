//! Package: the logical model of SPEC §1, as it is after parsing and normalization.
//!
//! Parsing from raw JSON is [`crate::validate::parse_package`]; this file holds only the
//! model. Maps are sorted (`BTreeMap`, and [`FieldMap`] for fields) so that the serialized
//! (normalized) form is canonical.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::column_default::FieldDefault;
use crate::constraint::{Check, Deferrable, ForeignKey};
use crate::field_type::FieldType;
use crate::identity::AutoIncrement;
use crate::index_options::{IndexField, IndexMethod};

/// Package is a named group of logical schemas, normalized: every scalar has its JSON type,
/// every default is filled in, and every name has passed validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Package {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Enum types by logical name (SPEC §1b `enums`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub enums: BTreeMap<String, EnumType>,
    pub schemas: BTreeMap<String, Schema>,
    /// Rows per object, loaded by seeding (upsert on the primary key).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub seeds: BTreeMap<String, Vec<serde_json::Map<String, serde_json::Value>>>,
}

/// EnumType is one package enum, normalized to its object form (a package may write just the
/// list of values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnumType {
    /// The values, in their order (PostgreSQL sorts enum values in this order).
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Earlier logical names: the planner renames the type instead of drop + create.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_names: Vec<String>,
    /// Explicit physical type name, overriding the naming strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_name: Option<String>,
}

/// Schema is one logical object: a table-like `object`, a `view`, or a `materializedView` (a
/// view whose rows are stored, with indexes of its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Schema {
    Object(ObjectSchema),
    View(ViewSchema),
    #[serde(rename = "materializedView")]
    MaterializedView(ViewSchema),
}

impl Schema {
    /// Whether the schema is a materialized view.
    pub fn is_materialized(&self) -> bool {
        matches!(self, Schema::MaterializedView(_))
    }
}

/// ObjectSchema becomes a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectSchema {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub fields: FieldMap,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub primary_key: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Earlier logical names of this schema: the planner renames instead of drop + create.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_names: Vec<String>,
    /// Explicit physical name, overriding the naming strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_name: Option<String>,
}

impl ObjectSchema {
    /// Field `name` with its key as the package holds it (borrowed as long as the package is).
    pub fn field_entry(&self, name: &str) -> Option<(&String, &Field)> {
        let at = self.fields.find_index(name).ok()?;
        self.fields.get_indexed(at)
    }
}

/// An object's fields by logical name, in name order: a sorted vector rather than a B-tree,
/// since fields are read many times and built once (a B-tree of 20 fields is some 7 KB of nodes,
/// a vector of them about 4 KB).
pub type FieldMap = litemap::LiteMap<String, Field>;

/// Field is one column of an object. (No `deny_unknown_fields`: serde cannot combine it with
/// the flattened type. Raw input is checked key by key in `validate`; this form is only read
/// back from documents Depot wrote.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    #[serde(flatten)]
    pub field_type: FieldType,
    #[serde(default)]
    pub nullable: bool,
    /// A JSON literal of the field's type (normalized: `"5"` for an integer field becomes `5`),
    /// a portable expression, or per-engine SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<FieldDefault>,
    /// Numbered by the engine's sequence (integer and bigint fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_increment: Option<AutoIncrement>,
    /// A generated column: one expression over the row's own fields, in logical names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_name: Option<String>,
}

/// Index is a secondary index on an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Index {
    pub name: String,
    pub fields: Vec<IndexField>,
    #[serde(default)]
    pub unique: bool,
    /// A partial index's predicate: one expression over the object's fields, logical names.
    #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
    pub where_clause: Option<String>,
    /// Fields carried in the index without being keys (a covering index).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<IndexMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Some(false)` for a unique index on which nulls are equal (`NULLS NOT DISTINCT`); the
    /// default (`true`) is normalized away, so that it is hashed only when it says something.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls_distinct: Option<bool>,
    /// When a unique index is checked within a transaction (it becomes a UNIQUE constraint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferrable: Option<Deferrable>,
}

impl Index {
    /// The logical fields of the index's plain (non-expression) keys, in key order.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().filter_map(IndexField::field)
    }

    /// Whether a key of the index is an expression.
    pub fn has_expression(&self) -> bool {
        self.fields.iter().any(|f| f.expression().is_some())
    }
}

/// ViewSchema is a view written with logical names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ViewSchema {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The portable query, in logical names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Per-engine overrides of `query`, keyed by engine name (`postgres`, `snowflake`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub queries: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_name: Option<String>,
    /// Indexes of a materialized view (over its output columns); a plain view has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
}

impl ViewSchema {
    /// The query text for `engine`: its override when present, else the portable query.
    pub fn query_for(&self, engine: &str) -> Option<&str> {
        self.queries
            .get(engine)
            .map(String::as_str)
            .or(self.query.as_deref())
    }
}

impl Package {
    /// The object schemas, by logical name.
    pub fn objects(&self) -> impl Iterator<Item = (&String, &ObjectSchema)> {
        self.schemas.iter().filter_map(|(n, s)| match s {
            Schema::Object(o) => Some((n, o)),
            Schema::View(_) | Schema::MaterializedView(_) => None,
        })
    }

    /// The view schemas, plain and materialized (which share the view machinery), by logical
    /// name.
    pub fn views(&self) -> impl Iterator<Item = (&String, &ViewSchema)> {
        self.schemas.iter().filter_map(|(n, s)| match s {
            Schema::View(v) | Schema::MaterializedView(v) => Some((n, v)),
            Schema::Object(_) => None,
        })
    }

    /// Whether schema `name` is a materialized view.
    pub fn is_materialized(&self, name: &str) -> bool {
        self.schemas.get(name).is_some_and(Schema::is_materialized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Environment documents are read back to plan the next version: the normalized model must
    /// survive a JSON round trip exactly.
    #[test]
    fn a_normalized_package_survives_a_json_round_trip() {
        let raw = serde_json::json!({
            "name": "dogs", "version": "1",
            "schemas": {
                "Dog": {"kind": "object", "fields": {
                    "id": {"type": "uuid"},
                    "name": {"type": "string", "maxLength": 200, "previousNames": ["title"]},
                    "weight": {"type": "decimal", "precision": 6, "scale": 2, "nullable": true},
                    "ok": {"type": "boolean", "default": false}
                }, "primaryKey": ["id"], "indexes": [{"name": "byName", "fields": ["name"], "unique": true}]},
                "Names": {"kind": "view", "query": "SELECT name FROM Dog"},
                "NameCounts": {"kind": "materializedView",
                    "query": "SELECT name, count(*) AS dogs FROM Dog GROUP BY name",
                    "indexes": [{"name": "byName", "fields": ["name"], "unique": true}]}
            }
        });
        let package = crate::validate::parse_package(&raw).unwrap();
        let text = serde_json::to_string(&package).unwrap();
        let back: Package = serde_json::from_str(&text).unwrap();
        assert_eq!(back, package);
    }

    /// A document written by hand (or by another tool) may list fields in any order; they are
    /// read into name order, the one later key wins, as a `BTreeMap` read them.
    #[test]
    fn fields_read_back_out_of_order_come_in_name_order() {
        let text = r#"{"name": "dogs", "version": "1", "schemas": {"Dog": {"kind": "object",
            "fields": {"zeta": {"type": "uuid"}, "alpha": {"type": "string"},
                       "mid": {"type": "integer"}, "alpha": {"type": "boolean"}}}}}"#;
        let package: Package = serde_json::from_str(text).unwrap();
        let Schema::Object(dog) = &package.schemas["Dog"] else {
            panic!("Dog is an object");
        };
        let names: Vec<&str> = dog.fields.keys().map(String::as_str).collect();
        assert_eq!(names, ["alpha", "mid", "zeta"]);
        assert_eq!(
            dog.fields.get("alpha").unwrap().field_type,
            FieldType::Boolean
        );
        assert_eq!(dog.field_entry("mid").map(|(k, _)| k.as_str()), Some("mid"));
        assert!(dog.field_entry("nope").is_none());
    }
}
