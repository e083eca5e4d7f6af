//! A run longer than the queue's visibility timeout: the consumer keeps its message hidden
//! while the run goes on, so no other consumer (here, the test polling the queue) is handed
//! the same migration meanwhile, and the message is deleted once the run has deployed.

use std::time::{Duration, Instant};

use depot_aws::fifo_queue::forward_plan_event;

use crate::world::{Run, World};

/// Visibility timeout given to the consumer: the run below is held three times as long.
const VISIBILITY_SECS: u64 = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_longer_than_the_visibility_timeout_keeps_its_message_hidden() {
    let world = World::new().await;
    let (dataset, event) = world.v2_scheduled().await;
    forward_plan_event(&world.sqs, &world.fifo_url, &event, false)
        .await
        .expect("forwarding");

    // The migration is held inside its plan by a lock on its table.
    let blocker = world.lock_table("dog").await;
    let visibility = VISIBILITY_SECS.to_string();
    let consumer = world
        .runner(&[
            "--poll-queue",
            &world.fifo_url,
            "--until-empty",
            "--visibility-timeout",
            &visibility,
            "--lock-wait",
            "60",
        ])
        .spawn()
        .unwrap();
    world
        .wait_until("the consumer's run inside its plan", || async {
            world.sessions_waiting_for_a_table().await >= 1
        })
        .await;

    // Three visibility timeouts: a message that came back would be received here. (Received
    // with a visibility of 0, it would be visible again at once for the consumer.)
    let held_until = Instant::now() + Duration::from_secs(3 * VISIBILITY_SECS);
    while Instant::now() < held_until {
        let received = world
            .sqs
            .receive_message()
            .queue_url(&world.fifo_url)
            .visibility_timeout(0)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("ReceiveMessage");
        assert!(
            received.messages().is_empty(),
            "the message came back to the queue while its run went on: {:?}",
            received.messages()
        );
    }

    blocker.batch_execute("COMMIT").await.unwrap();
    let consumed = Run::from_output(consumer.wait_with_output().await.unwrap());
    assert!(consumed.ok(), "{}", consumed.stderr);
    assert_eq!(
        consumed.output["runs"].as_array().map(Vec::len),
        Some(1),
        "one run: {}",
        consumed.output
    );
    assert_eq!(consumed.output["runs"][0]["outcome"], "deployed");
    let hash = depot_core::hash::version_hash(&dataset.config, &dataset.package);
    assert!(world.state().await.is_stable_at(&hash));
    let left = world
        .sqs
        .receive_message()
        .queue_url(&world.fifo_url)
        .wait_time_seconds(0)
        .send()
        .await
        .expect("ReceiveMessage");
    assert!(
        left.messages().is_empty(),
        "the handled message was deleted"
    );
}
