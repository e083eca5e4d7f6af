//! World: one test's world. A fresh database, and in moto a bootstrap bucket, an event bus
//! whose every Depot event lands in a "tap" queue the test reads, the runner's FIFO queue, and
//! the secret holding the database credentials. Datasets deploy in asynchronous mode through
//! the same `Deployer` the entity creators and `depot deploy` use, with S3 and EventBridge.

use std::process::Stdio;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::config::Credentials;
use depot_aws::{AwsClients, EventBridgeSink, S3DocumentStore};
use depot_core::Dataset;
use depot_deploy::{DatasetState, DeployOutcome, Deployer, LocationSession, RunPayload};
use depot_postgres::{ConnectOptions, PostgresSession};
use depot_testkit::TestDatabase;
use serde_json::{json, Value};

const HOW: &str = "run `make test` (it starts moto and PostgreSQL), or set AWS_ENDPOINT_URL to \
                   a moto server (`scripts/ensure-moto.sh` prints one)";

/// The dataset every test deploys.
pub const DATASET_ID: &str = "0123456789ab";
pub const NAMESPACE: &str = "runner";
const REGION: &str = "eu-west-1";

pub struct World {
    pub db: TestDatabase,
    pub clients: AwsClients,
    pub sqs: aws_sdk_sqs::Client,
    pub endpoint: String,
    pub bucket: String,
    pub bus_arn: String,
    pub fifo_url: String,
    pub tap_url: String,
    secret_arn: String,
    seen: Mutex<Vec<Value>>,
}

fn unique(what: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("depot-runner-{what}-{}", &id[..12])
}

fn endpoint() -> String {
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!("AWS_ENDPOINT_URL is not set: these tests need a moto server; {HOW}"),
    }
}

pub fn region() -> String {
    std::env::var("AWS_REGION").unwrap_or_else(|_| REGION.to_string())
}

impl World {
    pub async fn new() -> World {
        World::at(endpoint()).await
    }

    /// A world in the moto server at `endpoint`.
    pub async fn at(endpoint: String) -> World {
        let config = depot_aws::config::load_sdk_config_from(
            aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new(region()))
                .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
                .endpoint_url(&endpoint),
        )
        .await
        .expect("the AWS HTTPS client (CA bundle)");
        let clients = AwsClients::new(&config);
        let sqs = aws_sdk_sqs::Client::new(&config);
        let probe = tokio::time::timeout(Duration::from_secs(10), clients.s3.list_buckets().send());
        match probe.await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("moto does not answer at {endpoint}: {e}; {HOW}"),
            Err(_) => panic!("moto does not answer at {endpoint} within 10 s; {HOW}"),
        }
        let db = depot_testkit::fresh_database().await;

        let bucket = unique("bucket");
        let mut create = clients.s3.create_bucket().bucket(&bucket);
        if region() != "us-east-1" {
            use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
            create = create.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region().as_str()))
                    .build(),
            );
        }
        create.send().await.expect("creating the bucket");

        let tap_url = sqs
            .create_queue()
            .queue_name(unique("tap"))
            .send()
            .await
            .expect("creating the tap queue")
            .queue_url
            .unwrap();
        let tap_arn = queue_arn(&sqs, &tap_url).await;
        let fifo_url = sqs
            .create_queue()
            .queue_name(format!("{}.fifo", unique("runs")))
            .attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true")
            .send()
            .await
            .expect("creating the FIFO queue")
            .queue_url
            .unwrap();

        let bus = unique("bus");
        let bus_arn = clients
            .eventbridge
            .create_event_bus()
            .name(&bus)
            .send()
            .await
            .expect("creating the bus")
            .event_bus_arn
            .unwrap();
        let rule = unique("rule");
        clients
            .eventbridge
            .put_rule()
            .name(&rule)
            .event_bus_name(&bus)
            .event_pattern(json!({"source": ["tech.stage.depot"]}).to_string())
            .send()
            .await
            .expect("creating the rule");
        clients
            .eventbridge
            .put_targets()
            .rule(&rule)
            .event_bus_name(&bus)
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id("tap")
                    .arn(tap_arn)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("adding the tap target");

        let config = tokio_postgres::Config::from_str(&db.url).expect("a test URL");
        let secret = json!({
            "username": config.get_user().unwrap_or("postgres"),
            "password": config.get_password().map(|p| String::from_utf8_lossy(p).to_string())            // A trust-auth server (the usual local one) ignores it; a secret must hold one.
            .unwrap_or_else(|| "unused-with-trust-auth".to_string()),
        });
        let secret_arn = clients
            .secrets
            .create_secret()
            .name(unique("secret"))
            .secret_string(secret.to_string())
            .send()
            .await
            .expect("creating the secret")
            .arn
            .unwrap();
        World {
            db,
            clients,
            sqs,
            endpoint,
            bucket,
            bus_arn,
            fifo_url,
            tap_url,
            secret_arn,
            seen: Mutex::new(Vec::new()),
        }
    }

    /// The dataset properties around `package`: asynchronous mode on this world's bus, the
    /// location this world's database, its credentials in the secret.
    pub fn dataset(&self, package: &Value) -> Dataset {
        self.dataset_named(DATASET_ID, "RunnerDogs", NAMESPACE, package)
    }

    /// [`World::dataset`] with another id, alias and namespace: another dataset in the same
    /// location.
    pub fn dataset_named(
        &self,
        id: &str,
        alias: &str,
        namespace: &str,
        package: &Value,
    ) -> Dataset {
        let config = tokio_postgres::Config::from_str(&self.db.url).unwrap();
        let host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
            other => panic!("the test database must be reached over TCP, not {other:?}"),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let properties = json!({
            "environmentId": "e2e404529091ed2",
            "alias": alias,
            "datasetId": id,
            "bootstrapBucket": self.bucket,
            "package": package,
            "location": {"type": "postgres", "name": "test", "host": host, "port": port,
                         "database": self.db.name, "secretArn": self.secret_arn},
            "executor": {"name": "tests"},
            "schemaName": namespace,
            "namingStrategy": "snake_case",
            "migrationOptions": {
                "migrationMode": {"type": "asynchronous", "eventBusArn": self.bus_arn},
                "allowedHazards": ["DELETES_DATA", "TABLE_REWRITE", "BLOCKS_WRITES", "BLOCKS_READS",
                                   "INDEX_BUILD", "VALIDATES_DATA", "NOT_REVERSIBLE"]
            }
        });
        depot_core::properties::parse_dataset(&properties, &depot_aws::ENGINES)
            .unwrap_or_else(|p| panic!("invalid test dataset: {p}"))
    }

    pub async fn session(&self) -> PostgresSession {
        PostgresSession::connect(&ConnectOptions::from_url(&self.db.url).unwrap())
            .await
            .expect("connecting to the test database")
    }

    /// Deploys `dataset` in asynchronous mode, as the entity creator does: the plan goes to S3,
    /// the `migration-plan` event to the bus. Returns the runner payload for the plan.
    pub async fn schedule(&self, dataset: &Dataset) -> RunPayload {
        let documents = S3DocumentStore::new(self.clients.s3.clone());
        let events = EventBridgeSink::new(self.clients.eventbridge.clone());
        let deployer = Deployer {
            documents: &documents,
            events: &events,
            lock_wait: Duration::from_secs(30),
        };
        let mut session = self.session().await;
        let outcome = deployer
            .deploy(&mut session, dataset)
            .await
            .expect("deploying");
        let DeployOutcome::Scheduled { plan_key, .. } = outcome else {
            panic!("an asynchronous deploy schedules its plan, got {outcome:?}")
        };
        RunPayload {
            event_id: Some("test".into()),
            dataset_id: dataset
                .dataset_id
                .clone()
                .expect("test datasets have fixed ids"),
            migration_plan_bucket: self.bucket.clone(),
            migration_plan_prefix: String::new(),
            migration_plan_key: plan_key,
            chain_with_seeding: false,
            first_phase: None,
            last_phase: None,
        }
    }

    /// Deploys `package` and runs its plan with the runner binary: the dataset is then stable
    /// at that version.
    pub async fn deploy_and_run(&self, package: &Value) -> RunPayload {
        let payload = self.schedule(&self.dataset(package)).await;
        let run = self.run_payload(&payload, &[]).await;
        assert!(run.ok(), "running the plan failed: {}", run.stderr);
        payload
    }

    pub async fn state(&self) -> DatasetState {
        let mut session = self.session().await;
        session
            .load_state(DATASET_ID)
            .await
            .unwrap()
            .expect("a state record")
    }

    pub async fn snapshot(&self) -> depot_postgres::SchemaSnapshot {
        depot_postgres::introspect(&self.db.client, NAMESPACE)
            .await
            .unwrap()
    }

    /// Every Depot event sent on this world's bus so far (each read once from the tap queue
    /// and kept).
    pub async fn events(&self) -> Vec<Value> {
        loop {
            let output = self
                .sqs
                .receive_message()
                .queue_url(&self.tap_url)
                .max_number_of_messages(10)
                .send()
                .await
                .expect("reading the tap queue");
            let messages = output.messages.unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            for message in messages {
                let event: Value = serde_json::from_str(message.body().unwrap()).unwrap();
                self.seen.lock().unwrap().push(event);
                self.sqs
                    .delete_message()
                    .queue_url(&self.tap_url)
                    .receipt_handle(message.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
        self.seen.lock().unwrap().clone()
    }

    /// The lifecycle events (`attempted`, `deployed`, `failed`...) sent so far, in order.
    pub async fn lifecycle(&self) -> Vec<String> {
        self.events()
            .await
            .iter()
            .filter(|e| e["detail-type"] == "migration-lifecycle")
            .map(|e| e["detail"]["event"].as_str().unwrap().to_string())
            .collect()
    }

    /// v1 deployed and run, then v2 scheduled: v2's dataset and its `migration-plan` event.
    pub async fn v2_scheduled(&self) -> (Dataset, Value) {
        self.deploy_and_run(&v1()).await;
        let dataset = self.dataset(&v2());
        self.schedule(&dataset).await;
        let event = self
            .plan_events()
            .await
            .pop()
            .expect("a migration-plan event");
        (dataset, event)
    }

    /// The `migration-plan` events sent so far.
    pub async fn plan_events(&self) -> Vec<Value> {
        self.events()
            .await
            .into_iter()
            .filter(|e| e["detail-type"] == "migration-plan")
            .collect()
    }

    /// A `migration-runner` process with this world's AWS settings.
    pub fn runner(&self, args: &[&str]) -> tokio::process::Command {
        self.binary(env!("CARGO_BIN_EXE_migration-runner"), args)
    }

    /// A `migration-forwarder` process with this world's AWS settings.
    pub fn forwarder(&self, args: &[&str]) -> tokio::process::Command {
        self.binary(env!("CARGO_BIN_EXE_migration-forwarder"), args)
    }

    fn binary(&self, path: &str, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(path);
        command
            .args(args)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_REGION", region())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    /// Runs `migration-runner --payload-json PAYLOAD` (plus `extra` arguments) to its end.
    pub async fn run_payload(&self, payload: &RunPayload, extra: &[&str]) -> Run {
        let json = payload_json(payload);
        let mut args = vec!["--payload-json", json.as_str(), "--lock-wait", "60"];
        args.extend_from_slice(extra);
        Run::of(self.runner(&args)).await
    }

    /// Waits until `condition` holds, failing the test after a minute. (The minute bounds a
    /// broken test; nothing here asserts how long anything takes.)
    pub async fn wait_until<F, Fut>(&self, what: &str, mut condition: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        while !condition().await {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "waited a minute for {what}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Holds an ACCESS EXCLUSIVE lock on `table` (in the dataset namespace) until the returned
    /// client commits: a migration touching the table waits behind it.
    pub async fn lock_table(&self, table: &str) -> tokio_postgres::Client {
        let client = self.db.connect().await;
        client
            .batch_execute(&format!(
                "BEGIN; LOCK TABLE {NAMESPACE}.{table} IN ACCESS EXCLUSIVE MODE"
            ))
            .await
            .unwrap();
        client
    }

    /// Depot sessions (other than the test's own) waiting for a lock on a table.
    pub async fn sessions_waiting_for_a_table(&self) -> i64 {
        self.db
            .client
            .query_one(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                 WHERE NOT l.granted AND l.locktype = 'relation' AND a.application_name = 'depot' \
                   AND a.datname = current_database()",
                &[],
            )
            .await
            .unwrap()
            .get(0)
    }

    /// Depot sessions whose last statement tried the dataset lock and that are not inside a
    /// plan: runners polling for a dataset another runner holds. (`pg_try_advisory_lock` is
    /// how Depot waits for a dataset: see depot-postgres's lock.rs.)
    pub async fn sessions_polling_a_dataset_lock(&self) -> i64 {
        self.db
            .client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE application_name = 'depot' AND datname = current_database() \
                   AND query LIKE 'SELECT pg_try_advisory_lock%' AND state = 'idle'",
                &[],
            )
            .await
            .unwrap()
            .get(0)
    }
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("reading the queue ARN")
        .attributes
        .unwrap()
        .remove(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .unwrap()
}

/// A payload as the JSON of SPEC §8.
pub fn payload_json(payload: &RunPayload) -> String {
    json!({
        "eventId": payload.event_id, "datasetId": payload.dataset_id,
        "migrationPlanBucket": payload.migration_plan_bucket,
        "migrationPlanPrefix": payload.migration_plan_prefix,
        "migrationPlanKey": payload.migration_plan_key,
        "chainWithSeeding": payload.chain_with_seeding,
        "firstPhase": payload.first_phase, "lastPhase": payload.last_phase,
    })
    .to_string()
}

/// Run is a finished process: its exit status, its stdout as JSON (Null when not JSON), and
/// its stderr.
#[derive(Debug)]
pub struct Run {
    pub status: std::process::ExitStatus,
    pub output: Value,
    pub stderr: String,
}

impl Run {
    pub async fn of(mut command: tokio::process::Command) -> Run {
        let output = command.output().await.expect("starting the binary");
        Run::from_output(output)
    }

    pub fn from_output(output: std::process::Output) -> Run {
        Run {
            status: output.status,
            output: serde_json::from_slice(&output.stdout).unwrap_or(Value::Null),
            stderr: String::from_utf8_lossy(&output.stderr).to_string(),
        }
    }

    pub fn ok(&self) -> bool {
        self.status.success()
    }

    /// The one-line reason the binary gave for failing.
    pub fn error_line(&self) -> String {
        self.stderr
            .lines()
            .find(|l| l.starts_with("migration-runner: error:"))
            .unwrap_or_else(|| panic!("no error line in stderr:\n{}", self.stderr))
            .to_string()
    }
}

/// A package: `Dog` with `fields` (an `id` bigint key is added).
pub fn dogs(version: &str, fields: Value) -> Value {
    let mut all = json!({"id": {"type": "bigint"}});
    all.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    json!({"name": "dogs", "version": version, "schemas": {
        "Dog": {"kind": "object", "fields": all, "primaryKey": ["id"]}
    }})
}

/// Version 1: dogs with a name.
pub fn v1() -> Value {
    dogs(
        "1",
        json!({"name": {"type": "string", "maxLength": 200, "nullable": true}}),
    )
}

/// Version 2: a new table (a first phase that leaves `dog` alone), then a NOT NULL column
/// with a default, an index, a view: later phases that touch the `dog` table.
pub fn v2() -> Value {
    let mut package = dogs(
        "2",
        json!({"name": {"type": "string", "maxLength": 200, "nullable": true},
               "vaccinated": {"type": "boolean", "default": false}}),
    );
    package["schemas"]["Dog"]["indexes"] = json!([{"name": "byName", "fields": ["name"]}]);
    package["schemas"]["Owner"] = json!({"kind": "object", "primaryKey": ["id"],
        "fields": {"id": {"type": "bigint"}, "name": {"type": "string"}}});
    package["schemas"]["VaccinatedDog"] =
        json!({"kind": "view", "query": "SELECT id, name FROM Dog WHERE vaccinated"});
    package
}

/// Inserts `n` dogs.
pub async fn insert_dogs(world: &World, n: i64) {
    world
        .db
        .client
        .execute(
            &format!("INSERT INTO {NAMESPACE}.dog (id, name) SELECT i, 'dog ' || i FROM generate_series(1, $1::bigint) AS i"),
            &[&n],
        )
        .await
        .unwrap();
}

/// Every dog's id and name, in id order.
pub async fn dogs_rows(world: &World) -> Vec<(i64, Option<String>)> {
    world
        .db
        .client
        .query(
            &format!("SELECT id, name FROM {NAMESPACE}.dog ORDER BY id"),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}
