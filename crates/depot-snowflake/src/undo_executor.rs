//! undo_plan: reverses, last first, the steps of a failed Snowflake migration that ran (see
//! `depot_core::undo`, `crate::undo`, and `depot_deploy::undo_driver` for the order, the
//! progress records and the rule that an undo drops only an empty table). A statement whose
//! work the catalog shows done (a rename already reversed) is skipped, as the forward executor
//! skips it. At the end the migration's step progress is forgotten, so that running the same
//! plan again runs every step again.

use async_trait::async_trait;
use depot_core::dropped_table::dropped_table;
use depot_core::plan::Plan;
use depot_core::undo::UndoScope;
use depot_deploy::undo_driver::{undo_phases, UndoConnection};
use depot_deploy::{UndoFailure, UndoReport};
use sqlparser::dialect::SnowflakeDialect;

use crate::admin::PROGRESS_TABLE;
use crate::client::SnowflakeClient;
use crate::executor::{is_note, needs_running};
use crate::literal::quote;
use crate::precondition::precondition;
use crate::state_store::record_phase;

/// Reverses the steps of `plan` that `scope` says ran, recording progress for `dataset_id`.
pub async fn undo_plan(
    client: &SnowflakeClient,
    plan: &Plan,
    dataset_id: &str,
    scope: &UndoScope,
) -> Result<UndoReport, UndoFailure> {
    let connection = SnowflakeUndo {
        client,
        namespace: &plan.metadata.namespace,
    };
    let done = undo_phases(&connection, plan, dataset_id, scope).await?;
    client
        .execute(&format!(
            "DELETE FROM {PROGRESS_TABLE} WHERE DATASET_ID = {} AND MIGRATION_ID = {}",
            quote(dataset_id),
            quote(&plan.migration_id)
        ))
        .await
        .map_err(|e| UndoFailure {
            step_id: "undo-progress".to_string(),
            message: e.to_string(),
            last_completed_phase: done.still_applied,
        })?;
    Ok(done.report)
}

/// The client, and the namespace whose catalog says which statements are done already.
struct SnowflakeUndo<'a> {
    client: &'a SnowflakeClient,
    namespace: &'a str,
}

#[async_trait]
impl UndoConnection for SnowflakeUndo<'_> {
    fn irreversible(&self) -> &'static str {
        "cannot be undone on Snowflake"
    }

    fn dropped_table(&self, sql: &str) -> Option<String> {
        dropped_table(sql, &SnowflakeDialect {})
    }

    /// A note is never sent; a statement whose work the catalog shows done (a rename already
    /// reversed) is skipped, as the forward executor skips it.
    async fn needs_running(&self, sql: &str) -> Result<bool, String> {
        if is_note(sql) {
            return Ok(false);
        }
        match precondition(sql, self.namespace) {
            Some(pre) => needs_running(self.client, &pre)
                .await
                .map_err(|e| e.to_string()),
            None => Ok(true),
        }
    }

    async fn table_has_rows(&self, table: &str) -> Result<bool, String> {
        match self
            .client
            .query(&format!("SELECT COUNT(*) FROM {table} LIMIT 1"))
            .await
        {
            Ok(rows) => Ok(rows
                .first()
                .and_then(|r| r.first().cloned().flatten())
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)
                > 0),
            // The table is not there (an earlier undo dropped it, or it never was created).
            Err(e) if e.to_string().contains("does not exist") => Ok(false),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn execute(&self, sql: &str) -> Result<(), String> {
        self.client.execute(sql).await.map_err(|e| e.to_string())
    }

    async fn record_still_applied(
        &self,
        dataset_id: &str,
        still_applied: Option<u32>,
    ) -> Result<(), String> {
        record_phase(self.client, dataset_id, still_applied)
            .await
            .map_err(|e| e.to_string())
    }
}
