//! PhysicalModel: a package resolved for one engine and one dataset configuration: every logical
//! name mapped to its physical name, every generated name (index, key) fixed, every view query
//! rewritten into physical SQL. The diff compares two physical models.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::column_default::ColumnDefault;
use crate::constraint::{Deferrable, PhysicalCheck, PhysicalForeignKey};
use crate::field_type::FieldType;
use crate::identity::AutoIncrement;
use crate::index_options::{IndexMethod, KeySort};

/// PhysicalModel is what a dataset version looks like in its location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalModel {
    /// The namespace (schema) holding every object and view of the dataset.
    pub namespace: String,
    /// The namespace's comment (the package's description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Objects by logical name.
    pub objects: BTreeMap<String, PhysicalObject>,
    /// Views by logical name.
    pub views: BTreeMap<String, PhysicalView>,
    /// Enum types by logical name (PostgreSQL native enum types; Snowflake has none and keeps
    /// them only to plan, its columns being strings).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub enums: BTreeMap<String, PhysicalEnum>,
}

/// PhysicalEnum is an enum type of the dataset's namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalEnum {
    pub logical: String,
    pub physical: String,
    pub previous_names: Vec<String>,
    /// The values in their order.
    pub values: Vec<String>,
    /// The type's comment (the enum's description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// PhysicalObject is a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalObject {
    pub logical: String,
    pub physical: String,
    pub previous_names: Vec<String>,
    /// Columns in creation order: primary-key fields first (in key order), then the others by
    /// logical name, so the order is stable whatever the key order of the package JSON.
    pub columns: Vec<PhysicalColumn>,
    pub primary_key: Option<PhysicalKey>,
    pub indexes: Vec<PhysicalIndex>,
    /// Foreign keys, in package order (added after every table exists).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<PhysicalForeignKey>,
    /// Checks, in package order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<PhysicalCheck>,
    /// The table's comment (the schema's description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// PhysicalColumn is one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalColumn {
    pub logical: String,
    pub physical: String,
    pub previous_names: Vec<String>,
    pub field_type: FieldType,
    pub nullable: bool,
    pub default: Option<ColumnDefault>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<AutoIncrement>,
    /// A generated column's expression in physical, quoted names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// PhysicalKey is a primary key: its deterministic constraint name and physical columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalKey {
    pub name: String,
    pub columns: Vec<String>,
}

/// PhysicalIndex is a secondary index with its deterministic physical name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalIndex {
    pub logical: String,
    pub physical: String,
    pub columns: Vec<String>,
    pub unique: bool,
    /// Per key (same length as `columns`), or empty when every key sorts by default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<KeySort>,
    /// A partial index's predicate in physical, quoted names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub where_sql: Option<String>,
    /// Covered (non-key) physical columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<IndexMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Per key (same length as `columns`) when a key is an expression: its SQL in physical,
    /// quoted names (the key's `columns` entry is then empty). Empty when every key is a column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expressions: Vec<Option<String>>,
    /// `Some(false)`: nulls are equal in this unique index (`NULLS NOT DISTINCT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls_distinct: Option<bool>,
    /// A deferrable unique index: built as an index, then attached as a UNIQUE constraint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferrable: Option<Deferrable>,
}

impl PhysicalIndex {
    /// The index's keys in order: a column name, or an expression's physical SQL.
    pub fn keys(&self) -> impl Iterator<Item = IndexKey<'_>> {
        self.columns.iter().enumerate().map(|(i, column)| {
            match self.expressions.get(i).and_then(Option::as_deref) {
                Some(sql) => IndexKey::Expression(sql),
                None => IndexKey::Column(column),
            }
        })
    }

    /// Whether a key is an expression.
    pub fn has_expression(&self) -> bool {
        self.expressions.iter().any(Option::is_some)
    }

    /// The columns of the keys that are columns (no expression), in key order.
    pub fn key_columns(&self) -> Vec<String> {
        self.keys()
            .filter_map(|k| match k {
                IndexKey::Column(c) => Some(c.to_string()),
                IndexKey::Expression(_) => None,
            })
            .collect()
    }
}

/// IndexKey is one key of a physical index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKey<'a> {
    Column(&'a str),
    /// An expression in physical, quoted names.
    Expression(&'a str),
}

/// PhysicalView is a view whose SQL is already rewritten to physical, quoted names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalView {
    pub logical: String,
    pub physical: String,
    pub previous_names: Vec<String>,
    /// The `SELECT ...` body in physical names, ready for `CREATE VIEW ... AS`.
    pub sql: String,
    /// What the view reads in this dataset: logical object or view name -> logical fields read.
    /// A view that reads a changed column is dropped and recreated around the change.
    pub reads: BTreeMap<String, BTreeSet<String>>,
    /// Datasets (dependency aliases) whose objects the view reads.
    pub reads_dependencies: BTreeSet<String>,
    /// Logical objects and views the view reads through `*`: its columns follow theirs, so it
    /// is recreated whenever their columns change (an added column included).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub reads_every_column: BTreeSet<String>,
    /// The view's output columns, logical -> physical, when every one is known: published in
    /// the metadata, so that other datasets' views can read this view by its logical names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
    /// The view's comment (the schema's description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// A materialized view: its rows are stored (PostgreSQL `CREATE MATERIALIZED VIEW`) and
    /// refreshed when what it reads may have changed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub materialized: bool,
    /// A materialized view's indexes, over its columns, created right after it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<PhysicalIndex>,
}

impl PhysicalView {
    /// Whether `REFRESH MATERIALIZED VIEW CONCURRENTLY` can refresh it without blocking its
    /// readers: PostgreSQL needs a unique index on plain columns, over every row (no `where`).
    pub fn refreshes_concurrently(&self) -> bool {
        self.indexes
            .iter()
            .any(|i| i.unique && i.where_sql.is_none() && !i.has_expression())
    }
}

impl PhysicalObject {
    /// The column with logical name `logical`.
    pub fn column(&self, logical: &str) -> Option<&PhysicalColumn> {
        self.columns.iter().find(|c| c.logical == logical)
    }

    /// Makes `self` equal to `source` (as `source.clone()` would be), reusing the strings and
    /// vectors `self` holds: no allocation when they are large enough. A derived `clone_from`
    /// clones every column afresh.
    pub(crate) fn assign_from(&mut self, source: &PhysicalObject) {
        self.logical.clone_from(&source.logical);
        self.physical.clone_from(&source.physical);
        self.previous_names.clone_from(&source.previous_names);
        assign_vec(
            &mut self.columns,
            &source.columns,
            PhysicalColumn::assign_from,
        );
        match (&mut self.primary_key, &source.primary_key) {
            (Some(key), Some(source)) => {
                key.name.clone_from(&source.name);
                key.columns.clone_from(&source.columns);
            }
            (key, source) => *key = source.clone(),
        }
        assign_vec(
            &mut self.indexes,
            &source.indexes,
            PhysicalIndex::assign_from,
        );
        self.foreign_keys.clone_from(&source.foreign_keys);
        self.checks.clone_from(&source.checks);
        self.comment.clone_from(&source.comment);
    }
}

impl PhysicalColumn {
    /// [`PhysicalObject::assign_from`] for a column.
    fn assign_from(&mut self, source: &PhysicalColumn) {
        self.logical.clone_from(&source.logical);
        self.physical.clone_from(&source.physical);
        self.previous_names.clone_from(&source.previous_names);
        self.field_type.clone_from(&source.field_type);
        self.nullable = source.nullable;
        self.default.clone_from(&source.default);
        self.identity = source.identity;
        self.computed.clone_from(&source.computed);
        self.comment.clone_from(&source.comment);
    }
}

impl PhysicalIndex {
    /// [`PhysicalObject::assign_from`] for an index.
    fn assign_from(&mut self, source: &PhysicalIndex) {
        self.logical.clone_from(&source.logical);
        self.physical.clone_from(&source.physical);
        self.columns.clone_from(&source.columns);
        self.unique = source.unique;
        self.sort.clone_from(&source.sort);
        self.where_sql.clone_from(&source.where_sql);
        self.include.clone_from(&source.include);
        self.method = source.method;
        self.comment.clone_from(&source.comment);
        self.expressions.clone_from(&source.expressions);
        self.nulls_distinct = source.nulls_distinct;
        self.deferrable = source.deferrable;
    }
}

/// Makes `items` equal to `source`: the items both have through `assign`, the others dropped
/// or cloned.
fn assign_vec<T: Clone>(items: &mut Vec<T>, source: &[T], assign: fn(&mut T, &T)) {
    items.truncate(source.len());
    let kept = items.len();
    for (item, source) in items.iter_mut().zip(source) {
        assign(item, source);
    }
    items.extend_from_slice(&source[kept..]);
}

/// Metadata is SPEC §5's `metadata`: logical -> physical names, for plan transformers and tools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub namespace: String,
    pub schemas: BTreeMap<String, SchemaMetadata>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaMetadata {
    pub object: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

impl PhysicalModel {
    /// The SPEC §5 metadata of this model.
    pub fn metadata(&self) -> Metadata {
        // Objects then views, each in name order, built in bulk; a name held by both (which a
        // package cannot have) keeps the view's, as inserting them one by one would.
        let mut schemas: Vec<(String, SchemaMetadata)> =
            Vec::with_capacity(self.objects.len() + self.views.len());
        for (name, o) in &self.objects {
            schemas.push((
                name.clone(),
                SchemaMetadata {
                    object: o.physical.clone(),
                    fields: o
                        .columns
                        .iter()
                        .map(|c| (c.logical.clone(), c.physical.clone()))
                        .collect(),
                },
            ));
        }
        for (name, v) in &self.views {
            schemas.push((
                name.clone(),
                SchemaMetadata {
                    object: v.physical.clone(),
                    fields: v.columns.clone(),
                },
            ));
        }
        Metadata {
            namespace: self.namespace.clone(),
            schemas: schemas.into_iter().collect(),
        }
    }
}

/// DependencyModel is what a view needs to know of a dependency dataset: its namespace and the
/// physical names of its objects and fields (its environment document's metadata).
pub type DependencyModel = Metadata;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn column(logical: &str, default: Option<serde_json::Value>) -> PhysicalColumn {
        PhysicalColumn {
            logical: logical.to_string(),
            physical: format!("{logical}_col"),
            previous_names: vec![format!("old_{logical}")],
            field_type: FieldType::String {
                max_length: Some(10),
            },
            nullable: default.is_none(),
            default: default.map(ColumnDefault::Literal),
            identity: None,
            computed: None,
            comment: None,
        }
    }

    fn object(name: &str, columns: usize, key: bool, indexes: usize) -> PhysicalObject {
        let columns: Vec<PhysicalColumn> = (0..columns)
            .map(|i| column(&format!("{name}{i}"), (i % 2 == 0).then(|| json!(i))))
            .collect();
        PhysicalObject {
            logical: name.to_string(),
            physical: name.to_ascii_lowercase(),
            previous_names: vec![],
            primary_key: key.then(|| PhysicalKey {
                name: format!("{name}_pkey"),
                columns: columns.iter().take(1).map(|c| c.physical.clone()).collect(),
            }),
            indexes: (0..indexes)
                .map(|i| PhysicalIndex {
                    logical: format!("by{i}"),
                    physical: format!("{name}_by{i}_idx"),
                    columns: columns
                        .iter()
                        .take(i + 1)
                        .map(|c| c.physical.clone())
                        .collect(),
                    unique: i % 2 == 1,
                    ..PhysicalIndex::default()
                })
                .collect(),
            columns,
            foreign_keys: vec![],
            checks: vec![],
            comment: Some(format!("{name} rows")),
        }
    }

    #[test]
    fn assign_from_gives_a_clone_whatever_was_there() {
        let shapes = [
            object("A", 0, false, 0),
            object("Bee", 3, true, 2),
            object("Cat", 20, true, 3),
            object("D", 1, false, 1),
            object("Elephant", 5, true, 0),
        ];
        for target in &shapes {
            for source in &shapes {
                let mut assigned = target.clone();
                assigned.assign_from(source);
                assert_eq!(&assigned, source);
            }
        }
    }
}
