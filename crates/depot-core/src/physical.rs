//! PhysicalModel: a package resolved for one engine and one dataset configuration: every logical
//! name mapped to its physical name, every generated name (index, key) fixed, every view query
//! rewritten into physical SQL. The diff compares two physical models.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::field_type::FieldType;

/// PhysicalModel is what a dataset version looks like in its location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalModel {
    /// The namespace (schema) holding every object and view of the dataset.
    pub namespace: String,
    /// Objects by logical name.
    pub objects: BTreeMap<String, PhysicalObject>,
    /// Views by logical name.
    pub views: BTreeMap<String, PhysicalView>,
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
    pub default: Option<serde_json::Value>,
}

/// PhysicalKey is a primary key: its deterministic constraint name and physical columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalKey {
    pub name: String,
    pub columns: Vec<String>,
}

/// PhysicalIndex is a secondary index with its deterministic physical name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalIndex {
    pub logical: String,
    pub physical: String,
    pub columns: Vec<String>,
    pub unique: bool,
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
}

impl PhysicalObject {
    /// The column with logical name `logical`.
    pub fn column(&self, logical: &str) -> Option<&PhysicalColumn> {
        self.columns.iter().find(|c| c.logical == logical)
    }
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
        let mut schemas = BTreeMap::new();
        for (name, o) in &self.objects {
            schemas.insert(
                name.clone(),
                SchemaMetadata {
                    object: o.physical.clone(),
                    fields: o
                        .columns
                        .iter()
                        .map(|c| (c.logical.clone(), c.physical.clone()))
                        .collect(),
                },
            );
        }
        for (name, v) in &self.views {
            schemas.insert(
                name.clone(),
                SchemaMetadata {
                    object: v.physical.clone(),
                    fields: BTreeMap::new(),
                },
            );
        }
        Metadata {
            namespace: self.namespace.clone(),
            schemas,
        }
    }
}

/// DependencyModel is what a view needs to know of a dependency dataset: its namespace and the
/// physical names of its objects and fields (its environment document's metadata).
pub type DependencyModel = Metadata;
