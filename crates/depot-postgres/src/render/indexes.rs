//! Secondary indexes with their options: `USING method`, per-key order and nulls, `INCLUDE`,
//! and a partial index's `WHERE`.

use depot_core::change::Name;
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
        push_quoted_ident(&mut sql, column);
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
        self.column_list(&index.columns)?;
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
        Ok(vec![StepDraft {
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
        }])
    }
}
