//! `depot run-migration PAYLOAD --env ENV` (or `--state-machine ARN`): start the environment's
//! runner state machine on a SPEC §8 payload, checked first as a local run checks it, under the
//! execution name `<datasetId>-<eventId>` the dispatcher uses, so that one payload runs once.

use std::path::Path;

use anyhow::{anyhow, bail, Result};
use depot_aws::runner_execution::{
    execution_name, runner_state_machine_arn, start_runner, Started,
};
use depot_deploy::{clock, RunPayload};
use serde_json::json;

use crate::cli::AwsArgs;
use crate::cloud_env::Cloud;
use crate::dataset_file::read_json;

/// Starts the runner on the payload file at `path`; prints the execution's ARN.
pub async fn run_in_cloud(
    path: &Path,
    environment_id: Option<&str>,
    state_machine: Option<&str>,
    aws: &AwsArgs,
) -> Result<()> {
    let mut raw = read_json(path)?;
    // The execution is named after the event: a payload written by hand may have none, and
    // gets a fresh one (sent along, so the runner logs the same id).
    if let Some(object) = raw.as_object_mut() {
        if object.get("eventId").is_none_or(|v| v.is_null()) {
            object.insert("eventId".into(), json!(clock::new_migration_id()));
        }
    }
    let payload =
        RunPayload::from_json(raw.clone()).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let event_id = payload.event_id.clone().unwrap_or_default();
    let name = execution_name(&payload.dataset_id, &event_id)
        .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    if let Some(environment_id) = environment_id {
        if payload.environment_id() != Some(environment_id) {
            bail!(
                "{}: the payload's plan ({}) is not of environment {environment_id}",
                path.display(),
                payload.migration_plan_key
            );
        }
    }
    let cloud = Cloud::connect(aws).await?;
    let arn = match (state_machine, environment_id) {
        (Some(arn), _) => arn.to_string(),
        (None, Some(environment_id)) => {
            let sts = aws_sdk_sts::Client::new(&cloud.config);
            runner_state_machine_arn(&sts, cloud.region().as_deref(), environment_id).await?
        }
        (None, None) => bail!("name the runner with --env or --state-machine"),
    };
    let sfn = aws_sdk_sfn::Client::new(&cloud.config);
    match start_runner(&sfn, &arn, &payload, &raw.to_string()).await? {
        Started::New { execution_arn } => {
            let out = json!({
                "outcome": "started",
                "executionArn": execution_arn,
                "executionName": name,
                "stateMachineArn": arn,
                "datasetId": payload.dataset_id,
                "eventId": event_id,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
        Started::AlreadyExists {
            execution_arn,
            status,
        } => bail!(
            "execution {execution_arn} already exists{}: this payload (dataset {}, eventId {event_id}) was started before and nothing was started now; give the payload another eventId to run it again",
            status.map(|s| format!(" (status {s})")).unwrap_or_default(),
            payload.dataset_id
        ),
    }
}
