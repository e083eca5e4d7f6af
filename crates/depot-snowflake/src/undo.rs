//! The Snowflake reverse of each change (see `depot_core::undo`): what runs, in reverse plan
//! order, after a failed migration, so the old version's inserts and selects work again.
//!
//! Every Snowflake statement commits on its own, so a phase can stop between two steps: every
//! undo statement is safe when its change ran in part or not at all (`IF EXISTS`, or a rename
//! the executor skips when the catalog shows it done, see `crate::precondition`). Three changes
//! cannot be taken back in Snowflake, which can neither narrow a column in place nor give an
//! existing column a default or an AUTOINCREMENT: an in-place widening, a dropped default and a
//! dropped AUTOINCREMENT are irreversible, so a failure after them leaves the dataset between
//! versions, to be resumed. A foreign key is dropped or declared again, a comment set back to
//! the old version's (or unset); checks and index or constraint comments are only recorded, so
//! there is nothing to reverse.

// Every Change is matched by name: a new kind of change must say how it is undone.
#![warn(clippy::wildcard_enum_match_arm)]

use depot_core::dialect::{RenderContext, RenderError};
use depot_core::undo::{Before, Undo};
use depot_core::undo_sql::{view_to_restore, UndoSql};
use depot_core::Change;

use depot_core::change::Name;
use depot_core::comment::CommentTarget;
use depot_core::constraint::PhysicalForeignKey;

use crate::dialect::quote_ident;
use crate::foreign_key::add_foreign_key;
use crate::literal::quote;
use crate::render::{copy_suffixes, create_materialized_view_sql};
use crate::sql_type::alters_in_place;

/// The statements that reverse `change`.
pub fn undo(
    change: &Change,
    before: &Before<'_>,
    ctx: &RenderContext,
) -> Result<Undo, RenderError> {
    let ns = &ctx.namespace;
    let sql = UndoSql {
        namespace: ns,
        quote: quote_ident,
    };
    let table = |name: &str| sql.table(name);
    let id = quote_ident;
    let statements = match change {
        Change::CreateNamespace { .. } => Vec::new(),
        // Snowflake cannot give an existing column AUTOINCREMENT back (and refuses to add one:
        // AddIdentity and SetIdentity never render).
        Change::AddIdentity { .. } | Change::DropIdentity { .. } | Change::SetIdentity { .. } => {
            return Ok(Undo::Irreversible)
        }
        // Checks are recorded, never created on Snowflake: nothing to reverse.
        Change::AddCheck { .. } | Change::DropCheck { .. } => Vec::new(),
        Change::AddForeignKey { object, key, .. } => vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            table(&object.physical),
            id(&key.physical)
        )],
        Change::DropForeignKey { object, key } => {
            let (referenced, referenced_columns) = referenced_now(before, key);
            let statement: Result<String, std::convert::Infallible> = add_foreign_key(
                &table(&object.physical),
                key,
                &before.current_columns(object, &key.columns),
                &referenced,
                &referenced_columns,
                |name| Ok(id(name)),
            );
            vec![statement.unwrap_or_else(|never| match never {})]
        }
        Change::SetComment { target, .. } => {
            restore_comment(ns, target, before).into_iter().collect()
        }
        // Declared again as it was.
        Change::AlterForeignKey { object, key, from } => {
            let old = PhysicalForeignKey {
                deferrable: *from,
                ..key.clone()
            };
            let (referenced, referenced_columns) = referenced_now(before, &old);
            let statement: Result<String, std::convert::Infallible> = add_foreign_key(
                &table(&object.physical),
                &old,
                &before.current_columns(object, &old.columns),
                &referenced,
                &referenced_columns,
                |name| Ok(id(name)),
            );
            vec![
                format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    table(&object.physical),
                    id(&key.physical)
                ),
                statement.unwrap_or_else(|never| match never {}),
            ]
        }
        Change::CreateObject { object } => {
            vec![format!("DROP TABLE IF EXISTS {}", table(&object.physical))]
        }
        Change::DropObject { .. } | Change::DropColumn { .. } | Change::DropDefault { .. } => {
            return Ok(Undo::Irreversible)
        }
        // Recorded only (enums are VARCHAR): nothing to reverse.
        Change::CreateEnum { .. }
        | Change::DropEnum { .. }
        | Change::RenameEnum { .. }
        | Change::AddEnumValue { .. }
        | Change::RebuildEnum { .. } => Vec::new(),
        // To or from an enum, the column stayed VARCHAR.
        Change::AlterColumnType { from, to, .. }
            if crate::sql_type::stored(from) == crate::sql_type::stored(to) =>
        {
            Vec::new()
        }
        Change::AlterColumnType { from, to, .. } if alters_in_place(from, to) => {
            return Ok(Undo::Irreversible)
        }
        Change::RenameObject { from, to } => vec![format!(
            "ALTER TABLE {} RENAME TO {}",
            table(&to.physical),
            table(&from.physical)
        )],
        Change::RenameMaterializedView { from, to, .. } => vec![format!(
            "ALTER MATERIALIZED VIEW {} RENAME TO {}",
            table(&to.physical),
            table(&from.physical)
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
        // A column copy (crate::render): put the original back under its name if the swap
        // happened, and drop the copy, whichever step the migration stopped after.
        Change::AlterColumnType { object, column, .. }
        | Change::SetDefault { object, column, .. } => {
            let t = table(&object.physical);
            let col = id(&column.physical);
            let (copy_suffix, old_suffix) = copy_suffixes(change);
            let copy = id(&format!("{}{copy_suffix}", column.physical));
            let old_name = format!("{}{old_suffix}", column.physical);
            let old = id(&old_name);
            vec![format!(
                "EXECUTE IMMEDIATE $$\nBEGIN\n  IF (EXISTS (SELECT 1 FROM INFORMATION_SCHEMA.COLUMNS \
                 WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} AND COLUMN_NAME = {})) THEN\n    \
                 ALTER TABLE {t} DROP COLUMN IF EXISTS {col};\n    \
                 ALTER TABLE {t} RENAME COLUMN {old} TO {col};\n  END IF;\n  \
                 ALTER TABLE {t} DROP COLUMN IF EXISTS {copy};\nEND;\n$$",
                quote(ns),
                quote(&object.physical),
                quote(&old_name)
            )]
        }
        Change::SetNotNull { object, column } => vec![format!(
            "ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL",
            table(&object.physical),
            id(&column.physical)
        )],
        Change::DropNotNull { object, column } => vec![format!(
            "ALTER TABLE {} ALTER COLUMN {} SET NOT NULL",
            table(&object.physical),
            id(&column.physical)
        )],
        Change::AddPrimaryKey { object, .. } => {
            vec![format!(
                "ALTER TABLE {} DROP PRIMARY KEY",
                table(&object.physical)
            )]
        }
        Change::DropPrimaryKey { object, key } => vec![format!(
            "ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({})",
            table(&object.physical),
            id(&key.name),
            sql.column_list(&before.current_columns(object, &key.columns))
        )],
        Change::RenamePrimaryKey { object, from, to }
        | Change::RenameIndex { object, from, to } => {
            vec![format!(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                table(&object.physical),
                id(to),
                id(from)
            )]
        }
        // Plain indexes are never built on Snowflake: nothing to reverse.
        Change::CreateIndex { object, index } => match index.unique && !index.has_expression() {
            true => vec![format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                table(&object.physical),
                id(&index.physical)
            )],
            false => Vec::new(),
        },
        Change::DropIndex { object, index } => match index.unique && !index.has_expression() {
            true => vec![format!(
                "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
                table(&object.physical),
                id(&index.physical),
                sql.column_list(&before.current_columns(object, &index.columns))
            )],
            false => Vec::new(),
        },
        Change::CreateView { view } if view.materialized => vec![format!(
            "DROP MATERIALIZED VIEW IF EXISTS {}",
            table(&view.physical)
        )],
        Change::CreateView { view } => {
            vec![format!("DROP VIEW IF EXISTS {}", table(&view.physical))]
        }
        // Snowflake maintains a materialized view itself: nothing was refreshed.
        Change::RefreshMaterializedView { .. } => Vec::new(),
        Change::DropView { view, .. } => {
            let old_view = view_to_restore(before, change, view)?;
            if old_view.materialized {
                return Ok(Undo::Statements(vec![create_materialized_view_sql(
                    &table(&old_view.physical),
                    &old_view.sql,
                )]));
            }
            vec![format!(
                "CREATE OR REPLACE VIEW {} COPY GRANTS AS {}",
                table(&old_view.physical),
                old_view.sql
            )]
        }
    };
    Ok(Undo::Statements(statements))
}

/// The table and columns a dropped foreign key referenced, named as they are while the plan
/// runs: a table of this dataset may have been renamed by the plan (its renames are undone
/// after the foreign key is restored); a dependency's table is as the key says.
fn referenced_now(before: &Before<'_>, key: &PhysicalForeignKey) -> (String, Vec<String>) {
    let renamed = before.new.objects.values().find(|o| {
        o.logical == key.references_logical || o.previous_names.contains(&key.references_logical)
    });
    match renamed {
        Some(o) if key.references_namespace == before.new.namespace => {
            let name = Name {
                logical: o.logical.clone(),
                physical: o.physical.clone(),
            };
            (
                o.physical.clone(),
                before.current_columns(&name, &key.references_columns),
            )
        }
        Some(_) | None => (key.references_table.clone(), key.references_columns.clone()),
    }
}

/// The statement that gives `target` its comment of the old version back (or removes it when
/// the old version had none). Index and constraint comments are recorded only: nothing to
/// restore (`None`).
fn restore_comment(namespace: &str, target: &CommentTarget, before: &Before<'_>) -> Option<String> {
    let sql = UndoSql {
        namespace,
        quote: quote_ident,
    };
    let old_object = |object: &Name| {
        let old = before.old?;
        let previous = before
            .new
            .objects
            .get(&object.logical)
            .map(|o| o.previous_names.as_slice())
            .unwrap_or_default();
        std::iter::once(&object.logical)
            .chain(previous)
            .find_map(|n| old.objects.get(n))
    };
    let (kind, name, old) = match target {
        CommentTarget::Namespace { namespace } => (
            "SCHEMA",
            quote_ident(namespace),
            before.old.and_then(|m| m.comment.clone()),
        ),
        CommentTarget::Table { object } => (
            "TABLE",
            sql.table(&object.physical),
            old_object(object).and_then(|o| o.comment.clone()),
        ),
        CommentTarget::View { view } => (
            "VIEW",
            sql.table(&view.physical),
            before.view(view).and_then(|v| v.comment.clone()),
        ),
        CommentTarget::MaterializedView { view } => (
            "MATERIALIZED VIEW",
            sql.table(&view.physical),
            before.view(view).and_then(|v| v.comment.clone()),
        ),
        CommentTarget::Column { object, column } => {
            let old = before
                .column(object, column)
                .and_then(|c| c.comment.clone());
            let table = sql.table(&object.physical);
            let col = quote_ident(&column.physical);
            return Some(match old {
                Some(text) => format!(
                    "ALTER TABLE {table} ALTER COLUMN {col} COMMENT {}",
                    quote(&text)
                ),
                None => format!("ALTER TABLE {table} ALTER COLUMN {col} UNSET COMMENT"),
            });
        }
        CommentTarget::Index { .. } | CommentTarget::Constraint { .. } => return None,
    };
    Some(match old {
        Some(text) => format!("COMMENT ON {kind} {name} IS {}", quote(&text)),
        None => format!("ALTER {kind} {name} UNSET COMMENT"),
    })
}
