//! `firstPhase` / `lastPhase`: a run limited to a range runs only those phases, and leaves the
//! version attempted when the range stops before the plan's end; the next run without a range
//! resumes after the last phase completed, with no arithmetic by the operator.

use depot_core::Plan;
use depot_deploy::DocumentStore;

use crate::world::{insert_dogs, v1, v2, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phase_range_runs_only_those_phases_and_the_next_run_resumes_after_them() {
    let world = World::new().await;
    world.deploy_and_run(&v1()).await;
    insert_dogs(&world, 10).await;
    let v1_hash = world.state().await.deployed_version.unwrap();
    let dataset = world.dataset(&v2());
    let v2_hash = depot_core::hash::version_hash(&dataset.config, &dataset.package);
    let payload = world.schedule(&dataset).await;
    let documents = depot_aws::S3DocumentStore::new(world.clients.s3.clone());
    let body = documents
        .get(&world.bucket, &payload.migration_plan_key)
        .await
        .unwrap()
        .expect("the plan in S3");
    let plan: Plan = serde_json::from_slice(&body).unwrap();
    let phases: Vec<u32> = plan.phases.iter().map(|p| p.phase).collect();
    assert!(
        phases.len() >= 3,
        "the test needs a plan of 3 phases or more: {phases:?}"
    );

    let mut only_first = payload.clone();
    only_first.last_phase = Some(phases[0]);
    let run = world.run_payload(&only_first, &[]).await;
    assert!(run.ok(), "{}", run.stderr);
    assert_eq!(run.output["outcome"], "partial", "{}", run.output);
    assert_eq!(run.output["phasesRun"], serde_json::json!([phases[0]]));
    let state = world.state().await;
    assert_eq!(state.attempted_version.as_deref(), Some(v2_hash.as_str()));
    assert_eq!(state.deployed_version.as_deref(), Some(v1_hash.as_str()));
    assert_eq!(state.last_completed_phase, Some(phases[0]));

    let mut only_second = payload.clone();
    only_second.first_phase = Some(phases[1]);
    only_second.last_phase = Some(phases[1]);
    let run = world.run_payload(&only_second, &[]).await;
    assert!(run.ok(), "{}", run.stderr);
    assert_eq!(run.output["phasesRun"], serde_json::json!([phases[1]]));
    assert_eq!(world.state().await.last_completed_phase, Some(phases[1]));

    let run = world.run_payload(&payload, &[]).await;
    assert!(run.ok(), "{}", run.stderr);
    assert_eq!(run.output["outcome"], "deployed", "{}", run.output);
    assert_eq!(run.output["resumedAfterPhase"], phases[1]);
    assert_eq!(run.output["phasesRun"], serde_json::json!(phases[2..]));
    assert!(world.state().await.is_stable_at(&v2_hash));
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
        "partial runs change no lifecycle field: no event of their own"
    );
}
