//! PostgresSession: one connection to a PostgreSQL location, held for one deploy or one run,
//! implementing the deploy choreography's [`LocationSession`]. The per-dataset lock is a session
//! lock of this connection: it lives exactly as long as the session (or until unlocked).

use std::time::Duration;

use async_trait::async_trait;
use depot_core::physical::PhysicalModel;
use depot_core::undo::UndoScope;
use depot_core::{Dialect, Plan};
use depot_deploy::location::Seeds;
use depot_deploy::{
    DatasetState, DriftCheck, LocationError, LocationSession, RunFailure, RunOptions, RunReport,
    SeedReport, UndoFailure, UndoReport,
};
use tokio::task::JoinHandle;
use tokio_postgres::Client;

use crate::connect::{ConnectError, ConnectOptions};
use crate::dialect::PostgresDialect;
use crate::introspect::{self, SchemaSnapshot};
use crate::retry::RetryPolicy;
use crate::{admin, drift, executor, lock, refresh, seeding, state_store, undo_executor};

/// PostgresSession owns one connection and the task driving it.
pub struct PostgresSession {
    client: Client,
    connection: Option<JoinHandle<()>>,
    dialect: PostgresDialect,
    retry: RetryPolicy,
}

impl std::fmt::Debug for PostgresSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresSession")
            .field("closed", &self.client.is_closed())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl PostgresSession {
    /// Connects with `options`.
    pub async fn connect(options: &ConnectOptions) -> Result<PostgresSession, ConnectError> {
        let (client, connection) = options.connect().await?;
        Ok(PostgresSession {
            client,
            connection: Some(connection),
            dialect: PostgresDialect,
            retry: RetryPolicy::default(),
        })
    }

    /// A session over a client connected elsewhere (whose connection task the caller drives).
    pub fn from_client(client: Client) -> PostgresSession {
        PostgresSession {
            client,
            connection: None,
            dialect: PostgresDialect,
            retry: RetryPolicy::default(),
        }
    }

    /// Replaces the lock wait and retry policy of plan runs.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> PostgresSession {
        self.retry = retry;
        self
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The connection, for what the session does not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The tables and views of `namespace` (see [`introspect::introspect`]).
    pub async fn introspect(&self, namespace: &str) -> Result<SchemaSnapshot, LocationError> {
        introspect::introspect(&self.client, namespace).await
    }

    /// Closes the connection and waits for its task to end.
    pub async fn close(self) {
        let PostgresSession {
            client, connection, ..
        } = self;
        drop(client);
        if let Some(connection) = connection {
            let _ = tokio::time::timeout(Duration::from_secs(5), connection).await;
        }
    }
}

#[async_trait]
impl LocationSession for PostgresSession {
    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }

    async fn prepare(&mut self) -> Result<(), LocationError> {
        admin::prepare(&mut self.client).await
    }

    async fn lock_dataset(
        &mut self,
        dataset_id: &str,
        wait: Duration,
    ) -> Result<(), LocationError> {
        lock::lock_dataset(&self.client, dataset_id, wait).await
    }

    async fn unlock_dataset(&mut self, dataset_id: &str) -> Result<(), LocationError> {
        lock::unlock_dataset(&self.client, dataset_id).await
    }

    async fn load_state(
        &mut self,
        dataset_id: &str,
    ) -> Result<Option<DatasetState>, LocationError> {
        state_store::load_state(&self.client, dataset_id).await
    }

    async fn find_state(
        &mut self,
        environment_id: &str,
        alias_or_id: &str,
    ) -> Result<Option<DatasetState>, LocationError> {
        state_store::find_state(&self.client, environment_id, alias_or_id).await
    }

    async fn save_state(&mut self, state: &DatasetState) -> Result<DatasetState, LocationError> {
        state_store::save_state(&self.client, state).await
    }

    async fn run_plan(
        &mut self,
        plan: &Plan,
        options: &RunOptions,
    ) -> Result<RunReport, RunFailure> {
        executor::run_plan(&mut self.client, plan, options, &self.retry).await
    }

    async fn undo_plan(
        &mut self,
        plan: &Plan,
        dataset_id: &str,
        scope: &UndoScope,
    ) -> Result<UndoReport, UndoFailure> {
        undo_executor::undo_plan(&self.client, plan, dataset_id, scope, &self.retry).await
    }

    async fn is_locked(&mut self, dataset_id: &str) -> Result<Option<bool>, LocationError> {
        lock::is_locked(&self.client, dataset_id).await.map(Some)
    }

    async fn check_drift(&mut self, expected: &PhysicalModel) -> Result<DriftCheck, LocationError> {
        let live = introspect::introspect(&self.client, &expected.namespace).await?;
        Ok(DriftCheck::Compared(drift::compare(&live, expected)))
    }

    async fn upsert_seeds(
        &mut self,
        model: &PhysicalModel,
        seeds: &Seeds,
    ) -> Result<SeedReport, LocationError> {
        seeding::upsert_seeds(&mut self.client, model, seeds, &self.retry).await
    }

    async fn refresh_materialized_views(
        &mut self,
        model: &PhysicalModel,
        only: Option<&str>,
    ) -> Result<Vec<String>, LocationError> {
        refresh::refresh_materialized_views(&self.client, model, only).await
    }
}
