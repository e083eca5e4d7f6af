//! The `depot` binary end to end: each test runs the real executable against a fresh PostgreSQL
//! database (`--database-url`) with a state folder of its own (`--state-dir`), and checks what
//! an operator sees: exit codes, JSON on stdout, `depot: error:` on stderr, the event log and the
//! stored plans, and the database itself.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use depot_testkit::TestDatabase;
use serde_json::{json, Value};
use wait_timeout::ChildExt;

/// Output is one run of `depot`.
#[derive(Debug)]
struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Output {
    fn ok(self) -> Output {
        assert_eq!(self.code, Some(0), "depot failed:\n{}", self.stderr);
        self
    }

    fn failed(self) -> Output {
        assert_ne!(
            self.code,
            Some(0),
            "depot succeeded but should not have:\n{}",
            self.stdout
        );
        assert!(self.code.is_some(), "depot was killed:\n{}", self.stderr);
        // Progress logs may come first; the reason is one line of its own.
        assert!(
            self.stderr.lines().any(|l| l.starts_with("depot: error: ")),
            "no `depot: error:` line on stderr:\n{}",
            self.stderr
        );
        self
    }

    /// A failure whose stderr is the reason alone (no progress before it).
    fn failed_at_once(self) -> Output {
        let out = self.failed();
        assert!(
            out.stderr.starts_with("depot: error: "),
            "stderr:\n{}",
            out.stderr
        );
        out
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs `depot args...` in `cwd` with no Depot setting inherited from the environment.
fn depot_in(cwd: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_depot"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env_remove("DEPOT_STATE_DIR")
        .env_remove("PGPASSWORD")
        .env_remove("DEPOT_LOG")
        .output()
        .expect("running the depot binary");
    Output {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/dogs")
}

fn example(name: &str) -> String {
    examples().join(name).display().to_string()
}

fn write(dir: &Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path.display().to_string()
}

/// A Depot world: a fresh database, a state folder and a scratch folder.
struct World {
    db: TestDatabase,
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

    fn state_dir(&self) -> String {
        self.state.path().display().to_string()
    }

    /// Runs depot against this world's database and state folder.
    fn depot(&self, args: &[&str]) -> Output {
        self.depot_with_url(&self.db.url, args)
    }

    fn depot_with_url(&self, url: &str, args: &[&str]) -> Output {
        let state = self.state_dir();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--database-url", url, "--state-dir", &state]);
        depot_in(self.scratch.path(), &all)
    }

    fn write(&self, name: &str, value: &Value) -> String {
        write(self.scratch.path(), name, value)
    }

    fn events(&self) -> Vec<Value> {
        match std::fs::read_to_string(self.state.path().join("events.jsonl")) {
            Ok(text) => text
                .lines()
                .map(|l| serde_json::from_str(l).expect("an event per line"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Every file under the state folder.
    fn files(&self) -> BTreeSet<PathBuf> {
        files_under(self.state.path())
    }

    async fn columns(&self, namespace: &str, table: &str) -> Vec<String> {
        self.db
            .client
            .query(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = $1 AND table_name = $2 ORDER BY column_name",
                &[&namespace, &table],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    }
}

fn files_under(root: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
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

/// The lifecycle of an event: its `event`, or its `executionResponsibility` for a plan event.
fn what(event: &Value) -> String {
    let d = &event["detail"];
    d["event"]
        .as_str()
        .or(d["executionResponsibility"].as_str())
        .unwrap_or("?")
        .to_string()
}

/// A small dataset file (inline package) of alias `alias` in namespace `namespace`.
fn dataset_file(alias: &str, namespace: &str, package: Value, mode: &str, hazards: Value) -> Value {
    json!({
        "environmentId": "e2e404529091ed2",
        "alias": alias,
        "bootstrapBucket": "sdp-bootstrap-cli",
        "package": package,
        "location": {"type": "postgres", "name": "main", "host": "db.invalid", "port": "5432", "database": "app"},
        "executor": {"name": "migrations"},
        "schemaName": namespace,
        "migrationOptions": {"migrationMode": {"type": mode}, "allowedHazards": hazards}
    })
}

fn dogs(version: &str, fields: Value) -> Value {
    json!({
        "name": "dogs", "version": version,
        "schemas": {"Dog": {"kind": "object", "fields": fields, "primaryKey": ["id"]}}
    })
}

fn is_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

// ---------------------------------------------------------------------------------------------
// Offline verbs

#[test]
fn every_verb_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for verb in [
        "validate",
        "hash",
        "plan",
        "deploy",
        "get-dataset",
        "abandon",
        "run-migration",
        "diff",
        "import",
        "refresh",
    ] {
        let out = depot_in(dir.path(), &[verb, "--help"]).ok();
        assert!(
            out.stdout.contains("Usage: depot"),
            "{verb}: {}",
            out.stdout
        );
    }
}

#[test]
fn validate_a_good_package_prints_a_json_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = depot_in(dir.path(), &["validate", &example("package-v2.json")]).ok();
    let summary = out.json();
    assert_eq!(summary["valid"], json!(true), "{summary}");
    assert_eq!(summary["name"], json!("dogs"));
    assert_eq!(summary["version"], json!("1.3.0"));
    assert_eq!(summary["objects"], json!(1));
    assert_eq!(summary["views"], json!(1));
}

#[test]
fn validate_a_bad_package_lists_every_problem_with_schema_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.json",
        &json!({
            "name": "dogs", "version": "1",
            "schemas": {
                "Dog": {"kind": "object", "fields": {
                    "id": {"type": "uuid"},
                    "name": {"type": "strng"},
                    "birth-date": {"type": "date"},
                    "weight": {"type": "decimal", "precision": 99, "scale": 2}
                }, "primaryKey": ["id"]},
                "Bad_Cat": {"kind": "object", "fields": {"id": {"type": "uuid"}}}
            }
        }),
    );
    let out = depot_in(dir.path(), &["validate", &bad]).failed_at_once();
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let err = &out.stderr;
    // One line per problem: the file, the JSON path inside it, the rule.
    assert_eq!(err.lines().count(), 4, "{err}");
    for (path, rule) in [
        ("schemas.Dog.fields.name.type", "unknown-type"),
        (r#"schemas.Dog.fields["birth-date"]"#, "invalid-name"),
        (
            "schemas.Dog.fields.weight.precision",
            "invalid-type-parameter",
        ),
        ("schemas.Bad_Cat", "invalid-name"),
    ] {
        let start = format!("depot: error: {bad}: {path}: [{rule}] ");
        assert!(
            err.lines().any(|l| l.starts_with(&start)),
            "no line starting {start:?}:\n{err}"
        );
    }
    // The unknown type's line says what the valid types are.
    assert!(
        err.contains("valid types: string, integer, bigint"),
        "{err}"
    );

    // A package that parses but does not resolve: both colliding fields named.
    let collide = write(
        dir.path(),
        "collide.json",
        &dogs(
            "1",
            json!({"id": {"type": "uuid"}, "dogName": {"type": "string"}, "DogName": {"type": "string"}}),
        ),
    );
    let out = depot_in(dir.path(), &["validate", &collide]).failed_at_once();
    for w in [
        "collide.json: schemas.Dog.fields.",
        "dogName",
        "DogName",
        "dog_name",
        "name-collision",
    ] {
        assert!(out.stderr.contains(w), "{w}: {}", out.stderr);
    }
}

#[test]
fn validate_checks_the_package_not_the_namespace_it_would_get() {
    let dir = tempfile::tempdir().unwrap();
    // Its probe namespace would be `pg_tools`, which PostgreSQL reserves: not the package's
    // problem.
    let mut package = dogs("1", json!({"id": {"type": "uuid"}}));
    package["name"] = json!("pgTools");
    let path = write(dir.path(), "tools.json", &package);
    depot_in(dir.path(), &["validate", &path]).ok();
    // Engine limits are the package's: refused, one line, in the package file.
    let package = dogs(
        "1",
        json!({"id": {"type": "uuid"}, "n": {"type": "string", "maxLength": 10_485_761}}),
    );
    let path = write(dir.path(), "long.json", &package);
    let out = depot_in(dir.path(), &["validate", &path]).failed_at_once();
    assert!(
        out.stderr.starts_with(&format!(
            "depot: error: {path}: schemas.Dog.fields.n.maxLength: [engine-limit] "
        )),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn validate_malformed_json_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "{\"name\": \"dogs\", \"schemas\": {").unwrap();
    let path = path.display().to_string();
    let out = depot_in(dir.path(), &["validate", &path]).failed_at_once();
    assert!(
        out.stderr.contains(&path) && out.stderr.contains("malformed JSON"),
        "{}",
        out.stderr
    );

    let out = depot_in(dir.path(), &["hash", &path]).failed();
    assert!(
        out.stderr.contains(&path) && out.stderr.contains("malformed JSON"),
        "{}",
        out.stderr
    );

    let missing = dir.path().join("missing.json").display().to_string();
    let out = depot_in(dir.path(), &["validate", &missing]).failed();
    assert!(out.stderr.contains(&missing), "{}", out.stderr);

    // A dataset file whose packageFile is missing or malformed: both files named.
    let dataset = |package_file: &str| {
        json!({"environmentId": "e2e404529091ed2", "alias": "Dogs", "bootstrapBucket": "bkt",
               "packageFile": package_file,
               "location": {"type": "postgres", "name": "m", "host": "h", "port": "5432", "database": "d"}})
    };
    for package_file in ["gone.json", "broken.json"] {
        let file = write(dir.path(), "dataset.json", &dataset(package_file));
        let out = depot_in(dir.path(), &["hash", &file]).failed_at_once();
        assert!(
            out.stderr.contains(&file) && out.stderr.contains(package_file),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn problems_of_a_package_file_are_placed_in_it_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = json!({"environmentId": "e2e404529091ed2", "alias": "Dogs", "bootstrapBucket": "../x",
        "packageFile": "package.json",
        "location": {"type": "postgres", "name": "m", "host": "h", "port": "5432", "database": "d"}});
    write(dir.path(), "dataset.json", &dataset);
    let package = dogs(
        "1",
        json!({"id": {"type": "uuid"}, "name": {"type": "string", "sqlName": "n\u{0}"}}),
    );
    write(dir.path(), "package.json", &package);
    let out = depot_in(dir.path(), &["hash", "dataset.json"]).failed_at_once();
    assert_eq!(
        out.stderr.lines().collect::<Vec<_>>(),
        [
            "depot: error: package.json: schemas.Dog.fields.name.sqlName: [nul-character] the string holds a NUL character (U+0000), which no engine can store or run: remove it",
            "depot: error: dataset.json: bootstrapBucket: [invalid-bucket] `bootstrapBucket` \"../x\" is not an S3 bucket name: only lowercase letters, digits, dots and hyphens are allowed",
        ],
        "{}",
        out.stderr
    );

    // A key given twice in the package file: refused, named in the package file.
    let text = serde_json::to_string_pretty(&dogs("1", json!({"id": {"type": "uuid"}})))
        .unwrap()
        .replacen("\"id\": {", "\"id\": {\"type\": \"string\"}, \"id\": {", 1);
    std::fs::write(dir.path().join("package.json"), text).unwrap();
    let mut fixed = dataset.clone();
    fixed["bootstrapBucket"] = json!("bkt");
    write(dir.path(), "dataset.json", &fixed);
    let out = depot_in(dir.path(), &["plan", "dataset.json"]).failed_at_once();
    assert!(
        out.stderr
            .starts_with("depot: error: package.json: schemas.Dog.fields.id: [duplicate-key] "),
        "{}",
        out.stderr
    );

    // Engine limits, found when the dataset is resolved: in the package file too.
    let package = dogs(
        "1",
        json!({"id": {"type": "uuid"}, "name": {"type": "string", "maxLength": 20_000_000}}),
    );
    write(dir.path(), "package.json", &package);
    let out = depot_in(dir.path(), &["plan", "dataset.json"]).failed_at_once();
    assert!(
        out.stderr.starts_with(
            "depot: error: package.json: schemas.Dog.fields.name.maxLength: [engine-limit] "
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn hash_prints_the_hash_alone_and_ignores_key_order_whitespace_and_scalar_form() {
    let dir = tempfile::tempdir().unwrap();
    let a = r#"{"environmentId":"e2e404529091ed2","alias":"Dogs","bootstrapBucket":"bkt",
        "location":{"type":"postgres","name":"main","host":"h","port":5432,"database":"app"},
        "schemaName":"dogs","migrationOptions":{"allowedHazards":["INDEX_BUILD","DELETES_DATA"],"triggerSeeding":false},
        "package":{"name":"dogs","version":"1","schemas":{"Dog":{"kind":"object","primaryKey":["id"],
        "fields":{"id":{"type":"uuid"},"name":{"type":"string","maxLength":200},"n":{"type":"integer","default":5}}}}}}"#;
    let b = r#"{
      "package": {
        "schemas": {
          "Dog": {
            "fields": {
              "n":    { "default": "5", "type": "integer" },
              "name": { "maxLength": "200", "type": "string" },
              "id":   { "type": "uuid" }
            },
            "primaryKey": [ "id" ],
            "kind": "object"
          }
        },
        "version": "1",
        "name": "dogs"
      },
      "migrationOptions": { "triggerSeeding": "false", "allowedHazards": [ "DELETES_DATA", "INDEX_BUILD" ] },
      "schemaName": "dogs",
      "location": { "database": "app", "port": "5432", "host": "h", "name": "main", "type": "postgres" },
      "bootstrapBucket": "bkt",
      "alias": "Dogs",
      "environmentId": "e2e404529091ed2"
    }"#;
    let c = a.replace("\"maxLength\":200", "\"maxLength\":201");
    let mut hashes = Vec::new();
    for (name, text) in [("a.json", a), ("b.json", b), ("c.json", c.as_str())] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = depot_in(dir.path(), &["hash", &path.display().to_string()]).ok();
        let hash = out
            .stdout
            .strip_suffix('\n')
            .unwrap_or_else(|| panic!("no newline: {:?}", out.stdout));
        assert!(is_hash(hash), "not 64 lowercase hex: {:?}", out.stdout);
        hashes.push(hash.to_string());
    }
    assert_eq!(
        hashes[0], hashes[1],
        "the same dataset written two ways hashes differently"
    );
    assert_ne!(hashes[0], hashes[2], "a different package hashes the same");

    // The example, through its packageFile, from another working directory.
    let out = depot_in(dir.path(), &["hash", &example("dataset-v1.json")]).ok();
    assert!(
        is_hash(out.stdout.trim_end())
            && out.stdout.ends_with('\n')
            && out.stdout.lines().count() == 1
    );
}

#[test]
fn plan_from_a_dataset_of_another_engine_is_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let package = dogs("1.0.0", json!({"id": {"type": "integer"}}));
    let postgres = dataset_file("Dogs", "dogs", package, "synchronous", json!([]));
    let mut snowflake = postgres.clone();
    snowflake["location"] =
        json!({"type": "snowflake", "name": "main", "account": "xy12345", "database": "APP"});
    let pg_path = dir.path().join("pg.json");
    let sf_path = dir.path().join("sf.json");
    std::fs::write(&pg_path, postgres.to_string()).unwrap();
    std::fs::write(&sf_path, snowflake.to_string()).unwrap();
    let (pg, sf) = (pg_path.to_str().unwrap(), sf_path.to_str().unwrap());
    depot_in(dir.path(), &["plan", pg, "--from", pg]).ok();
    let out = depot_in(dir.path(), &["plan", pg, "--from", sf]).failed_at_once();
    assert!(
        out.stderr
            .contains("a postgres dataset cannot be planned from")
            && out.stderr.contains("sf.json, a snowflake dataset"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "no plan is printed: {}", out.stdout);
}

/// `depot plan` runs on the rayon pool, the old and new versions side by side (`rayon::join`):
/// on a pool of one thread (a one-core machine, or `RAYON_NUM_THREADS=1`) it plans exactly as on
/// two, and finishes. (A worker blocked joining a thread of its own could hang there; that is a
/// race, which this small example does not reliably lose.)
#[test]
fn plan_from_an_old_version_on_a_pool_of_one_thread_is_the_same_plan() {
    let dir = tempfile::tempdir().unwrap();
    let (v1, v2) = (example("dataset-v1.json"), example("dataset-v2.json"));
    let plan_with = |threads: &str| {
        // Into a file, not a pipe: a pipe nobody reads would block a large plan.
        let path = dir.path().join(format!("plan-{threads}.json"));
        let file = std::fs::File::create(&path).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_depot"))
            .args(["plan", &v2, "--from", &v1])
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(dir.path())
            .stdout(file)
            .spawn()
            .expect("running the depot binary");
        let Some(status) = child
            .wait_timeout(std::time::Duration::from_secs(60))
            .expect("waiting for depot")
        else {
            child.kill().ok();
            panic!("depot plan on {threads} thread(s) did not finish within 60 s");
        };
        assert!(status.success(), "depot plan on {threads} thread(s) failed");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut plan: Value = serde_json::from_str(&text).expect("a JSON plan");
        let object = plan.as_object_mut().unwrap();
        object.remove("migrationId").expect("a migration id");
        object.remove("createdAt").expect("a creation time");
        plan
    };
    let one = plan_with("1");
    assert!(!one["phases"].as_array().unwrap().is_empty(), "{one}");
    assert_eq!(one, plan_with("2"));
}

#[test]
fn plan_from_nothing_and_from_an_old_version_in_json_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let (v1, v2) = (example("dataset-v1.json"), example("dataset-v2.json"));
    let h1 = depot_in(dir.path(), &["hash", &v1])
        .ok()
        .stdout
        .trim_end()
        .to_string();
    let h2 = depot_in(dir.path(), &["hash", &v2])
        .ok()
        .stdout
        .trim_end()
        .to_string();

    let fresh = depot_in(dir.path(), &["plan", &v2, "--format", "json"])
        .ok()
        .json();
    assert_eq!(fresh["formatVersion"], json!(1));
    assert_eq!(fresh["engine"], json!("postgres"));
    assert_eq!(fresh["fromVersion"], Value::Null);
    assert_eq!(fresh["toVersion"], json!(h2));
    assert_eq!(fresh["datasetAlias"], json!("ExampleDogs"));
    assert_eq!(fresh["metadata"]["namespace"], json!("example_dogs"));
    assert_eq!(
        fresh["metadata"]["schemas"]["Dog"]["fields"]["birthDate"],
        json!("birth_date")
    );
    let steps: Vec<(String, String)> = fresh["phases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["steps"].as_array().unwrap().iter())
        .map(|s| {
            (
                s["action"].as_str().unwrap().to_string(),
                s["target"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        steps.contains(&("createObject".into(), "Dog".into())),
        "{steps:?}"
    );
    assert!(
        steps.contains(&("createView".into(), "VaccinatedDog".into())),
        "{steps:?}"
    );
    let phases: Vec<u64> = fresh["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["phase"].as_u64().unwrap())
        .collect();
    assert!(phases.windows(2).all(|w| w[0] < w[1]), "{phases:?}");

    let from = depot_in(dir.path(), &["plan", &v2, "--from", &v1])
        .ok()
        .json();
    assert_eq!(from["fromVersion"], json!(h1));
    assert_eq!(from["toVersion"], json!(h2));
    let steps: Vec<(String, String)> = from["phases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["steps"].as_array().unwrap().iter())
        .map(|s| {
            (
                s["action"].as_str().unwrap().to_string(),
                s["target"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for expected in [
        ("renameObject", "Dog"),
        ("renameField", "Dog.ownerName"),
        ("createIndex", "Dog.byName"),
        ("createView", "VaccinatedDog"),
    ] {
        assert!(
            steps
                .iter()
                .any(|(a, t)| a == expected.0 && t == expected.1),
            "no {expected:?} in {steps:?}"
        );
    }
    assert!(
        !steps
            .iter()
            .any(|(a, _)| a == "createObject" || a == "dropObject"),
        "{steps:?}"
    );

    let text = depot_in(
        dir.path(),
        &["plan", &v2, "--from", &v1, "--format", "text"],
    )
    .ok()
    .stdout;
    assert!(text.starts_with("Migration plan for ExampleDogs"), "{text}");
    assert!(
        text.contains(&format!("{} -> {}", &h1[..12], &h2[..12])),
        "{text}"
    );
    assert!(text.contains("Phase 400 rename"), "{text}");
    assert!(text.contains("Phase 700 build-indexes"), "{text}");
    assert!(text.contains("Hazards:"), "{text}");

    // The same version from itself: nothing to do.
    let same = depot_in(
        dir.path(),
        &["plan", &v2, "--from", &v2, "--format", "text"],
    )
    .ok()
    .stdout;
    assert!(same.contains("Nothing to do"), "{same}");
}

// ---------------------------------------------------------------------------------------------
// Verbs against a database

/// Every (table, column, type, nullability) of `namespace`'s tables.
async fn table_columns(
    db: &TestDatabase,
    namespace: &str,
) -> Vec<(String, String, String, String)> {
    db.client
        .query(
            "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
             FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1, 2",
            &[&namespace],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

/// `psql -v ON_ERROR_STOP=1 -f script` against `url`: how a reviewer would run the script.
fn psql_file(url: &str, script: &Path) {
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f"])
        .arg(script)
        .output()
        .expect("running psql (the PostgreSQL client)");
    assert!(
        out.status.success(),
        "psql failed on {}:\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_view_reads_a_view_of_another_dataset_by_its_logical_columns() {
    let w = World::new().await;
    let breeds = json!({
        "name": "breeds", "version": "1",
        "schemas": {
            "Breed": {"kind": "object", "primaryKey": ["id"], "fields": {
                "id": {"type": "integer"}, "breedName": {"type": "string"},
                "isRare": {"type": "boolean", "default": false}}},
            "RareBreed": {"kind": "view", "query": "SELECT id, breedName FROM Breed WHERE isRare"}
        },
        "seeds": {"Breed": [
            {"id": 1, "breedName": "Otterhound", "isRare": true},
            {"id": 2, "breedName": "Labrador"}]}
    });
    let mut breeds_file = dataset_file("WsBreeds", "ws_breeds", breeds, "synchronous", json!([]));
    breeds_file["migrationOptions"]["triggerSeeding"] = json!(true);
    let breeds_file = w.write("breeds.json", &breeds_file);
    w.depot(&["deploy", &breeds_file]).ok();

    let dogs = json!({
        "name": "dogs", "version": "1",
        "schemas": {
            "Dog": {"kind": "object", "primaryKey": ["id"], "fields": {
                "id": {"type": "integer"}, "breedId": {"type": "integer"}}},
            "RareDog": {"kind": "view",
                "query": "SELECT d.id, r.breedName FROM Dog d JOIN Breeds.RareBreed r ON r.id = d.breedId"}
        }
    });
    let mut dogs_file = dataset_file("WsDogs", "ws_dogs", dogs, "synchronous", json!([]));
    dogs_file["dependencies"] = json!({"Breeds": "WsBreeds"});
    let dogs_file = w.write("dogs.json", &dogs_file);
    w.depot(&["deploy", &dogs_file]).ok();

    w.db.client
        .batch_execute("INSERT INTO ws_dogs.dog (id, breed_id) VALUES (10, 1), (11, 2)")
        .await
        .unwrap();
    let rows: Vec<(i32, String)> =
        w.db.client
            .query(
                "SELECT id, breed_name FROM ws_dogs.rare_dog ORDER BY id",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    assert_eq!(rows, [(10, "Otterhound".to_string())]);
}

#[tokio::test]
async fn the_sql_script_of_a_plan_runs_in_psql_and_does_what_deploy_does() {
    let (v1, v2) = (example("dataset-v1.json"), example("dataset-v2.json"));
    let by_script = World::new().await;
    let by_deploy = World::new().await;
    let scripts = tempfile::tempdir().unwrap();

    for (name, args) in [
        ("v1.sql", vec!["plan", v1.as_str(), "--format", "sql"]),
        (
            "v2.sql",
            vec![
                "plan",
                v2.as_str(),
                "--from",
                v1.as_str(),
                "--format",
                "sql",
            ],
        ),
    ] {
        let script = depot_in(scripts.path(), &args).ok().stdout;
        assert!(script.starts_with("-- Depot migration plan "), "{script}");
        let path = scripts.path().join(name);
        std::fs::write(&path, &script).unwrap();
        psql_file(&by_script.db.url, &path);
    }
    by_deploy.depot(&["deploy", &v1]).ok();
    by_deploy.depot(&["deploy", &v2]).ok();

    let scripted = table_columns(&by_script.db, "example_dogs").await;
    assert!(!scripted.is_empty(), "the scripts created no table");
    assert_eq!(scripted, table_columns(&by_deploy.db, "example_dogs").await);
    // The index phase stays outside any transaction, where CONCURRENTLY can run.
    let v2_script = std::fs::read_to_string(scripts.path().join("v2.sql")).unwrap();
    let concurrently = v2_script
        .lines()
        .position(|l| l.contains("CONCURRENTLY"))
        .expect("v2 builds an index on an existing table");
    let open = v2_script
        .lines()
        .take(concurrently)
        .filter(|l| *l == "BEGIN;")
        .count();
    let closed = v2_script
        .lines()
        .take(concurrently)
        .filter(|l| *l == "COMMIT;")
        .count();
    assert_eq!(
        open, closed,
        "CONCURRENTLY inside a transaction:\n{v2_script}"
    );
}

#[tokio::test]
async fn deploy_the_example_v1_then_v2_and_read_the_state() {
    let w = World::new().await;
    let (v1, v2) = (example("dataset-v1.json"), example("dataset-v2.json"));
    let h1 = depot_in(w.scratch.path(), &["hash", &v1])
        .ok()
        .stdout
        .trim_end()
        .to_string();
    let h2 = depot_in(w.scratch.path(), &["hash", &v2])
        .ok()
        .stdout
        .trim_end()
        .to_string();

    let first = w.depot(&["deploy", &v1, "--log-format", "json"]).ok();
    // Structured logs: every stderr line is a JSON object.
    assert!(!first.stderr.is_empty(), "a deploy logs its progress");
    for line in first.stderr.lines() {
        let log: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(
            log["level"].is_string() && log["timestamp"].is_string(),
            "{line}"
        );
    }
    let first = first.json();
    assert_eq!(first["outcome"], json!("deployed"), "{first}");
    assert_eq!(first["datasetVersionHash"], json!(h1));
    // The state as SPEC §7 reads it, as get-dataset gives it; not the stored record's marker.
    assert_eq!(first["state"]["status"], json!("STABLE"), "{first}");
    let id = first["datasetId"].as_str().unwrap().to_string();
    assert!(
        id.len() == 12
            && id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{id}"
    );

    // A row written by the application between the two versions.
    w.db.client
        .batch_execute(
            "INSERT INTO example_dogs.hound (id, name, birth_date, owner) \
             VALUES ('7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11', 'Rex', '2020-02-02', 'Ann')",
        )
        .await
        .unwrap();

    // --preview prints the plan from the live deployed version and changes nothing.
    let (events_before, files_before) = (w.events().len(), w.files());
    let state_before = w.depot(&["get-dataset", "--id", &id]).ok().json();
    let preview = w.depot(&["deploy", &v2, "--preview"]).ok();
    assert!(
        preview.stdout.contains("Migration plan for ExampleDogs")
            && preview.stdout.contains(&h1[..12])
            && preview.stdout.contains("renameObject"),
        "--preview prints the plan from the deployed version:\n{}",
        preview.stdout
    );
    assert!(
        preview.stdout.contains("Drift: none"),
        "--preview reports the drift check:\n{}",
        preview.stdout
    );
    assert_eq!(w.events().len(), events_before, "--preview sent an event");
    assert_eq!(w.files(), files_before, "--preview wrote a document");
    assert_eq!(
        w.depot(&["get-dataset", "--id", &id]).ok().json(),
        state_before,
        "--preview changed the state record"
    );
    let against_live = w
        .depot(&["plan", &v2, "--against-live", "--format", "json"])
        .ok()
        .json();
    assert_eq!(against_live["plan"]["fromVersion"], json!(h1));
    assert_eq!(against_live["drift"], json!([]));

    let second = w.depot(&["deploy", &v2]).ok();
    assert!(
        second.stderr.contains("INFO"),
        "text logs on stderr:\n{}",
        second.stderr
    );
    assert!(
        !second.stderr.contains('\x1b'),
        "colour escape codes in piped logs:\n{:?}",
        second.stderr
    );
    let second = second.json();
    assert_eq!(second["outcome"], json!("deployed"), "{second}");
    assert_eq!(
        second["datasetId"],
        json!(id),
        "the redeploy finds the dataset by alias"
    );
    assert_eq!(second["datasetVersionHash"], json!(h2));

    // The data followed the renames.
    let row =
        w.db.client
            .query_one(
                "SELECT name, owner_name, vaccinated FROM example_dogs.dog",
                &[],
            )
            .await
            .unwrap();
    assert_eq!(row.get::<_, String>(0), "Rex");
    assert_eq!(row.get::<_, String>(1), "Ann");
    assert!(!row.get::<_, bool>(2));
    let vaccinated: i64 =
        w.db.client
            .query_one("SELECT count(*) FROM example_dogs.vaccinated_dog", &[])
            .await
            .unwrap()
            .get(0);
    assert_eq!(vaccinated, 0);

    // get-dataset prints SPEC §7's record.
    let state = w.depot(&["get-dataset", "--id", &id]).ok().json();
    for key in [
        "id",
        "alias",
        "version",
        "synced",
        "status",
        "desiredVersion",
        "attemptedVersion",
        "deployedVersion",
    ] {
        assert!(state.get(key).is_some(), "{key} missing from {state}");
    }
    assert_eq!(state["id"], json!(id));
    assert_eq!(state["alias"], json!("ExampleDogs"));
    assert_eq!(state["status"], json!("STABLE"));
    for key in ["desiredVersion", "attemptedVersion", "deployedVersion"] {
        assert_eq!(state[key], json!(h2), "{key}: {state}");
    }
    assert!(
        state["version"].as_i64().unwrap() >= 4,
        "two deploys change the record at least 4 times: {state}"
    );
    let synced = state["synced"].as_str().unwrap();
    assert!(
        synced.ends_with('Z') && synced.len() == "2025-05-12T11:51:06.589Z".len(),
        "{synced}"
    );

    // An unknown id is an error, not an empty record.
    let out = w.depot(&["get-dataset", "--id", "ffffffffffff"]).failed();
    assert!(out.stderr.contains("ffffffffffff"), "{}", out.stderr);

    // The events, in order.
    let events = w.events();
    let kinds: Vec<String> = events.iter().map(what).collect();
    assert_eq!(
        kinds,
        [
            "attempted",
            "deployed",
            "executed-by-sender",
            "attempted",
            "deployed",
            "executed-by-sender"
        ],
        "{events:#?}"
    );
    for e in &events {
        assert_eq!(e["source"], json!("tech.stage.depot"));
        assert_eq!(e["detail"]["datasetId"], json!(id));
    }
    let planned = &events[5]["detail"];
    assert_eq!(planned["datasetVersionHash"], json!(h2));
    assert_eq!(planned["oldDatasetVersionHash"], json!(h1));
    assert_eq!(planned["migrationId"], second["migrationId"]);
    assert_eq!(
        planned["environmentUri"],
        json!(format!(
            "s3://sdp-bootstrap-local/sdp-e2e404529091ed2/datasets/{id}/{h2}.json"
        ))
    );

    // The plan is stored where SPEC §4 says, under the state folder.
    let key = second["planKey"].as_str().unwrap();
    assert_eq!(planned["migrationPlanKey"], json!(key));
    let prefix = format!("sdp-e2e404529091ed2/migrations/{id}_ExampleDogs/");
    assert!(key.starts_with(&prefix), "{key}");
    let file_name = key.rsplit('/').next().unwrap();
    assert!(
        file_name.ends_with(&format!(
            "_MIGRATION_PLANNED_{id}_ExampleDogs_{}.json",
            second["migrationId"].as_str().unwrap()
        )),
        "{key}"
    );
    let plan_path = w.state.path().join("sdp-bootstrap-local").join(key);
    assert_eq!(second["planFile"], json!(plan_path.display().to_string()));
    let plan: Value = serde_json::from_slice(&std::fs::read(&plan_path).unwrap()).unwrap();
    assert_eq!(plan["fromVersion"], json!(h1));
    assert_eq!(plan["toVersion"], json!(h2));
    let env_doc = w.state.path().join(format!(
        "sdp-bootstrap-local/sdp-e2e404529091ed2/datasets/{id}/{h2}.json"
    ));
    assert!(env_doc.exists(), "{}", env_doc.display());

    // Deploying v2 again: nothing to do, nothing sent.
    let again = w.depot(&["deploy", &v2]).ok().json();
    assert_eq!(again["outcome"], json!("already-deployed"), "{again}");
    assert_eq!(again["state"]["status"], json!("STABLE"), "{again}");
    assert_eq!(w.events().len(), 6);
}

#[tokio::test]
async fn a_refused_plan_lists_the_step_and_changes_nothing() {
    let w = World::new().await;
    let fields = json!({"id": {"type": "bigint"}, "name": {"type": "string"}, "weight": {"type": "integer", "nullable": true}});
    let v1 = w.write(
        "v1.json",
        &dataset_file(
            "Kennel",
            "kennel",
            dogs("1", fields),
            "synchronous",
            json!([]),
        ),
    );
    let v2 = w.write(
        "v2.json",
        &dataset_file(
            "Kennel",
            "kennel",
            dogs(
                "2",
                json!({"id": {"type": "bigint"}, "name": {"type": "string"}}),
            ),
            "synchronous",
            json!(["INDEX_BUILD"]),
        ),
    );
    let id = w.depot(&["deploy", &v1]).ok().json()["datasetId"]
        .as_str()
        .unwrap()
        .to_string();
    w.db.client
        .batch_execute("INSERT INTO kennel.dog VALUES (1, 'Rex', 30)")
        .await
        .unwrap();

    // `plan` shows the step and warns that a deploy would be refused, without failing.
    let planned = w.depot(&["plan", &v2, "--from", &v1]).ok();
    assert!(
        planned.stderr.contains("would be refused"),
        "{}",
        planned.stderr
    );
    let step = planned.json()["phases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["steps"].as_array().unwrap().clone())
        .find(|s| {
            s["hazards"]
                .as_array()
                .unwrap()
                .contains(&json!("DELETES_DATA"))
        })
        .expect("a DELETES_DATA step");
    let (step_id, target) = (
        step["id"].as_str().unwrap().to_string(),
        step["target"].as_str().unwrap().to_string(),
    );
    assert_eq!(target, "Dog.weight");

    let state_before = w.depot(&["get-dataset", "--id", &id]).ok().json();
    let (events_before, files_before) = (w.events().len(), w.files());

    let out = w.depot(&["deploy", &v2]).failed();
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    for word in [
        step_id.as_str(),
        target.as_str(),
        "DELETES_DATA",
        "allowedHazards",
    ] {
        assert!(out.stderr.contains(word), "{word} missing:\n{}", out.stderr);
    }

    assert_eq!(w.columns("kennel", "dog").await, ["id", "name", "weight"]);
    let weight: i32 =
        w.db.client
            .query_one("SELECT weight FROM kennel.dog", &[])
            .await
            .unwrap()
            .get(0);
    assert_eq!(weight, 30);
    assert_eq!(
        w.depot(&["get-dataset", "--id", &id]).ok().json(),
        state_before
    );
    assert_eq!(
        w.events().len(),
        events_before,
        "no event for a refused plan"
    );
    assert_eq!(
        w.files(),
        files_before,
        "no plan or document stored for a refused plan"
    );
}

#[tokio::test]
async fn run_migration_runs_a_scheduled_plan() {
    let w = World::new().await;
    let fields = json!({"id": {"type": "bigint"}, "name": {"type": "string", "nullable": true}});
    let v1 = w.write(
        "v1.json",
        &dataset_file(
            "Later",
            "later",
            dogs("1", fields),
            "asynchronous",
            json!([]),
        ),
    );

    let scheduled = w.depot(&["deploy", &v1]).ok().json();
    assert_eq!(scheduled["outcome"], json!("scheduled"), "{scheduled}");
    assert_eq!(
        scheduled["state"]["status"],
        json!("SCHEDULED"),
        "{scheduled}"
    );
    let id = scheduled["datasetId"].as_str().unwrap().to_string();
    assert!(
        w.columns("later", "dog").await.is_empty(),
        "nothing runs before the runner"
    );
    let state = w.depot(&["get-dataset", "--id", &id]).ok().json();
    assert_eq!(state["desiredVersion"], scheduled["datasetVersionHash"]);
    assert_eq!(state["attemptedVersion"], Value::Null);
    assert_eq!(state["deployedVersion"], Value::Null);

    let events = w.events();
    assert_eq!(
        events.iter().map(what).collect::<Vec<_>>(),
        ["desired", "to-be-executed-by-receiver"]
    );
    let planned = &events[1];
    let payload = w.write(
        "payload.json",
        &json!({
            "eventId": planned["id"],
            "datasetId": planned["detail"]["datasetId"],
            "migrationPlanBucket": planned["detail"]["migrationPlanBucket"],
            "migrationPlanPrefix": "",
            "migrationPlanKey": planned["detail"]["migrationPlanKey"],
            "chainWithSeeding": "false"
        }),
    );

    let ran = w.depot(&["run-migration", &payload]).ok().json();
    assert_eq!(ran["outcome"], json!("deployed"), "{ran}");
    assert_eq!(w.columns("later", "dog").await, ["id", "name"]);
    let state = w.depot(&["get-dataset", "--id", &id]).ok().json();
    for key in ["desiredVersion", "attemptedVersion", "deployedVersion"] {
        assert_eq!(
            state[key], scheduled["datasetVersionHash"],
            "{key}: {state}"
        );
    }
    assert_eq!(
        w.events().iter().map(what).collect::<Vec<_>>(),
        [
            "desired",
            "to-be-executed-by-receiver",
            "attempted",
            "deployed"
        ]
    );

    // The same payload again is a no-op; a payload for a plan that does not exist is an error.
    let again = w.depot(&["run-migration", &payload]).ok().json();
    assert_eq!(again["outcome"], json!("already-deployed"), "{again}");
    assert_eq!(w.events().len(), 4);
    let missing = w.write(
        "missing.json",
        &json!({"datasetId": id, "migrationPlanBucket": "sdp-bootstrap-cli", "migrationPlanKey": "sdp-e2e404529091ed2/migrations/nope.json"}),
    );
    let out = w.depot(&["run-migration", &missing]).failed();
    assert!(out.stderr.contains("nope.json"), "{}", out.stderr);
    let not_payload = w.write("not-payload.json", &json!({"hello": "world"}));
    let out = w.depot(&["run-migration", &not_payload]).failed();
    assert!(
        out.stderr.contains("not-payload.json") && out.stderr.contains("payload"),
        "{}",
        out.stderr
    );
}

/// A payload whose bucket or key climbs out of the state folder (`../`) is refused before
/// anything is read: here a real plan copied outside the state folder, reachable only through
/// `..`, would otherwise run (depot once read and ran it). Nothing runs, nothing is stored, no
/// event is sent, and the reason is one line naming the field.
#[tokio::test]
async fn run_migration_refuses_a_payload_that_points_outside_the_state_folder() {
    let w = World::new().await;
    let fields = json!({"id": {"type": "bigint"}});
    let v1 = w.write(
        "v1.json",
        &dataset_file(
            "Outside",
            "outside",
            dogs("1", fields),
            "asynchronous",
            json!([]),
        ),
    );
    let scheduled = w.depot(&["deploy", &v1]).ok().json();
    let id = scheduled["datasetId"].as_str().unwrap().to_string();
    let planned = w.events()[1].clone();
    let bucket = planned["detail"]["migrationPlanBucket"]
        .as_str()
        .unwrap()
        .to_string();
    let key = planned["detail"]["migrationPlanKey"]
        .as_str()
        .unwrap()
        .to_string();

    // The plan, moved outside the state folder (into the scratch folder beside it).
    let outside = w.scratch.path().join("stolen").join(&key);
    std::fs::create_dir_all(outside.parent().unwrap()).unwrap();
    std::fs::rename(w.state.path().join(&bucket).join(&key), &outside).unwrap();
    let scratch_name = w.scratch.path().file_name().unwrap().to_str().unwrap();
    let state_parent = w.state.path().parent().unwrap();
    assert_eq!(state_parent, w.scratch.path().parent().unwrap());
    let (env_folder, _) = key.split_once('/').unwrap();
    // From <state>/<bucket>/: up to the folder both temporary folders share, then down.
    let climbing_key = format!("{env_folder}/migrations/../../../../{scratch_name}/stolen/{key}");
    let files_before = w.files();
    let state_before = w.depot(&["get-dataset", "--id", &id]).ok().json();
    let events_before = w.events().len();

    for (field, hostile) in [
        (
            "migrationPlanKey",
            json!({"migrationPlanKey": climbing_key}),
        ),
        (
            "migrationPlanKey",
            json!({"migrationPlanKey": format!("/{key}")}),
        ),
        (
            "migrationPlanBucket",
            json!({"migrationPlanBucket": format!("../{scratch_name}/stolen")}),
        ),
        (
            "migrationPlanPrefix",
            json!({"migrationPlanPrefix": format!("../../{scratch_name}/stolen/")}),
        ),
        ("datasetId", json!({"datasetId": "../../etc"})),
        ("lastPhase", json!({"lastPhase": 100000})),
    ] {
        let mut payload = json!({
            "datasetId": id, "migrationPlanBucket": bucket, "migrationPlanKey": key,
        });
        for (k, v) in hostile.as_object().unwrap() {
            payload[k] = v.clone();
        }
        let file = w.write("hostile.json", &payload);
        let out = w.depot(&["run-migration", &file]).failed_at_once();
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(
            out.stderr
                .contains("hostile.json: invalid migration runner payload: ")
                && out.stderr.contains(&format!("{field} ")),
            "{field}: {}",
            out.stderr
        );
    }
    assert!(outside.exists(), "the plan outside was not touched");
    assert!(w.columns("outside", "dog").await.is_empty(), "nothing ran");
    assert_eq!(w.files(), files_before, "nothing stored");
    assert_eq!(w.events().len(), events_before, "no event sent");
    assert_eq!(
        w.depot(&["get-dataset", "--id", &id]).ok().json(),
        state_before
    );
}

/// The URL of `db` with a password: its own if it has one, else `s3cr3t-pw` (which a trust-auth
/// server ignores). Returns the URL and the password.
fn url_with_password(db: &TestDatabase) -> (String, String) {
    let url = &db.url;
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (authority, path) = rest.split_once('/').expect("a URL with a database");
    let (userinfo, host) = authority
        .rsplit_once('@')
        .unwrap_or(("postgres", authority));
    match userinfo.split_once(':') {
        Some((_, password)) if !password.is_empty() => (url.clone(), password.to_string()),
        _ => {
            let user = userinfo.split(':').next().unwrap();
            (
                format!("{scheme}://{user}:s3cr3t-pw@{host}/{path}"),
                "s3cr3t-pw".to_string(),
            )
        }
    }
}

#[tokio::test]
async fn the_password_is_never_printed_nor_stored() {
    let w = World::new().await;
    let (url, secret) = url_with_password(&w.db);
    let fields = json!({"id": {"type": "bigint"}, "name": {"type": "string", "nullable": true}});
    let v1 = w.write(
        "v1.json",
        &dataset_file(
            "Secret",
            "secret",
            dogs("1", fields.clone()),
            "synchronous",
            json!([]),
        ),
    );
    let mut more = fields;
    more["age"] = json!({"type": "integer", "nullable": true});
    let v2 = w.write(
        "v2.json",
        &dataset_file(
            "Secret",
            "secret",
            dogs("2", more),
            "asynchronous",
            json!([]),
        ),
    );

    let mut outputs = Vec::new();
    let first = w
        .depot_with_url(&url, &["deploy", &v1, "--preview", "--log-format", "json"])
        .ok();
    outputs.push(first);
    let first = w
        .depot_with_url(&url, &["deploy", &v1, "--log-format", "json"])
        .ok();
    let id = first.json()["datasetId"].as_str().unwrap().to_string();
    outputs.push(first);
    let scheduled = w
        .depot_with_url(&url, &["deploy", &v2, "--log-format", "text"])
        .ok();
    let planned = w.events().last().unwrap().clone();
    outputs.push(scheduled);
    let payload = w.write(
        "payload.json",
        &json!({
            "eventId": planned["id"], "datasetId": id,
            "migrationPlanBucket": planned["detail"]["migrationPlanBucket"],
            "migrationPlanKey": planned["detail"]["migrationPlanKey"]
        }),
    );
    outputs.push(w.depot_with_url(&url, &["run-migration", &payload]).ok());
    outputs.push(w.depot_with_url(&url, &["get-dataset", "--id", &id]).ok());
    // Failures must not echo the URL's password either: a server that is not there, a URL that
    // does not parse, a refused deploy.
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, _) = rest.split_once('/').unwrap();
    let (userinfo, _) = authority.rsplit_once('@').unwrap();
    let unreachable = format!("{scheme}://{userinfo}@127.0.0.1:1/nowhere?connect_timeout=2");
    outputs.push(
        w.depot_with_url(&unreachable, &["get-dataset", "--id", &id])
            .failed(),
    );
    let unparsable = format!("{scheme}://{userinfo}@127.0.0.1:notaport/db");
    outputs.push(w.depot_with_url(&unparsable, &["deploy", &v1]).failed());
    let bad_mode = format!("{scheme}://{userinfo}@127.0.0.1/db?sslmode=sometimes");
    outputs.push(w.depot_with_url(&bad_mode, &["deploy", &v1]).failed());

    // And when the URL comes from DATABASE_URL, clap must not show it (e.g. in --help).
    let help = Command::new(env!("CARGO_BIN_EXE_depot"))
        .args(["deploy", "--help"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    outputs.push(Output {
        code: help.status.code(),
        stdout: String::from_utf8(help.stdout).unwrap(),
        stderr: String::from_utf8(help.stderr).unwrap(),
    });

    for out in &outputs {
        assert!(
            !out.stdout.contains(&secret),
            "the password is on stdout:\n{}",
            out.stdout
        );
        assert!(
            !out.stderr.contains(&secret),
            "the password is on stderr:\n{}",
            out.stderr
        );
    }
    let files = w.files();
    assert!(
        files.len() >= 5,
        "events, plans and environment documents: {files:?}"
    );
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains(&secret),
            "the password is in {}",
            file.display()
        );
    }
    let records: Vec<String> =
        w.db.client
            .query(
                "SELECT row_to_json(s)::text FROM __admin.dataset_state s",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    assert_eq!(records.len(), 1);
    assert!(
        !records[0].contains(&secret),
        "the password is in the state record: {}",
        records[0]
    );
}

// ---------------------------------------------------------------------------------------------
// After a failure, as an operator paged at night would go about it

#[tokio::test]
async fn a_failed_deploy_is_undone_reported_and_a_corrected_version_deploys() {
    let w = World::new().await;
    let nullable = json!({"id": {"type": "bigint"}, "name": {"type": "string", "nullable": true}});
    let v1 = w.write(
        "v1.json",
        &dataset_file(
            "Night",
            "night",
            dogs("1", nullable.clone()),
            "synchronous",
            json!([]),
        ),
    );
    let id = w.depot(&["deploy", &v1]).ok().json()["datasetId"]
        .as_str()
        .unwrap()
        .to_string();
    w.db.client
        .batch_execute("INSERT INTO night.dog VALUES (1, 'Rex'), (2, NULL)")
        .await
        .unwrap();

    // v2 makes `name` NOT NULL: its validation fails on row 2.
    let v2 = w.write(
        "v2.json",
        &dataset_file(
            "Night",
            "night",
            dogs(
                "2",
                json!({"id": {"type": "bigint"}, "name": {"type": "string"}}),
            ),
            "synchronous",
            json!(["VALIDATES_DATA"]),
        ),
    );
    let out = w.depot(&["deploy", &v2]).failed();
    let reason = out
        .stderr
        .lines()
        .find(|l| l.starts_with("depot: error: "))
        .unwrap();
    for word in ["phase 900", "violated", "undone"] {
        assert!(reason.contains(word), "{word} missing: {reason}");
    }
    // The old application still inserts a NULL name.
    w.db.client
        .batch_execute("INSERT INTO night.dog VALUES (3, NULL)")
        .await
        .expect("the old version's insert works after the failure");
    let state = w.depot(&["get-dataset", "--id", &id]).ok().json();
    assert_eq!(state["status"], json!("FAILED"), "{state}");
    assert!(
        state["lastError"].as_str().unwrap().contains("violated"),
        "{state}"
    );

    // A corrected v3 deploys from v1; every row is there.
    let v3 = w.write(
        "v3.json",
        &dataset_file(
            "Night",
            "night",
            dogs(
                "3",
                json!({"id": {"type": "bigint"}, "name": {"type": "string", "nullable": true},
                             "chip": {"type": "string", "nullable": true}}),
            ),
            "synchronous",
            json!([]),
        ),
    );
    let preview = w.depot(&["deploy", &v3, "--preview"]).ok();
    assert!(
        preview.stdout.contains("addField Dog.chip"),
        "{}",
        preview.stdout
    );
    w.depot(&["deploy", &v3]).ok();
    let state = w.depot(&["get-dataset", "--id", &id]).ok().json();
    assert_eq!(state["status"], json!("STABLE"), "{state}");
    assert_eq!(state["lastError"], Value::Null, "{state}");
    let rows: i64 =
        w.db.client
            .query_one("SELECT count(*) FROM night.dog", &[])
            .await
            .unwrap()
            .get(0);
    assert_eq!(rows, 3);
}

#[tokio::test]
async fn abandon_undoes_a_migration_stopped_between_versions() {
    let w = World::new().await;
    let v1 = w.write(
        "v1.json",
        &dataset_file(
            "Halfway",
            "halfway",
            dogs("1", json!({"id": {"type": "bigint"}})),
            "asynchronous",
            json!([]),
        ),
    );
    // Asynchronous: deploy schedules, run-migration runs.
    let run = |w: &World, name: &str| {
        let planned = w.events().last().unwrap().clone();
        w.write(
            name,
            &json!({
                "eventId": planned["id"], "datasetId": planned["detail"]["datasetId"],
                "migrationPlanBucket": planned["detail"]["migrationPlanBucket"],
                "migrationPlanKey": planned["detail"]["migrationPlanKey"],
            }),
        )
    };
    let id = w.depot(&["deploy", &v1]).ok().json()["datasetId"]
        .as_str()
        .unwrap()
        .to_string();
    let p1 = run(&w, "p1.json");
    w.depot(&["run-migration", &p1]).ok();
    w.db.client
        .batch_execute("INSERT INTO halfway.dog VALUES (1)")
        .await
        .unwrap();

    // v2 adds a table and a column; only its first phases run (lastPhase), which leaves the
    // dataset between versions, as a killed runner would.
    let v2 = w.write(
        "v2.json",
        &json!({
            "environmentId": "e2e404529091ed2", "alias": "Halfway", "bootstrapBucket": "sdp-bootstrap-cli",
            "package": {"name": "dogs", "version": "2", "schemas": {
                "Dog": {"kind": "object", "fields": {"id": {"type": "bigint"}, "name": {"type": "string", "nullable": true}}, "primaryKey": ["id"]},
                "Cat": {"kind": "object", "fields": {"id": {"type": "bigint"}}, "primaryKey": ["id"]}}},
            "location": {"type": "postgres", "name": "main", "host": "db.invalid", "port": "5432", "database": "app"},
            "schemaName": "halfway",
            "migrationOptions": {"migrationMode": {"type": "asynchronous"}}
        }),
    );
    w.depot(&["deploy", &v2]).ok();
    let p2 = run(&w, "p2.json");
    let mut partial: Value = serde_json::from_str(&std::fs::read_to_string(&p2).unwrap()).unwrap();
    partial["lastPhase"] = json!(300);
    let p2_partial = w.write("p2-partial.json", &partial);
    let ran = w.depot(&["run-migration", &p2_partial]).ok().json();
    assert_eq!(ran["outcome"], json!("partial"), "{ran}");
    assert_eq!(w.columns("halfway", "cat").await, ["id"]);

    let abandoned = w.depot(&["abandon", &v2]).ok().json();
    assert_eq!(abandoned["outcome"], json!("abandoned"), "{abandoned}");
    assert_eq!(abandoned["state"]["status"], json!("STABLE"), "{abandoned}");
    assert!(
        w.columns("halfway", "cat").await.is_empty(),
        "the table the stopped migration created is gone"
    );
    let state = w.depot(&["get-dataset", "--id", &id]).ok().json();
    assert_eq!(state["status"], json!("STABLE"), "{state}");
    assert_eq!(state["deployedVersion"], state["attemptedVersion"]);
    // Abandoning again says there is nothing to abandon.
    let again = w.depot(&["abandon", &v2]).failed();
    assert!(
        again.stderr.contains("nothing to abandon")
            || again.stderr.contains("no attempt to abandon"),
        "{}",
        again.stderr
    );
    let rows: i64 =
        w.db.client
            .query_one("SELECT count(*) FROM halfway.dog", &[])
            .await
            .unwrap()
            .get(0);
    assert_eq!(rows, 1);
}

/// `depot diff`: nothing and exit 0 when the live schema is the package's; one line per
/// difference and a non-zero exit when someone changed it by hand, or when the package moved on.
#[tokio::test]
async fn diff_prints_nothing_when_live_matches_and_each_difference_otherwise() {
    let w = World::new().await;
    let (v1, v2) = (example("dataset-v1.json"), example("dataset-v2.json"));
    w.depot(&["deploy", &v1]).ok();

    let same = w.depot(&["diff", &v1]).ok();
    assert_eq!(same.stdout, "", "no drift, no output");

    // A column added by hand: reported, with the table and column named.
    w.db.client
        .batch_execute("ALTER TABLE example_dogs.hound ADD COLUMN chip text")
        .await
        .unwrap();
    let (events_before, files_before) = (w.events().len(), w.files());
    let drifted = w.depot(&["diff", &v1]).failed();
    assert!(
        drifted.stdout.contains("hound") && drifted.stdout.contains("chip"),
        "the hand-made column is named:\n{}",
        drifted.stdout
    );
    assert!(
        drifted
            .stderr
            .contains("differs from the package in 1 place"),
        "{}",
        drifted.stderr
    );
    let json = w.depot(&["diff", &v1, "--format", "json"]).failed();
    let differences = json.json()["differences"].as_array().unwrap().len();
    assert_eq!(differences, 1, "{}", json.stdout);
    assert_eq!(w.events().len(), events_before, "diff sent an event");
    assert_eq!(w.files(), files_before, "diff wrote a document");

    // The package's next version (not deployed) differs from the live schema too.
    w.db.client
        .batch_execute("ALTER TABLE example_dogs.hound DROP COLUMN chip")
        .await
        .unwrap();
    let ahead = w.depot(&["diff", &v2]).failed();
    assert!(
        !ahead.stdout.is_empty(),
        "v2 is not deployed: {}",
        ahead.stderr
    );
}

#[tokio::test]
async fn import_prints_a_package_that_validates_and_matches_the_live_schema() {
    let w = World::new().await;
    let v2 = example("dataset-v2.json");
    w.depot(&["deploy", &v2]).ok();

    let imported = w
        .depot(&["import", "--schema", "example_dogs", "--name", "dogs"])
        .ok();
    assert!(
        !imported.stderr.contains("depot: warning:"),
        "the example imports whole:\n{}",
        imported.stderr
    );
    let package = imported.json();
    assert_eq!(package["name"], "dogs");
    let file = w.write("imported.json", &package);
    w.depot(&["validate", &file]).ok();

    // The example's dataset around the imported package: no drift from the live schema.
    let mut dataset: Value = serde_json::from_str(&std::fs::read_to_string(&v2).unwrap()).unwrap();
    let properties = dataset.as_object_mut().unwrap();
    properties.remove("packageFile");
    properties.insert("package".into(), package);
    let wrapped = w.write("dataset-imported.json", &dataset);
    let diff = w.depot(&["diff", &wrapped]).ok();
    assert_eq!(
        diff.stdout, "",
        "imported package differs from the live schema"
    );

    let missing = w.depot(&["import", "--schema", "no_such_schema"]).failed();
    assert!(
        missing.stderr.contains("no_such_schema"),
        "{}",
        missing.stderr
    );
}
