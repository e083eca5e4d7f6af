//! Depot's AWS edge: the AWS implementations of depot-deploy's ports, and what they need.
//!
//! - [`S3DocumentStore`]: environment documents and plans in the bootstrap bucket (SPEC §4).
//! - [`EventBridgeSink`]: `migration-plan` and `migration-lifecycle` events (SPEC §6).
//! - [`secrets`]: a location's credentials from Secrets Manager, by `secretArn` (SPEC §2).
//! - [`ENGINES`]: the engines the cloud side serves, handed to the dataset reader.
//! - [`location_connect`]: a session on a dataset's location, with its secret's credentials.
//! - [`fifo_queue`]: the FIFO queue that debounces `migration-plan` events for the runner.
//! - [`AwsClients`]: the SDK clients, built once from the standard AWS configuration.
//! - `environment`: an environment's bootstrap bucket (SSM parameter) and its datasets' newest
//!   environment documents, for operators' commands (feature `operator`).
//! - `runner_execution`: starting the runner state machine on a payload by hand (feature
//!   `operator`).
//! - [`trust`]: the root certificates AWS API calls trust (Amazon Trust Services by default).
//!
//! Nothing here logs or formats a secret value: credential types redact themselves in `Debug`,
//! and error messages name the ARN or `s3://` URI, never a credential.

pub mod config;
pub mod engines;
#[cfg(feature = "operator")]
pub mod environment;
pub mod eventbridge_sink;
pub mod fifo_queue;
pub mod lambda_transformer;
pub mod location_connect;
pub mod rds_auth;
#[cfg(feature = "operator")]
pub mod runner_execution;
pub mod s3_documents;
mod sdk_error;
pub mod secrets;
pub mod trust;

pub use config::{load_sdk_config, load_sdk_config_for, AwsClients};
pub use engines::ENGINES;
#[cfg(feature = "operator")]
pub use environment::{check_environment_id, CloudEnvironment, EnvironmentError, FoundDataset};
pub use eventbridge_sink::{EventBridgeSink, RetryPolicy};
pub use lambda_transformer::{LambdaInvoke, LambdaTransformer};
pub use location_connect::{open_postgres, open_session, open_snowflake, ConnectSettings};
pub use rds_auth::RdsAuthTokens;
pub use s3_documents::S3DocumentStore;
pub use secrets::{
    PostgresCredentials, Redacted, SecretError, SnowflakeAuth, SnowflakeCredentials,
};
pub use trust::{AwsTrust, TrustError};
