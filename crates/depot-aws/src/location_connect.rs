//! Opening a session on a dataset's location with the credentials its `secretArn` names: what
//! the entity creators and the migration runner do before any deploy or run.
//!
//! The location's own fields (host, port, database) win over those stored in the secret: the
//! dataset says where it lives, the secret says who connects. RDS writes `host`/`port`/`dbname`
//! into its secrets, and they are used only where the location leaves a gap (never, today: the
//! properties require them), so a rotated or shared secret cannot move a dataset elsewhere.

use std::path::PathBuf;
use std::time::Duration;

use depot_core::dataset::{DatasetConfig, Executor};
use depot_core::location::LocationError;
use depot_deploy::location::LocationSession;
use depot_postgres::dialect::POSTGRES;
use depot_postgres::{ConnectOptions, PostgresLocation, PostgresSession, RetryPolicy};
use depot_snowflake::dialect::SNOWFLAKE;
use depot_snowflake::{
    Auth, Credentials, Secret, SessionOptions, SnowflakeLocation, SnowflakeSession,
};

use crate::config::load_sdk_config;
use crate::rds_auth::RdsAuthTokens;
use crate::secrets::{postgres_credentials, snowflake_credentials, SnowflakeAuth};

/// ConnectSettings are the process-wide choices about connections (from the function's
/// environment, not from the dataset).
#[derive(Debug, Clone)]
pub struct ConnectSettings {
    /// A PEM bundle to trust instead of the public roots for PostgreSQL TLS (the RDS CA bundle).
    pub postgres_ca_bundle: Option<PathBuf>,
    pub connect_timeout: Duration,
    /// Where IAM authentication tokens come from (`executor.iamAuth`); None: from the standard
    /// AWS configuration, loaded when a token is first needed.
    pub rds_auth: Option<RdsAuthTokens>,
}

impl Default for ConnectSettings {
    fn default() -> ConnectSettings {
        ConnectSettings {
            postgres_ca_bundle: None,
            connect_timeout: Duration::from_secs(10),
            rds_auth: None,
        }
    }
}

impl ConnectSettings {
    /// Reads `DEPOT_RDS_CA_BUNDLE` (a PEM file path) and `DEPOT_CONNECT_TIMEOUT_SECS`.
    pub fn from_env() -> ConnectSettings {
        let mut settings = ConnectSettings::default();
        if let Some(path) = std::env::var_os("DEPOT_RDS_CA_BUNDLE").filter(|p| !p.is_empty()) {
            settings.postgres_ca_bundle = Some(PathBuf::from(path));
        }
        if let Some(secs) = std::env::var("DEPOT_CONNECT_TIMEOUT_SECS")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
        {
            settings.connect_timeout = Duration::from_secs(secs);
        }
        settings
    }
}

/// ConnectError says why the location could not be reached; it names the location and the
/// secret's ARN, never a credential.
#[derive(Debug, thiserror::Error)]
#[error("location {location}: {message}")]
pub struct ConnectError {
    pub location: String,
    pub message: String,
}

/// Opens a session on the dataset's location, whatever its engine (the migration runner, which
/// serves both). Each entity creator calls its own engine's function instead, so that its binary
/// carries one engine.
pub async fn open_session(
    config: &DatasetConfig,
    secrets: &aws_sdk_secretsmanager::Client,
    settings: &ConnectSettings,
) -> Result<Box<dyn LocationSession>, ConnectError> {
    let location = &config.location;
    let unreadable = |e: LocationError| ConnectError {
        location: location.name().to_string(),
        message: e.to_string(),
    };
    let engine = location.engine();
    if *engine == POSTGRES {
        let pg = PostgresLocation::from_location(location).map_err(unreadable)?;
        Ok(Box::new(
            open_postgres(&pg, &config.executor, secrets, settings)
                .await?
                .with_retry_policy(RetryPolicy::for_dataset(&config.migration_options)),
        ))
    } else if *engine == SNOWFLAKE {
        let sf = SnowflakeLocation::from_location(location).map_err(unreadable)?;
        Ok(Box::new(
            open_snowflake(&sf, &config.executor, secrets).await?,
        ))
    } else {
        Err(ConnectError {
            location: location.name().to_string(),
            message: format!("no session opens on a {engine} location here"),
        })
    }
}

/// Opens a Snowflake session as `executor` (its warehouse and role): the user and password or
/// key pair from the secret when the location names one, else `SNOWFLAKE_PASSWORD` (local use).
pub async fn open_snowflake(
    location: &SnowflakeLocation,
    executor: &Executor,
    secrets: &aws_sdk_secretsmanager::Client,
) -> Result<SnowflakeSession, ConnectError> {
    let fail = |message: String| ConnectError {
        location: location.name.clone(),
        message,
    };
    let credentials =
        match &location.secret_arn {
            Some(arn) => {
                let secret = snowflake_credentials(secrets, arn)
                    .await
                    .map_err(|e| fail(e.to_string()))?;
                let auth = match secret.auth {
                    SnowflakeAuth::Password(p) => Auth::Password(Secret::new(p.expose())),
                    SnowflakeAuth::KeyPair {
                        private_key,
                        passphrase,
                    } => Auth::KeyPair {
                        private_key: Secret::new(private_key.expose()),
                        passphrase: passphrase.map(|p| Secret::new(p.expose())),
                    },
                };
                Credentials {
                    username: secret.username,
                    auth,
                }
            }
            None => match std::env::var("SNOWFLAKE_PASSWORD") {
                Ok(password) if !password.is_empty() => Credentials::password(password),
                _ => return Err(fail(
                    "no secretArn, and SNOWFLAKE_PASSWORD is not set: name the secret holding the \
                     Snowflake password or key pair"
                        .to_string(),
                )),
            },
        };
    let options = SessionOptions::for_location(executor).map_err(|e| fail(e.to_string()))?;
    SnowflakeSession::connect(location, &credentials, options)
        .await
        .map_err(|e| fail(e.to_string()))
}

/// Opens a PostgreSQL session for the dataset's migrations, on the executor's writer
/// `endpoint` (else the location's host and port), as the executor's `user` (else the
/// location's, else the secret's `username`). The password: an IAM authentication token made
/// for this connection when the executor says `iamAuth` (TLS then required), else the secret's
/// `password` when the location names a secret, else `PGPASSWORD` (local use).
pub async fn open_postgres(
    location: &PostgresLocation,
    executor: &Executor,
    secrets: &aws_sdk_secretsmanager::Client,
    settings: &ConnectSettings,
) -> Result<PostgresSession, ConnectError> {
    let fail = |message: String| ConnectError {
        location: location.name.clone(),
        message,
    };
    let options = ConnectOptions::for_executor(location, executor, None);
    let mut options = if executor.iam_auth {
        let (host, port) = options.host_and_port();
        let user = options.user().map(str::to_string).ok_or_else(|| {
            fail("IAM authentication needs a user: set `executor.user`".to_string())
        })?;
        let tokens = match &settings.rds_auth {
            Some(tokens) => tokens.clone(),
            None => RdsAuthTokens::from_sdk_config(
                &load_sdk_config().await.map_err(|e| fail(e.to_string()))?,
            )
            .map_err(fail)?,
        };
        let token = tokens
            .token(&host, port, &user)
            .await
            .map_err(|e| fail(e.to_string()))?;
        options.with_password(token.expose()).with_tls_required()
    } else {
        match &location.secret_arn {
            Some(arn) => {
                let credentials = postgres_credentials(secrets, arn)
                    .await
                    .map_err(|e| fail(e.to_string()))?;
                let options = options.with_password(credentials.password.expose());
                // The executor's or the location's user wins; the secret still gives the password.
                match options.user() {
                    Some(_) => options,
                    None => options.with_user(&credentials.username),
                }
            }
            None => match std::env::var("PGPASSWORD") {
                Ok(password) => options.with_password(&password),
                Err(_) => options,
            },
        }
    };
    options = options.with_connect_timeout(settings.connect_timeout);
    if let Some(bundle) = &settings.postgres_ca_bundle {
        options = options.with_ca_file(bundle);
    }
    PostgresSession::connect(&options)
        .await
        .map_err(|e| fail(e.to_string()))
}
