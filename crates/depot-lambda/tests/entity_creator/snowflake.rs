//! entity-creator-snowflake against the fakesnow emulator (FAKESNOW_ENDPOINT, as `make test`
//! sets it): the credentials come from a Secrets Manager secret, the plan runs in Snowflake SQL,
//! and CloudFormation gets its answer.

use depot_lambda::SnowflakeEngine;
use serde_json::json;

use crate::support::*;

/// fakesnow's endpoint. The entity creator reaches a plain `http://` endpoint only when the
/// environment asks for the emulator explicitly (DEPOT_SNOWFLAKE_EMULATOR=fakesnow, which
/// `make test` sets with FAKESNOW_ENDPOINT).
fn fakesnow() -> String {
    assert_eq!(
        std::env::var("DEPOT_SNOWFLAKE_EMULATOR").as_deref(),
        Ok("fakesnow"),
        "DEPOT_SNOWFLAKE_EMULATOR=fakesnow is not set: run `make test`"
    );
    match std::env::var("FAKESNOW_ENDPOINT") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!("FAKESNOW_ENDPOINT is not set: run `make test` (scripts/ensure-fakesnow.sh starts fakesnow)"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_snowflake_dataset_is_created_with_credentials_from_its_secret() {
    let world = World::new().await;
    let secret_arn = world
        .clients
        .secrets
        .create_secret()
        .name(depot_testkit::moto::unique("snowflake"))
        .secret_string(json!({"username": "DEPOT", "password": world.password}).to_string())
        .send()
        .await
        .expect("CreateSecret")
        .arn()
        .unwrap()
        .to_string();
    let database = format!(
        "DEPOT_LAMBDA_{}",
        uuid::Uuid::new_v4().simple().to_string()[..10].to_uppercase()
    );
    let mut properties = world.properties("SnowDogs", package_v1(), "synchronous");
    properties["location"] = json!({"type": "snowflake", "name": "emulated", "account": "depot",
        "database": database, "warehouse": "COMPUTE_WH", "role": "DEPOT", "endpoint": fakesnow(),
        "secretArn": secret_arn});
    properties["schemaName"] = "ws_snow".into();

    let (url, key) = world.response_url().await;
    invoke(
        &world.supervisor_for(Box::new(SnowflakeEngine)),
        cfn_request("Create", &url, properties),
    )
    .await
    .unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "SUCCESS", "{response}");
    assert_eq!(response["Data"]["Outcome"], "deployed");
    let plan_key = response["Data"]["MigrationPlanKey"].as_str().unwrap();
    let plan = world
        .clients
        .s3
        .get_object()
        .bucket(&world.bucket)
        .key(plan_key)
        .send()
        .await
        .expect("the plan is stored");
    let plan: serde_json::Value =
        serde_json::from_slice(&plan.body.collect().await.unwrap().into_bytes()).unwrap();
    assert_eq!(plan["engine"], "snowflake");
    assert!(!world.all_documents().await.contains(&world.password));
    assert_eq!(
        event_kinds(&world.events().await),
        ["attempted", "deployed", "plan:executed-by-sender"]
    );
}
