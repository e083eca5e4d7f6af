//! The test databases are dropped after the test, panics included; an unreachable server fails
//! loudly.

use depot_testkit::{fresh_database, fresh_database_at};

async fn exists(name: &str) -> bool {
    let probe = fresh_database().await;
    probe
        .client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
            &[&name],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn the_database_is_dropped_after_use() {
    let db = fresh_database().await;
    let name = db.name.clone();
    db.client
        .batch_execute("CREATE TABLE t (id int)")
        .await
        .unwrap();
    let _second_connection = db.connect().await;
    assert!(exists(&name).await);
    drop(db);
    assert!(!exists(&name).await);
}

#[tokio::test]
async fn the_database_is_dropped_when_the_test_panics() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let db = fresh_database().await;
        tx.send(db.name.clone()).unwrap();
        panic!("a failing test");
    });
    assert!(task.await.unwrap_err().is_panic());
    let name = rx.await.unwrap();
    assert!(!exists(&name).await, "{name} was left behind");
}

#[tokio::test]
async fn an_unreachable_server_fails_the_test_with_a_clear_message() {
    let task = tokio::spawn(fresh_database_at(
        "postgres://postgres:Sup3r-s3cret@127.0.0.1:1/postgres",
    ));
    let panic = task.await.unwrap_err().into_panic();
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message
            .contains("PostgreSQL not reachable at postgres://postgres:***@127.0.0.1:1/postgres"),
        "{message}"
    );
    assert!(message.contains("set DATABASE_URL"), "{message}");
    assert!(!message.contains("Sup3r-s3cret"), "{message}");
}
