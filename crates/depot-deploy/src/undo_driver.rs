//! undo_driver: how every engine reverses, last first, the steps of a failed migration that
//! ran (see `depot_core::undo`). The engine says how to talk to its database
//! ([`UndoConnection`]); the order, the bookkeeping and the one rule that protects data live
//! here once:
//!
//! - each phase's undo is recorded as it completes (the state record's last completed phase
//!   moves down to the last phase still applied), so an undo that stops half-way tells the
//!   truth and can be run again (`depot abandon`);
//! - an undo never deletes rows: a `DROP TABLE` of an undo runs only when the table is empty (a
//!   table the failed migration created, that nothing wrote to yet); otherwise the undo stops
//!   there and says so.

use async_trait::async_trait;
use depot_core::plan::Plan;
use depot_core::undo::{applied_below, phases_to_undo, UndoScope};

use crate::location::{UndoFailure, UndoReport};

/// UndoConnection is an engine's connection, as an undo uses it. Errors are messages for
/// people.
#[async_trait]
pub trait UndoConnection: Sync {
    /// Why a step whose change cannot be reversed stops the undo, said after
    /// `step <id> (<action> <target>)`.
    fn irreversible(&self) -> &'static str;

    /// The table `sql` drops, when it is a `DROP TABLE` (see `depot_core::dropped_table`).
    fn dropped_table(&self, sql: &str) -> Option<String>;

    /// Prepares the connection before the first statement.
    async fn begin(&self) -> Result<(), String> {
        Ok(())
    }

    /// False when `sql` has nothing left to do (a note, or work the catalog shows done).
    async fn needs_running(&self, sql: &str) -> Result<bool, String> {
        let _ = sql;
        Ok(true)
    }

    /// Whether `table` exists and holds a row (a missing table holds none).
    async fn table_has_rows(&self, table: &str) -> Result<bool, String>;

    /// Runs one undo statement.
    async fn execute(&self, sql: &str) -> Result<(), String>;

    /// Records that the phases of `dataset_id` up to `still_applied` (None: none) are applied.
    async fn record_still_applied(
        &self,
        dataset_id: &str,
        still_applied: Option<u32>,
    ) -> Result<(), String>;
}

/// UndoDone is what a completed undo leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoDone {
    pub report: UndoReport,
    /// The last phase still applied (None: nothing of the plan).
    pub still_applied: Option<u32>,
}

/// Reverses the steps of `plan` that `scope` says ran, recording progress for `dataset_id`.
pub async fn undo_phases<C: UndoConnection + ?Sized>(
    connection: &C,
    plan: &Plan,
    dataset_id: &str,
    scope: &UndoScope,
) -> Result<UndoDone, UndoFailure> {
    let phases = phases_to_undo(plan, scope).map_err(|step| UndoFailure {
        step_id: step.id.clone(),
        message: format!(
            "step {} ({} {}) {}",
            step.id,
            step.action,
            step.target,
            connection.irreversible()
        ),
        last_completed_phase: scope.through_phase,
    })?;
    let mut report = UndoReport::default();
    let mut still_applied = scope.through_phase;
    connection.begin().await.map_err(|message| UndoFailure {
        step_id: "undo-begin".to_string(),
        message,
        last_completed_phase: still_applied,
    })?;
    for (phase, steps) in &phases {
        tracing::info!(phase = phase.phase, steps = steps.len(), "undoing phase");
        for step in steps {
            for sql in &step.undo {
                run_statement(connection, sql)
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
        connection
            .record_still_applied(dataset_id, still_applied)
            .await
            .map_err(|message| UndoFailure {
                step_id: format!("{}-progress", phase.phase),
                message,
                last_completed_phase: still_applied,
            })?;
    }
    Ok(UndoDone {
        report,
        still_applied,
    })
}

/// Runs one undo statement unless it has nothing left to do; a `DROP TABLE` runs only on an
/// empty table.
async fn run_statement<C: UndoConnection + ?Sized>(
    connection: &C,
    sql: &str,
) -> Result<(), String> {
    if !connection.needs_running(sql).await? {
        return Ok(());
    }
    if let Some(table) = connection.dropped_table(sql) {
        if connection.table_has_rows(&table).await? {
            return Err(format!(
                "table {table} holds rows written since the failed migration created it: it is \
                 not dropped, so that no row is lost. Move the rows away (or keep the table and \
                 resume the migration), then run the undo again"
            ));
        }
    }
    connection.execute(sql).await
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use depot_core::dialect::EngineId;
    use depot_core::hazard::Hazard;
    use depot_core::physical::Metadata;
    use depot_core::plan::{Phase, Step};

    use super::*;

    /// A connection that writes down what the undo asks of it.
    #[derive(Default)]
    struct Recorder {
        calls: Mutex<Vec<String>>,
        /// Tables that hold rows.
        full: Vec<String>,
        /// Statements with nothing left to do.
        done: Vec<String>,
    }

    impl Recorder {
        fn calls(&self) -> Vec<String> {
            self.calls.lock().unwrap().clone()
        }

        fn call(&self, call: String) {
            self.calls.lock().unwrap().push(call);
        }
    }

    #[async_trait]
    impl UndoConnection for Recorder {
        fn irreversible(&self) -> &'static str {
            "cannot be undone here"
        }

        fn dropped_table(&self, sql: &str) -> Option<String> {
            sql.strip_prefix("DROP TABLE ").map(str::to_string)
        }

        async fn begin(&self) -> Result<(), String> {
            self.call("begin".to_string());
            Ok(())
        }

        async fn needs_running(&self, sql: &str) -> Result<bool, String> {
            Ok(!self.done.iter().any(|d| d == sql))
        }

        async fn table_has_rows(&self, table: &str) -> Result<bool, String> {
            Ok(self.full.iter().any(|t| t == table))
        }

        async fn execute(&self, sql: &str) -> Result<(), String> {
            self.call(sql.to_string());
            Ok(())
        }

        async fn record_still_applied(
            &self,
            dataset_id: &str,
            still_applied: Option<u32>,
        ) -> Result<(), String> {
            self.call(format!("record {dataset_id} {still_applied:?}"));
            Ok(())
        }
    }

    fn step(id: &str, hazards: Vec<Hazard>, undo: &[&str]) -> Step {
        Step {
            id: id.into(),
            action: "act".into(),
            target: "Dog".into(),
            sql: Some("SELECT 1".into()),
            hazards,
            comment: String::new(),
            change: None,
            undo: undo.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn plan(phases: Vec<(u32, Vec<Step>)>) -> Plan {
        Plan {
            format_version: 1,
            migration_id: "m".into(),
            environment_id: "e".into(),
            dataset_id: "d".into(),
            dataset_alias: "a".into(),
            engine: EngineId::new("postgres"),
            from_version: None,
            to_version: "v".into(),
            created_at: "t".into(),
            phases: phases
                .into_iter()
                .map(|(phase, steps)| Phase {
                    phase,
                    name: "p".into(),
                    transactional: true,
                    steps,
                })
                .collect(),
            metadata: Metadata {
                namespace: "ns".into(),
                schemas: Default::default(),
            },
        }
    }

    fn all_ran(through: u32) -> UndoScope {
        UndoScope {
            through_phase: Some(through),
            partial_phase: None,
        }
    }

    #[tokio::test]
    async fn undoes_last_first_recording_each_phase() {
        let plan = plan(vec![
            (1, vec![step("1-1", vec![], &["DROP TABLE ns.a"])]),
            (
                2,
                vec![
                    step("2-1", vec![], &["undo 2-1 first", "undo 2-1 second"]),
                    step("2-2", vec![], &["undo 2-2", "skipped"]),
                ],
            ),
        ]);
        let connection = Recorder {
            done: vec!["skipped".to_string()],
            ..Recorder::default()
        };
        let done = undo_phases(&connection, &plan, "ds", &all_ran(2))
            .await
            .unwrap();
        assert_eq!(
            connection.calls(),
            [
                "begin",
                "undo 2-2",
                "undo 2-1 first",
                "undo 2-1 second",
                "record ds Some(1)",
                "DROP TABLE ns.a",
                "record ds None",
            ]
        );
        assert_eq!(
            done,
            UndoDone {
                report: UndoReport {
                    steps_undone: 3,
                    statements_run: 5,
                },
                still_applied: None,
            }
        );
    }

    #[tokio::test]
    async fn a_table_holding_rows_is_not_dropped_and_the_phases_above_stay_undone() {
        let plan = plan(vec![
            (1, vec![step("1-1", vec![], &["DROP TABLE ns.a"])]),
            (2, vec![step("2-1", vec![], &["undo 2-1"])]),
        ]);
        let connection = Recorder {
            full: vec!["ns.a".to_string()],
            ..Recorder::default()
        };
        let failure = undo_phases(&connection, &plan, "ds", &all_ran(2))
            .await
            .unwrap_err();
        assert_eq!(failure.step_id, "1-1");
        assert_eq!(failure.last_completed_phase, Some(1));
        assert!(failure.message.starts_with("table ns.a holds rows"));
        assert_eq!(
            connection.calls(),
            ["begin", "undo 2-1", "record ds Some(1)"]
        );
    }

    #[tokio::test]
    async fn an_irreversible_step_stops_the_undo_before_anything_runs() {
        let plan = plan(vec![
            (1, vec![step("1-1", vec![], &["undo 1-1"])]),
            (9, vec![step("9-1", vec![Hazard::DeletesData], &[])]),
        ]);
        let connection = Recorder::default();
        let failure = undo_phases(&connection, &plan, "ds", &all_ran(9))
            .await
            .unwrap_err();
        assert_eq!(
            failure,
            UndoFailure {
                step_id: "9-1".to_string(),
                message: "step 9-1 (act Dog) cannot be undone here".to_string(),
                last_completed_phase: Some(9),
            }
        );
        assert!(connection.calls().is_empty());
    }
}
