//! Events of SPEC §6: the `migration-plan` event and the `migration-lifecycle` events, and the
//! EventSink they go to (EventBridge on AWS, a JSON-lines log locally).

use std::path::PathBuf;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

/// The `source` of every Depot event.
pub const SOURCE: &str = "tech.stage.depot";
pub const DETAIL_TYPE_PLAN: &str = "migration-plan";
pub const DETAIL_TYPE_LIFECYCLE: &str = "migration-lifecycle";

/// ExecutionResponsibility says who runs a planned migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExecutionResponsibility {
    /// Asynchronous mode: the receiver (the migration runner) executes it.
    ToBeExecutedByReceiver,
    /// Synchronous mode: already executed by the sender.
    ExecutedBySender,
}

/// MigrationPlanned is the detail of a `migration-plan` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationPlanned {
    pub environment_id: String,
    pub dataset_id: String,
    pub dataset_alias: String,
    pub environment_uri: String,
    pub old_environment_uri: Option<String>,
    pub dataset_version_hash: String,
    pub old_dataset_version_hash: Option<String>,
    pub migration_plan_bucket: String,
    /// The plan that runs: the transformed plan when the dataset has a plan transformer.
    pub migration_plan_key: String,
    /// Depot's own plan, when a plan transformer changed it (stored beside it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_migration_plan_key: Option<String>,
    pub migration_id: String,
    /// Always `migration-planned`.
    pub summary: String,
    pub execution_responsibility: ExecutionResponsibility,
}

/// LifecycleEvent names the state field that changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LifecycleEvent {
    Desired,
    Attempted,
    Deployed,
    Failed,
}

/// Lifecycle is the detail of a `migration-lifecycle` event. It is sent with the version hash
/// under two names, `datasetVersionHash` (SPEC §6) and `versionHash` (the name the seeds'
/// alerting rules read): the same value, so that both kinds of receivers keep working.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lifecycle {
    /// Always `lifecycle`.
    #[serde(rename = "type")]
    pub kind: String,
    pub environment_id: String,
    pub dataset_id: String,
    pub dataset_alias: String,
    pub environment_uri: String,
    pub dataset_version_hash: String,
    pub event: LifecycleEvent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration_id: Option<String>,
    /// Why a `failed` event failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Serialize for Lifecycle {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// The detail as sent: every field, and the hash a second time as `versionHash`.
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            #[serde(rename = "type")]
            kind: &'a str,
            environment_id: &'a str,
            dataset_id: &'a str,
            dataset_alias: &'a str,
            environment_uri: &'a str,
            dataset_version_hash: &'a str,
            version_hash: &'a str,
            event: LifecycleEvent,
            #[serde(skip_serializing_if = "Option::is_none")]
            migration_id: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<&'a str>,
        }
        Wire {
            kind: &self.kind,
            environment_id: &self.environment_id,
            dataset_id: &self.dataset_id,
            dataset_alias: &self.dataset_alias,
            environment_uri: &self.environment_uri,
            dataset_version_hash: &self.dataset_version_hash,
            version_hash: &self.dataset_version_hash,
            event: self.event,
            migration_id: self.migration_id.as_deref(),
            error: self.error.as_deref(),
        }
        .serialize(serializer)
    }
}

/// Event is one event to send: its detail-type, its detail, and the bus (None: default bus).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub detail_type: &'static str,
    pub detail: serde_json::Value,
    pub event_bus_arn: Option<String>,
}

impl Event {
    pub fn migration_planned(detail: &MigrationPlanned, bus: Option<&str>) -> Event {
        Event {
            detail_type: DETAIL_TYPE_PLAN,
            detail: serde_json::to_value(detail).expect("event detail serializes"),
            event_bus_arn: bus.map(str::to_string),
        }
    }

    pub fn lifecycle(detail: &Lifecycle, bus: Option<&str>) -> Event {
        Event {
            detail_type: DETAIL_TYPE_LIFECYCLE,
            detail: serde_json::to_value(detail).expect("event detail serializes"),
            event_bus_arn: bus.map(str::to_string),
        }
    }
}

/// EventError: an event could not be sent. Never silent: the deploy fails with it.
#[derive(Debug, thiserror::Error)]
#[error("sending a {detail_type} event failed: {message}")]
pub struct EventError {
    pub detail_type: String,
    pub message: String,
}

/// EventSink sends events.
#[async_trait]
pub trait EventSink: Send + Sync {
    async fn send(&self, event: &Event) -> Result<(), EventError>;
}

/// LocalEventLog appends each event as one JSON line, in EventBridge's envelope, to a file.
#[derive(Debug, Clone)]
pub struct LocalEventLog {
    path: PathBuf,
}

impl LocalEventLog {
    pub fn new(path: impl Into<PathBuf>) -> LocalEventLog {
        LocalEventLog { path: path.into() }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

#[async_trait]
impl EventSink for LocalEventLog {
    async fn send(&self, event: &Event) -> Result<(), EventError> {
        let envelope = serde_json::json!({
            "version": "0",
            "id": uuid::Uuid::new_v4().to_string(),
            "detail-type": event.detail_type,
            "source": SOURCE,
            "time": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "resources": [],
            "eventBusArn": event.event_bus_arn,
            "detail": event.detail,
        });
        let err = |e: std::io::Error| EventError {
            detail_type: event.detail_type.to_string(),
            message: format!("{}: {e}", self.path.display()),
        };
        if let Some(dir) = self.path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(err)?;
        }
        let mut line = serde_json::to_vec(&envelope).expect("envelope serializes");
        line.push(b'\n');
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(err)?;
        file.write_all(&line).await.map_err(err)?;
        file.flush().await.map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployed() -> Lifecycle {
        Lifecycle {
            kind: "lifecycle".into(),
            environment_id: "e2e404529091ed2".into(),
            dataset_id: "9afc0c483ed3".into(),
            dataset_alias: "WsDevDogSrc".into(),
            environment_uri: "s3://b/sdp-e2e404529091ed2/datasets/9afc0c483ed3/859f.json".into(),
            dataset_version_hash: "859f".repeat(16),
            event: LifecycleEvent::Deployed,
            migration_id: None,
            error: None,
        }
    }

    #[test]
    fn a_lifecycle_event_carries_the_hash_as_version_hash_and_dataset_version_hash() {
        let event = Event::lifecycle(&deployed(), None);
        let detail = event.detail.as_object().unwrap();
        assert_eq!(detail["datasetVersionHash"], "859f".repeat(16));
        assert_eq!(detail["versionHash"], "859f".repeat(16));
        assert_eq!(detail["event"], "deployed");
        assert_eq!(detail["type"], "lifecycle");
        // Absent optional fields stay absent, as before.
        assert!(!detail.contains_key("error") && !detail.contains_key("migrationId"));
        let keys: Vec<&str> = detail.keys().map(String::as_str).collect();
        assert_eq!(
            keys.len(),
            8,
            "type, environmentId, datasetId, datasetAlias, environmentUri, datasetVersionHash, versionHash, event: {keys:?}"
        );
    }

    #[test]
    fn a_sent_lifecycle_event_reads_back_the_same() {
        let mut failed = deployed();
        failed.event = LifecycleEvent::Failed;
        failed.error = Some("phase 700: lock timeout".into());
        failed.migration_id = Some("01967b85-dd5c-7306-b067-0a06ab34d6ae".into());
        let text = serde_json::to_string(&failed).unwrap();
        assert!(text.contains("\"versionHash\""), "{text}");
        let back: Lifecycle = serde_json::from_str(&text).unwrap();
        assert_eq!(back, failed);
    }
}
