//! Rendering of Depot changes as PostgreSQL statements, one statement per step, each placed in
//! the phase that keeps locks short: NOT NULL through a NOT VALID check validated on its own,
//! indexes built CONCURRENTLY, primary keys attached to an index built beforehand.
//!
//! Targets PostgreSQL 12+ (Aurora PostgreSQL 12+): ADD COLUMN with a constant default does not
//! rewrite (11+), and SET NOT NULL skips its scan when a valid `CHECK (c IS NOT NULL)` exists (12+).

// Every Change is matched by name: a new kind of change must not fall into a catch-all arm.
#![warn(clippy::wildcard_enum_match_arm)]

mod columns;
mod comments;
mod constraints;
mod defaults;
mod enums;
mod identity;
mod indexes;
mod materialized;
mod objects;

use depot_core::change::Name;
use depot_core::dialect::{RenderContext, RenderError, StepDraft};
use depot_core::rename_reason::{qualified_name, why_renamed};
use depot_core::render_step::{ChangeRenderer, IdentifierRules};
use depot_core::step_comment;
use depot_core::{phase, Change, Hazard};
use sha2::{Digest, Sha256};

pub use constraints::alter_deferrable_sql;
pub use defaults::{default_sql, is_volatile};
pub use identity::{generated, move_sequence_past_max};
pub use indexes::{index_sql, unique_constraint_sql, Build};
pub use materialized::refresh_sql;

use crate::dialect::{push_quoted_ident, MAX_IDENTIFIER_BYTES};

/// Renders one change as PostgreSQL steps.
pub fn render(change: &Change, ctx: &RenderContext) -> Result<Vec<StepDraft>, RenderError> {
    let r = Renderer::new(change, ctx);
    match change {
        Change::CreateNamespace { namespace } => Ok(vec![r.step(
            phase::PREPARE,
            format!("CREATE SCHEMA IF NOT EXISTS {}", r.id(namespace)?),
            step_comment::create_schema(namespace),
        )]),
        Change::CreateObject { object } => r.create_object(object),
        Change::DropObject { object } => Ok(vec![StepDraft {
            hazards: vec![Hazard::DeletesData],
            ..r.step(
                phase::CONTRACT,
                format!("DROP TABLE {}", r.table(&object.physical)?),
                format!(
                    "drop table {}: {} is no longer in the package (its rows are deleted)",
                    object.physical, object.logical
                ),
            )
        }]),
        Change::RenameObject { from, to } => Ok(vec![r.step(
            phase::RENAME,
            format!(
                "ALTER TABLE {} RENAME TO {}",
                r.table(&from.physical)?,
                r.id(&to.physical)?
            ),
            format!(
                "rename table {} to {}: {}",
                from.physical,
                to.physical,
                why_renamed(from, to)
            ),
        )]),
        Change::AddColumn { object, column } => r.add_column(object, column),
        Change::DropColumn { object, column } => Ok(vec![StepDraft {
            hazards: vec![Hazard::DeletesData],
            ..r.step(
                phase::CONTRACT,
                format!(
                    "ALTER TABLE {} DROP COLUMN {}",
                    r.table(&object.physical)?,
                    r.id(&column.physical)?
                ),
                step_comment::drop_column(object, column),
            )
        }]),
        Change::RenameColumn { object, from, to } => Ok(vec![r.step(
            phase::RENAME,
            format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                r.table(&object.physical)?,
                r.id(&from.physical)?,
                r.id(&to.physical)?
            ),
            format!(
                "rename column {} of {} to {}: {}",
                from.physical,
                object.physical,
                to.physical,
                why_renamed(&qualified_name(object, from), &qualified_name(object, to))
            ),
        )]),
        Change::AlterColumnType {
            object,
            column,
            from,
            to,
        } => r.alter_column_type(object, column, from, to),
        Change::SetNotNull { object, column } => r.set_not_null(object, column),
        Change::DropNotNull { object, column } => Ok(vec![r.step(
            phase::RELAX,
            format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL",
                r.table(&object.physical)?,
                r.id(&column.physical)?
            ),
            step_comment::drop_not_null(object, column),
        )]),
        Change::SetDefault {
            object,
            column,
            field_type,
            default,
        } => r.set_default(object, column, field_type, default),
        Change::DropDefault { object, column } => Ok(vec![r.step(
            phase::RELAX,
            format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                r.table(&object.physical)?,
                r.id(&column.physical)?
            ),
            step_comment::drop_default(object, column),
        )]),
        Change::AddPrimaryKey { object, key } => r.add_primary_key(object, key),
        Change::DropPrimaryKey { object, key } => Ok(vec![r.step(
            phase::RELAX,
            format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                r.table(&object.physical)?,
                r.id(&key.name)?
            ),
            step_comment::drop_primary_key(object, &key.name),
        )]),
        Change::RenamePrimaryKey { object, from, to } => Ok(vec![r.step(
            phase::RENAME,
            format!(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                r.table(&object.physical)?,
                r.id(from)?,
                r.id(to)?
            ),
            step_comment::rename_primary_key(object, from, to),
        )]),
        Change::CreateIndex { object, index } => r.create_index(object, index),
        Change::DropIndex { object, index } => r.drop_index(object, index),
        Change::RenameIndex { object, from, to } => Ok(vec![r.step(
            phase::RENAME,
            format!("ALTER INDEX {} RENAME TO {}", r.table(from)?, r.id(to)?),
            format!(
                "rename index {from} to {to}: its generated name follows the table of {}",
                object.logical
            ),
        )]),
        Change::CreateView { view } if view.materialized => r.create_materialized_view(view),
        Change::CreateView { view } => Ok(vec![r.step(
            phase::CREATE_VIEWS,
            format!("CREATE VIEW {} AS {}", r.table(&view.physical)?, view.sql),
            step_comment::create_view(view),
        )]),
        Change::DropView {
            view,
            materialized: true,
        } => r.drop_materialized_view(view),
        Change::DropView {
            view,
            materialized: false,
        } => Ok(vec![r.step(
            phase::DROP_VIEWS,
            format!("DROP VIEW {}", r.table(&view.physical)?),
            step_comment::drop_view(view),
        )]),
        Change::RenameMaterializedView { from, to, indexes } => {
            r.rename_materialized_view(from, to, indexes)
        }
        Change::RefreshMaterializedView { view, concurrently } => {
            r.refresh_materialized_view(view, *concurrently)
        }
        Change::AddIdentity {
            object,
            column,
            identity,
        } => r.add_identity(object, column, *identity),
        Change::DropIdentity { object, column } => r.drop_identity(object, column),
        Change::SetIdentity {
            object,
            column,
            identity,
        } => r.set_identity(object, column, *identity),
        Change::AddCheck {
            object,
            check,
            existing,
        } => r.add_check(object, check, *existing),
        Change::DropCheck { object, check } => r.drop_constraint(
            object,
            &Name {
                logical: check.logical.clone(),
                physical: check.physical.clone(),
            },
            "check",
        ),
        Change::AddForeignKey {
            object,
            key,
            existing,
        } => r.add_foreign_key(object, key, *existing),
        Change::DropForeignKey { object, key } => r.drop_constraint(
            object,
            &Name {
                logical: key.logical.clone(),
                physical: key.physical.clone(),
            },
            "foreign key",
        ),
        Change::SetComment { target, comment } => r.set_comment(target, comment.as_deref()),
        Change::AlterForeignKey { object, key, .. } => r.alter_foreign_key(object, key),
        Change::CreateEnum { enum_type } => r.create_enum(enum_type),
        Change::DropEnum { enum_type } => r.drop_enum(enum_type),
        Change::RenameEnum { from, to } => r.rename_enum(from, to),
        Change::AddEnumValue {
            enum_type,
            value,
            before,
        } => r.add_enum_value(enum_type, value, before.as_deref()),
        Change::RebuildEnum { from, to, columns } => {
            let removed = enums::removed_values(from, to);
            let mut hazards = vec![
                Hazard::TableRewrite,
                Hazard::BlocksReads,
                Hazard::BlocksWrites,
            ];
            let why = if removed.is_empty() {
                "its values are reordered, which PostgreSQL cannot do in place".to_string()
            } else {
                hazards.insert(0, Hazard::DeletesData);
                format!(
                    "values {} are removed, which PostgreSQL cannot do in place",
                    removed.join(", ")
                )
            };
            r.rebuild_enum(from, to, columns, &hazards, &why)
        }
    }
}

/// The name of the temporary `CHECK (c IS NOT NULL)` constraint that lets PostgreSQL set NOT
/// NULL on `table.column` without a long scan: deterministic and within 63 bytes.
pub fn not_null_check_name(table: &str, column: &str) -> String {
    fit_identifier(&format!("{table}_{column}_not_null"))
}

/// `name` when it fits PostgreSQL's 63 bytes, else its longest prefix that leaves room for `_`
/// and the first 8 hex digits of its sha256, so that distinct long names stay distinct.
pub fn fit_identifier(name: &str) -> String {
    if name.len() <= MAX_IDENTIFIER_BYTES {
        return name.to_string();
    }
    let digest = Sha256::digest(name.as_bytes());
    let suffix: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let mut keep = MAX_IDENTIFIER_BYTES - suffix.len() - 1;
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}_{suffix}", &name[..keep])
}

/// How PostgreSQL writes a name: quoted unless plain, at most 63 bytes (PostgreSQL would
/// silently truncate a longer name, so it is refused rather than created under another name).
const IDENTIFIERS: IdentifierRules = IdentifierRules {
    engine: "PostgreSQL",
    max_bytes: MAX_IDENTIFIER_BYTES,
    push_quoted: push_quoted_ident,
};

/// Renderer is the shared [`ChangeRenderer`] of one change (steps run inside their phase's
/// transaction), with the PostgreSQL rendering of the changes that take more than one step.
pub(crate) struct Renderer<'a>(ChangeRenderer<'a>);

impl<'a> Renderer<'a> {
    /// The renderer of `change` in `ctx`'s namespace (undo borrows its statements too).
    pub(crate) fn new(change: &'a Change, ctx: &'a RenderContext) -> Self {
        Renderer(ChangeRenderer::new(
            &ctx.namespace,
            change,
            IDENTIFIERS,
            true,
        ))
    }
}

impl<'a> std::ops::Deref for Renderer<'a> {
    type Target = ChangeRenderer<'a>;

    fn deref(&self) -> &ChangeRenderer<'a> {
        &self.0
    }
}
