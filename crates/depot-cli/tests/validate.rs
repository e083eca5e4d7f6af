//! `depot validate` on packages with several problems at once: every problem is on its own line
//! (file, path, rule), whichever stage of checking finds it, the exit code says failure, and
//! nothing panics. No database is needed.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

/// validate runs `depot validate` on `package`, expecting it refused, and gives the problem
/// lines without the `depot: error: FILE: ` prefix.
fn refused(dir: &Path, package: &Value) -> Vec<String> {
    let file = dir.join("package.json");
    std::fs::write(&file, serde_json::to_vec_pretty(package).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_depot"))
        .arg("validate")
        .arg(&file)
        .env_remove("DEPOT_LOG")
        .output()
        .expect("running the depot binary");
    let stderr = String::from_utf8(out.stderr).unwrap();
    // 1 is a refusal; a panic exits 101.
    assert_eq!(out.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(out.stdout.is_empty(), "stdout on a refusal");
    let prefix = format!("depot: error: {}: ", file.display());
    stderr
        .lines()
        .map(|l| {
            l.strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("not a problem line: {l}"))
                .to_string()
        })
        .collect()
}

/// The path and rule of each line (`schemas.Order.fields.id: [rule]`).
fn places(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            l.split_once("] ")
                .map_or(l.as_str(), |(place, _)| place)
                .to_string()
                + "]"
        })
        .collect()
}

#[test]
fn a_broken_enum_and_a_broken_object_hide_no_other_problem() {
    let dir = tempfile::tempdir().unwrap();
    let package = json!({
        "name": "shop", "version": "1",
        "enums": {"Status": ["new", "paid", "new"]},
        "schemas": {
            "Order": {
                "kind": "object",
                "fields": {
                    "id": {"type": "bigint"},
                    "status": {"type": "enum", "enum": "Status", "default": "shipped"},
                    "colour": {"type": "enum", "enum": "Colour"},
                    "total": {"type": "bigint"},
                    "weight": {"type": "integer", "default": "heavy"}
                },
                "primaryKey": ["id"],
                "checks": [{"name": "positive", "expression": "total >= "}],
                "indexes": [
                    {"name": "zeta", "fields": ["total"], "where": "ghost > 0"},
                    {"name": "alpha", "fields": ["id"]}
                ]
            },
            "Totals": {
                "kind": "materializedView",
                "query": "SELECT id, total FROM Order",
                "indexes": [{"name": "byGhost", "fields": ["ghost"]}]
            }
        }
    });
    let lines = refused(dir.path(), &package);
    assert_eq!(
        places(&lines),
        [
            "enums.Status[2]: [invalid-value]",
            "schemas.Order.fields.weight.default: [invalid-default]",
            "schemas.Order.fields.colour.enum: [unknown-schema]",
            "schemas.Order.fields.status.default: [invalid-default]",
            "schemas.Order.indexes[0].where: [unknown-field]",
            "schemas.Order.checks[0].expression: [expression-sql-syntax]",
            "schemas.Totals.indexes[0].fields[0]: [unknown-field]",
        ],
        "{lines:#?}"
    );
    // The materialized view's index is named as resolution names it, schema, index and column.
    let index = &lines[6];
    for w in ["`byGhost`", "`Totals`", "`ghost`", "columns: id, total"] {
        assert!(index.contains(w), "{w}: {index}");
    }
}

#[test]
fn a_view_of_an_object_with_problems_is_not_told_its_fields_are_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let package = json!({
        "name": "shop", "version": "1",
        "schemas": {
            "Customer": {
                "kind": "object",
                "fields": {"id": {"type": "uuid"}, "email": {"type": "string", "maxLength": "long"}},
                "primaryKey": ["id"]
            },
            "Emails": {"kind": "view", "query": "SELECT email, phone FROM Customer"},
            "Odd": {"kind": "object", "fields": {"id": {"type": "uuid"}, "bad-name": {"type": "string"}}},
            "FromOdd": {"kind": "view", "query": "SELECT missing FROM Odd"}
        }
    });
    let lines = refused(dir.path(), &package);
    // `email` is known though broken; `phone` is not; a view of `Odd` (left out) says nothing.
    assert_eq!(
        places(&lines),
        [
            "schemas.Customer.fields.email.maxLength: [wrong-json-type]",
            r#"schemas.Odd.fields["bad-name"]: [invalid-name]"#,
            "schemas.Emails.query: [unknown-field]",
        ],
        "{lines:#?}"
    );
    assert!(lines[2].contains("`phone`"), "{}", lines[2]);
}
