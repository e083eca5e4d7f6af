//! Harness for Depot's end-to-end tests: a fresh database and a local state folder per test,
//! standard dataset properties around a package, rows that exercise every column, and the
//! comparisons that prove a migration kept every row and reached the same schema as a fresh
//! deploy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use depot_core::physical::{PhysicalModel, PhysicalObject};
use depot_core::properties::parse_dataset;
use depot_core::resolve::resolve;
use depot_core::{Dataset, FieldType};
use depot_deploy::{DeployError, DeployOutcome, Deployer, LocalDocumentStore, LocalEventLog};
use depot_postgres::dialect::quote_ident;
use depot_postgres::{ConnectOptions, PostgresDialect, PostgresSession};
use depot_testkit::TestDatabase;
use serde_json::{json, Value};

/// The namespace every harness dataset deploys into.
pub const NAMESPACE: &str = "pairs";
/// The fixed dataset id of harness datasets.
pub const DATASET_ID: &str = "0123456789ab";

/// Env is one test's world: its own database and its own local documents and event log.
pub struct Env {
    pub db: TestDatabase,
    pub state_dir: tempfile::TempDir,
    pub documents: LocalDocumentStore,
    pub events: LocalEventLog,
}

impl Env {
    pub async fn new() -> Env {
        let db = depot_testkit::fresh_database().await;
        let state_dir = tempfile::tempdir().expect("a temporary folder");
        let documents = LocalDocumentStore::new(state_dir.path());
        let events = LocalEventLog::new(state_dir.path().join("events.jsonl"));
        Env {
            db,
            state_dir,
            documents,
            events,
        }
    }

    /// A new session on the test database.
    pub async fn session(&self) -> PostgresSession {
        let options = ConnectOptions::from_url(&self.db.url).expect("a valid test URL");
        PostgresSession::connect(&options)
            .await
            .expect("connecting to the test database")
    }

    pub fn deployer(&self) -> Deployer<'_> {
        Deployer {
            documents: &self.documents,
            events: &self.events,
            lock_wait: Duration::from_secs(30),
        }
    }

    /// Deploys `dataset` through the whole choreography, as `depot deploy` does.
    pub async fn deploy(&self, dataset: &Dataset) -> Result<DeployOutcome, DeployError> {
        let mut session = self.session().await;
        self.deployer().deploy(&mut session, dataset).await
    }

    /// Every event logged so far, oldest first.
    pub fn events(&self) -> Vec<Value> {
        read_events(self.events.path())
    }

    pub fn state_path(&self) -> PathBuf {
        self.state_dir.path().to_path_buf()
    }

    /// The harness dataset's state record, as stored.
    pub async fn state(&self) -> depot_deploy::DatasetState {
        use depot_deploy::LocationSession;
        self.session()
            .await
            .load_state(DATASET_ID)
            .await
            .expect("reading the state record")
            .expect("a state record")
    }

    /// The introspected shape of the dataset namespace.
    pub async fn snapshot(&self) -> depot_postgres::introspect::SchemaSnapshot {
        depot_postgres::introspect::introspect(&self.db.client, NAMESPACE)
            .await
            .expect("introspection")
    }
}

/// The events of a JSON-lines event log (none when the file does not exist).
pub fn read_events(path: &Path) -> Vec<Value> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .map(|l| serde_json::from_str(l).expect("an event per line"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Standard dataset properties around `package`, every hazard allowed (NARROWS_TYPE included:
/// pairs narrow types whose sample values convert), synchronous mode.
pub fn properties(package: &Value) -> Value {
    json!({
        "environmentId": "e2e404529091ed2",
        "alias": "Pairs",
        "datasetId": DATASET_ID,
        "bootstrapBucket": "sdp-bootstrap-test",
        "package": package,
        "location": {"type": "postgres", "name": "test", "host": "127.0.0.1", "port": "5432", "database": "test"},
        "executor": {"name": "tests"},
        "schemaName": NAMESPACE,
        "namingStrategy": "snake_case",
        "migrationOptions": {
            "migrationMode": {"type": "synchronous"},
            "allowedHazards": ["DELETES_DATA", "TABLE_REWRITE", "BLOCKS_WRITES", "BLOCKS_READS",
                               "INDEX_BUILD", "VALIDATES_DATA", "NOT_REVERSIBLE", "NARROWS_TYPE"]
        }
    })
}

/// The engines a harness dataset may live on: PostgreSQL, the engine of these suites.
pub const ENGINES: depot_core::engine::Engines<'static> =
    depot_core::engine::Engines::new(&[&depot_postgres::PostgresDialect]);

/// A harness dataset around `package`.
pub fn dataset(package: &Value) -> Dataset {
    parse_dataset(&properties(package), &ENGINES)
        .unwrap_or_else(|p| panic!("invalid test dataset: {p}"))
}

/// The physical model of a harness dataset.
pub fn model(dataset: &Dataset) -> PhysicalModel {
    resolve(dataset, &PostgresDialect, &BTreeMap::new())
        .unwrap_or_else(|p| panic!("test package does not resolve: {p}"))
}

/// A value of `field_type` for row `i`, unique per column, never null, as a SQL literal that
/// PostgreSQL coerces to the column's type.
pub fn sample_literal(field_type: &FieldType, i: usize) -> String {
    // One of the enum's values, whichever they are: the model says only the type.
    if let FieldType::Enum { .. } = field_type {
        let t = depot_postgres::sql_type::sql_type(field_type);
        return format!(
            "(enum_range(NULL::{t}))[{i} % array_length(enum_range(NULL::{t}), 1) + 1]"
        );
    }
    format!("'{}'", sample_text(field_type, i).replace('\'', "''"))
}

/// The text form of [`sample_literal`]'s value.
fn sample_text(field_type: &FieldType, i: usize) -> String {
    match field_type {
        FieldType::String { max_length } => {
            let s = format!("v{i}");
            match max_length {
                Some(n) if s.len() > *n as usize => s[s.len() - *n as usize..].to_string(),
                _ => s,
            }
        }
        FieldType::Integer | FieldType::Bigint => format!("{}", i + 1),
        FieldType::Decimal { precision, scale } => {
            if precision > scale {
                format!("{}", (i + 1) % 10)
            } else {
                format!("0.{}", (i + 1) % 10)
            }
        }
        FieldType::Double => format!("{}.5", i + 1),
        FieldType::Boolean => i.is_multiple_of(2).to_string(),
        FieldType::Date => format!("2020-01-{:02}", i % 28 + 1),
        FieldType::Time => format!("10:00:{:02}", i % 60),
        FieldType::Timestamp => format!("2020-01-01 00:00:{:02}", i % 60),
        FieldType::Timestamptz => format!("2020-01-01 00:00:{:02}+00", i % 60),
        FieldType::Json => format!("{{\"n\": {i}}}"),
        FieldType::Uuid => format!("00000000-0000-4000-8000-{:012}", i + 1),
        FieldType::Binary => format!("\\x{:02x}", i % 256),
        // Arrays of enums are refused by validation; enums are sampled by `sample_literal`.
        FieldType::Enum { .. } => String::new(),
        // A one-item array literal: the item double-quoted, its quotes and backslashes escaped.
        FieldType::Array { items } => format!(
            "{{\"{}\"}}",
            sample_text(items, i)
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
        ),
    }
}

/// Inserts `n` rows into every table of `model`: referenced tables first (so that a foreign key
/// on sample values finds its row), every column given a value except computed ones (identity
/// columns too, `OVERRIDING SYSTEM VALUE` for `always`), then each identity's sequence moved past
/// the rows, as seeding does.
pub async fn insert_rows(client: &tokio_postgres::Client, model: &PhysicalModel, n: usize) {
    for object in depot_core::reference_order::parents_first(model) {
        // Computed columns take no values: the database writes them.
        let written: Vec<&depot_core::physical::PhysicalColumn> = object
            .columns
            .iter()
            .filter(|c| c.computed.is_none())
            .collect();
        let columns: Vec<String> = written.iter().map(|c| quote_ident(&c.physical)).collect();
        let overriding = if written
            .iter()
            .any(|c| c.identity == Some(depot_core::identity::AutoIncrement::Always))
        {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        };
        for i in 0..n {
            let values: Vec<String> = written
                .iter()
                .map(|c| sample_literal(&c.field_type, i))
                .collect();
            let sql = format!(
                "INSERT INTO {}.{} ({}){overriding} VALUES ({})",
                quote_ident(&model.namespace),
                quote_ident(&object.physical),
                columns.join(", "),
                values.join(", ")
            );
            client
                .batch_execute(&sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {}", depot_postgres::pg_error::describe(&e)));
        }
        for column in object.columns.iter().filter(|c| c.identity.is_some()) {
            let sql = depot_postgres::render::move_sequence_past_max(
                &model.namespace,
                &object.physical,
                &column.physical,
            )
            .expect("names without NUL");
            client
                .batch_execute(&sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {}", depot_postgres::pg_error::describe(&e)));
        }
    }
}

/// Survivor is a new table column and the old column whose values it must keep.
struct Survivor {
    old_column: String,
    new_column: String,
    new_type: String,
}

/// The old object a new object continues (same logical name, or one of its previous names).
fn source<'a>(
    old: &'a PhysicalModel,
    new: &PhysicalModel,
    object: &PhysicalObject,
) -> Option<&'a PhysicalObject> {
    old.objects.get(&object.logical).or_else(|| {
        object
            .previous_names
            .iter()
            .find(|p| !new.objects.contains_key(*p))
            .and_then(|p| old.objects.get(p))
    })
}

fn survivors(old_object: &PhysicalObject, new_object: &PhysicalObject) -> Vec<Survivor> {
    new_object
        .columns
        .iter()
        .filter_map(|c| {
            let from = old_object.column(&c.logical).or_else(|| {
                c.previous_names
                    .iter()
                    .find(|p| new_object.column(p).is_none())
                    .and_then(|p| old_object.column(p))
            })?;
            Some(Survivor {
                old_column: from.physical.clone(),
                new_column: c.physical.clone(),
                // An enum type may not exist before the migration (or be renamed by it): its
                // values compare as their text.
                new_type: match c.field_type {
                    FieldType::Enum { .. } => "text".to_string(),
                    _ => depot_postgres::sql_type::sql_type(&c.field_type),
                },
            })
        })
        .collect()
}

/// Rows keyed by new logical object name: each row the surviving columns' values as text of the
/// new column type, sorted. Read before the migration (`before = true`, from the old tables,
/// cast to the new types) and after it (from the new tables), the two must be equal.
pub async fn surviving_rows(
    client: &tokio_postgres::Client,
    old: &PhysicalModel,
    new: &PhysicalModel,
    before: bool,
) -> BTreeMap<String, Vec<Vec<Option<String>>>> {
    let mut out = BTreeMap::new();
    for object in new.objects.values() {
        let Some(old_object) = source(old, new, object) else {
            continue;
        };
        let cols = survivors(old_object, object);
        let (table, exprs): (String, Vec<String>) = if before {
            (
                format!(
                    "{}.{}",
                    quote_ident(&old.namespace),
                    quote_ident(&old_object.physical)
                ),
                cols.iter()
                    .map(|s| format!("({})::{}::text", quote_ident(&s.old_column), s.new_type))
                    .collect(),
            )
        } else {
            (
                format!(
                    "{}.{}",
                    quote_ident(&new.namespace),
                    quote_ident(&object.physical)
                ),
                cols.iter()
                    .map(|s| format!("({})::text", quote_ident(&s.new_column)))
                    .collect(),
            )
        };
        let select = if exprs.is_empty() {
            "1::text".to_string()
        } else {
            exprs.join(", ")
        };
        let sql = format!("SELECT {select} FROM {table}");
        let rows = client
            .query(&sql, &[])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {}", depot_postgres::pg_error::describe(&e)));
        let mut values: Vec<Vec<Option<String>>> = rows
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.get::<_, Option<String>>(i))
                    .collect()
            })
            .collect();
        values.sort();
        out.insert(object.logical.clone(), values);
    }
    out
}

/// The whole proof for one package pair: deploy old, insert rows, migrate to new; then the
/// migrated schema equals new deployed fresh (in another database) and every row survives.
pub async fn check_pair(old_package: &Value, new_package: &Value, rows: usize) -> depot_core::Plan {
    let old = dataset(old_package);
    let new = dataset(new_package);
    let (old_model, new_model) = (model(&old), model(&new));

    let migrated = Env::new().await;
    migrated
        .deploy(&old)
        .await
        .unwrap_or_else(|e| panic!("deploying old: {e}"));
    insert_rows(&migrated.db.client, &old_model, rows).await;
    let before = surviving_rows(&migrated.db.client, &old_model, &new_model, true).await;
    let files_before = table_files(&migrated.db.client, &old_model).await;
    let outcome = migrated
        .deploy(&new)
        .await
        .unwrap_or_else(|e| panic!("migrating old -> new: {e}"));
    let DeployOutcome::Deployed { plan, .. } = outcome else {
        panic!("migrating old -> new did not run a plan: {outcome:?}");
    };
    let after = surviving_rows(&migrated.db.client, &old_model, &new_model, false).await;
    assert_eq!(before, after, "rows changed across the migration");
    check_rewrite_hazards(
        &migrated.db.client,
        &plan,
        &old_model,
        &new_model,
        &files_before,
    )
    .await;

    let fresh = Env::new().await;
    fresh
        .deploy(&new)
        .await
        .unwrap_or_else(|e| panic!("deploying new fresh: {e}"));
    let (m, f) = (migrated.snapshot().await, fresh.snapshot().await);
    assert_eq!(
        m, f,
        "the migrated schema differs from the new version deployed fresh"
    );
    plan
}

/// The physical file (`relfilenode`) of every table of `model`, by logical name.
async fn table_files(
    client: &tokio_postgres::Client,
    model: &PhysicalModel,
) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for object in model.objects.values() {
        let row = client
            .query_one(
                "SELECT c.relfilenode FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = $1 AND c.relname = $2",
                &[&model.namespace, &object.physical],
            )
            .await
            .unwrap_or_else(|e| panic!("relfilenode of {}: {e}", object.physical));
        out.insert(object.logical.clone(), row.get::<_, u32>(0));
    }
    out
}

/// The hazards tell the truth about rewrites, both ways: a table that no TABLE_REWRITE step
/// targets keeps its physical file (the change ran in place), and one that such a step targets
/// gets a new file.
async fn check_rewrite_hazards(
    client: &tokio_postgres::Client,
    plan: &depot_core::Plan,
    old: &PhysicalModel,
    new: &PhysicalModel,
    files_before: &BTreeMap<String, u32>,
) {
    let rewritten: std::collections::BTreeSet<&str> = plan
        .steps()
        .filter(|(_, s)| s.hazards.contains(&depot_core::Hazard::TableRewrite))
        .map(|(_, s)| s.target.split('.').next().unwrap_or(&s.target))
        .collect();
    let files_after = table_files(client, new).await;
    for object in new.objects.values() {
        let Some(old_object) = source(old, new, object) else {
            continue;
        };
        let (before, after) = (
            files_before[&old_object.logical],
            files_after[&object.logical],
        );
        if rewritten.contains(object.logical.as_str()) {
            assert_ne!(
                before, after,
                "{}: flagged TABLE_REWRITE but the table was not rewritten",
                object.logical
            );
        } else {
            assert_eq!(
                before, after,
                "{}: rewritten although no step is flagged TABLE_REWRITE",
                object.logical
            );
        }
    }
}

/// Deploys `old_package` and fills it with rows, then runs the plan to `new_package` with one
/// more step that fails just before the contract phase (the last, irreversible one), and
/// undoes what ran: the namespace and every row must be exactly as before, and the record must
/// say nothing of the new version is left applied.
pub async fn check_undo(old_package: &Value, new_package: &Value, rows: usize) {
    use depot_core::undo::UndoScope;
    use depot_deploy::LocationSession;

    let old = dataset(old_package);
    let new = dataset(new_package);
    let old_model = model(&old);
    let env = Env::new().await;
    env.deploy(&old)
        .await
        .unwrap_or_else(|e| panic!("deploying old: {e}"));
    insert_rows(&env.db.client, &old_model, rows).await;
    let snapshot_before = env.snapshot().await;
    let rows_before = surviving_rows(&env.db.client, &old_model, &old_model, false).await;

    let mut session = env.session().await;
    let state = session
        .load_state(DATASET_ID)
        .await
        .expect("reading the record")
        .expect("old's record");
    let hash = depot_core::hash::version_hash(&new.config, &new.package);
    let prepared = env
        .deployer()
        .prepare(&mut session, &new, DATASET_ID, &hash, &state)
        .await
        .unwrap_or_else(|e| panic!("planning old -> new: {e}"));
    let mut plan = prepared.plan;
    // The failure: one more transactional phase before the contract phase.
    let fail_at = depot_core::phase::CONTRACT - 50;
    plan.phases.push(depot_core::Phase {
        phase: fail_at,
        name: "fail".into(),
        transactional: true,
        steps: vec![depot_core::Step {
            id: format!("{fail_at}-1"),
            action: "fail".into(),
            target: "test".into(),
            sql: Some("SELECT 1 / 0".into()),
            hazards: Vec::new(),
            comment: "fails on purpose".into(),
            change: None,
            undo: Vec::new(),
        }],
    });
    plan.phases.sort_by_key(|p| p.phase);
    let options = depot_deploy::RunOptions {
        dataset_id: DATASET_ID.to_string(),
        first_phase: None,
        last_phase: None,
    };
    let failure = session
        .run_plan(&plan, &options)
        .await
        .expect_err("the plan must fail at the injected step");
    assert_eq!(failure.phase, fail_at, "{failure}");
    let scope = UndoScope {
        through_phase: failure.last_completed_phase,
        partial_phase: None,
    };
    session
        .undo_plan(&plan, DATASET_ID, &scope)
        .await
        .unwrap_or_else(|e| panic!("undoing old -> new: {e}"));
    let recorded = session
        .load_state(DATASET_ID)
        .await
        .expect("reading the record")
        .expect("the record");
    if scope.through_phase.is_some() {
        assert_eq!(
            recorded.last_completed_phase, None,
            "the undo did not record that nothing is left applied"
        );
    }
    assert_eq!(
        env.snapshot().await,
        snapshot_before,
        "the undone namespace differs from old as deployed"
    );
    assert_eq!(
        surviving_rows(&env.db.client, &old_model, &old_model, false).await,
        rows_before,
        "rows changed across the failed migration and its undo"
    );
}

/// Untouched is everything a refused deploy must leave alone: the namespace, its rows, the state
/// record, the event log, and every file under the state folder (documents, plans) with its
/// content.
#[derive(Debug, PartialEq)]
pub struct Untouched {
    pub snapshot: depot_postgres::introspect::SchemaSnapshot,
    pub rows: BTreeMap<String, Vec<Vec<Option<String>>>>,
    pub state: depot_deploy::DatasetState,
    pub events: Vec<Value>,
    pub files: BTreeMap<PathBuf, Vec<u8>>,
}

impl Env {
    /// What a refused deploy must leave alone, now, for the harness dataset of `model`.
    pub async fn untouched(&self, model: &PhysicalModel) -> Untouched {
        Untouched {
            snapshot: self.snapshot().await,
            rows: surviving_rows(&self.db.client, model, model, false).await,
            state: self.state().await,
            events: self.events(),
            files: files_under(&self.state_path()),
        }
    }
}

/// Every file under `root`, by path relative to it, with its content.
pub fn files_under(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let body =
                    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), body);
            }
        }
    }
    out
}
