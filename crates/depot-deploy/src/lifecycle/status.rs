//! Reading the record: the status a dataset shows, the error operators should read, and where
//! its next plan starts.

use super::{short, ALL_PHASES_COMPLETED};
use crate::state::{DatasetState, DatasetStatus};

/// Status is what a dataset is doing, derived from its record (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Desired, attempted and deployed agree.
    Stable,
    /// A version is desired but its migration has not begun.
    Scheduled,
    /// A migration holds the dataset's lock.
    Running,
    /// The last attempt failed; `lastError` names the step and the cause.
    Failed,
    /// Removed (removalPolicy retain or destroy).
    Deleted,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Stable => "STABLE",
            Status::Scheduled => "SCHEDULED",
            Status::Running => "RUNNING",
            Status::Failed => "FAILED",
            Status::Deleted => "DELETED",
        }
    }
}

/// Baseline is where the next plan of a dataset starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    /// From the deployed version (None: from nothing).
    Deployed(Option<String>),
    /// From the attempted version: all its phases completed, only what follows them failed.
    Attempted(String),
    /// Between two versions: no plan for a third version can start here.
    Between {
        attempted: String,
        after_phase: Option<u32>,
    },
}

impl DatasetState {
    /// The status of SPEC §7. `lock_held` tells whether a migration holds the dataset's lock
    /// now (None: the engine cannot tell, and an attempt without an error counts as running).
    pub fn status(&self, lock_held: Option<bool>) -> Status {
        if self.status == DatasetStatus::Deleted {
            return Status::Deleted;
        }
        if lock_held == Some(true) {
            return Status::Running;
        }
        if self.last_error.is_some() {
            return Status::Failed;
        }
        if self.desired_version != self.attempted_version {
            return Status::Scheduled;
        }
        if self.attempted_version == self.deployed_version {
            return Status::Stable;
        }
        // Attempted, neither deployed nor failed: running, unless nobody holds the lock, in
        // which case the run died without recording why.
        match lock_held {
            Some(false) => Status::Failed,
            Some(true) | None => Status::Running,
        }
    }

    /// `lastError` as operators should read it: a run that died without recording why (its
    /// lock is gone) is named as such.
    pub fn reported_error(&self, lock_held: Option<bool>) -> Option<String> {
        if self.last_error.is_some() || self.status(lock_held) != Status::Failed {
            return self.last_error.clone();
        }
        Some(format!(
            "the migration to version {} stopped without recording why (its process ended{}); \
             deploy that version again to resume it, or abandon it (`depot abandon`)",
            short(self.attempted_version.as_deref().unwrap_or("?")),
            match self.last_completed_phase {
                Some(p) => format!(" after phase {p} completed"),
                None => " before any phase completed".to_string(),
            }
        ))
    }

    /// Where the next plan starts.
    pub fn baseline(&self) -> Baseline {
        match (&self.attempted_version, self.last_completed_phase) {
            (Some(attempted), _) if Some(attempted) == self.deployed_version.as_ref() => {
                Baseline::Deployed(self.deployed_version.clone())
            }
            (Some(attempted), Some(ALL_PHASES_COMPLETED)) => Baseline::Attempted(attempted.clone()),
            (Some(attempted), Some(phase)) => Baseline::Between {
                attempted: attempted.clone(),
                after_phase: Some(phase),
            },
            // Attempted without any recorded phase and without an error: a run that may have
            // been killed in its first phase. A transactional phase left nothing; a
            // non-transactional one may have, so it counts as between versions.
            (Some(attempted), None)
                if self.last_error.is_none()
                    && self.desired_version.as_ref() == Some(attempted) =>
            {
                Baseline::Between {
                    attempted: attempted.clone(),
                    after_phase: None,
                }
            }
            (Some(_), None) | (None, _) => Baseline::Deployed(self.deployed_version.clone()),
        }
    }
}
