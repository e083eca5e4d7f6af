//! Depot's asynchronous migration runner: the receiver side of asynchronous mode (SPEC §7, §8).
//!
//! - [`payload_input`]: where a payload comes from (a file, stdin, inline JSON) and its parsing.
//! - [`aws_runner`]: one run of a payload against AWS: the plan and documents in S3, the events
//!   on EventBridge, the location's credentials from Secrets Manager.
//! - [`queue_consumer`]: the local consumer mode, polling the FIFO queue the forwarder fills.
//! - [`visibility_heartbeat`]: keeps a message hidden while its migration runs.
//! - [`lambda_mode`]: both binaries as Lambda handlers.
//! - [`failure_reporter`]: `migration-runner` as the failure reporter (a Lambda mode): records
//!   and announces failures outside Depot's code (a failed Batch job, a dead-lettered message);
//!   [`failure_cause`] words them.
//! - [`summary`]: the JSON a run prints.
//! - [`logging`]: structured JSON logs.
//!
//! The binaries (`migration-runner`, `migration-forwarder`) only parse arguments and call these.

pub mod aws_runner;
pub mod failure_cause;
pub mod failure_reporter;
pub mod lambda_mode;
pub mod logging;
pub mod payload_input;
pub mod queue_consumer;
pub mod summary;
pub mod visibility_heartbeat;

pub use aws_runner::{AwsRunner, RunnerError};
