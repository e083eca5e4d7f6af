//! New tables: `CREATE TABLE` with every column (defaults, identity, generated columns), the
//! primary key and the checks inline, then its indexes (instant on an empty table). Foreign keys
//! come as changes of their own, once every table they join exists.

use depot_core::change::Name;
use depot_core::dialect::{RenderError, StepDraft};
use depot_core::phase;
use depot_core::physical::{PhysicalColumn, PhysicalObject};
use depot_core::step_comment;

use super::defaults::default_sql;
use super::identity::generated;
use super::indexes::Build;
use super::Renderer;
use crate::sql_type::push_sql_type;

impl Renderer<'_> {
    /// Appends `name type [GENERATED ...] [NOT NULL] [DEFAULT ...]` to `out`.
    pub(super) fn push_column_definition(
        &self,
        out: &mut String,
        column: &PhysicalColumn,
        not_null: bool,
    ) -> Result<(), RenderError> {
        self.push_id(out, &column.physical)?;
        out.push(' ');
        push_sql_type(out, &column.field_type);
        if let Some(identity) = column.identity {
            out.push(' ');
            out.push_str(generated(identity));
            out.push_str(" AS IDENTITY");
        }
        if let Some(expression) = &column.computed {
            out.push_str(" GENERATED ALWAYS AS (");
            out.push_str(expression);
            out.push_str(") STORED");
        }
        if not_null {
            out.push_str(" NOT NULL");
        }
        if let Some(default) = &column.default {
            let value = default_sql(&column.field_type, default)
                .map_err(|m| self.error(format!("{}: {m}", column.logical)))?;
            out.push_str(" DEFAULT ");
            out.push_str(&value);
        }
        Ok(())
    }

    pub(super) fn create_object(
        &self,
        object: &PhysicalObject,
    ) -> Result<Vec<StepDraft>, RenderError> {
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
            first = false;
            sql.push_str("CONSTRAINT ");
            self.push_id(&mut sql, &key.name)?;
            sql.push_str(" PRIMARY KEY (");
            self.push_column_list(&mut sql, &key.columns)?;
            sql.push(')');
        }
        for check in &object.checks {
            if !first {
                sql.push_str(",\n    ");
            }
            first = false;
            sql.push_str(&self.check_definition(check)?);
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
            steps.push(
                self.step_for(
                    "createIndex",
                    [&object.logical, ".", &index.logical].concat(),
                    phase::CREATE_OBJECTS,
                    self.index_statement(index, &table, Build::Plain)?,
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
            let name = Name {
                logical: object.logical.clone(),
                physical: object.physical.clone(),
            };
            steps.extend(self.attach_unique_constraint(&name, index, phase::CREATE_OBJECTS)?);
        }
        Ok(steps)
    }
}
