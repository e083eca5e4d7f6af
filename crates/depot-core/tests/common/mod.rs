//! Hand-made physical models and a small dialect, for tests that must not depend on resolution.
#![allow(dead_code)]

pub mod engines;

use std::collections::{BTreeMap, BTreeSet};

use depot_core::column_default::ColumnDefault;
use depot_core::constraint::{PhysicalCheck, PhysicalForeignKey};
use depot_core::identity::AutoIncrement;

use depot_core::dialect::{Dialect, EngineId, RenderContext, RenderError, StepDraft};
use depot_core::naming::NamingStrategy;
use depot_core::physical::{
    PhysicalColumn, PhysicalIndex, PhysicalKey, PhysicalModel, PhysicalObject, PhysicalView,
};
use depot_core::{phase, Change, FieldType, Hazard};

pub fn snake(logical: &str) -> String {
    NamingStrategy::SnakeCase.apply(logical)
}

pub fn string(n: u32) -> FieldType {
    FieldType::String {
        max_length: Some(n),
    }
}

pub fn text() -> FieldType {
    FieldType::String { max_length: None }
}

/// A NOT NULL column without default, named by snake_case.
pub fn col(logical: &str, field_type: FieldType) -> PhysicalColumn {
    PhysicalColumn {
        logical: logical.to_string(),
        physical: snake(logical),
        previous_names: Vec::new(),
        field_type,
        nullable: false,
        default: None,
        identity: None,
        computed: None,
        comment: None,
    }
}

pub trait ColumnExt {
    fn nullable(self) -> Self;
    fn default(self, value: serde_json::Value) -> Self;
    fn was(self, previous: &str) -> Self;
    fn physical(self, physical: &str) -> Self;
    fn computed(self, sql: &str) -> Self;
    fn identity(self, identity: AutoIncrement) -> Self;
    fn comment(self, comment: &str) -> Self;
}

impl ColumnExt for PhysicalColumn {
    fn computed(mut self, sql: &str) -> Self {
        self.computed = Some(sql.to_string());
        self
    }
    fn identity(mut self, identity: AutoIncrement) -> Self {
        self.identity = Some(identity);
        self
    }
    fn comment(mut self, comment: &str) -> Self {
        self.comment = Some(comment.to_string());
        self
    }
    fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }
    fn default(mut self, value: serde_json::Value) -> Self {
        self.default = Some(ColumnDefault::Literal(value));
        self
    }
    fn was(mut self, previous: &str) -> Self {
        self.previous_names.push(previous.to_string());
        self
    }
    fn physical(mut self, physical: &str) -> Self {
        self.physical = physical.to_string();
        self
    }
}

/// A table named by snake_case, without key or index.
pub fn object(logical: &str, columns: Vec<PhysicalColumn>) -> PhysicalObject {
    PhysicalObject {
        logical: logical.to_string(),
        physical: snake(logical),
        previous_names: Vec::new(),
        columns,
        primary_key: None,
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        checks: Vec::new(),
        comment: None,
    }
}

pub trait ObjectExt {
    /// The primary key on these logical fields, named `<table>_pkey`.
    fn key(self, fields: &[&str]) -> Self;
    /// An index on these logical fields, named `<table>_<index>_idx`.
    fn index(self, logical: &str, fields: &[&str], unique: bool) -> Self;
    fn was(self, previous: &str) -> Self;
    /// Another physical name; call it before `key` and `index` so generated names follow.
    fn physical(self, physical: &str) -> Self;
    /// A check `<table>_<check>_check` with this (physical) SQL.
    fn check(self, logical: &str, sql: &str) -> Self;
    /// A foreign key `<table>_<key>_fkey` on these logical fields to `references` (a table of
    /// namespace `ns` named by snake_case) and its physical columns.
    fn fk(self, logical: &str, fields: &[&str], references: &str, columns: &[&str]) -> Self;
    fn comment(self, comment: &str) -> Self;
}

impl ObjectExt for PhysicalObject {
    fn check(mut self, logical: &str, sql: &str) -> Self {
        self.checks.push(PhysicalCheck {
            logical: logical.to_string(),
            physical: format!("{}_{}_check", self.physical, snake(logical)),
            sql: sql.to_string(),
            comment: None,
        });
        self
    }
    fn fk(mut self, logical: &str, fields: &[&str], references: &str, columns: &[&str]) -> Self {
        let own = fields.iter().map(|f| physical_of(&self, f)).collect();
        self.foreign_keys.push(PhysicalForeignKey {
            logical: logical.to_string(),
            physical: format!("{}_{}_fkey", self.physical, snake(logical)),
            columns: own,
            references_namespace: "ns".to_string(),
            references_logical: references.to_string(),
            references_table: snake(references),
            references_columns: columns.iter().map(|c| c.to_string()).collect(),
            on_delete: Default::default(),
            on_update: Default::default(),
            deferrable: None,
            comment: None,
        });
        self
    }
    fn comment(mut self, comment: &str) -> Self {
        self.comment = Some(comment.to_string());
        self
    }
    fn key(mut self, fields: &[&str]) -> Self {
        let columns = fields.iter().map(|f| physical_of(&self, f)).collect();
        self.primary_key = Some(PhysicalKey {
            name: format!("{}_pkey", self.physical),
            columns,
        });
        self
    }
    fn index(mut self, logical: &str, fields: &[&str], unique: bool) -> Self {
        let columns = fields.iter().map(|f| physical_of(&self, f)).collect();
        self.indexes.push(PhysicalIndex {
            logical: logical.to_string(),
            physical: format!("{}_{}_idx", self.physical, snake(logical)),
            columns,
            unique,
            ..PhysicalIndex::default()
        });
        self
    }
    fn was(mut self, previous: &str) -> Self {
        self.previous_names.push(previous.to_string());
        self
    }
    fn physical(mut self, physical: &str) -> Self {
        self.physical = physical.to_string();
        self
    }
}

fn physical_of(object: &PhysicalObject, field: &str) -> String {
    object
        .column(field)
        .unwrap_or_else(|| panic!("{} has no field {field}", object.logical))
        .physical
        .clone()
}

/// A view; `reads` lists logical object or view names with the logical fields read.
pub fn view(logical: &str, sql: &str, reads: &[(&str, &[&str])]) -> PhysicalView {
    PhysicalView {
        logical: logical.to_string(),
        physical: snake(logical),
        previous_names: Vec::new(),
        sql: sql.to_string(),
        reads: reads
            .iter()
            .map(|(o, fields)| {
                (
                    o.to_string(),
                    fields
                        .iter()
                        .map(|f| f.to_string())
                        .collect::<BTreeSet<_>>(),
                )
            })
            .collect(),
        reads_dependencies: BTreeSet::new(),
        columns: BTreeMap::new(),
        comment: None,
        reads_every_column: Default::default(),
        materialized: false,
        indexes: Vec::new(),
    }
}

pub fn model(objects: Vec<PhysicalObject>, views: Vec<PhysicalView>) -> PhysicalModel {
    PhysicalModel {
        enums: Default::default(),
        namespace: "ns".to_string(),
        comment: None,
        objects: objects
            .into_iter()
            .map(|o| (o.logical.clone(), o))
            .collect::<BTreeMap<_, _>>(),
        views: views.into_iter().map(|v| (v.logical.clone(), v)).collect(),
    }
}

/// `action target` of each change, for assertions that read like a plan.
pub fn summary(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .map(|c| format!("{} {}", c.action(), c.target()))
        .collect()
}

/// TestDialect renders every change as `action target` in the phase PostgreSQL uses for it.
/// SetNotNull renders as two steps (check, then enforce); CreateIndex runs outside a
/// transaction; a SetDefault to JSON null is refused.
pub struct TestDialect;

impl Dialect for TestDialect {
    fn engine(&self) -> EngineId {
        EngineId::new("postgres")
    }
    fn default_naming(&self) -> NamingStrategy {
        NamingStrategy::SnakeCase
    }
    fn max_identifier_bytes(&self) -> usize {
        63
    }
    fn quote_ident(&self, ident: &str) -> String {
        ident.to_string()
    }
    fn quoted_ident(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }
    fn string_literal(&self, value: &str) -> Option<String> {
        (!value.contains('\0')).then(|| format!("'{}'", value.replace('\'', "''")))
    }
    fn parser_dialect(&self) -> &dyn sqlparser::dialect::Dialect {
        &sqlparser::dialect::GenericDialect {}
    }
    fn render(&self, change: &Change, ctx: &RenderContext) -> Result<Vec<StepDraft>, RenderError> {
        let draft = |phase: u32, action: &str| StepDraft {
            phase,
            action: action.to_string(),
            target: change.target(),
            sql: format!("{action} {}.{}", ctx.namespace, change.target()),
            hazards: Vec::new(),
            comment: format!("{action} for {}", change.target()),
            transactional: true,
        };
        let one = |phase: u32| Ok(vec![draft(phase, change.action())]);
        match change {
            Change::CreateNamespace { .. } => one(phase::PREPARE),
            Change::CreateObject { .. } => one(phase::CREATE_OBJECTS),
            Change::DropObject { .. } | Change::DropColumn { .. } => Ok(vec![StepDraft {
                hazards: vec![Hazard::DeletesData],
                ..draft(phase::CONTRACT, change.action())
            }]),
            Change::RenameObject { .. }
            | Change::RenameMaterializedView { .. }
            | Change::RenameColumn { .. }
            | Change::RenameIndex { .. }
            | Change::RenamePrimaryKey { .. } => one(phase::RENAME),
            Change::AddColumn { .. } | Change::AlterColumnType { .. } => one(phase::ALTER_COLUMNS),
            Change::SetDefault { default, .. } => {
                if default.literal().is_some_and(serde_json::Value::is_null) {
                    Err(RenderError {
                        target: change.target(),
                        message: "a null default cannot be rendered".to_string(),
                    })
                } else {
                    one(phase::ALTER_COLUMNS)
                }
            }
            Change::SetNotNull { .. } => Ok(vec![
                draft(phase::ADD_CONSTRAINTS, "addNotNullCheck"),
                draft(phase::ENFORCE, "setNotNull"),
            ]),
            Change::DropNotNull { .. }
            | Change::DropDefault { .. }
            | Change::DropPrimaryKey { .. }
            | Change::DropIndex { .. } => one(phase::RELAX),
            Change::CreateIndex { .. } => Ok(vec![StepDraft {
                hazards: vec![Hazard::IndexBuild],
                transactional: false,
                ..draft(phase::BUILD_INDEXES, change.action())
            }]),
            Change::AddPrimaryKey { .. } => one(phase::ENFORCE),
            Change::CreateView { .. } | Change::RefreshMaterializedView { .. } => {
                one(phase::CREATE_VIEWS)
            }
            Change::DropView { .. } => one(phase::DROP_VIEWS),
            Change::DropForeignKey { .. }
            | Change::DropCheck { .. }
            | Change::DropIdentity { .. } => one(phase::RELAX),
            Change::AddIdentity { .. } | Change::SetIdentity { .. } => one(phase::ALTER_COLUMNS),
            Change::AddCheck { .. } | Change::AddForeignKey { .. } => Ok(vec![
                draft(phase::ADD_CONSTRAINTS, change.action()),
                draft(phase::VALIDATE, change.action()),
            ]),
            Change::SetComment { .. } => one(phase::CREATE_VIEWS),
            Change::AlterForeignKey { .. } => one(phase::ADD_CONSTRAINTS),
            Change::CreateEnum { .. } | Change::RenameEnum { .. } | Change::AddEnumValue { .. } => {
                one(phase::PREPARE)
            }
            Change::DropEnum { .. } => one(phase::CONTRACT),
            Change::RebuildEnum { .. } => Ok(vec![StepDraft {
                hazards: vec![Hazard::DeletesData],
                ..draft(phase::CONTRACT, change.action())
            }]),
        }
    }
}
