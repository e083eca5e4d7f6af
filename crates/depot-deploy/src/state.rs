//! DatasetState: the state record of SPEC §7, one per dataset, kept in the location itself.

use serde::{Deserialize, Serialize};

/// DatasetStatus is the stored half of the status: whether the dataset is live or was deleted
/// (removalPolicy retain keeps the objects and marks the record DELETED). What operators read as
/// `status` (STABLE, SCHEDULED, RUNNING, FAILED, DELETED) is derived from the whole record by
/// [`DatasetState::status`](crate::lifecycle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DatasetStatus {
    /// Stored as `RUNNING`, the word the first admin revision used for a live dataset.
    #[serde(rename = "RUNNING")]
    Live,
    Deleted,
}

impl DatasetStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            DatasetStatus::Live => "RUNNING",
            DatasetStatus::Deleted => "DELETED",
        }
    }

    pub fn parse(s: &str) -> Option<DatasetStatus> {
        match s {
            "RUNNING" => Some(DatasetStatus::Live),
            "DELETED" => Some(DatasetStatus::Deleted),
            _ => None,
        }
    }
}

/// DatasetState is the record operators read with `depot get-dataset` and SQL reads through the
/// `__admin.dataset` view. `version` increases by one at every change and guards concurrent
/// writers (compare-and-set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetState {
    pub id: String,
    pub alias: String,
    pub environment_id: String,
    pub version: i64,
    /// When the record last changed: UTC ISO-8601 with milliseconds.
    pub synced: String,
    pub status: DatasetStatus,
    pub desired_version: Option<String>,
    pub attempted_version: Option<String>,
    pub deployed_version: Option<String>,
    /// The migration last planned or run, and where its plan is stored.
    pub migration_id: Option<String>,
    pub plan_key: Option<String>,
    /// The highest phase of the attempted plan that completed (for resume);
    /// [`crate::lifecycle::ALL_PHASES_COMPLETED`] when every phase did and seeding failed.
    pub last_completed_phase: Option<u32>,
    /// Why the last attempt failed; cleared when a migration succeeds.
    pub last_error: Option<String>,
}

impl DatasetState {
    /// A fresh record for a dataset that has never been deployed (version 0: not yet stored).
    pub fn new(id: &str, alias: &str, environment_id: &str) -> DatasetState {
        DatasetState {
            id: id.to_string(),
            alias: alias.to_string(),
            environment_id: environment_id.to_string(),
            version: 0,
            synced: String::new(),
            status: DatasetStatus::Live,
            desired_version: None,
            attempted_version: None,
            deployed_version: None,
            migration_id: None,
            plan_key: None,
            last_completed_phase: None,
            last_error: None,
        }
    }

    /// True when desired, attempted and deployed agree on `hash`.
    pub fn is_stable_at(&self, hash: &str) -> bool {
        self.desired_version.as_deref() == Some(hash)
            && self.attempted_version.as_deref() == Some(hash)
            && self.deployed_version.as_deref() == Some(hash)
    }
}
