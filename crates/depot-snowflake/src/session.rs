//! SnowflakeSession: one Snowflake session for one deploy or one run, implementing the deploy
//! choreography's [`LocationSession`]. Opening it applies the executor (SPEC: a warehouse and a
//! role) with `USE ROLE` and `USE WAREHOUSE`, and the statement timeout.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use depot_core::dataset::{Executor, SnowflakeLocation};
use depot_core::physical::PhysicalModel;
use depot_core::{Dialect, Plan};
use depot_deploy::location::Seeds;
use depot_deploy::{
    DatasetState, LocationError, LocationSession, RunFailure, RunOptions, RunReport, SeedReport,
};
use reqwest_middleware::Middleware;

use crate::client::{ConnectTarget, SnowflakeClient, SnowflakeError};
use crate::credentials::Credentials;
use crate::dialect::{quote_ident, SnowflakeDialect};
use crate::executor::{self, HeldLease, RunSettings};
use crate::{admin, lease, seeding, state_store};

/// SessionOptions tune a session. The defaults suit a production location.
#[derive(Clone)]
pub struct SessionOptions {
    /// The executor's warehouse and role, when they differ from the location's.
    pub executor: Option<Executor>,
    /// Snowflake cancels a statement running longer (STATEMENT_TIMEOUT_IN_SECONDS).
    pub statement_timeout: Duration,
    /// Depot gives up on a call without an answer after this long (a bit more than the
    /// statement timeout: Snowflake should answer first).
    pub call_timeout: Duration,
    /// How many steps of a phase run at the same time.
    pub concurrency: usize,
    /// How long the dataset lease lasts without renewal (a killed run blocks others this long).
    pub lease_ttl: Duration,
    /// Extra HTTP middlewares, outermost first: the emulator shim, a latency injector.
    pub middlewares: Vec<Arc<dyn Middleware>>,
}

impl Default for SessionOptions {
    fn default() -> SessionOptions {
        SessionOptions {
            executor: None,
            statement_timeout: Duration::from_secs(3600),
            call_timeout: Duration::from_secs(3660),
            concurrency: 8,
            lease_ttl: Duration::from_secs(1800),
            middlewares: Vec::new(),
        }
    }
}

impl SessionOptions {
    /// The options for a dataset's location run as `executor`: its warehouse and role, and, for
    /// an `http://` endpoint (a local emulator: fakesnow), the compatibility shim it needs.
    pub fn for_location(location: &SnowflakeLocation, executor: &Executor) -> SessionOptions {
        let mut options = SessionOptions {
            executor: Some(executor.clone()),
            ..Default::default()
        };
        if location
            .endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("http://"))
        {
            options
                .middlewares
                .push(Arc::new(crate::emulator::EmulatorShim::new()));
        }
        options
    }
}

impl std::fmt::Debug for SessionOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionOptions")
            .field("executor", &self.executor)
            .field("statement_timeout", &self.statement_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("concurrency", &self.concurrency)
            .field("lease_ttl", &self.lease_ttl)
            .field("middlewares", &self.middlewares.len())
            .finish()
    }
}

/// SnowflakeSession owns one Snowflake session.
#[derive(Debug)]
pub struct SnowflakeSession {
    client: SnowflakeClient,
    dialect: SnowflakeDialect,
    options: SessionOptions,
    /// This session's name as a lease holder.
    holder: String,
    /// The dataset whose lease this session holds.
    leased: Option<String>,
}

impl SnowflakeSession {
    /// Opens a session on `location` with `credentials`, and applies the executor.
    pub async fn connect(
        location: &SnowflakeLocation,
        credentials: &Credentials,
        options: SessionOptions,
    ) -> Result<SnowflakeSession, SnowflakeError> {
        let target = ConnectTarget::from_location(location, credentials)?;
        let client = SnowflakeClient::new(
            &target,
            credentials,
            options.call_timeout,
            &options.middlewares,
        )?;
        let role = options
            .executor
            .as_ref()
            .and_then(|e| e.role.clone())
            .or_else(|| location.role.clone());
        let warehouse = options
            .executor
            .as_ref()
            .and_then(|e| e.warehouse.clone())
            .or_else(|| location.warehouse.clone());
        let where_ = format!("account {}, database {}", target.account, target.database);
        let setup = |doing: String| {
            let where_ = where_.clone();
            move |e: SnowflakeError| SnowflakeError::Statement {
                code: None,
                message: format!("{doing} ({where_}): {e}"),
            }
        };
        if let Some(role) = &role {
            client
                .execute(&format!("USE ROLE {}", quote_ident(role)))
                .await
                .map_err(setup(format!("using role {role}")))?;
        }
        if let Some(warehouse) = &warehouse {
            client
                .execute(&format!("USE WAREHOUSE {}", quote_ident(warehouse)))
                .await
                .map_err(setup(format!("using warehouse {warehouse}")))?;
        }
        client
            .execute(&format!(
                "ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = {}",
                options.statement_timeout.as_secs().max(1)
            ))
            .await
            .map_err(setup("setting the statement timeout".to_string()))?;
        tracing::info!(
            account = %target.account,
            database = %target.database,
            role = ?role,
            warehouse = ?warehouse,
            "Snowflake session opened"
        );
        Ok(SnowflakeSession {
            client,
            dialect: SnowflakeDialect,
            options,
            holder: uuid::Uuid::new_v4().to_string(),
            leased: None,
        })
    }

    /// The session's client, for what the session does not cover.
    pub fn client(&self) -> &SnowflakeClient {
        &self.client
    }

    /// HTTP round trips so far.
    pub fn round_trips(&self) -> usize {
        self.client.round_trips()
    }

    /// Replaces how many steps of a phase run at once (1: one statement at a time).
    pub fn set_concurrency(&mut self, concurrency: usize) {
        self.options.concurrency = concurrency.max(1);
    }
}

#[async_trait]
impl LocationSession for SnowflakeSession {
    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }

    async fn prepare(&mut self) -> Result<(), LocationError> {
        admin::prepare(&self.client).await
    }

    async fn lock_dataset(
        &mut self,
        dataset_id: &str,
        wait: Duration,
    ) -> Result<(), LocationError> {
        lease::take(
            &self.client,
            dataset_id,
            &self.holder,
            self.options.lease_ttl,
            wait,
        )
        .await?;
        self.leased = Some(dataset_id.to_string());
        Ok(())
    }

    async fn unlock_dataset(&mut self, dataset_id: &str) -> Result<(), LocationError> {
        lease::release(&self.client, dataset_id, &self.holder).await?;
        if self.leased.as_deref() == Some(dataset_id) {
            self.leased = None;
        }
        Ok(())
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
        let settings = RunSettings {
            concurrency: self.options.concurrency,
            lease: self
                .leased
                .as_ref()
                .filter(|d| **d == options.dataset_id)
                .map(|d| HeldLease {
                    dataset_id: d.clone(),
                    holder: self.holder.clone(),
                    ttl: self.options.lease_ttl,
                }),
        };
        executor::run_plan(&self.client, plan, options, &settings).await
    }

    async fn upsert_seeds(
        &mut self,
        model: &PhysicalModel,
        seeds: &Seeds,
    ) -> Result<SeedReport, LocationError> {
        seeding::upsert_seeds(&self.client, model, seeds).await
    }
}
