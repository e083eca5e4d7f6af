//! Rendering of Depot changes as Snowflake statements, one statement per step.
//!
//! Snowflake commits every DDL statement on its own, so no phase is a transaction and every
//! step must be safe to run twice (a run interrupted after a statement but before its progress
//! was recorded runs it again):
//!
//! - by its own form where Snowflake has one: `CREATE ... IF NOT EXISTS`, `DROP ... IF EXISTS`,
//!   `ADD COLUMN IF NOT EXISTS`, `CREATE OR REPLACE VIEW`, and statements that set a state
//!   (`SET DATA TYPE`, `SET NOT NULL`, `DROP DEFAULT`);
//! - otherwise by a check the executor makes before it runs the statement (renames, constraints:
//!   see [`crate::precondition`]).
//!
//! Only the in-place alterations Snowflake allows are used: a longer VARCHAR, more NUMBER
//! precision (same scale), a nullability change. Another type change, and a default on an
//! existing column (Snowflake adds defaults only with the column), copy the column: see
//! `Renderer::column_copy`.
//!
//! Indexes: Snowflake standard tables have no secondary indexes. A unique index becomes an
//! informational `UNIQUE` constraint (recorded for tools and the optimizer, not enforced); a
//! plain index becomes a step whose statement is only a comment saying so (with its order,
//! `where`, `include` and method), which the plan preview shows and the executor does not send.
//!
//! SPEC §1b: defaults by [`crate::column_default`]; AUTOINCREMENT inline in a new table or a new
//! column, never added to an existing column; foreign keys declared ([`crate::foreign_key`]);
//! checks recorded as notes (a package with checks reaches Snowflake only when the dataset
//! ignores unenforced checks: [`crate::dialect::SnowflakeDialect`] refuses them otherwise);
//! comments (`render/comment.rs`); a narrowing through the column copy with `NARROWS_TYPE`.

// Every Change is matched by name: a new kind of change must not fall into a catch-all arm.
#![warn(clippy::wildcard_enum_match_arm)]

use depot_core::dialect::{RenderContext, RenderError, StepDraft};
use depot_core::identity::AutoIncrement;
use depot_core::rename_reason::why_renamed;
use depot_core::render_step::{ChangeRenderer, IdentifierRules};
use depot_core::step_comment;
use depot_core::{phase, Change, Hazard};

use crate::column_default::default_sql;
use crate::dialect::{push_quoted_ident, MAX_IDENTIFIER_BYTES};
use crate::foreign_key::{action_sql, add_foreign_key};

mod column_copy;
mod comment;
mod index;
mod materialized;
mod note;
mod table;

use index::declared_unique;

pub use column_copy::{
    copy_suffixes, COPY_SUFFIX, DEFAULT_COPY_SUFFIX, DEFAULT_OLD_SUFFIX, OLD_SUFFIX,
};
pub use materialized::create_materialized_view_sql;

/// Renders one change as Snowflake steps.
pub fn render(change: &Change, ctx: &RenderContext) -> Result<Vec<StepDraft>, RenderError> {
    let r = Renderer(ChangeRenderer::new(
        &ctx.namespace,
        change,
        IDENTIFIERS,
        false,
    ));
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
                format!("DROP TABLE IF EXISTS {}", r.table(&object.physical)?),
                format!(
                    "drop table {}: {} is no longer in the package (its rows are deleted; \
                     UNDROP TABLE brings it back within the Time Travel retention)",
                    object.physical, object.logical
                ),
            )
        }]),
        Change::RenameObject { from, to } => Ok(vec![r.step(
            phase::RENAME,
            // The new name is qualified: unqualified, Snowflake would move the table into the
            // session's current schema.
            format!(
                "ALTER TABLE {} RENAME TO {}",
                r.table(&from.physical)?,
                r.table(&to.physical)?
            ),
            format!(
                "rename table {} to {}: {} (skipped when already renamed)",
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
                    "ALTER TABLE {} DROP COLUMN IF EXISTS {}",
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
                "rename column {} of {} to {}: {}.{} was renamed (skipped when already renamed)",
                from.physical, object.physical, to.physical, object.logical, to.logical
            ),
        )]),
        Change::AlterColumnType {
            object,
            column,
            from,
            to,
        } => r.alter_column_type(object, column, from, to),
        Change::SetNotNull { object, column } => Ok(vec![r.set_not_null(object, column)?]),
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
        } => {
            let value = default_sql(field_type, default).map_err(|m| r.error(m))?;
            r.column_copy(
                object,
                column,
                field_type,
                field_type,
                Some(&value),
                &format!(
                    "give {}.{} the default {}: Snowflake adds a default only with a new \
                     column",
                    object.physical,
                    column.physical,
                    default.to_json()
                ),
            )
        }
        Change::DropDefault { object, column } => Ok(vec![r.step(
            phase::RELAX,
            format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                r.table(&object.physical)?,
                r.id(&column.physical)?
            ),
            step_comment::drop_default(object, column),
        )]),
        Change::AddPrimaryKey { object, key } => Ok(vec![r.step(
            phase::ENFORCE,
            format!(
                "ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({})",
                r.table(&object.physical)?,
                r.id(&key.name)?,
                r.column_list(&key.columns)?
            ),
            format!(
                "declare primary key {} of {}: informational, Snowflake does not enforce \
                 uniqueness (skipped when it exists)",
                key.name, object.physical
            ),
        )]),
        Change::DropPrimaryKey { object, key } => Ok(vec![r.step(
            phase::RELAX,
            format!(
                "ALTER TABLE {} DROP PRIMARY KEY",
                r.table(&object.physical)?
            ),
            format!(
                "{} (skipped when there is none)",
                step_comment::drop_primary_key(object, &key.name)
            ),
        )]),
        Change::RenamePrimaryKey { object, from, to } => Ok(vec![r.step(
            phase::RENAME,
            format!(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                r.table(&object.physical)?,
                r.id(from)?,
                r.id(to)?
            ),
            format!(
                "{} (skipped when already renamed)",
                step_comment::rename_primary_key(object, from, to)
            ),
        )]),
        Change::CreateIndex { object, index } => Ok(vec![r.index(object, index)?]),
        Change::DropIndex { object, index } => Ok(vec![if declared_unique(index) {
            r.step(
                phase::RELAX,
                format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    r.table(&object.physical)?,
                    r.id(&index.physical)?
                ),
                format!(
                    "drop unique constraint {}: {}.{} is removed, or rebuilt with other fields \
                     (skipped when it does not exist)",
                    index.physical, object.logical, index.logical
                ),
            )
        } else {
            r.note(
                phase::RELAX,
                format!(
                    "index {} of {} was never built: Snowflake standard tables have no \
                     secondary indexes",
                    index.physical, object.physical
                ),
                format!(
                    "nothing to drop for {}.{}: Snowflake standard tables have no secondary \
                     indexes",
                    object.logical, index.logical
                ),
            )
        }]),
        Change::RenameIndex { object, from, to } => Ok(vec![r.step(
            phase::RENAME,
            format!(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                r.table(&object.physical)?,
                r.id(from)?,
                r.id(to)?
            ),
            format!(
                "rename the unique constraint {from} to {to} (its name follows the table of {}); \
                 skipped when no such constraint exists: a plain index has nothing to rename",
                object.logical
            ),
        )]),
        Change::CreateView { view } if view.materialized => r.create_materialized_view(view),
        Change::CreateView { view } => Ok(vec![r.step(
            phase::CREATE_VIEWS,
            format!(
                "CREATE OR REPLACE VIEW {} COPY GRANTS AS {}",
                r.table(&view.physical)?,
                view.sql
            ),
            format!(
                "{} (COPY GRANTS keeps the grants of a view it replaces)",
                step_comment::create_view(view)
            ),
        )]),
        Change::DropView {
            view,
            materialized: true,
        } => r.drop_materialized_view(view),
        Change::RefreshMaterializedView { view, .. } => Ok(vec![r.refresh_materialized_view(view)]),
        Change::RenameMaterializedView { from, to, .. } => r.rename_materialized_view(from, to),
        Change::DropView {
            view,
            materialized: false,
        } => Ok(vec![r.step(
            phase::DROP_VIEWS,
            format!("DROP VIEW IF EXISTS {}", r.table(&view.physical)?),
            step_comment::drop_view(view),
        )]),
        Change::AddIdentity { .. } => Err(r.error(
            "Snowflake cannot add AUTOINCREMENT to an existing column; add a new field with \
             \"autoIncrement\": true instead (Snowflake numbers it from its own sequence), \
             then drop or rename the old field in a later version",
        )),
        // AUTOINCREMENT is a sequence default: dropping the default stops the numbering and
        // keeps every value.
        Change::DropIdentity { object, column } => Ok(vec![r.step(
            phase::RELAX,
            format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                r.table(&object.physical)?,
                r.id(&column.physical)?
            ),
            format!(
                "stop numbering new rows of {}.{}: drops its AUTOINCREMENT sequence, its values \
                 stay (Snowflake refuses this for a column that ALTER TABLE ADD COLUMN created: \
                 the step then fails and changes nothing)",
                object.physical, column.physical
            ),
        )]),
        Change::SetIdentity { identity, .. } => Err(r.error(format!(
            "Snowflake has one kind of AUTOINCREMENT, which always accepts explicit values: \
             autoIncrement {} cannot be changed to {} (write \"autoIncrement\": true)",
            match identity {
                AutoIncrement::ByDefault => "\"always\"",
                AutoIncrement::Always => "true",
            },
            identity.to_json()
        ))),
        Change::AddCheck { object, check, .. } => {
            Ok(vec![r.check_note(phase::ADD_CONSTRAINTS, object, check)?])
        }
        Change::DropCheck { object, check } => Ok(vec![r.note(
            phase::RELAX,
            format!(
                "check {} of {} was never created: Snowflake has no CHECK constraints",
                check.physical,
                r.table(&object.physical)?
            ),
            format!(
                "nothing to drop for {}.{}: Snowflake has no CHECK constraints",
                object.logical, check.logical
            ),
        )]),
        // In the enforce phase, after the primary keys it may reference are declared there
        // (Snowflake wants the referenced columns declared as a key first).
        Change::AddForeignKey { object, key, .. } => {
            let mut recorded = Vec::new();
            if !key.on_delete.is_default() {
                recorded.push(format!("ON DELETE {}", action_sql(key.on_delete)));
            }
            if !key.on_update.is_default() {
                recorded.push(format!("ON UPDATE {}", action_sql(key.on_update)));
            }
            let actions = if recorded.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} {} recorded, not carried out",
                    recorded.join(" and "),
                    if recorded.len() == 1 { "is" } else { "are" }
                )
            };
            Ok(vec![r.step(
                phase::ENFORCE,
                add_foreign_key(
                    &r.table(&object.physical)?,
                    key,
                    &key.columns,
                    &key.references_table,
                    &key.references_columns,
                    |name| r.id(name),
                )?,
                format!(
                    "declare foreign key {} of {} referencing {}: informational, Snowflake \
                     neither checks nor enforces it{actions} (skipped when it exists)",
                    key.physical, object.physical, key.references_logical
                ),
            )])
        }
        Change::DropForeignKey { object, key } => Ok(vec![r.step(
            phase::RELAX,
            format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                r.table(&object.physical)?,
                r.id(&key.physical)?
            ),
            format!(
                "drop foreign key {} of {}: {}.{} is removed or changes (skipped when it does \
                 not exist)",
                key.physical, object.physical, object.logical, key.logical
            ),
        )]),
        Change::SetComment { target, comment } => Ok(vec![r.comment(target, comment.as_deref())?]),
        Change::CreateEnum { .. }
        | Change::DropEnum { .. }
        | Change::RenameEnum { .. }
        | Change::AddEnumValue { .. }
        | Change::RebuildEnum { .. } => Ok(vec![r.enum_note(change)]),
        // Snowflake's informational keys are declared again with their new deferrability
        // (dropped, then added: neither checks a row).
        Change::AlterForeignKey { object, key, .. } => {
            let mut steps = render(
                &Change::DropForeignKey {
                    object: object.clone(),
                    key: key.clone(),
                },
                ctx,
            )?;
            steps.extend(render(
                &Change::AddForeignKey {
                    object: object.clone(),
                    key: key.clone(),
                    existing: true,
                },
                ctx,
            )?);
            for step in &mut steps {
                step.action = change.action().to_string();
            }
            Ok(steps)
        }
    }
}

/// How Snowflake writes a name: quoted unless plain, at most 255 bytes.
const IDENTIFIERS: IdentifierRules = IdentifierRules {
    engine: "Snowflake",
    max_bytes: MAX_IDENTIFIER_BYTES,
    push_quoted: push_quoted_ident,
};

/// Renderer is the shared [`ChangeRenderer`] of one change (Snowflake commits each DDL
/// statement on its own: no step runs inside a transaction), with the Snowflake rendering of
/// the changes that take more than one step.
struct Renderer<'a>(ChangeRenderer<'a>);

impl<'a> std::ops::Deref for Renderer<'a> {
    type Target = ChangeRenderer<'a>;

    fn deref(&self) -> &ChangeRenderer<'a> {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_runs_outside_a_transaction() {
        let change = Change::CreateNamespace {
            namespace: "ns".to_string(),
        };
        let ctx = RenderContext {
            namespace: "ns".to_string(),
        };
        let steps = render(&change, &ctx).unwrap();
        assert!(steps.iter().all(|s| !s.transactional));
        assert_eq!(steps[0].sql, "CREATE SCHEMA IF NOT EXISTS \"ns\"");
    }
}
