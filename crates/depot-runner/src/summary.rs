//! The JSON a run prints on stdout (and a Lambda returns): what happened, for machines.

use depot_deploy::{RunOutcome, RunPayload};
use serde_json::{json, Value};

/// The short name of an outcome: `deployed`, `already-deployed` or `partial`.
pub fn outcome_name(outcome: &RunOutcome) -> &'static str {
    match outcome {
        RunOutcome::AlreadyDeployed { .. } => "already-deployed",
        RunOutcome::Ran { .. } => "deployed",
        RunOutcome::Partial { .. } => "partial",
    }
}

/// The summary of a run of `payload`.
pub fn summary(payload: &RunPayload, outcome: &RunOutcome) -> Value {
    let name = outcome_name(outcome);
    let base = json!({
        "outcome": name,
        "datasetId": payload.dataset_id,
        "eventId": payload.event_id,
        "migrationPlanKey": format!("{}{}", payload.migration_plan_prefix, payload.migration_plan_key),
    });
    let details = match outcome {
        RunOutcome::AlreadyDeployed { state } => json!({ "state": state }),
        RunOutcome::Ran {
            state,
            report,
            resumed_after,
            seeded,
        } => json!({
            "phasesRun": report.phases_run, "stepsRun": report.steps_run,
            "lockRetries": report.lock_retries, "resumedAfterPhase": resumed_after,
            "seeded": seeded, "state": state,
        }),
        RunOutcome::Partial {
            state,
            report,
            resumed_after,
        } => json!({
            "phasesRun": report.phases_run, "stepsRun": report.steps_run,
            "lockRetries": report.lock_retries, "resumedAfterPhase": resumed_after,
            "state": state,
        }),
    };
    merge(base, details)
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
    base
}
