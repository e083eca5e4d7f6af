//! EntityCreator: what a Create, Update or Delete of a `Custom::DepotDataset` does (SPEC §2-7),
//! with S3 and EventBridge as the document store and event sink. It answers every request with
//! an [`Answer`]; the protocol around it (reply channel, deadline, panics, redelivery) is in
//! [`crate::invocation`].

use std::time::Duration;

use async_trait::async_trait;

use depot_aws::{AwsClients, ConnectSettings, EventBridgeSink, LambdaTransformer, S3DocumentStore};
use depot_core::document::environment_key;
use depot_core::hash::version_hash;
use depot_core::Dataset;
use depot_deploy::location::LocationSession;
use depot_deploy::removal::RemovalOutcome;
use depot_deploy::{clock, DeployError, DeployOutcome, Deployer, DocumentStore};

use crate::answer::Answer;
use crate::dataset_input::{is_dataset_id, load_dataset, place, place_problems};
use crate::engine::{check, Engine};
use crate::handler::{InFlight, Progress, RequestHandler};
use crate::request::{DatasetRequest, RequestKind};

/// EntityCreator holds what lives for the whole container: SDK clients, connection settings.
pub struct EntityCreator {
    pub engine: Box<dyn Engine>,
    pub clients: AwsClients,
    pub connect: ConnectSettings,
    /// How long a deploy waits for another migration of the same dataset.
    pub lock_wait: Duration,
}

impl EntityCreator {
    pub fn new(
        engine: Box<dyn Engine>,
        clients: AwsClients,
        connect: ConnectSettings,
    ) -> EntityCreator {
        EntityCreator {
            engine,
            clients,
            connect,
            lock_wait: Duration::from_secs(30),
        }
    }

    pub fn documents(&self) -> S3DocumentStore {
        S3DocumentStore::new(self.clients.s3.clone())
    }

    pub fn events(&self) -> EventBridgeSink {
        EventBridgeSink::new(self.clients.eventbridge.clone())
    }
}

#[async_trait]
impl RequestHandler for EntityCreator {
    async fn handle(&self, request: &DatasetRequest, progress: &Progress) -> Answer {
        match &request.kind {
            RequestKind::Create => self.deploy(request, None, progress).await,
            RequestKind::Update {
                physical_resource_id,
                old_properties,
            } => {
                self.deploy(
                    request,
                    Some((physical_resource_id, old_properties)),
                    progress,
                )
                .await
            }
            RequestKind::Delete {
                physical_resource_id,
            } => self.delete(request, physical_resource_id).await,
        }
    }

    async fn record_interruption(&self, in_flight: &InFlight, reason: &str) {
        self.record_interruption_now(in_flight, reason).await
    }
}

impl EntityCreator {
    /// The physical id to answer a failed request with: the one CloudFormation knows, or, for
    /// a Create, a marker that tells the rollback's Delete there is nothing to remove.
    pub fn failed_id(request: &DatasetRequest) -> String {
        match request.physical_resource_id() {
            Some(id) => id.to_string(),
            None => format!("create-failed-{}", short(&request.request_id)),
        }
    }

    async fn deploy(
        &self,
        request: &DatasetRequest,
        previous: Option<(&String, &serde_json::Value)>,
        progress: &Progress,
    ) -> Answer {
        let failed = |reason: String| Answer::failed(Self::failed_id(request), reason);
        let documents = self.documents();
        let mut dataset = match load_dataset(&request.properties, &documents).await {
            Ok(d) => d,
            Err(e) => {
                return failed(format!(
                    "invalid dataset properties, nothing was changed: {e}"
                ))
            }
        };
        if let Err(e) = check(self.engine.as_ref(), &dataset.config.location) {
            return failed(e);
        }
        // The same place keeps the dataset; another place is a new dataset (CloudFormation then
        // sends a Delete for the old id, honoured with its removalPolicy).
        let identity = match previous {
            Some((id, old_properties)) if is_dataset_id(id) => {
                match load_dataset(old_properties, &documents).await.ok() {
                    Some(old) if place(&old) != place(&dataset) => Identity::Replacement,
                    Some(old) if old.config.schema_name != dataset.config.schema_name => {
                        return failed(format!(
                            "dataset {}: schemaName changes from {} to {}, nothing was changed. A dataset \
                             cannot move to another schema of its location: CloudFormation would create \
                             the new one before deleting the old, and an alias names one live dataset per \
                             location. Deploy it under a new alias (and logical id) instead, or keep the schema",
                            dataset.config.alias, old.config.schema_name, dataset.config.schema_name
                        ));
                    }
                    _ => Identity::Kept(id.clone()),
                }
            }
            _ => Identity::New,
        };

        let mut session = match self
            .engine
            .open(&dataset.config, &self.clients.secrets, &self.connect)
            .await
        {
            Ok(s) => s,
            Err(e) => return failed(e.to_string()),
        };
        let dataset_id = match identity {
            Identity::Kept(id) => id,
            Identity::Replacement => clock::new_dataset_id(),
            Identity::New => match self.id_for_new(session.as_mut(), &dataset).await {
                Ok(id) => id,
                Err(e) => return failed(e.to_string()),
            },
        };
        dataset.dataset_id = Some(dataset_id.clone());
        let hash = version_hash(&dataset.config, &dataset.package);
        tracing::Span::current().record("dataset_id", dataset_id.as_str());
        *progress.lock().expect("progress lock") = Some(InFlight {
            dataset: dataset.clone(),
            dataset_id: dataset_id.clone(),
            hash: hash.clone(),
        });

        let events = self.events();
        let deployer = Deployer {
            documents: &documents,
            events: &events,
            lock_wait: self.lock_wait,
        };
        let transformer = LambdaTransformer {
            invoker: self.clients.lambda.clone(),
        };
        let result = deployer
            .deploy_with(session.as_mut(), &dataset, &transformer)
            .await;
        if let Some(id) = match &result {
            Ok(DeployOutcome::Deployed { plan, .. } | DeployOutcome::Scheduled { plan, .. }) => {
                Some(plan.migration_id.as_str())
            }
            Err(DeployError::Failed { migration_id, .. }) => Some(migration_id.as_str()),
            _ => None,
        } {
            tracing::Span::current().record("migration_id", id);
        }
        let result = match result {
            Err(DeployError::Invalid(mut problems)) => {
                place_problems(&mut problems, &dataset, &request.properties, &documents).await;
                Err(DeployError::Invalid(problems))
            }
            other => other,
        };
        let answer = match result {
            Ok(outcome) => self.deployed_answer(&dataset, &dataset_id, &hash, outcome),
            Err(e) => {
                let mut answer = Answer::failed(
                    match previous {
                        Some((id, _)) => id.clone(),
                        None => Self::failed_id(request),
                    },
                    format!("dataset {} ({dataset_id}): {e}", dataset.config.alias),
                );
                answer.plan_uri = self
                    .plan_uri_after(session.as_mut(), &dataset, &dataset_id, &e)
                    .await;
                answer
            }
        };
        *progress.lock().expect("progress lock") = None;
        drop(session);
        answer
    }

    /// A Create adopts the dataset already recorded under this alias in the location (one
    /// retained by an earlier Delete, or left by a Create that failed and was rolled back), so
    /// its data and its interrupted migration are picked up again; else it takes a new id.
    async fn id_for_new(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
    ) -> Result<String, DeployError> {
        session.prepare().await?;
        let config = &dataset.config;
        Ok(session
            .find_state(&config.environment_id, &config.alias)
            .await?
            .map(|s| s.id)
            .unwrap_or_else(clock::new_dataset_id))
    }

    fn deployed_answer(
        &self,
        dataset: &Dataset,
        dataset_id: &str,
        hash: &str,
        outcome: DeployOutcome,
    ) -> Answer {
        let bucket = &dataset.config.bootstrap_bucket;
        let documents = self.documents();
        let environment_uri = documents.uri(
            bucket,
            &environment_key(&dataset.config.environment_id, dataset_id, hash),
        );
        let answer = Answer::success(dataset_id)
            .with("DatasetId", dataset_id)
            .with("DatasetVersionHash", hash)
            .with("EnvironmentUri", environment_uri);
        match outcome {
            DeployOutcome::AlreadyDeployed { .. } => answer.with("Outcome", "unchanged"),
            DeployOutcome::Deployed { plan, plan_key, .. } => answer
                .with("Outcome", "deployed")
                .with("MigrationId", plan.migration_id)
                .with("MigrationPlanKey", plan_key),
            DeployOutcome::Scheduled { plan, plan_key, .. } => answer
                .with("Outcome", "scheduled")
                .with("MigrationId", plan.migration_id)
                .with("MigrationPlanKey", plan_key),
        }
    }

    /// Where the failed migration's plan is, for the reason's pointer (best effort).
    async fn plan_uri_after(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
        dataset_id: &str,
        error: &DeployError,
    ) -> Option<String> {
        if !matches!(error, DeployError::Failed { .. }) {
            return None;
        }
        let state = session.load_state(dataset_id).await.ok()??;
        let key = state.plan_key?;
        Some(self.documents().uri(&dataset.config.bootstrap_bucket, &key))
    }

    async fn delete(&self, request: &DatasetRequest, physical_id: &str) -> Answer {
        if !is_dataset_id(physical_id) {
            // The Create failed (or never got an id): there is nothing of ours to remove.
            return Answer::success(physical_id).with("Outcome", "nothing-to-delete");
        }
        let failed = |reason: String| Answer::failed(physical_id, reason);
        let documents = self.documents();
        let dataset = match load_dataset(&request.properties, &documents).await {
            Ok(d) => d,
            Err(e) => {
                return failed(format!(
                    "invalid dataset properties, nothing was changed: {e}"
                ))
            }
        };
        if let Err(e) = check(self.engine.as_ref(), &dataset.config.location) {
            return failed(e);
        }
        tracing::Span::current().record("dataset_id", physical_id);
        let mut session = match self
            .engine
            .open(&dataset.config, &self.clients.secrets, &self.connect)
            .await
        {
            Ok(s) => s,
            Err(e) => return failed(e.to_string()),
        };
        let events = self.events();
        let deployer = Deployer {
            documents: &documents,
            events: &events,
            lock_wait: self.lock_wait,
        };
        let result = deployer
            .remove(session.as_mut(), &dataset, physical_id)
            .await;
        drop(session);
        match result {
            Ok(outcome) => {
                let what = match outcome {
                    RemovalOutcome::NotFound => "not-found",
                    RemovalOutcome::AlreadyDeleted { .. } => "already-deleted",
                    RemovalOutcome::Retained { .. } => "retained",
                    RemovalOutcome::Destroyed { .. } => "destroyed",
                };
                Answer::success(physical_id)
                    .with("DatasetId", physical_id)
                    .with("Outcome", what)
            }
            Err(e) => failed(format!(
                "dataset {} ({physical_id}): delete failed: {e}",
                dataset.config.alias
            )),
        }
    }

    /// Records an interrupted deploy (deadline, panic) on a fresh session, so the state and the
    /// `failed` event tell the truth. Best effort: a failure here is logged.
    async fn record_interruption_now(&self, in_flight: &InFlight, reason: &str) {
        let documents = self.documents();
        let events = self.events();
        let deployer = Deployer {
            documents: &documents,
            events: &events,
            lock_wait: Duration::from_secs(5),
        };
        let mut session = match self
            .engine
            .open(
                &in_flight.dataset.config,
                &self.clients.secrets,
                &self.connect,
            )
            .await
        {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "could not record the interruption: no session");
                return;
            }
        };
        let result = deployer
            .record_interruption(
                session.as_mut(),
                &in_flight.dataset,
                &in_flight.dataset_id,
                &in_flight.hash,
                reason,
            )
            .await;
        match result {
            Ok(Some(state)) => {
                tracing::warn!(last_completed_phase = ?state.last_completed_phase, "interruption recorded in the dataset state")
            }
            Ok(None) => tracing::info!("no attempt in progress to record"),
            Err(e) => tracing::error!(error = %e, "could not record the interruption"),
        }
        drop(session);
    }
}

/// Which dataset a Create or Update deploys.
enum Identity {
    /// The dataset CloudFormation knows (an Update in the same place).
    Kept(String),
    /// A new dataset replacing the one CloudFormation knows (an Update that moves it; the old
    /// one keeps its record until CloudFormation's Delete of the old id).
    Replacement,
    /// A Create.
    New,
}

fn short(s: &str) -> &str {
    s.get(..8).unwrap_or(s)
}
