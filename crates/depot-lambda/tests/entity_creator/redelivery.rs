//! A redelivered request gets the first answer again: no second plan, migration or event.

use crate::support::*;

#[tokio::test]
async fn a_redelivered_create_gets_the_same_answer_and_does_nothing_twice() {
    let world = World::new().await;
    let supervisor = world.supervisor();
    let (url, key) = world.response_url().await;
    let create = cfn_request(
        "Create",
        &url,
        world.properties("Twice", package_v1(), "asynchronous"),
    );
    invoke(&supervisor, create.clone()).await.unwrap();
    let first = world.response(&key).await;
    assert_eq!(first["Status"], "SUCCESS", "{first}");

    // Lambda delivers the same event again (and a new container answers it).
    let again = world.supervisor();
    invoke(&again, create).await.unwrap();
    let second = world.response(&key).await;
    assert_eq!(first, second);

    let plans = world
        .keys(&format!("sdp-{}/migrations/", world.environment_id))
        .await;
    assert_eq!(plans.len(), 1, "{plans:?}");
    assert_eq!(
        event_kinds(&world.events().await),
        ["desired", "plan:to-be-executed-by-receiver"]
    );
}

#[tokio::test]
async fn no_secret_reaches_a_document_an_event_or_an_answer() {
    let world = World::new().await;
    let supervisor = world.supervisor();
    let (url, key) = world.response_url().await;
    invoke(
        &supervisor,
        cfn_request(
            "Create",
            &url,
            world.properties("Quiet", package_v2(), "synchronous"),
        ),
    )
    .await
    .unwrap();
    assert_eq!(world.response(&key).await["Status"], "SUCCESS");
    let documents = world.all_documents().await; // environment document, plan, ledger, response
    assert!(documents.contains(&world.secret_arn), "the ARN is recorded");
    assert!(!documents.contains(&world.password));
    let events = serde_json::to_string(&world.events().await).unwrap();
    assert!(!events.contains(&world.password));
}
