//! deploy-bench: Depot's deploy of a 1,000-table package into a fresh database, against `psql`
//! running the very same statements in one transaction.
//!
//! Each run:
//! - depot: a fresh database; then, timed: parse the dataset file's JSON, connect a
//!   `PostgresSession`, `Deployer::deploy` (admin schema, lock, state record, hash, resolve,
//!   plan, environment document + plan written to a `LocalDocumentStore`, events to a
//!   `LocalEventLog`, the plan run phase by phase, final state) and close the session.
//! - psql: another fresh database; then, timed: `psql -X -q -v ON_ERROR_STOP=1
//!   --single-transaction -f plan.sql` (process start included), where `plan.sql` holds every
//!   step's SQL of Depot's plan, in order.
//!
//! Databases are created (then a `CHECKPOINT`, so no part starts with the previous part's
//! dirty buffers) before, and dropped after, each timed part; none of that is timed. The order
//! of the two parts alternates between runs. The server is
//! `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//!
//! Usage: `deploy-bench [--tables N] [--runs N]` (defaults: 1000 tables, 3 runs).

// The allocator of the `depot` binary (crates/depot-cli/src/main.rs), so that the figures are
// its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use depot_core::properties::parse_dataset;
use depot_core::{Dialect, Plan};
use depot_deploy::documents::DocumentError;
use depot_deploy::events::{Event, EventError};
use depot_deploy::{
    DatasetState, DeployOutcome, Deployer, DocumentStore, EventSink, LocalDocumentStore,
    LocalEventLog, LocationError, LocationSession, RunFailure, RunOptions, RunReport,
};
use depot_postgres::{ConnectOptions, PostgresSession};
use depot_testkit::{admin_url, redact_url, with_database};
use tokio_postgres::NoTls;

/// The timing name of the plan run.
const RUN_PLAN: &str = "session: run_plan (the plan's SQL)";

/// Target: Depot's deploy takes at most this many times psql's.
const TARGET_RATIO: f64 = 1.3;

type AnyError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("deploy-bench: error: {e}");
        std::process::exit(1);
    }
}

struct Args {
    tables: usize,
    runs: usize,
}

fn args() -> Result<Args, AnyError> {
    let mut out = Args {
        tables: 1000,
        runs: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let value = |it: &mut dyn Iterator<Item = String>| -> Result<usize, AnyError> {
            Ok(it.next().ok_or(format!("{a} needs a value"))?.parse()?)
        };
        match a.as_str() {
            "--tables" => out.tables = value(&mut it)?,
            "--runs" => out.runs = value(&mut it)?.max(1),
            other => {
                return Err(format!("unknown argument {other} (use --tables N, --runs N)").into())
            }
        }
    }
    Ok(out)
}

/// One Depot deploy's timings.
#[derive(Debug, Clone, Default)]
struct DepotRun {
    total: Duration,
    parse: Duration,
    connect: Duration,
    close: Duration,
    calls: Timings,
}

async fn run() -> Result<(), AnyError> {
    let args = args()?;
    let admin = admin_url();
    let psql_version = Command::new("psql")
        .arg("--version")
        .output()
        .map_err(|e| format!("psql not found on PATH: {e}"))?;
    let (client, connection) = tokio_postgres::connect(&admin, NoTls)
        .await
        .map_err(|e| format!("PostgreSQL not reachable at {}: {e}", redact_url(&admin)))?;
    tokio::spawn(connection);
    let server: String = client.query_one("SHOW server_version", &[]).await?.get(0);

    let text = depot_bench::properties_text(args.tables, false);
    println!("# Depot deploy benchmark");
    println!();
    println!(
        "package: {} objects x {} fields (primary key + 2 indexes each); dataset file {:.1} MB",
        args.tables,
        depot_bench::FIELDS,
        text.len() as f64 / 1e6
    );
    println!(
        "server: PostgreSQL {server} at {}; client: {}; {} CPU cores; {} runs each",
        redact_url(&admin),
        String::from_utf8_lossy(&psql_version.stdout).trim(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.runs
    );
    println!();

    let work = tempfile::tempdir()?;
    let sql_file = work.path().join("plan.sql");
    let mut statements: Option<Vec<String>> = None;
    let mut depot_runs = Vec::new();
    let mut psql_runs = Vec::new();

    for run in 1..=args.runs {
        // Alternate which goes first, so neither always runs on a warmer (or busier) server.
        let psql_first = run.is_multiple_of(2) && statements.is_some();
        if psql_first {
            psql_runs.push(psql_run(&client, &admin, &sql_file, args.tables, run).await?);
        }
        // Depot: the real path.
        let db = Database::create(&client, &admin).await?;
        let result = depot_deploy_once(&text, &db.url, work.path(), run).await;
        let checked = match &result {
            Ok(_) => count_tables(&db.url).await,
            Err(_) => Ok(0),
        };
        db.drop(&client).await?;
        let (timing, plan) = result?;
        check_count("depot", checked?, args.tables)?;
        let sql = plan_statements(&plan);
        match &statements {
            None => {
                write_sql(&sql_file, &sql)?;
                let phases: Vec<String> = plan
                    .phases
                    .iter()
                    .map(|p| format!("{} {} ({} steps)", p.phase, p.name, p.steps.len()))
                    .collect();
                println!(
                    "plan: {} statements; phases: {}",
                    sql.len(),
                    phases.join(", ")
                );
                println!();
                statements = Some(sql);
            }
            Some(first) if *first != sql => {
                return Err("the plan's statements differ between runs".into());
            }
            Some(_) => {}
        }
        eprintln!("run {run}: depot {:.3} s", timing.total.as_secs_f64());
        depot_runs.push(timing);

        if !psql_first {
            psql_runs.push(psql_run(&client, &admin, &sql_file, args.tables, run).await?);
        }
    }

    report(&depot_runs, &psql_runs, statements.map_or(0, |s| s.len()));
    Ok(())
}

/// psql: the same statements, one transaction, in a database of its own.
async fn psql_run(
    client: &tokio_postgres::Client,
    admin: &str,
    sql_file: &Path,
    tables: usize,
    run: usize,
) -> Result<Duration, AnyError> {
    let db = Database::create(client, admin).await?;
    let result = psql_once(sql_file, &db.url);
    let checked = match &result {
        Ok(_) => count_tables(&db.url).await,
        Err(_) => Ok(0),
    };
    db.drop(client).await?;
    let elapsed = result?;
    check_count("psql", checked?, tables)?;
    eprintln!("run {run}: psql  {:.3} s", elapsed.as_secs_f64());
    Ok(elapsed)
}

/// One timed Depot deploy into the database at `url`; the state folder is fresh per run.
async fn depot_deploy_once(
    text: &str,
    url: &str,
    work: &Path,
    run: usize,
) -> Result<(DepotRun, Plan), AnyError> {
    let state_dir = work.join(format!("state-{run}"));
    let documents = TimedDocuments {
        inner: LocalDocumentStore::new(&state_dir),
        timings: Mutex::default(),
    };
    let events = TimedEvents {
        inner: LocalEventLog::new(state_dir.join("events.jsonl")),
        timings: Mutex::default(),
    };
    let deployer = Deployer {
        documents: &documents,
        events: &events,
        lock_wait: Duration::from_secs(30),
    };
    let options = ConnectOptions::from_url(url)?;

    let started = Instant::now();
    let raw: serde_json::Value = serde_json::from_str(text)?;
    let dataset = parse_dataset(&raw, &depot_bench::ENGINES)
        .map_err(|p| format!("invalid bench dataset: {p}"))?;
    let parse = started.elapsed();
    let t = Instant::now();
    let session = PostgresSession::connect(&options).await?;
    let connect = t.elapsed();
    let mut session = TimedSession {
        inner: session,
        timings: Timings::default(),
    };
    let outcome = deployer.deploy(&mut session, &dataset).await?;
    let t = Instant::now();
    let TimedSession { inner, timings } = session;
    inner.close().await;
    let close = t.elapsed();
    let total = started.elapsed();

    let DeployOutcome::Deployed { plan, .. } = outcome else {
        return Err(format!("the deploy ran no plan: {outcome:?}").into());
    };
    let mut calls = timings;
    calls.merge(&documents.timings.lock().expect("timings"));
    calls.merge(&events.timings.lock().expect("timings"));
    Ok((
        DepotRun {
            total,
            parse,
            connect,
            close,
            calls,
        },
        plan,
    ))
}

/// Every step's SQL, in plan order.
fn plan_statements(plan: &Plan) -> Vec<String> {
    plan.phases
        .iter()
        .flat_map(|p| p.steps.iter())
        .map(|s| {
            s.sql
                .clone()
                .expect("every step of a fresh plan has its SQL")
        })
        .collect()
}

fn write_sql(path: &Path, statements: &[String]) -> Result<(), AnyError> {
    let mut body = String::new();
    for s in statements {
        body.push_str(s);
        body.push_str(";\n");
    }
    std::fs::write(path, body)?;
    Ok(())
}

/// One timed psql run of `file` into the database at `url`, process start included.
fn psql_once(file: &Path, url: &str) -> Result<Duration, AnyError> {
    let started = Instant::now();
    let output = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "--single-transaction",
            "-f",
        ])
        .arg(file)
        .arg("-d")
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()?;
    let elapsed = started.elapsed();
    if !output.status.success() {
        return Err(format!(
            "psql failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )
        .into());
    }
    Ok(elapsed)
}

async fn count_tables(url: &str) -> Result<usize, AnyError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(connection);
    let row = client
        .query_one(
            "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = $1",
            &[&depot_bench::NAMESPACE],
        )
        .await?;
    Ok(row.get::<_, i64>(0) as usize)
}

fn check_count(who: &str, found: usize, expected: usize) -> Result<(), AnyError> {
    if found == expected {
        Ok(())
    } else {
        Err(format!("{who}: {found} tables in the namespace, expected {expected}").into())
    }
}

/// A database created for one timed part, dropped after it.
struct Database {
    name: String,
    url: String,
}

impl Database {
    async fn create(admin: &tokio_postgres::Client, admin_url: &str) -> Result<Database, AnyError> {
        let name = format!("depot_bench_{}", uuid::Uuid::new_v4().simple());
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE template0"))
            .await?;
        // Start each timed part with no dirty buffers left by the previous one (needs a
        // superuser or pg_checkpoint; without it the runs are only noisier).
        if let Err(e) = admin.batch_execute("CHECKPOINT").await {
            eprintln!("deploy-bench: CHECKPOINT refused ({e}); runs may be noisier");
        }
        let url = with_database(admin_url, &name);
        Ok(Database { name, url })
    }

    async fn drop(self, admin: &tokio_postgres::Client) -> Result<(), AnyError> {
        admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await?;
        Ok(())
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    let n = v.len();
    if !n.is_multiple_of(2) {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

fn report(depot: &[DepotRun], psql: &[Duration], statements: usize) {
    let depot_median = median(depot.iter().map(|r| r.total).collect());
    let psql_median = median(psql.to_vec());
    let ratio = depot_median.as_secs_f64() / psql_median.as_secs_f64();
    let secs = |d: Duration| format!("{:.3}", d.as_secs_f64());
    let all = |v: Vec<Duration>| v.into_iter().map(secs).collect::<Vec<_>>().join(", ");

    println!("| measured | runs (s) | median (s) |");
    println!("| --- | --- | --- |");
    println!(
        "| depot: parse + connect + `Deployer::deploy` ({statements} statements) | {} | {} |",
        all(depot.iter().map(|r| r.total).collect()),
        secs(depot_median)
    );
    println!(
        "| psql: `--single-transaction -f plan.sql`, process start included | {} | {} |",
        all(psql.to_vec()),
        secs(psql_median)
    );
    println!();
    println!(
        "ratio depot/psql (medians): {ratio:.2} (target <= {TARGET_RATIO}): {}",
        if ratio <= TARGET_RATIO {
            "MET"
        } else {
            "MISSED"
        }
    );
    // The server's DDL time is noisy on a shared machine; what Depot adds around the SQL is not.
    let run_plan = |r: &DepotRun| r.calls.0.get(RUN_PLAN).map_or(Duration::ZERO, |(_, d)| *d);
    let sql_median = median(depot.iter().map(run_plan).collect());
    let overhead = median(
        depot
            .iter()
            .map(|r| r.total.saturating_sub(run_plan(r)))
            .collect(),
    );
    println!(
        "depot's executor on the plan's SQL (`run_plan`, median): {} s = {:.2} x psql; \
         depot's work around it (median): {} s = {:.1}% of psql",
        secs(sql_median),
        sql_median.as_secs_f64() / psql_median.as_secs_f64(),
        secs(overhead),
        100.0 * overhead.as_secs_f64() / psql_median.as_secs_f64()
    );
    println!();

    // Where Depot's time goes: the median run's breakdown.
    let mut sorted: Vec<&DepotRun> = depot.iter().collect();
    sorted.sort_by_key(|r| r.total);
    let r = sorted[sorted.len() / 2];
    println!("depot breakdown (median run, {} s total):", secs(r.total));
    println!("| part | calls | seconds | share |");
    println!("| --- | --- | --- | --- |");
    let line = |name: &str, calls: usize, d: Duration| {
        println!(
            "| {name} | {calls} | {:.3} | {:.0}% |",
            d.as_secs_f64(),
            100.0 * d.as_secs_f64() / r.total.as_secs_f64()
        );
    };
    line("parse dataset JSON (`parse_dataset`)", 1, r.parse);
    line("connect", 1, r.connect);
    let mut accounted = r.parse + r.connect + r.close;
    for (name, (calls, d)) in &r.calls.0 {
        line(name, *calls, *d);
        accounted += *d;
    }
    line("close", 1, r.close);
    line(
        "rest: hash, resolve, plan, serializing documents/events (CPU)",
        1,
        r.total.saturating_sub(accounted),
    );
}

/// Accumulated time per operation name: (calls, total).
#[derive(Debug, Clone, Default)]
struct Timings(BTreeMap<&'static str, (usize, Duration)>);

impl Timings {
    fn add(&mut self, name: &'static str, d: Duration) {
        let e = self.0.entry(name).or_default();
        e.0 += 1;
        e.1 += d;
    }

    fn merge(&mut self, other: &Timings) {
        for (name, (calls, d)) in &other.0 {
            let e = self.0.entry(name).or_default();
            e.0 += calls;
            e.1 += *d;
        }
    }
}

/// TimedSession is a PostgresSession that times each call of the choreography.
struct TimedSession {
    inner: PostgresSession,
    timings: Timings,
}

macro_rules! timed {
    ($self:ident, $name:expr, $call:expr) => {{
        let t = Instant::now();
        let r = $call.await;
        $self.timings.add($name, t.elapsed());
        r
    }};
}

#[async_trait]
impl LocationSession for TimedSession {
    fn dialect(&self) -> &dyn Dialect {
        self.inner.dialect()
    }

    async fn prepare(&mut self) -> Result<(), LocationError> {
        timed!(
            self,
            "session: prepare (__admin schema)",
            self.inner.prepare()
        )
    }

    async fn lock_dataset(
        &mut self,
        dataset_id: &str,
        wait: Duration,
    ) -> Result<(), LocationError> {
        timed!(
            self,
            "session: lock/unlock dataset",
            self.inner.lock_dataset(dataset_id, wait)
        )
    }

    async fn unlock_dataset(&mut self, dataset_id: &str) -> Result<(), LocationError> {
        timed!(
            self,
            "session: lock/unlock dataset",
            self.inner.unlock_dataset(dataset_id)
        )
    }

    async fn load_state(
        &mut self,
        dataset_id: &str,
    ) -> Result<Option<DatasetState>, LocationError> {
        timed!(
            self,
            "session: load/find state",
            self.inner.load_state(dataset_id)
        )
    }

    async fn find_state(
        &mut self,
        environment_id: &str,
        alias_or_id: &str,
    ) -> Result<Option<DatasetState>, LocationError> {
        timed!(
            self,
            "session: load/find state",
            self.inner.find_state(environment_id, alias_or_id)
        )
    }

    async fn save_state(&mut self, state: &DatasetState) -> Result<DatasetState, LocationError> {
        timed!(self, "session: save state", self.inner.save_state(state))
    }

    async fn run_plan(
        &mut self,
        plan: &Plan,
        options: &RunOptions,
    ) -> Result<RunReport, RunFailure> {
        timed!(self, RUN_PLAN, self.inner.run_plan(plan, options))
    }
}

/// TimedDocuments times document writes and reads (the body is already serialized).
struct TimedDocuments {
    inner: LocalDocumentStore,
    timings: Mutex<Timings>,
}

#[async_trait]
impl DocumentStore for TimedDocuments {
    async fn put(&self, bucket: &str, key: &str, body: &[u8]) -> Result<(), DocumentError> {
        let t = Instant::now();
        let r = self.inner.put(bucket, key, body).await;
        self.timings
            .lock()
            .expect("timings")
            .add("documents: put (file write)", t.elapsed());
        r
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, DocumentError> {
        let t = Instant::now();
        let r = self.inner.get(bucket, key).await;
        self.timings
            .lock()
            .expect("timings")
            .add("documents: get", t.elapsed());
        r
    }

    fn uri(&self, bucket: &str, key: &str) -> String {
        self.inner.uri(bucket, key)
    }
}

/// TimedEvents times event sends.
struct TimedEvents {
    inner: LocalEventLog,
    timings: Mutex<Timings>,
}

#[async_trait]
impl EventSink for TimedEvents {
    async fn send(&self, event: &Event) -> Result<(), EventError> {
        let t = Instant::now();
        let r = self.inner.send(event).await;
        self.timings
            .lock()
            .expect("timings")
            .add("events: send", t.elapsed());
        r
    }
}
