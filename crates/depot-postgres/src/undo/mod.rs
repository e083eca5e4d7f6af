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
use depot_core::constraint::{PhysicalCheck, PhysicalForeignKey};
use depot_core::dialect::{RenderContext, RenderError};
use depot_core::field_type::TypeChange;
use depot_core::identity::AutoIncrement;
use depot_core::physical::PhysicalIndex;
use depot_core::undo::{Before, Undo};
use depot_core::undo_sql::{view_to_restore, UndoSql};
use depot_core::Change;

use crate::dialect::quote_ident;
use crate::render::{
    alter_deferrable_sql, generated, index_sql, move_sequence_past_max, not_null_check_name,
    refresh_sql, unique_constraint_sql, Build, Renderer,
};
use crate::sql_type::sql_type;

mod column_renames;
mod old_version;

use column_renames::{rename_columns, renamed_columns};
use old_version::{old_comment, restore_constraint, restore_default};

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
        Change::AlterForeignKey { object, key, from } => vec![alter_deferrable_sql(
            &table(&object.physical),
            &id(&key.physical),
            *from,
        )],
        Change::AddForeignKey { object, key, .. } => vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
            table(&object.physical),
            id(&key.physical)
        )],
        // A dropped constraint comes back NOT VALID (a brief lock, no scan: new rows are checked
        // at once), then is validated if the rows allow it (see `validate_if_rows_allow`), with
        // its comment.
        Change::DropCheck { object, check } => {
            let r = Renderer::new(change, ctx);
            // The expression names the old columns; a column renamed by the plan still has its
            // new name when this runs (renames are undone later).
            let check = PhysicalCheck {
                sql: rename_columns(&check.sql, &renamed_columns(before, object)),
                ..check.clone()
            };
            restore_constraint(
                &r,
                &object.physical,
                &check.physical,
                &r.check_definition(&check)?,
                &Name {
                    logical: check.logical.clone(),
                    physical: check.physical.clone(),
                },
                object,
                check.comment.as_deref(),
            )?
        }
        Change::DropForeignKey { object, key } => {
            let mut key = PhysicalForeignKey {
                columns: before.current_columns(object, &key.columns),
                ..key.clone()
            };
            // The referenced table of this dataset, as it is named while the plan runs (a
            // rename of it is undone later).
            if key.references_namespace == ctx.namespace {
                if let Some(target) = before.new.objects.values().find(|o| {
                    o.logical == key.references_logical
                        || o.previous_names.contains(&key.references_logical)
                }) {
                    let target_name = Name {
                        logical: target.logical.clone(),
                        physical: target.physical.clone(),
                    };
                    key.references_columns =
                        before.current_columns(&target_name, &key.references_columns);
                    key.references_table = target.physical.clone();
                }
            }
            let r = Renderer::new(change, ctx);
            restore_constraint(
                &r,
                &object.physical,
                &key.physical,
                &r.foreign_key_definition(&key)?,
                &Name {
                    logical: key.logical.clone(),
                    physical: key.physical.clone(),
                },
                object,
                key.comment.as_deref(),
            )?
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
        // Reversed in reverse order: the indexes, then the view (each only if renamed).
        Change::RenameMaterializedView { from, to, indexes } => {
            let mut statements: Vec<String> = indexes
                .iter()
                .rev()
                .map(|(old, new)| {
                    format!("ALTER INDEX IF EXISTS {} RENAME TO {}", table(new), id(old))
                })
                .collect();
            statements.push(format!(
                "ALTER MATERIALIZED VIEW IF EXISTS {} RENAME TO {}",
                table(&to.physical),
                id(&from.physical)
            ));
            statements
        }
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
            // An enum converts to another type only through its text.
            let through = if matches!(to, depot_core::FieldType::Enum { .. }) {
                "::text"
            } else {
                ""
            };
            let mut statements = vec![format!(
                "ALTER TABLE {} ALTER COLUMN {col} TYPE {old_type} USING {col}{through}::{old_type}",
                table(&object.physical)
            )];
            // A narrowing dropped the default first: it comes back with the old type. A
            // widening kept it, cast to the new type (`'x'::text`): set again, it reads as a
            // fresh deploy of the old version has it (`'x'::character varying`).
            let had_default = before
                .column(object, column)
                .is_some_and(|c| c.default.is_some());
            if from.change_to(to) == TypeChange::Narrowing || had_default {
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
        Change::CreateIndex { object, index } => {
            let mut statements = Vec::with_capacity(2);
            // A deferrable unique index is a constraint: dropped as one (which drops its
            // index), if the plan got as far as attaching it.
            if index.deferrable.is_some() {
                statements.push(format!(
                    "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
                    table(&object.physical),
                    id(&index.physical)
                ));
            }
            statements.push(format!(
                "DROP INDEX CONCURRENTLY IF EXISTS {}",
                table(&index.physical)
            ));
            statements
        }
        Change::DropIndex { object, index } => {
            // Its expressions and predicate name the old columns; a column renamed by the plan
            // still has its new name when this runs (renames are undone later).
            let renames = renamed_columns(before, object);
            let index = PhysicalIndex {
                include: before.current_columns(object, &index.include),
                expressions: index
                    .expressions
                    .iter()
                    .map(|e| e.as_deref().map(|sql| rename_columns(sql, &renames)))
                    .collect(),
                where_sql: index
                    .where_sql
                    .as_deref()
                    .map(|sql| rename_columns(sql, &renames)),
                ..index.clone()
            };
            let mut statements = vec![index_sql(
                &index,
                &before.current_columns(object, &index.columns),
                &table(&object.physical),
                Build::ConcurrentlyIfNotExists,
            )];
            if let Some(deferrable) = index.deferrable {
                statements.push(unique_constraint_sql(
                    &table(&object.physical),
                    &id(&index.physical),
                    deferrable,
                ));
            }
            // Its comment went with it.
            if index.comment.is_some() {
                statements.push(Renderer::new(change, ctx).comment_sql(
                    &CommentTarget::Index {
                        object: object.clone(),
                        index: Name {
                            logical: index.logical.clone(),
                            physical: index.physical.clone(),
                        },
                    },
                    index.comment.as_deref(),
                )?);
            }
            statements
        }
        Change::RenameIndex { from, to, .. } => vec![format!(
            "ALTER INDEX IF EXISTS {} RENAME TO {}",
            table(to),
            id(from)
        )],
        Change::CreateView { view } if view.materialized => vec![format!(
            "DROP MATERIALIZED VIEW IF EXISTS {}",
            table(&view.physical)
        )],
        Change::CreateView { view } => {
            vec![format!("DROP VIEW IF EXISTS {}", table(&view.physical))]
        }
        Change::CreateEnum { enum_type } => {
            vec![format!(
                "DROP TYPE IF EXISTS {}",
                table(&enum_type.physical)
            )]
        }
        // Its phase (contract) is one transaction: it ran whole, the type is gone.
        Change::DropEnum { enum_type } => {
            vec![Renderer::new(change, ctx).create_enum_sql(enum_type, &enum_type.physical)?]
        }
        Change::RenameEnum { from, to } => vec![format!(
            "ALTER TYPE {} RENAME TO {}",
            table(&to.physical),
            id(&from.physical)
        )],
        // PostgreSQL cannot remove a value from an enum type: the value stays, unused by the
        // old version (which never writes it). The step's comment says so.
        Change::AddEnumValue { .. } => Vec::new(),
        // The type is rebuilt back, with the old version's defaults. (A rebuild that removed a
        // value is DELETES_DATA, so never undone: this is the undo of a reordering.)
        Change::RebuildEnum { from, to, columns } => {
            let old_columns: Vec<depot_core::change::EnumColumn> = columns
                .iter()
                .map(|c| depot_core::change::EnumColumn {
                    default: before
                        .column(&c.object, &c.column)
                        .and_then(|old| old.default.clone()),
                    ..c.clone()
                })
                .collect();
            Renderer::new(change, ctx)
                .rebuild_enum(to, from, &old_columns, &[], "the migration is undone")?
                .into_iter()
                .map(|d| d.sql)
                .collect()
        }
        Change::DropView { view, .. } => {
            let old_view = view_to_restore(before, change, view)?;
            let r = Renderer::new(change, ctx);
            let name = Name {
                logical: old_view.logical.clone(),
                physical: old_view.physical.clone(),
            };
            let (mut statements, target) = if old_view.materialized {
                (
                    r.materialized_view_sql(old_view)?,
                    CommentTarget::MaterializedView { view: name.clone() },
                )
            } else {
                (
                    vec![format!(
                        "CREATE VIEW {} AS {}",
                        table(&old_view.physical),
                        old_view.sql
                    )],
                    CommentTarget::View { view: name.clone() },
                )
            };
            // Its comments went with it.
            if old_view.comment.is_some() {
                statements.push(r.comment_sql(&target, old_view.comment.as_deref())?);
            }
            for index in old_view.indexes.iter().filter(|i| i.comment.is_some()) {
                let target = CommentTarget::Index {
                    object: name.clone(),
                    index: Name {
                        logical: index.logical.clone(),
                        physical: index.physical.clone(),
                    },
                };
                statements.push(r.comment_sql(&target, index.comment.as_deref())?);
            }
            statements
        }
        // A refresh changes no schema: the undo refreshes again, so that the view's rows match
        // its tables as the undo leaves them (never CONCURRENTLY: it may run in any state).
        Change::RefreshMaterializedView { view, .. } => {
            vec![refresh_sql(&table(&view.physical), false)]
        }
    };
    Ok(Undo::Statements(statements))
}

#[cfg(test)]
mod tests;
