//! Tables and columns on Snowflake: a new table with its column definitions, a new column, NOT
//! NULL, and a type change (in place when Snowflake allows it, else by copying the column).

use depot_core::change::Name;
use depot_core::dialect::{RenderError, StepDraft};
use depot_core::field_type::{FieldType, TypeChange};
use depot_core::identity::AutoIncrement;
use depot_core::physical::{PhysicalColumn, PhysicalObject};
use depot_core::step_comment;
use depot_core::{phase, Hazard};

use crate::column_default::default_sql;
use crate::sql_type::{alters_in_place, sql_type};

use super::index::declared_unique;
use super::Renderer;

impl Renderer<'_> {
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

    pub(super) fn create_object(
        &self,
        object: &PhysicalObject,
    ) -> Result<Vec<StepDraft>, RenderError> {
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

    pub(super) fn add_column(
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

    pub(super) fn set_not_null(
        &self,
        object: &Name,
        column: &Name,
    ) -> Result<StepDraft, RenderError> {
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

    pub(super) fn alter_column_type(
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
