//! Cli: the `depot` command line's arguments (SPEC §9).

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

/// Depot ships logical database schemas (packages) to PostgreSQL as versioned datasets, with
/// safe, phased migrations.
#[derive(Debug, Parser)]
#[command(name = "depot", version, about, long_about = None)]
pub struct Cli {
    /// Connect to this PostgreSQL URL instead of the dataset's location (local use). The
    /// password may be given here or in PGPASSWORD; it is never printed.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Local folder for environment documents and plans (laid out like the bootstrap bucket)
    /// and the event log (`events.jsonl`). Default: `.depot` next to the dataset file (next to
    /// the payload file for run-migration), so that the state does not depend on the current
    /// directory.
    #[arg(long, global = true, env = "DEPOT_STATE_DIR")]
    pub state_dir: Option<PathBuf>,

    /// Seconds a deploy waits for another migration of the same dataset to end.
    #[arg(long, global = true, default_value_t = 30)]
    pub lock_wait: u64,

    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// SPEC §5's plan document.
    Json,
    /// A readable preview with hazards.
    Text,
    /// The statements as a SQL script (transactional phases in BEGIN/COMMIT), for linters
    /// such as squawk.
    Sql,
}

/// How an operator's command prints what it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// JSON, for machines and `jq`.
    Json,
    /// A small table, for people.
    Text,
}

/// Which AWS account and region a cloud command talks to. Credentials come from the standard
/// chain (environment, shared config and credentials files, SSO, instance or container role).
#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// The AWS profile of the shared config files (default: AWS_PROFILE, else the default
    /// chain).
    #[arg(long, visible_alias = "awsprofile", value_name = "PROFILE")]
    pub profile: Option<String>,
    /// The AWS region (default: AWS_REGION, else the profile's region).
    #[arg(long)]
    pub region: Option<String>,
}

/// Where a cloud environment's documents are.
#[derive(Debug, Clone, Args)]
pub struct EnvironmentArgs {
    /// The bootstrap bucket, instead of the one the SSM parameter
    /// `/depot/<env>/bootstrap-bucket` names.
    #[arg(long, requires = "env")]
    pub bucket: Option<String>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Which dataset a command that works on one under its lock (abandon, seed) means: a dataset
/// file (local use), or with --env a dataset of a cloud environment by --id or --alias.
#[derive(Debug, Clone, Args)]
pub struct DatasetTarget {
    /// The dataset file (local use): its location, bootstrap bucket and alias or datasetId.
    #[arg(conflicts_with = "env")]
    pub dataset: Option<PathBuf>,
    /// The dataset id (12 hex characters), with --env.
    #[arg(long, requires = "env", conflicts_with = "alias")]
    pub id: Option<String>,
    /// The dataset alias, with --env.
    #[arg(long, requires = "env")]
    pub alias: Option<String>,
    /// The cloud environment id (15 hex characters).
    #[arg(long)]
    pub env: Option<String>,
    #[command(flatten)]
    pub cloud: EnvironmentArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a package and list every problem with its schema and field.
    Validate {
        /// The package JSON file.
        package: PathBuf,
    },
    /// Print the version hash of a dataset file (64 hex characters, alone on stdout).
    Hash {
        /// Dataset properties with an inline `package` or a `packageFile`.
        dataset: PathBuf,
    },
    /// Print the migration plan from OLD (or from nothing) to DATASET. Changes nothing.
    Plan {
        dataset: PathBuf,
        /// The previous dataset file to plan from; without it the plan starts from nothing.
        #[arg(long)]
        from: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = PlanFormat::Json)]
        format: PlanFormat,
        /// Plan from the version deployed in the dataset's location (read from its state
        /// record), and check the live objects for drift from it; changes nothing.
        #[arg(long, conflicts_with = "from")]
        against_live: bool,
    },
    /// Deploy a dataset file (what the entity creator does on Create/Update): plan from the
    /// deployed version, then run it (synchronous mode) or schedule it (asynchronous mode).
    Deploy {
        dataset: PathBuf,
        /// Print the plan a deploy would run now (from the live deployed version, with the
        /// drift check) and stop: nothing is changed.
        #[arg(long)]
        preview: bool,
    },
    /// Compare the live schema of a deployed dataset with its package: one line per
    /// difference, nothing when they agree. Exits 1 when they differ. Changes nothing.
    Diff {
        dataset: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Recompute the rows of a deployed dataset's materialized views (every one, or --view),
    /// each after those it reads; CONCURRENTLY (readers go on) when a unique index allows it.
    /// Prints the refreshed views as JSON.
    Refresh {
        dataset: PathBuf,
        /// Refresh only this materialized view (logical or physical name).
        #[arg(long)]
        view: Option<String>,
    },
    /// Print the package that describes an existing PostgreSQL or Snowflake schema (tables,
    /// views, keys, indexes, checks, foreign keys, comments). What a package cannot express is
    /// listed on stderr, one `depot: warning:` a line. Changes nothing.
    Import {
        /// The schema (namespace) to read.
        #[arg(long)]
        schema: String,
        /// The package name (default: the schema's name).
        #[arg(long)]
        name: Option<String>,
        /// The package version.
        #[arg(long, default_value = "1.0.0")]
        version: String,
        /// A dataset file whose location to read (PostgreSQL or Snowflake), instead of
        /// --database-url.
        #[arg(long, visible_alias = "location")]
        dataset: Option<PathBuf>,
    },
    /// Give up a dataset's failed or interrupted migration: undo what it changed and go back to
    /// the deployed version (the next deploy of any version then plans from there). From a
    /// dataset file, or with --env the dataset of a cloud environment (by --id or --alias).
    #[command(group(ArgGroup::new("abandoned").required(true).args(["dataset", "env"])))]
    Abandon {
        #[command(flatten)]
        target: DatasetTarget,
    },
    /// Print a dataset's state record (SPEC §7: status, versions, lastError). With --env, the
    /// dataset of a cloud environment: its newest environment document in the bootstrap bucket
    /// gives the location, whose secret (Secrets Manager) opens the state record.
    #[command(group(ArgGroup::new("which").required(true).args(["id", "alias"])))]
    GetDataset {
        /// The dataset id (12 hex characters).
        #[arg(long)]
        id: Option<String>,
        /// The dataset alias (with --env).
        #[arg(long, requires = "env")]
        alias: Option<String>,
        /// A dataset file whose location to read (a Snowflake location has no URL to pass).
        #[arg(long, conflicts_with = "env")]
        dataset: Option<PathBuf>,
        /// The cloud environment id (15 hex characters) whose dataset to read.
        #[arg(long)]
        env: Option<String>,
        #[command(flatten)]
        cloud: EnvironmentArgs,
        #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
        format: OutputFormat,
    },
    /// List every dataset of a cloud environment: id, alias, location, newest version, and the
    /// state record's status where the location can be reached.
    ListDatasets {
        /// The cloud environment id (15 hex characters).
        #[arg(long)]
        env: String,
        #[command(flatten)]
        cloud: EnvironmentArgs,
        #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
        format: OutputFormat,
    },
    /// Run a stored plan as the asynchronous runner does (SPEC §8 payload file, or - for stdin).
    /// With --env (or --state-machine), start the environment's runner state machine on the
    /// payload instead, and print the execution's ARN.
    RunMigration {
        payload: PathBuf,
        /// Run the plan even if it is stale (another version is deployed or desired) or the
        /// live objects drifted from the deployed version (local runs only).
        #[arg(long, conflicts_with_all = ["env", "state_machine"])]
        force: bool,
        /// The cloud environment whose runner state machine
        /// (`sdp-<env>-ds-migration-runner`) to start.
        #[arg(long)]
        env: Option<String>,
        /// The runner state machine's ARN, instead of the one --env names.
        #[arg(long, value_name = "ARN")]
        state_machine: Option<String>,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Upsert a dataset's seed rows (its package's `seeds`) into its deployed version, under
    /// the dataset's migration lock; refused unless the dataset is STABLE. Locally from a
    /// dataset file, or with --id/--alias and --env in a cloud environment.
    #[command(group(ArgGroup::new("seeded").required(true).args(["dataset", "env"])))]
    Seed {
        #[command(flatten)]
        target: DatasetTarget,
    },
}
