//! `depot`: the command line of SPEC §9. Thin: arguments in, library calls, JSON out. Any
//! failure exits non-zero with the reason on stderr, first line first.

// mimalloc, not glibc's malloc: hashing and planning a large package make millions of small
// allocations, where glibc's spent half the time (depot-bench's `stages` example).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod cloud_env;
mod commands;
mod dataset_file;
mod engines;
mod plan_json;
mod refusal;
mod stdout_json;

use clap::Parser;
use cli::{Cli, Command, LogFormat, PlanFormat};
use cloud_env::{no_aws_args_locally, DatasetRef, Target};

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    // aws_config at error only: its provider chain warns for every source it tries (IMDS off an
    // EC2 host, say), which buries the one-line reason of a failed command.
    let filter = EnvFilter::try_from_env("DEPOT_LOG").unwrap_or_else(|_| {
        EnvFilter::new("warn,aws_config=error,depot_deploy=info,depot_postgres=info")
    });
    // Colours only for a person at a terminal: piped into a file or a CI log, escape codes
    // would garble every line.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.compact().init(),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    let lock_wait = std::time::Duration::from_secs(cli.lock_wait);
    let result = match &cli.command {
        Command::Validate { package } => commands::validate(package),
        Command::Hash { dataset } => commands::hash(dataset),
        Command::Plan {
            dataset,
            from,
            format,
            against_live: false,
        } => commands::plan(dataset, from.as_deref(), *format),
        Command::Plan {
            dataset,
            format,
            against_live: true,
            ..
        } => commands::preview(&cli, dataset, *format).await,
        Command::Deploy {
            dataset,
            preview: true,
        } => commands::preview(&cli, dataset, PlanFormat::Text).await,
        Command::Deploy {
            dataset,
            preview: false,
        } => commands::deploy(&cli, dataset).await,
        Command::Diff { dataset, format } => commands::diff(&cli, dataset, *format).await,
        Command::Refresh { dataset, view } => {
            commands::refresh(&cli, dataset, view.as_deref()).await
        }
        Command::Import {
            schema,
            name,
            version,
            dataset,
        } => {
            let args = commands::ImportArgs {
                schema,
                name: name.as_deref(),
                version,
                dataset: dataset.as_deref(),
            };
            commands::import(&cli, &args).await
        }
        Command::Abandon { target } => match target.resolve() {
            Ok(Target::Local(dataset)) => commands::abandon(&cli, dataset).await,
            Ok(Target::Cloud { env, which, args }) => {
                commands::abandon_in_cloud(env, which, args, lock_wait).await
            }
            Err(e) => Err(e),
        },
        Command::GetDataset {
            id,
            alias,
            env: Some(env),
            cloud,
            format,
            ..
        } => match DatasetRef::from_args(id.as_deref(), alias.as_deref()) {
            Ok(which) => commands::get_cloud_dataset(env, which, cloud, *format).await,
            Err(e) => Err(e),
        },
        Command::GetDataset {
            id,
            dataset,
            env: None,
            cloud,
            format,
            ..
        } => match (id, no_aws_args_locally(&cloud.aws, "--env ENV")) {
            (_, Err(e)) => Err(e),
            (Some(id), Ok(())) => {
                commands::get_dataset(&cli, id, dataset.as_deref(), *format).await
            }
            (None, Ok(())) => Err(anyhow::anyhow!("--alias needs --env")),
        },
        Command::ListDatasets { env, cloud, format } => {
            commands::list_datasets(env, cloud, *format).await
        }
        Command::RunMigration {
            payload,
            env: None,
            state_machine: None,
            aws,
            force,
        } => match no_aws_args_locally(aws, "--env ENV or --state-machine ARN") {
            Ok(()) => commands::run_migration(&cli, payload, *force).await,
            Err(e) => Err(e),
        },
        Command::RunMigration {
            payload,
            env,
            state_machine,
            aws,
            ..
        } => commands::run_in_cloud(payload, env.as_deref(), state_machine.as_deref(), aws).await,
        Command::Seed { target } => match target.resolve() {
            Ok(Target::Local(dataset)) => commands::seed_local(&cli, dataset).await,
            Ok(Target::Cloud { env, which, args }) => {
                commands::seed_in_cloud(env, which, args, lock_wait).await
            }
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            if let Some(refused) = error.downcast_ref::<refusal::Refused>() {
                // One line per problem, each naming its file, path and rule.
                for line in refused.lines() {
                    eprintln!("depot: error: {line}");
                }
                return std::process::ExitCode::FAILURE;
            }
            // One line first (what failed), then the detail lines the error carries.
            let chain: Vec<String> = error.chain().map(|e| e.to_string()).collect();
            eprintln!("depot: error: {}", chain.join(": "));
            std::process::ExitCode::FAILURE
        }
    }
}
