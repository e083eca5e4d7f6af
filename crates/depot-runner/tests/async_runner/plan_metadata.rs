//! SPEC §5: `metadata` is for plan transformers and tools, the executor ignores it. A stored
//! plan without it (written by a transformer or a tool) runs through the runner all the same.

use depot_deploy::DocumentStore;
use serde_json::Value;

use crate::world::{insert_dogs, v1, v2, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_plan_without_metadata_runs() {
    let world = World::new().await;
    world.deploy_and_run(&v1()).await;
    insert_dogs(&world, 3).await;
    let dataset = world.dataset(&v2());
    let v2_hash = depot_core::hash::version_hash(&dataset.config, &dataset.package);
    let payload = world.schedule(&dataset).await;
    let documents = depot_aws::S3DocumentStore::new(world.clients.s3.clone());
    let body = documents
        .get(&world.bucket, &payload.migration_plan_key)
        .await
        .unwrap()
        .expect("the plan in S3");
    let mut plan: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        plan.as_object_mut().unwrap().remove("metadata").is_some(),
        "Depot writes metadata"
    );
    // Steps that keep only their logical change are rendered into the namespace, which the
    // plan no longer names: the run must find it elsewhere.
    let rendered_from_change = plan["phases"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .flat_map(|p| p["steps"].as_array_mut().unwrap().iter_mut())
        .filter(|s| s.get("change").is_some())
        .map(|s| s.as_object_mut().unwrap().remove("sql"))
        .count();
    assert!(rendered_from_change > 0, "{plan}");
    documents
        .put(
            &world.bucket,
            &payload.migration_plan_key,
            &serde_json::to_vec(&plan).unwrap(),
        )
        .await
        .unwrap();

    let run = world.run_payload(&payload, &[]).await;
    assert!(run.ok(), "{}", run.stderr);
    assert_eq!(run.output["outcome"], "deployed", "{}", run.output);
    assert!(world.state().await.is_stable_at(&v2_hash));
    let snapshot = world.snapshot().await;
    let text = format!("{snapshot:?}");
    assert!(
        text.contains("owner") && text.contains("vaccinated"),
        "{text}"
    );
}
