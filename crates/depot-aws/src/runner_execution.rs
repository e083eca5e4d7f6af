//! Starting the asynchronous runner by hand: an execution of the environment's state machine
//! `sdp-<environmentId>-ds-migration-runner` (infra/lib/names.ts) with SPEC §8's payload, named
//! `<datasetId>-<eventId>` as the dispatcher names the executions it starts, so that a payload
//! started twice (by an operator and by the queue, or by two operators) runs once.
//!
//! The state machine's ARN is built from the caller's account and partition (STS
//! GetCallerIdentity) and the region, unless the operator names it.
//!
//! IAM: `sts:GetCallerIdentity`, `states:StartExecution` on the state machine, and
//! `states:DescribeExecution` on its executions (to report one that exists already).

use depot_deploy::RunPayload;

use crate::sdk_error;

/// The runner state machine's name for `environment_id`.
pub fn runner_state_machine_name(environment_id: &str) -> String {
    format!("sdp-{environment_id}-ds-migration-runner")
}

/// How long a Step Functions execution name may be.
const NAME_MAX: usize = 80;

/// ExecutionError says why the runner could not be started; it names the state machine or the
/// payload field, never a credential.
#[derive(Debug, thiserror::Error)]
pub enum ExecutionError {
    #[error("eventId {event_id:?} cannot name a Step Functions execution ({dataset_id}-<eventId>: at most {NAME_MAX} characters of letters, digits, - and _); give the payload an eventId such as a UUID")]
    BadEventId {
        dataset_id: String,
        event_id: String,
    },
    #[error("finding the account of the runner state machine {name}: STS GetCallerIdentity failed: {message}")]
    Account { name: String, message: String },
    #[error("no AWS region: pass --region, set AWS_REGION, or give the profile a region")]
    NoRegion,
    #[error("state machine {arn}: StartExecution failed: {message}")]
    Start { arn: String, message: String },
}

/// Started is what StartExecution did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    /// A new execution runs the payload.
    New { execution_arn: String },
    /// An execution of that name exists already (the payload was started before): nothing was
    /// started. `status` is its status when it could be read.
    AlreadyExists {
        execution_arn: String,
        status: Option<String>,
    },
}

/// `<datasetId>-<eventId>`, refused when Step Functions would refuse it.
pub fn execution_name(dataset_id: &str, event_id: &str) -> Result<String, ExecutionError> {
    let name = format!("{dataset_id}-{event_id}");
    let fits = !event_id.is_empty()
        && name.len() <= NAME_MAX
        && event_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if fits {
        Ok(name)
    } else {
        Err(ExecutionError::BadEventId {
            dataset_id: dataset_id.to_string(),
            event_id: event_id.to_string(),
        })
    }
}

/// The ARN of the runner state machine of `environment_id`, in the caller's account and
/// partition and `region`.
pub async fn runner_state_machine_arn(
    sts: &aws_sdk_sts::Client,
    region: Option<&str>,
    environment_id: &str,
) -> Result<String, ExecutionError> {
    let name = runner_state_machine_name(environment_id);
    let region = region.ok_or(ExecutionError::NoRegion)?;
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| ExecutionError::Account {
            name: name.clone(),
            message: sdk_error::describe(&e),
        })?;
    let account = identity.account().unwrap_or_default();
    // arn:<partition>:sts::<account>:assumed-role/...: the partition of the caller is ours.
    let partition = identity
        .arn()
        .and_then(|arn| arn.split(':').nth(1))
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    Ok(format!(
        "arn:{partition}:states:{region}:{account}:stateMachine:{name}"
    ))
}

/// Starts `state_machine_arn` on `payload` (whose `eventId` must be set), sending `input` (the
/// payload's JSON text).
pub async fn start_runner(
    sfn: &aws_sdk_sfn::Client,
    state_machine_arn: &str,
    payload: &RunPayload,
    input: &str,
) -> Result<Started, ExecutionError> {
    let event_id = payload.event_id.as_deref().unwrap_or_default();
    let name = execution_name(&payload.dataset_id, event_id)?;
    let execution_arn = execution_arn(state_machine_arn, &name);
    // Looked up first: Step Functions answers a second start of a running execution with the
    // same name and input by returning it, as if it had started it.
    if let Some(status) = execution_status(sfn, &execution_arn).await {
        return Ok(Started::AlreadyExists {
            execution_arn,
            status: Some(status),
        });
    }
    let started = sfn
        .start_execution()
        .state_machine_arn(state_machine_arn)
        .name(&name)
        .input(input)
        .send()
        .await;
    match started {
        Ok(out) => Ok(Started::New {
            execution_arn: out.execution_arn().to_string(),
        }),
        // Started by someone else since the look-up.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_execution_already_exists()) =>
        {
            let status = execution_status(sfn, &execution_arn).await;
            Ok(Started::AlreadyExists {
                execution_arn,
                status,
            })
        }
        Err(e) => Err(ExecutionError::Start {
            arn: state_machine_arn.to_string(),
            message: sdk_error::describe(&e),
        }),
    }
}

/// The status of the execution `execution_arn`, or `None` when there is none (or it cannot be
/// read: StartExecution then says what is wrong).
async fn execution_status(sfn: &aws_sdk_sfn::Client, execution_arn: &str) -> Option<String> {
    sfn.describe_execution()
        .execution_arn(execution_arn)
        .send()
        .await
        .ok()
        .map(|d| d.status().as_str().to_string())
}

/// The ARN of the execution `name` of the state machine `state_machine_arn`.
fn execution_arn(state_machine_arn: &str, name: &str) -> String {
    format!(
        "{}:{name}",
        state_machine_arn.replacen(":stateMachine:", ":execution:", 1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_execution_is_named_after_the_dataset_and_the_event() {
        assert_eq!(
            execution_name("9afc0c483ed3", "4ec69297-6006-1d40-0b49-0c1110e74f22").unwrap(),
            "9afc0c483ed3-4ec69297-6006-1d40-0b49-0c1110e74f22"
        );
        for bad in ["", "a b", "x/y", "é", &"e".repeat(68)] {
            assert!(execution_name("9afc0c483ed3", bad).is_err(), "{bad:?}");
        }
        assert!(execution_name("9afc0c483ed3", &"e".repeat(67)).is_ok());
    }

    #[test]
    fn the_execution_arn_follows_the_state_machine_arn() {
        assert_eq!(
            execution_arn(
                "arn:aws:states:eu-west-1:123456789012:stateMachine:sdp-e2e404529091ed2-ds-migration-runner",
                "9afc0c483ed3-e1"
            ),
            "arn:aws:states:eu-west-1:123456789012:execution:sdp-e2e404529091ed2-ds-migration-runner:9afc0c483ed3-e1"
        );
    }
}
