//! Lifecycle: the dataset's state record (SPEC §7) as one explicit state machine. Every change
//! of the record goes through one of these pure transitions (desire, attempt, complete, fail,
//! abandon, remove); each returns the next record and the lifecycle events that announce it,
//! so the rules live in one place, are tested edge by edge, and the choreography around them
//! only stores records and sends events.
//!
//! The rules that keep every dataset movable after any failure:
//! - A failure records why (`lastError`) and how far the attempt got. When the failed migration
//!   was undone, nothing of it is left (`lastCompletedPhase` empty): the next plan starts from
//!   the deployed version, whatever version comes next.
//! - An attempt that stopped between versions (a killed process, an undo that could not finish)
//!   can be resumed (the same version again) or abandoned (undo, then back to the deployed
//!   version); a plan for a third version from between two versions is refused, with both ways
//!   out in the message.
//! - An attempt whose every phase completed but whose seeding failed left the objects exactly
//!   at its version: the next plan starts from that version.

use crate::events::LifecycleEvent;
use crate::state::{DatasetState, DatasetStatus};

/// Recorded as `lastCompletedPhase` when every phase of the attempted plan completed and what
/// follows the plan (seeding) failed: above any phase number (at most 9900), so a resumed run
/// skips every phase and goes straight to seeding.
pub const ALL_PHASES_COMPLETED: u32 = 10_000;

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

/// Announcement is one lifecycle event a transition asks to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub event: LifecycleEvent,
    /// The version the event is about.
    pub version: String,
    /// Why, on a `failed` event.
    pub error: Option<String>,
}

/// Transition is a next record and the events that announce it, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub state: DatasetState,
    pub events: Vec<Announcement>,
}

/// Progress says what a failed attempt left in the location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The failed migration was undone: the objects are as the deployed version left them.
    Undone,
    /// The attempt stopped after this phase (None: before any phase completed) and was not
    /// undone: the objects are between two versions.
    StoppedAfter(Option<u32>),
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

/// LifecycleError is a transition that the record's current state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("dataset {dataset_id} is deleted: a {transition} is not possible")]
    Deleted {
        dataset_id: String,
        transition: &'static str,
    },
    #[error("dataset {dataset_id}: version {version} is not the one attempted ({attempted}), so it cannot {transition}")]
    NotAttempted {
        dataset_id: String,
        version: String,
        attempted: String,
        transition: &'static str,
    },
    #[error("dataset {dataset_id} has no attempt to abandon: it is at its deployed version")]
    NothingToAbandon { dataset_id: String },
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

/// The first 12 characters of a version hash, for messages.
pub fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn new() -> DatasetState {
        DatasetState::new("6d9c7969f0b1", "Dogs", "e2e404529091ed2")
    }

    /// A record stable at `hash`.
    fn stable(hash: &str) -> DatasetState {
        let mut s = new();
        s.desired_version = Some(hash.into());
        s.attempted_version = Some(hash.into());
        s.deployed_version = Some(hash.into());
        s
    }

    fn events(t: &Transition) -> Vec<(LifecycleEvent, &str, bool)> {
        t.events
            .iter()
            .map(|a| (a.event, a.version.as_str(), a.error.is_some()))
            .collect()
    }

    #[test]
    fn a_new_record_is_stable_at_nothing_and_plans_from_nothing() {
        assert_eq!(new().status(None), Status::Stable);
        assert_eq!(new().baseline(), Baseline::Deployed(None));
    }

    #[test]
    fn synchronous_deploy_attempts_and_desires_in_one_change_then_completes() {
        let t = new().attempt(A, "m1", "k1", true, false).unwrap();
        assert_eq!(events(&t), vec![(LifecycleEvent::Attempted, A, false)]);
        assert_eq!(t.state.desired_version.as_deref(), Some(A));
        assert_eq!(t.state.status(Some(true)), Status::Running);
        assert_eq!(t.state.status(None), Status::Running);
        let mut ran = t.state.clone();
        ran.last_completed_phase = Some(1100);
        let done = ran.complete(A).unwrap();
        assert_eq!(events(&done), vec![(LifecycleEvent::Deployed, A, false)]);
        assert_eq!(done.state.last_completed_phase, None);
        assert_eq!(done.state.status(Some(false)), Status::Stable);
        assert_eq!(done.state.baseline(), Baseline::Deployed(Some(A.into())));
    }

    #[test]
    fn asynchronous_deploy_desires_then_the_runner_attempts() {
        let t = stable(A).desire(B, "m2", "k2").unwrap();
        assert_eq!(events(&t), vec![(LifecycleEvent::Desired, B, false)]);
        assert_eq!(t.state.status(Some(false)), Status::Scheduled);
        assert_eq!(t.state.baseline(), Baseline::Deployed(Some(A.into())));
        let run = t.state.attempt(B, "m2", "k2", false, false).unwrap();
        assert_eq!(events(&run), vec![(LifecycleEvent::Attempted, B, false)]);
        assert_eq!(run.state.status(Some(true)), Status::Running);
        // Desiring the same version again announces nothing.
        assert!(t.state.desire(B, "m3", "k3").unwrap().events.is_empty());
    }

    #[test]
    fn a_resumed_attempt_keeps_its_progress_and_sends_no_second_attempted() {
        let mut s = stable(A).attempt(B, "m", "k", true, false).unwrap().state;
        s.last_completed_phase = Some(300);
        s.last_error = Some("phase 700: boom".into());
        let again = s.attempt(B, "m", "k", true, true).unwrap();
        assert!(again.events.is_empty());
        assert_eq!(again.state.last_completed_phase, Some(300));
        assert_eq!(again.state.last_error, None);
        let fresh = s.attempt(B, "m", "k", true, false).unwrap();
        assert_eq!(fresh.state.last_completed_phase, None);
    }

    #[test]
    fn an_undone_failure_leaves_the_deployed_version_as_the_baseline() {
        let s = stable(A).attempt(B, "m", "k", true, false).unwrap().state;
        let t = s
            .fail(B, "phase 900, step 900-1: null values", Progress::Undone)
            .unwrap();
        assert_eq!(events(&t), vec![(LifecycleEvent::Failed, B, true)]);
        assert_eq!(t.state.status(Some(false)), Status::Failed);
        assert_eq!(t.state.last_completed_phase, None);
        assert_eq!(t.state.baseline(), Baseline::Deployed(Some(A.into())));
    }

    #[test]
    fn a_failed_first_deploy_that_was_undone_plans_the_next_version_from_nothing() {
        let s = new().attempt(A, "m", "k", true, false).unwrap().state;
        let t = s.fail(A, "boom", Progress::Undone).unwrap();
        assert_eq!(t.state.status(None), Status::Failed);
        assert_eq!(t.state.baseline(), Baseline::Deployed(None));
        let next = t.state.attempt(B, "m2", "k2", true, false).unwrap();
        assert_eq!(next.state.status(None), Status::Running);
    }

    #[test]
    fn a_failure_that_was_not_undone_is_between_versions() {
        let s = stable(A).attempt(B, "m", "k", true, false).unwrap().state;
        let t = s
            .fail(B, "killed", Progress::StoppedAfter(Some(600)))
            .unwrap();
        assert_eq!(
            t.state.baseline(),
            Baseline::Between {
                attempted: B.into(),
                after_phase: Some(600)
            }
        );
    }

    #[test]
    fn a_seeding_failure_after_every_phase_plans_from_the_attempted_version() {
        let s = stable(A).attempt(B, "m", "k", true, false).unwrap().state;
        let t = s
            .fail(
                B,
                "seeding failed",
                Progress::StoppedAfter(Some(ALL_PHASES_COMPLETED)),
            )
            .unwrap();
        assert_eq!(t.state.status(Some(false)), Status::Failed);
        assert_eq!(t.state.deployed_version.as_deref(), Some(A));
        assert_eq!(t.state.baseline(), Baseline::Attempted(B.into()));
    }

    #[test]
    fn a_run_that_died_without_a_record_is_failed_once_its_lock_is_gone() {
        let mut s = stable(A).attempt(B, "m", "k", true, false).unwrap().state;
        s.last_completed_phase = Some(300);
        assert_eq!(s.status(Some(true)), Status::Running);
        assert_eq!(s.status(None), Status::Running);
        assert_eq!(s.status(Some(false)), Status::Failed);
        let why = s.reported_error(Some(false)).unwrap();
        assert!(why.contains("after phase 300"), "{why}");
        assert!(why.contains("depot abandon"), "{why}");
        assert_eq!(s.reported_error(Some(true)), None);
        assert!(matches!(s.baseline(), Baseline::Between { .. }));
        // Killed in its first phase: nothing recorded, still between versions.
        let s = stable(A).attempt(B, "m", "k", true, false).unwrap().state;
        assert_eq!(
            s.baseline(),
            Baseline::Between {
                attempted: B.into(),
                after_phase: None
            }
        );
    }

    #[test]
    fn complete_and_fail_refuse_a_version_that_is_not_attempted() {
        let s = stable(A);
        assert!(matches!(
            s.complete(B),
            Err(LifecycleError::NotAttempted { .. })
        ));
        assert!(matches!(
            s.fail(B, "x", Progress::Undone),
            Err(LifecycleError::NotAttempted { .. })
        ));
    }

    #[test]
    fn abandon_goes_back_to_the_deployed_version_and_announces_it() {
        let mut s = stable(A).attempt(B, "m", "k", true, false).unwrap().state;
        s.last_completed_phase = Some(600);
        let t = s.abandon().unwrap();
        assert_eq!(
            events(&t),
            vec![
                (LifecycleEvent::Desired, A, false),
                (LifecycleEvent::Attempted, A, false)
            ]
        );
        assert_eq!(t.state.status(Some(false)), Status::Stable);
        assert_eq!(t.state.baseline(), Baseline::Deployed(Some(A.into())));
        assert!(matches!(
            t.state.abandon(),
            Err(LifecycleError::NothingToAbandon { .. })
        ));
        // A scheduled (desired, never attempted) version can be abandoned too.
        let scheduled = stable(A).desire(B, "m", "k").unwrap().state;
        let t = scheduled.abandon().unwrap();
        assert_eq!(events(&t), vec![(LifecycleEvent::Desired, A, false)]);
        assert_eq!(t.state.status(None), Status::Stable);
    }

    #[test]
    fn abandoning_a_failed_first_deploy_leaves_a_dataset_with_nothing_deployed() {
        let s = new().attempt(A, "m", "k", true, false).unwrap().state;
        let failed = s.fail(A, "boom", Progress::Undone).unwrap().state;
        let t = failed.abandon().unwrap();
        assert!(t.events.is_empty());
        assert_eq!(t.state.status(None), Status::Stable);
        assert_eq!(t.state.attempted_version, None);
        assert_eq!(t.state.baseline(), Baseline::Deployed(None));
    }

    #[test]
    fn remove_marks_deleted_once_and_a_new_desire_revives() {
        let t = stable(A).remove().unwrap();
        assert!(t.events.is_empty());
        assert_eq!(t.state.status(Some(false)), Status::Deleted);
        assert!(matches!(
            t.state.remove(),
            Err(LifecycleError::Deleted { .. })
        ));
        assert!(matches!(
            t.state.abandon(),
            Err(LifecycleError::Deleted { .. })
        ));
        assert!(matches!(
            t.state.attempt(A, "m", "k", false, false),
            Err(LifecycleError::Deleted { .. })
        ));
        // Adopting a retained dataset: the same version is desired and attempted again, and
        // announced, since the record comes back to life.
        let back = t.state.attempt(A, "m", "k", true, false).unwrap();
        assert_eq!(back.state.status, DatasetStatus::Live);
        assert_eq!(events(&back), vec![(LifecycleEvent::Attempted, A, false)]);
    }
}
