//! run_plan: runs a migration plan's phases on one PostgreSQL connection, in ascending order,
//! recording progress in the dataset's state record as each phase completes.
//!
//! - A transactional phase runs in one transaction with a short `lock_timeout`; its progress
//!   update commits with it, so the record never claims a phase that did not happen. When a
//!   statement gives up waiting for a lock (`lock_not_available`), the whole phase is rolled back
//!   and retried after a backoff: nothing of it happened, so retrying is safe.
//! - A non-transactional phase (`CREATE INDEX CONCURRENTLY`, `VALIDATE CONSTRAINT`) runs each
//!   statement on its own. A concurrent index build that failed leaves an INVALID index behind;
//!   before each build (first attempt and retries alike) such an index is dropped, and a VALID
//!   index of the same name (built by an earlier run) makes the step a no-op, so a resumed run
//!   is idempotent. Its progress is recorded after its last statement.
//!
//! Each recorded phase bumps the state record's `version` (SPEC §7: every change does), so a
//! caller holding the record from before the run must reload it before saving. A failure's
//! `last_completed_phase` is the last phase completed by this run (None when none was).

use std::time::{Duration, Instant};

use depot_core::dialect::{Dialect, RenderContext};
use depot_core::plan::{Phase, Plan, Step};
use depot_deploy::{RunFailure, RunOptions, RunReport};
use sqlparser::ast::{Ident, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use tokio_postgres::{Client, GenericClient};
use tracing::Instrument;

use crate::dialect::{quote_ident, PostgresDialect};
use crate::pg_error;
use crate::retry::RetryPolicy;

/// Records that `$2` is the last completed phase of dataset `$1`.
const PROGRESS_SQL: &str = "UPDATE __admin.dataset_state \
     SET last_completed_phase = $2, version = version + 1, synced = now() WHERE id = $1";

/// WorkStep is one plan step ready to run: its statements, rendered when the plan left them out.
#[derive(Debug, Clone, PartialEq)]
struct WorkStep {
    id: String,
    action: String,
    target: String,
    statements: Vec<String>,
}

/// StepError is a statement's failure with the step (or pseudo-step: `<phase>-begin`,
/// `<phase>-progress`, `<phase>-commit`) it happened in.
struct StepError {
    step_id: String,
    error: tokio_postgres::Error,
}

impl StepError {
    fn at(step_id: &str) -> impl FnOnce(tokio_postgres::Error) -> StepError + '_ {
        move |error| StepError {
            step_id: step_id.to_string(),
            error,
        }
    }
}

/// Runs `plan`'s phases within `options` on `client`, with `policy`'s lock waits and retries.
pub async fn run_plan(
    client: &mut Client,
    plan: &Plan,
    options: &RunOptions,
    policy: &RetryPolicy,
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
        first_phase = ?options.first_phase,
        last_phase = ?options.last_phase,
        "plan run started"
    );
    if plan.engine != crate::dialect::POSTGRES {
        return Err(RunFailure {
            phase: first_phase,
            step_id: String::new(),
            message: format!("the plan is for {}, not postgres", plan.engine),
            last_completed_phase: None,
        });
    }
    let mut run = Run {
        plan,
        options,
        policy,
        report: RunReport::default(),
        last_completed: None,
        record_progress: false,
    };
    run.record_progress = state_table_exists(client)
        .await
        .map_err(|e| run.failure(first_phase, &format!("{first_phase}-begin"), &e))?;
    if !run.record_progress {
        tracing::warn!("no __admin.dataset_state table in this database: progress is not recorded");
    }
    let too_old = crate::server_version::check(client, plan)
        .await
        .map_err(|e| run.failure(first_phase, &format!("{first_phase}-begin"), &e))?;
    if let Some(message) = too_old {
        return Err(RunFailure {
            phase: first_phase,
            step_id: String::new(),
            message,
            last_completed_phase: None,
        });
    }
    for phase in phases {
        let span = tracing::info_span!("phase", phase = phase.phase, name = %phase.name);
        run.phase(client, phase).instrument(span).await?;
    }
    tracing::info!(
        migration_id = %plan.migration_id,
        phases_run = ?run.report.phases_run,
        steps_run = run.report.steps_run,
        lock_retries = run.report.lock_retries,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "plan run completed"
    );
    Ok(run.report)
}

/// Run is the state of one `run_plan` call.
struct Run<'a> {
    plan: &'a Plan,
    options: &'a RunOptions,
    policy: &'a RetryPolicy,
    report: RunReport,
    last_completed: Option<u32>,
    record_progress: bool,
}

impl Run<'_> {
    async fn phase(&mut self, client: &mut Client, phase: &Phase) -> Result<(), RunFailure> {
        let started = Instant::now();
        tracing::info!(
            steps = phase.steps.len(),
            transactional = phase.transactional,
            "phase started"
        );
        let steps = self.prepare_steps(phase)?;
        if phase.transactional {
            self.transactional(client, phase, &steps).await?;
        } else {
            self.autocommit(client, phase, &steps).await?;
        }
        self.last_completed = Some(phase.phase);
        self.report.phases_run.push(phase.phase);
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "phase completed"
        );
        Ok(())
    }

    /// The phase's steps with their statements; a step without SQL is rendered from its change.
    fn prepare_steps(&self, phase: &Phase) -> Result<Vec<WorkStep>, RunFailure> {
        phase
            .steps
            .iter()
            .map(|step| self.prepare_step(phase, step))
            .collect()
    }

    fn prepare_step(&self, phase: &Phase, step: &Step) -> Result<WorkStep, RunFailure> {
        let statements = match (&step.sql, &step.change) {
            (Some(sql), _) => vec![sql.clone()],
            (None, Some(change)) => {
                let ctx = RenderContext {
                    namespace: self.plan.metadata.namespace.clone(),
                };
                let drafts = PostgresDialect.render(change, &ctx).map_err(|e| {
                    self.failure_message(
                        phase.phase,
                        &step.id,
                        format!("cannot render the step: {e}"),
                    )
                })?;
                if phase.transactional && drafts.iter().any(|d| !d.transactional) {
                    return Err(self.failure_message(
                        phase.phase,
                        &step.id,
                        "the step renders a statement that cannot run inside a transaction, \
                         but its phase is transactional"
                            .to_string(),
                    ));
                }
                drafts.into_iter().map(|d| d.sql).collect()
            }
            (None, None) => {
                return Err(self.failure_message(
                    phase.phase,
                    &step.id,
                    "the step has neither sql nor change".to_string(),
                ))
            }
        };
        Ok(WorkStep {
            id: step.id.clone(),
            action: step.action.clone(),
            target: step.target.clone(),
            statements,
        })
    }

    /// Runs a transactional phase, whole, retrying it after `lock_not_available`.
    async fn transactional(
        &mut self,
        client: &mut Client,
        phase: &Phase,
        steps: &[WorkStep],
    ) -> Result<(), RunFailure> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let progress = self.progress_target();
            match try_transaction(client, phase.phase, steps, self.policy, progress).await {
                Ok(()) => {
                    self.report.steps_run += steps.len();
                    return Ok(());
                }
                Err(e)
                    if pg_error::is_lock_not_available(&e.error)
                        && self.policy.may_retry(attempts) =>
                {
                    self.report.lock_retries += 1;
                    let delay = self.policy.delay(attempts);
                    tracing::warn!(
                        step_id = %e.step_id,
                        attempt = attempts,
                        delay_ms = delay.as_millis() as u64,
                        "lock not available: phase rolled back, retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(e) => return Err(self.failure(phase.phase, &e.step_id, &e.error)),
            }
        }
    }

    /// Runs a non-transactional phase, statement by statement.
    async fn autocommit(
        &mut self,
        client: &mut Client,
        phase: &Phase,
        steps: &[WorkStep],
    ) -> Result<(), RunFailure> {
        let begin = format!("{}-begin", phase.phase);
        client
            .execute(
                &format!("SET lock_timeout = {}", self.policy.lock_timeout_sql()),
                &[],
            )
            .await
            .map_err(|e| self.failure(phase.phase, &begin, &e))?;
        let result = self.autocommit_steps(client, phase, steps).await;
        if let Err(e) = client.execute("RESET lock_timeout", &[]).await {
            tracing::warn!(error = %pg_error::describe(&e), "could not reset lock_timeout");
        }
        result
    }

    async fn autocommit_steps(
        &mut self,
        client: &mut Client,
        phase: &Phase,
        steps: &[WorkStep],
    ) -> Result<(), RunFailure> {
        let namespace = self.plan.metadata.namespace.clone();
        for step in steps {
            let started = log_step_start(step);
            for sql in &step.statements {
                let index = concurrent_index_target(sql, &namespace);
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    match run_autocommit_statement(client, sql, index.as_ref()).await {
                        Ok(()) => break,
                        Err(e)
                            if pg_error::is_lock_not_available(&e)
                                && self.policy.may_retry(attempts) =>
                        {
                            self.report.lock_retries += 1;
                            let delay = self.policy.delay(attempts);
                            tracing::warn!(
                                step_id = %step.id,
                                attempt = attempts,
                                delay_ms = delay.as_millis() as u64,
                                "lock not available: statement cancelled, retrying"
                            );
                            tokio::time::sleep(delay).await;
                        }
                        Err(e) => return Err(self.failure(phase.phase, &step.id, &e)),
                    }
                }
            }
            self.report.steps_run += 1;
            log_step_end(step, started);
        }
        if let Some(dataset_id) = self.progress_target() {
            let phase_number = phase_number(phase.phase);
            client
                .execute(PROGRESS_SQL, &[&dataset_id, &phase_number])
                .await
                .map_err(|e| self.failure(phase.phase, &format!("{}-progress", phase.phase), &e))?;
        }
        Ok(())
    }

    /// The dataset whose record receives progress, when there is a state table.
    fn progress_target(&self) -> Option<&str> {
        self.record_progress
            .then_some(self.options.dataset_id.as_str())
    }

    fn failure(&self, phase: u32, step_id: &str, error: &tokio_postgres::Error) -> RunFailure {
        self.failure_message(phase, step_id, pg_error::describe(error))
    }

    fn failure_message(&self, phase: u32, step_id: &str, message: String) -> RunFailure {
        tracing::error!(phase, step_id, message = %message, "plan run failed");
        RunFailure {
            phase,
            step_id: step_id.to_string(),
            message,
            last_completed_phase: self.last_completed,
        }
    }
}

/// One attempt at a transactional phase: BEGIN, lock_timeout, every statement, progress,
/// COMMIT; ROLLBACK on any error.
async fn try_transaction(
    client: &mut Client,
    phase: u32,
    steps: &[WorkStep],
    policy: &RetryPolicy,
    progress: Option<&str>,
) -> Result<(), StepError> {
    let begin = format!("{phase}-begin");
    let tx = client.transaction().await.map_err(StepError::at(&begin))?;
    let body = async {
        tx.execute(
            &format!("SET LOCAL lock_timeout = {}", policy.lock_timeout_sql()),
            &[],
        )
        .await
        .map_err(StepError::at(&begin))?;
        for step in steps {
            let started = log_step_start(step);
            for sql in &step.statements {
                execute_one(&tx, sql)
                    .await
                    .map_err(StepError::at(&step.id))?;
            }
            log_step_end(step, started);
        }
        if let Some(dataset_id) = progress {
            let progress_id = format!("{phase}-progress");
            tx.execute(PROGRESS_SQL, &[&dataset_id, &phase_number(phase)])
                .await
                .map_err(StepError::at(&progress_id))?;
        }
        Ok(())
    }
    .await;
    match body {
        Ok(()) => {
            let commit = format!("{phase}-commit");
            tx.commit().await.map_err(StepError::at(&commit))
        }
        Err(e) => {
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = %pg_error::describe(&rollback), "rollback failed");
            }
            Err(e)
        }
    }
}

/// Runs one statement outside a transaction. A concurrent index build first checks what an
/// earlier attempt left: an INVALID index of that name is dropped, a VALID one skips the build.
async fn run_autocommit_statement(
    client: &Client,
    sql: &str,
    index: Option<&IndexTarget>,
) -> Result<(), tokio_postgres::Error> {
    if let Some(index) = index {
        match index_validity(client, index).await? {
            Some(true) => {
                tracing::info!(
                    index = %index.qualified(),
                    "index already built and valid (an earlier run): step skipped"
                );
                return Ok(());
            }
            Some(false) => {
                tracing::warn!(
                    index = %index.qualified(),
                    "dropping the INVALID index left by an earlier failed build"
                );
                client
                    .execute(
                        &format!("DROP INDEX CONCURRENTLY IF EXISTS {}", index.qualified()),
                        &[],
                    )
                    .await?;
            }
            None => {}
        }
    }
    execute_one(client, sql).await
}

/// Runs one plan statement through the extended query protocol (Parse, Bind, Execute): the
/// server refuses a text holding more than one statement ("cannot insert multiple commands into
/// a prepared statement"), so a step can never smuggle a second statement past its plan. The
/// simple protocol (`batch_execute`) would run every statement of the text.
pub(crate) async fn execute_one<C: GenericClient>(
    client: &C,
    sql: &str,
) -> Result<(), tokio_postgres::Error> {
    tracing::debug!(sql, "statement");
    client.execute(sql, &[]).await.map(|_| ())
}

/// IndexTarget is the index a `CREATE INDEX CONCURRENTLY` statement builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexTarget {
    pub namespace: String,
    pub name: String,
}

impl IndexTarget {
    /// `namespace.name`, quoted as needed.
    pub fn qualified(&self) -> String {
        format!(
            "{}.{}",
            quote_ident(&self.namespace),
            quote_ident(&self.name)
        )
    }
}

/// The index built by `sql` when it is one `CREATE [UNIQUE] INDEX CONCURRENTLY name ON ...`
/// statement: its name and namespace (the table's schema, else `default_namespace`).
pub fn concurrent_index_target(sql: &str, default_namespace: &str) -> Option<IndexTarget> {
    let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).ok()?;
    let [Statement::CreateIndex(create)] = statements.as_slice() else {
        return None;
    };
    if !create.concurrently {
        return None;
    }
    let parts = |name: &sqlparser::ast::ObjectName| -> Option<Vec<String>> {
        name.0
            .iter()
            .map(|p| p.as_ident().map(ident_value))
            .collect()
    };
    let index = parts(create.name.as_ref()?)?;
    let table = parts(&create.table_name)?;
    let (namespace, name) = match index.as_slice() {
        [.., namespace, name] => (namespace.clone(), name.clone()),
        [name] => {
            let namespace = match table.as_slice() {
                [.., namespace, _table] => namespace.clone(),
                [_] | [] => default_namespace.to_string(),
            };
            (namespace, name.clone())
        }
        [] => return None,
    };
    Some(IndexTarget { namespace, name })
}

/// An identifier as PostgreSQL stores it: quoted ones as written, others folded to lowercase.
fn ident_value(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

/// Whether the index exists and is valid (None: no such index).
async fn index_validity(
    client: &Client,
    index: &IndexTarget,
) -> Result<Option<bool>, tokio_postgres::Error> {
    let row = client
        .query_opt(
            "SELECT i.indisvalid FROM pg_catalog.pg_index i \
             JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2",
            &[&index.namespace, &index.name],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}

async fn state_table_exists(client: &Client) -> Result<bool, tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT to_regclass('__admin.dataset_state') IS NOT NULL",
            &[],
        )
        .await?;
    Ok(row.get(0))
}

fn phase_number(phase: u32) -> i32 {
    // Phase numbers are at most depot_core::phase::MAX (9900).
    i32::try_from(phase).unwrap_or(i32::MAX)
}

fn log_step_start(step: &WorkStep) -> Instant {
    tracing::info!(step_id = %step.id, action = %step.action, target = %step.target, "step started");
    Instant::now()
}

fn log_step_end(step: &WorkStep, started: Instant) {
    let elapsed: Duration = started.elapsed();
    tracing::info!(step_id = %step.id, elapsed_ms = elapsed.as_millis() as u64, "step completed");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_index_of_a_concurrent_build() {
        let t = concurrent_index_target(
            "CREATE UNIQUE INDEX CONCURRENTLY dog_by_name ON ws_dev.dog (name)",
            "other",
        )
        .unwrap();
        assert_eq!(t.namespace, "ws_dev");
        assert_eq!(t.name, "dog_by_name");
        let t = concurrent_index_target(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"ByName\" ON Dog USING btree (name)",
            "ns",
        )
        .unwrap();
        assert_eq!(t.namespace, "ns");
        assert_eq!(t.name, "ByName");
        assert_eq!(t.qualified(), "ns.\"ByName\"");
        assert_eq!(
            concurrent_index_target("CREATE INDEX dog_by_name ON ns.dog (name)", "ns"),
            None
        );
        assert_eq!(
            concurrent_index_target("ALTER TABLE ns.dog VALIDATE CONSTRAINT c", "ns"),
            None
        );
        assert_eq!(concurrent_index_target("not sql at all", "ns"), None);
    }
}
