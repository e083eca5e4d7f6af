//! Create, Update and Delete in both migration modes.

use serde_json::Value;

use crate::support::*;

async fn table_exists(world: &World, schema: &str, table: &str) -> bool {
    let row = world
        .db
        .client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
            &[&schema, &table],
        )
        .await
        .unwrap();
    row.get::<_, i64>(0) == 1
}

async fn state(world: &World, id: &str) -> Value {
    let row = world
        .db
        .client
        .query_one(
            "SELECT to_jsonb(d) FROM __admin.dataset d WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap_or_else(|e| panic!("no state for {id}: {e}"));
    row.get(0)
}

#[tokio::test]
async fn synchronous_create_update_delete_answer_cloudformation_and_keep_the_data() {
    let world = World::new().await;
    let supervisor = world.supervisor();

    // Create
    let (url, key) = world.response_url().await;
    let create = cfn_request(
        "Create",
        &url,
        world.properties("Dogs", package_v1(), "synchronous"),
    );
    invoke(&supervisor, create.clone()).await.unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "SUCCESS", "{response}");
    assert_eq!(response["RequestId"], create["RequestId"]);
    assert_eq!(response["StackId"], create["StackId"]);
    assert_eq!(response["LogicalResourceId"], "Dogs");
    let id = response["PhysicalResourceId"].as_str().unwrap().to_string();
    assert!(
        id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    assert_eq!(response["Data"]["DatasetId"], id.as_str());
    assert_eq!(response["Data"]["Outcome"], "deployed");
    let v1 = response["Data"]["DatasetVersionHash"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(table_exists(&world, "ds_dogs", "dog").await);

    // SPEC §4 keys: the environment document, and the plan under migrations/<id>_<alias>/<day>/.
    let env_key = format!("sdp-{}/datasets/{id}/{v1}.json", world.environment_id);
    assert_eq!(world.keys(&env_key).await, vec![env_key.clone()]);
    let plan_key = response["Data"]["MigrationPlanKey"].as_str().unwrap();
    let migration_id = response["Data"]["MigrationId"].as_str().unwrap();
    assert!(
        plan_key.starts_with(&format!(
            "sdp-{}/migrations/{id}_Dogs/",
            world.environment_id
        )),
        "{plan_key}"
    );
    assert!(
        plan_key.ends_with(&format!("_MIGRATION_PLANNED_{id}_Dogs_{migration_id}.json")),
        "{plan_key}"
    );
    assert_eq!(world.keys(plan_key).await.len(), 1);

    world
        .db
        .client
        .execute(
            "INSERT INTO ds_dogs.dog (id, name) VALUES (gen_random_uuid(), 'Rex')",
            &[],
        )
        .await
        .unwrap();

    // Update: same physical id, the plan computed from the v1 document read back from S3.
    let (url, key) = world.response_url().await;
    let mut update = cfn_request(
        "Update",
        &url,
        world.properties("Dogs", package_v2(), "synchronous"),
    );
    update["PhysicalResourceId"] = id.clone().into();
    update["OldResourceProperties"] = create["ResourceProperties"].clone();
    invoke(&supervisor, update).await.unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "SUCCESS", "{response}");
    assert_eq!(response["PhysicalResourceId"], id.as_str());
    let v2 = response["Data"]["DatasetVersionHash"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(v1, v2);
    assert!(
        table_exists(&world, "ds_dogs", "named_dog").await,
        "the view of v2"
    );
    let s = state(&world, &id).await;
    assert_eq!(s["deployed_version"], v2.as_str(), "{s}");

    // Delete with the default removalPolicy (retain): rows stay, the state says DELETED.
    let (url, key) = world.response_url().await;
    let mut delete = cfn_request(
        "Delete",
        &url,
        world.properties("Dogs", package_v2(), "synchronous"),
    );
    delete["PhysicalResourceId"] = id.clone().into();
    invoke(&supervisor, delete).await.unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "SUCCESS", "{response}");
    assert_eq!(response["Data"]["Outcome"], "retained");
    let rows: i64 = world
        .db
        .client
        .query_one("SELECT count(*) FROM ds_dogs.dog", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
    assert_eq!(state(&world, &id).await["status"], "DELETED");

    // Events: per synchronous deploy, attempted + deployed + the plan executed by the sender.
    let events = world.events().await;
    assert_eq!(
        event_kinds(&events),
        [
            "attempted",
            "deployed",
            "plan:executed-by-sender",
            "attempted",
            "deployed",
            "plan:executed-by-sender"
        ],
    );
    let plan_event = &events[5]["detail"];
    assert_eq!(plan_event["datasetId"], id.as_str());
    assert_eq!(plan_event["datasetVersionHash"], v2.as_str());
    assert_eq!(plan_event["oldDatasetVersionHash"], v1.as_str());
    assert_eq!(plan_event["migrationPlanBucket"], world.bucket.as_str());
    assert_eq!(
        plan_event["oldEnvironmentUri"],
        format!("s3://{}/{env_key}", world.bucket).as_str()
    );
}

#[tokio::test]
async fn asynchronous_create_schedules_and_returns_at_once() {
    let world = World::new().await;
    let supervisor = world.supervisor();
    let (url, key) = world.response_url().await;
    invoke(
        &supervisor,
        cfn_request(
            "Create",
            &url,
            world.properties("Later", package_v1(), "asynchronous"),
        ),
    )
    .await
    .unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "SUCCESS", "{response}");
    assert_eq!(response["Data"]["Outcome"], "scheduled");
    let id = response["PhysicalResourceId"].as_str().unwrap();
    assert!(
        !table_exists(&world, "ds_later", "dog").await,
        "nothing runs before the runner"
    );
    let s = state(&world, id).await;
    assert_eq!(
        s["desired_version"], response["Data"]["DatasetVersionHash"],
        "{s}"
    );
    assert!(
        s["attempted_version"].is_null() && s["deployed_version"].is_null(),
        "{s}"
    );

    let events = world.events().await;
    assert_eq!(
        event_kinds(&events),
        ["desired", "plan:to-be-executed-by-receiver"]
    );
    let detail = &events[1]["detail"];
    assert_eq!(
        detail["migrationPlanKey"],
        response["Data"]["MigrationPlanKey"]
    );
    assert_eq!(detail["summary"], "migration-planned");
    assert!(
        detail["oldEnvironmentUri"].is_null() && detail["oldDatasetVersionHash"].is_null(),
        "{detail}"
    );
}

#[tokio::test]
async fn moving_a_dataset_to_another_database_is_a_new_dataset_and_the_old_one_is_retained() {
    let world = World::new().await;
    let supervisor = world.supervisor();
    let (url, key) = world.response_url().await;
    let create = cfn_request(
        "Create",
        &url,
        world.properties("Moves", package_v1(), "synchronous"),
    );
    invoke(&supervisor, create.clone()).await.unwrap();
    let old_id = world.response(&key).await["PhysicalResourceId"]
        .as_str()
        .unwrap()
        .to_string();

    let elsewhere = depot_testkit::fresh_database().await;
    let mut moved = world.properties("Moves", package_v1(), "synchronous");
    moved["location"]["database"] = elsewhere.name.clone().into();
    let (url, key) = world.response_url().await;
    let mut update = cfn_request("Update", &url, moved);
    update["PhysicalResourceId"] = old_id.clone().into();
    update["OldResourceProperties"] = create["ResourceProperties"].clone();
    invoke(&supervisor, update).await.unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "SUCCESS", "{response}");
    let new_id = response["PhysicalResourceId"].as_str().unwrap();
    assert_ne!(new_id, old_id, "a new place needs a new physical id");
    let moved_tables: i64 = elsewhere
        .client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ds_moves'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(moved_tables, 1);

    // CloudFormation then deletes the old resource, with its old properties.
    let (url, key) = world.response_url().await;
    let mut delete = cfn_request("Delete", &url, create["ResourceProperties"].clone());
    delete["PhysicalResourceId"] = old_id.clone().into();
    invoke(&supervisor, delete).await.unwrap();
    assert_eq!(world.response(&key).await["Status"], "SUCCESS");
    assert!(table_exists(&world, "ds_moves", "dog").await, "retained");
    assert_eq!(state(&world, &old_id).await["status"], "DELETED");
}

#[tokio::test]
async fn moving_a_dataset_to_another_schema_of_its_database_is_refused_clearly() {
    let world = World::new().await;
    let supervisor = world.supervisor();
    let (url, key) = world.response_url().await;
    let create = cfn_request(
        "Create",
        &url,
        world.properties("Stays", package_v1(), "synchronous"),
    );
    invoke(&supervisor, create.clone()).await.unwrap();
    let id = world.response(&key).await["PhysicalResourceId"]
        .as_str()
        .unwrap()
        .to_string();

    let mut moved = world.properties("Stays", package_v1(), "synchronous");
    moved["schemaName"] = "ds_elsewhere".into();
    let (url, key) = world.response_url().await;
    let mut update = cfn_request("Update", &url, moved);
    update["PhysicalResourceId"] = id.clone().into();
    update["OldResourceProperties"] = create["ResourceProperties"].clone();
    invoke(&supervisor, update).await.unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "FAILED");
    assert_eq!(response["PhysicalResourceId"], id.as_str());
    assert!(
        response["Reason"]
            .as_str()
            .unwrap()
            .contains("schemaName changes from ds_stays to ds_elsewhere"),
        "{response}"
    );
    assert!(!table_exists(&world, "ds_elsewhere", "dog").await);
}

#[tokio::test]
async fn delete_with_removal_policy_destroy_drops_the_objects() {
    let world = World::new().await;
    let supervisor = world.supervisor();
    let mut properties = world.properties("Gone", package_v2(), "synchronous");
    properties["removalPolicy"] = "destroy".into();
    let (url, key) = world.response_url().await;
    invoke(&supervisor, cfn_request("Create", &url, properties.clone()))
        .await
        .unwrap();
    let id = world.response(&key).await["PhysicalResourceId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(table_exists(&world, "ds_gone", "dog").await);

    let (url, key) = world.response_url().await;
    let mut delete = cfn_request("Delete", &url, properties);
    delete["PhysicalResourceId"] = id.clone().into();
    invoke(&supervisor, delete).await.unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "SUCCESS", "{response}");
    assert_eq!(response["Data"]["Outcome"], "destroyed");
    assert!(!table_exists(&world, "ds_gone", "dog").await);
    assert!(!table_exists(&world, "ds_gone", "named_dog").await);
    assert_eq!(state(&world, &id).await["status"], "DELETED");
}

#[tokio::test]
async fn a_synchronous_deploy_that_asks_for_seeding_upserts_the_seed_rows() {
    let world = World::new().await;
    let mut package = package_v1();
    package["seeds"] =
        serde_json::json!({"Dog": [{"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": "Rex"}]});
    let mut properties = world.properties("Seeded", package, "synchronous");
    properties["migrationOptions"]["triggerSeeding"] = "true".into();
    let (url, key) = world.response_url().await;
    invoke(&world.supervisor(), cfn_request("Create", &url, properties))
        .await
        .unwrap();
    assert_eq!(world.response(&key).await["Status"], "SUCCESS");
    let name: String = world
        .db
        .client
        .query_one(
            "SELECT name FROM ds_seeded.dog WHERE id = '7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11'",
            &[],
        )
        .await
        .expect("the seed row")
        .get(0);
    assert_eq!(name, "Rex");
}
