//! LocationSession: what the deploy choreography needs from an engine's location (a PostgreSQL
//! database, a Snowflake database). One session is one connection, held for one deploy or run,
//! so that the per-dataset lock lives exactly as long as the work it guards.

use std::time::Duration;

use async_trait::async_trait;
use depot_core::physical::PhysicalModel;
use depot_core::undo::UndoScope;
use depot_core::{Dialect, Plan};

use crate::drift::DriftCheck;
use crate::seeding::SeedReport;
use crate::state::DatasetState;

/// LocationError is a failure talking to the location.
#[derive(Debug, thiserror::Error)]
pub enum LocationError {
    /// Another migration holds the dataset's lock.
    #[error("another migration of dataset {dataset_id} is running (waited {waited:?} for it); try again when it ends")]
    Busy {
        dataset_id: String,
        waited: Duration,
    },
    /// The state record changed under us (compare-and-set on `version` failed).
    #[error("the state of dataset {dataset_id} changed concurrently (expected version {expected}); nothing was written")]
    Conflict { dataset_id: String, expected: i64 },
    /// Anything else: connection, SQL, permissions. The message never holds a secret.
    #[error("{0}")]
    Other(String),
}

/// RunOptions bound one execution of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// The dataset whose state record receives progress.
    pub dataset_id: String,
    /// Skip phases numbered below.
    pub first_phase: Option<u32>,
    /// Skip phases numbered above.
    pub last_phase: Option<u32>,
}

impl RunOptions {
    /// True when phase `n` is inside the range.
    pub fn includes(&self, n: u32) -> bool {
        self.first_phase.is_none_or(|f| n >= f) && self.last_phase.is_none_or(|l| n <= l)
    }
}

/// RunReport tells what a successful run did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunReport {
    pub phases_run: Vec<u32>,
    pub steps_run: usize,
    /// Statements retried after `lock_not_available`.
    pub lock_retries: usize,
}

/// RunFailure tells where a run stopped. Phases up to `last_completed_phase` are committed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("phase {phase}, step {step_id}: {message}")]
pub struct RunFailure {
    pub phase: u32,
    pub step_id: String,
    pub message: String,
    pub last_completed_phase: Option<u32>,
}

/// UndoReport tells what an undo did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UndoReport {
    /// Steps whose change was reversed (a step without undo statements counts too).
    pub steps_undone: usize,
    pub statements_run: usize,
}

/// UndoFailure tells where an undo stopped. Phases above `last_completed_phase` were undone;
/// the phases up to it are still applied (None: nothing of the plan is left applied).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("undoing step {step_id}: {message}")]
pub struct UndoFailure {
    pub step_id: String,
    pub message: String,
    pub last_completed_phase: Option<u32>,
}

/// LocationSession is one connection to a location.
#[async_trait]
pub trait LocationSession: Send {
    /// The engine's dialect, for planning.
    fn dialect(&self) -> &dyn Dialect;

    /// Creates Depot's `__admin` namespace and state table if missing (idempotent, safe to run
    /// concurrently).
    async fn prepare(&mut self) -> Result<(), LocationError>;

    /// Takes the one-migration-at-a-time lock of `dataset_id`, waiting at most `wait`.
    async fn lock_dataset(&mut self, dataset_id: &str, wait: Duration)
        -> Result<(), LocationError>;

    /// Releases the lock taken by `lock_dataset` (it is also released if the session dies).
    async fn unlock_dataset(&mut self, dataset_id: &str) -> Result<(), LocationError>;

    /// The state record of `dataset_id`, if any.
    async fn load_state(&mut self, dataset_id: &str)
        -> Result<Option<DatasetState>, LocationError>;

    /// The state record of the dataset with this alias or id in `environment_id`, if any.
    async fn find_state(
        &mut self,
        environment_id: &str,
        alias_or_id: &str,
    ) -> Result<Option<DatasetState>, LocationError>;

    /// Writes `state` if the stored record still has `state.version` (0: must not exist yet),
    /// and returns the stored record, whose version is one more and `synced` now.
    async fn save_state(&mut self, state: &DatasetState) -> Result<DatasetState, LocationError>;

    /// Runs the plan's phases within `options`. Progress (`last_completed_phase`) is recorded in
    /// the dataset's state record as each phase completes, atomically with the phase where the
    /// engine allows it.
    async fn run_plan(
        &mut self,
        plan: &Plan,
        options: &RunOptions,
    ) -> Result<RunReport, RunFailure>;

    /// Reverses, last first, the steps of `plan` that `scope` says ran (see
    /// `depot_core::undo`), recording in the dataset's state record, as each phase is undone,
    /// the last phase still applied. Engines that cannot undo say so.
    async fn undo_plan(
        &mut self,
        plan: &Plan,
        dataset_id: &str,
        scope: &UndoScope,
    ) -> Result<UndoReport, UndoFailure> {
        let _ = (plan, dataset_id);
        Err(UndoFailure {
            step_id: String::new(),
            message: "this engine cannot undo a migration yet".to_string(),
            last_completed_phase: scope.through_phase,
        })
    }

    /// Whether a migration holds the lock of `dataset_id` now (None: the engine cannot tell).
    async fn is_locked(&mut self, dataset_id: &str) -> Result<Option<bool>, LocationError> {
        let _ = dataset_id;
        Ok(None)
    }

    /// Compares the live objects of `expected.namespace` with `expected` (the deployed
    /// version's model), for the runner's drift check. Engines that cannot compare yet say so.
    async fn check_drift(&mut self, expected: &PhysicalModel) -> Result<DriftCheck, LocationError> {
        let _ = expected;
        Ok(DriftCheck::Unsupported)
    }

    /// Upserts `seeds` (rows by logical object name, values by logical field name, normalized)
    /// into the objects of `model`, on each object's primary key, in one transaction.
    async fn upsert_seeds(
        &mut self,
        model: &PhysicalModel,
        seeds: &Seeds,
    ) -> Result<SeedReport, LocationError> {
        let _ = (model, seeds);
        Err(LocationError::Other(
            "seeding is not supported by this engine yet".to_string(),
        ))
    }

    /// Recomputes the rows of the materialized views of `model` (every one, or the one `only`
    /// names by logical or physical name), each after those it reads; gives their physical
    /// names.
    async fn refresh_materialized_views(
        &mut self,
        model: &PhysicalModel,
        only: Option<&str>,
    ) -> Result<Vec<String>, LocationError> {
        let _ = (model, only);
        Err(LocationError::Other(
            "this engine refreshes no materialized view on demand (Snowflake keeps its \
             materialized views current by itself)"
                .to_string(),
        ))
    }
}

/// Seeds are a package's seed rows: by logical object name, each row by logical field name.
pub type Seeds =
    std::collections::BTreeMap<String, Vec<serde_json::Map<String, serde_json::Value>>>;
