//! undo_plan: reverses, last first, the steps of a failed migration that ran (see
//! `depot_core::undo`), on the same connection as the run, under the same lock timeout and
//! retries. Each phase's undo is recorded as it completes (the state record's
//! `last_completed_phase` moves down to the last phase still applied), so an undo that stops
//! half-way tells the truth and can be run again (`depot abandon`).
//!
//! An undo never deletes rows: a `DROP TABLE` of an undo runs only when the table is empty (a
//! table the failed migration created, that nothing wrote to yet); otherwise the undo stops
//! there and says so.

use depot_core::plan::Plan;
use depot_core::undo::{applied_below, phases_to_undo, UndoScope};
use depot_deploy::{UndoFailure, UndoReport};
use sqlparser::ast::{ObjectType, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
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
    let phases = phases_to_undo(plan, scope).map_err(|step| UndoFailure {
        step_id: step.id.clone(),
        message: format!(
            "step {} ({} {}) deleted data and cannot be undone",
            step.id, step.action, step.target
        ),
        last_completed_phase: scope.through_phase,
    })?;
    let mut report = UndoReport::default();
    let mut still_applied = scope.through_phase;
    set_lock_timeout(client, policy, still_applied).await?;
    for (phase, steps) in &phases {
        tracing::info!(phase = phase.phase, steps = steps.len(), "undoing phase");
        for step in steps {
            for sql in &step.undo {
                run_undo_statement(client, sql, policy)
                    .await
                    .map_err(|message| UndoFailure {
                        step_id: step.id.clone(),
                        message,
                        last_completed_phase: still_applied,
                    })?;
                report.statements_run += 1;
            }
            report.steps_undone += 1;
        }
        // The phases below this one are still applied.
        still_applied = applied_below(plan, scope, phase.phase);
        record(client, dataset_id, still_applied)
            .await
            .map_err(|e| UndoFailure {
                step_id: format!("{}-progress", phase.phase),
                message: pg_error::describe(&e),
                last_completed_phase: still_applied,
            })?;
    }
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

async fn set_lock_timeout(
    client: &Client,
    policy: &RetryPolicy,
    still_applied: Option<u32>,
) -> Result<(), UndoFailure> {
    client
        .execute(
            &format!("SET lock_timeout = {}", policy.lock_timeout_sql()),
            &[],
        )
        .await
        .map(|_| ())
        .map_err(|e| UndoFailure {
            step_id: "undo-begin".to_string(),
            message: pg_error::describe(&e),
            last_completed_phase: still_applied,
        })
}

/// Runs one undo statement on its own, retrying after `lock_not_available`; a `DROP TABLE` runs
/// only on an empty table.
async fn run_undo_statement(
    client: &Client,
    sql: &str,
    policy: &RetryPolicy,
) -> Result<(), String> {
    if let Some(table) = dropped_table(sql) {
        let exists: bool = client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
            .await
            .map_err(|e| pg_error::describe(&e))?
            .get(0);
        if exists {
            let has_rows: bool = client
                .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), &[])
                .await
                .map_err(|e| pg_error::describe(&e))?
                .get(0);
            if has_rows {
                return Err(format!(
                    "table {table} holds rows written since the failed migration created it: \
                     it is not dropped, so that no row is lost. Move the rows away (or keep \
                     the table and resume the migration), then run the undo again"
                ));
            }
        }
    }
    let mut attempts = 0;
    loop {
        attempts += 1;
        match execute_one(client, sql).await {
            Ok(()) => return Ok(()),
            Err(e) if pg_error::is_lock_not_available(&e) && policy.may_retry(attempts) => {
                let delay = policy.delay(attempts);
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

/// The table a `DROP TABLE` statement drops (as written: quoted and qualified), if it is one.
fn dropped_table(sql: &str) -> Option<String> {
    let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).ok()?;
    match statements.as_slice() {
        [Statement::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        }] if names.len() == 1 => Some(names[0].to_string()),
        _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_table_a_drop_table_drops() {
        assert_eq!(
            dropped_table("DROP TABLE IF EXISTS ws.\"Dog\"").as_deref(),
            Some("ws.\"Dog\"")
        );
        assert_eq!(dropped_table("DROP VIEW IF EXISTS ws.v"), None);
        assert_eq!(
            dropped_table("ALTER TABLE ws.t DROP COLUMN IF EXISTS c"),
            None
        );
        assert_eq!(dropped_table("not sql"), None);
    }
}
