//! `depot seed`: a dataset's seeding on its own (SPEC §1 `seeds`, upserted on each object's
//! primary key, so running it again changes nothing), against the deployed version only, under
//! the dataset's migration lock like a run, so that it never writes into objects a migration is
//! changing. Locally from a dataset file, or in a cloud environment by id or alias.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use depot_core::hash::version_hash;
use depot_deploy::{Deployer, LocationSession, SeedReport, Status};
use serde_json::json;

use super::{connect, dataset_id_at_location, LocalEdge};
use crate::cli::{Cli, EnvironmentArgs};
use crate::cloud_env::{DatasetRef, OpenedDataset};
use crate::dataset_file::load_dataset;

/// What a seeding needs to know about its dataset.
struct SeedTarget<'a> {
    bucket: &'a str,
    environment_id: &'a str,
    dataset_id: &'a str,
    alias: &'a str,
    /// The version the caller means (a local dataset file's): refused unless deployed.
    expected_version: Option<String>,
}

/// `depot seed DATASET_FILE`.
pub async fn seed_local(cli: &Cli, path: &Path) -> Result<()> {
    let dataset = load_dataset(path)?;
    let edge = LocalEdge::new(cli, path)?;
    let mut session = connect(cli, Some(&dataset)).await?;
    let config = &dataset.config;
    session.prepare().await?;
    let dataset_id = dataset_id_at_location(session.as_mut(), &dataset).await?;
    let target = SeedTarget {
        bucket: &config.bootstrap_bucket,
        environment_id: &config.environment_id,
        dataset_id: &dataset_id,
        alias: &config.alias,
        expected_version: Some(version_hash(config, &dataset.package)),
    };
    seed(&edge.deployer(cli), session.as_mut(), &target).await
}

/// `depot seed --env ENV (--id ID | --alias A)`.
pub async fn seed_in_cloud(
    environment_id: &str,
    which: DatasetRef<'_>,
    args: &EnvironmentArgs,
    lock_wait: Duration,
) -> Result<()> {
    let (opened, mut session) = OpenedDataset::open(environment_id, &which, args).await?;
    // Seeding sends no event; the deployer wants a sink all the same.
    let deployer = opened.deployer(lock_wait);
    let (environment, found) = (&opened.environment, &opened.found);
    let target = SeedTarget {
        bucket: &environment.bucket,
        environment_id: &environment.environment_id,
        dataset_id: &found.document.dataset_id,
        alias: &found.document.dataset_alias,
        expected_version: None,
    };
    session.prepare().await?;
    seed(&deployer, session.as_mut(), &target).await
}

/// Seeds the deployed version of the target under its lock, and prints what was written.
async fn seed(
    deployer: &Deployer<'_>,
    session: &mut dyn LocationSession,
    target: &SeedTarget<'_>,
) -> Result<()> {
    session
        .lock_dataset(target.dataset_id, deployer.lock_wait)
        .await?;
    let result = seed_locked(deployer, session, target).await;
    let unlocked = session.unlock_dataset(target.dataset_id).await;
    let (version, report) = result?;
    unlocked?;
    let out = json!({
        "outcome": "seeded",
        "datasetId": target.dataset_id,
        "alias": target.alias,
        "deployedVersion": version,
        "seeded": report,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

async fn seed_locked(
    deployer: &Deployer<'_>,
    session: &mut dyn LocationSession,
    target: &SeedTarget<'_>,
) -> Result<(String, SeedReport)> {
    let id = target.dataset_id;
    let state = session.load_state(id).await?.ok_or_else(|| {
        anyhow!(
            "dataset {id} ({}) has no state record at its location: deploy it first",
            target.alias
        )
    })?;
    // We hold the lock: no migration runs, and the status is the record's own.
    let status = state.status(Some(false));
    let version = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_string());
    let deployed = match (&state.deployed_version, status) {
        (Some(deployed), Status::Stable) => deployed.clone(),
        _ => bail!(
            "refusing to seed dataset {id} ({}): it is {}, not STABLE (desired {}, attempted {}, deployed {}); seeding runs against the deployed version once no migration is pending or failed",
            target.alias,
            status.as_str(),
            version(&state.desired_version),
            version(&state.attempted_version),
            version(&state.deployed_version)
        ),
    };
    if let Some(expected) = &target.expected_version {
        if expected != &deployed {
            bail!(
                "refusing to seed dataset {id} ({}): the dataset file is version {expected}, but version {deployed} is deployed; deploy the file first",
                target.alias
            );
        }
    }
    let document = deployer
        .environment_document(target.bucket, target.environment_id, id, &deployed)
        .await?;
    let report = deployer.seed(session, &document).await?;
    Ok((deployed, report))
}
