//! The hostile-input corpus: every case under `tests/hostile/` is a bad v2 of a deployed v1
//! with rows, deployed through the real `depot` binary (`depot deploy dataset.json`). Each must
//! be refused with the one-line errors the case expects (`depot: error: <file>: <path>: [rule]
//! ...`), without a panic, and leave the namespace, its rows, the state record, the event log
//! and every stored document exactly as they were.
//!
//! A case is one JSON file (see `tests/hostile/README.md`): adding a case is adding a file.

use std::path::{Path, PathBuf};
use std::process::Command;

use depot_tests::{dataset, insert_rows, model, properties, Env, Untouched};
use serde_json::{json, Value};

const ROWS: usize = 3;

/// v1: what every case starts from (deployed, with rows).
fn v1() -> Value {
    json!({
        "name": "dogs", "version": "1",
        "schemas": {
            "Dog": {
                "kind": "object",
                "fields": {
                    "id": {"type": "bigint"},
                    "name": {"type": "string", "maxLength": 200},
                    "weight": {"type": "integer", "nullable": true},
                    "birthDate": {"type": "date", "nullable": true}
                },
                "primaryKey": ["id"],
                "indexes": [{"name": "byName", "fields": ["name"]}]
            },
            "DogNames": {"kind": "view", "query": "SELECT id, name FROM Dog"}
        }
    })
}

/// Case is one file of the corpus.
#[derive(Debug)]
struct Case {
    name: String,
    spec: Value,
}

impl Case {
    fn get(&self, key: &str) -> Option<&Value> {
        self.spec.get(key)
    }

    /// The expected error lines (substrings), at least one.
    fn expect(&self) -> Vec<String> {
        let expect = match self.get("expect") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str().expect("expect holds strings").to_string())
                .collect(),
            _ => panic!("{}: `expect` (a string or strings) is required", self.name),
        };
        assert!(!expect.is_empty(), "{}: `expect` is empty", self.name);
        expect
    }

    /// Writes the case's files into `dir`: `dataset.json`, and `package.json` when the case
    /// reads its package from a file.
    fn write(&self, dir: &Path) {
        let known = [
            "why",
            "expect",
            "package",
            "packagePatch",
            "propertiesPatch",
            "packageFile",
            "packageTextEdits",
            "datasetTextEdits",
            "datasetText",
            "invalidUtf8After",
        ];
        if let Some(map) = self.spec.as_object() {
            for key in map.keys() {
                assert!(
                    known.contains(&key.as_str()),
                    "{}: unknown key `{key}`",
                    self.name
                );
            }
        }
        let mut package = match self.get("package") {
            Some(p) => p.clone(),
            None => {
                let mut p = v1();
                p["version"] = json!("2");
                p
            }
        };
        if let Some(patch) = self.get("packagePatch") {
            merge_patch(&mut package, patch);
        }
        let mut props = properties(&package);
        if let Some(patch) = self.get("propertiesPatch") {
            merge_patch(&mut props, patch);
        }
        let package_edits = self.get("packageTextEdits");
        let use_file = package_edits.is_some() || self.get("packageFile") == Some(&json!(true));
        if use_file {
            let text = serde_json::to_string_pretty(&package).unwrap();
            let text = edit(&self.name, text, package_edits);
            std::fs::write(dir.join("package.json"), text).unwrap();
            let map = props.as_object_mut().unwrap();
            map.remove("package");
            map.insert("packageFile".into(), json!("package.json"));
        }
        let text = match self.get("datasetText") {
            Some(Value::String(text)) => text.clone(),
            Some(_) => panic!("{}: `datasetText` is a string", self.name),
            None => serde_json::to_string_pretty(&props).unwrap(),
        };
        let text = edit(&self.name, text, self.get("datasetTextEdits"));
        let mut bytes = text.into_bytes();
        if let Some(after) = self.get("invalidUtf8After") {
            // Bytes no UTF-8 text holds, right after the first occurrence of `after`.
            let after = after
                .as_str()
                .expect("invalidUtf8After is a string")
                .as_bytes();
            let at = bytes
                .windows(after.len())
                .position(|w| w == after)
                .unwrap_or_else(|| panic!("{}: no {after:?} in dataset.json", self.name))
                + after.len();
            bytes.splice(at..at, [0xff, 0xfe]);
        }
        std::fs::write(dir.join("dataset.json"), bytes).unwrap();
    }
}

/// Applies `edits` (`[[from, to], ...]`, each `from` replaced once, and required) to `text`.
/// A `from` of `""` prepends `to`.
fn edit(case: &str, mut text: String, edits: Option<&Value>) -> String {
    let Some(edits) = edits else { return text };
    for pair in edits.as_array().expect("text edits are an array") {
        let from = pair[0].as_str().expect("[from, to] strings");
        let to = pair[1].as_str().expect("[from, to] strings");
        if from.is_empty() {
            text.insert_str(0, to);
            continue;
        }
        assert!(
            text.contains(from),
            "{case}: `{from}` is not in the text:\n{text}"
        );
        text = text.replacen(from, to, 1);
    }
    text
}

/// RFC 7396 JSON merge patch: objects merge member by member, `null` removes, anything else
/// replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let map = target.as_object_mut().unwrap();
    for (key, value) in patch {
        if value.is_null() {
            map.remove(key);
        } else {
            merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("hostile");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            Case {
                name: path.file_stem().unwrap().to_string_lossy().into_owned(),
                spec: serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            }
        })
        .collect()
}

/// The `depot` binary, built now so that the corpus runs the code of this tree (or
/// `DEPOT_BIN`, when set).
fn depot_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("DEPOT_BIN") {
        return PathBuf::from(bin);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(workspace)
        .args([
            "build",
            "-p",
            "depot-cli",
            "--bin",
            "depot",
            "--message-format=json",
        ])
        .output()
        .expect("running cargo build");
    assert!(
        out.status.success(),
        "building depot failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "depot")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo named the depot executable")
}

async fn world(env: &Env, model: &depot_core::PhysicalModel) -> Untouched {
    env.untouched(model).await
}

/// Runs `depot deploy dataset.json` in `dir` against the test database and state folder.
fn deploy(bin: &Path, env: &Env, dir: &Path) -> std::process::Output {
    let state = env.state_path();
    Command::new(bin)
        .current_dir(dir)
        .args(["--database-url", &env.db.url, "--state-dir"])
        .arg(&state)
        .args(["deploy", "dataset.json"])
        .env_remove("DATABASE_URL")
        .env_remove("DEPOT_STATE_DIR")
        .env_remove("PGPASSWORD")
        .env_remove("DEPOT_LOG")
        .output()
        .expect("running the depot binary")
}

#[tokio::test]
async fn every_hostile_input_is_refused_in_one_line_each_and_changes_nothing() {
    let bin = depot_binary();
    let env = Env::new().await;
    // v1 through the binary too, from a file like every case.
    let v1_dir = tempfile::tempdir().unwrap();
    std::fs::write(
        v1_dir.path().join("dataset.json"),
        serde_json::to_string_pretty(&properties(&v1())).unwrap(),
    )
    .unwrap();
    let out = deploy(&bin, &env, v1_dir.path());
    assert!(
        out.status.success(),
        "deploying v1 failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let model = model(&dataset(&v1()));
    insert_rows(&env.db.client, &model, ROWS).await;
    let before = world(&env, &model).await;
    assert_eq!(
        before.events.len(),
        3,
        "v1 sent attempted, deployed, migration-plan"
    );

    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let dir = tempfile::tempdir().unwrap();
        case.write(dir.path());
        let out = deploy(&bin, &env, dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let errors: Vec<&str> = stderr
            .lines()
            .filter_map(|l| l.strip_prefix("depot: error: "))
            .collect();
        let mut wrong = Vec::new();
        if out.status.success() {
            wrong.push("it was deployed".to_string());
        } else if out.status.code() != Some(1) {
            wrong.push(format!(
                "exit status {:?} (a panic or a signal)",
                out.status
            ));
        }
        if stderr.contains("panicked") {
            wrong.push("depot panicked".to_string());
        }
        for expected in case.expect() {
            if !errors.iter().any(|l| l.contains(&expected)) {
                wrong.push(format!("no error line contains `{expected}`"));
            }
        }
        let after = world(&env, &model).await;
        if after.snapshot != before.snapshot {
            wrong.push("the namespace changed".into());
        }
        if after.rows != before.rows {
            wrong.push("rows changed".into());
        }
        if after.state != before.state {
            wrong.push(format!("the state record changed: {:?}", after.state));
        }
        if after.events != before.events {
            wrong.push(format!(
                "events were sent: {:?}",
                &after.events[before.events.len().min(after.events.len())..]
            ));
        }
        if after.files != before.files {
            let keys = |w: &Untouched| w.files.keys().cloned().collect::<Vec<_>>();
            wrong.push(format!(
                "stored documents changed: {:?} -> {:?}",
                keys(&before),
                keys(&after)
            ));
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{}: {}\n  stderr:\n{}",
                case.name,
                wrong.join("; "),
                stderr
                    .lines()
                    .map(|l| format!("    {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
