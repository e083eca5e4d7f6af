//! `depot abandon --env ENV (--id ID | --alias A)`: gives up a cloud dataset's failed or
//! interrupted migration, as `depot abandon DATASET` does locally: what the attempt changed is
//! undone and the dataset goes back to its deployed version, with the lifecycle events on the
//! dataset's bus. The environment's documents (the plan's undo statements among them) are read
//! from its bootstrap bucket; the location is opened with the secret the newest document names.

use std::time::Duration;

use anyhow::Result;
use serde_json::json;

use super::state_report;
use crate::cli::EnvironmentArgs;
use crate::cloud_env::{DatasetRef, OpenedDataset};

/// `depot abandon --env ENV (--id ID | --alias A)`.
pub async fn abandon_in_cloud(
    environment_id: &str,
    which: DatasetRef<'_>,
    args: &EnvironmentArgs,
    lock_wait: Duration,
) -> Result<()> {
    let (opened, mut session) = OpenedDataset::open(environment_id, &which, args).await?;
    let deployer = opened.deployer(lock_wait);
    let (environment, found) = (&opened.environment, &opened.found);
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
