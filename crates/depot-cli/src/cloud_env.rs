//! A cloud environment as the operator commands reach it: the AWS configuration (`--profile`,
//! `--region`, else the standard chain), the environment's bootstrap bucket and documents
//! (depot-aws's [`CloudEnvironment`]), and a session on a dataset's location opened with the
//! secret its document names.

use anyhow::{anyhow, bail, Context, Result};
use aws_config::SdkConfig;
use depot_aws::{
    open_session, AwsClients, CloudEnvironment, ConnectSettings, EventBridgeSink, FoundDataset,
};
use depot_deploy::LocationSession;

use std::path::Path;

use crate::cli::{AwsArgs, DatasetTarget, EnvironmentArgs};

/// Cloud holds the SDK configuration and clients of one command.
pub struct Cloud {
    pub config: SdkConfig,
    pub clients: AwsClients,
}

impl Cloud {
    /// The AWS configuration `aws` asks for.
    pub async fn connect(aws: &AwsArgs) -> Result<Cloud> {
        let config = depot_aws::load_sdk_config_for(aws.profile.as_deref(), aws.region.as_deref())
            .await
            .context("loading the AWS configuration")?;
        if config.region().is_none() {
            bail!("no AWS region: pass --region, set AWS_REGION, or give the profile a region");
        }
        let clients = AwsClients::new(&config);
        Ok(Cloud { config, clients })
    }

    /// The region the clients talk to.
    pub fn region(&self) -> Option<String> {
        self.config.region().map(|r| r.to_string())
    }

    /// The AWS configuration of `args` and the environment `environment_id` in it, whose id is
    /// checked before anything else (a mistyped id is the error to show, not a missing region).
    pub async fn connect_to(
        environment_id: &str,
        args: &EnvironmentArgs,
    ) -> Result<(Cloud, CloudEnvironment)> {
        depot_aws::check_environment_id(environment_id)?;
        let cloud = Cloud::connect(&args.aws).await?;
        let environment = cloud.environment(environment_id, args).await?;
        Ok((cloud, environment))
    }

    /// The environment `environment_id`, its bucket from `--bucket` or its SSM parameter.
    pub async fn environment(
        &self,
        environment_id: &str,
        args: &EnvironmentArgs,
    ) -> Result<CloudEnvironment> {
        let ssm = aws_sdk_ssm::Client::new(&self.config);
        Ok(CloudEnvironment::locate(
            environment_id,
            args.bucket.as_deref(),
            &ssm,
            &self.clients.s3,
        )
        .await?)
    }

    /// A session on the location of `found`, with the credentials of the secret it names.
    pub async fn open_location(&self, found: &FoundDataset) -> Result<Box<dyn LocationSession>> {
        let config = &found.document.dataset;
        open_session(config, &self.clients.secrets, &ConnectSettings::from_env())
            .await
            .map_err(|e| {
                anyhow!(
                    "dataset {} ({}) in environment {}: {e}",
                    found.document.dataset_id,
                    found.document.dataset_alias,
                    found.document.environment_id
                )
            })
    }
}

/// Which dataset of an environment a command names.
pub enum DatasetRef<'a> {
    Id(&'a str),
    Alias(&'a str),
}

impl<'a> DatasetRef<'a> {
    /// `--id` or `--alias` (clap makes sure one is given).
    pub fn from_args(id: Option<&'a str>, alias: Option<&'a str>) -> Result<DatasetRef<'a>> {
        match (id, alias) {
            (Some(id), _) => Ok(DatasetRef::Id(id)),
            (None, Some(alias)) => Ok(DatasetRef::Alias(alias)),
            (None, None) => bail!("name the dataset with --id or --alias"),
        }
    }
}

/// The newest environment document of the dataset `which`; a note on stderr when an alias
/// names more than one dataset (the others are older).
pub async fn find_dataset(
    environment: &CloudEnvironment,
    which: &DatasetRef<'_>,
) -> Result<FoundDataset> {
    let found = match which {
        DatasetRef::Id(id) => environment.dataset_by_id(id).await?,
        DatasetRef::Alias(alias) => environment.dataset_by_alias(alias).await?,
    };
    if !found.same_alias.is_empty() {
        eprintln!(
            "note: alias {} also names older dataset(s) {} in environment {}; showing {}, the most recently written (use --id for another)",
            found.document.dataset_alias,
            found.same_alias.join(", "),
            environment.environment_id,
            found.document.dataset_id
        );
    }
    Ok(found)
}

/// Refuses `--profile`/`--region` on a command that runs locally (they would be ignored).
pub fn no_aws_args_locally(aws: &AwsArgs, how: &str) -> Result<()> {
    if aws.profile.is_some() || aws.region.is_some() {
        bail!("--profile and --region apply to a cloud environment: add {how}");
    }
    Ok(())
}

/// A dataset of a cloud environment, opened for a command that works on it under its lock
/// (seed, abandon): the environment, the dataset's newest document, and the event sink its
/// lifecycle events go through (the session on its location comes beside it).
pub struct OpenedDataset {
    pub environment: CloudEnvironment,
    pub found: FoundDataset,
    pub events: EventBridgeSink,
}

impl OpenedDataset {
    /// A deployer over the environment's documents and this dataset's event sink.
    pub fn deployer(&self, lock_wait: std::time::Duration) -> depot_deploy::Deployer<'_> {
        depot_deploy::Deployer {
            documents: self.environment.documents(),
            events: &self.events,
            lock_wait,
        }
    }

    /// Follows `--env` to the dataset `which` and opens its location with the secret its
    /// newest document names.
    pub async fn open(
        environment_id: &str,
        which: &DatasetRef<'_>,
        args: &EnvironmentArgs,
    ) -> Result<(OpenedDataset, Box<dyn LocationSession>)> {
        let (cloud, environment) = Cloud::connect_to(environment_id, args).await?;
        let found = find_dataset(&environment, which).await?;
        let session = cloud.open_location(&found).await?;
        let events = EventBridgeSink::new(cloud.clients.eventbridge.clone());
        Ok((
            OpenedDataset {
                environment,
                found,
                events,
            },
            session,
        ))
    }
}

/// Where a [`DatasetTarget`] points.
pub enum Target<'a> {
    /// A dataset file, worked on locally.
    Local(&'a Path),
    /// A dataset of the cloud environment `env`.
    Cloud {
        env: &'a str,
        which: DatasetRef<'a>,
        args: &'a EnvironmentArgs,
    },
}

impl DatasetTarget {
    /// The dataset file, or the environment and dataset of --env with --id or --alias; AWS
    /// options without --env are refused (they would be ignored).
    pub fn resolve(&self) -> Result<Target<'_>> {
        match (&self.dataset, &self.env) {
            (Some(path), _) => {
                no_aws_args_locally(&self.cloud.aws, "--env ENV with --id or --alias")?;
                Ok(Target::Local(path))
            }
            (None, Some(env)) => Ok(Target::Cloud {
                env,
                which: DatasetRef::from_args(self.id.as_deref(), self.alias.as_deref())?,
                args: &self.cloud,
            }),
            (None, None) => bail!("name a dataset file, or --env with --id or --alias"),
        }
    }
}
