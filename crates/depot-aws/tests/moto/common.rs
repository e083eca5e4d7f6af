//! The moto server the tests talk to, and unique names for what each test creates.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::error::DisplayErrorContext;
use depot_aws::config::load_sdk_config_from;
use depot_aws::AwsClients;

const HOW: &str = "run `make test` (it starts moto via scripts/ensure-moto.sh), or set \
                   AWS_ENDPOINT_URL to a moto server (`scripts/ensure-moto.sh` prints one)";

/// The endpoint the tests use: AWS_ENDPOINT_URL. Tests never run against real AWS.
pub fn endpoint() -> String {
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!("AWS_ENDPOINT_URL is not set: these tests need a moto server; {HOW}"),
    }
}

/// The SDK configuration of the tests: the standard one (AWS_ENDPOINT_URL, AWS_REGION,
/// credentials from the environment), with fixed test values where the environment has none.
pub async fn sdk_config(endpoint_override: Option<&str>) -> aws_config::SdkConfig {
    endpoint();
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if std::env::var_os("AWS_REGION").is_none() && std::env::var_os("AWS_DEFAULT_REGION").is_none()
    {
        loader = loader.region(Region::new("eu-west-1"));
    }
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
        loader = loader.credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "depot-aws tests",
        ));
    }
    if let Some(url) = endpoint_override {
        loader = loader.endpoint_url(url);
    }
    load_sdk_config_from(loader).await
}

/// Clients for the moto server; panics (fails the test) when it does not answer.
pub async fn clients() -> AwsClients {
    let clients = AwsClients::new(&sdk_config(None).await);
    let probe = tokio::time::timeout(Duration::from_secs(10), clients.s3.list_buckets().send());
    match probe.await {
        Ok(Ok(_)) => clients,
        Ok(Err(e)) => panic!(
            "moto does not answer at {}: {}; {HOW}",
            endpoint(),
            DisplayErrorContext(e)
        ),
        Err(_) => panic!("moto does not answer at {} within 10 s; {HOW}", endpoint()),
    }
}

/// A name no other test (nor an earlier run against the same server) uses: lowercase letters,
/// digits and hyphens, valid for S3 buckets, event buses, rules and queues.
pub fn unique(what: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("depot-aws-{what}-{}", &id[..12])
}

/// The region the clients use.
pub fn region(clients: &AwsClients) -> String {
    clients
        .s3
        .config()
        .region()
        .map(|r| r.to_string())
        .expect("a region")
}

/// Creates a bucket in the clients' region.
pub async fn create_bucket(s3: &aws_sdk_s3::Client, region: &str, bucket: &str) {
    use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
    let mut request = s3.create_bucket().bucket(bucket);
    if region != "us-east-1" {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build(),
        );
    }
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("creating bucket {bucket}: {}", DisplayErrorContext(e)));
}
