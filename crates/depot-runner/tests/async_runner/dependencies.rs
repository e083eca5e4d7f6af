//! A dataset whose views read an asynchronous dependency (SPEC §2 `dependencies`): it is planned
//! against the dependency's scheduled version, and its run waits until that version is deployed;
//! a dependency that fails, or a wait that runs out, fails the run naming the dependency, with
//! nothing of the dependent changed, and the same plan runs later; a dependency that moved on
//! is checked before the plan runs.

use std::time::Duration;

use depot_core::Dataset;
use depot_deploy::{DatasetState, LocationSession, RunPayload};
use serde_json::{json, Value};

use crate::world::{payload_json, Run, World, DATASET_ID, NAMESPACE};

const BREEDS_ID: &str = "b7eed5000001";
const BREEDS_NAMESPACE: &str = "breeds";

fn breeds_package(version: &str, name_field: &str, extra: Value) -> Value {
    let mut fields =
        json!({"id": {"type": "bigint"}, name_field: {"type": "string", "nullable": true}});
    fields
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    json!({"name": "breeds", "version": version, "schemas": {
        "Breed": {"kind": "object", "primaryKey": ["id"], "fields": fields}
    }})
}

fn breeds(world: &World, package: &Value) -> Dataset {
    world.dataset_named(BREEDS_ID, "RunnerBreeds", BREEDS_NAMESPACE, package)
}

/// Dogs with a view that joins the dependency's `Breed`.
fn dogs_reading_breeds(world: &World) -> Dataset {
    let package = json!({"name": "dogs", "version": "1", "schemas": {
        "Dog": {"kind": "object", "primaryKey": ["id"], "fields": {
            "id": {"type": "bigint"}, "breedId": {"type": "bigint", "nullable": true}}},
        "DogBreed": {"kind": "view",
            "query": "SELECT d.id, b.breedName FROM Dog d JOIN Breeds.Breed b ON b.id = d.breedId"}
    }});
    let mut dataset = world.dataset(&package);
    dataset
        .config
        .dependencies
        .insert("Breeds".into(), "RunnerBreeds".into());
    dataset
}

/// `migration-runner` on `payload`, waiting at most `wait_secs` for dependencies (set the way
/// operators set it, through the environment).
fn runner_waiting(world: &World, payload: &RunPayload, wait_secs: u64) -> tokio::process::Command {
    let json = payload_json(payload);
    let mut command = world.runner(&["--payload-json", &json, "--lock-wait", "60"]);
    command.env("DEPOT_DEPENDENCY_WAIT_SECS", wait_secs.to_string());
    command
}

async fn state_of(world: &World, id: &str) -> Option<DatasetState> {
    world.session().await.load_state(id).await.unwrap()
}

async fn namespace_exists(world: &World, namespace: &str) -> bool {
    let row = world
        .db
        .client
        .query_one(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1",
            &[&namespace],
        )
        .await
        .unwrap();
    row.get::<_, i64>(0) == 1
}

/// The dependent's lifecycle events, in order.
async fn dogs_lifecycle(world: &World) -> Vec<Value> {
    world
        .events()
        .await
        .into_iter()
        .filter(|e| {
            e["detail-type"] == "migration-lifecycle" && e["detail"]["datasetId"] == DATASET_ID
        })
        .collect()
}

/// Rows of the dependent's view, after a breed and a dog are inserted.
async fn view_rows(world: &World) -> Vec<(i64, Option<String>)> {
    world
        .db
        .client
        .batch_execute(&format!(
            "INSERT INTO {BREEDS_NAMESPACE}.breed (id, breed_name) VALUES (1, 'Otterhound'); \
             INSERT INTO {NAMESPACE}.dog (id, breed_id) VALUES (10, 1)"
        ))
        .await
        .unwrap();
    world
        .db
        .client
        .query(
            &format!("SELECT id, breed_name FROM {NAMESPACE}.dog_breed ORDER BY id"),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// The dependent's environment document, as stored.
async fn document_of(world: &World, dataset: &Dataset) -> Value {
    let hash = depot_core::hash::version_hash(&dataset.config, &dataset.package);
    let key = format!("sdp-e2e404529091ed2/datasets/{DATASET_ID}/{hash}.json");
    let object = world
        .clients
        .s3
        .get_object()
        .bucket(&world.bucket)
        .key(&key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("no environment document at {key}: {e:?}"));
    serde_json::from_slice(&object.body.collect().await.unwrap().into_bytes()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dependent_planned_against_a_scheduled_dependency_waits_for_it_then_deploys() {
    let world = World::new().await;
    let breeds_v1 = breeds(&world, &breeds_package("1", "breedName", json!({})));
    let breeds_run = world.schedule(&breeds_v1).await;
    // Planned while the dependency is only scheduled: no failure, and the document says
    // against which version.
    let dogs = dogs_reading_breeds(&world);
    let dogs_run = world.schedule(&dogs).await;
    let document = document_of(&world, &dogs).await;
    let breeds_hash = depot_core::hash::version_hash(&breeds_v1.config, &breeds_v1.package);
    assert_eq!(
        document["dependencyVersions"]["Breeds"],
        json!({"datasetId": BREEDS_ID, "datasetAlias": "RunnerBreeds",
               "versionHash": breeds_hash, "scheduledAtPlanning": true}),
        "{document}"
    );

    // Both runs at once: the dependent's waits for the dependency's.
    let mut waiting = runner_waiting(&world, &dogs_run, 120).spawn().unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        waiting.try_wait().unwrap().is_none(),
        "the dependent's run did not wait"
    );
    let dogs_state = state_of(&world, DATASET_ID).await.unwrap();
    assert_eq!(
        dogs_state.attempted_version, None,
        "it started before its dependency"
    );
    assert!(!namespace_exists(&world, NAMESPACE).await);
    let dependency = Run::of(runner_waiting(&world, &breeds_run, 0)).await;
    assert!(
        dependency.ok(),
        "the dependency's run failed: {}",
        dependency.stderr
    );

    let run = Run::from_output(waiting.wait_with_output().await.unwrap());
    assert!(run.ok(), "the dependent's run failed: {}", run.stderr);
    assert_eq!(run.output["outcome"], "deployed", "{}", run.output);
    assert!(
        run.stderr
            .contains("waiting for dependency Breeds (RunnerBreeds, b7eed5000001) at")
            && run.stderr.contains("now SCHEDULED"),
        "no progress line while waiting:\n{}",
        run.stderr
    );
    let state = state_of(&world, DATASET_ID).await.unwrap();
    assert_eq!(state.deployed_version, dogs_state.desired_version);
    assert_eq!(
        view_rows(&world).await,
        [(10, Some("Otterhound".to_string()))]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_dependency_fails_the_dependent_naming_it_and_a_later_run_deploys() {
    let world = World::new().await;
    let breeds_run = world
        .schedule(&breeds(
            &world,
            &breeds_package("1", "breedName", json!({})),
        ))
        .await;
    let dogs_run = world.schedule(&dogs_reading_breeds(&world)).await;
    // A table in the dependency's way: its first migration fails (and is undone).
    world
        .db
        .client
        .batch_execute(&format!(
            "CREATE SCHEMA {BREEDS_NAMESPACE}; CREATE TABLE {BREEDS_NAMESPACE}.breed (x int)"
        ))
        .await
        .unwrap();
    let dependency = Run::of(runner_waiting(&world, &breeds_run, 0)).await;
    assert!(!dependency.ok(), "the dependency's run should fail");

    let events_before = dogs_lifecycle(&world).await.len();
    let run = Run::of(runner_waiting(&world, &dogs_run, 600)).await;
    assert!(!run.ok(), "the dependent ran over a failed dependency");
    let reason = run.error_line();
    assert!(
        reason.contains("dependency Breeds (RunnerBreeds, b7eed5000001) will not reach version")
            && reason.contains("failed"),
        "{reason}"
    );
    assert!(
        !namespace_exists(&world, NAMESPACE).await,
        "the dependent's objects changed"
    );
    let state = state_of(&world, DATASET_ID).await.unwrap();
    assert_eq!(state.deployed_version, None);
    assert!(
        state
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("RunnerBreeds"),
        "{state:?}"
    );
    let events = dogs_lifecycle(&world).await;
    let failed: Vec<_> = events[events_before..]
        .iter()
        .filter(|e| e["detail"]["event"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{events:?}");
    assert!(failed[0]["detail"]["error"]
        .as_str()
        .unwrap()
        .contains("dependency Breeds"));

    // The dependency fixed and run again; then the same plan of the dependent deploys.
    world
        .db
        .client
        .batch_execute(&format!("DROP TABLE {BREEDS_NAMESPACE}.breed"))
        .await
        .unwrap();
    let dependency = Run::of(runner_waiting(&world, &breeds_run, 0)).await;
    assert!(
        dependency.ok(),
        "the fixed dependency failed: {}",
        dependency.stderr
    );
    let run = Run::of(runner_waiting(&world, &dogs_run, 0)).await;
    assert!(run.ok(), "the re-run failed: {}", run.stderr);
    assert_eq!(
        view_rows(&world).await,
        [(10, Some("Otterhound".to_string()))]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_that_runs_out_fails_with_its_cause_and_the_plan_runs_later() {
    let world = World::new().await;
    let breeds_run = world
        .schedule(&breeds(
            &world,
            &breeds_package("1", "breedName", json!({})),
        ))
        .await;
    let dogs_run = world.schedule(&dogs_reading_breeds(&world)).await;

    let run = Run::of(runner_waiting(&world, &dogs_run, 2)).await;
    assert!(!run.ok(), "the dependent ran before its dependency");
    let reason = run.error_line();
    assert!(
        reason.contains("dependency Breeds (RunnerBreeds, b7eed5000001) is still not deployed")
            && reason.contains("now SCHEDULED")
            && reason.contains("after waiting 2 s"),
        "{reason}"
    );
    assert!(!namespace_exists(&world, NAMESPACE).await);
    let state = state_of(&world, DATASET_ID).await.unwrap();
    assert!(state.last_error.is_some(), "{state:?}");
    assert_eq!(
        dogs_lifecycle(&world).await.last().unwrap()["detail"]["event"],
        "failed"
    );

    let dependency = Run::of(runner_waiting(&world, &breeds_run, 0)).await;
    assert!(dependency.ok(), "{}", dependency.stderr);
    let run = Run::of(runner_waiting(&world, &dogs_run, 0)).await;
    assert!(run.ok(), "the re-run failed: {}", run.stderr);
    let state = state_of(&world, DATASET_ID).await.unwrap();
    assert_eq!(state.deployed_version, state.desired_version);
    assert_eq!(state.last_error, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dependency_that_moved_on_is_checked_before_the_plan_runs() {
    let world = World::new().await;
    world
        .schedule(&breeds(
            &world,
            &breeds_package("1", "breedName", json!({})),
        ))
        .await;
    let dogs_run = world.schedule(&dogs_reading_breeds(&world)).await;

    // The dependency moves on before its planned version ran, to one without the field the
    // view reads: the plan is refused with the reason, and nothing of the dependent changes.
    let v2 = breeds(&world, &breeds_package("2", "label", json!({})));
    let v2_run = world.schedule(&v2).await;
    assert!(Run::of(runner_waiting(&world, &v2_run, 0)).await.ok());
    let run = Run::of(runner_waiting(&world, &dogs_run, 0)).await;
    assert!(
        !run.ok(),
        "a plan ran against a dependency its views cannot read"
    );
    let reason = run.error_line();
    assert!(
        reason.contains("dependency Breeds (RunnerBreeds, b7eed5000001) is deployed at version")
            && reason.contains("no longer resolve"),
        "{reason}"
    );
    assert!(
        !namespace_exists(&world, NAMESPACE).await,
        "the dependent changed"
    );

    // Then to a version with the field again and one more the view does not read: the views
    // resolve against it exactly as planned, so the same plan runs.
    let v3 = breeds(
        &world,
        &breeds_package(
            "3",
            "breedName",
            json!({"origin": {"type": "string", "nullable": true}}),
        ),
    );
    let v3_run = world.schedule(&v3).await;
    assert!(Run::of(runner_waiting(&world, &v3_run, 0)).await.ok());
    let run = Run::of(runner_waiting(&world, &dogs_run, 0)).await;
    assert!(run.ok(), "the compatible plan did not run: {}", run.stderr);
    assert!(
        run.stderr
            .contains("the views resolve against it as planned"),
        "{}",
        run.stderr
    );
    assert_eq!(
        view_rows(&world).await,
        [(10, Some("Otterhound".to_string()))]
    );
}
