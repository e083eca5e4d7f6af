//! One test's world: a fresh PostgreSQL database, a bootstrap bucket, a secret with the
//! database credentials (RDS's JSON shape), an event bus whose events a rule copies into a
//! queue, and an entity creator wired to them, as the Lambda builds it.

use std::str::FromStr;
use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use depot_aws::{AwsClients, ConnectSettings};
use depot_lambda::entity_creator::EntityCreator;
use depot_lambda::handler::RequestHandler;
use depot_lambda::invocation::{now_ms, Invocation, Returned, Supervisor};
use depot_lambda::{Engine, PostgresEngine};
use depot_testkit::moto::{self, create_bucket, receive_all, route_to_queue, sqs_client, unique};
use depot_testkit::{fresh_database, TestDatabase};
use serde_json::{json, Value};

pub struct World {
    pub db: TestDatabase,
    pub clients: AwsClients,
    pub sqs: aws_sdk_sqs::Client,
    pub bucket: String,
    pub environment_id: String,
    pub secret_arn: String,
    /// A password that must never appear in a log, event, plan or document.
    pub password: String,
    pub bus_arn: String,
    pub queue_url: String,
    host: String,
    port: u16,
}

impl World {
    pub async fn new() -> World {
        let db = fresh_database().await;
        let clients = moto::clients().await;
        let config = moto::sdk_config(None).await;
        let sqs = sqs_client(&config);
        let region = moto::region(&clients);
        let bucket = unique("bootstrap");
        create_bucket(&clients.s3, &region, &bucket).await;
        let environment_id = uuid::Uuid::new_v4().simple().to_string()[..15].to_string();

        let pg = tokio_postgres::Config::from_str(&db.url).expect("a database URL");
        let host = match pg.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            _ => "127.0.0.1".to_string(),
        };
        let port = pg.get_ports().first().copied().unwrap_or(5432);
        let user = pg.get_user().unwrap_or("postgres").to_string();
        let password = match pg.get_password() {
            Some(p) => String::from_utf8_lossy(p).to_string(),
            // Trust auth ignores it; it still travels through the secret and must stay hidden.
            None => format!("pw-{}", uuid::Uuid::new_v4().simple()),
        };
        let secret = json!({"username": user, "password": password, "engine": "postgres",
                            "host": host, "port": port, "dbname": db.name});
        let secret_arn = clients
            .secrets
            .create_secret()
            .name(unique("secret"))
            .secret_string(secret.to_string())
            .send()
            .await
            .expect("CreateSecret")
            .arn()
            .expect("an ARN")
            .to_string();

        let bus = unique("bus");
        let bus_arn = clients
            .eventbridge
            .create_event_bus()
            .name(&bus)
            .send()
            .await
            .expect("CreateEventBus")
            .event_bus_arn()
            .expect("a bus ARN")
            .to_string();
        let queue_url =
            route_to_queue(&clients, &sqs, &bus, "environmentId", &environment_id).await;
        World {
            db,
            clients,
            sqs,
            bucket,
            environment_id,
            secret_arn,
            password,
            bus_arn,
            queue_url,
            host,
            port,
        }
    }

    /// The entity creator the aurora function builds, on this world's clients.
    pub fn supervisor(&self) -> Supervisor<EntityCreator> {
        self.supervisor_for(Box::new(PostgresEngine))
    }

    pub fn supervisor_for(&self, engine: Box<dyn Engine>) -> Supervisor<EntityCreator> {
        let mut creator =
            EntityCreator::new(engine, self.clients.clone(), ConnectSettings::default());
        creator.lock_wait = Duration::from_secs(5);
        Supervisor::new(creator, self.clients.s3.clone())
    }

    /// Dataset properties as CloudFormation sends them: every scalar a string.
    pub fn properties(&self, alias: &str, package: Value, mode: &str) -> Value {
        json!({
            "ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:entity-creator-aurora",
            "environmentId": self.environment_id,
            "alias": alias,
            "bootstrapBucket": self.bucket,
            "package": package,
            "location": {
                "type": "postgres", "name": "main",
                "host": self.host, "port": self.port.to_string(), "database": self.db.name,
                "secretArn": self.secret_arn
            },
            "executor": {"name": "migrations"},
            "schemaName": format!("ds_{}", alias.to_lowercase()),
            "migrationOptions": {
                "migrationMode": {"type": mode, "eventBusArn": self.bus_arn},
                "triggerSeeding": "false",
                "allowedHazards": ["INDEX_BUILD", "DELETES_DATA"]
            }
        })
    }

    /// A presigned PUT URL in the bootstrap bucket, standing for CloudFormation's ResponseURL.
    pub async fn response_url(&self) -> (String, String) {
        let key = format!("cfn-responses/{}", uuid::Uuid::new_v4());
        let presigned = self
            .clients
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .presigned(PresigningConfig::expires_in(Duration::from_secs(3600)).unwrap())
            .await
            .expect("a presigned URL");
        (presigned.uri().to_string(), key)
    }

    /// The CloudFormation response PUT under `key`.
    pub async fn response(&self, key: &str) -> Value {
        let object = self
            .clients
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("no CloudFormation response at {key}: {e:?}"));
        let body = object.body.collect().await.unwrap().into_bytes();
        assert!(
            body.len() <= 4096,
            "response over 4,096 bytes: {}",
            body.len()
        );
        serde_json::from_slice(&body).expect("the response is JSON")
    }

    /// Every event sent so far (waits until none arrives for 3 s).
    pub async fn events(&self) -> Vec<Value> {
        receive_all(&self.sqs, &self.queue_url, Duration::from_secs(3)).await
    }

    /// Keys under a prefix of the bootstrap bucket.
    pub async fn keys(&self, prefix: &str) -> Vec<String> {
        let out = self
            .clients
            .s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .send()
            .await
            .expect("ListObjectsV2");
        out.contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect()
    }

    /// Every object in the bootstrap bucket, as text (to look for secrets).
    pub async fn all_documents(&self) -> String {
        let mut text = String::new();
        for key in self.keys("").await {
            let object = self
                .clients
                .s3
                .get_object()
                .bucket(&self.bucket)
                .key(&key)
                .send()
                .await
                .unwrap();
            let body = object.body.collect().await.unwrap().into_bytes();
            text.push_str(&String::from_utf8_lossy(&body));
        }
        text
    }
}

/// A CloudFormation request.
pub fn cfn_request(kind: &str, url: &str, properties: Value) -> Value {
    json!({
        "RequestType": kind,
        "RequestId": uuid::Uuid::new_v4().to_string(),
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/depot-test/8d1f",
        "ResourceType": "Custom::DepotDataset",
        "LogicalResourceId": "Dogs",
        "ResourceProperties": properties,
    })
}

/// An invocation with `seconds` left before the Lambda deadline.
pub fn invocation(seconds: u64) -> Invocation {
    Invocation {
        deadline_ms: now_ms() + seconds * 1000,
        log_stream: "2026/11/22/[$LATEST]0123456789abcdef".to_string(),
        invocation_id: uuid::Uuid::new_v4().to_string(),
    }
}

/// Invokes the supervisor with 5 minutes to go.
pub async fn invoke<H: RequestHandler>(supervisor: &Supervisor<H>, event: Value) -> Returned {
    supervisor.invoke(event, &invocation(300)).await
}

pub fn package_v1() -> Value {
    json!({
        "name": "dogs", "version": "1.0.0",
        "schemas": {
            "Dog": {"kind": "object",
                    "fields": {"id": {"type": "uuid"}, "name": {"type": "string", "maxLength": 100}},
                    "primaryKey": ["id"]}
        }
    })
}

pub fn package_v2() -> Value {
    json!({
        "name": "dogs", "version": "2.0.0",
        "schemas": {
            "Dog": {"kind": "object",
                    "fields": {"id": {"type": "uuid"}, "name": {"type": "string", "maxLength": 100},
                               "birthDate": {"type": "date", "nullable": true}},
                    "primaryKey": ["id"],
                    "indexes": [{"name": "byName", "fields": ["name"]}]},
            "NamedDog": {"kind": "view", "query": "SELECT id, name FROM Dog"}
        }
    })
}

/// The `event` field of each lifecycle event and the responsibility of each plan event, in order.
pub fn event_kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e["detail-type"].as_str() {
            Some("migration-lifecycle") => e["detail"]["event"].as_str().unwrap_or("?").to_string(),
            Some("migration-plan") => format!(
                "plan:{}",
                e["detail"]["executionResponsibility"]
                    .as_str()
                    .unwrap_or("?")
            ),
            other => format!("{other:?}"),
        })
        .collect()
}

pub fn assert_ms_left(deadline_ms: u64) {
    assert!(now_ms() < deadline_ms, "answered after the deadline");
}
