//! Rendering of Depot changes as PostgreSQL statements, one statement per step, each placed in
//! the phase that keeps locks short: NOT NULL through a NOT VALID check validated on its own,
//! indexes built CONCURRENTLY, primary keys attached to an index built beforehand.
//!
//! Targets PostgreSQL 12+ (Aurora PostgreSQL 12+): ADD COLUMN with a constant default does not
//! rewrite (11+), and SET NOT NULL skips its scan when a valid `CHECK (c IS NOT NULL)` exists (12+).

// Every Change is matched by name: a new kind of change must not fall into a catch-all arm.
#![warn(clippy::wildcard_enum_match_arm)]

use depot_core::change::Name;
use depot_core::dialect::{RenderContext, RenderError, StepDraft};
use depot_core::field_type::FieldType;
use depot_core::physical::{PhysicalColumn, PhysicalIndex, PhysicalKey, PhysicalObject};
use depot_core::rename_reason::{qualified_name, why_renamed};
use depot_core::render_step::{ChangeRenderer, IdentifierRules};
use depot_core::step_comment;
use depot_core::{phase, Change, Hazard};
use sha2::{Digest, Sha256};

use crate::dialect::{push_quoted_ident, MAX_IDENTIFIER_BYTES};
use crate::literal::literal;
use crate::sql_type::{alters_in_place, push_sql_type, sql_type};

/// Renders one change as PostgreSQL steps.
pub fn render(change: &Change, ctx: &RenderContext) -> Result<Vec<StepDraft>, RenderError> {
    let r = Renderer(ChangeRenderer::new(
        &ctx.namespace,
        change,
        IDENTIFIERS,
        true,
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
        } => {
            let Some(literal_default) = default.literal() else {
                return Err(r.error("an expression default is not supported on PostgreSQL yet"));
            };
            let value = literal(field_type, literal_default).map_err(|m| r.error(m))?;
            let default = default.describe();
            Ok(vec![r.step(
                phase::ALTER_COLUMNS,
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {value}",
                    r.table(&object.physical)?,
                    r.id(&column.physical)?
                ),
                format!(
                    "set the default of {}.{} to {default} for new rows (existing rows keep \
                     their values)",
                    object.physical, column.physical
                ),
            )])
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
        Change::DropIndex { object, index } => Ok(vec![r.step(
            phase::RELAX,
            format!("DROP INDEX {}", r.table(&index.physical)?),
            format!(
                "drop index {}: {}.{} is removed, or rebuilt with other fields",
                index.physical, object.logical, index.logical
            ),
        )]),
        Change::RenameIndex { object, from, to } => Ok(vec![r.step(
            phase::RENAME,
            format!("ALTER INDEX {} RENAME TO {}", r.table(from)?, r.id(to)?),
            format!(
                "rename index {from} to {to}: its generated name follows the table of {}",
                object.logical
            ),
        )]),
        Change::CreateView { view } => Ok(vec![r.step(
            phase::CREATE_VIEWS,
            format!("CREATE VIEW {} AS {}", r.table(&view.physical)?, view.sql),
            step_comment::create_view(view),
        )]),
        Change::DropView { view } => Ok(vec![r.step(
            phase::DROP_VIEWS,
            format!("DROP VIEW {}", r.table(&view.physical)?),
            step_comment::drop_view(view),
        )]),
        Change::AddIdentity { .. }
        | Change::DropIdentity { .. }
        | Change::SetIdentity { .. }
        | Change::AddCheck { .. }
        | Change::DropCheck { .. }
        | Change::AddForeignKey { .. }
        | Change::DropForeignKey { .. }
        | Change::SetComment { .. } => Err(r.error(format!(
            "{} is not supported on PostgreSQL yet",
            change.action()
        ))),
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
struct Renderer<'a>(ChangeRenderer<'a>);

impl<'a> std::ops::Deref for Renderer<'a> {
    type Target = ChangeRenderer<'a>;

    fn deref(&self) -> &ChangeRenderer<'a> {
        &self.0
    }
}

impl Renderer<'_> {
    /// Appends `name type [NOT NULL] [DEFAULT literal]` to `out`.
    fn push_column_definition(
        &self,
        out: &mut String,
        column: &PhysicalColumn,
        not_null: bool,
    ) -> Result<(), RenderError> {
        self.push_id(out, &column.physical)?;
        out.push(' ');
        push_sql_type(out, &column.field_type);
        if not_null {
            out.push_str(" NOT NULL");
        }
        if let Some(default) = &column.default {
            let Some(default) = default.literal() else {
                return Err(self.error(format!(
                    "{}: an expression default is not supported on PostgreSQL yet",
                    column.logical
                )));
            };
            let value = literal(&column.field_type, default)
                .map_err(|m| self.error(format!("{}: {m}", column.logical)))?;
            out.push_str(" DEFAULT ");
            out.push_str(&value);
        }
        Ok(())
    }

    fn create_object(&self, object: &PhysicalObject) -> Result<Vec<StepDraft>, RenderError> {
        let table = self.table(&object.physical)?;
        // `CREATE TABLE t (\n    <column>,\n    ...\n    CONSTRAINT k PRIMARY KEY (...)\n)`,
        // written in one buffer.
        let mut sql = String::with_capacity(
            table.len()
                + 24
                + object
                    .columns
                    .iter()
                    .map(|c| c.physical.len() + 40)
                    .sum::<usize>()
                + object.primary_key.as_ref().map_or(0, |k| {
                    k.name.len() + 32 + k.columns.iter().map(|c| c.len() + 4).sum::<usize>()
                }),
        );
        sql.push_str("CREATE TABLE ");
        sql.push_str(&table);
        sql.push_str(" (\n    ");
        let mut first = true;
        for c in &object.columns {
            if !first {
                sql.push_str(",\n    ");
            }
            first = false;
            self.push_column_definition(&mut sql, c, !c.nullable)?;
        }
        if let Some(key) = &object.primary_key {
            if !first {
                sql.push_str(",\n    ");
            }
            sql.push_str("CONSTRAINT ");
            self.push_id(&mut sql, &key.name)?;
            sql.push_str(" PRIMARY KEY (");
            self.push_column_list(&mut sql, &key.columns)?;
            sql.push(')');
        }
        sql.push_str("\n)");
        // Texts of this path (every table of a first deployment) are joined with `concat`: one
        // allocation of the right size, without the formatting machinery.
        let mut steps = Vec::with_capacity(1 + object.indexes.len());
        steps.push(self.step(
            phase::CREATE_OBJECTS,
            sql,
            step_comment::create_table(&object.physical, &object.logical),
        ));
        for index in &object.indexes {
            let mut sql = String::with_capacity(
                table.len()
                    + index.physical.len()
                    + 32
                    + index.columns.iter().map(|c| c.len() + 4).sum::<usize>(),
            );
            sql.push_str(if index.unique {
                "CREATE UNIQUE INDEX "
            } else {
                "CREATE INDEX "
            });
            self.push_id(&mut sql, &index.physical)?;
            sql.push_str(" ON ");
            sql.push_str(&table);
            sql.push_str(" (");
            self.push_column_list(&mut sql, &index.columns)?;
            sql.push(')');
            steps.push(
                self.step_for(
                    "createIndex",
                    [&object.logical, ".", &index.logical].concat(),
                    phase::CREATE_OBJECTS,
                    sql,
                    [
                        "create index ",
                        &index.physical,
                        " for ",
                        &object.logical,
                        ".",
                        &index.logical,
                        " on the new table: it is empty, so the build is instant",
                    ]
                    .concat(),
                ),
            );
        }
        Ok(steps)
    }

    fn add_column(
        &self,
        object: &Name,
        column: &PhysicalColumn,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let table = self.table(&object.physical)?;
        // A NOT NULL column needs a value in every existing row: with a constant default,
        // PostgreSQL 11+ records it in the catalog without a rewrite. Without one, the column is
        // added nullable and NOT NULL follows the lock-friendly sequence of SetNotNull (which
        // fails at validation if the table already holds rows).
        let not_null_now = !column.nullable && column.default.is_some();
        let mut sql = String::with_capacity(table.len() + column.physical.len() + 64);
        sql.push_str("ALTER TABLE ");
        sql.push_str(&table);
        sql.push_str(" ADD COLUMN ");
        self.push_column_definition(&mut sql, column, not_null_now)?;
        let mut steps = vec![self.step(
            phase::ALTER_COLUMNS,
            sql,
            if column.nullable || not_null_now {
                step_comment::add_column(object, column)
            } else {
                format!(
                    "{}, nullable for now: NOT NULL is enforced in the following phases",
                    step_comment::add_column(object, column)
                )
            },
        )];
        if !column.nullable && !not_null_now {
            let name = Name {
                logical: column.logical.clone(),
                physical: column.physical.clone(),
            };
            steps.extend(self.set_not_null(object, &name)?);
        }
        Ok(steps)
    }

    /// NOT NULL without holding ACCESS EXCLUSIVE during a full scan: a NOT VALID check (brief
    /// lock), validated in its own transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on),
    /// then SET NOT NULL, which PostgreSQL 12+ proves from the valid check without scanning, and
    /// the check is dropped.
    fn set_not_null(&self, object: &Name, column: &Name) -> Result<Vec<StepDraft>, RenderError> {
        let table = self.table(&object.physical)?;
        let col = self.id(&column.physical)?;
        let check_name = not_null_check_name(&object.physical, &column.physical);
        let check = self.id(&check_name)?;
        let field = format!("{}.{}", object.logical, column.logical);
        Ok(vec![
            self.step_as(
                "addNotNullCheck",
                phase::ADD_CONSTRAINTS,
                format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT \
                     VALID"
                ),
                format!(
                    "add check {check_name} as NOT VALID (a brief lock, no scan) to make \
                     {field} NOT NULL"
                ),
            ),
            StepDraft {
                hazards: vec![Hazard::ValidatesData],
                transactional: false,
                ..self.step_as(
                    "validateNotNullCheck",
                    phase::VALIDATE,
                    format!("ALTER TABLE {table} VALIDATE CONSTRAINT {check}"),
                    format!(
                        "check existing rows for nulls in {}.{} while reads and writes go on \
                         (fails if one is null)",
                        object.physical, column.physical
                    ),
                )
            },
            self.step_as(
                "setNotNull",
                phase::ENFORCE,
                format!("ALTER TABLE {table} ALTER COLUMN {col} SET NOT NULL"),
                format!(
                    "set NOT NULL on {}.{}: the valid check spares PostgreSQL a full scan",
                    object.physical, column.physical
                ),
            ),
            self.step_as(
                "dropNotNullCheck",
                phase::ENFORCE,
                format!("ALTER TABLE {table} DROP CONSTRAINT {check}"),
                format!("drop check {check_name}: NOT NULL now enforces it"),
            ),
        ])
    }

    fn alter_column_type(
        &self,
        object: &Name,
        column: &Name,
        from: &FieldType,
        to: &FieldType,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let col = self.id(&column.physical)?;
        let new_type = sql_type(to);
        let in_place = alters_in_place(from, to);
        let why = if in_place {
            "PostgreSQL changes it in place, without a rewrite"
        } else {
            "PostgreSQL rewrites the table under an exclusive lock"
        };
        Ok(vec![StepDraft {
            hazards: if in_place {
                Vec::new()
            } else {
                vec![
                    Hazard::TableRewrite,
                    Hazard::BlocksReads,
                    Hazard::BlocksWrites,
                ]
            },
            ..self.step(
                phase::ALTER_COLUMNS,
                format!(
                    "ALTER TABLE {} ALTER COLUMN {col} TYPE {new_type} USING {col}::{new_type}",
                    self.table(&object.physical)?
                ),
                format!(
                    "widen {}.{} from {} to {}: {why}",
                    object.physical,
                    column.physical,
                    sql_type(from),
                    new_type
                ),
            )
        }])
    }

    fn create_index(
        &self,
        object: &Name,
        index: &PhysicalIndex,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let mut hazards = vec![Hazard::IndexBuild];
        if index.unique {
            hazards.push(Hazard::ValidatesData);
        }
        Ok(vec![StepDraft {
            hazards,
            transactional: false,
            ..self.step(
                phase::BUILD_INDEXES,
                format!(
                    "CREATE {}INDEX CONCURRENTLY {} ON {} ({})",
                    if index.unique { "UNIQUE " } else { "" },
                    self.id(&index.physical)?,
                    self.table(&object.physical)?,
                    self.column_list(&index.columns)?
                ),
                format!(
                    "build index {} for {}.{} without blocking writes{}",
                    index.physical,
                    object.logical,
                    index.logical,
                    if index.unique {
                        " (fails if existing rows hold duplicates)"
                    } else {
                        ""
                    }
                ),
            )
        }])
    }

    /// A primary key on a table that may hold rows: its unique index is built CONCURRENTLY
    /// first, then attached as the key (a brief lock, no second scan).
    fn add_primary_key(
        &self,
        object: &Name,
        key: &PhysicalKey,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let table = self.table(&object.physical)?;
        let name = self.id(&key.name)?;
        Ok(vec![
            StepDraft {
                hazards: vec![Hazard::IndexBuild, Hazard::ValidatesData],
                transactional: false,
                ..self.step_as(
                    "buildPrimaryKeyIndex",
                    phase::BUILD_INDEXES,
                    format!(
                        "CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} ({})",
                        self.column_list(&key.columns)?
                    ),
                    format!(
                        "build the unique index {} of the primary key of {} without blocking \
                         writes (fails if existing rows hold duplicates)",
                        key.name, object.logical
                    ),
                )
            },
            self.step(
                phase::ENFORCE,
                format!("ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {name}"),
                format!(
                    "make index {} the primary key of {} (a brief lock, no scan)",
                    key.name, object.physical
                ),
            ),
        ])
    }
}
