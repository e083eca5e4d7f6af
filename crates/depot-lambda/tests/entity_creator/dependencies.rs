//! A synchronous dataset whose view reads an asynchronous dependency: CloudFormation creates it
//! right after the dependency's Create answered, before the dependency's migration ran. Both
//! Creates succeed; the dependent is handed to the asynchronous runner, which deploys it once the
//! dependency is deployed.

use std::time::Duration;

use depot_aws::ConnectSettings;
use depot_deploy::{RunOutcome, RunPayload};
use depot_runner::AwsRunner;
use serde_json::{json, Value};

use crate::support::*;

fn breeds_package() -> Value {
    json!({"name": "breeds", "version": "1", "schemas": {
        "Breed": {"kind": "object", "primaryKey": ["id"], "fields": {
            "id": {"type": "bigint"}, "breedName": {"type": "string", "nullable": true}}}
    }})
}

fn dogs_package() -> Value {
    json!({"name": "dogs", "version": "1", "schemas": {
        "Dog": {"kind": "object", "primaryKey": ["id"], "fields": {
            "id": {"type": "bigint"}, "breedId": {"type": "bigint", "nullable": true}}},
        "DogBreed": {"kind": "view",
            "query": "SELECT d.id, b.breedName FROM Dog d JOIN Breeds.Breed b ON b.id = d.breedId"}
    }})
}

/// Creates a dataset through the entity creator; returns CloudFormation's response.
async fn create(world: &World, properties: Value) -> Value {
    let (url, key) = world.response_url().await;
    invoke(&world.supervisor(), cfn_request("Create", &url, properties))
        .await
        .unwrap();
    world.response(&key).await
}

/// The runner payload of the plan a Create answered with (what the pipeline hands the runner).
fn payload(world: &World, response: &Value) -> RunPayload {
    RunPayload {
        event_id: Some("test".into()),
        dataset_id: response["Data"]["DatasetId"].as_str().unwrap().to_string(),
        migration_plan_bucket: world.bucket.clone(),
        migration_plan_prefix: String::new(),
        migration_plan_key: response["Data"]["MigrationPlanKey"]
            .as_str()
            .unwrap()
            .to_string(),
        chain_with_seeding: false,
        first_phase: None,
        last_phase: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_synchronous_dataset_on_a_scheduled_dependency_succeeds_and_deploys_after_it() {
    let world = World::new().await;
    let breeds = create(
        &world,
        world.properties("Breeds", breeds_package(), "asynchronous"),
    )
    .await;
    assert_eq!(breeds["Status"], "SUCCESS", "{breeds}");
    assert_eq!(breeds["Data"]["Outcome"], "scheduled");

    let mut dogs_properties = world.properties("Dogs", dogs_package(), "synchronous");
    dogs_properties["dependencies"] = json!({"Breeds": "Breeds"});
    let dogs = create(&world, dogs_properties.clone()).await;
    assert_eq!(dogs["Status"], "SUCCESS", "{dogs}");
    assert_eq!(dogs["Data"]["Outcome"], "scheduled", "{dogs}");
    let dogs_id = dogs["Data"]["DatasetId"].as_str().unwrap().to_string();
    // Handed to the runner: desired recorded, a plan for the receiver, nothing created yet.
    let events = world.events().await;
    let dogs_events: Vec<Value> = events
        .iter()
        .filter(|e| e["detail"]["datasetId"] == dogs_id.as_str())
        .cloned()
        .collect();
    assert_eq!(
        event_kinds(&dogs_events),
        ["desired", "plan:to-be-executed-by-receiver"],
        "{dogs_events:?}"
    );
    let dogs_schema = world
        .db
        .client
        .query_one(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'ds_dogs'",
            &[],
        )
        .await
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(dogs_schema, 0, "the dependent ran before its dependency");

    // The pipeline runs both plans; the dependent's waits for the dependency's.
    let runner = AwsRunner {
        clients: world.clients.clone(),
        connect: ConnectSettings::default(),
        lock_wait: Duration::from_secs(30),
        dependency_wait: Duration::from_secs(120),
    };
    let (dogs_payload, breeds_payload) = (payload(&world, &dogs), payload(&world, &breeds));
    let (dogs_run, breeds_run) = tokio::join!(runner.run(&dogs_payload, false), async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        runner.run(&breeds_payload, false).await
    });
    assert!(
        matches!(breeds_run, Ok(RunOutcome::Ran { .. })),
        "{breeds_run:?}"
    );
    let Ok(RunOutcome::Ran { state, .. }) = dogs_run else {
        panic!("the dependent did not deploy: {dogs_run:?}");
    };
    assert_eq!(
        state.deployed_version.as_deref(),
        dogs["Data"]["DatasetVersionHash"].as_str()
    );

    world
        .db
        .client
        .batch_execute(
            "INSERT INTO ds_breeds.breed (id, breed_name) VALUES (1, 'Otterhound'); \
             INSERT INTO ds_dogs.dog (id, breed_id) VALUES (10, 1)",
        )
        .await
        .unwrap();
    let rows: Vec<(i64, Option<String>)> = world
        .db
        .client
        .query("SELECT id, breed_name FROM ds_dogs.dog_breed", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(rows, [(10, Some("Otterhound".to_string()))]);

    // An Update of the dependent now runs synchronously again: the dependency is deployed.
    let mut properties = dogs_properties.clone();
    let mut package = dogs_package();
    package["version"] = json!("2");
    package["schemas"]["Dog"]["fields"]["name"] = json!({"type": "string", "nullable": true});
    properties["package"] = package;
    let (url, key) = world.response_url().await;
    let mut update = cfn_request("Update", &url, properties);
    update["PhysicalResourceId"] = json!(dogs_id);
    update["OldResourceProperties"] = dogs_properties;
    invoke(&world.supervisor(), update).await.unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "SUCCESS", "{response}");
    assert_eq!(response["Data"]["Outcome"], "deployed", "{response}");
}
