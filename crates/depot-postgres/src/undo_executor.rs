//! undo_plan: reverses, last first, the steps of a failed migration that ran, on the same
//! connection as the run, under the same lock timeout and retries. The order, the progress
//! records and the rule that an undo drops only an empty table are
//! `depot_deploy::undo_driver`'s; this file says how PostgreSQL runs a statement (retried after
//! `lock_not_available`), finds a table's rows and records progress.

use async_trait::async_trait;
use depot_core::dropped_table::dropped_table;
use depot_core::plan::Plan;
use depot_core::undo::UndoScope;
use depot_deploy::undo_driver::{undo_phases, UndoConnection};
use depot_deploy::{UndoFailure, UndoReport};
use sqlparser::dialect::PostgreSqlDialect;
use tokio_postgres::Client;

use crate::executor::execute_one;
use crate::pg_error;
use crate::retry::RetryPolicy;

/// Sets the last phase still applied (NULL: none) of dataset `$1`.
const PROGRESS_SQL: &str = "UPDATE __admin.dataset_state \
     SET last_completed_phase = $2::integer, version = version + 1, synced = now() WHERE id = $1";

/// Reverses the steps of `plan` that `scope` says ran, recording progress for `dataset_id`.
pub async fn undo_plan(
    client: &Client,
    plan: &Plan,
    dataset_id: &str,
    scope: &UndoScope,
    policy: &RetryPolicy,
) -> Result<UndoReport, UndoFailure> {
    let connection = PostgresUndo { client, policy };
    let report = undo_phases(&connection, plan, dataset_id, scope)
        .await?
        .report;
    if let Err(e) = client.execute("RESET lock_timeout", &[]).await {
        tracing::warn!(error = %pg_error::describe(&e), "could not reset lock_timeout");
    }
    tracing::info!(
        steps_undone = report.steps_undone,
        statements_run = report.statements_run,
        "undo completed: the objects are as the version before the plan left them"
    );
    Ok(report)
}

/// The run's connection, under the run's lock timeout and retries.
struct PostgresUndo<'a> {
    client: &'a Client,
    policy: &'a RetryPolicy,
}

#[async_trait]
impl UndoConnection for PostgresUndo<'_> {
    fn irreversible(&self) -> &'static str {
        "deleted data and cannot be undone"
    }

    fn dropped_table(&self, sql: &str) -> Option<String> {
        dropped_table(sql, &PostgreSqlDialect {})
    }

    async fn begin(&self) -> Result<(), String> {
        self.client
            .execute(
                &format!("SET lock_timeout = {}", self.policy.lock_timeout_sql()),
                &[],
            )
            .await
            .map(|_| ())
            .map_err(|e| pg_error::describe(&e))
    }

    async fn table_has_rows(&self, table: &str) -> Result<bool, String> {
        let exists: bool = self
            .client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
            .await
            .map_err(|e| pg_error::describe(&e))?
            .get(0);
        if !exists {
            return Ok(false);
        }
        Ok(self
            .client
            .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), &[])
            .await
            .map_err(|e| pg_error::describe(&e))?
            .get(0))
    }

    /// Runs the statement on its own, retrying after `lock_not_available`.
    async fn execute(&self, sql: &str) -> Result<(), String> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            match execute_one(self.client, sql).await {
                Ok(()) => return Ok(()),
                Err(e)
                    if pg_error::is_lock_not_available(&e) && self.policy.may_retry(attempts) =>
                {
                    let delay = self.policy.delay(attempts);
                    tracing::warn!(
                        attempt = attempts,
                        delay_ms = delay.as_millis() as u64,
                        "lock not available: undo statement cancelled, retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(e) => return Err(pg_error::describe(&e)),
            }
        }
    }

    async fn record_still_applied(
        &self,
        dataset_id: &str,
        still_applied: Option<u32>,
    ) -> Result<(), String> {
        record(self.client, dataset_id, still_applied)
            .await
            .map_err(|e| pg_error::describe(&e))
    }
}

async fn record(
    client: &Client,
    dataset_id: &str,
    still_applied: Option<u32>,
) -> Result<(), tokio_postgres::Error> {
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('__admin.dataset_state') IS NOT NULL",
            &[],
        )
        .await?
        .get(0);
    if exists {
        let phase = still_applied.map(|p| i32::try_from(p).unwrap_or(i32::MAX));
        client.execute(PROGRESS_SQL, &[&dataset_id, &phase]).await?;
    }
    Ok(())
}
