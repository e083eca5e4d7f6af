//! Materialized views: `CREATE MATERIALIZED VIEW ... WITH DATA` then its indexes (the view is
//! new and unread, so they are built plainly, in its transaction), `DROP MATERIALIZED VIEW`, and
//! `REFRESH MATERIALIZED VIEW`, CONCURRENTLY when a unique index over plain columns and every
//! row lets PostgreSQL keep readers going.

use depot_core::change::Name;
use depot_core::dialect::{RenderError, StepDraft};
use depot_core::physical::PhysicalView;
use depot_core::rename_reason::why_renamed;
use depot_core::{phase, step_comment, Hazard};

use super::indexes::Build;
use super::Renderer;

impl Renderer<'_> {
    /// The statements that create `view` and its indexes (an undo runs them too).
    pub(crate) fn materialized_view_sql(
        &self,
        view: &PhysicalView,
    ) -> Result<Vec<String>, RenderError> {
        let table = self.table(&view.physical)?;
        let mut statements = vec![format!(
            "CREATE MATERIALIZED VIEW {table} AS {} WITH DATA",
            view.sql
        )];
        for index in &view.indexes {
            statements.push(self.index_statement(index, &table, Build::Plain)?);
        }
        Ok(statements)
    }

    pub(super) fn create_materialized_view(
        &self,
        view: &PhysicalView,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let mut statements = self.materialized_view_sql(view)?.into_iter();
        let mut steps = Vec::with_capacity(1 + view.indexes.len());
        if let Some(create) = statements.next() {
            steps.push(self.step(
                phase::CREATE_VIEWS,
                create,
                format!(
                    "create materialized view {} for {}, after what it reads, and compute its rows",
                    view.physical, view.logical
                ),
            ));
        }
        for (index, sql) in view.indexes.iter().zip(statements) {
            steps.push(self.step(
                phase::CREATE_VIEWS,
                sql,
                format!(
                    "index {} of materialized view {}: built with the new view, which nothing \
                     reads yet",
                    index.physical, view.physical
                ),
            ));
        }
        Ok(steps)
    }

    pub(super) fn drop_materialized_view(
        &self,
        view: &Name,
    ) -> Result<Vec<StepDraft>, RenderError> {
        Ok(vec![self.step(
            phase::DROP_VIEWS,
            format!("DROP MATERIALIZED VIEW {}", self.table(&view.physical)?),
            step_comment::drop_view(view),
        )])
    }

    /// `ALTER MATERIALIZED VIEW ... RENAME TO`, then its indexes' generated names follow.
    pub(super) fn rename_materialized_view(
        &self,
        from: &Name,
        to: &Name,
        indexes: &[(String, String)],
    ) -> Result<Vec<StepDraft>, RenderError> {
        let mut steps = vec![self.step(
            phase::RENAME,
            format!(
                "ALTER MATERIALIZED VIEW {} RENAME TO {}",
                self.table(&from.physical)?,
                self.id(&to.physical)?
            ),
            format!(
                "rename materialized view {} to {}: {} (its rows stay)",
                from.physical,
                to.physical,
                why_renamed(from, to)
            ),
        )];
        for (old, new) in indexes {
            steps.push(self.step(
                phase::RENAME,
                format!(
                    "ALTER INDEX {} RENAME TO {}",
                    self.table(old)?,
                    self.id(new)?
                ),
                format!(
                    "rename index {old} to {new}: its generated name follows the materialized \
                     view {}",
                    to.logical
                ),
            ));
        }
        Ok(steps)
    }

    pub(super) fn refresh_materialized_view(
        &self,
        view: &Name,
        concurrently: bool,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let step = self.step(
            phase::CREATE_VIEWS,
            refresh_sql(&self.table(&view.physical)?, concurrently),
            format!(
                "refresh materialized view {} of {}: a table it reads was migrated, so its rows \
                 may have changed{}",
                view.physical,
                view.logical,
                if concurrently {
                    " (concurrently: its unique index lets readers go on)"
                } else {
                    " (readers wait: no unique index over plain columns allows CONCURRENTLY)"
                }
            ),
        );
        Ok(vec![if concurrently {
            step
        } else {
            StepDraft {
                hazards: vec![Hazard::BlocksReads],
                ..step
            }
        }])
    }
}

/// `REFRESH MATERIALIZED VIEW [CONCURRENTLY] table`, `table` already qualified and quoted.
pub fn refresh_sql(table: &str, concurrently: bool) -> String {
    if concurrently {
        format!("REFRESH MATERIALIZED VIEW CONCURRENTLY {table}")
    } else {
        format!("REFRESH MATERIALIZED VIEW {table}")
    }
}
