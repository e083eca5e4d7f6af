//! The transitions of the record (desire, attempt, complete, fail, abandon, remove): each gives
//! the next record and the events that announce it.

use super::{short, Announcement, LifecycleError, Progress, Transition};
use crate::events::LifecycleEvent;
use crate::state::{DatasetState, DatasetStatus};

impl DatasetState {
    /// Asynchronous planning: `hash` becomes desired (a `desired` event); a runner attempts it.
    pub fn desire(
        &self,
        hash: &str,
        migration_id: &str,
        plan_key: &str,
    ) -> Result<Transition, LifecycleError> {
        let mut next = self.revived();
        next.desired_version = Some(hash.to_string());
        next.migration_id = Some(migration_id.to_string());
        next.plan_key = Some(plan_key.to_string());
        next.last_error = None;
        let events = announce_if_changed(
            &self.desired_version,
            hash,
            LifecycleEvent::Desired,
            self.status == DatasetStatus::Deleted,
        );
        Ok(Transition {
            state: next,
            events,
        })
    }

    /// The start of a run of `hash`'s plan: `hash` becomes attempted (an `attempted` event when
    /// it was not already). In synchronous mode desire and attempt are one change (SPEC §7: no
    /// `desired` event), so `also_desire` sets desired too. A fresh attempt (`resume` false)
    /// forgets the progress of an earlier one; a resumed one keeps it.
    pub fn attempt(
        &self,
        hash: &str,
        migration_id: &str,
        plan_key: &str,
        also_desire: bool,
        resume: bool,
    ) -> Result<Transition, LifecycleError> {
        if self.status == DatasetStatus::Deleted && !also_desire {
            return Err(LifecycleError::Deleted {
                dataset_id: self.id.clone(),
                transition: "run",
            });
        }
        let mut next = self.revived();
        if also_desire {
            next.desired_version = Some(hash.to_string());
        }
        next.attempted_version = Some(hash.to_string());
        next.migration_id = Some(migration_id.to_string());
        next.plan_key = Some(plan_key.to_string());
        next.last_error = None;
        if !resume {
            next.last_completed_phase = None;
        }
        let events = announce_if_changed(
            &self.attempted_version,
            hash,
            LifecycleEvent::Attempted,
            self.status == DatasetStatus::Deleted,
        );
        Ok(Transition {
            state: next,
            events,
        })
    }

    /// The attempted version `hash` is deployed (a `deployed` event).
    pub fn complete(&self, hash: &str) -> Result<Transition, LifecycleError> {
        self.require_attempted(hash, "complete")?;
        let mut next = self.clone();
        next.deployed_version = Some(hash.to_string());
        next.last_error = None;
        // Nothing is in progress any more.
        next.last_completed_phase = None;
        Ok(Transition {
            state: next,
            events: vec![Announcement {
                event: LifecycleEvent::Deployed,
                version: hash.to_string(),
                error: None,
            }],
        })
    }

    /// The attempt at `hash` failed with `error`, leaving `progress` (a `failed` event).
    pub fn fail(
        &self,
        hash: &str,
        error: &str,
        progress: Progress,
    ) -> Result<Transition, LifecycleError> {
        self.require_attempted(hash, "fail")?;
        let mut next = self.clone();
        next.last_error = Some(error.to_string());
        next.last_completed_phase = match progress {
            Progress::Undone => None,
            Progress::StoppedAfter(phase) => phase,
        };
        Ok(Transition {
            state: next,
            events: vec![Announcement {
                event: LifecycleEvent::Failed,
                version: hash.to_string(),
                error: Some(error.to_string()),
            }],
        })
    }

    /// The attempt is given up after its migration was undone: desired and attempted go back to
    /// the deployed version (a `desired` and an `attempted` event for it, when there is one),
    /// and the record is stable there.
    pub fn abandon(&self) -> Result<Transition, LifecycleError> {
        if self.status == DatasetStatus::Deleted {
            return Err(LifecycleError::Deleted {
                dataset_id: self.id.clone(),
                transition: "abandon",
            });
        }
        if self.desired_version == self.deployed_version
            && self.attempted_version == self.deployed_version
            && self.last_error.is_none()
        {
            return Err(LifecycleError::NothingToAbandon {
                dataset_id: self.id.clone(),
            });
        }
        let mut next = self.clone();
        next.desired_version = self.deployed_version.clone();
        next.attempted_version = self.deployed_version.clone();
        next.last_completed_phase = None;
        next.last_error = None;
        let mut events = Vec::new();
        if let Some(deployed) = &self.deployed_version {
            events.extend(announce_if_changed(
                &self.desired_version,
                deployed,
                LifecycleEvent::Desired,
                false,
            ));
            events.extend(announce_if_changed(
                &self.attempted_version,
                deployed,
                LifecycleEvent::Attempted,
                false,
            ));
        }
        Ok(Transition {
            state: next,
            events,
        })
    }

    /// The dataset is removed (its objects retained or destroyed): DELETED, no event.
    pub fn remove(&self) -> Result<Transition, LifecycleError> {
        if self.status == DatasetStatus::Deleted {
            return Err(LifecycleError::Deleted {
                dataset_id: self.id.clone(),
                transition: "removal",
            });
        }
        let mut next = self.clone();
        next.status = DatasetStatus::Deleted;
        Ok(Transition {
            state: next,
            events: Vec::new(),
        })
    }

    fn revived(&self) -> DatasetState {
        let mut next = self.clone();
        next.status = DatasetStatus::Live;
        next
    }

    fn require_attempted(
        &self,
        hash: &str,
        transition: &'static str,
    ) -> Result<(), LifecycleError> {
        if self.attempted_version.as_deref() == Some(hash) {
            return Ok(());
        }
        Err(LifecycleError::NotAttempted {
            dataset_id: self.id.clone(),
            version: short(hash).to_string(),
            attempted: self
                .attempted_version
                .as_deref()
                .map(short)
                .unwrap_or("none")
                .to_string(),
            transition,
        })
    }
}

/// An event for `field` becoming `hash`, unless it already was (and the record is live).
fn announce_if_changed(
    field: &Option<String>,
    hash: &str,
    event: LifecycleEvent,
    revived: bool,
) -> Vec<Announcement> {
    if field.as_deref() == Some(hash) && !revived {
        return Vec::new();
    }
    vec![Announcement {
        event,
        version: hash.to_string(),
        error: None,
    }]
}
