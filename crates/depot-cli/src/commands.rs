//! The verbs of the `depot` command line. Each reads its input, calls the library, and prints
//! JSON (or text for people) on stdout.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use depot_core::assemble::{plan_migration, PlanHeader};
use depot_core::hash::version_hash;
use depot_core::policy::check_hazards;
use depot_core::preview::render_text;
use depot_core::properties::parse_dataset;
use depot_core::resolve::{place_in_input, resolve, resolve_salvage};
use depot_core::sql_script::render_sql_script;
use depot_core::validate::{parse_package_salvaging, Salvage};
use depot_core::Dataset;
use depot_deploy::{
    clock, DeployError, DeployOutcome, Deployer, DriftCheck, LocalDocumentStore, LocalEventLog,
    LocationSession, RunOutcome, RunPayload,
};
use depot_postgres::{PostgresDialect, PostgresLocation, PostgresSession};
use depot_snowflake::{SnowflakeLocation, SnowflakeSession};

use serde_json::json;

use crate::cli::{Cli, OutputFormat, PlanFormat};
use crate::dataset_file::{load_dataset, load_dataset_with_source, read_json, resolution_refused};
use crate::engines::{dialect_of, ENGINES};
use crate::plan_json::print_plan_json;
use crate::refusal::{InputSource, Refused};
use crate::stdout_json::print_json;

mod abandon_cloud;
mod cloud_dataset;
mod diff;
mod import;
mod refresh;
mod run_cloud;
mod seed;

pub use abandon_cloud::abandon_in_cloud;
pub use cloud_dataset::{get_dataset as get_cloud_dataset, list_datasets};
pub use diff::diff;
pub use import::{import, ImportArgs};
pub use refresh::refresh;
pub use run_cloud::run_in_cloud;
pub use seed::{seed_in_cloud, seed_local};

/// `depot validate PACKAGE`: every problem, or a short summary.
///
/// A package with problems is also resolved as far as its sound part goes, so that the problems
/// only resolution finds (view queries, expressions, indexes of materialized views, physical
/// names) are reported with the others rather than after they are fixed.
pub fn validate(path: &Path) -> Result<()> {
    let raw = read_json(path)?;
    let source = InputSource::file(path);
    let package = match parse_package_salvaging(&raw) {
        Ok(package) => package,
        Err((problems, salvage)) => {
            let mut all = problems.0;
            if let Some(salvage) = salvage {
                all.extend(salvage_problems(&salvage, &raw));
            }
            return Err(Refused::new(&source, &all).into());
        }
    };
    // Problems of the probe are under `package`: the package file's own paths.
    let in_package = InputSource {
        file: path.to_path_buf(),
        package_file: Some(path.to_path_buf()),
    };
    let mut own = resolution_problems(&raw, &package.name);
    place_in_input(&mut own, &package, &raw);
    if !own.is_empty() {
        return Err(Refused::new(&in_package, &own).into());
    }
    let summary = json!({
        "valid": true,
        "name": package.name,
        "version": package.version,
        "objects": package.objects().count(),
        "views": package.views().count(),
    });
    print_json(&summary)?;
    Ok(())
}

/// The probe dataset of package `raw`: naming collisions, identifier limits and view references
/// depend on the engine's rules, so they are checked as a PostgreSQL dataset with the default
/// naming would see them.
fn probe(raw: &serde_json::Value, name: &str) -> serde_json::Value {
    json!({
        "environmentId": "000000000000000",
        "alias": "Validate",
        "bootstrapBucket": "local",
        "location": {"type": "postgres", "name": "local", "host": "localhost", "port": 5432, "database": "postgres"},
        "schemaName": heck_snake(name),
        "package": raw,
    })
}

/// The problems of package `raw` (which parses) found resolving it, placed under `package`.
fn resolution_problems(raw: &serde_json::Value, name: &str) -> Vec<depot_core::Problem> {
    let dataset = match parse_dataset(&probe(raw, name), &ENGINES) {
        Ok(dataset) => dataset,
        Err(problems) => return problems.0,
    };
    match resolve(&dataset, &PostgresDialect, &BTreeMap::new()) {
        Ok(_) => Vec::new(),
        // The probe's namespace is not the package's (a package named `pgTools` is fine; its
        // dataset's `schemaName` may not be `pg_tools`): only the package's own problems count.
        Err(problems) => problems
            .0
            .into_iter()
            .filter(|p| p.path.starts_with("package"))
            .collect(),
    }
}

/// The problems found resolving the sound part of a package with problems, placed in the
/// package file like the problems of reading it.
fn salvage_problems(salvage: &Salvage, raw: &serde_json::Value) -> Vec<depot_core::Problem> {
    let empty = json!({"name": "probe", "version": "0", "schemas": {}});
    let Ok(dataset) = parse_dataset(&probe(&empty, "probe"), &ENGINES) else {
        return Vec::new();
    };
    resolve_salvage(
        salvage,
        raw,
        &dataset.config,
        &PostgresDialect,
        &BTreeMap::new(),
    )
    .into_iter()
    .map(|mut p| {
        if let Some(rest) = p.path.strip_prefix("package.") {
            p.path = rest.to_string();
        }
        p
    })
    .collect()
}

fn heck_snake(name: &str) -> String {
    depot_core::naming::NamingStrategy::SnakeCase.apply(name)
}

/// `depot hash DATASET`: the version hash alone.
pub fn hash(path: &Path) -> Result<()> {
    let dataset = load_dataset(path)?;
    println!("{}", version_hash(&dataset.config, &dataset.package));
    Ok(())
}

/// `depot plan DATASET [--from OLD]`: the plan from OLD (or nothing) to DATASET, offline.
///
/// On large packages the work is mostly reading, hashing and resolving: the old dataset is read,
/// hashed and resolved beside the new one, and the new version is hashed beside its resolution
/// (the bench's 10,000 objects are two 14 MB files). A package is dropped once resolved and
/// hashed, so that planning reuses its memory rather than fault in fresh pages.
pub fn plan(path: &Path, from: Option<&Path>, format: PlanFormat) -> Result<()> {
    // All of it runs on the pool that does the parallel parts, the side-by-side work as
    // `rayon::join`s, rather than on the main thread and threads of its own: at 10,000 objects
    // this measured 298 against 312 ms (median of 21 interleaved runs) and 229 against 233 MB
    // peak. Why was not measured; plausibly the memory the serial stages free is reused by a
    // thread that allocates again. (`rayon::join` also never blocks a worker the way joining a
    // thread would, which on a pool of one thread could hang.)
    rayon::scope(|_| plan_on_pool(path, from, format))
}

fn plan_on_pool(path: &Path, from: Option<&Path>, format: PlanFormat) -> Result<()> {
    let (loaded, old) = rayon::join(
        || load_dataset_with_source(path),
        || from.map(load_resolved),
    );
    let (dataset, source) = loaded?;
    no_dependencies_offline(&dataset, path)?;
    let dialect = dialect_of(&dataset)?;
    let (to_version, new) = rayon::join(
        || version_hash(&dataset.config, &dataset.package),
        || resolve(&dataset, dialect, &BTreeMap::new()),
    );
    let new = new.map_err(|p| resolution_refused(path, &source, &dataset.package, p.0))?;
    // Moved out and dropped: a field left in a `..` pattern would live to the end of the
    // function, through planning and printing.
    let Dataset {
        config,
        dataset_id,
        package,
    } = dataset;
    drop(package);
    let old = old.transpose()?;
    if let (Some(old), Some(old_path)) = (&old, from) {
        if old.engine != dialect.engine() {
            bail!(
                "{}: a {} dataset cannot be planned from {}, a {} dataset",
                path.display(),
                dialect.engine().as_str(),
                old_path.display(),
                old.engine.as_str()
            );
        }
    }
    let header = PlanHeader {
        migration_id: clock::new_migration_id(),
        environment_id: config.environment_id.clone(),
        dataset_id: dataset_id.unwrap_or_else(|| "000000000000".into()),
        dataset_alias: config.alias.clone(),
        from_version: old.as_ref().map(|o| o.version.clone()),
        to_version,
        created_at: clock::now_millis(),
    };
    let mut plan = plan_migration(dialect, old.as_ref().map(|o| &o.model), &new, header)?;
    match format {
        PlanFormat::Json => print_plan_json(&mut plan)?,
        PlanFormat::Text => print!("{}", render_text(&plan)),
        PlanFormat::Sql => print!("{}", render_sql_script(&plan)),
    }
    if let Err(refused) = check_hazards(&plan, &config.migration_options.allowed_hazards) {
        eprintln!("note: a deploy of this plan would be refused:\n{refused}");
    }
    // The process ends here: the plan and the models are millions of small allocations, and
    // freeing them one by one takes longer than the kernel takes to drop the whole heap.
    std::mem::forget((plan, new, old));
    Ok(())
}

/// The old dataset of `depot plan --from`: its engine, version hash and model.
struct OldVersion {
    engine: depot_core::EngineId,
    version: String,
    model: depot_core::physical::PhysicalModel,
}

/// Reads, checks, hashes and resolves the old dataset of `depot plan --from`, with its own
/// engine's dialect (the caller refuses a plan across engines).
fn load_resolved(path: &Path) -> Result<OldVersion> {
    let (dataset, source) = load_dataset_with_source(path)?;
    no_dependencies_offline(&dataset, path)?;
    let dialect = dialect_of(&dataset)?;
    let version = version_hash(&dataset.config, &dataset.package);
    let model = resolve(&dataset, dialect, &BTreeMap::new())
        .map_err(|p| resolution_refused(path, &source, &dataset.package, p.0))?;
    Ok(OldVersion {
        engine: dialect.engine(),
        version,
        model,
    })
}

fn no_dependencies_offline(dataset: &Dataset, path: &Path) -> Result<()> {
    if dataset.config.dependencies.is_empty() {
        return Ok(());
    }
    bail!(
        "{}: the dataset reads other datasets ({}); planning it needs their deployed versions: use `depot deploy`, which reads them from the location",
        path.display(),
        dataset.config.dependencies.keys().cloned().collect::<Vec<_>>().join(", ")
    )
}

/// Where local documents and events go.
struct LocalEdge {
    documents: LocalDocumentStore,
    events: LocalEventLog,
}

impl LocalEdge {
    /// The local edge of a command whose input is the file `beside`: `--state-dir` (or
    /// DEPOT_STATE_DIR) when given, else `.depot` in the file's folder, so running from
    /// another directory finds the same state. Absolute, so messages name the real path.
    fn new(cli: &Cli, beside: &Path) -> Result<LocalEdge> {
        let dir = match &cli.state_dir {
            Some(dir) => dir.clone(),
            None => beside
                .parent()
                .map(|p| {
                    if p.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        p
                    }
                })
                .unwrap_or(Path::new("."))
                .join(".depot"),
        };
        let dir = std::path::absolute(&dir)
            .with_context(|| format!("the state folder {}", dir.display()))?;
        Ok(LocalEdge {
            documents: LocalDocumentStore::new(dir.clone()),
            events: LocalEventLog::new(dir.join("events.jsonl")),
        })
    }

    fn deployer(&self, cli: &Cli) -> Deployer<'_> {
        Deployer {
            documents: &self.documents,
            events: &self.events,
            lock_wait: Duration::from_secs(cli.lock_wait),
        }
    }
}

/// Connects to the dataset's location, or to `--database-url` when given.
async fn connect(cli: &Cli, dataset: Option<&Dataset>) -> Result<Box<dyn LocationSession>> {
    if let (None, Some(dataset)) = (&cli.database_url, dataset) {
        if let Ok(location) = SnowflakeLocation::from_location(&dataset.config.location) {
            return connect_snowflake(&location, &dataset.config.executor).await;
        }
    }
    Ok(Box::new(connect_postgres(cli, dataset).await?))
}

/// A Snowflake session. The password comes from SNOWFLAKE_PASSWORD (local use: a location with
/// a `secretArn` is for the Lambdas, which read the secret); it is never printed.
async fn connect_snowflake(
    location: &SnowflakeLocation,
    executor: &depot_core::dataset::Executor,
) -> Result<Box<dyn LocationSession>> {
    Ok(Box::new(snowflake_session(location, executor).await?))
}

/// A Snowflake session on `location` as `executor` (see [`connect_snowflake`]).
pub(crate) async fn snowflake_session(
    location: &SnowflakeLocation,
    executor: &depot_core::dataset::Executor,
) -> Result<SnowflakeSession> {
    let password = match (std::env::var("SNOWFLAKE_PASSWORD"), &location.secret_arn) {
        (Ok(p), _) => p,
        (Err(_), Some(arn)) => bail!(
            "location {}: reading the secret {arn} from the command line is not supported yet; \
             set SNOWFLAKE_PASSWORD",
            location.name
        ),
        (Err(_), None) => bail!(
            "location {}: set SNOWFLAKE_PASSWORD to the password of the Snowflake user",
            location.name
        ),
    };
    let credentials = depot_snowflake::Credentials::password(password);
    let options = depot_snowflake::SessionOptions::for_location(executor)?;
    let session = SnowflakeSession::connect(location, &credentials, options)
        .await
        .with_context(|| format!("connecting to Snowflake account {}", location.account))?;
    Ok(session)
}

pub(crate) async fn connect_postgres(
    cli: &Cli,
    dataset: Option<&Dataset>,
) -> Result<PostgresSession> {
    let target = dataset.map(|d| (&d.config.location, &d.config.executor));
    let options = match (&cli.database_url, target) {
        (Some(url), _) => depot_postgres::ConnectOptions::from_url(url)?,
        (None, Some((_, executor))) if executor.iam_auth => bail!(
            "executor {}: IAM authentication tokens are made by the Lambdas from their role; \
             from the command line pass --database-url (or set DATABASE_URL)",
            executor.name
        ),
        // The executor's writer endpoint and user, as the Lambdas connect.
        (None, Some((location, executor))) => match PostgresLocation::from_location(location) {
            Ok(location) => depot_postgres::ConnectOptions::for_executor(
                &location,
                executor,
                std::env::var("PGPASSWORD").ok().as_deref(),
            ),
            Err(_) => bail!("a Snowflake location is reached without --database-url"),
        },
        (None, None) => bail!(
            "no database to connect to: pass --database-url (or set DATABASE_URL), or --dataset \
             FILE for the dataset's location"
        ),
    };
    let session = PostgresSession::connect(&options)
        .await
        .context("connecting to PostgreSQL")?;
    // The dataset's own lock timeout (`migrationOptions.lockTimeoutMs`), else the default.
    Ok(match dataset {
        Some(dataset) => session.with_retry_policy(depot_postgres::RetryPolicy::for_dataset(
            &dataset.config.migration_options,
        )),
        None => session,
    })
}

/// `depot deploy DATASET`.
pub async fn deploy(cli: &Cli, path: &Path) -> Result<()> {
    let (dataset, source) = load_dataset_with_source(path)?;
    let edge = LocalEdge::new(cli, path)?;
    let mut session = connect(cli, Some(&dataset)).await?;
    // A `planTransformer.command` runs from the dataset file's folder.
    let transformer = depot_deploy::CommandTransformer {
        base_dir: path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
    };
    let outcome = match edge
        .deployer(cli)
        .deploy_with(session.as_mut(), &dataset, &transformer)
        .await
    {
        Ok(outcome) => outcome,
        // Problems found against the engine (names, limits, views): one line each, placed in
        // the file they are in.
        Err(DeployError::Invalid(problems)) => {
            return Err(resolution_refused(
                path,
                &source,
                &dataset.package,
                problems.0,
            ))
        }
        Err(other) => return Err(other.into()),
    };
    // Every outcome leaves the dataset desiring the deployed file's version.
    let hash = outcome.state().desired_version.clone();
    let out = match &outcome {
        DeployOutcome::AlreadyDeployed { state } => json!({
            "outcome": "already-deployed", "datasetId": state.id, "datasetVersionHash": hash,
            "state": state_report(state, None),
        }),
        DeployOutcome::Deployed {
            state,
            plan,
            plan_key,
            report,
            resumed_after,
        } => json!({
            "outcome": "deployed", "datasetId": state.id, "datasetVersionHash": hash,
            "migrationId": plan.migration_id, "planKey": plan_key,
            "planFile": edge.documents.path(&dataset.config.bootstrap_bucket, plan_key),
            "phasesRun": report.phases_run, "stepsRun": report.steps_run,
            "lockRetries": report.lock_retries, "resumedAfterPhase": resumed_after,
            "state": state_report(state, None),
        }),
        DeployOutcome::Scheduled {
            state,
            plan,
            plan_key,
        } => json!({
            "outcome": "scheduled", "datasetId": state.id, "datasetVersionHash": hash,
            "migrationId": plan.migration_id, "planKey": plan_key,
            "planFile": edge.documents.path(&dataset.config.bootstrap_bucket, plan_key),
            "state": state_report(state, None),
        }),
    };
    print_json(&out)?;
    Ok(())
}

/// The dataset file at `path`, an open session to its location, and what a deploy of it would
/// do now (`Deployer::preview`: planned from the live record, drift checked, nothing changed).
/// A refused package is reported in the file's own terms.
async fn preview_dataset_file(
    cli: &Cli,
    path: &Path,
) -> Result<(Dataset, Box<dyn LocationSession>, depot_deploy::Preview)> {
    let (dataset, source) = load_dataset_with_source(path)?;
    let edge = LocalEdge::new(cli, path)?;
    let mut session = connect(cli, Some(&dataset)).await?;
    match edge.deployer(cli).preview(session.as_mut(), &dataset).await {
        Ok(preview) => Ok((dataset, session, preview)),
        Err(DeployError::Invalid(problems)) => Err(resolution_refused(
            path,
            &source,
            &dataset.package,
            problems.0,
        )),
        Err(other) => Err(other.into()),
    }
}

/// `depot deploy --preview DATASET` and `depot plan --against-live DATASET`: the plan a deploy
/// would run now, from the live record's deployed version, with the drift check; changes nothing.
pub async fn preview(cli: &Cli, path: &Path, format: PlanFormat) -> Result<()> {
    let (dataset, _session, preview) = preview_dataset_file(cli, path).await?;
    let plan = &preview.prepared.plan;
    let drift = match &preview.drift {
        Some(DriftCheck::Compared(drift)) => json!(drift.differences),
        Some(DriftCheck::Unsupported) => json!("this engine cannot check drift yet"),
        None => json!([]),
    };
    match format {
        PlanFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "alreadyDeployed": preview.already_deployed,
                "drift": drift,
                "plan": plan,
            }))?
        ),
        PlanFormat::Text => {
            if preview.already_deployed {
                println!(
                    "Version {} is deployed already: a deploy would change nothing.",
                    preview.prepared.hash
                );
            } else {
                print!("{}", render_text(plan));
            }
            match &preview.drift {
                Some(DriftCheck::Compared(d)) if !d.is_empty() => {
                    println!("Drift: the live objects differ from the version the plan starts from ({} difference(s)); a deploy would fail:", d.differences.len());
                    for line in &d.differences {
                        println!("  {line}");
                    }
                }
                Some(DriftCheck::Compared(_)) => println!(
                    "Drift: none (the live objects match the version the plan starts from)."
                ),
                Some(DriftCheck::Unsupported) => {
                    println!("Drift: not checked (this engine cannot check drift yet).")
                }
                None => {}
            }
        }
        PlanFormat::Sql => print!("{}", render_sql_script(plan)),
    }
    if let Err(refused) = check_hazards(plan, &dataset.config.migration_options.allowed_hazards) {
        eprintln!("note: a deploy of this plan would be refused:\n{refused}");
    }
    Ok(())
}

/// `depot abandon DATASET`.
pub async fn abandon(cli: &Cli, path: &Path) -> Result<()> {
    let dataset = load_dataset(path)?;
    let edge = LocalEdge::new(cli, path)?;
    let mut session = connect(cli, Some(&dataset)).await?;
    let config = &dataset.config;
    let id = dataset_id_at_location(session.as_mut(), &dataset).await?;
    let state = edge
        .deployer(cli)
        .abandon(session.as_mut(), &config.bootstrap_bucket, &id)
        .await?;
    let lock = session.is_locked(&id).await?;
    println!(
        "{}",
        serde_json::to_string_pretty(
            &json!({"outcome": "abandoned", "state": state_report(&state, lock)})
        )?
    );
    Ok(())
}

/// The id of a dataset file's dataset: its `datasetId`, else the id its location's state records
/// under its environment and alias.
async fn dataset_id_at_location(
    session: &mut dyn LocationSession,
    dataset: &Dataset,
) -> Result<String> {
    if let Some(id) = &dataset.dataset_id {
        return Ok(id.clone());
    }
    let config = &dataset.config;
    session
        .find_state(&config.environment_id, &config.alias)
        .await?
        .map(|s| s.id)
        .ok_or_else(|| {
            anyhow!(
                "no dataset {} in environment {} at this location: deploy it first",
                config.alias,
                config.environment_id
            )
        })
}

/// A state record as operators read it: `status` derived as SPEC §7 defines it.
fn state_report(state: &depot_deploy::DatasetState, lock_held: Option<bool>) -> serde_json::Value {
    let mut out = serde_json::to_value(state).expect("a state record serializes");
    out["status"] = json!(state.status(lock_held).as_str());
    out["lastError"] = json!(state.reported_error(lock_held));
    out
}

/// `depot get-dataset --id ID`.
pub async fn get_dataset(
    cli: &Cli,
    id: &str,
    dataset: Option<&Path>,
    format: OutputFormat,
) -> Result<()> {
    let dataset = dataset.map(load_dataset).transpose()?;
    let mut session = connect(cli, dataset.as_ref()).await?;
    session.prepare().await?;
    let state = session
        .load_state(id)
        .await?
        .ok_or_else(|| anyhow!("no dataset with id {id} in this location"))?;
    let lock = session.is_locked(id).await?;
    let report = state_report(&state, lock);
    match format {
        OutputFormat::Json => print_json(&report)?,
        OutputFormat::Text => print!("{}", cloud_dataset::record_table(&report)),
    }
    Ok(())
}

/// `depot run-migration PAYLOAD`.
pub async fn run_migration(cli: &Cli, path: &Path, force: bool) -> Result<()> {
    let raw = read_json(path)?;
    // Checked before anything is read: the payload's bucket and key name a file under the
    // state folder, and `../` in them must not reach outside it.
    let payload = RunPayload::from_json(raw).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let edge = LocalEdge::new(cli, path)?;
    let deployer = edge.deployer(cli);
    // The dataset's location is in the target version's document (unless --database-url).
    let target = deployer.run_target(&payload).await?;
    let dataset = Dataset {
        config: target.document.dataset,
        package: target.document.package,
        dataset_id: Some(payload.dataset_id.clone()),
    };
    let mut session = connect(cli, Some(&dataset)).await?;
    let outcome = deployer
        .run_migration(session.as_mut(), &payload, force)
        .await?;
    let out = match outcome {
        RunOutcome::AlreadyDeployed { state } => {
            json!({"outcome": "already-deployed", "state": state_report(&state, None)})
        }
        RunOutcome::Ran {
            state,
            report,
            resumed_after,
            seeded,
        } => json!({
            "outcome": "deployed", "phasesRun": report.phases_run, "stepsRun": report.steps_run,
            "lockRetries": report.lock_retries, "resumedAfterPhase": resumed_after,
            "seeded": seeded, "state": state_report(&state, None),
        }),
        RunOutcome::Partial {
            state,
            report,
            resumed_after,
        } => json!({
            "outcome": "partial", "phasesRun": report.phases_run, "stepsRun": report.steps_run,
            "lockRetries": report.lock_retries, "resumedAfterPhase": resumed_after, "state": state,
        }),
    };
    print_json(&out)?;
    Ok(())
}
