//! stall-bench: the worst write stall a migration causes behind a long reader, with the old
//! 2 s `lock_timeout` and with the current default.
//!
//! Each run, in a fresh database (`DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`):
//! - Depot deploys v1 (a `Dog` table) and a few rows;
//! - a reader opens a transaction, reads the table (ACCESS SHARE) and holds it for
//!   `--reader-ms` (default 4000);
//! - a writer inserts a row every 50 ms and times each insert;
//! - Depot migrates to v2 (a column added with a default: ACCESS EXCLUSIVE). Its statement waits
//!   behind the reader, every insert queues behind the statement, until `lock_timeout` fires and
//!   the step is retried after a backoff; once the reader ends, the migration goes through.
//!
//! The figure is the longest insert of the run, and its ratio to the 1.5 s target. Usage:
//! `stall-bench [--runs N] [--reader-ms MS]` (defaults 3 runs, 4000 ms). `make bench-stall`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use depot_core::properties::parse_dataset;
use depot_deploy::{DeployOutcome, Deployer, LocalDocumentStore, LocalEventLog};
use depot_postgres::retry::DEFAULT_LOCK_TIMEOUT;
use depot_postgres::{ConnectOptions, PostgresSession, RetryPolicy};
use depot_testkit::{admin_url, fresh_database_at, redact_url};
use serde_json::{json, Value};

/// The write stall a migration may cause, at most.
const TARGET: Duration = Duration::from_millis(1500);
/// How often the writer inserts.
const WRITE_EVERY: Duration = Duration::from_millis(50);

type AnyError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("stall-bench: error: {e}");
        std::process::exit(1);
    }
}

struct Args {
    runs: usize,
    reader: Duration,
}

fn args() -> Result<Args, AnyError> {
    let mut out = Args {
        runs: 3,
        reader: Duration::from_millis(4000),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || -> Result<u64, AnyError> {
            Ok(it.next().ok_or(format!("{a} needs a value"))?.parse()?)
        };
        match a.as_str() {
            "--runs" => out.runs = (value()? as usize).clamp(1, 20),
            "--reader-ms" => out.reader = Duration::from_millis(value()?.clamp(100, 30_000)),
            other => {
                return Err(
                    format!("unknown argument {other} (use --runs N, --reader-ms MS)").into(),
                )
            }
        }
    }
    Ok(out)
}

fn dataset(version: &str, fields: Value) -> Value {
    json!({
        "environmentId": "e2e404529091ed2", "alias": "StallBench", "datasetId": depot_bench::DATASET_ID,
        "bootstrapBucket": "sdp-bootstrap-bench",
        "location": {"type": "postgres", "name": "bench", "host": "127.0.0.1", "port": 5432, "database": "bench"},
        "schemaName": "stall",
        "package": {"name": "stall", "version": version,
                    "schemas": {"Dog": {"kind": "object", "fields": fields, "primaryKey": ["id"]}}}
    })
}

fn v1() -> Value {
    dataset(
        "1",
        json!({"id": {"type": "bigint"}, "name": {"type": "string", "nullable": true}}),
    )
}

fn v2() -> Value {
    dataset(
        "2",
        json!({"id": {"type": "bigint"}, "name": {"type": "string", "nullable": true},
               "vaccinated": {"type": "boolean", "default": false}}),
    )
}

/// What one run measured.
struct Stall {
    worst: Duration,
    inserts: usize,
    lock_retries: usize,
}

async fn connect(url: &str) -> Result<tokio_postgres::Client, AnyError> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

async fn one_run(admin: &str, policy: &RetryPolicy, reader: Duration) -> Result<Stall, AnyError> {
    let db = fresh_database_at(admin).await;
    let state = tempfile::tempdir()?;
    let documents = LocalDocumentStore::new(state.path());
    let events = LocalEventLog::new(state.path().join("events.jsonl"));
    let deployer = Deployer {
        documents: &documents,
        events: &events,
        lock_wait: Duration::from_secs(30),
    };
    let options = ConnectOptions::from_url(&db.url)?;
    let mut session = PostgresSession::connect(&options)
        .await?
        .with_retry_policy(policy.clone());
    let first = parse_dataset(&v1(), &depot_bench::ENGINES).map_err(|e| e.to_string())?;
    deployer.deploy(&mut session, &first).await?;
    let setup = connect(&db.url).await?;
    setup
        .batch_execute("INSERT INTO stall.dog (id, name) SELECT g, 'dog ' || g FROM generate_series(1, 1000) g")
        .await?;

    // The long reader: ACCESS SHARE on the table until it commits.
    let reader_client = connect(&db.url).await?;
    reader_client
        .batch_execute("BEGIN; SELECT count(*) FROM stall.dog")
        .await?;
    let reading = tokio::spawn(async move {
        tokio::time::sleep(reader).await;
        reader_client.batch_execute("COMMIT").await
    });

    // The writer: an insert every 50 ms, each one timed.
    let writer = connect(&db.url).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let writing = {
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut tick = tokio::time::interval(WRITE_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut id: i64 = 1_000_000;
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                id += 1;
                let started = Instant::now();
                writer
                    .execute(
                        "INSERT INTO stall.dog (id, name) VALUES ($1, 'writer')",
                        &[&id],
                    )
                    .await?;
                latencies.push(started.elapsed());
            }
            Ok::<_, tokio_postgres::Error>(latencies)
        })
    };

    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = parse_dataset(&v2(), &depot_bench::ENGINES).map_err(|e| e.to_string())?;
    let outcome = deployer.deploy(&mut session, &second).await?;
    let DeployOutcome::Deployed { report, .. } = outcome else {
        return Err("the v2 deploy did not run (expected a synchronous deploy)".into());
    };
    reading.await??;
    // A few more writes after the migration, then stop.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let latencies = writing.await??;
    session.close().await;
    Ok(Stall {
        worst: latencies.iter().copied().max().unwrap_or_default(),
        inserts: latencies.len(),
        lock_retries: report.lock_retries,
    })
}

async fn run() -> Result<(), AnyError> {
    let args = args()?;
    let admin = admin_url();
    let server: String = connect(&admin)
        .await
        .map_err(|e| format!("PostgreSQL not reachable at {}: {e}", redact_url(&admin)))?
        .query_one("SHOW server_version", &[])
        .await?
        .get(0);
    let old = RetryPolicy {
        lock_timeout: Duration::from_secs(2),
        max_attempts: 8,
        ..RetryPolicy::default()
    };
    let policies = [
        ("old: lock_timeout 2000 ms, 8 attempts", old),
        (
            "default: lock_timeout 1000 ms, 12 attempts",
            RetryPolicy::default(),
        ),
    ];
    assert_eq!(RetryPolicy::default().lock_timeout, DEFAULT_LOCK_TIMEOUT);

    println!("# Write stall behind a long reader");
    println!();
    println!(
        "server: PostgreSQL {server} at {}; reader holds ACCESS SHARE for {} ms; an insert every {} ms; \
         the migration adds a column with a default; {} runs each",
        redact_url(&admin),
        args.reader.as_millis(),
        WRITE_EVERY.as_millis(),
        args.runs
    );
    println!();
    println!("| policy | worst insert per run (ms) | worst (ms) | worst / 1.5 s target | lock retries per run |");
    println!("| --- | --- | --- | --- | --- |");
    for (name, policy) in policies {
        let mut stalls = Vec::new();
        for _ in 0..args.runs {
            stalls.push(one_run(&admin, &policy, args.reader).await?);
        }
        let worst = stalls.iter().map(|s| s.worst).max().unwrap_or_default();
        let per_run: Vec<String> = stalls
            .iter()
            .map(|s| format!("{} ({} inserts)", s.worst.as_millis(), s.inserts))
            .collect();
        let retries: Vec<String> = stalls.iter().map(|s| s.lock_retries.to_string()).collect();
        println!(
            "| {name} | {} | {} | {:.2} | {} |",
            per_run.join(", "),
            worst.as_millis(),
            worst.as_secs_f64() / TARGET.as_secs_f64(),
            retries.join(", ")
        );
    }
    Ok(())
}
