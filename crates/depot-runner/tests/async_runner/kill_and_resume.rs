//! A runner killed in the middle of a plan (a real process, killed by the test while a phase
//! waits for a table lock the test holds) leaves the migration attempted and not deployed, and
//! never a lock behind: the next run takes the dataset, resumes after the last completed phase
//! and deploys, with every row kept.

use crate::world::{dogs_rows, insert_dogs, payload_json, v1, v2, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_killed_mid_plan_leaves_it_attempted_and_a_rerun_completes_with_every_row() {
    let world = World::new().await;
    world.deploy_and_run(&v1()).await;
    insert_dogs(&world, 1000).await;
    let rows = dogs_rows(&world).await;
    let v1_hash = world.state().await.deployed_version.unwrap();
    let dataset = world.dataset(&v2());
    let v2_hash = depot_core::hash::version_hash(&dataset.config, &dataset.package);
    let payload = world.schedule(&dataset).await;

    let blocker = world.lock_table("dog").await;
    let json = payload_json(&payload);
    let mut runner = world
        .runner(&["--payload-json", json.as_str(), "--lock-wait", "60"])
        .spawn()
        .unwrap();
    world
        .wait_until(
            "the runner waiting for the table inside its plan",
            || async { world.sessions_waiting_for_a_table().await >= 1 },
        )
        .await;
    runner.start_kill().unwrap();
    let killed = runner.wait().await.unwrap();
    assert!(
        !killed.success(),
        "the runner was killed, not finished: {killed:?}"
    );
    blocker.batch_execute("COMMIT").await.unwrap();

    let interrupted = world.state().await;
    assert_eq!(
        interrupted.attempted_version.as_deref(),
        Some(v2_hash.as_str())
    );
    assert_eq!(
        interrupted.deployed_version.as_deref(),
        Some(v1_hash.as_str())
    );
    assert_ne!(interrupted.attempted_version, interrupted.deployed_version);
    assert!(
        interrupted.last_completed_phase.is_some(),
        "killed in the middle: some phases completed, others not ({interrupted:?})"
    );
    assert_eq!(
        world.lifecycle().await.last().map(String::as_str),
        Some("attempted")
    );

    // The dead runner's dataset lock went with its connection: the re-run gets it.
    let rerun = world.run_payload(&payload, &[]).await;
    assert!(rerun.ok(), "{}", rerun.stderr);
    assert_eq!(rerun.output["outcome"], "deployed", "{}", rerun.output);
    assert_eq!(
        rerun.output["resumedAfterPhase"],
        serde_json::json!(interrupted.last_completed_phase),
        "the re-run resumes after the last phase the killed run completed"
    );
    assert!(world.state().await.is_stable_at(&v2_hash));
    assert_eq!(dogs_rows(&world).await, rows, "no row lost");
    let vaccinated: i64 = world
        .db
        .client
        .query_one(
            "SELECT count(*) FROM runner.dog WHERE vaccinated = false",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(vaccinated, 1000);
}
