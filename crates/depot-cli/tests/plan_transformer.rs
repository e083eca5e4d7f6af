//! `planTransformer.command` through `depot deploy` on PostgreSQL: the transformer's step runs
//! and shows in the database, the transformed plan is stored beside Depot's and the events name
//! both; a refused or failed transformer fails the deploy with one line naming the step and the
//! rule, and changes nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn transformer_script() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/adjust_plan.py")
        .display()
        .to_string()
}

struct World {
    db: depot_testkit::TestDatabase,
    state: tempfile::TempDir,
    scratch: tempfile::TempDir,
}

impl World {
    async fn new() -> World {
        World {
            db: depot_testkit::fresh_database().await,
            state: tempfile::tempdir().unwrap(),
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    /// A dataset file whose transformer runs `adjust_plan.py MODE` (copied beside the file and
    /// named by a relative path, as a user would), with a timeout of `timeout` seconds.
    fn dataset(&self, mode: &str, timeout: u32) -> String {
        self.dataset_in(mode, timeout, "synchronous")
    }

    fn dataset_in(&self, mode: &str, timeout: u32, migration_mode: &str) -> String {
        std::fs::copy(
            transformer_script(),
            self.scratch.path().join("adjust_plan.py"),
        )
        .unwrap();
        let dataset = json!({
            "environmentId": "e2e404529091ed2",
            "alias": "Dogs",
            "bootstrapBucket": "sdp-bootstrap-cli",
            "package": {"name": "dogs", "version": "1", "schemas": {"Dog": {"kind": "object",
                "fields": {"id": {"type": "bigint"}, "name": {"type": "string", "nullable": true}},
                "primaryKey": ["id"]}}},
            "location": {"type": "postgres", "name": "main", "host": "db.invalid", "port": "5432", "database": "app"},
            "schemaName": "dogs_t",
            "migrationOptions": {"migrationMode": {"type": migration_mode}},
            "planTransformer": {"command": ["python3", "./adjust_plan.py", mode], "timeoutSeconds": timeout},
        });
        let path = self.scratch.path().join(format!("dataset-{mode}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&dataset).unwrap()).unwrap();
        path.display().to_string()
    }

    fn deploy(&self, dataset: &str) -> Run {
        self.depot(&["deploy", dataset])
    }

    fn depot(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_depot"))
            .args(args)
            .args(["--database-url", &self.db.url])
            .args(["--state-dir", &self.state.path().display().to_string()])
            .current_dir(self.scratch.path())
            .env_remove("DATABASE_URL")
            .env_remove("DEPOT_STATE_DIR")
            .env_remove("DEPOT_LOG")
            .output()
            .expect("running depot");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn files(&self) -> BTreeSet<PathBuf> {
        let mut out = BTreeSet::new();
        let mut stack = vec![self.state.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    out.insert(path);
                }
            }
        }
        out
    }

    fn events(&self) -> Vec<Value> {
        std::fs::read_to_string(self.state.path().join("events.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    async fn namespace_exists(&self) -> bool {
        self.db
            .client
            .query_one(
                "SELECT count(*) FROM pg_namespace WHERE nspname = 'dogs_t'",
                &[],
            )
            .await
            .unwrap()
            .get::<_, i64>(0)
            == 1
    }
}

#[tokio::test]
async fn a_command_transformer_adds_a_step_that_runs_and_both_plans_are_kept() {
    let world = World::new().await;
    let run = world.deploy(&world.dataset("comment", 30));
    assert_eq!(run.code, Some(0), "{}", run.stderr);

    // The transformer's step ran.
    let comment: Option<String> = world
        .db
        .client
        .query_one(
            "SELECT obj_description('dogs_t.dog'::regclass, 'pg_class')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(comment.as_deref(), Some("adjusted by the transformer"));

    // Both plans are stored, side by side.
    let plans: Vec<PathBuf> = world
        .files()
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("/migrations/"))
        .collect();
    assert_eq!(plans.len(), 2, "{plans:?}");
    let name = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
    let original = plans
        .iter()
        .find(|p| name(p).contains("_MIGRATION_PLANNED_"))
        .unwrap();
    let transformed = plans
        .iter()
        .find(|p| name(p).contains("_TRANSFORMED_"))
        .unwrap();
    assert_eq!(original.parent(), transformed.parent());
    assert_eq!(
        name(transformed),
        name(original).replace("_MIGRATION_PLANNED_", "_TRANSFORMED_")
    );
    let read =
        |p: &PathBuf| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let phases = |plan: &Value| -> Vec<u64> {
        plan["phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["phase"].as_u64().unwrap())
            .collect()
    };
    assert!(!phases(&read(original)).contains(&1500));
    assert!(phases(&read(transformed)).contains(&1500));
    // The transformer left metadata out: Depot's is kept.
    assert_eq!(read(transformed)["metadata"], read(original)["metadata"]);

    // The plan event names the plan that ran and Depot's.
    let planned: Vec<Value> = world
        .events()
        .into_iter()
        .filter(|e| e["detail-type"] == "migration-plan")
        .collect();
    assert_eq!(planned.len(), 1);
    let detail = &planned[0]["detail"];
    let key = |k: &str| detail[k].as_str().unwrap().to_string();
    assert!(
        transformed
            .to_string_lossy()
            .ends_with(&key("migrationPlanKey")),
        "{detail}"
    );
    assert!(
        original
            .to_string_lossy()
            .ends_with(&key("originalMigrationPlanKey")),
        "{detail}"
    );
}

#[tokio::test]
async fn refused_or_failed_transformers_fail_the_deploy_with_one_line_and_change_nothing() {
    for (mode, timeout, expected) in [
        ("bad-phase", 30, vec!["step 1550-1", "rule `phase-range`"]),
        (
            "unknown-action",
            30,
            vec!["step 1500-1", "rule `unknown-action`"],
        ),
        ("multi", 30, vec!["step 1500-1", "rule `sql-one-statement`"]),
        (
            "hazard",
            30,
            vec!["step 1500-1", "rule `hazard-not-allowed`", "DELETES_DATA"],
        ),
        (
            "crash",
            30,
            vec![
                "refused the plan",
                "no plan for you: phase 1500 is reserved",
            ],
        ),
        ("sleep", 1, vec!["did not answer within 1 s"]),
    ] {
        let world = World::new().await;
        let run = world.deploy(&world.dataset(mode, timeout));
        assert!(run.code.is_some_and(|c| c != 0), "{mode}: {}", run.stdout);
        let line = run
            .stderr
            .lines()
            .find(|l| l.starts_with("depot: error: "))
            .unwrap_or_else(|| panic!("{mode}: no error line:\n{}", run.stderr));
        for part in &expected {
            assert!(line.contains(part), "{mode}: {line}");
        }
        assert!(
            line.contains("plan transformer command `python3`"),
            "{mode}: {line}"
        );
        assert!(
            !run.stderr.contains("second line"),
            "{mode}: {}",
            run.stderr
        );
        // Nothing stored, nothing sent, nothing created in the database.
        let stored: Vec<PathBuf> = world
            .files()
            .into_iter()
            .filter(|p| !p.to_string_lossy().contains("/lock"))
            .collect();
        assert!(
            !stored
                .iter()
                .any(|p| p.to_string_lossy().contains("/migrations/")
                    || p.to_string_lossy().contains("/datasets/")),
            "{mode}: {stored:?}"
        );
        assert!(world.events().is_empty(), "{mode}: {:?}", world.events());
        assert!(!world.namespace_exists().await, "{mode}");
    }
}

#[tokio::test]
async fn in_asynchronous_mode_the_runner_runs_the_transformed_plan() {
    let world = World::new().await;
    let run = world.deploy(&world.dataset_in("comment", 30, "asynchronous"));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let planned = world
        .events()
        .into_iter()
        .find(|e| e["detail-type"] == "migration-plan")
        .expect("a migration-plan event");
    let detail = &planned["detail"];
    let key = detail["migrationPlanKey"].as_str().unwrap();
    assert!(key.contains("_TRANSFORMED_"), "{detail}");
    assert!(
        detail["originalMigrationPlanKey"]
            .as_str()
            .unwrap()
            .contains("_MIGRATION_PLANNED_"),
        "{detail}"
    );
    let payload = world.scratch.path().join("payload.json");
    std::fs::write(
        &payload,
        json!({
            "datasetId": detail["datasetId"],
            "migrationPlanBucket": detail["migrationPlanBucket"],
            "migrationPlanKey": key,
        })
        .to_string(),
    )
    .unwrap();
    let ran = world.depot(&["run-migration", &payload.display().to_string()]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let comment: Option<String> = world
        .db
        .client
        .query_one(
            "SELECT obj_description('dogs_t.dog'::regclass, 'pg_class')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(comment.as_deref(), Some("adjusted by the transformer"));
}
