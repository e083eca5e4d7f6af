//! The catalog's types: a namespace, its tables (columns, keys, indexes, constraints), views and
//! enum types, each keyed by its physical name.

use std::collections::{BTreeMap, BTreeSet};

use crate::constraint::Deferrable;

/// Catalog is what one namespace holds, live or expected, as drift compares it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    /// The namespace's name, as difference lines name it.
    pub namespace: String,
    /// The engine's words in difference lines; [`super::compare`] uses the expected side's.
    pub wording: Wording,
    /// False when the namespace does not exist (live only; then the rest is empty).
    pub exists: bool,
    pub comment: Option<String>,
    pub tables: BTreeMap<String, Table>,
    /// Plain views by physical name.
    pub views: BTreeMap<String, View>,
    pub materialized_views: BTreeMap<String, View>,
    pub enums: BTreeMap<String, EnumType>,
}

/// Wording is what an engine calls things in a difference line, so that each engine's users
/// read the words they read before the comparison was shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    /// `namespace` (PostgreSQL) or `schema` (Snowflake).
    pub namespace: &'static str,
    /// What a line about a materialized view itself calls it: `view` or `materialized view`.
    pub materialized_view: &'static str,
    /// Whether a view found as the other kind (plain for materialized, or back) is one line
    /// naming the change, or two: the expected view missing and the live one extra.
    pub one_line_kind_change: bool,
    /// A column that is not an identity (`not an identity`, `not AUTOINCREMENT`).
    pub no_identity: &'static str,
}

impl Default for Wording {
    fn default() -> Self {
        Wording {
            namespace: "namespace",
            materialized_view: "view",
            one_line_kind_change: true,
            no_identity: "not an identity",
        }
    }
}

/// Table is one table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// The package's name for it (expected only: a missing table is named by both).
    pub logical: String,
    /// Columns in the table's order (lines follow it); names are unique.
    pub columns: Vec<Column>,
    pub comment: Option<String>,
    pub primary_key: Option<PrimaryKey>,
    /// Unique keys declared as constraints where the engine creates no index (Snowflake).
    pub unique_keys: BTreeMap<String, UniqueKey>,
    pub indexes: BTreeMap<String, Index>,
    /// Checks, foreign keys and (live) every other named constraint, by name.
    pub constraints: BTreeMap<String, Constraint>,
    /// Names of columns and constraints a run that stopped half-way may leave behind (expected
    /// only): present or not, they are no drift, since resuming the run finishes them.
    pub leftovers: BTreeSet<String>,
}

/// Column is one column of a table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Column {
    pub name: String,
    /// Expected only, as [`Table::logical`].
    pub logical: String,
    /// The type as the engine prints it.
    pub data_type: String,
    /// Other types the engine may read this one back as, none of them drift (expected only:
    /// the emulator's VARIANT for an ARRAY).
    pub also_read_as: Vec<String>,
    pub nullable: bool,
    pub comment: Option<String>,
    /// The engine's words for an identity column (`generated always as identity`,
    /// `AUTOINCREMENT`), none when it is not one.
    pub identity: Option<String>,
    /// A generated (computed) column.
    pub generated: bool,
}

/// PrimaryKey is a table's primary key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrimaryKey {
    /// None where the engine does not keep the name; names are compared only when both sides
    /// have one.
    pub name: Option<String>,
    pub columns: Vec<String>,
}

impl PrimaryKey {
    /// The primary key a deployed model declares, as both engines expect to find it.
    pub fn expected(key: &crate::physical::PhysicalKey) -> PrimaryKey {
        PrimaryKey {
            name: Some(key.name.clone()),
            columns: key.columns.clone(),
        }
    }
}

/// UniqueKey is a unique constraint on columns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UniqueKey {
    /// Expected only, as [`Table::logical`].
    pub logical: String,
    pub columns: Vec<String>,
}

/// IndexKey is one key of an index: a column, or an expression. Engines reprint expressions in
/// their own words, so an expression matches any expression (a rebuild is what changes one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexKey {
    Column(String),
    Expression(String),
}

/// Index is one index of a table or materialized view.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Index {
    /// Expected only, as [`Table::logical`].
    pub logical: String,
    pub unique: bool,
    pub keys: Vec<IndexKey>,
    /// False for an index a failed build left unusable (live only).
    pub valid: bool,
    /// The access method (`btree`), none where the engine does not compare it.
    pub method: Option<String>,
    /// Whether it covers non-key columns (`INCLUDE`).
    pub include: bool,
    /// Whether it is partial (`WHERE`).
    pub partial: bool,
    pub nulls_not_distinct: bool,
    /// When the unique constraint attached to it is checked (none: at once).
    pub deferrable: Option<Deferrable>,
    pub comment: Option<String>,
    /// The live index as the engine prints it, named in lines (empty when expected).
    pub definition: String,
}

/// ConstraintKind is what a named constraint is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstraintKind {
    Check,
    ForeignKey,
    /// Any other (live only): `unique`, `exclusion`, or the engine's own word. Such a one is
    /// compared only where an expected check or foreign key has its name.
    Other(String),
}

impl ConstraintKind {
    /// The kind's name: `check`, `foreign_key`, or the other's word.
    pub fn name(&self) -> &str {
        match self {
            ConstraintKind::Check => "check",
            ConstraintKind::ForeignKey => "foreign_key",
            ConstraintKind::Other(word) => word,
        }
    }
}

/// Constraint is a check or foreign key (or, live, any other named constraint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// Expected only, as [`Table::logical`].
    pub logical: String,
    pub kind: ConstraintKind,
    pub comment: Option<String>,
    /// A foreign key's columns and target, where the engine compares them.
    pub shape: Option<ForeignKeyShape>,
    /// When a foreign key is checked (none: at once).
    pub deferrable: Option<Deferrable>,
}

/// ForeignKeyShape is what a foreign key joins.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ForeignKeyShape {
    pub columns: Vec<String>,
    /// Named in lines, not compared: the live side spells it as the engine reports it.
    pub references_namespace: String,
    pub references_table: String,
    pub references_columns: Vec<String>,
}

/// View is one view or materialized view.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct View {
    /// Expected only, as [`Table::logical`].
    pub logical: String,
    pub comment: Option<String>,
    /// A materialized view's indexes (compared where the engine has them).
    pub indexes: BTreeMap<String, Index>,
}

/// EnumType is an enum type with its values in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EnumType {
    /// Expected only, as [`Table::logical`].
    pub logical: String,
    pub values: Vec<String>,
}
