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

use depot_core::change::Name;
use depot_core::constraint::{Deferrable, PhysicalCheck};
use depot_core::dialect::{RenderContext, RenderError, StepDraft};
use depot_core::field_type::{FieldType, TypeChange};
use depot_core::identity::AutoIncrement;
use depot_core::index_options::{NullsOrder, SortOrder};
use depot_core::physical::{IndexKey, PhysicalColumn, PhysicalIndex, PhysicalObject};
use depot_core::rename_reason::why_renamed;
use depot_core::render_step::{ChangeRenderer, IdentifierRules};
use depot_core::step_comment;
use depot_core::{phase, Change, Hazard};

use crate::column_default::default_sql;
use crate::dialect::{push_quoted_ident, MAX_IDENTIFIER_BYTES};
use crate::foreign_key::{action_sql, add_foreign_key};
use crate::sql_type::{alters_in_place, sql_type};

mod column_copy;
mod comment;
mod materialized;

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

/// The options of an index Snowflake does not create, as the note records them: expression
/// keys, per-key order and nulls, `where`, `include`, method, `nullsDistinct` and `deferrable`
/// (Snowflake neither enforces a unique constraint nor defers one). Empty when it has none.
fn index_options(index: &PhysicalIndex) -> String {
    let mut parts = Vec::new();
    for (i, key) in index.keys().enumerate() {
        if let IndexKey::Expression(sql) = key {
            parts.push(format!("key {} the expression ({sql})", i + 1));
        }
    }
    for (column, sort) in index.columns.iter().zip(&index.sort) {
        let mut key = String::new();
        if let Some(order) = sort.order {
            key.push_str(match order {
                SortOrder::Asc => " ASC",
                SortOrder::Desc => " DESC",
            });
        }
        if let Some(nulls) = sort.nulls {
            key.push_str(match nulls {
                NullsOrder::First => " NULLS FIRST",
                NullsOrder::Last => " NULLS LAST",
            });
        }
        if !key.is_empty() {
            let column = if column.is_empty() {
                "the expression"
            } else {
                column
            };
            parts.push(format!("{column}{key}"));
        }
    }
    if index.nulls_distinct == Some(false) {
        parts.push("nulls not distinct".to_string());
    }
    match index.deferrable {
        Some(Deferrable::InitiallyImmediate) => {
            parts.push("deferrable initially immediate".to_string());
        }
        Some(Deferrable::InitiallyDeferred) => {
            parts.push("deferrable initially deferred".to_string());
        }
        None => {}
    }
    if let Some(method) = index.method {
        parts.push(format!("method {}", method.name()));
    }
    if !index.include.is_empty() {
        parts.push(format!("include {}", index.include.join(", ")));
    }
    if let Some(predicate) = &index.where_sql {
        parts.push(format!("where {predicate}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" with {}", parts.join("; "))
    }
}

/// Whether `index` is declared on Snowflake, as a UNIQUE constraint (informational): a unique
/// index of columns. A unique index with an expression key has no constraint form there and is
/// a note, as a plain index is.
fn declared_unique(index: &PhysicalIndex) -> bool {
    index.unique && !index.has_expression()
}

/// `text` on one line: a note is a `--` comment, which a line break would end (and what
/// follows would be sent as SQL).
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
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

impl Renderer<'_> {
    /// A step that only informs: its statement is a SQL comment, shown in the plan and its
    /// preview, never sent to Snowflake.
    /// The keys of `index` as a note lists them: quoted columns, `(expression)`s.
    fn key_list(&self, index: &PhysicalIndex) -> Result<String, RenderError> {
        let mut keys = Vec::with_capacity(index.columns.len());
        for key in index.keys() {
            keys.push(match key {
                IndexKey::Column(c) => self.id(c)?,
                IndexKey::Expression(sql) => format!("({sql})"),
            });
        }
        Ok(keys.join(", "))
    }

    /// Snowflake has no enum types: an enum change is recorded, its fields being VARCHAR.
    #[allow(clippy::wildcard_enum_match_arm)] // only enum changes are rendered here
    fn enum_note(&self, change: &Change) -> StepDraft {
        let (phase, what) = match change {
            Change::CreateEnum { enum_type } => (
                phase::PREPARE,
                format!(
                    "enum {} ({}) is not created",
                    enum_type.logical,
                    enum_type.values.join(", ")
                ),
            ),
            Change::DropEnum { enum_type } => (
                phase::CONTRACT,
                format!("enum {} is no longer in the package", enum_type.logical),
            ),
            Change::RenameEnum { from, to } => (
                phase::PREPARE,
                format!("enum {} is renamed to {}", from.logical, to.logical),
            ),
            Change::AddEnumValue {
                enum_type, value, ..
            } => (
                phase::PREPARE,
                format!("enum {} gains value {value}", enum_type.logical),
            ),
            Change::RebuildEnum { to, .. } => (
                phase::CONTRACT,
                format!(
                    "enum {} now has values {}",
                    to.logical,
                    to.values.join(", ")
                ),
            ),
            other => (
                phase::PREPARE,
                format!("{} {}", other.action(), other.target()),
            ),
        };
        self.note(
            phase,
            what.clone(),
            format!(
                "{what}: Snowflake has no enum types, its fields are VARCHAR and their values are not enforced"
            ),
        )
    }

    fn note(&self, phase: u32, note: String, comment: String) -> StepDraft {
        self.step(phase, format!("-- {}", one_line(&note)), one_line(&comment))
    }

    /// `name type [AUTOINCREMENT ...] [NOT NULL] [DEFAULT value]`.
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
        if column.computed.is_some() {
            return Err(self.error(format!(
                "{}: Snowflake tables have no generated (computed) columns",
                column.logical
            )));
        }
        match column.identity {
            None => {}
            // A sequence of its own, numbering rows in insertion order (ORDER), which is what
            // PostgreSQL's identity gives; explicit values are accepted and do not move it.
            Some(AutoIncrement::ByDefault) => {
                out.push_str(" AUTOINCREMENT START 1 INCREMENT 1 ORDER")
            }
            Some(AutoIncrement::Always) => {
                return Err(self.error(format!(
                    "{}: Snowflake AUTOINCREMENT always accepts explicit values (write \
                     \"autoIncrement\": true)",
                    column.logical
                )))
            }
        }
        if not_null {
            out.push_str(" NOT NULL");
        }
        if let Some(default) = &column.default {
            if column.identity.is_some() {
                return Err(self.error(format!(
                    "{}: a Snowflake AUTOINCREMENT column cannot also have a default",
                    column.logical
                )));
            }
            let value = default_sql(&column.field_type, default)
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
        for index in object.indexes.iter().filter(|i| declared_unique(i)) {
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
            .filter(|i| declared_unique(i))
            .map(|i| i.logical.as_str())
            .collect();
        let mut comment = step_comment::create_table(&object.physical, &object.logical);
        if object.primary_key.is_some() || !unique.is_empty() {
            comment.push_str(
                "; its primary key and unique constraints are informational (Snowflake does not \
                 enforce them)",
            );
        }
        let mut steps = vec![self.step(phase::CREATE_OBJECTS, sql, comment)];
        for index in object.indexes.iter().filter(|i| !declared_unique(i)) {
            steps.push(StepDraft {
                action: "createIndex".to_string(),
                target: format!("{}.{}", object.logical, index.logical),
                ..self.index_note(phase::CREATE_OBJECTS, object, index)?
            });
        }
        // A new table's checks come with its CreateObject (the diff's rule): recorded here.
        let name = Name {
            logical: object.logical.clone(),
            physical: object.physical.clone(),
        };
        for check in &object.checks {
            steps.push(StepDraft {
                action: "addCheck".to_string(),
                target: format!("{}.{}", object.logical, check.logical),
                ..self.check_note(phase::CREATE_OBJECTS, &name, check)?
            });
        }
        Ok(steps)
    }

    /// The step of an index on an existing table: a unique one is declared as a constraint, a
    /// plain one is a note.
    fn index(&self, object: &Name, index: &PhysicalIndex) -> Result<StepDraft, RenderError> {
        if declared_unique(index) {
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
                     not enforce it (skipped when it exists){}",
                    object.logical,
                    index.logical,
                    index.physical,
                    match index_options(index) {
                        options if options.is_empty() => String::new(),
                        options =>
                            format!("; its options ({}) are recorded only", options.trim_start()),
                    }
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

    /// The note of a check: Snowflake has none, so the check is recorded, not created.
    fn check_note(
        &self,
        phase: u32,
        object: &Name,
        check: &PhysicalCheck,
    ) -> Result<StepDraft, RenderError> {
        Ok(self.note(
            phase,
            format!(
                "check {} on {} ({}) is recorded, not created: Snowflake has no CHECK \
                 constraints",
                check.physical,
                self.table(&object.physical)?,
                check.sql
            ),
            format!(
                "not created: {}.{} is not enforced on Snowflake (the dataset sets \
                 \"unenforcedChecks\": \"ignore\"); it stays in the package and the plan",
                object.logical, check.logical
            ),
        ))
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
                "index {} on {} ({}){} is not created: Snowflake standard tables have no \
                 secondary indexes",
                index.physical,
                self.table(&object.physical)?,
                self.key_list(index)?,
                index_options(index)
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
        // With a default (or an AUTOINCREMENT sequence), Snowflake fills existing rows with it,
        // so NOT NULL holds at once. Without one, the column is added nullable and NOT NULL is
        // set after (it fails if the table already holds rows, as it must).
        let not_null_now =
            !column.nullable && (column.default.is_some() || column.identity.is_some());
        let mut steps = vec![self.step(
            phase::ALTER_COLUMNS,
            format!(
                "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {}",
                self.table(&object.physical)?,
                self.column_definition(column, not_null_now)?
            ),
            if column.identity.is_some() {
                format!(
                    "{}, numbered by its own AUTOINCREMENT sequence (Snowflake adds an \
                     AUTOINCREMENT column only to an empty table: on one holding rows the step \
                     fails and changes nothing)",
                    step_comment::add_column(object, column)
                )
            } else if column.nullable || not_null_now {
                step_comment::add_column(object, column)
            } else {
                format!(
                    "{}, nullable for now: NOT NULL is set in the enforce phase",
                    step_comment::add_column(object, column)
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
        // An enum is a VARCHAR: to or from an unbounded string, nothing changes.
        if crate::sql_type::stored(from) == crate::sql_type::stored(to) {
            return Ok(vec![self.note(
                phase::ALTER_COLUMNS,
                format!(
                    "{}.{} stays VARCHAR ({} to {})",
                    self.table(&object.physical)?,
                    self.id(&column.physical)?,
                    from.describe(),
                    to.describe()
                ),
                format!(
                    "{}.{} changes from {} to {}: both are VARCHAR on Snowflake, which does not \
                     check enum values",
                    object.logical,
                    column.logical,
                    from.describe(),
                    to.describe()
                ),
            )]);
        }
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
        let narrowing = from.change_to(to) == TypeChange::Narrowing;
        self.column_copy(
            object,
            column,
            from,
            to,
            None,
            &format!(
                "{} {}.{} from {} to {}: Snowflake alters only VARCHAR length and NUMBER \
                 precision in place",
                if narrowing { "narrow" } else { "change" },
                object.physical,
                column.physical,
                sql_type(from),
                sql_type(to)
            ),
        )
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
