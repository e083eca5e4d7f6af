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
//! plain index becomes a step whose statement is only a comment saying so, which the plan
//! preview shows and the executor does not send.

// Every Change is matched by name: a new kind of change must not fall into a catch-all arm.
#![warn(clippy::wildcard_enum_match_arm)]

use depot_core::change::Name;
use depot_core::dialect::{RenderContext, RenderError, StepDraft};
use depot_core::field_type::FieldType;
use depot_core::physical::{PhysicalColumn, PhysicalIndex, PhysicalObject};
use depot_core::{phase, Change, Hazard};

use crate::dialect::{quote_ident, MAX_IDENTIFIER_BYTES};
use crate::literal::literal;
use crate::sql_type::{alters_in_place, sql_type};

/// The suffix of the temporary column a column copy fills before the swap.
pub const COPY_SUFFIX: &str = "__DEPOT_COPY";
/// The suffix the original column carries between the swap and its drop.
pub const OLD_SUFFIX: &str = "__DEPOT_OLD";

/// Renders one change as Snowflake steps.
pub fn render(change: &Change, ctx: &RenderContext) -> Result<Vec<StepDraft>, RenderError> {
    let r = Renderer {
        namespace: &ctx.namespace,
        change,
    };
    match change {
        Change::CreateNamespace { namespace } => Ok(vec![r.step(
            phase::PREPARE,
            format!("CREATE SCHEMA IF NOT EXISTS {}", r.id(namespace)?),
            format!("create schema {namespace} for the dataset's objects, unless it exists"),
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
                format!(
                    "drop column {} of {}: {}.{} is no longer in the package (its values are \
                     deleted)",
                    column.physical, object.physical, object.logical, column.logical
                ),
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
            format!(
                "allow nulls in {}.{}: {}.{} is now nullable",
                object.physical, column.physical, object.logical, column.logical
            ),
        )]),
        Change::SetDefault {
            object,
            column,
            field_type,
            default,
        } => {
            let Some(default) = default.literal() else {
                return Err(r.error("an expression default is not supported on Snowflake yet"));
            };
            let value = literal(field_type, default).map_err(|m| r.error(m))?;
            r.column_copy(
                object,
                column,
                field_type,
                field_type,
                Some(&value),
                &format!(
                    "give {}.{} the default {default}: Snowflake adds a default only with a new \
                     column",
                    object.physical, column.physical
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
            format!(
                "drop the default of {}.{}: {}.{} no longer has one",
                object.physical, column.physical, object.logical, column.logical
            ),
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
                "drop primary key {} of {}: the primary key of {} changes or goes away \
                 (skipped when there is none)",
                key.name, object.physical, object.logical
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
                "rename primary key {from} to {to}: its generated name follows the table of {} \
                 (skipped when already renamed)",
                object.logical
            ),
        )]),
        Change::CreateIndex { object, index } => Ok(vec![r.index(object, index)?]),
        Change::DropIndex { object, index } => Ok(vec![if index.unique {
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
        Change::CreateView { view } => Ok(vec![r.step(
            phase::CREATE_VIEWS,
            format!(
                "CREATE OR REPLACE VIEW {} COPY GRANTS AS {}",
                r.table(&view.physical)?,
                view.sql
            ),
            format!(
                "create view {} for {}, after the objects and views it reads (COPY GRANTS keeps \
                 the grants of a view it replaces)",
                view.physical, view.logical
            ),
        )]),
        Change::DropView { view } => Ok(vec![r.step(
            phase::DROP_VIEWS,
            format!("DROP VIEW IF EXISTS {}", r.table(&view.physical)?),
            format!(
                "drop view {} of {}: it goes away, or is recreated around changes to what it \
                 reads",
                view.physical, view.logical
            ),
        )]),
        Change::AddIdentity { .. }
        | Change::DropIdentity { .. }
        | Change::SetIdentity { .. }
        | Change::AddCheck { .. }
        | Change::DropCheck { .. }
        | Change::AddForeignKey { .. }
        | Change::DropForeignKey { .. }
        | Change::SetComment { .. } => Err(r.error(format!(
            "{} is not supported on Snowflake yet",
            change.action()
        ))),
    }
}

/// Why something was renamed, for a step's comment.
fn why_renamed(from: &Name, to: &Name) -> String {
    if from.logical == to.logical {
        format!("the physical name of {} changed", to.logical)
    } else {
        format!("{} was renamed to {}", from.logical, to.logical)
    }
}

/// Renderer holds what every step of one change shares.
struct Renderer<'a> {
    namespace: &'a str,
    change: &'a Change,
}

impl Renderer<'_> {
    /// A step with the change's action and target, no hazards. Snowflake commits each DDL
    /// statement on its own: no step runs inside a transaction.
    fn step(&self, phase: u32, sql: String, comment: String) -> StepDraft {
        self.step_as(self.change.action(), phase, sql, comment)
    }

    fn step_as(&self, action: &str, phase: u32, sql: String, comment: String) -> StepDraft {
        StepDraft {
            phase,
            action: action.to_string(),
            target: self.change.target(),
            sql,
            hazards: Vec::new(),
            comment,
            transactional: false,
        }
    }

    /// A step that only informs: its statement is a SQL comment, shown in the plan and its
    /// preview, never sent to Snowflake.
    fn note(&self, phase: u32, note: String, comment: String) -> StepDraft {
        self.step(phase, format!("-- {note}"), comment)
    }

    fn error(&self, message: impl Into<String>) -> RenderError {
        RenderError {
            target: self.change.target(),
            message: message.into(),
        }
    }

    /// `name` as it must appear in SQL; a name Snowflake cannot hold is refused.
    fn id(&self, name: &str) -> Result<String, RenderError> {
        if name.is_empty() || name.len() > MAX_IDENTIFIER_BYTES {
            return Err(self.error(format!(
                "the name {name:?} does not fit Snowflake's identifiers (1 to \
                 {MAX_IDENTIFIER_BYTES} bytes)"
            )));
        }
        Ok(quote_ident(name))
    }

    /// `name` qualified by the dataset's namespace.
    fn table(&self, name: &str) -> Result<String, RenderError> {
        Ok(format!("{}.{}", self.id(self.namespace)?, self.id(name)?))
    }

    fn column_list(&self, columns: &[String]) -> Result<String, RenderError> {
        let ids: Result<Vec<String>, RenderError> = columns.iter().map(|c| self.id(c)).collect();
        Ok(ids?.join(", "))
    }

    /// `name type [NOT NULL] [DEFAULT literal]`.
    fn column_definition(
        &self,
        column: &PhysicalColumn,
        not_null: bool,
    ) -> Result<String, RenderError> {
        let mut out = format!(
            "{} {}",
            self.id(&column.physical)?,
            sql_type(&column.field_type)
        );
        if not_null {
            out.push_str(" NOT NULL");
        }
        if let Some(default) = &column.default {
            let Some(default) = default.literal() else {
                return Err(self.error(format!(
                    "{}: an expression default is not supported on Snowflake yet",
                    column.logical
                )));
            };
            let value = literal(&column.field_type, default)
                .map_err(|m| self.error(format!("{}: {m}", column.logical)))?;
            out.push_str(" DEFAULT ");
            out.push_str(&value);
        }
        Ok(out)
    }

    fn create_object(&self, object: &PhysicalObject) -> Result<Vec<StepDraft>, RenderError> {
        let mut lines = Vec::with_capacity(object.columns.len() + 1 + object.indexes.len());
        for c in &object.columns {
            lines.push(self.column_definition(c, !c.nullable)?);
        }
        if let Some(key) = &object.primary_key {
            lines.push(format!(
                "CONSTRAINT {} PRIMARY KEY ({})",
                self.id(&key.name)?,
                self.column_list(&key.columns)?
            ));
        }
        for index in object.indexes.iter().filter(|i| i.unique) {
            lines.push(format!(
                "CONSTRAINT {} UNIQUE ({})",
                self.id(&index.physical)?,
                self.column_list(&index.columns)?
            ));
        }
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {} (\n    {}\n)",
            self.table(&object.physical)?,
            lines.join(",\n    ")
        );
        let unique: Vec<&str> = object
            .indexes
            .iter()
            .filter(|i| i.unique)
            .map(|i| i.logical.as_str())
            .collect();
        let mut comment = format!(
            "create table {} for the new object {}",
            object.physical, object.logical
        );
        if object.primary_key.is_some() || !unique.is_empty() {
            comment.push_str(
                "; its primary key and unique constraints are informational (Snowflake does not \
                 enforce them)",
            );
        }
        let mut steps = vec![self.step(phase::CREATE_OBJECTS, sql, comment)];
        for index in object.indexes.iter().filter(|i| !i.unique) {
            steps.push(StepDraft {
                action: "createIndex".to_string(),
                target: format!("{}.{}", object.logical, index.logical),
                ..self.index_note(phase::CREATE_OBJECTS, object, index)?
            });
        }
        Ok(steps)
    }

    /// The step of an index on an existing table: a unique one is declared as a constraint, a
    /// plain one is a note.
    fn index(&self, object: &Name, index: &PhysicalIndex) -> Result<StepDraft, RenderError> {
        if index.unique {
            Ok(self.step(
                phase::BUILD_INDEXES,
                format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
                    self.table(&object.physical)?,
                    self.id(&index.physical)?,
                    self.column_list(&index.columns)?
                ),
                format!(
                    "declare {}.{} as the unique constraint {}: informational, Snowflake does \
                     not enforce it (skipped when it exists)",
                    object.logical, index.logical, index.physical
                ),
            ))
        } else {
            let as_object = PhysicalObject {
                logical: object.logical.clone(),
                physical: object.physical.clone(),
                previous_names: Vec::new(),
                columns: Vec::new(),
                primary_key: None,
                indexes: Vec::new(),
                foreign_keys: Vec::new(),
                checks: Vec::new(),
                comment: None,
            };
            self.index_note(phase::BUILD_INDEXES, &as_object, index)
        }
    }

    fn index_note(
        &self,
        phase: u32,
        object: &PhysicalObject,
        index: &PhysicalIndex,
    ) -> Result<StepDraft, RenderError> {
        Ok(self.note(
            phase,
            format!(
                "index {} on {} ({}) is not created: Snowflake standard tables have no secondary \
                 indexes",
                index.physical,
                self.table(&object.physical)?,
                self.column_list(&index.columns)?
            ),
            format!(
                "not built: {}.{} has no Snowflake equivalent on a standard table; it stays in \
                 the package and the plan metadata (use a clustering key or search optimization \
                 for large tables)",
                object.logical, index.logical
            ),
        ))
    }

    fn add_column(
        &self,
        object: &Name,
        column: &PhysicalColumn,
    ) -> Result<Vec<StepDraft>, RenderError> {
        // With a default, Snowflake fills existing rows with it, so NOT NULL holds at once.
        // Without one, the column is added nullable and NOT NULL is set after (it fails if the
        // table already holds rows, as it must).
        let not_null_now = !column.nullable && column.default.is_some();
        let mut steps = vec![self.step(
            phase::ALTER_COLUMNS,
            format!(
                "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {}",
                self.table(&object.physical)?,
                self.column_definition(column, not_null_now)?
            ),
            if column.nullable || not_null_now {
                format!(
                    "add column {} to {} for the new field {}.{}",
                    column.physical, object.physical, object.logical, column.logical
                )
            } else {
                format!(
                    "add column {} to {} for the new field {}.{}, nullable for now: NOT NULL is \
                     set in the enforce phase",
                    column.physical, object.physical, object.logical, column.logical
                )
            },
        )];
        if !column.nullable && !not_null_now {
            let name = Name {
                logical: column.logical.clone(),
                physical: column.physical.clone(),
            };
            steps.push(self.set_not_null(object, &name)?);
        }
        Ok(steps)
    }

    fn set_not_null(&self, object: &Name, column: &Name) -> Result<StepDraft, RenderError> {
        Ok(StepDraft {
            hazards: vec![Hazard::ValidatesData],
            ..self.step_as(
                "setNotNull",
                phase::ENFORCE,
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} SET NOT NULL",
                    self.table(&object.physical)?,
                    self.id(&column.physical)?
                ),
                format!(
                    "set NOT NULL on {}.{}: Snowflake checks the existing rows (fails if one is \
                     null)",
                    object.physical, column.physical
                ),
            )
        })
    }

    fn alter_column_type(
        &self,
        object: &Name,
        column: &Name,
        from: &FieldType,
        to: &FieldType,
    ) -> Result<Vec<StepDraft>, RenderError> {
        if alters_in_place(from, to) {
            return Ok(vec![self.step(
                phase::ALTER_COLUMNS,
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} SET DATA TYPE {}",
                    self.table(&object.physical)?,
                    self.id(&column.physical)?,
                    sql_type(to)
                ),
                format!(
                    "widen {}.{} from {} to {}: Snowflake changes it in place",
                    object.physical,
                    column.physical,
                    sql_type(from),
                    sql_type(to)
                ),
            )]);
        }
        self.column_copy(
            object,
            column,
            from,
            to,
            None,
            &format!(
                "change {}.{} from {} to {}: Snowflake alters only VARCHAR length and NUMBER \
                 precision in place",
                object.physical,
                column.physical,
                sql_type(from),
                sql_type(to)
            ),
        )
    }

    /// column_copy replaces a column by a copy of another type or with a default, in six steps
    /// of one group (they run in order): add the copy column, backfill it, carry NOT NULL over,
    /// swap the names, drop the original. Each step is safe to run twice: the add by
    /// `IF NOT EXISTS`, the backfill by rewriting the same values, NOT NULL by a catalog check
    /// inside its block, the renames by the executor's check, the drop by `IF EXISTS`.
    fn column_copy(
        &self,
        object: &Name,
        column: &Name,
        from: &FieldType,
        to: &FieldType,
        default: Option<&str>,
        why: &str,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let table = self.table(&object.physical)?;
        let col = self.id(&column.physical)?;
        let copy_name = format!("{}{COPY_SUFFIX}", column.physical);
        let old_name = format!("{}{OLD_SUFFIX}", column.physical);
        let copy = self.id(&copy_name)?;
        let old = self.id(&old_name)?;
        let new_type = sql_type(to);
        let default_sql = default.map(|d| format!(" DEFAULT {d}")).unwrap_or_default();
        let cast = if from == to {
            col.clone()
        } else {
            format!("CAST({col} AS {new_type})")
        };
        let namespace = crate::literal::quote(self.namespace);
        let table_name = crate::literal::quote(&object.physical);
        let column_name = crate::literal::quote(&column.physical);
        let copy_step =
            |action: &str, sql: String, comment: String, hazards: Vec<Hazard>| StepDraft {
                hazards,
                ..self.step_as(action, phase::ALTER_COLUMNS, sql, comment)
            };
        Ok(vec![
            copy_step(
                "addCopyColumn",
                format!("ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {copy} {new_type}{default_sql}"),
                format!("{why}: add the copy column {copy_name}"),
                Vec::new(),
            ),
            copy_step(
                "backfillCopyColumn",
                format!("UPDATE {table} SET {copy} = {cast}"),
                format!(
                    "copy every value of {} into {copy_name}: rewrites the table, and rows \
                     written from now until the swap keep only the default in the copy (stop \
                     writers to {} until this migration ends)",
                    column.physical, object.physical
                ),
                vec![Hazard::TableRewrite, Hazard::BlocksWrites],
            ),
            copy_step(
                "keepNotNull",
                format!(
                    "EXECUTE IMMEDIATE $$\nBEGIN\n  IF (EXISTS (SELECT 1 FROM INFORMATION_SCHEMA.COLUMNS \
                     WHERE TABLE_SCHEMA = {namespace} AND TABLE_NAME = {table_name} \
                     AND COLUMN_NAME = {column_name} AND IS_NULLABLE = 'NO')) THEN\n    \
                     ALTER TABLE {table} ALTER COLUMN {copy} SET NOT NULL;\n  END IF;\nEND;\n$$"
                ),
                format!(
                    "make {copy_name} NOT NULL when {} is (the copy keeps the column's rules)",
                    column.physical
                ),
                vec![Hazard::ValidatesData],
            ),
            copy_step(
                "swapColumns",
                format!("ALTER TABLE {table} RENAME COLUMN {col} TO {old}"),
                format!(
                    "set the original {} aside as {old_name} (skipped when already done)",
                    column.physical
                ),
                Vec::new(),
            ),
            copy_step(
                "swapColumns",
                format!("ALTER TABLE {table} RENAME COLUMN {copy} TO {col}"),
                format!(
                    "give the copy the name {} (skipped when already done)",
                    column.physical
                ),
                Vec::new(),
            ),
            // In the contract phase, with the other steps that cannot be undone: until then a
            // failed migration can swap the original back (crate::undo).
            StepDraft {
                hazards: vec![Hazard::NotReversible],
                ..self.step_as(
                    "dropOriginalColumn",
                    phase::CONTRACT,
                    format!("ALTER TABLE {table} DROP COLUMN IF EXISTS {old}"),
                    format!(
                        "drop the original column, now {old_name}: its values live on in the \
                         copy, converted (the old form cannot be restored)"
                    ),
                )
            },
        ])
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
