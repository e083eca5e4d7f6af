//! The state record: compare-and-set on `version`, lookups by id and alias, the operators' view.

use depot_deploy::{DatasetState, DatasetStatus, LocationError, LocationSession};
use depot_testkit::fresh_database;

use crate::support::{session, DATASET, ENVIRONMENT};

fn is_iso_millis(s: &str) -> bool {
    // 2025-05-12T11:51:06.589Z
    s.len() == 24
        && s.ends_with('Z')
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
        && s.as_bytes()[19] == b'.'
}

#[tokio::test]
async fn insert_update_and_conflict_on_a_stale_version() {
    let db = fresh_database().await;
    let mut s = session(&db).await;
    s.prepare().await.unwrap();

    assert_eq!(s.load_state(DATASET).await.unwrap(), None);
    let mut fresh = DatasetState::new(DATASET, "WsDevDogSrc", ENVIRONMENT);
    fresh.desired_version = Some("a".repeat(64));
    let v1 = s.save_state(&fresh).await.unwrap();
    assert_eq!(v1.version, 1);
    assert!(is_iso_millis(&v1.synced), "synced {:?}", v1.synced);
    assert_eq!(v1.desired_version, fresh.desired_version);
    assert_eq!(v1.status, DatasetStatus::Live);

    // A second insert of the same dataset loses.
    match s.save_state(&fresh).await {
        Err(LocationError::Conflict {
            dataset_id,
            expected,
        }) => {
            assert_eq!(dataset_id, DATASET);
            assert_eq!(expected, 0);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }

    let mut next = v1.clone();
    next.attempted_version = next.desired_version.clone();
    next.last_completed_phase = Some(300);
    next.migration_id = Some("01967b85-dd5c-7306-b067-0a06ab34d6ae".into());
    next.plan_key = Some("sdp-e2e404529091ed2/migrations/x.json".into());
    let v2 = s.save_state(&next).await.unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.last_completed_phase, Some(300));
    assert_eq!(v2.attempted_version, next.attempted_version);
    assert_eq!(v2.plan_key, next.plan_key);
    assert!(v2.synced >= v1.synced);

    // A writer still holding version 1 is refused, and nothing is written.
    let mut stale = v1.clone();
    stale.last_error = Some("from a stale writer".into());
    match s.save_state(&stale).await {
        Err(LocationError::Conflict { expected, .. }) => assert_eq!(expected, 1),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(s.load_state(DATASET).await.unwrap(), Some(v2.clone()));

    // Concurrent writers from the same version: exactly one wins.
    let mut other = session(&db).await;
    let mut a = v2.clone();
    a.deployed_version = Some("a".repeat(64));
    let mut b = v2.clone();
    b.last_error = Some("b".into());
    let (ra, rb) = tokio::join!(s.save_state(&a), other.save_state(&b));
    assert_eq!(
        [ra.is_ok(), rb.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "{ra:?} / {rb:?}"
    );
    assert_eq!(s.load_state(DATASET).await.unwrap().unwrap().version, 3);
}

#[tokio::test]
async fn finds_a_dataset_by_alias_or_id_within_its_environment() {
    let db = fresh_database().await;
    let mut s = session(&db).await;
    s.prepare().await.unwrap();
    let saved = s
        .save_state(&DatasetState::new(DATASET, "WsDevDogSrc", ENVIRONMENT))
        .await
        .unwrap();
    s.save_state(&DatasetState::new(
        "9afc0c483ed3",
        "WsDevBreeds",
        ENVIRONMENT,
    ))
    .await
    .unwrap();

    let by_alias = s.find_state(ENVIRONMENT, "WsDevDogSrc").await.unwrap();
    assert_eq!(by_alias, Some(saved.clone()));
    let by_id = s.find_state(ENVIRONMENT, DATASET).await.unwrap();
    assert_eq!(by_id, Some(saved));
    assert_eq!(
        s.find_state("0000000000000ff", "WsDevDogSrc")
            .await
            .unwrap(),
        None
    );
    assert_eq!(s.find_state(ENVIRONMENT, "Nobody").await.unwrap(), None);
}

#[tokio::test]
async fn an_alias_is_unique_among_live_datasets_of_an_environment() {
    let db = fresh_database().await;
    let mut s = session(&db).await;
    s.prepare().await.unwrap();
    let first = s
        .save_state(&DatasetState::new(DATASET, "WsDevDogSrc", ENVIRONMENT))
        .await
        .unwrap();
    let second = DatasetState::new("9afc0c483ed3", "WsDevDogSrc", ENVIRONMENT);
    match s.save_state(&second).await {
        Err(LocationError::Other(message)) => {
            assert!(message.contains("WsDevDogSrc"), "{message}")
        }
        other => panic!("expected an alias clash, got {other:?}"),
    }
    // Another environment may use the alias.
    s.save_state(&DatasetState::new(
        "111111111111",
        "WsDevDogSrc",
        "0000000000000ff",
    ))
    .await
    .unwrap();
    // Once the first is deleted (retained), the alias is free again; lookups prefer the live one.
    let mut deleted = first.clone();
    deleted.status = DatasetStatus::Deleted;
    s.save_state(&deleted).await.unwrap();
    let live = s.save_state(&second).await.unwrap();
    assert_eq!(
        s.find_state(ENVIRONMENT, "WsDevDogSrc").await.unwrap(),
        Some(live)
    );
}

#[tokio::test]
async fn the_dataset_view_shows_the_record() {
    let db = fresh_database().await;
    let mut s = session(&db).await;
    s.prepare().await.unwrap();
    let mut state = DatasetState::new(DATASET, "WsDevPgDogSrc", ENVIRONMENT);
    state.desired_version = Some("d".repeat(64));
    state.attempted_version = Some("d".repeat(64));
    let saved = s.save_state(&state).await.unwrap();

    let row = db
        .client
        .query_one(
            "SELECT id, alias, version, status, desired_version, attempted_version, \
                    deployed_version, last_error, \
                    to_char(synced AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') \
             FROM __admin.dataset",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, &str>(0), DATASET);
    assert_eq!(row.get::<_, &str>(1), "WsDevPgDogSrc");
    assert_eq!(row.get::<_, i64>(2), 1);
    // Attempted, not deployed, no error, and nobody holds the lock: a run that died.
    assert_eq!(row.get::<_, &str>(3), "FAILED");
    assert_eq!(
        row.get::<_, Option<&str>>(4),
        state.desired_version.as_deref()
    );
    assert_eq!(
        row.get::<_, Option<&str>>(5),
        state.attempted_version.as_deref()
    );
    assert_eq!(row.get::<_, Option<&str>>(6), None);
    assert!(row
        .get::<_, Option<&str>>(7)
        .unwrap()
        .contains("stopped without recording why"));
    assert_eq!(row.get::<_, String>(8), saved.synced);
}

/// The view's `status` is the one `depot get-dataset` derives (depot_deploy::lifecycle), for
/// every kind of record, with the dataset's lock held by another session or not.
#[tokio::test]
async fn the_dataset_view_derives_the_status_as_get_dataset_does() {
    let db = fresh_database().await;
    let mut s = session(&db).await;
    s.prepare().await.unwrap();
    let (a, b) = ("a".repeat(64), "b".repeat(64));
    let record = |desired: Option<&str>,
                  attempted: Option<&str>,
                  deployed: Option<&str>,
                  error: Option<&str>| {
        let mut state = DatasetState::new(DATASET, "WsDevPgDogSrc", ENVIRONMENT);
        state.desired_version = desired.map(str::to_string);
        state.attempted_version = attempted.map(str::to_string);
        state.deployed_version = deployed.map(str::to_string);
        state.last_error = error.map(str::to_string);
        state
    };
    let cases = [
        record(Some(&a), Some(&a), Some(&a), None),
        record(Some(&b), Some(&a), Some(&a), None),
        record(Some(&b), Some(&b), Some(&a), None),
        record(Some(&b), Some(&b), Some(&a), Some("phase 900: boom")),
        record(None, None, None, None),
    ];
    let other = session(&db).await;
    for case in cases {
        for locked in [false, true] {
            db.client
                .batch_execute("DELETE FROM __admin.dataset_state")
                .await
                .unwrap();
            let saved = s.save_state(&case).await.unwrap();
            if locked {
                depot_postgres::lock::lock_dataset(
                    other.client(),
                    DATASET,
                    std::time::Duration::from_secs(5),
                )
                .await
                .unwrap();
            }
            let row = db
                .client
                .query_one("SELECT status, last_error FROM __admin.dataset", &[])
                .await
                .unwrap();
            let probed = s.is_locked(DATASET).await.unwrap();
            assert_eq!(probed, Some(locked));
            assert_eq!(
                row.get::<_, &str>(0),
                saved.status(probed).as_str(),
                "{saved:?} locked={locked}"
            );
            assert_eq!(
                row.get::<_, Option<String>>(1).is_some(),
                saved.reported_error(probed).is_some()
            );
            if locked {
                depot_postgres::lock::unlock_dataset(other.client(), DATASET)
                    .await
                    .unwrap();
            }
        }
    }
}
