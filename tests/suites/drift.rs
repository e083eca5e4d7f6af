//! The drift check never cries wolf: for every package pair (`tests/pairs`), the namespace as
//! Depot deployed it matches the model of the deployed version, after a fresh deploy of old and
//! after the migration to new. A false difference would make the runner refuse a sound plan.

use std::path::{Path, PathBuf};

use depot_deploy::{DriftCheck, LocationSession};
use depot_tests::{dataset, model, Env};
use serde_json::Value;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("pairs");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.join("old.json").exists() && p.join("new.json").exists())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 20,
        "expected the package pairs under {}",
        root.display()
    );
    cases
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn drift(env: &Env, package: &Value) -> Vec<String> {
    let mut session = env.session().await;
    match session
        .check_drift(&model(&dataset(package)))
        .await
        .unwrap()
    {
        DriftCheck::Compared(drift) => drift.differences,
        DriftCheck::Unsupported => panic!("PostgreSQL compares"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_namespace_as_deployed_or_migrated_shows_no_drift() {
    let mut failures = Vec::new();
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let (old, new) = (read(&case.join("old.json")), read(&case.join("new.json")));
        let env = Env::new().await;
        env.deploy(&dataset(&old))
            .await
            .unwrap_or_else(|e| panic!("{name}: deploying old: {e}"));
        let after_deploy = drift(&env, &old).await;
        env.deploy(&dataset(&new))
            .await
            .unwrap_or_else(|e| panic!("{name}: migrating: {e}"));
        let after_migration = drift(&env, &new).await;
        if !after_deploy.is_empty() || !after_migration.is_empty() {
            failures.push(format!(
                "{name}: after deploying old: {after_deploy:?}; after migrating to new: {after_migration:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "false drift:\n{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_made_change_is_drift() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("pairs/add_index");
    let old = read(&case.join("old.json"));
    let env = Env::new().await;
    env.deploy(&dataset(&old)).await.unwrap();
    let old_model = model(&dataset(&old));
    let table = &old_model.objects.values().next().unwrap().physical;
    env.db
        .client
        .batch_execute(&format!(
            "ALTER TABLE pairs.{table} ADD COLUMN by_hand integer"
        ))
        .await
        .unwrap();
    assert_eq!(
        drift(&env, &old).await,
        [format!(
            "table pairs.{table}: column by_hand is not part of the deployed version"
        )]
    );
}
