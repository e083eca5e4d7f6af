//! DatasetConfig: the normalized dataset properties of SPEC §2 (a package deployed into a
//! location). Parsing from raw properties (where CloudFormation sends every scalar as a string)
//! is [`crate::properties::parse_dataset`]; the model here is what the hash and documents see.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::hazard::Hazard;
use crate::naming::NamingStrategy;
use crate::package::Package;

pub use crate::location::Location;

/// DatasetConfig is everything of SPEC §2 except the package itself and CloudFormation's keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatasetConfig {
    pub environment_id: String,
    pub alias: String,
    pub bootstrap_bucket: String,
    pub location: Location,
    pub executor: Executor,
    /// The namespace (schema) the dataset's objects live in; used as given.
    pub schema_name: String,
    pub naming_strategy: NamingStrategy,
    /// Alias usable in view queries -> another dataset (alias or id) of the same environment.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dependencies: BTreeMap<String, String>,
    pub migration_options: MigrationOptions,
    pub removal_policy: RemovalPolicy,
    /// `planTransformer`: what adjusts each plan Depot computes before it is stored and run
    /// (see [`crate::plan_transform`]). Absent from the configuration (and so from the version
    /// hash) unless set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_transformer: Option<PlanTransformerConfig>,
    /// `"unenforcedChecks": "ignore"`: on an engine without CHECK (Snowflake), a package's
    /// checks are recorded and not created, instead of refusing the package. Absent from the
    /// configuration (and so from the version hash) unless set.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignore_unenforced_checks: bool,
}

/// PlanTransformerConfig names a plan transformer: a Lambda function (in the cloud) or a
/// command (the `depot` command line). Exactly one of the two.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanTransformerConfig {
    /// The Lambda function invoked with the plan (entity creators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_arn: Option<String>,
    /// The program and its arguments, run with the plan on stdin (the command line); a relative
    /// program path is read from the dataset file's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// How long the transformer may take, in seconds ([`PLAN_TRANSFORMER_TIMEOUT_RANGE`]);
    /// None: [`DEFAULT_PLAN_TRANSFORMER_TIMEOUT_SECS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
}

/// The timeouts a plan transformer may be given: up to 15 minutes (a Lambda's own limit).
pub const PLAN_TRANSFORMER_TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 1..=900;
/// The timeout of a plan transformer that sets none.
pub const DEFAULT_PLAN_TRANSFORMER_TIMEOUT_SECS: u32 = 30;

impl PlanTransformerConfig {
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(
            self.timeout_seconds
                .unwrap_or(DEFAULT_PLAN_TRANSFORMER_TIMEOUT_SECS),
        ))
    }

    /// What it is, for messages: the Lambda's ARN or the command's program.
    pub fn describe(&self) -> String {
        match (&self.lambda_arn, &self.command) {
            (Some(arn), _) => format!("Lambda {arn}"),
            (None, Some(command)) => format!(
                "command `{}`",
                command.first().map(String::as_str).unwrap_or_default()
            ),
            (None, None) => "(none)".to_string(),
        }
    }
}

/// Executor names the compute/credentials used for an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Executor {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// PostgreSQL: where migrations connect (the writer: an Aurora cluster endpoint), instead
    /// of the location's `host`/`port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Endpoint>,
    /// PostgreSQL: a read-only endpoint (an Aurora reader), for read-only work; migrations
    /// never use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader_endpoint: Option<Endpoint>,
    /// PostgreSQL: the user migrations connect as, instead of the location's `user` or the
    /// secret's `username` (the secret still gives the password, unless `iam_auth`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// PostgreSQL: the password is an RDS IAM authentication token, generated for each
    /// connection from the caller's AWS credentials; TLS is required.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub iam_auth: bool,
}

impl Executor {
    /// The executor of the given name, with nothing else set.
    pub fn named(name: impl Into<String>) -> Executor {
        Executor {
            name: name.into(),
            warehouse: None,
            role: None,
            endpoint: None,
            reader_endpoint: None,
            user: None,
            iam_auth: false,
        }
    }
}

/// Endpoint is a host and port to connect to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MigrationOptions {
    pub migration_mode: MigrationMode,
    pub trigger_seeding: bool,
    pub allowed_hazards: BTreeSet<Hazard>,
    /// `lockTimeoutMs`: how long one DDL statement waits for its table lock before it gives up
    /// and is retried (PostgreSQL `lock_timeout`), in milliseconds, within
    /// [`LOCK_TIMEOUT_MS_RANGE`]. `None`: the engine's default. Absent from the configuration
    /// (and so from the version hash) unless set, so datasets without it keep their hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_timeout_ms: Option<u32>,
}

/// The `lockTimeoutMs` a dataset may set: at least 50 ms (below, a statement can hardly take
/// a lock on a busy table at all), at most 60 s (past that, writers queued behind the waiting
/// DDL stall for a minute: the stall this option exists to bound).
pub const LOCK_TIMEOUT_MS_RANGE: std::ops::RangeInclusive<u32> = 50..=60_000;

/// MigrationMode: run the plan at once, or hand it to a runner through an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum MigrationMode {
    Synchronous {
        #[serde(
            rename = "eventBusArn",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        event_bus_arn: Option<String>,
    },
    Asynchronous {
        #[serde(
            rename = "eventBusArn",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        event_bus_arn: Option<String>,
        #[serde(rename = "customEventBinding", default)]
        custom_event_binding: bool,
    },
}

impl MigrationMode {
    /// The bus events go to; `None` means the default bus.
    pub fn event_bus_arn(&self) -> Option<&str> {
        match self {
            MigrationMode::Synchronous { event_bus_arn }
            | MigrationMode::Asynchronous { event_bus_arn, .. } => event_bus_arn.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RemovalPolicy {
    Retain,
    Destroy,
}

/// Dataset is a parsed dataset input: its configuration plus its package, with the optional
/// fixed id a dataset file may carry.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub config: DatasetConfig,
    pub package: Package,
    /// Fixed dataset id (12 lowercase hex), when the input names one.
    pub dataset_id: Option<String>,
}
