//! The entity creator end to end, against moto (S3, EventBridge, Secrets Manager) and a real
//! PostgreSQL: each CloudFormation response is read back from the presigned ResponseURL it was
//! PUT to, events through a rule into an SQS queue.

mod dependencies;
mod failures;
mod lifecycle;
mod package_uri;
mod provider;
mod redelivery;
mod snowflake;
mod support;
