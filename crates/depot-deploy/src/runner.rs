//! Migration runner: executes a stored plan as SPEC §8 describes, for `depot run-migration` and
//! the asynchronous runner. It refuses stale plans, resumes after the last completed phase, and
//! is a no-op when the plan's target version is already deployed.

use depot_core::document::{environment_key, EnvironmentDocument};
use depot_core::Plan;
use serde::{Deserialize, Deserializer};

use crate::deployer::{Announcer, Deployer};
use crate::error::DeployError;
use crate::events::LifecycleEvent;
use crate::location::{LocationSession, RunOptions, RunReport};
use crate::state::DatasetState;

/// RunPayload is SPEC §8's payload. Scalars may arrive as strings (Step Functions, Batch).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunPayload {
    #[serde(default)]
    pub event_id: Option<String>,
    pub dataset_id: String,
    pub migration_plan_bucket: String,
    #[serde(default)]
    pub migration_plan_prefix: String,
    pub migration_plan_key: String,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub chain_with_seeding: bool,
    #[serde(default, deserialize_with = "lenient_u32")]
    pub first_phase: Option<u32>,
    #[serde(default, deserialize_with = "lenient_u32")]
    pub last_phase: Option<u32>,
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => Ok(b),
        serde_json::Value::String(s) if s == "true" => Ok(true),
        serde_json::Value::String(s) if s == "false" || s.is_empty() => Ok(false),
        serde_json::Value::Null => Ok(false),
        other => Err(serde::de::Error::custom(format!(
            "expected true or false, got {other}"
        ))),
    }
}

fn lenient_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) if s.is_empty() => Ok(None),
        serde_json::Value::String(s) => s
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("expected a phase number, got {s:?}"))),
        serde_json::Value::Number(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("expected a phase number, got {n}"))),
        other => Err(serde::de::Error::custom(format!(
            "expected a phase number, got {other}"
        ))),
    }
}

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
    },
}

impl Deployer<'_> {
    /// Runs the plan that `payload` names. `force` runs a stale plan anyway.
    pub async fn run_migration(
        &self,
        session: &mut dyn LocationSession,
        payload: &RunPayload,
        force: bool,
    ) -> Result<RunOutcome, DeployError> {
        session.prepare().await?;
        session
            .lock_dataset(&payload.dataset_id, self.lock_wait)
            .await?;
        let result = self.run_locked(session, payload, force).await;
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
    ) -> Result<RunOutcome, DeployError> {
        let key = format!(
            "{}{}",
            payload.migration_plan_prefix, payload.migration_plan_key
        );
        let plan: Plan = self.read_plan(&payload.migration_plan_bucket, &key).await?;
        if plan.dataset_id != payload.dataset_id {
            return Err(DeployError::Precondition(format!(
                "the plan {key} is for dataset {}, not {}",
                plan.dataset_id, payload.dataset_id
            )));
        }
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
        let document: EnvironmentDocument = self
            .environment_document(
                &payload.migration_plan_bucket,
                &plan.environment_id,
                &plan.dataset_id,
                &plan.to_version,
            )
            .await?;
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
            environment_uri: self.documents.uri(&payload.migration_plan_bucket, &env_key),
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

        let mut next = state.clone();
        let newly_attempted = next.attempted_version.as_deref() != Some(plan.to_version.as_str());
        next.attempted_version = Some(plan.to_version.clone());
        next.migration_id = Some(plan.migration_id.clone());
        next.plan_key = Some(key.clone());
        next.last_error = None;
        if !same_attempt {
            next.last_completed_phase = None;
        }
        session.save_state(&next).await?;
        if newly_attempted {
            announce.lifecycle(LifecycleEvent::Attempted, None).await?;
        }
        let (state, report) = announce.execute(session, &plan, &options).await?;
        Ok(RunOutcome::Ran {
            state,
            report,
            resumed_after,
        })
    }
}

/// Why `plan` no longer fits `state`, if it does not.
fn stale_reason(plan: &Plan, state: &DatasetState) -> Option<String> {
    if plan.from_version != state.deployed_version {
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
