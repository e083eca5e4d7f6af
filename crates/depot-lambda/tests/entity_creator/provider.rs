//! The CDK Provider framework's onEvent shape: the answer is the function's result.

use crate::support::*;

#[tokio::test]
async fn provider_framework_requests_get_their_result_returned() {
    let world = World::new().await;
    let supervisor = world.supervisor();
    let create = cfn_request(
        "Create",
        "...",
        world.properties("Prov", package_v1(), "synchronous"),
    );
    let result = invoke(&supervisor, create)
        .await
        .expect("success is a result");
    let id = result["PhysicalResourceId"].as_str().unwrap();
    assert_eq!(result["Data"]["DatasetId"], id);
    assert_eq!(result["Data"]["Outcome"], "deployed");

    let mut bad = world.properties("Prov", package_v1(), "synchronous");
    bad["namingStrategy"] = "kebab".into();
    let mut update = cfn_request("Update", "...", bad);
    update.as_object_mut().unwrap().remove("ResponseURL");
    update["PhysicalResourceId"] = id.into();
    update["OldResourceProperties"] = world.properties("Prov", package_v1(), "synchronous");
    let error = invoke(&supervisor, update)
        .await
        .expect_err("a failure is the handler's error");
    assert!(error.contains("namingStrategy"), "{error}");
}
