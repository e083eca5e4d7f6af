//! run_plan: runs a migration plan's phases on one Snowflake session, in ascending order.
//!
//! - Snowflake commits each DDL statement on its own, so there is no phase transaction to roll
//!   back. Instead every step is safe to run twice (see [`crate::render`]), progress is
//!   recorded per step in `__ADMIN.STEP_PROGRESS` as soon as the step completes, and a resumed
//!   run skips the steps recorded for its migration. Steps completing together in concurrent
//!   groups share one INSERT ([`crate::progress`]). A statement that is not idempotent by its
//!   own form is checked against the catalog first ([`crate::precondition`]).
//! - Round trips to Snowflake are slow, so the independent steps of a phase run concurrently,
//!   at most `concurrency` at a time: steps are grouped by the object they change (a table and
//!   its columns, keys and constraints), each group runs in plan order, and groups run side by
//!   side. Views are one group, in the plan's dependency order.
//! - When a step fails, no new group starts; groups already running finish their current step,
//!   so what completed is recorded. The failure reported is the first failing step in plan
//!   order.
//! - The statements carry a QUERY_TAG naming the dataset and the migration, set on the
//!   session for the run and unset after it.
//! - Each completed phase is recorded in the state record (`LAST_COMPLETED_PHASE`, a new
//!   `VERSION`), so a caller holding the record from before the run must reload it.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use depot_core::dialect::{Dialect, RenderContext};
use depot_core::plan::{Phase, Plan, Step};
use depot_deploy::{RunFailure, RunOptions, RunReport};
use futures::StreamExt;
use tracing::Instrument;

use crate::admin::{self, PROGRESS_TABLE};
use crate::client::{SnowflakeClient, SnowflakeError};
use crate::dialect::SnowflakeDialect;
use crate::literal::quote;
use crate::precondition::{precondition, Precondition};
use crate::progress::ProgressLog;
use crate::{lease, state_store};

/// RunSettings bound one run: how many steps run at once, and the lease to keep alive.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// At most this many groups of steps run at the same time (1: one statement at a time).
    pub concurrency: usize,
    /// The lease held on the dataset, renewed before each phase.
    pub lease: Option<HeldLease>,
}

/// HeldLease is a lease this session holds.
#[derive(Debug, Clone)]
pub struct HeldLease {
    pub dataset_id: String,
    pub holder: String,
    pub ttl: Duration,
}

/// WorkStep is one plan step ready to run: its statements, rendered when the plan left them out.
#[derive(Debug, Clone)]
struct WorkStep {
    /// Position in the plan, to report the first failure in plan order.
    order: usize,
    id: String,
    action: String,
    target: String,
    statements: Vec<String>,
}

/// Runs `plan`'s phases within `options` on `client`.
pub async fn run_plan(
    client: &SnowflakeClient,
    plan: &Plan,
    options: &RunOptions,
    settings: &RunSettings,
) -> Result<RunReport, RunFailure> {
    let mut phases: Vec<&Phase> = plan
        .phases
        .iter()
        .filter(|p| options.includes(p.phase))
        .collect();
    phases.sort_by_key(|p| p.phase);
    let first_phase = phases.first().map(|p| p.phase).unwrap_or_default();
    let started = Instant::now();
    tracing::info!(
        migration_id = %plan.migration_id,
        dataset_id = %options.dataset_id,
        phases = phases.len(),
        concurrency = settings.concurrency,
        "plan run started"
    );
    let mut run = Run {
        client,
        plan,
        options,
        settings,
        report: RunReport::default(),
        last_completed: None,
        record_progress: false,
        completed: HashSet::new(),
        progress: ProgressLog::new(client, &options.dataset_id, &plan.migration_id),
    };
    if plan.engine != crate::dialect::SNOWFLAKE {
        return Err(run.failure(
            first_phase,
            "",
            format!("the plan is for {}, not snowflake", plan.engine),
        ));
    }
    let begin = format!("{first_phase}-begin");
    client
        .execute(&format!(
            "ALTER SESSION SET QUERY_TAG = {}",
            quote(&query_tag(plan))
        ))
        .await
        .map_err(|e| run.failure(first_phase, &begin, format!("setting the query tag: {e}")))?;
    let result = run.phases(&phases, &begin).await;
    if let Err(e) = client.execute("ALTER SESSION UNSET QUERY_TAG").await {
        tracing::warn!(error = %e, "could not unset the query tag");
    }
    result?;
    tracing::info!(
        migration_id = %plan.migration_id,
        phases_run = ?run.report.phases_run,
        steps_run = run.report.steps_run,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "plan run completed"
    );
    Ok(run.report)
}

/// The QUERY_TAG of a plan's statements: JSON naming the dataset and the migration, so that
/// Snowflake's query history tells which migration ran each statement.
pub fn query_tag(plan: &Plan) -> String {
    serde_json::json!({
        "app": "depot",
        "datasetId": plan.dataset_id,
        "datasetAlias": plan.dataset_alias,
        "migrationId": plan.migration_id,
    })
    .to_string()
}

/// True when `sql` holds no statement, only comments: a note of the plan, never sent.
pub fn is_note(sql: &str) -> bool {
    sql.lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with("--"))
}

/// Run is the state of one `run_plan` call.
struct Run<'a> {
    client: &'a SnowflakeClient,
    plan: &'a Plan,
    options: &'a RunOptions,
    settings: &'a RunSettings,
    report: RunReport,
    last_completed: Option<u32>,
    record_progress: bool,
    /// Steps of this migration recorded as completed by an earlier run.
    completed: HashSet<String>,
    /// Where completed steps are written (when the admin schema exists).
    progress: ProgressLog<'a>,
}

/// PhaseOutcome gathers what the concurrent groups of one phase did.
#[derive(Default)]
struct PhaseOutcome {
    steps_run: usize,
    failures: Vec<(usize, String, String)>,
}

impl Run<'_> {
    async fn phases(&mut self, phases: &[&Phase], begin: &str) -> Result<(), RunFailure> {
        let first_phase = phases.first().map(|p| p.phase).unwrap_or_default();
        self.record_progress = admin::is_prepared(self.client)
            .await
            .map_err(|e| self.failure(first_phase, begin, e.to_string()))?;
        if self.record_progress {
            self.completed = self
                .completed_steps()
                .await
                .map_err(|e| self.failure(first_phase, begin, e.to_string()))?;
            if !self.completed.is_empty() {
                tracing::info!(
                    steps = self.completed.len(),
                    "resuming: steps recorded by an earlier run are skipped"
                );
            }
        } else {
            tracing::warn!("no __ADMIN schema in this database: progress is not recorded");
        }
        for phase in phases {
            let span = tracing::info_span!("phase", phase = phase.phase, name = %phase.name);
            self.phase(phase).instrument(span).await?;
        }
        Ok(())
    }

    async fn completed_steps(&self) -> Result<HashSet<String>, SnowflakeError> {
        let rows = self
            .client
            .query(&format!(
                "SELECT STEP_ID FROM {PROGRESS_TABLE} WHERE DATASET_ID = {} AND MIGRATION_ID = {}",
                quote(&self.options.dataset_id),
                quote(&self.plan.migration_id)
            ))
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect())
    }

    async fn phase(&mut self, phase: &Phase) -> Result<(), RunFailure> {
        let started = Instant::now();
        let begin = format!("{}-begin", phase.phase);
        if let Some(held) = &self.settings.lease {
            lease::renew(self.client, &held.dataset_id, &held.holder, held.ttl)
                .await
                .map_err(|m| self.failure(phase.phase, &begin, m))?;
        }
        let steps = self.prepare_steps(phase)?;
        let groups = groups(steps);
        tracing::info!(
            steps = phase.steps.len(),
            groups = groups.len(),
            "phase started"
        );
        let outcome = Mutex::new(PhaseOutcome::default());
        let this = &*self;
        futures::stream::iter(groups)
            .for_each_concurrent(self.settings.concurrency.max(1), |group| {
                let outcome = &outcome;
                async move {
                    for step in group {
                        if outcome
                            .lock()
                            .map(|o| !o.failures.is_empty())
                            .unwrap_or(true)
                        {
                            return;
                        }
                        match this.step(&step).await {
                            Ok(()) => {
                                if let Ok(mut o) = outcome.lock() {
                                    o.steps_run += 1;
                                }
                            }
                            Err(message) => {
                                if let Ok(mut o) = outcome.lock() {
                                    o.failures.push((step.order, step.id.clone(), message));
                                }
                                return;
                            }
                        }
                    }
                }
            })
            .await;
        let mut outcome = outcome.into_inner().unwrap_or_default();
        self.report.steps_run += outcome.steps_run;
        outcome.failures.sort_by_key(|(order, _, _)| *order);
        if let Some((_, step_id, message)) = outcome.failures.into_iter().next() {
            return Err(self.failure(phase.phase, &step_id, message));
        }
        if self.record_progress {
            state_store::record_phase(self.client, &self.options.dataset_id, Some(phase.phase))
                .await
                .map_err(|e| {
                    self.failure(
                        phase.phase,
                        &format!("{}-progress", phase.phase),
                        format!("recording the phase: {e}"),
                    )
                })?;
        }
        self.last_completed = Some(phase.phase);
        self.report.phases_run.push(phase.phase);
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "phase completed"
        );
        Ok(())
    }

    /// Runs one step (unless an earlier run completed it) and records it.
    async fn step(&self, step: &WorkStep) -> Result<(), String> {
        if self.completed.contains(&step.id) {
            tracing::info!(step_id = %step.id, "step completed by an earlier run: skipped");
            return Ok(());
        }
        let started = Instant::now();
        tracing::info!(step_id = %step.id, action = %step.action, target = %step.target, "step started");
        for sql in &step.statements {
            self.statement(sql).await?;
        }
        if self.record_progress {
            self.progress
                .record(&step.id)
                .await
                .map_err(|e| format!("recording the step: {e}"))?;
        }
        tracing::info!(step_id = %step.id, elapsed_ms = started.elapsed().as_millis() as u64, "step completed");
        Ok(())
    }

    /// Runs one statement: a note is not sent, and a statement with a precondition runs only
    /// when the catalog says its work is not done yet.
    async fn statement(&self, sql: &str) -> Result<(), String> {
        if is_note(sql) {
            return Ok(());
        }
        if let Some(pre) = precondition(sql, &self.plan.metadata.namespace) {
            let needed = needs_running(self.client, &pre)
                .await
                .map_err(|e| format!("checking whether an earlier run did this: {e}"))?;
            if !needed {
                tracing::info!(?pre, "done by an earlier run: statement skipped");
                return Ok(());
            }
        }
        self.client.execute(sql).await.map_err(|e| e.to_string())
    }

    /// The phase's steps with their statements; a step without SQL is rendered from its change.
    fn prepare_steps(&self, phase: &Phase) -> Result<Vec<WorkStep>, RunFailure> {
        phase
            .steps
            .iter()
            .enumerate()
            .map(|(order, step)| self.prepare_step(phase, order, step))
            .collect()
    }

    fn prepare_step(
        &self,
        phase: &Phase,
        order: usize,
        step: &Step,
    ) -> Result<WorkStep, RunFailure> {
        let statements = match (&step.sql, &step.change) {
            (Some(sql), _) => vec![sql.clone()],
            (None, Some(change)) => {
                let ctx = RenderContext {
                    namespace: self.plan.metadata.namespace.clone(),
                };
                SnowflakeDialect
                    .render(change, &ctx)
                    .map_err(|e| {
                        self.failure(
                            phase.phase,
                            &step.id,
                            format!("cannot render the step: {e}"),
                        )
                    })?
                    .into_iter()
                    .map(|d| d.sql)
                    .collect()
            }
            (None, None) => {
                return Err(self.failure(
                    phase.phase,
                    &step.id,
                    "the step has neither sql nor change".to_string(),
                ))
            }
        };
        Ok(WorkStep {
            order,
            id: step.id.clone(),
            action: step.action.clone(),
            target: step.target.clone(),
            statements,
        })
    }

    fn failure(&self, phase: u32, step_id: &str, message: String) -> RunFailure {
        tracing::error!(phase, step_id, message = %message, "plan run failed");
        RunFailure {
            phase,
            step_id: step_id.to_string(),
            message,
            last_completed_phase: self.last_completed,
        }
    }
}

/// Whether the work of a statement with precondition `pre` is still to do, by the catalog (an
/// earlier run, or an undo, may have done it).
pub(crate) async fn needs_running(
    client: &SnowflakeClient,
    pre: &Precondition,
) -> Result<bool, SnowflakeError> {
    let count = |sql: String| async move {
        let rows = client.query(&sql).await?;
        Ok::<usize, SnowflakeError>(
            rows.first()
                .and_then(|r| r.first().cloned().flatten())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        )
    };
    let names = |sql: String| async move {
        let rows = client.query(&sql).await?;
        Ok::<HashSet<String>, SnowflakeError>(
            rows.into_iter()
                .filter_map(|r| r.into_iter().next().flatten())
                .collect(),
        )
    };
    Ok(match pre {
        Precondition::TableRenamed { schema, from, to } => {
            let found = names(format!(
                "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = {} \
                 AND TABLE_NAME IN ({}, {})",
                quote(schema),
                quote(from),
                quote(to)
            ))
            .await?;
            found.contains(from) || !found.contains(to)
        }
        Precondition::ColumnRenamed {
            schema,
            table,
            from,
            to,
        } => {
            let found = names(format!(
                "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = {} \
                 AND TABLE_NAME = {} AND COLUMN_NAME IN ({}, {})",
                quote(schema),
                quote(table),
                quote(from),
                quote(to)
            ))
            .await?;
            found.contains(from) || !found.contains(to)
        }
        Precondition::ConstraintAbsent {
            schema,
            table,
            name,
        } => {
            count(constraint_count(
                schema,
                table,
                &format!("CONSTRAINT_NAME = {}", quote(name)),
            ))
            .await?
                == 0
        }
        Precondition::ConstraintPresent {
            schema,
            table,
            name,
        } => {
            count(constraint_count(
                schema,
                table,
                &format!("CONSTRAINT_NAME = {}", quote(name)),
            ))
            .await?
                > 0
        }
        Precondition::PrimaryKeyPresent { schema, table } => {
            count(constraint_count(
                schema,
                table,
                "CONSTRAINT_TYPE = 'PRIMARY KEY'",
            ))
            .await?
                > 0
        }
    })
}

fn constraint_count(schema: &str, table: &str, condition: &str) -> String {
    format!(
        "SELECT COUNT(*)::VARCHAR FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS \
         WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} AND {condition}",
        quote(schema),
        quote(table)
    )
}

/// The steps grouped by what they change, groups in order of first appearance, steps in plan
/// order within a group. Views read each other, so all view steps form one group.
fn groups(steps: Vec<WorkStep>) -> Vec<Vec<WorkStep>> {
    let mut keys: Vec<String> = Vec::new();
    let mut out: Vec<Vec<WorkStep>> = Vec::new();
    for step in steps {
        let key = match step.action.as_str() {
            "createView" | "dropView" => String::new(),
            _ => step
                .target
                .split('.')
                .next()
                .unwrap_or_default()
                .to_string(),
        };
        match keys.iter().position(|k| *k == key) {
            Some(i) => out[i].push(step),
            None => {
                keys.push(key);
                out.push(vec![step]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(order: usize, action: &str, target: &str) -> WorkStep {
        WorkStep {
            order,
            id: format!("600-{}", order + 1),
            action: action.to_string(),
            target: target.to_string(),
            statements: Vec::new(),
        }
    }

    #[test]
    fn steps_of_one_object_share_a_group_and_views_form_one() {
        let groups = groups(vec![
            step(0, "addField", "Dog.name"),
            step(1, "addField", "Cat.name"),
            step(2, "alterFieldType", "Dog.age"),
            step(3, "createView", "DogView"),
            step(4, "createView", "CatView"),
        ]);
        let ids: Vec<Vec<usize>> = groups
            .iter()
            .map(|g| g.iter().map(|s| s.order).collect())
            .collect();
        assert_eq!(ids, vec![vec![0, 2], vec![1], vec![3, 4]]);
    }

    #[test]
    fn notes_are_comment_only_statements() {
        assert!(is_note("-- index X is not created"));
        assert!(is_note("-- a\n  -- b\n"));
        assert!(!is_note("-- a\nDROP TABLE X"));
    }
}
