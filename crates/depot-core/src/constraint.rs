//! Constraints beyond the primary key (SPEC §1b): foreign keys and checks, as a package writes
//! them and as one engine gets them after resolution.

use serde::{Deserialize, Serialize};

/// ReferentialAction is what a foreign key does when the referenced row goes or changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReferentialAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl ReferentialAction {
    /// The names as written in packages, for error messages.
    pub const NAMES: &'static [&'static str] =
        &["noAction", "restrict", "cascade", "setNull", "setDefault"];

    pub fn from_name(name: &str) -> Option<ReferentialAction> {
        match name {
            "noAction" => Some(ReferentialAction::NoAction),
            "restrict" => Some(ReferentialAction::Restrict),
            "cascade" => Some(ReferentialAction::Cascade),
            "setNull" => Some(ReferentialAction::SetNull),
            "setDefault" => Some(ReferentialAction::SetDefault),
            _ => None,
        }
    }

    pub fn is_default(&self) -> bool {
        *self == ReferentialAction::NoAction
    }
}

/// Deferrable says when a foreign key (or unique index) is checked within a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Deferrable {
    InitiallyImmediate,
    InitiallyDeferred,
}

/// Reference is the target of a foreign key: a schema of the package, or `Alias.Schema` of a
/// dependency dataset, and the fields of its primary key or of one of its unique indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reference {
    pub schema: String,
    pub fields: Vec<String>,
}

impl Reference {
    /// The dependency alias and schema when the reference is `Alias.Schema`.
    pub fn dependency(&self) -> Option<(&str, &str)> {
        self.schema.split_once('.')
    }
}

/// ForeignKey is a package's foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForeignKey {
    pub name: String,
    pub fields: Vec<String>,
    pub references: Reference,
    #[serde(default, skip_serializing_if = "ReferentialAction::is_default")]
    pub on_delete: ReferentialAction,
    #[serde(default, skip_serializing_if = "ReferentialAction::is_default")]
    pub on_update: ReferentialAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferrable: Option<Deferrable>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Check is a package's check constraint: one SQL expression over the object's own fields, in
/// logical names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Check {
    pub name: String,
    pub expression: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// PhysicalForeignKey is a foreign key with its deterministic constraint name
/// (`<table>_<name>_fkey`) and physical columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalForeignKey {
    pub logical: String,
    /// The constraint's physical name.
    pub physical: String,
    pub columns: Vec<String>,
    /// The referenced table's namespace: the dataset's own, or a dependency's.
    pub references_namespace: String,
    /// The referenced schema's logical name as the package writes it (`Customer`,
    /// `Alias.Customer`): a rename of a table of this package is followed, not re-created.
    pub references_logical: String,
    pub references_table: String,
    pub references_columns: Vec<String>,
    pub on_delete: ReferentialAction,
    pub on_update: ReferentialAction,
    pub deferrable: Option<Deferrable>,
    pub comment: Option<String>,
}

/// PhysicalCheck is a check with its deterministic constraint name (`<table>_<name>_check`) and
/// its expression printed in physical names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalCheck {
    pub logical: String,
    pub physical: String,
    /// The expression in physical, quoted names.
    pub sql: String,
    pub comment: Option<String>,
}
