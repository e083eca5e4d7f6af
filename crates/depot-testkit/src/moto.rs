//! The moto server the tests talk to (AWS APIs: S3, EventBridge, SQS, Secrets Manager), unique
//! names for what each test creates, and a way to read events back (a rule into an SQS queue).

use std::time::{Duration, Instant};

use aws_sdk_eventbridge::types::{SqsParameters, Target};
use aws_sdk_sqs::types::QueueAttributeName;
use depot_deploy::events::SOURCE;
use serde_json::{json, Value};

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
    load_sdk_config_from(loader)
        .await
        .expect("the AWS HTTPS client (CA bundle)")
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
    format!("depot-{what}-{}", &id[..12])
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

/// A FIFO queue, and a rule on `bus` that sends it Depot's events whose `detail.<detail_field>`
/// is `value` (e.g. `datasetId`: other tests share the bus).
/// Returns the queue URL.
pub async fn route_to_queue(
    clients: &AwsClients,
    sqs: &aws_sdk_sqs::Client,
    bus: &str,
    detail_field: &str,
    value: &str,
) -> String {
    let queue = sqs
        .create_queue()
        .queue_name(format!("{}.fifo", unique("queue")))
        .attributes(QueueAttributeName::FifoQueue, "true")
        .attributes(QueueAttributeName::ContentBasedDeduplication, "true")
        .send()
        .await
        .expect("CreateQueue");
    let queue_url = queue.queue_url().expect("a queue URL").to_string();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("GetQueueAttributes");
    let queue_arn = attributes
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .expect("a queue ARN")
        .clone();

    let rule = unique("rule");
    let pattern = json!({ "source": [SOURCE], "detail": { detail_field: [value] } });
    clients
        .eventbridge
        .put_rule()
        .name(&rule)
        .event_bus_name(bus)
        .event_pattern(pattern.to_string())
        .send()
        .await
        .expect("PutRule");
    let target = Target::builder()
        .id("depot-queue")
        .arn(queue_arn)
        .sqs_parameters(SqsParameters::builder().message_group_id("depot").build())
        .build()
        .expect("a target");
    let put = clients
        .eventbridge
        .put_targets()
        .rule(&rule)
        .event_bus_name(bus)
        .targets(target)
        .send()
        .await
        .expect("PutTargets");
    assert_eq!(put.failed_entry_count(), 0, "{put:?}");
    queue_url
}

/// The events that arrive on the queue within 15 s, until `count` have (fails the test if fewer
/// arrive; see [`receive_all`] to count what arrives).
pub async fn receive(sqs: &aws_sdk_sqs::Client, queue_url: &str, count: usize) -> Vec<Value> {
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    while events.len() < count && Instant::now() < deadline {
        let out = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("ReceiveMessage");
        for message in out.messages() {
            let body = message.body().expect("a message body");
            events.push(serde_json::from_str(body).expect("the message is the event's JSON"));
        }
    }
    assert_eq!(events.len(), count, "events received: {events:#?}");
    events
}

/// Every event that arrives on the queue until it stays empty for `quiet`: to check that no
/// event beyond the expected ones was sent.
pub async fn receive_all(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    quiet: Duration,
) -> Vec<Value> {
    let mut events = Vec::new();
    let mut last = Instant::now();
    while last.elapsed() < quiet {
        let out = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("ReceiveMessage");
        for message in out.messages() {
            let body = message.body().expect("a message body");
            events.push(serde_json::from_str(body).expect("the message is the event's JSON"));
            last = Instant::now();
            // A FIFO queue holds back the rest of a message group while one is in flight.
            if let Some(handle) = message.receipt_handle() {
                sqs.delete_message()
                    .queue_url(queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .expect("DeleteMessage");
            }
        }
    }
    events
}

/// An SQS client on the same configuration.
pub fn sqs_client(config: &aws_config::SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(config)
}
