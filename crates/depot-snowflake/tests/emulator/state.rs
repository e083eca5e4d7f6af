//! The state record's compare-and-set, the dataset lease, and the session setup.

use std::time::Duration;

use depot_deploy::{DatasetState, LocationError, LocationSession};

use crate::support::Env;

#[tokio::test]
async fn state_records_are_compared_and_set_on_version() {
    let env = Env::new();
    let mut session = env.session().await;
    session.prepare().await.unwrap();
    // Twice: the second finds everything in place.
    session.prepare().await.unwrap();
    assert_eq!(session.load_state("abcdef012345").await.unwrap(), None);

    let fresh = DatasetState::new("abcdef012345", "Dogs", "e2e404529091ed2");
    let saved = session.save_state(&fresh).await.unwrap();
    assert_eq!(saved.version, 1);
    assert!(saved.synced.ends_with('Z'), "{}", saved.synced);
    // A second creation of the same record conflicts: it already exists.
    assert!(matches!(
        session.save_state(&fresh).await,
        Err(LocationError::Conflict { expected: 0, .. })
    ));

    let mut next = saved.clone();
    next.desired_version = Some("a".repeat(64));
    next.last_error = Some("it's a \\ test".to_string());
    next.last_completed_phase = Some(300);
    let stored = session.save_state(&next).await.unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(stored.desired_version, next.desired_version);
    assert_eq!(stored.last_error, next.last_error);
    assert_eq!(stored.last_completed_phase, Some(300));
    // A writer holding version 1 loses: nothing is written.
    let mut stale = saved.clone();
    stale.deployed_version = Some("b".repeat(64));
    assert!(matches!(
        session.save_state(&stale).await,
        Err(LocationError::Conflict { expected: 1, .. })
    ));
    assert_eq!(
        session.load_state("abcdef012345").await.unwrap(),
        Some(stored.clone())
    );
    assert_eq!(
        session
            .find_state("e2e404529091ed2", "Dogs")
            .await
            .unwrap()
            .map(|s| s.id),
        Some("abcdef012345".to_string())
    );
    assert_eq!(session.find_state("other", "Dogs").await.unwrap(), None);
}

#[tokio::test]
async fn a_dataset_lease_held_by_another_run_makes_the_lock_busy_until_it_expires() {
    // fakesnow fails a MERGE on a table that another of its sessions created (an
    // AssertionError of its own), so the other holder is written here as a row, as another
    // session's MERGE would have left it; the MERGE itself is covered by a snapshot test.
    let env = Env::new();
    let mut session = env.session().await;
    session.prepare().await.unwrap();
    session
        .client()
        .execute(
            "INSERT INTO __ADMIN.DATASET_LEASE (DATASET_ID, HOLDER, EXPIRES_AT) VALUES \
             ('abcdef012345', 'another-run', DATEADD(SECOND, 600, CURRENT_TIMESTAMP())), \
             ('999999999999', 'a-killed-run', DATEADD(SECOND, -1, CURRENT_TIMESTAMP()))",
        )
        .await
        .unwrap();
    match session.lock_dataset("abcdef012345", Duration::ZERO).await {
        Err(LocationError::Busy { dataset_id, .. }) => assert_eq!(dataset_id, "abcdef012345"),
        other => panic!("expected Busy, got {other:?}"),
    }
    // An expired lease (its holder was killed) is taken over; taking it again renews it.
    session
        .lock_dataset("999999999999", Duration::ZERO)
        .await
        .unwrap();
    session
        .lock_dataset("999999999999", Duration::ZERO)
        .await
        .unwrap();
    // A free dataset is taken, released, and taken again.
    session
        .lock_dataset("111111111111", Duration::ZERO)
        .await
        .unwrap();
    session.unlock_dataset("111111111111").await.unwrap();
    let holders = session
        .client()
        .query("SELECT DATASET_ID, HOLDER FROM __ADMIN.DATASET_LEASE ORDER BY DATASET_ID")
        .await
        .unwrap();
    assert_eq!(holders.len(), 2, "{holders:?}");
    // Rows by dataset id: 999999999999 (taken over), then abcdef012345 (still the other's).
    assert_ne!(holders[0][1].as_deref(), Some("a-killed-run"));
    assert_eq!(holders[1][1].as_deref(), Some("another-run"));
}

#[tokio::test]
async fn the_session_applies_the_executor_a_statement_timeout_and_one_statement_a_request() {
    let env = Env::new();
    let _session = env.session().await;
    // fakesnow runs USE ROLE / USE WAREHOUSE; ALTER SESSION is answered by the shim, which
    // records it.
    let statements = env.shim.session_statements();
    assert_eq!(
        statements,
        vec![
            "ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 3600, MULTI_STATEMENT_COUNT = 1"
                .to_string()
        ]
    );
}
