//! Columns of existing tables: adding one, its type, its default and NOT NULL.

use depot_core::change::Name;
use depot_core::column_default::ColumnDefault;
use depot_core::dialect::{RenderError, StepDraft};
use depot_core::field_type::{FieldType, TypeChange};
use depot_core::physical::PhysicalColumn;
use depot_core::step_comment;
use depot_core::{phase, Hazard};

use super::defaults::{default_sql, is_volatile};
use super::{not_null_check_name, Renderer};
use crate::literal::quote;
use crate::sql_type::{alters_in_place, sql_type};

/// The `USING` expression of a narrowing of column `col` (quoted) named `field` for people.
///
/// A cast from text fails by itself on a value that does not parse. Any other cast may round or
/// cut silently (`1.5::integer` is 2, `'abcdef'::varchar(3)` is `abc`), so each value must read
/// back unchanged through the new type, else the cast of a message naming the field and value to
/// `integer` fails the statement (the message holds the value, so PostgreSQL cannot fold the
/// branch into an error at planning time).
pub fn narrowing_cast(
    col: &str,
    from: &FieldType,
    to: &FieldType,
    field: &str,
) -> Result<String, String> {
    // An enum converts to any other type through its text.
    if matches!(from, FieldType::Enum { .. }) {
        let text = format!("{col}::text");
        return narrowing_cast(&text, &FieldType::String { max_length: None }, to, field);
    }
    let new_type = sql_type(to);
    let parses_text =
        matches!(from, FieldType::String { .. }) && !matches!(to, FieldType::String { .. });
    if parses_text {
        return Ok(format!("{col}::{new_type}"));
    }
    let old_type = sql_type(from);
    let message = quote(&format!(
        "{field} holds a value that does not convert to {new_type}: "
    ))?;
    Ok(format!(
        "CASE WHEN {col} IS NULL OR {col}::{new_type}::{old_type} = {col} THEN {col}::{new_type} \
         ELSE ({message} || {col}::text)::integer::text::{new_type} END"
    ))
}

/// What PostgreSQL does to a table whose every row is rewritten under an exclusive lock.
const REWRITE: [Hazard; 3] = [
    Hazard::TableRewrite,
    Hazard::BlocksReads,
    Hazard::BlocksWrites,
];

impl Renderer<'_> {
    pub(super) fn add_column(
        &self,
        object: &Name,
        column: &PhysicalColumn,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let table = self.table(&object.physical)?;
        // Why every existing row gets its own value written (a rewrite), if it does: a
        // constant or stable default is stored once in the catalog (PostgreSQL 11+).
        let rewrite = if column.identity.is_some() {
            Some("each existing row is numbered from the sequence")
        } else if column.computed.is_some() {
            Some("each existing row's value is computed and stored")
        } else if column.default.as_ref().is_some_and(is_volatile) {
            Some("its default is computed for each existing row")
        } else {
            None
        };
        // A NOT NULL column needs a value in every existing row: a default, an identity or a
        // generated expression gives one (checked while the column is added). Without one, the
        // column is added nullable and NOT NULL follows the lock-friendly sequence of SetNotNull
        // (which fails at validation if the table already holds rows).
        let has_value = column.default.is_some() || rewrite.is_some();
        let not_null_now = !column.nullable && has_value;
        let mut sql = String::with_capacity(table.len() + column.physical.len() + 64);
        sql.push_str("ALTER TABLE ");
        sql.push_str(&table);
        sql.push_str(" ADD COLUMN ");
        self.push_column_definition(&mut sql, column, not_null_now)?;
        let mut comment = step_comment::add_column(object, column);
        if !column.nullable && !not_null_now {
            comment.push_str(", nullable for now: NOT NULL is enforced in the following phases");
        }
        if let Some(why) = rewrite {
            comment.push_str(": PostgreSQL rewrites the table under an exclusive lock (");
            comment.push_str(why);
            comment.push(')');
        }
        let mut steps = vec![StepDraft {
            hazards: if rewrite.is_some() {
                REWRITE.to_vec()
            } else {
                Vec::new()
            },
            ..self.step(phase::ALTER_COLUMNS, sql, comment)
        }];
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
    pub(super) fn set_not_null(
        &self,
        object: &Name,
        column: &Name,
    ) -> Result<Vec<StepDraft>, RenderError> {
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

    /// A widening in place or by a rewrite; a narrowing (`NARROWS_TYPE`) by a rewrite that casts
    /// every value and fails, changing nothing, on the first that does not convert (see
    /// [`narrowing_cast`]). Before a narrowing the column's default is dropped, since it may not
    /// cast to the new type (the plan sets the new version's default again after a type
    /// change).
    pub(super) fn alter_column_type(
        &self,
        object: &Name,
        column: &Name,
        from: &FieldType,
        to: &FieldType,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let table = self.table(&object.physical)?;
        let col = self.id(&column.physical)?;
        let new_type = sql_type(to);
        if from.change_to(to) == TypeChange::Narrowing {
            let field = format!("{}.{}", object.logical, column.logical);
            let using = narrowing_cast(&col, from, to, &field).map_err(|m| self.error(m))?;
            let statement =
                format!("ALTER TABLE {table} ALTER COLUMN {col} TYPE {new_type} USING {using}");
            let mut hazards = vec![Hazard::NarrowsType];
            hazards.extend(REWRITE);
            return Ok(vec![
                self.step_as(
                    "dropDefaultBeforeNarrowing",
                    phase::ALTER_COLUMNS,
                    format!("ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT"),
                    format!(
                        "drop the default of {}.{} before its type narrows (it may not cast)",
                        object.physical, column.physical
                    ),
                ),
                StepDraft {
                    hazards,
                    ..self.step(
                        phase::ALTER_COLUMNS,
                        statement,
                        format!(
                            "narrow {}.{} from {} to {}: PostgreSQL casts every row under an \
                             exclusive lock and fails, changing nothing, if one does not convert",
                            object.physical,
                            column.physical,
                            sql_type(from),
                            new_type
                        ),
                    )
                },
            ]);
        }
        let statement = format!(
            "ALTER TABLE {table} ALTER COLUMN {col} TYPE {new_type} USING {col}::{new_type}"
        );
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
                REWRITE.to_vec()
            },
            ..self.step(
                phase::ALTER_COLUMNS,
                statement,
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

    /// `SET DEFAULT`: catalog only, whatever the default (existing rows keep their values).
    pub(super) fn set_default(
        &self,
        object: &Name,
        column: &Name,
        field_type: &FieldType,
        default: &ColumnDefault,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let value = default_sql(field_type, default).map_err(|m| self.error(m))?;
        Ok(vec![self.step(
            phase::ALTER_COLUMNS,
            format!(
                "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {value}",
                self.table(&object.physical)?,
                self.id(&column.physical)?
            ),
            format!(
                "set the default of {}.{} to {} for new rows (existing rows keep their values)",
                object.physical,
                column.physical,
                default.describe()
            ),
        )])
    }
}
