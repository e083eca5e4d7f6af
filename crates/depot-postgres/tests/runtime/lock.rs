//! The per-dataset lock: one holder at a time, released by unlock or by the holder's death.

use std::time::{Duration, Instant};

use depot_deploy::{LocationError, LocationSession};
use depot_testkit::fresh_database;

use crate::support::{session, DATASET};

#[tokio::test]
async fn a_second_session_is_busy_until_the_lock_is_released() {
    let db = fresh_database().await;
    let mut holder = session(&db).await;
    let mut other = session(&db).await;

    holder
        .lock_dataset(DATASET, Duration::from_secs(1))
        .await
        .unwrap();
    let started = Instant::now();
    match other
        .lock_dataset(DATASET, Duration::from_millis(500))
        .await
    {
        Err(LocationError::Busy { dataset_id, waited }) => {
            assert_eq!(dataset_id, DATASET);
            assert!(waited >= Duration::from_millis(500), "{waited:?}");
        }
        r => panic!("expected Busy, got {r:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(3));
    // Another dataset is not blocked.
    other
        .lock_dataset("9afc0c483ed3", Duration::ZERO)
        .await
        .unwrap();

    holder.unlock_dataset(DATASET).await.unwrap();
    other
        .lock_dataset(DATASET, Duration::from_secs(1))
        .await
        .unwrap();
    other.unlock_dataset(DATASET).await.unwrap();
}

#[tokio::test]
async fn a_waiting_session_gets_the_lock_when_it_is_released() {
    let db = fresh_database().await;
    let mut holder = session(&db).await;
    let mut waiter = session(&db).await;
    holder.lock_dataset(DATASET, Duration::ZERO).await.unwrap();
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(600)).await;
        holder.unlock_dataset(DATASET).await.unwrap();
        holder
    });
    waiter
        .lock_dataset(DATASET, Duration::from_secs(10))
        .await
        .unwrap();
    release.await.unwrap();
}

#[tokio::test]
async fn the_lock_dies_with_its_session() {
    let db = fresh_database().await;
    let mut holder = session(&db).await;
    let mut other = session(&db).await;
    holder.lock_dataset(DATASET, Duration::ZERO).await.unwrap();
    assert!(matches!(
        other.lock_dataset(DATASET, Duration::ZERO).await,
        Err(LocationError::Busy { .. })
    ));
    drop(holder);
    other
        .lock_dataset(DATASET, Duration::from_secs(10))
        .await
        .unwrap();
}
