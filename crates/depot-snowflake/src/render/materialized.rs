//! Materialized views: `CREATE OR REPLACE MATERIALIZED VIEW ... COPY GRANTS AS ...` (the query
//! was checked against Snowflake's rules at validation), `DROP MATERIALIZED VIEW`. Snowflake
//! keeps a materialized view current by itself, so a refresh is a note, and so are its indexes
//! (Snowflake has no secondary indexes).

use depot_core::change::Name;
use depot_core::dialect::{RenderError, StepDraft};
use depot_core::physical::PhysicalView;
use depot_core::rename_reason::why_renamed;
use depot_core::{phase, step_comment};

use super::Renderer;

/// `CREATE OR REPLACE MATERIALIZED VIEW table COPY GRANTS AS query`, `table` qualified.
pub fn create_materialized_view_sql(table: &str, query: &str) -> String {
    format!("CREATE OR REPLACE MATERIALIZED VIEW {table} COPY GRANTS AS {query}")
}

impl Renderer<'_> {
    pub(super) fn create_materialized_view(
        &self,
        view: &PhysicalView,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let mut steps = vec![self.step(
            phase::CREATE_VIEWS,
            create_materialized_view_sql(&self.table(&view.physical)?, &view.sql),
            format!(
                "create materialized view {} for {}, after the table it reads (COPY GRANTS \
                 keeps the grants of a view it replaces)",
                view.physical, view.logical
            ),
        )];
        for index in &view.indexes {
            steps.push(self.note(
                phase::CREATE_VIEWS,
                format!(
                    "index {} of materialized view {} is recorded, not built",
                    index.physical, view.physical
                ),
                format!(
                    "index {} of {} was never built: Snowflake has no secondary indexes",
                    index.logical, view.logical
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
            format!(
                "DROP MATERIALIZED VIEW IF EXISTS {}",
                self.table(&view.physical)?
            ),
            step_comment::drop_view(view),
        )])
    }

    /// `ALTER MATERIALIZED VIEW ... RENAME TO` (its indexes were never built: nothing follows).
    pub(super) fn rename_materialized_view(
        &self,
        from: &Name,
        to: &Name,
    ) -> Result<Vec<StepDraft>, RenderError> {
        Ok(vec![self.step(
            phase::RENAME,
            format!(
                "ALTER MATERIALIZED VIEW {} RENAME TO {}",
                self.table(&from.physical)?,
                self.table(&to.physical)?
            ),
            format!(
                "rename materialized view {} to {}: {}",
                from.physical,
                to.physical,
                why_renamed(from, to)
            ),
        )])
    }

    pub(super) fn refresh_materialized_view(&self, view: &Name) -> StepDraft {
        self.note(
            phase::CREATE_VIEWS,
            format!(
                "materialized view {} is kept current by Snowflake",
                view.physical
            ),
            format!(
                "no refresh of {}: Snowflake maintains materialized views itself",
                view.logical
            ),
        )
    }
}
