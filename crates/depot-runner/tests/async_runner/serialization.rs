//! Two runners started together on one dataset: one migrates, the other waits for the
//! dataset's lock and then finds the version deployed. Never both.

use crate::world::{insert_dogs, payload_json, v1, v2, Run, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_on_one_dataset_serialize() {
    let world = World::new().await;
    world.deploy_and_run(&v1()).await;
    insert_dogs(&world, 20).await;
    let payload = world.schedule(&world.dataset(&v2())).await;
    let json = payload_json(&payload);
    let args = ["--payload-json", json.as_str(), "--lock-wait", "60"];

    // The table is locked: whichever runner takes the dataset first stays in its plan.
    let blocker = world.lock_table("dog").await;
    let first = world.runner(&args).spawn().unwrap();
    let second = world.runner(&args).spawn().unwrap();
    world
        .wait_until(
            "one runner inside the plan, the other polling for the dataset's lock",
            || async {
                world.sessions_waiting_for_a_table().await >= 1
                    && world.sessions_polling_a_dataset_lock().await >= 1
            },
        )
        .await;
    blocker.batch_execute("COMMIT").await.unwrap();

    let first = Run::from_output(first.wait_with_output().await.unwrap());
    let second = Run::from_output(second.wait_with_output().await.unwrap());
    assert!(first.ok(), "{}", first.stderr);
    assert!(second.ok(), "{}", second.stderr);
    let mut outcomes = vec![
        first.output["outcome"].as_str().unwrap().to_string(),
        second.output["outcome"].as_str().unwrap().to_string(),
    ];
    outcomes.sort();
    assert_eq!(outcomes, ["already-deployed", "deployed"]);
    assert_eq!(
        world.lifecycle().await,
        [
            "desired",
            "attempted",
            "deployed",
            "desired",
            "attempted",
            "deployed"
        ],
        "one migration, its events not interleaved with another's"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distinct_datasets_migrate_in_parallel() {
    let world = World::new().await;
    let cats = |package: &serde_json::Value| {
        world.dataset_named("ba5eba11b0b0", "RunnerCats", "cats", package)
    };
    world.deploy_and_run(&v1()).await;
    let run = world
        .run_payload(&world.schedule(&cats(&v1())).await, &[])
        .await;
    assert!(run.ok(), "{}", run.stderr);
    let dogs_v2 = world.schedule(&world.dataset(&v2())).await;
    let cats_v2 = world.schedule(&cats(&v2())).await;

    // The dogs' migration is held inside its plan by a lock on its table...
    let blocker = world.lock_table("dog").await;
    let json = payload_json(&dogs_v2);
    let mut dogs_runner = world
        .runner(&["--payload-json", json.as_str(), "--lock-wait", "60"])
        .spawn()
        .unwrap();
    world
        .wait_until("the dogs' runner inside its plan", || async {
            world.sessions_waiting_for_a_table().await >= 1
        })
        .await;

    // ... and the cats' migration runs to its end meanwhile.
    let cats_run = world.run_payload(&cats_v2, &[]).await;
    assert!(cats_run.ok(), "{}", cats_run.stderr);
    assert_eq!(cats_run.output["outcome"], "deployed");
    assert!(
        dogs_runner.try_wait().unwrap().is_none(),
        "the dogs' runner was still in its plan while the cats' migration ran"
    );

    blocker.batch_execute("COMMIT").await.unwrap();
    let dogs_run = Run::from_output(dogs_runner.wait_with_output().await.unwrap());
    assert!(dogs_run.ok(), "{}", dogs_run.stderr);
    assert_eq!(dogs_run.output["outcome"], "deployed");
}
