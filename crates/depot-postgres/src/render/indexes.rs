//! Secondary indexes with their options: `USING method`, per-key order and nulls, expression
//! keys, `INCLUDE`, `NULLS NOT DISTINCT`, a partial index's `WHERE`, and the UNIQUE constraint
//! a deferrable unique index becomes.

use depot_core::change::Name;
use depot_core::constraint::Deferrable;
use depot_core::dialect::{RenderError, StepDraft};
use depot_core::index_options::{NullsOrder, SortOrder};
use depot_core::physical::PhysicalIndex;
use depot_core::{phase, Hazard};

use super::Renderer;
use crate::dialect::push_quoted_ident;

/// How an index is built: on a new, empty table in the table's transaction, or on a table that
/// may hold rows CONCURRENTLY (outside a transaction, writes go on), or again by an undo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    Plain,
    Concurrently,
    ConcurrentlyIfNotExists,
}

/// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name ON table [USING m] (key [DESC]
/// [NULLS FIRST|LAST], ...) [INCLUDE (...)] [WHERE (...)]`, with `key_columns` the physical
/// names of the keys (an undo passes the names the columns have while the plan runs) and
/// `table` already qualified. Names are quoted by the dialect's one quoting function.
pub fn index_sql(
    index: &PhysicalIndex,
    key_columns: &[String],
    table: &str,
    build: Build,
) -> String {
    let mut sql = String::with_capacity(64 + table.len() + index.physical.len());
    sql.push_str(if index.unique {
        "CREATE UNIQUE INDEX "
    } else {
        "CREATE INDEX "
    });
    match build {
        Build::Plain => {}
        Build::Concurrently => sql.push_str("CONCURRENTLY "),
        Build::ConcurrentlyIfNotExists => sql.push_str("CONCURRENTLY IF NOT EXISTS "),
    }
    push_quoted_ident(&mut sql, &index.physical);
    sql.push_str(" ON ");
    sql.push_str(table);
    if let Some(method) = index.method {
        sql.push_str(" USING ");
        sql.push_str(method.name());
    }
    sql.push_str(" (");
    for (i, column) in key_columns.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        match index.expressions.get(i).and_then(Option::as_deref) {
            // An expression key in its own parentheses, as PostgreSQL requires of any key that
            // is not a bare column or function call.
            Some(expression) => {
                sql.push('(');
                sql.push_str(expression);
                sql.push(')');
            }
            None => push_quoted_ident(&mut sql, column),
        }
        let sort = index.sort.get(i).copied().unwrap_or_default();
        match sort.order {
            Some(SortOrder::Desc) => sql.push_str(" DESC"),
            Some(SortOrder::Asc) | None => {}
        }
        match sort.nulls {
            Some(NullsOrder::First) => sql.push_str(" NULLS FIRST"),
            Some(NullsOrder::Last) => sql.push_str(" NULLS LAST"),
            None => {}
        }
    }
    sql.push(')');
    if !index.include.is_empty() {
        sql.push_str(" INCLUDE (");
        for (i, column) in index.include.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            push_quoted_ident(&mut sql, column);
        }
        sql.push(')');
    }
    if index.nulls_distinct == Some(false) {
        sql.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(predicate) = &index.where_sql {
        sql.push_str(" WHERE (");
        sql.push_str(predicate);
        sql.push(')');
    }
    sql
}

impl Renderer<'_> {
    /// The statement of `index` of table `table` (qualified), its names checked first.
    pub(super) fn index_statement(
        &self,
        index: &PhysicalIndex,
        table: &str,
        build: Build,
    ) -> Result<String, RenderError> {
        self.id(&index.physical)?;
        self.column_list(&index.key_columns())?;
        self.column_list(&index.include)?;
        Ok(index_sql(index, &index.columns, table, build))
    }

    pub(super) fn create_index(
        &self,
        object: &Name,
        index: &PhysicalIndex,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let mut hazards = vec![Hazard::IndexBuild];
        if index.unique {
            hazards.push(Hazard::ValidatesData);
        }
        let table = self.table(&object.physical)?;
        let mut steps = vec![StepDraft {
            hazards,
            transactional: false,
            ..self.step(
                phase::BUILD_INDEXES,
                self.index_statement(index, &table, Build::Concurrently)?,
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
        }];
        // Attached with the primary keys built the same way, in the enforce phase.
        steps.extend(self.attach_unique_constraint(object, index, phase::ENFORCE)?);
        Ok(steps)
    }

    /// The step that makes a deferrable unique index the UNIQUE constraint PostgreSQL checks
    /// at commit (only a constraint can be deferred): `ADD CONSTRAINT .. UNIQUE USING INDEX`
    /// takes the index already built (a brief lock, no scan) and keeps its name. None for
    /// another index.
    pub(super) fn attach_unique_constraint(
        &self,
        object: &Name,
        index: &PhysicalIndex,
        phase: u32,
    ) -> Result<Option<StepDraft>, RenderError> {
        let Some(deferrable) = index.deferrable else {
            return Ok(None);
        };
        Ok(Some(self.step_for(
            "attachUniqueConstraint",
            format!("{}.{}", object.logical, index.logical),
            phase,
            unique_constraint_sql(
                &self.table(&object.physical)?,
                &self.id(&index.physical)?,
                deferrable,
            ),
            format!(
                "attach index {} as the deferrable unique constraint of {}.{} (a brief lock, no \
                 scan)",
                index.physical, object.logical, index.logical
            ),
        )))
    }

    /// The step that drops `index`: a deferrable unique index is dropped with its constraint.
    pub(super) fn drop_index(
        &self,
        object: &Name,
        index: &PhysicalIndex,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let sql = if index.deferrable.is_some() {
            format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                self.table(&object.physical)?,
                self.id(&index.physical)?
            )
        } else {
            format!("DROP INDEX {}", self.table(&index.physical)?)
        };
        Ok(vec![self.step(
            phase::RELAX,
            sql,
            format!(
                "drop index {}: {}.{} is removed, or rebuilt with other fields",
                index.physical, object.logical, index.logical
            ),
        )])
    }
}

/// `ALTER TABLE table ADD CONSTRAINT index UNIQUE USING INDEX index DEFERRABLE INITIALLY ..`,
/// with `table` qualified and `index` quoted.
pub fn unique_constraint_sql(table: &str, index: &str, deferrable: Deferrable) -> String {
    format!(
        "ALTER TABLE {table} ADD CONSTRAINT {index} UNIQUE USING INDEX {index} DEFERRABLE \
         INITIALLY {}",
        match deferrable {
            Deferrable::InitiallyImmediate => "IMMEDIATE",
            Deferrable::InitiallyDeferred => "DEFERRED",
        }
    )
}
