//! Tests of the lifecycle, edge by edge: each transition from each state it starts from.

use super::*;
use crate::state::DatasetStatus;

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
