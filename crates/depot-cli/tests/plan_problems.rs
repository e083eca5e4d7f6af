//! `depot plan` on a package whose problems only resolution finds: each line names the entry
//! as it is written in the file (resolution sees indexes and checks sorted by name). No
//! database is needed.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

/// The package: problems only resolution finds, out of name order.
fn package() -> Value {
    depot_testkit::packages::resolution_problems_out_of_name_order()
}

fn dataset() -> Value {
    json!({
        "environmentId": "e2e404529091ed2",
        "alias": "Shop",
        "bootstrapBucket": "local",
        "location": {"type": "postgres", "name": "main", "host": "127.0.0.1", "port": 5432, "database": "postgres"},
        "schemaName": "shop"
    })
}

/// Runs `depot plan FILE`, expecting a refusal; the problem lines.
fn refused(file: &Path) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_depot"))
        .arg("plan")
        .arg(file)
        .env_remove("DEPOT_LOG")
        .output()
        .expect("running the depot binary");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(out.stdout.is_empty(), "no plan on a refusal");
    stderr.lines().map(str::to_string).collect()
}

/// The one line that names `place` (`FILE: PATH: [rule] ...`).
fn line_at<'l>(lines: &'l [String], place: &str) -> &'l str {
    let found: Vec<&String> = lines.iter().filter(|l| l.contains(place)).collect();
    assert_eq!(found.len(), 1, "one line at {place}: {lines:#?}");
    found[0]
}

#[test]
fn an_inline_package_s_problems_name_entries_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut dataset = dataset();
    dataset["package"] = package();
    let file = dir.path().join("dataset.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&dataset).unwrap()).unwrap();
    let lines = refused(&file);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let index = line_at(&lines, "package.schemas.Order.indexes[0]");
    assert!(index.contains(&file.display().to_string()), "{index}");
    assert!(index.contains("ghost"), "{index}");
    assert!(line_at(&lines, "package.schemas.Order.checks[0]").contains("nope"));
}

#[test]
fn a_package_file_s_problems_name_its_entries_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut dataset = dataset();
    dataset["packageFile"] = json!("package.json");
    let file = dir.path().join("dataset.json");
    let package_file = dir.path().join("package.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&dataset).unwrap()).unwrap();
    std::fs::write(
        &package_file,
        serde_json::to_vec_pretty(&package()).unwrap(),
    )
    .unwrap();
    let lines = refused(&file);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let index = line_at(&lines, ": schemas.Order.indexes[0]");
    assert!(
        index.contains(&package_file.display().to_string()),
        "the package file is named: {index}"
    );
    assert!(line_at(&lines, ": schemas.Order.checks[0]").contains("nope"));
}
