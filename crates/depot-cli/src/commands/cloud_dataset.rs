//! `depot get-dataset --env` and `depot list-datasets --env`: a cloud environment's datasets as
//! an operator reads them: the newest environment document (alias, location, schema, version)
//! and the state record in the location (SPEC §7, status derived with the lock probe).

use std::collections::BTreeMap;

use anyhow::{anyhow, Result};
use depot_aws::environment::DatasetVersions;
use depot_aws::FoundDataset;
use depot_core::dataset::{Location, MigrationMode};
use depot_deploy::LocationSession;
use depot_postgres::PostgresLocation;
use depot_snowflake::SnowflakeLocation;
use serde_json::{json, Value};

use super::state_report;
use crate::cli::{EnvironmentArgs, OutputFormat};
use crate::cloud_env::{find_dataset, Cloud, DatasetRef};

/// `depot get-dataset --env ENV (--id ID | --alias A)`.
pub async fn get_dataset(
    environment_id: &str,
    which: DatasetRef<'_>,
    args: &EnvironmentArgs,
    format: OutputFormat,
) -> Result<()> {
    let (cloud, environment) = Cloud::connect_to(environment_id, args).await?;
    let found = find_dataset(&environment, &which).await?;
    let mut session = cloud.open_location(&found).await?;
    let report = read_record(session.as_mut(), &found).await?;
    let mut out = describe(&found);
    merge(&mut out, report);
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&out)?),
        OutputFormat::Text => print!("{}", record_table(&out)),
    }
    Ok(())
}

/// The state record of `found`, as operators read it (`status`, `lastError`).
async fn read_record(session: &mut dyn LocationSession, found: &FoundDataset) -> Result<Value> {
    let id = &found.document.dataset_id;
    let location = location_name(&found.document.dataset.location);
    // Creates nothing but Depot's own admin schema when missing (so that a read of a fresh
    // location says "no record" rather than failing on a missing table).
    session
        .prepare()
        .await
        .map_err(|e| anyhow!("location {location}: {e}"))?;
    let state = session
        .load_state(id)
        .await
        .map_err(|e| anyhow!("location {location}: reading the state record: {e}"))?
        .ok_or_else(|| {
            anyhow!(
                "dataset {id} ({}) has no state record in location {location}: its environment document is in the bucket but no deploy recorded it there",
                found.document.dataset_alias
            )
        })?;
    let lock = session
        .is_locked(id)
        .await
        .map_err(|e| anyhow!("location {location}: probing the dataset's lock: {e}"))?;
    Ok(state_report(&state, lock))
}

/// What the environment document says about a dataset (no secret: only the ARN's presence).
fn describe(found: &FoundDataset) -> Value {
    let document = &found.document;
    let config = &document.dataset;
    json!({
        "id": document.dataset_id,
        "alias": document.dataset_alias,
        "environmentId": document.environment_id,
        "location": location_json(&config.location),
        "schemaName": config.schema_name,
        "migrationMode": match config.migration_options.migration_mode {
            MigrationMode::Synchronous { .. } => "synchronous",
            MigrationMode::Asynchronous { .. } => "asynchronous",
        },
        "newestVersionHash": found.version.version_hash,
        "environmentUri": found.environment_uri,
    })
}

/// Where the dataset lives, as operators read it: the keys that say where (no user, no
/// warehouse), and the secret's ARN.
fn location_json(location: &Location) -> Value {
    if let Ok(pg) = PostgresLocation::from_location(location) {
        json!({"name": pg.name, "type": "postgres",
            "host": pg.host, "port": pg.port, "database": pg.database,
            "secretArn": pg.secret_arn})
    } else if let Ok(sf) = SnowflakeLocation::from_location(location) {
        json!({"name": sf.name, "type": "snowflake",
            "account": sf.account, "database": sf.database, "secretArn": sf.secret_arn})
    } else {
        json!({"name": location.name(), "type": location.engine()})
    }
}

fn location_name(location: &Location) -> &str {
    location.name()
}

/// Adds the record's fields to the description (the record's own `id`/`alias` agree).
fn merge(out: &mut Value, record: Value) {
    if let (Some(out), Value::Object(record)) = (out.as_object_mut(), record) {
        for (key, value) in record {
            out.insert(key, value);
        }
    }
}

/// `depot get-dataset --format text`: one field a line.
pub(super) fn record_table(out: &Value) -> String {
    let text = |key: &str| match &out[key] {
        Value::Null => "-".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let location = &out["location"];
    let mut rows = vec![
        ("dataset", format!("{} ({})", text("id"), text("alias"))),
        ("environment", text("environmentId")),
        ("status", text("status")),
    ];
    if !out["lastError"].is_null() {
        rows.push(("lastError", text("lastError")));
    }
    if location.is_object() {
        rows.push((
            "location",
            format!(
                "{} ({})",
                location["name"].as_str().unwrap_or("-"),
                location["type"].as_str().unwrap_or("-")
            ),
        ));
        rows.push(("schema", text("schemaName")));
    }
    rows.extend([
        ("desired", text("desiredVersion")),
        ("attempted", text("attemptedVersion")),
        ("deployed", text("deployedVersion")),
        (
            "record",
            format!("version {}, synced {}", text("version"), text("synced")),
        ),
    ]);
    if !out["lastCompletedPhase"].is_null() {
        rows.push(("lastPhase", text("lastCompletedPhase")));
    }
    if !out["environmentUri"].is_null() {
        rows.push(("document", text("environmentUri")));
    }
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(key, value)| format!("{key:<width$}  {}\n", value.replace(['\r', '\n'], " ")))
        .collect()
}

/// `depot list-datasets --env ENV`.
pub async fn list_datasets(
    environment_id: &str,
    args: &EnvironmentArgs,
    format: OutputFormat,
) -> Result<()> {
    let (cloud, environment) = Cloud::connect_to(environment_id, args).await?;
    let datasets = environment.datasets().await?;
    // One session per location (the same secret and database serve all its datasets); a
    // location that cannot be reached is tried once.
    let mut sessions: BTreeMap<String, Result<Box<dyn LocationSession>, String>> = BTreeMap::new();
    let mut rows = Vec::new();
    for dataset in &datasets {
        rows.push(list_row(&cloud, &environment, dataset, &mut sessions).await);
    }
    // The table lists the errors under it; JSON readers get them on stderr too.
    if format == OutputFormat::Json {
        for row in &rows {
            if let Some(error) = row["error"].as_str() {
                eprintln!("depot: warning: {}", error.replace(['\r', '\n'], " "));
            }
        }
    }
    let out = json!({
        "environmentId": environment.environment_id,
        "bucket": environment.bucket,
        "datasets": rows,
    });
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&out)?),
        OutputFormat::Text => print!("{}", list_table(&rows)),
    }
    Ok(())
}

/// One dataset's row: its newest document, and its record's status, or an `error` saying why
/// the record could not be read.
async fn list_row(
    cloud: &Cloud,
    environment: &depot_aws::CloudEnvironment,
    dataset: &DatasetVersions,
    sessions: &mut BTreeMap<String, Result<Box<dyn LocationSession>, String>>,
) -> Value {
    let newest = dataset.newest();
    let mut row = json!({
        "id": dataset.dataset_id,
        "newestVersionHash": newest.version_hash,
        "versions": dataset.versions.len(),
    });
    let found = match environment.read_version(newest).await {
        Ok(found) => found,
        Err(e) => {
            row["error"] = json!(e.to_string());
            return row;
        }
    };
    merge(&mut row, describe(&found));
    let key = serde_json::to_string(&found.document.dataset.location).unwrap_or_default();
    if !sessions.contains_key(&key) {
        let opened = cloud
            .open_location(&found)
            .await
            .map_err(|e| format!("{e:#}"));
        sessions.insert(key.clone(), opened);
    }
    let record = match sessions.get_mut(&key) {
        Some(Ok(session)) => read_record(session.as_mut(), &found)
            .await
            .map_err(|e| format!("{e:#}")),
        Some(Err(e)) => Err(e.clone()),
        None => Err("no session".to_string()),
    };
    match record {
        Ok(record) => {
            for field in [
                "status",
                "lastError",
                "desiredVersion",
                "attemptedVersion",
                "deployedVersion",
            ] {
                row[field] = record[field].clone();
            }
        }
        Err(error) => row["error"] = json!(error),
    }
    row
}

/// `depot list-datasets --format text`: a table, then the rows' errors.
fn list_table(rows: &[Value]) -> String {
    let cell = |row: &Value, key: &str| row[key].as_str().unwrap_or("-").to_string();
    let mut table = vec![[
        "ID".to_string(),
        "ALIAS".to_string(),
        "LOCATION".to_string(),
        "VERSION".to_string(),
        "STATUS".to_string(),
    ]];
    for row in rows {
        let version = cell(row, "newestVersionHash");
        table.push([
            cell(row, "id"),
            cell(row, "alias"),
            row["location"]["name"].as_str().unwrap_or("-").to_string(),
            version.get(..12).unwrap_or(&version).to_string(),
            if row["error"].is_string() {
                "UNREACHABLE".to_string()
            } else {
                cell(row, "status")
            },
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|i| table.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for row in &table {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        text.push_str(line.join("  ").trim_end());
        text.push('\n');
    }
    for row in rows {
        if let Some(error) = row["error"].as_str() {
            text.push_str(&format!(
                "{}: {}\n",
                cell(row, "id"),
                error.replace(['\r', '\n'], " ")
            ));
        }
    }
    text
}
