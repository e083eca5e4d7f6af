//! `depot refresh DATASET [--view NAME]` against a real PostgreSQL: a deployed dataset's
//! materialized views recompute their rows on demand; the output is JSON naming what was
//! refreshed; a bad view name or an unreachable database is one `depot: error:` line.

use std::process::Command;

use serde_json::{json, Value};

struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn depot(cwd: &std::path::Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_depot"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env_remove("DEPOT_STATE_DIR")
        .env_remove("DEPOT_LOG")
        .output()
        .expect("running the depot binary");
    Output {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

fn dataset() -> Value {
    json!({
        "environmentId": "e2e404529091ed2",
        "alias": "Kennel",
        "bootstrapBucket": "sdp-bootstrap-cli",
        "location": {"type": "postgres", "name": "main", "host": "db.invalid", "port": "5432", "database": "app"},
        "executor": {"name": "migrations"},
        "schemaName": "kennel",
        "migrationOptions": {"migrationMode": {"type": "synchronous"}},
        "package": {
            "name": "kennel", "version": "1",
            "schemas": {
                "Dog": {"kind": "object", "primaryKey": ["id"],
                        "fields": {"id": {"type": "integer"}, "name": {"type": "string"}}},
                "NameCounts": {
                    "kind": "materializedView",
                    "query": "SELECT name, count(*) AS dogs FROM Dog GROUP BY name",
                    "indexes": [{"name": "byName", "fields": ["name"], "unique": true}]
                },
                "Names": {"kind": "materializedView", "query": "SELECT DISTINCT name FROM NameCounts"}
            }
        }
    })
}

async fn rows(client: &tokio_postgres::Client, sql: &str) -> Vec<String> {
    client
        .query(sql, &[])
        .await
        .expect("a query")
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect()
}

#[tokio::test]
async fn refresh_recomputes_materialized_views_on_demand() {
    let db = depot_testkit::fresh_database().await;
    let scratch = tempfile::tempdir().unwrap();
    let state = scratch.path().join("state");
    let file = scratch.path().join("dataset.json");
    std::fs::write(&file, serde_json::to_string_pretty(&dataset()).unwrap()).unwrap();
    let file = file.display().to_string();
    let state = state.display().to_string();
    let with_db = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--database-url", &db.url, "--state-dir", &state]);
        depot(scratch.path(), &all)
    };
    let out = with_db(&["deploy", &file]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    db.client
        .batch_execute("INSERT INTO kennel.dog VALUES (1, 'Rex'), (2, 'Bo'), (3, 'Rex')")
        .await
        .unwrap();
    assert!(rows(&db.client, "SELECT name FROM kennel.names")
        .await
        .is_empty());

    // One view: only it is refreshed.
    let out = with_db(&["refresh", &file, "--view", "NameCounts"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).expect("JSON on stdout");
    assert_eq!(
        report,
        json!({"outcome": "refreshed", "namespace": "kennel", "refreshed": ["name_counts"]})
    );
    assert!(rows(&db.client, "SELECT name FROM kennel.names")
        .await
        .is_empty());

    // Every view, each after those it reads.
    let out = with_db(&["refresh", &file]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).expect("JSON on stdout");
    assert_eq!(report["refreshed"], json!(["name_counts", "names"]));
    assert_eq!(
        rows(&db.client, "SELECT name FROM kennel.names ORDER BY name").await,
        ["Bo", "Rex"]
    );

    // A name that is no materialized view: one error line naming it and the ones there are.
    let out = with_db(&["refresh", &file, "--view", "Dog"]);
    assert_ne!(out.code, Some(0));
    let error: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("depot: error: "))
        .collect();
    assert_eq!(error.len(), 1, "{}", out.stderr);
    assert!(
        error[0].contains("no materialized view Dog") && error[0].contains("NameCounts, Names"),
        "{}",
        error[0]
    );
}
