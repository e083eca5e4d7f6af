//! Support for the tests against the fakesnow emulator: its endpoint, a fresh database per
//! test (fakesnow shares one in-memory store between sessions), sessions with the emulator
//! shim, standard dataset properties, local documents and events.

use std::time::Duration;

use depot_core::engine::Engines;
use depot_core::properties::parse_dataset;
use depot_core::Dataset;
use depot_deploy::{Deployer, LocalDocumentStore, LocalEventLog};
use depot_snowflake::{
    Credentials, EmulatorShim, SessionOptions, SnowflakeDialect, SnowflakeLocation,
    SnowflakeSession,
};
use serde_json::{json, Value};

/// The engines a test dataset may live on: Snowflake only.
pub const ENGINES: Engines<'static> = Engines::new(&[&SnowflakeDialect]);

/// The namespace every test dataset deploys into (lowercase: quoted, kept as given).
pub const NAMESPACE: &str = "pairs";
/// The fixed dataset id of test datasets.
pub const DATASET_ID: &str = "0123456789ab";

/// The emulator's endpoint: FAKESNOW_ENDPOINT (what `make test` passes), else fakesnow's port of
/// scripts/ensure-fakesnow.sh.
pub fn endpoint() -> String {
    std::env::var("FAKESNOW_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:5056".to_string())
}

/// Env is one test's world: its own database in the emulator, its own documents and events.
pub struct Env {
    pub database: String,
    pub shim: EmulatorShim,
    /// Holds the local documents and events; removed when the test ends.
    _state_dir: tempfile::TempDir,
    pub documents: LocalDocumentStore,
    pub events: LocalEventLog,
}

impl Env {
    pub fn new() -> Env {
        let database = format!(
            "DEPOT_T_{}",
            uuid::Uuid::new_v4().simple().to_string().to_uppercase()
        );
        let state_dir = tempfile::tempdir().expect("a temporary folder");
        Env {
            database,
            shim: EmulatorShim::new(),
            documents: LocalDocumentStore::new(state_dir.path()),
            events: LocalEventLog::new(state_dir.path().join("events.jsonl")),
            _state_dir: state_dir,
        }
    }

    pub fn location(&self) -> SnowflakeLocation {
        SnowflakeLocation {
            name: "emulator".to_string(),
            account: "depot".to_string(),
            database: self.database.clone(),
            warehouse: Some("COMPUTE_WH".to_string()),
            role: Some("DEPOT_MIGRATOR".to_string()),
            user: Some("DEPOT".to_string()),
            endpoint: Some(endpoint()),
            secret_arn: None,
        }
    }

    /// Session options for the emulator: the shim, and short timeouts (fakesnow can hang).
    pub fn options(&self) -> SessionOptions {
        SessionOptions {
            call_timeout: Duration::from_secs(30),
            lease_ttl: Duration::from_secs(60),
            emulator: Some(self.shim.clone()),
            ..SessionOptions::default()
        }
    }

    /// A new session on the test database. Fails, saying how to start the emulator, when it
    /// does not answer: tests never skip.
    pub async fn session(&self) -> SnowflakeSession {
        self.session_with(self.options()).await
    }

    pub async fn session_with(&self, options: SessionOptions) -> SnowflakeSession {
        let credentials = Credentials::password("emulator");
        SnowflakeSession::connect(&self.location(), &credentials, options)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "no fakesnow at {} ({e}): run scripts/ensure-fakesnow.sh and set \
                     FAKESNOW_ENDPOINT to what it prints (make test does both)",
                    endpoint()
                )
            })
    }

    pub fn deployer(&self) -> Deployer<'_> {
        Deployer {
            documents: &self.documents,
            events: &self.events,
            lock_wait: Duration::from_secs(10),
        }
    }

    /// Standard dataset properties around `package` in this test's database.
    pub fn properties(&self, package: &Value) -> Value {
        let location = self.location();
        json!({
            "environmentId": "e2e404529091ed2",
            "alias": "Pairs",
            "datasetId": DATASET_ID,
            "bootstrapBucket": "sdp-bootstrap-test",
            "package": package,
            "location": {"type": "snowflake", "name": location.name, "account": location.account,
                         "database": location.database, "warehouse": location.warehouse,
                         "role": location.role, "user": location.user,
                         "endpoint": location.endpoint},
            "executor": {"name": "tests"},
            "schemaName": NAMESPACE,
            "migrationOptions": {
                "migrationMode": {"type": "synchronous"},
                "allowedHazards": ["DELETES_DATA", "TABLE_REWRITE", "BLOCKS_WRITES", "BLOCKS_READS",
                                   "INDEX_BUILD", "VALIDATES_DATA", "NOT_REVERSIBLE", "NARROWS_TYPE"]
            }
        })
    }

    pub fn dataset(&self, package: &Value) -> Dataset {
        let d = parse_dataset(&self.properties(package), &ENGINES)
            .unwrap_or_else(|p| panic!("invalid test dataset: {p}"));
        assert!(SnowflakeLocation::from_location(&d.config.location).is_ok());
        d
    }

    /// Every event logged so far, oldest first.
    pub fn events(&self) -> Vec<Value> {
        match std::fs::read_to_string(self.events.path()) {
            Ok(text) => text
                .lines()
                .map(|l| serde_json::from_str(l).expect("an event per line"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// A small package: one table with a key, a plain index, and a view.
pub fn dogs(version: &str, extra_field: bool) -> Value {
    let mut fields = json!({
        "id": {"type": "uuid"},
        "name": {"type": "string", "maxLength": 100},
        "birthDate": {"type": "date", "nullable": true}
    });
    if extra_field {
        fields["weightKg"] =
            json!({"type": "decimal", "precision": 6, "scale": 2, "nullable": true});
    }
    json!({
        "name": "dogs", "version": version,
        "schemas": {
            "Dog": {"kind": "object", "fields": fields, "primaryKey": ["id"],
                    "indexes": [{"name": "byName", "fields": ["name"]}]},
            "NamedDog": {"kind": "view", "query": "SELECT id, name FROM Dog"}
        }
    })
}
