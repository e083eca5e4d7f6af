//! snowflake-bench: deploys a 200-table package to Snowflake (the fakesnow emulator) with 100 ms
//! of latency added to every HTTP request, once running one statement at a time and once with
//! the phase's independent steps running concurrently, and prints round trips, wall time and
//! the ratio. The latency sits before the emulator shim, so waits overlap while fakesnow (which
//! takes one call per session at a time) still runs statements one by one.
//!
//! `make bench-snowflake` starts fakesnow and runs it; FAKESNOW_ENDPOINT names the emulator.

// The allocator of the `depot` binary (crates/depot-cli/src/main.rs), so that the figures are
// its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use depot_core::properties::parse_dataset;
use depot_deploy::{DeployOutcome, Deployer, LocalDocumentStore, LocalEventLog};
use depot_snowflake::{
    Credentials, EmulatorShim, SessionOptions, SnowflakeLocation, SnowflakeSession,
};
use http::Extensions;
use reqwest_middleware::{Middleware, Next};
use serde_json::{json, Map, Value};

const TABLES: usize = 200;
const LATENCY: Duration = Duration::from_millis(100);
const CONCURRENCY: usize = 16;

/// Latency delays every request, as a distant Snowflake region would.
struct Latency(Duration);

#[async_trait::async_trait]
impl Middleware for Latency {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        tokio::time::sleep(self.0).await;
        next.run(req, extensions).await
    }
}

fn package() -> Value {
    let mut schemas = Map::new();
    for i in 0..TABLES {
        schemas.insert(
            format!("Entity{i:05}"),
            json!({"kind": "object", "primaryKey": ["id"], "fields": {
                "id": {"type": "uuid"}, "name": {"type": "string", "maxLength": 200},
                "amount": {"type": "decimal", "precision": 12, "scale": 2, "nullable": true},
                "createdAt": {"type": "timestamptz"}, "active": {"type": "boolean", "default": true}
            }}),
        );
    }
    json!({"name": "bench", "version": "1.0.0", "schemas": schemas})
}

struct Measure {
    wall: Duration,
    round_trips: usize,
    steps: usize,
}

async fn deploy(endpoint: &str, concurrency: usize, latency: Duration) -> Measure {
    let database = format!("DEPOT_BENCH_{}", uuid::Uuid::new_v4().simple()).to_uppercase();
    let properties = json!({
        "environmentId": "e2e404529091ed2", "alias": "Bench", "datasetId": "be0000000001",
        "bootstrapBucket": "sdp-bootstrap-bench", "package": package(),
        "location": {"type": "snowflake", "name": "bench", "account": "depot", "database": database,
                     "user": "DEPOT", "endpoint": endpoint},
        "executor": {"name": "bench"}, "schemaName": "bench",
    });
    let dataset = parse_dataset(&properties, &depot_bench::ENGINES).expect("a valid bench dataset");
    let location =
        SnowflakeLocation::from_location(&dataset.config.location).expect("a snowflake location");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let documents = LocalDocumentStore::new(dir.path());
    let events = LocalEventLog::new(dir.path().join("events.jsonl"));
    let deployer = Deployer {
        documents: &documents,
        events: &events,
        lock_wait: Duration::from_secs(30),
    };
    let credentials = Credentials::password("bench");
    let options = SessionOptions {
        concurrency,
        call_timeout: Duration::from_secs(60),
        middlewares: vec![Arc::new(Latency(latency))],
        emulator: Some(EmulatorShim::new()),
        ..SessionOptions::default()
    };
    let started = Instant::now();
    let mut session = SnowflakeSession::connect(&location, &credentials, options)
        .await
        .unwrap_or_else(|e| {
            panic!("no fakesnow at {endpoint}: {e} (run scripts/ensure-fakesnow.sh)")
        });
    let outcome = deployer
        .deploy(&mut session, &dataset)
        .await
        .unwrap_or_else(|e| panic!("the deploy failed: {e}"));
    let wall = started.elapsed();
    let DeployOutcome::Deployed { report, .. } = outcome else {
        panic!("expected a synchronous deploy")
    };
    Measure {
        wall,
        round_trips: session.round_trips(),
        steps: report.steps_run,
    }
}

#[tokio::main]
async fn main() {
    let endpoint =
        std::env::var("FAKESNOW_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:5056".to_string());
    println!(
        "Deploying {TABLES} tables to fakesnow at {endpoint}, {} ms added to every request",
        LATENCY.as_millis()
    );
    let sequential = deploy(&endpoint, 1, LATENCY).await;
    let concurrent = deploy(&endpoint, CONCURRENCY, LATENCY).await;
    // The emulator runs one statement of a session at a time: its own time, without the added
    // latency, is the floor no client-side concurrency can go below.
    let floor = deploy(&endpoint, CONCURRENCY, Duration::ZERO).await;
    for (name, m) in [
        ("one statement at a time", &sequential),
        (&*format!("concurrent (at most {CONCURRENCY})"), &concurrent),
        ("emulator alone, no latency", &floor),
    ] {
        println!(
            "{name:<28} steps {:>4}  round trips {:>5}  wall {:>7.2} s",
            m.steps,
            m.round_trips,
            m.wall.as_secs_f64()
        );
    }
    println!(
        "speedup: {:.1}x (target: at least 5x); of the time the added latency costs, \
         concurrency saves {:.0}%",
        sequential.wall.as_secs_f64() / concurrent.wall.as_secs_f64(),
        100.0 * (sequential.wall.as_secs_f64() - concurrent.wall.as_secs_f64())
            / (sequential.wall.as_secs_f64() - floor.wall.as_secs_f64()).max(f64::EPSILON)
    );
}
