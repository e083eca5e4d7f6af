//! Depot's Lambda front ends: the entity creators behind `Custom::DepotDataset`.
//!
//! - [`request`]: CloudFormation's request, or the CDK Provider framework's onEvent shape.
//! - [`entity_creator`]: Create/Update/Delete of a dataset (SPEC §2-7), on S3 and EventBridge.
//! - [`invocation`]: the protocol around it: an answer on every path (panic, deadline),
//!   redelivery through the [`ledger`], the reply by [`response_url`] or as the result.
//! - [`answer`]: the answer and its wire forms (4,096-byte limit).
//!
//! The two binaries differ only by their [`engine::Engine`].

pub mod answer;
pub mod dataset_input;
pub mod engine;
pub mod entity_creator;
pub mod handler;
pub mod invocation;
pub mod ledger;
pub mod logging;
pub mod request;
pub mod response_url;
pub mod runtime;

pub use engine::{Engine, PostgresEngine, SnowflakeEngine};
