//! S3DocumentStore: put, get and a missing key, at the exact keys of SPEC §4.

use aws_sdk_s3::error::DisplayErrorContext;
use depot_aws::S3DocumentStore;
use depot_core::document::{environment_key, plan_key};
use depot_deploy::DocumentStore;

use crate::common::{clients, create_bucket, endpoint, region, sdk_config, unique};

const ENVIRONMENT: &str = "e2e404529091ed2";
const DATASET: &str = "6d9c7969f0b1";
const HASH: &str = "42b14733ff9d8f8de9f22524ef466a13f3b6511f7cb9ebb74de3ab59c24c5b37";

#[tokio::test]
async fn documents_round_trip_at_the_spec_keys() {
    let clients = clients().await;
    let bucket = unique("docs");
    create_bucket(&clients.s3, &region(&clients), &bucket).await;
    let store = S3DocumentStore::new(clients.s3.clone());

    let env_key = environment_key(ENVIRONMENT, DATASET, HASH);
    assert_eq!(
        env_key,
        format!("sdp-e2e404529091ed2/datasets/6d9c7969f0b1/{HASH}.json")
    );
    let plan_key = plan_key(
        ENVIRONMENT,
        DATASET,
        "WsDevDogSrcDeferredMigration",
        "2025-04-28T08:31:33.816Z",
        "01967b85-dd5c-7306-b067-0a06ab34d6ae",
    );
    assert_eq!(
        plan_key,
        "sdp-e2e404529091ed2/migrations/6d9c7969f0b1_WsDevDogSrcDeferredMigration/2025-04-28/\
         2025-04-28T08:31:33.816Z_MIGRATION_PLANNED_6d9c7969f0b1_WsDevDogSrcDeferredMigration_\
         01967b85-dd5c-7306-b067-0a06ab34d6ae.json"
    );

    for (key, body) in [
        (
            &env_key,
            r#"{"formatVersion":1,"datasetId":"6d9c7969f0b1"}"#,
        ),
        (&plan_key, r#"{"formatVersion":1,"phases":[]}"#),
    ] {
        assert_eq!(store.get(&bucket, key).await.unwrap(), None, "{key}");
        store.put(&bucket, key, body.as_bytes()).await.unwrap();
        let read = store.get(&bucket, key).await.unwrap();
        assert_eq!(read.as_deref(), Some(body.as_bytes()), "{key}");

        // Stored under exactly that key (not an escaped one), as JSON.
        let head = clients
            .s3
            .head_object()
            .bucket(&bucket)
            .key(key.as_str())
            .send()
            .await
            .unwrap_or_else(|e| panic!("HeadObject {key}: {}", DisplayErrorContext(e)));
        assert_eq!(head.content_type(), Some("application/json"));
    }
    let listed = clients
        .s3
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let mut keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    keys.sort();
    let mut expected = vec![env_key.as_str(), plan_key.as_str()];
    expected.sort();
    assert_eq!(keys, expected);

    // A put replaces the document.
    store.put(&bucket, &env_key, b"{}").await.unwrap();
    assert_eq!(
        store.get(&bucket, &env_key).await.unwrap().as_deref(),
        Some(&b"{}"[..])
    );
    assert_eq!(
        store.uri(&bucket, &env_key),
        format!("s3://{bucket}/{env_key}")
    );
}

#[tokio::test]
async fn a_missing_key_is_none_and_a_missing_bucket_an_error_naming_the_uri() {
    let clients = clients().await;
    let bucket = unique("missing");
    create_bucket(&clients.s3, &region(&clients), &bucket).await;
    let store = S3DocumentStore::new(clients.s3.clone());
    let key = environment_key(ENVIRONMENT, DATASET, HASH);
    assert_eq!(store.get(&bucket, &key).await.unwrap(), None);

    let nowhere = unique("never-created");
    let e = store.get(&nowhere, &key).await.unwrap_err();
    let shown = e.to_string();
    assert_eq!(e.uri, format!("s3://{nowhere}/{key}"));
    assert!(
        shown.starts_with(&format!("s3://{nowhere}/{key}: GetObject failed")),
        "{shown}"
    );
    assert!(shown.contains("NoSuchBucket"), "{shown}");
    let e = store.put(&nowhere, &key, b"{}").await.unwrap_err();
    assert!(e.to_string().contains("PutObject failed"), "{e}");
    if let Ok(secret) = std::env::var("AWS_SECRET_ACCESS_KEY") {
        if secret.len() >= 8 {
            assert!(!shown.contains(&secret) && !e.to_string().contains(&secret));
        }
    }
}

/// With an endpoint given by host name, virtual-hosted addressing would ask for
/// `<bucket>.localhost`: path-style addressing (set by AwsClients) is what makes this work.
#[tokio::test]
async fn an_overridden_endpoint_uses_path_style_addressing() {
    clients().await;
    let by_name = endpoint().replace("127.0.0.1", "localhost");
    let clients = depot_aws::AwsClients::new(&sdk_config(Some(&by_name)).await);
    let bucket = unique("path-style");
    create_bucket(&clients.s3, &region(&clients), &bucket).await;
    let store = S3DocumentStore::new(clients.s3.clone());
    let key = environment_key(ENVIRONMENT, DATASET, HASH);
    store.put(&bucket, &key, b"{\"a\":1}").await.unwrap();
    assert_eq!(
        store.get(&bucket, &key).await.unwrap().as_deref(),
        Some(&b"{\"a\":1}"[..])
    );
}
