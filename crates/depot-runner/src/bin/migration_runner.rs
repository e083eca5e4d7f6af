//! `migration-runner`: runs a stored migration plan (SPEC §8 payload) as the receiver of
//! asynchronous mode. The payload comes from a file, stdin, `--payload-json`, the FIFO queue
//! (`--poll-queue`), or the Lambda runtime. Prints a JSON summary on stdout; any failure exits
//! non-zero with a one-line reason on stderr: 3 when the run already sent the `failed` event
//! saying why (so the failure reporter behind a Batch job leaves it alone), 1 otherwise. Logs
//! are JSON lines on stderr.

// The run's future (S3, EventBridge, Secrets Manager, PostgreSQL, all inlined) is deeper than
// rustc's default layout limit.
#![recursion_limit = "256"]

// A Lambda binary built with `panic = "abort"` dies on a panic, and whoever invoked it gets no
// answer until its timeout (CloudFormation waits up to an hour). `cargo lambda build --release`
// chooses abort unless the profile says otherwise: refuse to build such an artifact at all.
#[cfg(panic = "abort")]
compile_error!(
    "Depot's Lambda binaries must unwind on panic so that a panicking request still gets its \
     FAILED answer: build with panic = \"unwind\" (Cargo.toml's [profile.release] sets it; \
     `cargo lambda build --release` sets abort when the profile does not say)"
);

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Result};
use clap::Parser;
use depot_aws::{AwsClients, ConnectSettings};
use depot_deploy::DependencyWait;
use depot_runner::aws_runner::EXIT_ANNOUNCED;
use depot_runner::payload_input::PayloadInput;
use depot_runner::queue_consumer::{poll, PollOptions};
use depot_runner::{failure_reporter, lambda_mode, logging, summary, AwsRunner, RunnerError};

/// Runs a Depot migration plan named by a SPEC §8 payload: sets attempted, runs the phases in
/// range, sets deployed (or records the failure), with one lifecycle event per change.
#[derive(Debug, Parser)]
#[command(name = "migration-runner", version, about, long_about = None)]
struct Args {
    /// The payload file (`-`, or nothing, reads standard input).
    payload: Option<PathBuf>,

    /// The payload itself, as JSON (how AWS Batch passes a job parameter).
    #[arg(long, conflicts_with_all = ["payload", "poll_queue"])]
    payload_json: Option<String>,

    /// Poll this SQS FIFO queue for payloads and run them one at a time (local consumer mode).
    #[arg(long, value_name = "QUEUE_URL", conflicts_with = "payload")]
    poll_queue: Option<String>,

    /// With --poll-queue: stop when the queue is empty instead of polling for ever.
    #[arg(long, requires = "poll_queue")]
    until_empty: bool,

    /// With --poll-queue: seconds a received message stays hidden from other consumers. It is
    /// renewed while the migration runs, so it bounds only how soon a message comes back after
    /// this consumer dies.
    #[arg(long, default_value_t = 900, requires = "poll_queue")]
    visibility_timeout: u64,

    /// Run a stale plan (another version deployed or desired), or over drift, anyway.
    #[arg(long)]
    force: bool,

    /// Seconds to wait for another migration of the same dataset to end.
    #[arg(long, env = "DEPOT_LOCK_WAIT_SECS", default_value_t = 900)]
    lock_wait: u64,

    /// Seconds to wait for the dependencies the plan was made against to be deployed (a
    /// dependency's own asynchronous migration may take hours); then the run fails, naming it.
    #[arg(long, env = "DEPOT_DEPENDENCY_WAIT_SECS", default_value_t = DependencyWait::DEFAULT_BOUND.as_secs())]
    dependency_wait: u64,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    logging::init();
    let config = match depot_aws::load_sdk_config().await {
        Ok(config) => config,
        Err(error) => return fail(&error.into()),
    };
    let clients = AwsClients::new(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let runner = |lock_wait: u64, dependency_wait: u64| AwsRunner {
        clients: clients.clone(),
        connect: ConnectSettings::from_env(),
        lock_wait: Duration::from_secs(lock_wait),
        dependency_wait: Duration::from_secs(dependency_wait),
    };
    if lambda_mode::under_lambda() {
        let seconds = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(default)
        };
        // A Lambda lives at most 15 minutes: the waits share that.
        let lock_wait = seconds("DEPOT_LOCK_WAIT_SECS", 600);
        // The same artifact serves the failure reporter (SPEC §8's failures outside Depot's code).
        // It records a failure and never runs a plan, so it never waits for a dependency.
        if std::env::var("DEPOT_RUNNER_MODE").as_deref() == Ok(failure_reporter::MODE) {
            let reporter = failure_reporter::Reporter::from_env(runner(lock_wait, 0));
            return match failure_reporter::serve_reporter(reporter).await {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(error) => fail(&anyhow::anyhow!("{error}")),
            };
        }
        let dependency_wait = seconds("DEPOT_DEPENDENCY_WAIT_SECS", 300);
        return match lambda_mode::serve_runner(runner(lock_wait, dependency_wait)).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(error) => fail(&anyhow::anyhow!("{error}")),
        };
    }
    let args = Args::parse();
    match run(&args, runner(args.lock_wait, args.dependency_wait), &sqs).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            let announced = matches!(
                error.downcast_ref::<RunnerError>(),
                Some(RunnerError::Announced(_))
            );
            let code = fail(&error);
            if announced {
                std::process::ExitCode::from(EXIT_ANNOUNCED)
            } else {
                code
            }
        }
    }
}

async fn run(args: &Args, runner: AwsRunner, sqs: &aws_sdk_sqs::Client) -> Result<()> {
    if let Some(queue_url) = &args.poll_queue {
        let options = PollOptions {
            queue_url: queue_url.clone(),
            until_empty: args.until_empty,
            wait: Duration::from_secs(if args.until_empty { 1 } else { 20 }),
            visibility: Duration::from_secs(args.visibility_timeout),
            force: args.force,
        };
        let report = poll(&runner, sqs, &options).await?;
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "succeeded": report.succeeded, "failed": report.failed, "runs": report.runs,
            }))?
        );
        if report.failed > 0 {
            bail!(
                "{} of {} queued runs failed (see the runs above)",
                report.failed,
                report.failed + report.succeeded
            );
        }
        return Ok(());
    }
    let input = PayloadInput::from_args(args.payload.clone(), args.payload_json.clone());
    let payload = input.read().map_err(anyhow::Error::msg)?;
    let outcome = runner.run(&payload, args.force).await?;
    println!(
        "{}",
        serde_json::to_string_pretty(&summary::summary(&payload, &outcome))?
    );
    Ok(())
}

/// One line on stderr: what failed and why.
fn fail(error: &anyhow::Error) -> std::process::ExitCode {
    let chain: Vec<String> = error.chain().map(|e| e.to_string()).collect();
    eprintln!(
        "migration-runner: error: {}",
        chain.join(": ").replace('\n', " ")
    );
    std::process::ExitCode::FAILURE
}
