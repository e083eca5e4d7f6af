//! `depot abandon --env ENV (--id ID | --alias A)`: gives up a cloud dataset's failed or
//! interrupted migration, as `depot abandon DATASET` does locally: what the attempt changed is
//! undone and the dataset goes back to its deployed version, with the lifecycle events on the
//! dataset's bus. The environment's documents (the plan's undo statements among them) are read
//! from its bootstrap bucket; the location is opened with the secret the newest document names.

use std::time::Duration;

use anyhow::Result;
use depot_aws::EventBridgeSink;
use depot_deploy::Deployer;
use serde_json::json;

use super::state_report;
use crate::cli::EnvironmentArgs;
use crate::cloud_env::{find_dataset, Cloud, DatasetRef};

/// `depot abandon --env ENV (--id ID | --alias A)`.
pub async fn abandon_in_cloud(
    environment_id: &str,
    which: DatasetRef<'_>,
    args: &EnvironmentArgs,
    lock_wait: Duration,
) -> Result<()> {
    let cloud = Cloud::connect(&args.aws).await?;
    let environment = cloud.environment(environment_id, args).await?;
    let found = find_dataset(&environment, &which).await?;
    let mut session = cloud.open_location(&found).await?;
    let events = EventBridgeSink::new(cloud.clients.eventbridge.clone());
    let deployer = Deployer {
        documents: environment.documents(),
        events: &events,
        lock_wait,
    };
    let id = &found.document.dataset_id;
    let state = deployer
        .abandon(session.as_mut(), &environment.bucket, id)
        .await?;
    let lock = session.is_locked(id).await?;
    let out = json!({
        "outcome": "abandoned",
        "alias": found.document.dataset_alias,
        "state": state_report(&state, lock),
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
