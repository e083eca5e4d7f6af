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
use depot_core::dialect::{RenderContext, RenderError};
use depot_core::physical::PhysicalIndex;
use depot_core::undo::{Before, Undo};
use depot_core::undo_sql::{view_to_restore, UndoSql};
use depot_core::Change;

use crate::dialect::quote_ident;
use crate::literal::literal;
use crate::render::not_null_check_name;
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
        Change::AddIdentity { .. }
        | Change::DropIdentity { .. }
        | Change::SetIdentity { .. }
        | Change::AddCheck { .. }
        | Change::DropCheck { .. }
        | Change::AddForeignKey { .. }
        | Change::DropForeignKey { .. }
        | Change::SetComment { .. } => return Ok(Undo::Irreversible),
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
            ..
        } => {
            let old_type = sql_type(from);
            let col = id(&column.physical);
            vec![format!(
                "ALTER TABLE {} ALTER COLUMN {col} TYPE {old_type} USING {col}::{old_type}",
                table(&object.physical)
            )]
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
        Change::DropIndex { object, index } => vec![create_index(
            index,
            &sql.column_list(&before.current_columns(object, &index.columns)),
            &table(&object.physical),
        )],
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
                let Some(value) = value.literal() else {
                    return Err(format!(
                        "the old default of {} is an expression (not yet restorable)",
                        column.logical
                    ));
                };
                let value = literal(&old_column.field_type, value)
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

/// The statement that builds `index` again, as it was, without blocking writes.
/// (`CREATE INDEX` takes the bare index name: an index lives in its table's schema.)
fn create_index(index: &PhysicalIndex, columns: &str, on: &str) -> String {
    format!(
        "CREATE {}INDEX CONCURRENTLY IF NOT EXISTS {} ON {on} ({columns})",
        if index.unique { "UNIQUE " } else { "" },
        quote_ident(&index.physical),
    )
}
