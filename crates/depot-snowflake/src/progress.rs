//! ProgressLog: the per-step progress of a run in `__ADMIN.STEP_PROGRESS`, one row per completed
//! step. Steps completing at the same moment in concurrent groups share one INSERT: each step
//! waits until its row is written (by its own INSERT or by one already gathering it) before its
//! group goes on, so a recorded step is always done, at a round trip per batch rather than per
//! step.

use std::sync::Mutex;

use crate::admin::PROGRESS_TABLE;
use crate::client::{SnowflakeClient, SnowflakeError};
use crate::literal::quote;

/// ProgressLog writes the completed steps of one migration of one dataset.
pub struct ProgressLog<'a> {
    client: &'a SnowflakeClient,
    dataset_id: String,
    migration_id: String,
    /// Steps completed and not yet written.
    pending: Mutex<Vec<String>>,
    /// Held while an INSERT is in flight; steps completing meanwhile gather in `pending`.
    writing: tokio::sync::Mutex<()>,
}

impl<'a> ProgressLog<'a> {
    pub fn new(client: &'a SnowflakeClient, dataset_id: &str, migration_id: &str) -> Self {
        ProgressLog {
            client,
            dataset_id: dataset_id.to_string(),
            migration_id: migration_id.to_string(),
            pending: Mutex::new(Vec::new()),
            writing: tokio::sync::Mutex::new(()),
        }
    }

    /// Records `step_id` as completed; returns once its row is written.
    pub async fn record(&self, step_id: &str) -> Result<(), SnowflakeError> {
        self.lock_pending().push(step_id.to_string());
        let _turn = self.writing.lock().await;
        let batch = std::mem::take(&mut *self.lock_pending());
        if batch.is_empty() {
            // The INSERT that held the turn before us carried our row.
            return Ok(());
        }
        let result = self
            .client
            .execute(&insert_sql(&self.dataset_id, &self.migration_id, &batch))
            .await;
        if result.is_err() {
            // Give the rows back: their steps fail with this error, the others try again.
            self.lock_pending().extend(batch);
        }
        result
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The INSERT of the rows of `steps`.
pub fn insert_sql(dataset_id: &str, migration_id: &str, steps: &[String]) -> String {
    let rows: Vec<String> = steps
        .iter()
        .map(|s| {
            format!(
                "({}, {}, {}, CURRENT_TIMESTAMP())",
                quote(dataset_id),
                quote(migration_id),
                quote(s)
            )
        })
        .collect();
    format!(
        "INSERT INTO {PROGRESS_TABLE} (DATASET_ID, MIGRATION_ID, STEP_ID, COMPLETED_AT) VALUES {}",
        rows.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_insert_carries_every_gathered_step() {
        assert_eq!(
            insert_sql("d", "m", &["300-1".to_string(), "300-2".to_string()]),
            "INSERT INTO __ADMIN.STEP_PROGRESS (DATASET_ID, MIGRATION_ID, STEP_ID, COMPLETED_AT) \
             VALUES ('d', 'm', '300-1', CURRENT_TIMESTAMP()), \
             ('d', 'm', '300-2', CURRENT_TIMESTAMP())"
        );
    }
}
