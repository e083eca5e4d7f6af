//! Change: the closed set of schema changes the diff produces and every engine must render.
//! Engines match it without a wildcard arm, so a new kind of change cannot be forgotten.

use serde::{Deserialize, Serialize};

use crate::column_default::ColumnDefault;
use crate::comment::CommentTarget;
use crate::constraint::{Deferrable, PhysicalCheck, PhysicalForeignKey};
use crate::field_type::FieldType;
use crate::identity::AutoIncrement;
use crate::physical::{
    PhysicalColumn, PhysicalEnum, PhysicalIndex, PhysicalKey, PhysicalObject, PhysicalView,
};

/// Name is a logical name with its physical counterpart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name {
    pub logical: String,
    pub physical: String,
}

/// Change is one schema change of a dataset. Object and view names are physical names inside the
/// plan's namespace; logical names are kept for messages, targets and metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "camelCase")]
pub enum Change {
    /// The dataset's namespace, created if missing.
    CreateNamespace {
        namespace: String,
    },
    /// A new table, with its key and indexes (built inline: the table is empty).
    CreateObject {
        object: PhysicalObject,
    },
    DropObject {
        object: Name,
    },
    RenameObject {
        from: Name,
        to: Name,
    },
    AddColumn {
        object: Name,
        column: PhysicalColumn,
    },
    DropColumn {
        object: Name,
        column: Name,
    },
    RenameColumn {
        object: Name,
        from: Name,
        to: Name,
    },
    AlterColumnType {
        object: Name,
        column: Name,
        from: FieldType,
        to: FieldType,
    },
    SetNotNull {
        object: Name,
        column: Name,
    },
    DropNotNull {
        object: Name,
        column: Name,
    },
    SetDefault {
        object: Name,
        column: Name,
        field_type: FieldType,
        default: ColumnDefault,
    },
    DropDefault {
        object: Name,
        column: Name,
    },
    AddPrimaryKey {
        object: Name,
        key: PhysicalKey,
    },
    DropPrimaryKey {
        object: Name,
        key: PhysicalKey,
    },
    RenamePrimaryKey {
        object: Name,
        from: String,
        to: String,
    },
    CreateIndex {
        object: Name,
        index: PhysicalIndex,
    },
    DropIndex {
        object: Name,
        index: PhysicalIndex,
    },
    RenameIndex {
        object: Name,
        from: String,
        to: String,
    },
    CreateView {
        view: PhysicalView,
    },
    /// Drops a view; `materialized`: a materialized view (its stored rows and indexes go too).
    DropView {
        view: Name,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        materialized: bool,
    },
    /// A materialized view renamed through `previousNames` (its rows stay), with its indexes,
    /// whose generated names follow it: `indexes` are (old, new) physical names.
    RenameMaterializedView {
        from: Name,
        to: Name,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        indexes: Vec<(String, String)>,
    },
    /// Recomputes the rows of a kept materialized view whose sources this migration changed.
    /// `concurrently`: it has a unique index over plain columns and every row, so readers are
    /// not blocked.
    RefreshMaterializedView {
        view: Name,
        concurrently: bool,
    },
    /// An existing integer column starts numbering new rows from its sequence (which starts
    /// after the column's largest value).
    AddIdentity {
        object: Name,
        column: Name,
        identity: AutoIncrement,
    },
    DropIdentity {
        object: Name,
        column: Name,
    },
    /// `byDefault` <-> `always`.
    SetIdentity {
        object: Name,
        column: Name,
        identity: AutoIncrement,
    },
    /// A check. `existing`: the table existed before this migration and may hold rows, so the
    /// check is added without a scan and validated on its own.
    AddCheck {
        object: Name,
        check: PhysicalCheck,
        existing: bool,
    },
    DropCheck {
        object: Name,
        check: PhysicalCheck,
    },
    /// A foreign key, added once every table it joins exists. `existing` as for [`Change::AddCheck`].
    AddForeignKey {
        object: Name,
        key: PhysicalForeignKey,
        existing: bool,
    },
    DropForeignKey {
        object: Name,
        key: PhysicalForeignKey,
    },
    /// A foreign key whose only change is when it is checked: altered in place (PostgreSQL
    /// `ALTER CONSTRAINT`, no scan), `from` being its old deferrability.
    AlterForeignKey {
        object: Name,
        key: PhysicalForeignKey,
        from: Option<Deferrable>,
    },
    /// A new enum type (before the tables that use it).
    CreateEnum {
        enum_type: PhysicalEnum,
    },
    /// An enum type no column uses any more (after the tables stop using it).
    DropEnum {
        enum_type: PhysicalEnum,
    },
    /// An enum renamed through its `previousNames` (or a new `sqlName`).
    RenameEnum {
        from: Name,
        to: Name,
    },
    /// A value added in place (PostgreSQL `ALTER TYPE ... ADD VALUE`): `before` the old value
    /// it precedes, or at the end.
    AddEnumValue {
        enum_type: Name,
        value: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<String>,
    },
    /// Values removed or reordered: the type is built again under its name and every column
    /// of `columns` converted to it (rows holding a removed value fail the step).
    RebuildEnum {
        from: PhysicalEnum,
        to: PhysicalEnum,
        columns: Vec<EnumColumn>,
    },
    /// Sets (or, with `None`, removes) the comment of a namespace, table, view, column, index
    /// or constraint.
    SetComment {
        target: CommentTarget,
        comment: Option<String>,
    },
}

/// EnumColumn is a column whose type is an enum being rebuilt, with its default (which the
/// engine drops while converting the column, then sets again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnumColumn {
    pub object: Name,
    pub column: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<ColumnDefault>,
}

impl Change {
    /// The logical action name of SPEC §5 (`createObject`, `addField`, ...).
    pub fn action(&self) -> &'static str {
        match self {
            Change::CreateNamespace { .. } => "createNamespace",
            Change::CreateObject { .. } => "createObject",
            Change::DropObject { .. } => "dropObject",
            Change::RenameObject { .. } => "renameObject",
            Change::AddColumn { .. } => "addField",
            Change::DropColumn { .. } => "dropField",
            Change::RenameColumn { .. } => "renameField",
            Change::AlterColumnType { .. } => "alterFieldType",
            Change::SetNotNull { .. } => "setNotNull",
            Change::DropNotNull { .. } => "dropNotNull",
            Change::SetDefault { .. } => "setDefault",
            Change::DropDefault { .. } => "dropDefault",
            Change::AddPrimaryKey { .. } => "addPrimaryKey",
            Change::DropPrimaryKey { .. } => "dropPrimaryKey",
            Change::RenamePrimaryKey { .. } => "renamePrimaryKey",
            Change::CreateIndex { .. } => "createIndex",
            Change::DropIndex { .. } => "dropIndex",
            Change::RenameIndex { .. } => "renameIndex",
            Change::CreateView { .. } => "createView",
            Change::DropView { .. } => "dropView",
            Change::RefreshMaterializedView { .. } => "refreshMaterializedView",
            Change::RenameMaterializedView { .. } => "renameView",
            Change::AddIdentity { .. } => "addIdentity",
            Change::DropIdentity { .. } => "dropIdentity",
            Change::SetIdentity { .. } => "setIdentity",
            Change::AddCheck { .. } => "addCheck",
            Change::DropCheck { .. } => "dropCheck",
            Change::AddForeignKey { .. } => "addForeignKey",
            Change::DropForeignKey { .. } => "dropForeignKey",
            Change::AlterForeignKey { .. } => "alterForeignKey",
            Change::SetComment { .. } => "setComment",
            Change::CreateEnum { .. } => "createEnum",
            Change::DropEnum { .. } => "dropEnum",
            Change::RenameEnum { .. } => "renameEnum",
            Change::AddEnumValue { .. } => "addEnumValue",
            Change::RebuildEnum { .. } => "rebuildEnum",
        }
    }

    /// The logical target: `Dog`, `Dog.name`, or `Dog.byName`.
    pub fn target(&self) -> String {
        match self {
            Change::CreateNamespace { namespace } => namespace.clone(),
            Change::CreateObject { object } => object.logical.clone(),
            Change::DropObject { object } => object.logical.clone(),
            Change::RenameObject { to, .. } | Change::RenameMaterializedView { to, .. } => {
                to.logical.clone()
            }
            Change::AddColumn { object, column } => {
                format!("{}.{}", object.logical, column.logical)
            }
            Change::DropColumn { object, column }
            | Change::SetNotNull { object, column }
            | Change::DropNotNull { object, column }
            | Change::SetDefault { object, column, .. }
            | Change::DropDefault { object, column }
            | Change::AlterColumnType { object, column, .. } => {
                format!("{}.{}", object.logical, column.logical)
            }
            Change::RenameColumn { object, to, .. } => format!("{}.{}", object.logical, to.logical),
            Change::AddPrimaryKey { object, .. }
            | Change::DropPrimaryKey { object, .. }
            | Change::RenamePrimaryKey { object, .. } => format!("{}.primaryKey", object.logical),
            Change::CreateIndex { object, index } | Change::DropIndex { object, index } => {
                format!("{}.{}", object.logical, index.logical)
            }
            Change::RenameIndex { object, to, .. } => format!("{}.{}", object.logical, to),
            Change::CreateView { view } => view.logical.clone(),
            Change::DropView { view, .. } | Change::RefreshMaterializedView { view, .. } => {
                view.logical.clone()
            }
            Change::AddIdentity { object, column, .. }
            | Change::DropIdentity { object, column }
            | Change::SetIdentity { object, column, .. } => {
                format!("{}.{}", object.logical, column.logical)
            }
            Change::AddCheck { object, check, .. } | Change::DropCheck { object, check } => {
                format!("{}.{}", object.logical, check.logical)
            }
            Change::AddForeignKey { object, key, .. }
            | Change::DropForeignKey { object, key }
            | Change::AlterForeignKey { object, key, .. } => {
                format!("{}.{}", object.logical, key.logical)
            }
            Change::SetComment { target, .. } => target.logical(),
            Change::CreateEnum { enum_type } | Change::DropEnum { enum_type } => {
                enum_type.logical.clone()
            }
            Change::RenameEnum { to, .. } => to.logical.clone(),
            Change::AddEnumValue { enum_type, .. } => enum_type.logical.clone(),
            Change::RebuildEnum { to, .. } => to.logical.clone(),
        }
    }
}
