//! The `depot` verbs on a Snowflake location: `plan` offline, then `deploy` and `get-dataset`
//! against the fakesnow emulator (FAKESNOW_ENDPOINT, as `make test` sets it), with the password
//! from SNOWFLAKE_PASSWORD and never printed.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};

fn endpoint() -> String {
    std::env::var("FAKESNOW_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:5056".to_string())
}

fn write_dataset(dir: &Path, database: &str) -> std::path::PathBuf {
    let dataset = json!({
        "environmentId": "e2e404529091ed2", "alias": "SfDogs", "datasetId": "5f0000000001",
        "bootstrapBucket": "sdp-bootstrap-local",
        "package": {"name": "dogs", "version": "1.0.0", "schemas": {
            "Dog": {"kind": "object", "primaryKey": ["id"],
                    "fields": {"id": {"type": "uuid"}, "birthDate": {"type": "date", "nullable": true}},
                    "indexes": [{"name": "byBirth", "fields": ["birthDate"]}]}}},
        "location": {"type": "snowflake", "name": "local", "account": "depot", "database": database,
                     "warehouse": "COMPUTE_WH", "role": "DEPOT", "user": "DEPOT", "endpoint": endpoint()},
        "executor": {"name": "migrations", "warehouse": "MIGRATIONS_WH"},
        "schemaName": "ws_dev_dogs"
    });
    let path = dir.join("dataset.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&dataset).unwrap()).unwrap();
    path
}

/// Runs depot in `dir`, asking for the emulator shim explicitly (DEPOT_SNOWFLAKE_EMULATOR).
fn depot(dir: &Path, args: &[&str], password: Option<&str>) -> Output {
    depot_with_emulator(dir, args, password, Some("fakesnow"))
}

fn depot_with_emulator(
    dir: &Path,
    args: &[&str],
    password: Option<&str>,
    emulator: Option<&str>,
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_depot"));
    command
        .current_dir(dir)
        .args(["--state-dir", ".depot"])
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("SNOWFLAKE_PASSWORD")
        .env_remove("DEPOT_SNOWFLAKE_EMULATOR");
    if let Some(p) = password {
        command.env("SNOWFLAKE_PASSWORD", p);
    }
    if let Some(e) = emulator {
        command.env("DEPOT_SNOWFLAKE_EMULATOR", e);
    }
    command.output().expect("running depot")
}

fn stdout_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "depot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn plan_prints_snowflake_sql_offline() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_dataset(dir.path(), "UNUSED");
    let out = depot(
        dir.path(),
        &["plan", path.to_str().unwrap(), "--format", "text"],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("CREATE TABLE IF NOT EXISTS \"ws_dev_dogs\".DOG ("),
        "{text}"
    );
    assert!(text.contains("BIRTH_DATE DATE"), "{text}");
    assert!(
        text.contains("is not created: Snowflake standard tables have no secondary indexes"),
        "{text}"
    );
}

#[test]
fn deploy_and_get_dataset_reach_the_emulator_with_the_password_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("DEPOT_CLI_{}", std::process::id());
    let path = write_dataset(dir.path(), &database);
    let path = path.to_str().unwrap();

    let refused = depot(dir.path(), &["deploy", path], None);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("SNOWFLAKE_PASSWORD"));

    let secret = "s3cret-Pa55";
    let out = depot(dir.path(), &["deploy", path], Some(secret));
    let deployed = stdout_json(&out);
    assert_eq!(deployed["outcome"], "deployed", "{deployed}");
    assert_eq!(deployed["phasesRun"], json!([100, 300]));
    let out = depot(
        dir.path(),
        &["get-dataset", "--id", "5f0000000001", "--dataset", path],
        Some(secret),
    );
    let state = stdout_json(&out);
    assert_eq!(state["deployedVersion"], deployed["datasetVersionHash"]);
    assert_eq!(state["version"], deployed["state"]["version"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(secret));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(secret));
    // A second `depot deploy` is a new session taking the lease by a MERGE, which fakesnow
    // fails in a session that did not create the lease table's schema (its own assertion);
    // the lease and a second deploy in one session are tested in crates/depot-snowflake.
}

/// A plain `http://` endpoint is an emulator's: without DEPOT_SNOWFLAKE_EMULATOR=fakesnow it is
/// refused before any request (no password sent in clear, no shim rewriting a real server's
/// answers), and an unknown value of the variable is refused too.
#[test]
fn an_http_endpoint_is_refused_unless_the_emulator_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_dataset(dir.path(), "DEPOT_CLI_REFUSED");
    let path = path.to_str().unwrap();
    for (emulator, expected) in [
        (
            None,
            "is plain HTTP: Snowflake and PrivateLink endpoints are https://",
        ),
        (
            Some("yes"),
            "DEPOT_SNOWFLAKE_EMULATOR=\"yes\" is not understood",
        ),
    ] {
        let out = depot_with_emulator(dir.path(), &["deploy", path], Some("pw-1234"), emulator);
        assert!(!out.status.success(), "{emulator:?}: deployed");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{emulator:?}: {stderr}");
        assert!(stderr.contains("DEPOT_SNOWFLAKE_EMULATOR"), "{stderr}");
        assert!(
            !dir.path().join(".depot").join("events.jsonl").exists(),
            "{stderr}"
        );
    }
}

/// `depot diff` and `depot import` on a Snowflake location: no drift after a deploy, the
/// schema imported as a package whose dataset shows no drift either, and a missing schema a
/// one-line error (drift a hand-made change causes: crates/depot-snowflake/tests/emulator).
#[test]
fn diff_and_import_read_a_snowflake_schema() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("DEPOT_CLI_IMPORT_{}", std::process::id());
    let path = write_dataset(dir.path(), &database);
    let path = path.to_str().unwrap();
    let pw = Some("pw-import");
    stdout_json(&depot(dir.path(), &["deploy", path], pw));

    let same = depot(dir.path(), &["diff", path], pw);
    assert!(
        same.status.success(),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&same.stdout), "", "no drift");

    let imported = depot(
        dir.path(),
        &[
            "import",
            "--location",
            path,
            "--schema",
            "ws_dev_dogs",
            "--name",
            "dogs",
        ],
        pw,
    );
    let package = stdout_json(&imported);
    assert_eq!(package["schemas"]["Dog"]["primaryKey"], json!(["id"]));
    assert_eq!(
        package["schemas"]["Dog"]["fields"]["birthDate"]["type"],
        "date"
    );
    // The plain index was never created on Snowflake: import cannot see it.
    assert!(
        package["schemas"]["Dog"].get("indexes").is_none(),
        "{package}"
    );
    let stderr = String::from_utf8_lossy(&imported.stderr);
    assert!(
        stderr.contains("depot: warning: column DOG.ID is VARCHAR(36): imported as uuid"),
        "{stderr}"
    );

    // The dataset around the imported package: no drift from the live schema.
    let mut dataset: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    dataset["package"] = package;
    let wrapped = dir.path().join("imported.json");
    std::fs::write(&wrapped, serde_json::to_vec_pretty(&dataset).unwrap()).unwrap();
    let diff = depot(dir.path(), &["diff", wrapped.to_str().unwrap()], pw);
    assert!(
        diff.status.success(),
        "imported package differs: {}{}",
        String::from_utf8_lossy(&diff.stdout),
        String::from_utf8_lossy(&diff.stderr)
    );

    let missing = depot(
        dir.path(),
        &["import", "--location", path, "--schema", "no_such_schema"],
        pw,
    );
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("no_such_schema"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}
