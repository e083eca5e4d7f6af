//! Every error path answers FAILED, within the deadline, and changes nothing it should not.

use std::time::Duration;

use async_trait::async_trait;
use depot_lambda::answer::Answer;
use depot_lambda::handler::{InFlight, Progress, RequestHandler};
use depot_lambda::invocation::Supervisor;
use depot_lambda::request::DatasetRequest;
use depot_lambda::SnowflakeEngine;
use serde_json::json;

use crate::support::*;

async fn dataset_count(world: &World) -> i64 {
    let exists: bool = world
        .db
        .client
        .query_one(
            "SELECT to_regclass('__admin.dataset_state') IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    if !exists {
        return 0;
    }
    world
        .db
        .client
        .query_one("SELECT count(*) FROM __admin.dataset_state", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn invalid_input_fails_with_the_problem_named_and_changes_nothing() {
    let world = World::new().await;
    let supervisor = world.supervisor();
    let mut package = package_v1();
    package["schemas"]["Dog"]["fields"]["bad-name"] = json!({"type": "string"});
    let (url, key) = world.response_url().await;
    let create = cfn_request(
        "Create",
        &url,
        world.properties("Bad", package, "synchronous"),
    );
    invoke(&supervisor, create.clone()).await.unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "FAILED");
    assert_eq!(response["RequestId"], create["RequestId"]);
    let reason = response["Reason"].as_str().unwrap();
    assert!(
        reason.contains("Dog") && reason.contains("bad-name"),
        "{reason}"
    );
    // A failed Create's id tells the rollback's Delete there is nothing to remove.
    let id = response["PhysicalResourceId"].as_str().unwrap().to_string();
    assert!(id.starts_with("create-failed-"), "{id}");
    assert_eq!(dataset_count(&world).await, 0);
    assert!(world.events().await.is_empty());

    let (url, key) = world.response_url().await;
    let mut delete = cfn_request("Delete", &url, create["ResourceProperties"].clone());
    delete["PhysicalResourceId"] = id.clone().into();
    invoke(&supervisor, delete).await.unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "SUCCESS", "{response}");
    assert_eq!(response["PhysicalResourceId"], id.as_str());
    assert_eq!(dataset_count(&world).await, 0);
}

#[tokio::test]
async fn a_location_of_the_other_engine_is_refused_naming_the_right_function() {
    let world = World::new().await;
    let (url, key) = world.response_url().await;
    let mut properties = world.properties("Snow", package_v1(), "synchronous");
    properties["location"] = json!({"type": "snowflake", "name": "sf", "account": "xy12345",
                                    "database": "ANALYTICS", "warehouse": "WH", "role": "DEPLOYER"});
    invoke(
        &world.supervisor(),
        cfn_request("Create", &url, properties.clone()),
    )
    .await
    .unwrap();
    let reason = world.response(&key).await["Reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("entity-creator-snowflake"), "{reason}");

    // The Snowflake function takes it; with no secret to read, it says what is missing.
    let (url, key) = world.response_url().await;
    invoke(
        &world.supervisor_for(Box::new(SnowflakeEngine)),
        cfn_request("Create", &url, properties),
    )
    .await
    .unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "FAILED");
    assert!(
        response["Reason"]
            .as_str()
            .unwrap()
            .contains("no secretArn"),
        "{response}"
    );
}

#[tokio::test]
async fn an_unreachable_database_fails_clearly() {
    let world = World::new().await;
    let mut properties = world.properties("Far", package_v1(), "synchronous");
    properties["location"]["port"] = "1".into();
    let (url, key) = world.response_url().await;
    invoke(&world.supervisor(), cfn_request("Create", &url, properties))
        .await
        .unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "FAILED");
    let reason = response["Reason"].as_str().unwrap();
    assert!(reason.contains("location main"), "{reason}");
    assert!(!reason.contains(&world.password), "{reason}");
}

struct Panics;

#[async_trait]
impl RequestHandler for Panics {
    async fn handle(&self, _: &DatasetRequest, _: &Progress) -> Answer {
        panic!("index out of bounds: the len is 0 but the index is 0")
    }
    async fn record_interruption(&self, _: &InFlight, _: &str) {}
}

#[tokio::test]
async fn a_handler_that_panics_still_answers_failed() {
    let world = World::new().await;
    let supervisor = Supervisor::new(Panics, world.clients.s3.clone());
    let (url, key) = world.response_url().await;
    let mut update = cfn_request(
        "Update",
        &url,
        world.properties("P", package_v1(), "synchronous"),
    );
    update["PhysicalResourceId"] = "6d9c7969f0b1".into();
    update["OldResourceProperties"] = update["ResourceProperties"].clone();
    invoke(&supervisor, update).await.unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "FAILED");
    assert_eq!(
        response["PhysicalResourceId"], "6d9c7969f0b1",
        "an Update keeps its id"
    );
    assert!(
        response["Reason"]
            .as_str()
            .unwrap()
            .contains("panicked (index out of bounds"),
        "{response}"
    );
}

struct Sleeps;

#[async_trait]
impl RequestHandler for Sleeps {
    async fn handle(&self, _: &DatasetRequest, _: &Progress) -> Answer {
        tokio::time::sleep(Duration::from_secs(600)).await;
        Answer::success("never")
    }
    async fn record_interruption(&self, _: &InFlight, _: &str) {}
}

#[tokio::test]
async fn a_handler_that_overruns_answers_failed_before_the_deadline() {
    let world = World::new().await;
    let mut supervisor = Supervisor::new(Sleeps, world.clients.s3.clone());
    supervisor.margin = Duration::from_secs(2);
    let (url, key) = world.response_url().await;
    let at = invocation(4);
    supervisor
        .invoke(
            cfn_request(
                "Create",
                &url,
                world.properties("S", package_v1(), "synchronous"),
            ),
            &at,
        )
        .await
        .unwrap();
    assert_ms_left(at.deadline_ms);
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "FAILED");
    assert!(
        response["Reason"]
            .as_str()
            .unwrap()
            .contains("ran out of time"),
        "{response}"
    );
}

/// A real deploy that cannot finish in time (the test holds a lock its migration needs) is
/// stopped before the deadline: FAILED is answered, the open phase rolls back, the state and a
/// `failed` event record it, and deploying again once the lock is gone resumes and succeeds.
#[tokio::test]
async fn a_deploy_that_runs_out_of_time_fails_truthfully_and_resumes() {
    let world = World::new().await;
    let mut supervisor = world.supervisor();
    let (url, key) = world.response_url().await;
    let create = cfn_request(
        "Create",
        &url,
        world.properties("Slow", package_v1(), "synchronous"),
    );
    invoke(&supervisor, create.clone()).await.unwrap();
    let id = world.response(&key).await["PhysicalResourceId"]
        .as_str()
        .unwrap()
        .to_string();
    world
        .db
        .client
        .execute(
            "INSERT INTO ds_slow.dog (id, name) VALUES (gen_random_uuid(), 'Rex')",
            &[],
        )
        .await
        .unwrap();
    let _ = world.events().await;

    // Hold an ACCESS EXCLUSIVE lock on the table the update alters.
    let mut blocker = world.db.connect().await;
    let tx = blocker.transaction().await.unwrap();
    tx.execute("LOCK TABLE ds_slow.dog IN ACCESS EXCLUSIVE MODE", &[])
        .await
        .unwrap();

    supervisor.margin = Duration::from_secs(3);
    let (url, key) = world.response_url().await;
    let mut update = cfn_request(
        "Update",
        &url,
        world.properties("Slow", package_v2(), "synchronous"),
    );
    update["PhysicalResourceId"] = id.clone().into();
    update["OldResourceProperties"] = create["ResourceProperties"].clone();
    let at = invocation(10);
    supervisor.invoke(update.clone(), &at).await.unwrap();
    assert_ms_left(at.deadline_ms);
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "FAILED", "{response}");
    assert_eq!(response["PhysicalResourceId"], id.as_str());
    let reason = response["Reason"].as_str().unwrap();
    assert!(
        reason.contains("ran out of time") && reason.contains("deploy again to resume"),
        "{reason}"
    );

    let state = world.db.client
        .query_one("SELECT attempted_version, deployed_version, last_error FROM __admin.dataset WHERE id = $1", &[&id])
        .await
        .unwrap();
    let (attempted, deployed, error): (Option<String>, Option<String>, Option<String>) =
        (state.get(0), state.get(1), state.get(2));
    assert_ne!(
        attempted, deployed,
        "the state must not claim the new version"
    );
    assert!(error.unwrap_or_default().contains("ran out of time"));
    assert_eq!(event_kinds(&world.events().await), ["attempted", "failed"]);

    tx.rollback().await.unwrap();
    drop(blocker);
    supervisor.margin = Duration::from_secs(10);
    let (url, key) = world.response_url().await;
    update["ResponseURL"] = url.into();
    update["RequestId"] = uuid::Uuid::new_v4().to_string().into();
    invoke(&supervisor, update).await.unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "SUCCESS", "{response}");
    let rows: i64 = world
        .db
        .client
        .query_one("SELECT count(*) FROM ds_slow.dog", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1, "no row lost");
}

#[tokio::test]
async fn a_long_failure_reason_fits_in_the_response_and_points_to_the_log() {
    let world = World::new().await;
    let mut package = package_v1();
    // Hundreds of problems: the reason lists them all, far beyond 4,096 bytes.
    for i in 0..300 {
        package["schemas"][format!("Bad{i}")] =
            json!({"kind": "object", "fields": {"no-good": {"type": "string"}}});
    }
    let (url, key) = world.response_url().await;
    invoke(
        &world.supervisor(),
        cfn_request(
            "Create",
            &url,
            world.properties("Long", package, "synchronous"),
        ),
    )
    .await
    .unwrap();
    let response = world.response(&key).await; // asserts <= 4,096 bytes
    let reason = response["Reason"].as_str().unwrap();
    assert!(reason.contains("Bad0"), "the head is kept: {reason}");
    assert!(
        reason.ends_with("log stream 2026/11/22/[$LATEST]0123456789abcdef]"),
        "{reason}"
    );
}

/// CloudFormation's own recovery paths after a failed migration: a Create that failed at
/// execution leaves nothing half-made, its Delete touches nothing, and the corrected Create
/// deploys; an Update that failed is rolled back by CloudFormation's Update to the old
/// properties, which succeeds and leaves the dataset stable at the old version with its rows.
#[tokio::test]
async fn cloudformation_rollbacks_after_a_failed_migration_succeed() {
    let world = World::new().await;
    let supervisor = world.supervisor();

    // A view PostgreSQL refuses at execution (text + integer): validation cannot know.
    let mut bad = package_v1();
    bad["schemas"]["Broken"] =
        json!({"kind": "view", "query": "SELECT id, name + 1 AS n FROM Dog"});
    let (url, key) = world.response_url().await;
    let create = cfn_request(
        "Create",
        &url,
        world.properties("Phoenix", bad, "synchronous"),
    );
    invoke(&supervisor, create).await.unwrap();
    let failed = world.response(&key).await;
    assert_eq!(failed["Status"], "FAILED", "{failed}");
    assert!(
        failed["Reason"].as_str().unwrap().contains("undone"),
        "{failed}"
    );
    let tables: i64 = world
        .db
        .client
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'ds_phoenix'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "the failed Create left objects behind");

    // CloudFormation deletes the failed resource, then the fixed stack creates it again.
    let (url, key) = world.response_url().await;
    let mut delete = cfn_request(
        "Delete",
        &url,
        world.properties("Phoenix", package_v1(), "synchronous"),
    );
    delete["PhysicalResourceId"] = failed["PhysicalResourceId"].clone();
    invoke(&supervisor, delete).await.unwrap();
    assert_eq!(world.response(&key).await["Status"], "SUCCESS");
    let (url, key) = world.response_url().await;
    let create = cfn_request(
        "Create",
        &url,
        world.properties("Phoenix", package_v1(), "synchronous"),
    );
    invoke(&supervisor, create.clone()).await.unwrap();
    let created = world.response(&key).await;
    assert_eq!(created["Status"], "SUCCESS", "{created}");
    let id = created["PhysicalResourceId"].as_str().unwrap().to_string();
    world
        .db
        .client
        .execute(
            "INSERT INTO ds_phoenix.dog (id, name) VALUES (gen_random_uuid(), 'Rex'), (gen_random_uuid(), 'Rex')",
            &[],
        )
        .await
        .unwrap();

    // An Update whose unique index fails on the duplicate names: FAILED, undone.
    let mut unique = package_v2();
    unique["schemas"]["Dog"]["indexes"] =
        json!([{"name": "byName", "fields": ["name"], "unique": true}]);
    let mut update_props = world.properties("Phoenix", unique, "synchronous");
    update_props["migrationOptions"]["allowedHazards"] =
        json!(["INDEX_BUILD", "DELETES_DATA", "VALIDATES_DATA"]);
    let (url, key) = world.response_url().await;
    let mut update = cfn_request("Update", &url, update_props.clone());
    update["PhysicalResourceId"] = id.clone().into();
    update["OldResourceProperties"] = create["ResourceProperties"].clone();
    invoke(&supervisor, update).await.unwrap();
    assert_eq!(world.response(&key).await["Status"], "FAILED");

    // CloudFormation rolls back: an Update back to the old properties.
    let (url, key) = world.response_url().await;
    let mut rollback = cfn_request("Update", &url, create["ResourceProperties"].clone());
    rollback["PhysicalResourceId"] = id.clone().into();
    rollback["OldResourceProperties"] = update_props;
    invoke(&supervisor, rollback).await.unwrap();
    let rolled_back = world.response(&key).await;
    assert_eq!(rolled_back["Status"], "SUCCESS", "{rolled_back}");
    let row = world
        .db
        .client
        .query_one(
            "SELECT status, (SELECT count(*) FROM ds_phoenix.dog) FROM __admin.dataset WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, &str>(0), "STABLE");
    assert_eq!(row.get::<_, i64>(1), 2, "no row lost");
}

#[tokio::test]
async fn a_key_given_twice_in_the_event_is_answered_failed_and_changes_nothing() {
    let world = World::new().await;
    let supervisor = world.supervisor();
    let (url, key) = world.response_url().await;
    let create = cfn_request(
        "Create",
        &url,
        world.properties("D", package_v1(), "synchronous"),
    );
    // Text only can hold it: `name` twice, the last one (unbounded) would win in a `Value`.
    let text = create.to_string().replacen(
        r#""name":{"maxLength":100,"type":"string"}"#,
        r#""name":{"maxLength":100,"type":"string"},"name":{"type":"string"}"#,
        1,
    );
    assert_ne!(text, create.to_string(), "the event text was edited");
    supervisor
        .invoke_text(&text, &invocation(300))
        .await
        .unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "FAILED", "{response}");
    let reason = response["Reason"].as_str().unwrap();
    assert!(
        reason.contains("[duplicate-key]")
            && reason.contains("ResourceProperties.package.schemas.Dog.fields.name"),
        "{reason}"
    );
    assert_eq!(dataset_count(&world).await, 0, "nothing was deployed");

    // Without a ResponseURL (the Provider framework), the refusal is the function's error.
    let mut provider: serde_json::Value = serde_json::from_str(&create.to_string()).unwrap();
    provider["ResponseURL"] = "...".into();
    let text = provider
        .to_string()
        .replacen(r#""alias":"D""#, r#""alias":"D","alias":"E""#, 1);
    let error = supervisor
        .invoke_text(&text, &invocation(300))
        .await
        .unwrap_err();
    assert!(error.contains("ResourceProperties.alias"), "{error}");
}
