//! The PostgreSQL reverse of each change (see `depot_core::undo`): what runs, in reverse plan
//! order, after a failed migration, so the old version's inserts and selects work again.
//!
//! Every statement is safe on a change that ran only in part, or not at all: `IF EXISTS` where
//! PostgreSQL has it, and exact reverses only for changes whose phase is one transaction (all of
//! it ran, or none). A table the failed migration created is dropped only when it holds no rows
//! (the executor checks before it runs a `DROP TABLE` of an undo).

// Every Change is matched by name: a new kind of change must say how it is undone.
#![warn(clippy::wildcard_enum_match_arm)]

use depot_core::change::Name;
use depot_core::comment::CommentTarget;
use depot_core::constraint::PhysicalForeignKey;
use depot_core::dialect::{RenderContext, RenderError};
use depot_core::field_type::TypeChange;
use depot_core::identity::AutoIncrement;
use depot_core::physical::PhysicalIndex;
use depot_core::undo::{Before, Undo};
use depot_core::undo_sql::{view_to_restore, UndoSql};
use depot_core::Change;

use crate::dialect::quote_ident;
use crate::render::{
    default_sql, generated, index_sql, move_sequence_past_max, not_null_check_name, Build, Renderer,
};
use crate::sql_type::sql_type;

/// The statements that reverse `change`, planned from `old` (None: a first deploy).
pub fn undo(
    change: &Change,
    before: &Before<'_>,
    ctx: &RenderContext,
) -> Result<Undo, RenderError> {
    let sql = UndoSql {
        namespace: &ctx.namespace,
        quote: quote_ident,
    };
    let table = |name: &str| sql.table(name);
    let id = quote_ident;
    let statements = match change {
        // The namespace stays: it may hold other things, and a schema left empty harms nothing.
        Change::CreateNamespace { .. } => Vec::new(),
        Change::AddIdentity { object, column, .. } => vec![format!(
            "ALTER TABLE {} ALTER COLUMN {} DROP IDENTITY IF EXISTS",
            table(&object.physical),
            id(&column.physical)
        )],
        // The identity comes back as it was, its sequence moved past the rows inserted since.
        Change::DropIdentity { object, column } => {
            let old = before
                .column(object, column)
                .and_then(|c| c.identity)
                .unwrap_or(AutoIncrement::ByDefault);
            vec![
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} ADD {} AS IDENTITY",
                    table(&object.physical),
                    id(&column.physical),
                    generated(old)
                ),
                move_sequence_past_max(&ctx.namespace, &object.physical, &column.physical)
                    .map_err(|message| RenderError {
                        target: change.target(),
                        message,
                    })?,
            ]
        }
        // There are two kinds of identity: the old one is the other.
        Change::SetIdentity {
            object,
            column,
            identity,
        } => vec![format!(
            "ALTER TABLE {} ALTER COLUMN {} SET {}",
            table(&object.physical),
            id(&column.physical),
            generated(match identity {
                AutoIncrement::ByDefault => AutoIncrement::Always,
                AutoIncrement::Always => AutoIncrement::ByDefault,
            })
        )],
        Change::AddCheck { object, check, .. } => vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
            table(&object.physical),
            id(&check.physical)
        )],
        Change::AddForeignKey { object, key, .. } => vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
            table(&object.physical),
            id(&key.physical)
        )],
        // A dropped constraint comes back NOT VALID: the rows it held for were not changed by
        // the failed migration's earlier phases in a way Depot could check cheaply, and NOT VALID
        // needs no scan (new rows are checked again at once; a later plan validates it).
        Change::DropCheck { object, check } => vec![format!(
            "ALTER TABLE {} ADD {} NOT VALID",
            table(&object.physical),
            Renderer::new(change, ctx).check_definition(check)?
        )],
        Change::DropForeignKey { object, key } => {
            let key = PhysicalForeignKey {
                columns: before.current_columns(object, &key.columns),
                ..key.clone()
            };
            vec![format!(
                "ALTER TABLE {} ADD {} NOT VALID",
                table(&object.physical),
                Renderer::new(change, ctx).foreign_key_definition(&key)?
            )]
        }
        Change::SetComment { target, .. } => vec![Renderer::new(change, ctx)
            .comment_sql(target, old_comment(before, target).as_deref())?],
        Change::CreateObject { object } => {
            vec![format!("DROP TABLE IF EXISTS {}", table(&object.physical))]
        }
        Change::DropObject { .. } | Change::DropColumn { .. } => return Ok(Undo::Irreversible),
        Change::RenameObject { from, to } => vec![format!(
            "ALTER TABLE IF EXISTS {} RENAME TO {}",
            table(&to.physical),
            id(&from.physical)
        )],
        Change::AddColumn { object, column } => vec![format!(
            "ALTER TABLE {} DROP COLUMN IF EXISTS {}",
            table(&object.physical),
            id(&column.physical)
        )],
        Change::RenameColumn { object, from, to } => vec![format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            table(&object.physical),
            id(&to.physical),
            id(&from.physical)
        )],
        Change::AlterColumnType {
            object,
            column,
            from,
            to,
        } => {
            let old_type = sql_type(from);
            let col = id(&column.physical);
            let mut statements = vec![format!(
                "ALTER TABLE {} ALTER COLUMN {col} TYPE {old_type} USING {col}::{old_type}",
                table(&object.physical)
            )];
            // A narrowing dropped the default first: it comes back with the old type.
            if from.change_to(to) == TypeChange::Narrowing {
                statements.push(
                    restore_default(before, object, column, &table(&object.physical)).map_err(
                        |message| RenderError {
                            target: change.target(),
                            message,
                        },
                    )?,
                );
            }
            statements
        }
        Change::SetNotNull { object, column } => vec![
            format!(
                "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
                table(&object.physical),
                id(&not_null_check_name(&object.physical, &column.physical))
            ),
            format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL",
                table(&object.physical),
                id(&column.physical)
            ),
        ],
        Change::DropNotNull { object, column } => vec![format!(
            "ALTER TABLE {} ALTER COLUMN {} SET NOT NULL",
            table(&object.physical),
            id(&column.physical)
        )],
        Change::SetDefault { object, column, .. } | Change::DropDefault { object, column } => {
            vec![
                restore_default(before, object, column, &table(&object.physical)).map_err(
                    |message| RenderError {
                        target: change.target(),
                        message,
                    },
                )?,
            ]
        }
        Change::AddPrimaryKey { object, key } => vec![
            format!(
                "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
                table(&object.physical),
                id(&key.name)
            ),
            format!("DROP INDEX CONCURRENTLY IF EXISTS {}", table(&key.name)),
        ],
        Change::DropPrimaryKey { object, key } => vec![format!(
            "ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({})",
            table(&object.physical),
            id(&key.name),
            sql.column_list(&before.current_columns(object, &key.columns))
        )],
        Change::RenamePrimaryKey { object, from, to } => vec![format!(
            "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
            table(&object.physical),
            id(to),
            id(from)
        )],
        Change::CreateIndex { index, .. } => {
            vec![format!(
                "DROP INDEX CONCURRENTLY IF EXISTS {}",
                table(&index.physical)
            )]
        }
        Change::DropIndex { object, index } => {
            let index = PhysicalIndex {
                include: before.current_columns(object, &index.include),
                ..index.clone()
            };
            vec![index_sql(
                &index,
                &before.current_columns(object, &index.columns),
                &table(&object.physical),
                Build::ConcurrentlyIfNotExists,
            )]
        }
        Change::RenameIndex { from, to, .. } => vec![format!(
            "ALTER INDEX IF EXISTS {} RENAME TO {}",
            table(to),
            id(from)
        )],
        Change::CreateView { view } => {
            vec![format!("DROP VIEW IF EXISTS {}", table(&view.physical))]
        }
        Change::DropView { view } => {
            let old_view = view_to_restore(before, change, view)?;
            vec![format!(
                "CREATE VIEW {} AS {}",
                table(&old_view.physical),
                old_view.sql
            )]
        }
    };
    Ok(Undo::Statements(statements))
}

/// `SET DEFAULT` to the old version's default of the column, or `DROP DEFAULT` when it had none.
fn restore_default(
    before: &Before<'_>,
    object: &Name,
    column: &Name,
    table: &str,
) -> Result<String, String> {
    let col = quote_ident(&column.physical);
    match before.column(object, column) {
        Some(old_column) => match &old_column.default {
            Some(value) => {
                let value = default_sql(&old_column.field_type, value)
                    .map_err(|why| format!("the old default of {}: {why}", column.logical))?;
                Ok(format!(
                    "ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT {value}"
                ))
            }
            None => Ok(format!(
                "ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT"
            )),
        },
        None => Ok(format!(
            "ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT"
        )),
    }
}

/// The comment `target` had in the old version (None: it had none, or did not exist).
fn old_comment(before: &Before<'_>, target: &CommentTarget) -> Option<String> {
    match target {
        CommentTarget::Namespace { .. } => before.old?.comment.clone(),
        CommentTarget::Table { object } => before.object(object)?.comment.clone(),
        CommentTarget::View { view } => before.view(view)?.comment.clone(),
        CommentTarget::Column { object, column } => before.column(object, column)?.comment.clone(),
        CommentTarget::Index { object, index } => before
            .object(object)?
            .indexes
            .iter()
            .find(|i| i.logical == index.logical || i.physical == index.physical)?
            .comment
            .clone(),
        CommentTarget::Constraint { object, constraint } => {
            let old = before.object(object)?;
            let named = |logical: &str, physical: &str| {
                logical == constraint.logical || physical == constraint.physical
            };
            old.checks
                .iter()
                .find(|c| named(&c.logical, &c.physical))
                .map(|c| c.comment.clone())
                .or_else(|| {
                    old.foreign_keys
                        .iter()
                        .find(|k| named(&k.logical, &k.physical))
                        .map(|k| k.comment.clone())
                })?
        }
    }
}
