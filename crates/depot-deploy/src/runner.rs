//! Migration runner: executes a stored plan as SPEC §8 describes, for `depot run-migration` and
//! the asynchronous runner (`migration-runner`). Under the dataset's lock it:
//! - is a no-op when the plan's target version is already deployed (no state change, no event);
//! - refuses a stale plan (another version deployed or desired) with a `failed` event;
//! - refuses to start over drift (live objects that differ from the deployed version's model),
//!   with a `failed` event listing the differences;
//! - resumes a failed or interrupted attempt after its last completed phase;
//! - runs only `firstPhase..=lastPhase` when asked; a range that stops before the plan's end
//!   leaves the version attempted, and the next run resumes after it;
//! - chains seeding after a successful run when the payload (`chainWithSeeding`) or the dataset
//!   (`migrationOptions.triggerSeeding`) asks for it;
//! - waits (before taking the lock) for the dependencies the plan was made against to be
//!   deployed, and fails, naming the dependency, when one fails or the wait runs out.

use depot_core::document::{environment_key, EnvironmentDocument};
use depot_core::Plan;

use crate::dependency_wait::DependencyWait;
use crate::deployer::{Announcer, Deployer};
use crate::drift::DriftCheck;
use crate::error::DeployError;
use crate::events::LifecycleEvent;
use crate::lifecycle::Baseline;
use crate::location::{LocationSession, RunOptions, RunReport};
use crate::run_payload::RunPayload;
use crate::seeding::SeedReport;
use crate::state::DatasetState;

/// RunOutcome is what a successful run did.
#[derive(Debug)]
pub enum RunOutcome {
    /// The plan's target version is already deployed: nothing ran, nothing was sent.
    AlreadyDeployed { state: DatasetState },
    /// The plan ran (the phases in range) and the version is deployed.
    Ran {
        state: DatasetState,
        report: RunReport,
        /// Set when the run resumed after this phase of an earlier failed attempt.
        resumed_after: Option<u32>,
        /// Set when seeding ran after the migration (asked by the payload or the dataset).
        seeded: Option<SeedReport>,
    },
    /// `lastPhase` stopped the run before the plan's last phase: the phases in range ran and
    /// are recorded as completed; the version is attempted, not deployed. A later run without
    /// a range resumes after them.
    Partial {
        state: DatasetState,
        report: RunReport,
        resumed_after: Option<u32>,
    },
}

/// RunTarget is what a payload names: the plan, where it is, and the document of the version
/// it migrates to (whose configuration says where the dataset lives and where events go).
#[derive(Debug)]
pub struct RunTarget {
    pub plan: Plan,
    /// The plan's key (prefix included) in `bucket`.
    pub key: String,
    pub bucket: String,
    pub document: EnvironmentDocument,
}

impl Deployer<'_> {
    /// Reads the plan a payload names and the environment document of its target version.
    pub async fn run_target(&self, payload: &RunPayload) -> Result<RunTarget, DeployError> {
        // A payload built in code has not been through deserialization's check.
        payload.validate()?;
        let key = format!(
            "{}{}",
            payload.migration_plan_prefix, payload.migration_plan_key
        );
        let bucket = payload.migration_plan_bucket.clone();
        let plan: Plan = self.read_plan(&bucket, &key).await?;
        if plan.dataset_id != payload.dataset_id {
            return Err(DeployError::Precondition(format!(
                "the plan {key} is for dataset {}, not {}",
                plan.dataset_id, payload.dataset_id
            )));
        }
        // The plan's own ids name the environment document read next: they must be the ones
        // its key was checked for, not a path of the plan's choosing.
        if payload.environment_id() != Some(plan.environment_id.as_str())
            || !is_version_hash(&plan.to_version)
        {
            return Err(DeployError::Precondition(format!(
                "the plan {key} is not a Depot plan of environment {}: its environmentId {:?} or toVersion {:?} does not match",
                payload.environment_id().unwrap_or_default(),
                plan.environment_id,
                plan.to_version
            )));
        }
        let document = self
            .environment_document(
                &bucket,
                &plan.environment_id,
                &plan.dataset_id,
                &plan.to_version,
            )
            .await?;
        Ok(RunTarget {
            plan,
            key,
            bucket,
            document,
        })
    }

    /// Runs the plan that `payload` names. `force` runs a stale plan, and a plan over a
    /// drifted database, anyway. Dependencies are looked at once, without waiting (see
    /// [`Deployer::run_migration_waiting`]).
    pub async fn run_migration(
        &self,
        session: &mut dyn LocationSession,
        payload: &RunPayload,
        force: bool,
    ) -> Result<RunOutcome, DeployError> {
        self.run_migration_waiting(session, payload, force, &DependencyWait::none())
            .await
    }

    /// [`Deployer::run_migration`], waiting up to `wait` (without the dataset's lock) for the
    /// dependencies the plan was made against to be deployed (see `dependency_wait`).
    pub async fn run_migration_waiting(
        &self,
        session: &mut dyn LocationSession,
        payload: &RunPayload,
        force: bool,
        wait: &DependencyWait,
    ) -> Result<RunOutcome, DeployError> {
        session.prepare().await?;
        let target = self.run_target(payload).await?;
        self.await_dependencies(session, &target.plan, &target.document, wait)
            .await?;
        session
            .lock_dataset(&payload.dataset_id, self.lock_wait)
            .await?;
        let result = self.run_locked(session, payload, force, wait).await;
        let unlocked = session.unlock_dataset(&payload.dataset_id).await;
        match (result, unlocked) {
            (Ok(o), Ok(())) => Ok(o),
            (Ok(_), Err(e)) => Err(e.into()),
            (Err(e), _) => Err(e),
        }
    }

    async fn run_locked(
        &self,
        session: &mut dyn LocationSession,
        payload: &RunPayload,
        force: bool,
        wait: &DependencyWait,
    ) -> Result<RunOutcome, DeployError> {
        let RunTarget {
            plan,
            key,
            bucket,
            document,
        } = self.run_target(payload).await?;
        let state = session.load_state(&plan.dataset_id).await?.ok_or_else(|| {
            DeployError::Precondition(format!(
                "dataset {} has no state record: deploy it first",
                plan.dataset_id
            ))
        })?;
        if state.deployed_version.as_deref() == Some(plan.to_version.as_str()) {
            tracing::info!(dataset_id = %plan.dataset_id, "the plan's target version is already deployed: nothing to do");
            return Ok(RunOutcome::AlreadyDeployed { state });
        }
        let dataset = depot_core::Dataset {
            config: document.dataset.clone(),
            package: document.package.clone(),
            dataset_id: Some(plan.dataset_id.clone()),
        };
        let env_key = environment_key(&plan.environment_id, &plan.dataset_id, &plan.to_version);
        let announce = Announcer {
            deployer: self,
            dataset: &dataset,
            dataset_id: &plan.dataset_id,
            environment_uri: self.documents.uri(&bucket, &env_key),
            hash: plan.to_version.clone(),
            migration_id: plan.migration_id.clone(),
        };

        if let Some(reason) = stale_reason(&plan, &state) {
            if !force {
                let message = format!("refusing a stale plan ({key}): {reason}; nothing was changed. Re-run with force to run it anyway");
                announce
                    .lifecycle(LifecycleEvent::Failed, Some(message.clone()))
                    .await?;
                return Err(DeployError::Precondition(message));
            }
            tracing::warn!(dataset_id = %plan.dataset_id, reason, "running a stale plan because it was forced");
        }

        // The same migration failed or was interrupted before: go on after what completed.
        let same_attempt = state.migration_id.as_deref() == Some(plan.migration_id.as_str())
            && state.attempted_version.as_deref() == Some(plan.to_version.as_str());
        let resumed_after = match (same_attempt, payload.first_phase) {
            (true, None) => state.last_completed_phase,
            _ => None,
        };
        let options = RunOptions {
            dataset_id: plan.dataset_id.clone(),
            first_phase: payload.first_phase.or(resumed_after.map(|p| p + 1)),
            last_phase: payload.last_phase,
        };

        // The dependencies the plan was made against must be deployed there (or compatible).
        self.check_dependencies_locked(session, &announce, (&plan, &key, &document), &state, wait)
            .await?;

        // Drift is checked only when the run starts from the deployed version: a re-run of an
        // attempted migration, or a run from an explicit first phase, starts between versions
        // by design, where the deployed version's model no longer describes the objects. An
        // attempt that failed with no phase done (a job that never started, recorded by the
        // failure reporter; or one whose failure was undone) changed nothing the deployed
        // version's model does not describe, so its re-run is checked like a first run.
        let nothing_done = state.last_completed_phase.is_none() && state.last_error.is_some();
        if (!same_attempt || nothing_done) && payload.first_phase.is_none() {
            self.refuse_drift(session, &announce, &plan, &bucket, force)
                .await?;
        }

        announce
            .apply(
                session,
                state.attempt(
                    &plan.to_version,
                    &plan.migration_id,
                    &key,
                    false,
                    same_attempt,
                ),
            )
            .await?;

        if stops_before_the_end(&plan, &options) {
            let (state, report) = run_partial(session, &announce, &plan, &options).await?;
            return Ok(RunOutcome::Partial {
                state,
                report,
                resumed_after,
            });
        }
        let (_, report) = announce.execute(session, &plan, &options).await?;
        // The payload asks for seeding, or the dataset does (`migrationOptions.triggerSeeding`):
        // the event that started an asynchronous run does not carry the dataset's wish. Seeding
        // is part of the attempt: the version is deployed only once its seeds are in.
        let seed = payload.chain_with_seeding || document.dataset.migration_options.trigger_seeding;
        let seeded = if seed {
            Some(self.seed_or_fail(session, &announce, &document).await?)
        } else {
            None
        };
        let state = announce.complete(session).await?;
        Ok(RunOutcome::Ran {
            state,
            report,
            resumed_after,
            seeded,
        })
    }

    /// Refuses (with a `failed` event, changing nothing) when the live objects differ from
    /// the model of the version the plan starts from. `force` turns the refusal into a warning.
    async fn refuse_drift(
        &self,
        session: &mut dyn LocationSession,
        announce: &Announcer<'_>,
        plan: &Plan,
        bucket: &str,
        force: bool,
    ) -> Result<(), DeployError> {
        let Some(from) = &plan.from_version else {
            // A first deploy expects nothing; objects in its way make its own statements fail.
            return Ok(());
        };
        let old = self
            .environment_document(bucket, &plan.environment_id, &plan.dataset_id, from)
            .await?;
        let drift = match session.check_drift(&old.physical).await? {
            DriftCheck::Compared(drift) => drift,
            DriftCheck::Unsupported => {
                tracing::warn!(dataset_id = %plan.dataset_id, "this engine cannot check drift yet: running without the check");
                return Ok(());
            }
        };
        if drift.is_empty() {
            tracing::info!(dataset_id = %plan.dataset_id, "no drift: the live objects match the deployed version");
            return Ok(());
        }
        if force {
            tracing::warn!(dataset_id = %plan.dataset_id, %drift, "running over drift because it was forced");
            return Ok(());
        }
        let message = format!(
            "refusing to migrate dataset {}: its objects in namespace {} differ from deployed version {} ({} difference(s): {drift}); nothing was changed. Put the objects back as deployed, or re-run with force",
            plan.dataset_id,
            old.physical.namespace,
            from,
            drift.differences.len()
        );
        announce
            .lifecycle(LifecycleEvent::Failed, Some(message.clone()))
            .await?;
        Err(DeployError::Precondition(message))
    }
}

/// True when `options` stop before the plan's last phase, so the run cannot deploy the version.
fn stops_before_the_end(plan: &Plan, options: &RunOptions) -> bool {
    let last = plan.phases.iter().map(|p| p.phase).max();
    matches!((last, options.last_phase), (Some(last), Some(stop)) if stop < last)
}

/// Runs the phases in range of a run that stops before the plan's end: progress is recorded
/// (the executor does it phase by phase) but the version is not deployed. A failure is recorded
/// and announced as a full run's would be.
async fn run_partial(
    session: &mut dyn LocationSession,
    announce: &Announcer<'_>,
    plan: &Plan,
    options: &RunOptions,
) -> Result<(DatasetState, RunReport), DeployError> {
    let (state, report) = announce.execute(session, plan, options).await?;
    tracing::info!(
        dataset_id = %plan.dataset_id,
        phases_run = ?report.phases_run,
        last_phase = ?options.last_phase,
        "partial run completed: the version stays attempted until the remaining phases run"
    );
    Ok((state, report))
}

/// Why `plan` no longer fits `state`, if it does not.
pub(crate) fn stale_reason(plan: &Plan, state: &DatasetState) -> Option<String> {
    // A plan may also start from an attempt whose every phase completed (only its seeding
    // failed): the objects are at that version.
    let from_attempted = matches!(
        (state.baseline(), &plan.from_version),
        (Baseline::Attempted(v), Some(from)) if &v == from
    );
    if plan.from_version != state.deployed_version && !from_attempted {
        return Some(format!(
            "it migrates from version {} but version {} is deployed",
            plan.from_version.as_deref().unwrap_or("(nothing)"),
            state.deployed_version.as_deref().unwrap_or("(nothing)")
        ));
    }
    if state.desired_version.as_deref() != Some(plan.to_version.as_str()) {
        return Some(format!(
            "it migrates to version {} but version {} is now desired",
            plan.to_version,
            state.desired_version.as_deref().unwrap_or("(none)")
        ));
    }
    None
}

/// A version hash: 64 lowercase hex characters (SPEC §3).
fn is_version_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use depot_core::dialect::EngineId;
    use depot_core::physical::Metadata;
    use depot_core::plan::Phase;

    fn plan(phases: &[u32]) -> Plan {
        Plan {
            format_version: 1,
            migration_id: "m".into(),
            environment_id: "e".into(),
            dataset_id: "d".into(),
            dataset_alias: "A".into(),
            engine: EngineId::new("postgres"),
            from_version: Some("v1".into()),
            to_version: "v2".into(),
            created_at: "2025-04-28T08:31:33.816Z".into(),
            phases: phases
                .iter()
                .map(|&phase| Phase {
                    phase,
                    name: format!("p{phase}"),
                    transactional: true,
                    steps: vec![],
                })
                .collect(),
            metadata: Metadata {
                namespace: "ns".into(),
                schemas: Default::default(),
            },
        }
    }

    fn options(first_phase: Option<u32>, last_phase: Option<u32>) -> RunOptions {
        RunOptions {
            dataset_id: "d".into(),
            first_phase,
            last_phase,
        }
    }

    #[test]
    fn only_a_last_phase_below_the_plans_last_stops_before_the_end() {
        let plan = plan(&[300, 600, 1200]);
        assert!(stops_before_the_end(&plan, &options(None, Some(600))));
        assert!(stops_before_the_end(&plan, &options(Some(300), Some(1100))));
        assert!(!stops_before_the_end(&plan, &options(None, Some(1200))));
        assert!(!stops_before_the_end(&plan, &options(Some(600), None)));
        assert!(!stops_before_the_end(&plan, &options(None, None)));
    }

    #[test]
    fn a_plan_is_stale_when_its_versions_no_longer_fit_the_record() {
        let plan = plan(&[300]);
        let mut state = DatasetState::new("d", "A", "e");
        state.deployed_version = Some("v1".into());
        state.desired_version = Some("v2".into());
        assert_eq!(stale_reason(&plan, &state), None);

        state.desired_version = Some("v3".into());
        let reason = stale_reason(&plan, &state).unwrap();
        assert!(reason.contains("version v3 is now desired"), "{reason}");

        state.deployed_version = Some("v0".into());
        let reason = stale_reason(&plan, &state).unwrap();
        assert!(
            reason.contains("migrates from version v1 but version v0 is deployed"),
            "{reason}"
        );
    }
}
