//! `migration-forwarder`: sends EventBridge `migration-plan` events to the runner's FIFO queue
//! (`DEPOT_QUEUE_URL`), grouped by dataset and deduplicated on the event's content (see
//! `depot_aws::fifo_queue`). Under the Lambda runtime it is the rule's target; elsewhere it
//! forwards one event from a file or stdin, which is how the asynchronous path runs locally.

// A Lambda binary built with `panic = "abort"` dies on a panic, and whoever invoked it gets no
// answer until its timeout (CloudFormation waits up to an hour). `cargo lambda build --release`
// chooses abort unless the profile says otherwise: refuse to build such an artifact at all.
#[cfg(panic = "abort")]
compile_error!(
    "Depot's Lambda binaries must unwind on panic so that a panicking request still gets its \
     FAILED answer: build with panic = \"unwind\" (Cargo.toml's [profile.release] sets it; \
     `cargo lambda build --release` sets abort when the profile does not say)"
);

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use depot_aws::fifo_queue::forward_plan_event;
use depot_runner::{lambda_mode, logging};

/// Forwards an EventBridge `migration-plan` event (the whole envelope, JSON) to the runner's
/// FIFO queue, as a SPEC §8 payload.
#[derive(Debug, Parser)]
#[command(name = "migration-forwarder", version, about, long_about = None)]
struct Args {
    /// The event file (`-`, or nothing, reads standard input).
    event: Option<PathBuf>,

    /// The FIFO queue's URL.
    #[arg(long, env = "DEPOT_QUEUE_URL")]
    queue_url: String,

    /// Ask the runner to seed after the migration (`chainWithSeeding`).
    #[arg(long, env = "DEPOT_CHAIN_WITH_SEEDING")]
    chain_with_seeding: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    logging::init();
    let result = if lambda_mode::under_lambda() {
        serve().await
    } else {
        forward_once(&Args::parse()).await
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            let chain: Vec<String> = error.chain().map(|e| e.to_string()).collect();
            eprintln!("migration-forwarder: error: {}", chain.join(": "));
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<()> {
    let queue_url = std::env::var("DEPOT_QUEUE_URL")
        .context("DEPOT_QUEUE_URL is not set: the forwarder needs the runner's FIFO queue URL")?;
    let chain = std::env::var("DEPOT_CHAIN_WITH_SEEDING").is_ok_and(|v| v == "true");
    let sqs = aws_sdk_sqs::Client::new(&depot_aws::load_sdk_config().await?);
    lambda_mode::serve_forwarder(sqs, queue_url, chain)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

async fn forward_once(args: &Args) -> Result<()> {
    let text = match &args.event {
        Some(path) if path.as_os_str() != "-" => std::fs::read_to_string(path)
            .with_context(|| format!("reading the event {}", path.display()))?,
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the event from standard input")?;
            text
        }
    };
    let event: serde_json::Value = serde_json::from_str(&text).context("the event is not JSON")?;
    let sqs = aws_sdk_sqs::Client::new(&depot_aws::load_sdk_config().await?);
    let forwarded =
        forward_plan_event(&sqs, &args.queue_url, &event, args.chain_with_seeding).await?;
    println!(
        "{}",
        serde_json::to_string_pretty(&lambda_mode::forwarded_json(&forwarded))?
    );
    Ok(())
}
