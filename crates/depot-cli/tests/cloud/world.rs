//! One test's cloud environment, set up as the entity creator leaves it: a fresh PostgreSQL
//! database, a bootstrap bucket in moto named by the environment's SSM parameter, a secret
//! holding the database credentials (RDS's JSON shape), and datasets deployed through the
//! library with their environment documents in the bucket. The real `depot` binary then runs
//! against it with AWS_ENDPOINT_URL pointing at moto.

use std::process::Command;
use std::str::FromStr;
use std::time::Duration;

use depot_aws::{open_session, AwsClients, ConnectSettings, S3DocumentStore};
use depot_core::document::environment_key;
use depot_deploy::{DeployOutcome, Deployer, LocalEventLog};
use depot_testkit::moto::{self, create_bucket, unique};
use depot_testkit::{fresh_database, TestDatabase};
use serde_json::{json, Value};

/// Output is one run of `depot`.
#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn ok(self) -> Output {
        assert_eq!(
            self.code,
            Some(0),
            "depot failed:\n{}\n{}",
            self.stderr,
            self.stdout
        );
        self
    }

    /// A failure: non-zero exit, nothing on stdout, and the reason on one `depot: error:` line.
    pub fn failed(self) -> Output {
        assert_ne!(self.code, Some(0), "depot succeeded:\n{}", self.stdout);
        assert!(self.code.is_some(), "depot was killed:\n{}", self.stderr);
        assert_eq!(self.stdout, "", "a failure printed on stdout");
        let reasons: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("depot: error: "))
            .collect();
        assert_eq!(
            reasons.len(),
            1,
            "one reason line on stderr:\n{}",
            self.stderr
        );
        self
    }

    /// The reason line of a failure.
    pub fn reason(&self) -> &str {
        self.stderr
            .lines()
            .find(|l| l.starts_with("depot: error: "))
            .expect("a reason line")
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

pub struct World {
    pub db: TestDatabase,
    pub clients: AwsClients,
    pub config: aws_config::SdkConfig,
    pub bucket: String,
    pub environment_id: String,
    pub secret_arn: String,
    /// The database password in the secret: it must never appear in any output.
    pub password: String,
    host: String,
    port: u16,
    scratch: tempfile::TempDir,
}

/// A fresh environment id (15 lowercase hex characters).
pub fn new_environment_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..15].to_string()
}

impl World {
    pub async fn new() -> World {
        let db = fresh_database().await;
        let clients = moto::clients().await;
        let config = moto::sdk_config(None).await;
        let region = moto::region(&clients);
        let bucket = unique("bootstrap");
        create_bucket(&clients.s3, &region, &bucket).await;
        let environment_id = new_environment_id();
        aws_sdk_ssm::Client::new(&config)
            .put_parameter()
            .name(format!("/depot/{environment_id}/bootstrap-bucket"))
            .value(&bucket)
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .send()
            .await
            .expect("PutParameter");

        let pg = tokio_postgres_config(&db.url);
        let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
        let secret = json!({"username": pg.user, "password": password, "engine": "postgres",
                            "host": pg.host, "port": pg.port, "dbname": db.name});
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
        World {
            db,
            clients,
            config,
            bucket,
            environment_id,
            secret_arn,
            password,
            host: pg.host,
            port: pg.port,
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    /// Dataset properties of this environment, located in this world's database through the
    /// secret.
    pub fn properties(&self, alias: &str, package: Value, mode: &str) -> Value {
        json!({
            "environmentId": self.environment_id,
            "alias": alias,
            "bootstrapBucket": self.bucket,
            "package": package,
            "location": {
                "type": "postgres", "name": "main",
                "host": self.host, "port": self.port, "database": self.db.name,
                "secretArn": self.secret_arn
            },
            "executor": {"name": "migrations"},
            "schemaName": format!("ds_{}", alias.to_lowercase()),
            "migrationOptions": {"migrationMode": {"type": mode}, "allowedHazards": ["DELETES_DATA"]}
        })
    }

    /// Deploys a dataset as the entity creator does: documents to the bucket, the session
    /// opened with the secret.
    pub async fn deploy(&self, properties: &Value) -> DeployOutcome {
        self.try_deploy(properties)
            .await
            .expect("the deploy succeeds")
    }

    /// Like [`World::deploy`], for a deploy that may fail.
    pub async fn try_deploy(
        &self,
        properties: &Value,
    ) -> Result<DeployOutcome, depot_deploy::DeployError> {
        let dataset = depot_core::properties::parse_dataset(properties, &depot_aws::ENGINES)
            .expect("valid properties");
        let documents = S3DocumentStore::new(self.clients.s3.clone());
        let events = LocalEventLog::new(self.scratch.path().join("events.jsonl"));
        let deployer = Deployer {
            documents: &documents,
            events: &events,
            lock_wait: Duration::from_secs(5),
        };
        let mut session = open_session(
            &dataset.config,
            &self.clients.secrets,
            &ConnectSettings::default(),
        )
        .await
        .expect("the secret opens the location");
        deployer.deploy(session.as_mut(), &dataset).await
    }

    /// The stored environment document of a version.
    pub async fn document(&self, dataset_id: &str, hash: &str) -> Value {
        let key = environment_key(&self.environment_id, dataset_id, hash);
        let object = self
            .clients
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("no document {key}: {e:?}"));
        serde_json::from_slice(&object.body.collect().await.unwrap().into_bytes()).unwrap()
    }

    /// Stores `document` as the environment document of another dataset `dataset_id` (for
    /// datasets whose location cannot be reached: no deploy could make them).
    pub async fn put_document(&self, dataset_id: &str, mut document: Value) {
        document["datasetId"] = json!(dataset_id);
        let hash = document["datasetVersionHash"].as_str().unwrap().to_string();
        let key = environment_key(&self.environment_id, dataset_id, &hash);
        self.clients
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .body(document.to_string().into_bytes().into())
            .send()
            .await
            .expect("PutObject");
    }

    pub fn write(&self, name: &str, value: &Value) -> String {
        self.write_text(name, &serde_json::to_string_pretty(value).unwrap())
    }

    pub fn write_text(&self, name: &str, text: &str) -> String {
        let path = self.scratch.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    /// Runs `depot` against moto (the test's AWS_ENDPOINT_URL and keys), with no database URL,
    /// profile or Depot setting inherited. No output may hold the secret's password.
    pub fn depot(&self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_depot"))
            .args(args)
            .current_dir(self.scratch.path())
            .env_remove("DATABASE_URL")
            .env_remove("DEPOT_STATE_DIR")
            .env_remove("PGPASSWORD")
            .env_remove("AWS_PROFILE")
            .env_remove("DEPOT_LOG")
            .env("AWS_ENDPOINT_URL", moto::endpoint())
            .env("DEPOT_CONNECT_TIMEOUT_SECS", "5")
            .output()
            .expect("running the depot binary");
        let out = Output {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
            stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
        };
        assert!(
            !out.stdout.contains(&self.password) && !out.stderr.contains(&self.password),
            "the secret's password reached depot's output:\n{}\n{}",
            out.stdout,
            out.stderr
        );
        out
    }

    /// Rows of a query, each as text columns.
    pub async fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        self.db
            .client
            .query(sql, &[])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .iter()
            .map(|row| (0..row.len()).map(|i| row.get::<_, String>(i)).collect())
            .collect()
    }
}

struct PgTarget {
    host: String,
    port: u16,
    user: String,
}

fn tokio_postgres_config(url: &str) -> PgTarget {
    let pg = tokio_postgres::Config::from_str(url).expect("a database URL");
    PgTarget {
        host: match pg.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            _ => "127.0.0.1".to_string(),
        },
        port: pg.get_ports().first().copied().unwrap_or(5432),
        user: pg.get_user().unwrap_or("postgres").to_string(),
    }
}

/// A package with seed rows (`Breed`), version `version`.
pub fn breeds(version: &str) -> Value {
    json!({
        "name": "breeds", "version": version,
        "schemas": {"Breed": {"kind": "object", "primaryKey": ["id"], "fields": {
            "id": {"type": "integer"}, "breedName": {"type": "string"}}}},
        "seeds": {"Breed": [
            {"id": 1, "breedName": "Otterhound"},
            {"id": 2, "breedName": "Labrador"}]}
    })
}
