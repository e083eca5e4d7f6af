//! SnowflakeClient: one Snowflake session over `snowflake-api`, held for a whole deploy or run
//! and shared by the statements it runs concurrently. Every call has a client-side timeout on
//! top of the server's `STATEMENT_TIMEOUT_IN_SECONDS`, so a hung server (or emulator) fails the
//! call instead of the run hanging.

use std::sync::Arc;
use std::time::Duration;

use arrow_array::{
    Array, BooleanArray, Float64Array, Int16Array, Int32Array, Int64Array, Int8Array,
    LargeStringArray, RecordBatch, StringArray,
};
use reqwest_middleware::Middleware;
use snowflake_api::{AuthArgs, AuthType, CertificateArgs, PasswordArgs, QueryResult};
use snowflake_api::{SnowflakeApi, SnowflakeApiBuilder, SnowflakeApiError};

use crate::credentials::{Auth, Credentials};
use crate::endpoint::EndpointOverride;
use crate::location::SnowflakeLocation;
use crate::one_statement::{one_statement, NotOneStatement};
use crate::round_trips::RoundTripCounter;

/// Row is one result row, every value as text (Depot's own queries cast to VARCHAR).
pub type Row = Vec<Option<String>>;

/// SnowflakeError is a failed call: what Depot was doing, and Snowflake's answer (never a
/// secret: credentials are not part of any message).
#[derive(Debug, thiserror::Error)]
pub enum SnowflakeError {
    /// The location or credentials cannot make a session.
    #[error("{0}")]
    Config(String),
    /// Snowflake refused or failed the statement.
    #[error("{message}")]
    Statement {
        code: Option<String>,
        message: String,
    },
    /// No answer within the call timeout.
    #[error("no answer from Snowflake within {0:?}")]
    Timeout(Duration),
    /// An answer Depot cannot read.
    #[error("{0}")]
    Unreadable(String),
    /// The text is not exactly one statement; it was not sent.
    #[error(transparent)]
    NotOneStatement(#[from] NotOneStatement),
}

/// ConnectTarget is what a session connects to and as whom.
#[derive(Debug, Clone)]
pub struct ConnectTarget {
    pub account: String,
    pub database: String,
    pub user: String,
    pub warehouse: Option<String>,
    pub role: Option<String>,
    pub endpoint: Option<String>,
}

impl ConnectTarget {
    /// The target of `location`, with the user from the location or else from the secret.
    pub fn from_location(
        location: &SnowflakeLocation,
        credentials: &Credentials,
    ) -> Result<ConnectTarget, SnowflakeError> {
        let user = location
            .user
            .clone()
            .or_else(|| credentials.username.clone())
            .ok_or_else(|| {
                SnowflakeError::Config(format!(
                    "location {}: no Snowflake user: set `user` on the location or `username` \
                     in its secret",
                    location.name
                ))
            })?;
        Ok(ConnectTarget {
            account: location.account.clone(),
            database: location.database.clone(),
            user,
            warehouse: location.warehouse.clone(),
            role: location.role.clone(),
            endpoint: location.endpoint.clone(),
        })
    }
}

/// SnowflakeClient runs statements in one session.
pub struct SnowflakeClient {
    api: SnowflakeApi,
    round_trips: RoundTripCounter,
    call_timeout: Duration,
}

impl std::fmt::Debug for SnowflakeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnowflakeClient")
            .field("round_trips", &self.round_trips.get())
            .field("call_timeout", &self.call_timeout)
            .finish_non_exhaustive()
    }
}

impl SnowflakeClient {
    /// Builds the client; the session itself starts with the first call. `middlewares` run
    /// before the endpoint override (the emulator shim, a latency injector).
    pub fn new(
        target: &ConnectTarget,
        credentials: &Credentials,
        call_timeout: Duration,
        middlewares: &[Arc<dyn Middleware>],
    ) -> Result<SnowflakeClient, SnowflakeError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("depot/", env!("CARGO_PKG_VERSION")))
            .gzip(true)
            .timeout(call_timeout)
            .build()
            .map_err(|e| SnowflakeError::Config(format!("building the HTTP client: {e}")))?;
        let round_trips = RoundTripCounter::default();
        let mut builder = reqwest_middleware::ClientBuilder::new(http).with(round_trips.clone());
        for m in middlewares {
            builder = builder.with_arc(Arc::clone(m));
        }
        if let Some(endpoint) = &target.endpoint {
            builder =
                builder.with(EndpointOverride::new(endpoint).map_err(SnowflakeError::Config)?);
        }
        let auth_type = match &credentials.auth {
            Auth::Password(password) => AuthType::Password(PasswordArgs {
                password: password.expose().to_string(),
            }),
            Auth::KeyPair {
                private_key,
                passphrase: None,
            } => AuthType::Certificate(CertificateArgs {
                private_key_pem: private_key.expose().to_string(),
            }),
            Auth::KeyPair {
                passphrase: Some(_),
                ..
            } => {
                return Err(SnowflakeError::Config(
                    "the key pair's private key is encrypted (privateKeyPassphrase): \
                     snowflake-api signs with an unencrypted PKCS#8 key; store the key \
                     unencrypted in the secret"
                        .to_string(),
                ))
            }
        };
        let auth = AuthArgs {
            account_identifier: target.account.clone(),
            warehouse: target.warehouse.clone(),
            database: Some(target.database.clone()),
            schema: None,
            username: target.user.clone(),
            role: target.role.clone(),
            auth_type,
        };
        let api = SnowflakeApiBuilder::new(auth)
            .with_client(builder.build())
            .build()
            .map_err(|e| SnowflakeError::Config(describe(&e)))?;
        Ok(SnowflakeClient {
            api,
            round_trips,
            call_timeout,
        })
    }

    /// HTTP requests sent so far (login included).
    pub fn round_trips(&self) -> usize {
        self.round_trips.get()
    }

    /// Runs one statement; its result, if any, is dropped.
    pub async fn execute(&self, sql: &str) -> Result<(), SnowflakeError> {
        self.call(sql).await.map(|_| ())
    }

    /// Runs one query; every value as text (cast in SQL to VARCHAR where it matters).
    pub async fn query(&self, sql: &str) -> Result<Vec<Row>, SnowflakeError> {
        self.rows(sql, false).await
    }

    /// Runs a `SHOW` command, whose columns SQL cannot cast: its text, number and boolean
    /// columns are read as text, the others (`created_on`, a timestamp) are `None`.
    pub async fn show(&self, sql: &str) -> Result<Vec<Row>, SnowflakeError> {
        self.rows(sql, true).await
    }

    async fn rows(&self, sql: &str, lenient: bool) -> Result<Vec<Row>, SnowflakeError> {
        match self.call(sql).await? {
            QueryResult::Empty => Ok(Vec::new()),
            QueryResult::Json(json) => json_rows(&json.value),
            QueryResult::Arrow(batches) => {
                let mut rows = Vec::new();
                for batch in &batches {
                    rows.extend(arrow_rows(batch, lenient)?);
                }
                Ok(rows)
            }
        }
    }

    /// The affected row count of an INSERT, UPDATE or DELETE: Snowflake answers them with the
    /// count as the first value of a row.
    pub async fn affected_rows(&self, sql: &str) -> Result<u64, SnowflakeError> {
        Ok(count_values(&self.query(sql).await?, 1))
    }

    /// The rows a MERGE inserted and updated: Snowflake answers with those two counts (and,
    /// when the MERGE deletes, a third) as one row.
    pub async fn merged_rows(&self, sql: &str) -> Result<u64, SnowflakeError> {
        Ok(count_values(&self.query(sql).await?, 2))
    }

    async fn call(&self, sql: &str) -> Result<QueryResult, SnowflakeError> {
        // Snowflake checks it too (MULTI_STATEMENT_COUNT = 1, set when the session opens); this
        // catches it before the text leaves, on every server.
        one_statement(sql)?;
        tracing::debug!(sql, "statement");
        match tokio::time::timeout(self.call_timeout, self.api.exec(sql)).await {
            Ok(result) => result.map_err(|e| statement_error(&e)),
            Err(_) => Err(SnowflakeError::Timeout(self.call_timeout)),
        }
    }
}

/// The sum of the first `n` numbers of the first row (0 when there is none).
fn count_values(rows: &[Row], n: usize) -> u64 {
    rows.first()
        .map(|row| {
            row.iter()
                .take(n)
                .flatten()
                .filter_map(|v| v.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0)
}

fn statement_error(e: &SnowflakeApiError) -> SnowflakeError {
    match e {
        SnowflakeApiError::ApiError(code, message) => SnowflakeError::Statement {
            code: Some(code.clone()),
            message: format!("Snowflake error {code}: {message}"),
        },
        other => SnowflakeError::Statement {
            code: None,
            message: describe(other),
        },
    }
}

/// A snowflake-api error and its causes, on one line.
fn describe(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

fn json_rows(value: &serde_json::Value) -> Result<Vec<Row>, SnowflakeError> {
    let rows = value
        .as_array()
        .ok_or_else(|| SnowflakeError::Unreadable(format!("a result that is not rows: {value}")))?;
    Ok(rows
        .iter()
        .map(|row| {
            row.as_array()
                .map(|cells| {
                    cells
                        .iter()
                        .map(|c| match c {
                            serde_json::Value::Null => None,
                            serde_json::Value::String(s) => Some(s.clone()),
                            other => Some(other.to_string()),
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect())
}

fn arrow_rows(batch: &RecordBatch, lenient: bool) -> Result<Vec<Row>, SnowflakeError> {
    let mut rows: Vec<Row> = vec![Vec::with_capacity(batch.num_columns()); batch.num_rows()];
    for column in batch.columns() {
        let any = column.as_any();
        for (i, row) in rows.iter_mut().enumerate() {
            if column.is_null(i) {
                row.push(None);
                continue;
            }
            let value = if let Some(a) = any.downcast_ref::<StringArray>() {
                a.value(i).to_string()
            } else if let Some(a) = any.downcast_ref::<LargeStringArray>() {
                a.value(i).to_string()
            } else if let Some(a) = any.downcast_ref::<Int64Array>() {
                a.value(i).to_string()
            } else if let Some(a) = any.downcast_ref::<Int32Array>() {
                a.value(i).to_string()
            } else if let Some(a) = any.downcast_ref::<Int16Array>() {
                a.value(i).to_string()
            } else if let Some(a) = any.downcast_ref::<Int8Array>() {
                a.value(i).to_string()
            } else if let Some(a) = any.downcast_ref::<Float64Array>() {
                a.value(i).to_string()
            } else if let Some(a) = any.downcast_ref::<BooleanArray>() {
                a.value(i).to_string()
            } else if lenient {
                row.push(None);
                continue;
            } else {
                return Err(SnowflakeError::Unreadable(format!(
                    "a result column of Arrow type {}: cast it to VARCHAR in the query",
                    column.data_type()
                )));
            };
            row.push(Some(value));
        }
    }
    Ok(rows)
}
