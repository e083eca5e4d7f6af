//! The package pairs of `tests/pairs` (see its README), planned for PostgreSQL: each plan's text
//! preview is a snapshot, and planning the new version against itself gives nothing to do.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use depot_core::assemble::{plan_migration, PlanHeader};
use depot_core::dataset::{
    DatasetConfig, Executor, MigrationMode, MigrationOptions, RemovalPolicy,
};
use depot_core::naming::NamingStrategy;
use depot_core::physical::PhysicalModel;
use depot_core::preview::render_text;
use depot_core::resolve::resolve;
use depot_core::validate::parse_package;
use depot_core::{Dataset, Hazard};
use depot_postgres::{PostgresDialect, PostgresLocation};

fn pairs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pairs")
}

fn config() -> DatasetConfig {
    DatasetConfig {
        environment_id: "e2e404529091ed2".into(),
        alias: "Pairs".into(),
        bootstrap_bucket: "sdp-bootstrap-000000000000-eu-west-1".into(),
        location: PostgresLocation {
            name: "main".into(),
            host: "127.0.0.1".into(),
            port: 5432,
            database: "test".into(),
            user: None,
            secret_arn: None,
        }
        .to_location()
        .expect("a postgres location"),
        executor: Executor::named("migrations"),
        schema_name: "pairs".into(),
        naming_strategy: NamingStrategy::SnakeCase,
        dependencies: BTreeMap::new(),
        migration_options: MigrationOptions {
            migration_mode: MigrationMode::Synchronous {
                event_bus_arn: None,
            },
            trigger_seeding: false,
            allowed_hazards: BTreeSet::from(Hazard::ALL),
            lock_timeout_ms: None,
        },
        removal_policy: RemovalPolicy::Retain,
        plan_transformer: None,
        ignore_unenforced_checks: Default::default(),
    }
}

fn model(case: &str, file: &str) -> PhysicalModel {
    let path = pairs_dir().join(case).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let raw: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let package = parse_package(&raw).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let dataset = Dataset {
        config: config(),
        package,
        dataset_id: None,
    };
    resolve(&dataset, &PostgresDialect, &BTreeMap::new())
        .unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

fn header(from: Option<&str>, to: &str) -> PlanHeader {
    PlanHeader {
        migration_id: "01967b85-dd5c-7306-b067-0a06ab34d6ae".into(),
        environment_id: "e2e404529091ed2".into(),
        dataset_id: "6d9c7969f0b1".into(),
        dataset_alias: "Pairs".into(),
        from_version: from.map(str::to_string),
        to_version: to.into(),
        created_at: "2025-04-28T08:31:33.816Z".into(),
    }
}

fn cases() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(pairs_dir())
        .expect("tests/pairs exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("new.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_pair_plans_and_matches_its_snapshot() {
    let cases = cases();
    assert!(cases.len() >= 28, "found only {cases:?}");
    for case in cases {
        let old = model(&case, "old.json");
        let new = model(&case, "new.json");
        let plan = plan_migration(
            &PostgresDialect,
            Some(&old),
            &new,
            header(Some(&"0".repeat(64)), &"1".repeat(64)),
        )
        .unwrap_or_else(|e| panic!("{case}: {e}"));
        assert!(!plan.is_empty(), "{case}: nothing to do");

        let again = plan_migration(
            &PostgresDialect,
            Some(&new),
            &new,
            header(Some(&"1".repeat(64)), &"1".repeat(64)),
        )
        .unwrap_or_else(|e| panic!("{case}: {e}"));
        assert!(
            again.is_empty(),
            "{case}: the new version against itself is not empty"
        );

        insta::assert_snapshot!(case.as_str(), render_text(&plan));
    }
}
