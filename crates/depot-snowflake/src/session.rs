//! SnowflakeSession: one Snowflake session for one deploy or one run, implementing the deploy
//! choreography's [`LocationSession`]. Opening it applies the executor (SPEC: a warehouse and a
//! role) with `USE ROLE` and `USE WAREHOUSE`, and the statement timeout.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use depot_core::dataset::Executor;

use depot_core::physical::PhysicalModel;
use depot_core::undo::UndoScope;
use depot_core::{Dialect, Plan};
use depot_deploy::location::Seeds;
use depot_deploy::{
    DatasetState, DriftCheck, LocationError, LocationSession, RunFailure, RunOptions, RunReport,
    SeedReport, UndoFailure, UndoReport,
};
use reqwest_middleware::Middleware;

use crate::client::{ConnectTarget, SnowflakeClient, SnowflakeError};
use crate::credentials::Credentials;
use crate::dialect::{quote_ident, SnowflakeDialect};
use crate::emulator::EmulatorShim;
use crate::executor::{self, HeldLease, RunSettings};
use crate::location::SnowflakeLocation;
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
    /// Extra HTTP middlewares, outermost first (a latency injector).
    pub middlewares: Vec<Arc<dyn Middleware>>,
    /// The fakesnow compatibility shim, innermost of the middlewares. Only for a local
    /// emulator, never Snowflake; it is also what lets a session use a plain `http://` endpoint.
    pub emulator: Option<EmulatorShim>,
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
            emulator: None,
        }
    }
}

impl SessionOptions {
    /// The options for a dataset's location run as `executor`: its warehouse and role, and the
    /// emulator shim when the environment explicitly asks for it
    /// ([`crate::emulator::EMULATOR_VARIABLE`]); an unknown value of that variable is an error.
    pub fn for_location(executor: &Executor) -> Result<SessionOptions, SnowflakeError> {
        Ok(SessionOptions {
            executor: Some(executor.clone()),
            emulator: EmulatorShim::from_env()?,
            ..Default::default()
        })
    }

    /// Why these options cannot reach `endpoint`, or `None`. A plain `http://` endpoint is a
    /// local emulator's: without the emulator asked for, it is refused rather than trusted with
    /// credentials in clear text.
    fn endpoint_refusal(&self, endpoint: Option<&str>) -> Option<String> {
        let endpoint = endpoint?;
        let plain = endpoint
            .get(..7)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"));
        (plain && self.emulator.is_none()).then(|| {
            format!(
                "the location endpoint {endpoint:?} is plain HTTP: Snowflake and PrivateLink \
                 endpoints are https://. For a local emulator only, set {}=fakesnow",
                crate::emulator::EMULATOR_VARIABLE
            )
        })
    }

    /// The HTTP middlewares of a session, outermost first: the extra ones, then the shim.
    fn all_middlewares(&self) -> Vec<Arc<dyn Middleware>> {
        let mut all = self.middlewares.clone();
        if let Some(shim) = &self.emulator {
            all.push(Arc::new(shim.clone()));
        }
        all
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
            .field("emulator", &self.emulator.is_some())
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
        if let Some(refusal) = options.endpoint_refusal(target.endpoint.as_deref()) {
            return Err(SnowflakeError::Config(format!(
                "location {}: {refusal}",
                location.name
            )));
        }
        let client = SnowflakeClient::new(
            &target,
            credentials,
            options.call_timeout,
            &options.all_middlewares(),
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
        // MULTI_STATEMENT_COUNT = 1 whatever the account or user says: Snowflake then refuses a
        // request that holds more than one statement (Depot sends exactly one; the client checks
        // it before sending too, see `one_statement`).
        client
            .execute(&session_parameters(options.statement_timeout))
            .await
            .map_err(setup(
                "setting the statement timeout and MULTI_STATEMENT_COUNT".to_string(),
            ))?;
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

    /// True when the session talks to the fakesnow emulator (through its shim): what DuckDB
    /// cannot keep is then left out of drift and import's warnings.
    pub fn is_emulated(&self) -> bool {
        self.options.emulator.is_some()
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

    async fn is_locked(&mut self, dataset_id: &str) -> Result<Option<bool>, LocationError> {
        lease::is_held(&self.client, dataset_id).await.map(Some)
    }

    async fn undo_plan(
        &mut self,
        plan: &Plan,
        dataset_id: &str,
        scope: &UndoScope,
    ) -> Result<UndoReport, UndoFailure> {
        crate::undo_executor::undo_plan(&self.client, plan, dataset_id, scope).await
    }

    async fn check_drift(&mut self, expected: &PhysicalModel) -> Result<DriftCheck, LocationError> {
        let live = crate::introspect::introspect(&self.client, &expected.namespace).await?;
        Ok(DriftCheck::Compared(crate::drift::compare(
            &live,
            expected,
            self.is_emulated(),
        )))
    }

    async fn upsert_seeds(
        &mut self,
        model: &PhysicalModel,
        seeds: &Seeds,
    ) -> Result<SeedReport, LocationError> {
        seeding::upsert_seeds(&self.client, model, seeds).await
    }
}

/// The session parameters every session sets, as one statement.
fn session_parameters(statement_timeout: Duration) -> String {
    format!(
        "ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = {}, MULTI_STATEMENT_COUNT = 1",
        statement_timeout.as_secs().max(1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_allows_one_statement_a_request() {
        assert_eq!(
            session_parameters(Duration::from_millis(10)),
            "ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 1, MULTI_STATEMENT_COUNT = 1"
        );
    }

    #[test]
    fn a_plain_http_endpoint_needs_the_emulator_asked_for() {
        let production = SessionOptions::default();
        let refusal = production
            .endpoint_refusal(Some("http://127.0.0.1:5056"))
            .expect("http without the emulator is refused");
        assert!(
            refusal.contains("DEPOT_SNOWFLAKE_EMULATOR=fakesnow"),
            "{refusal}"
        );
        assert!(production
            .endpoint_refusal(Some("HTTP://snowflake.example"))
            .is_some());
        assert_eq!(
            production.endpoint_refusal(Some("https://acme.privatelink.snowflakecomputing.com")),
            None
        );
        assert_eq!(production.endpoint_refusal(None), None);
        assert!(
            production.all_middlewares().is_empty(),
            "no shim unless asked"
        );

        let emulated = SessionOptions {
            emulator: Some(EmulatorShim::new()),
            ..SessionOptions::default()
        };
        assert_eq!(
            emulated.endpoint_refusal(Some("http://127.0.0.1:5056")),
            None
        );
        assert_eq!(emulated.all_middlewares().len(), 1);
    }
}
