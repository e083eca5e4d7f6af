//! undo_plan: reverses, last first, the steps of a failed Snowflake migration that ran (see
//! `depot_core::undo` and `crate::undo`). A statement whose work the catalog shows done (a
//! rename already reversed) is skipped, as the forward executor skips it; a `DROP TABLE` runs
//! only on an empty table. As each phase is undone the state record's `LAST_COMPLETED_PHASE`
//! moves down to the last phase still applied, and at the end the migration's step progress is
//! forgotten, so that running the same plan again runs every step again.

use depot_core::plan::Plan;
use depot_core::undo::{applied_below, phases_to_undo, UndoScope};
use depot_deploy::{UndoFailure, UndoReport};
use sqlparser::ast::{ObjectType, Statement};
use sqlparser::dialect::SnowflakeDialect;
use sqlparser::parser::Parser;

use crate::admin::{PROGRESS_TABLE, STATE_TABLE};
use crate::client::SnowflakeClient;
use crate::executor::{is_note, needs_running};
use crate::literal::quote;
use crate::precondition::precondition;

/// Reverses the steps of `plan` that `scope` says ran, recording progress for `dataset_id`.
pub async fn undo_plan(
    client: &SnowflakeClient,
    plan: &Plan,
    dataset_id: &str,
    scope: &UndoScope,
) -> Result<UndoReport, UndoFailure> {
    let phases = phases_to_undo(plan, scope).map_err(|step| UndoFailure {
        step_id: step.id.clone(),
        message: format!(
            "step {} ({} {}) cannot be undone on Snowflake",
            step.id, step.action, step.target
        ),
        last_completed_phase: scope.through_phase,
    })?;
    let namespace = &plan.metadata.namespace;
    let mut report = UndoReport::default();
    let mut still_applied = scope.through_phase;
    for (phase, steps) in &phases {
        for step in steps {
            for sql in &step.undo {
                run(client, sql, namespace)
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
        still_applied = applied_below(plan, scope, phase.phase);
        record(client, dataset_id, still_applied)
            .await
            .map_err(|message| UndoFailure {
                step_id: format!("{}-progress", phase.phase),
                message,
                last_completed_phase: still_applied,
            })?;
    }
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
            last_completed_phase: still_applied,
        })?;
    Ok(report)
}

async fn run(client: &SnowflakeClient, sql: &str, namespace: &str) -> Result<(), String> {
    if is_note(sql) {
        return Ok(());
    }
    if let Some(pre) = precondition(sql, namespace) {
        if !needs_running(client, &pre)
            .await
            .map_err(|e| e.to_string())?
        {
            return Ok(());
        }
    }
    if let Some(table) = dropped_table(sql) {
        if table_has_rows(client, &table).await? {
            return Err(format!(
                "table {table} holds rows written since the failed migration created it: it is \
                 not dropped, so that no row is lost. Move the rows away (or keep the table and \
                 resume the migration), then run the undo again"
            ));
        }
    }
    client.execute(sql).await.map_err(|e| e.to_string())
}

/// Whether `table` exists and holds a row (a missing table holds none).
async fn table_has_rows(client: &SnowflakeClient, table: &str) -> Result<bool, String> {
    match client
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

/// The table a `DROP TABLE` statement drops (as written), if it is one.
fn dropped_table(sql: &str) -> Option<String> {
    let statements = Parser::parse_sql(&SnowflakeDialect {}, sql).ok()?;
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
    client: &SnowflakeClient,
    dataset_id: &str,
    still_applied: Option<u32>,
) -> Result<(), String> {
    let phase = still_applied.map_or_else(|| "NULL".to_string(), |p| p.to_string());
    client
        .execute(&format!(
            "UPDATE {STATE_TABLE} SET LAST_COMPLETED_PHASE = {phase}, VERSION = VERSION + 1, \
             SYNCED = CURRENT_TIMESTAMP() WHERE ID = {}",
            quote(dataset_id)
        ))
        .await
        .map_err(|e| e.to_string())
}
