//! Bad inputs are refused with a clear error, and refusing them changes nothing: after a valid
//! v1 is deployed and holds rows, each bad v2 goes through the whole path a deploy takes (parse
//! the properties, then deploy when they parse) and must leave the namespace, its rows, the
//! state record, the event log and the stored documents exactly as they were.

use std::collections::BTreeMap;
use std::path::PathBuf;

use depot_core::hazard::Hazard;
use depot_core::properties::parse_dataset;
use depot_core::{FieldType, Problems};
use depot_deploy::DeployError;
use depot_tests::{dataset, insert_rows, model, properties, Env, Untouched};
use serde_json::{json, Value};

const ROWS: usize = 3;

/// v1: what every case starts from.
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

/// v1 with `edit` applied to its package (a v2 candidate).
fn v2(edit: impl FnOnce(&mut Value)) -> Value {
    let mut p = v1();
    p["version"] = json!("2");
    edit(&mut p);
    p
}

fn plan_files(files: &BTreeMap<PathBuf, Vec<u8>>) -> usize {
    files
        .keys()
        .filter(|p| p.to_string_lossy().contains("/migrations/"))
        .count()
}

/// A deployed v1 with rows.
struct Deployed {
    env: Env,
    model: depot_core::PhysicalModel,
}

impl Deployed {
    async fn new() -> Deployed {
        let env = Env::new().await;
        let v1 = dataset(&v1());
        env.deploy(&v1)
            .await
            .unwrap_or_else(|e| panic!("deploying v1: {e}"));
        let model = model(&v1);
        insert_rows(&env.db.client, &model, ROWS).await;
        Deployed { env, model }
    }

    async fn world(&self) -> Untouched {
        self.env.untouched(&self.model).await
    }

    /// Attempts the whole path with v2 `properties`, asserts it failed and changed nothing,
    /// and returns the failure.
    async fn refuse(&self, properties: &Value) -> Failure {
        let before = self.world().await;
        assert_eq!(
            before.events.len(),
            3,
            "v1 sent attempted, deployed, migration-plan"
        );
        assert_eq!(plan_files(&before.files), 1, "v1 stored one plan");
        let failure = match parse_dataset(properties, &depot_tests::ENGINES) {
            Err(problems) => Failure::Parse(problems),
            Ok(v2) => match self.env.deploy(&v2).await {
                Ok(outcome) => panic!("the bad v2 was deployed: {outcome:?}"),
                Err(e) => Failure::Deploy(e),
            },
        };
        let after = self.world().await;
        assert_eq!(
            before.snapshot, after.snapshot,
            "the namespace changed after {failure}"
        );
        assert_eq!(before.rows, after.rows, "rows changed after {failure}");
        assert_eq!(
            before.state, after.state,
            "the state record changed after {failure}"
        );
        assert_eq!(before.state.version, after.state.version);
        assert_eq!(
            before.events.len(),
            after.events.len(),
            "events were sent after {failure}: {:#?}",
            &after.events[before.events.len().min(after.events.len())..]
        );
        assert_eq!(
            plan_files(&before.files),
            plan_files(&after.files),
            "a plan was stored after {failure}"
        );
        assert_eq!(
            before.files.keys().collect::<Vec<_>>(),
            after.files.keys().collect::<Vec<_>>(),
            "documents were written after {failure}"
        );
        assert!(
            before.files == after.files,
            "a stored document changed after {failure}"
        );
        failure
    }
}

#[derive(Debug)]
enum Failure {
    Parse(Problems),
    Deploy(DeployError),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Parse(p) => write!(f, "{p}"),
            Failure::Deploy(e) => write!(f, "{e}"),
        }
    }
}

impl Failure {
    /// The problems of a refused input, whether parsing or resolving (in the deploy) found them.
    fn problems(&self) -> &Problems {
        match self {
            Failure::Parse(p) | Failure::Deploy(DeployError::Invalid(p)) => p,
            Failure::Deploy(e) => panic!("expected problems with the input, got: {e}"),
        }
    }
}

fn assert_mentions(text: &str, words: &[&str]) {
    for w in words {
        assert!(text.contains(w), "{w:?} is missing from the error:\n{text}");
    }
}

#[tokio::test]
async fn an_unknown_field_type_is_refused_naming_schema_field_and_valid_types() {
    let d = Deployed::new().await;
    let bad =
        v2(|p| p["schemas"]["Dog"]["fields"]["weight"] = json!({"type": "int4", "nullable": true}));
    let failure = d.refuse(&properties(&bad)).await;
    let Failure::Parse(problems) = &failure else {
        panic!("not refused by parsing: {failure}")
    };
    let p = problems
        .0
        .iter()
        .find(|p| p.rule == depot_core::rules::UNKNOWN_TYPE)
        .unwrap_or_else(|| panic!("no unknown-type problem: {problems}"));
    assert_eq!(p.schema.as_deref(), Some("Dog"), "{p}");
    assert_eq!(p.field.as_deref(), Some("weight"), "{p}");
    let text = failure.to_string();
    assert_mentions(&text, &["Dog", "weight", "int4", "unknown-type"]);
    for name in FieldType::NAMES {
        assert_mentions(&text, &[name]);
    }
}

#[tokio::test]
async fn invalid_schema_and_field_names_are_refused_each_with_its_place() {
    let d = Deployed::new().await;
    let bad = v2(|p| {
        let schemas = p["schemas"].as_object_mut().unwrap();
        schemas.insert(
            "Bad_Cat".into(),
            json!({"kind": "object", "fields": {"id": {"type": "bigint"}}}),
        );
        schemas.insert(
            "2Dogs".into(),
            json!({"kind": "object", "fields": {"id": {"type": "bigint"}}}),
        );
        let fields = schemas["Dog"]["fields"].as_object_mut().unwrap();
        fields.insert(
            "birth-place".into(),
            json!({"type": "string", "nullable": true}),
        );
        fields.insert(
            "_private".into(),
            json!({"type": "string", "nullable": true}),
        );
    });
    let failure = d.refuse(&properties(&bad)).await;
    let Failure::Parse(problems) = &failure else {
        panic!("not refused by parsing: {failure}")
    };
    let invalid: Vec<_> = problems
        .0
        .iter()
        .filter(|p| p.rule == depot_core::rules::INVALID_NAME)
        .collect();
    let text = failure.to_string();
    // Every bad name at once, so people fix them all in one pass.
    assert_eq!(invalid.len(), 4, "{text}");
    for schema in ["Bad_Cat", "2Dogs"] {
        assert!(
            invalid.iter().any(|p| p.schema.as_deref() == Some(schema)),
            "{schema}: {text}"
        );
    }
    for field in ["birth-place", "_private"] {
        assert!(
            invalid
                .iter()
                .any(|p| p.schema.as_deref() == Some("Dog") && p.field.as_deref() == Some(field)),
            "Dog.{field}: {text}"
        );
    }
    assert_mentions(&text, &["[A-Za-z][A-Za-z0-9]*", "invalid-name"]);
}

#[tokio::test]
async fn a_view_over_an_unknown_schema_is_refused() {
    let d = Deployed::new().await;
    let bad = v2(|p| {
        p["schemas"]["CatNames"] = json!({"kind": "view", "query": "SELECT id, name FROM Cat"})
    });
    let failure = d.refuse(&properties(&bad)).await;
    let problems = failure.problems();
    let p = problems
        .0
        .iter()
        .find(|p| p.rule == depot_core::rules::UNKNOWN_SCHEMA)
        .unwrap_or_else(|| panic!("no unknown-schema problem: {problems}"));
    assert_eq!(p.schema.as_deref(), Some("CatNames"), "{p}");
    assert_mentions(&failure.to_string(), &["CatNames", "Cat", "Dog"]);
}

#[tokio::test]
async fn a_view_reading_an_unknown_field_is_refused() {
    let d = Deployed::new().await;
    let bad = v2(|p| {
        p["schemas"]["DogColours"] = json!({"kind": "view", "query": "SELECT id, colour FROM Dog"})
    });
    let failure = d.refuse(&properties(&bad)).await;
    let problems = failure.problems();
    let p = problems
        .0
        .iter()
        .find(|p| p.rule == depot_core::rules::UNKNOWN_FIELD)
        .unwrap_or_else(|| panic!("no unknown-field problem: {problems}"));
    assert_eq!(p.schema.as_deref(), Some("DogColours"), "{p}");
    assert_mentions(&failure.to_string(), &["DogColours", "colour", "Dog"]);
}

#[tokio::test]
async fn a_plan_with_a_hazard_not_allowed_is_refused_listing_the_step() {
    let d = Deployed::new().await;
    let bad = v2(|p| {
        p["schemas"]["Dog"]["fields"]
            .as_object_mut()
            .unwrap()
            .remove("weight");
    });
    let mut props = properties(&bad);
    props["migrationOptions"]["allowedHazards"] = json!(["INDEX_BUILD", "VALIDATES_DATA"]);
    let failure = d.refuse(&props).await;
    let Failure::Deploy(DeployError::Hazards(refused)) = &failure else {
        panic!("not refused for its hazards: {failure}")
    };
    let step = refused
        .steps
        .iter()
        .find(|s| s.hazards.contains(&Hazard::DeletesData))
        .unwrap_or_else(|| panic!("no DELETES_DATA step: {failure}"));
    assert!(step.target.contains("weight"), "{step:?}");
    assert!(refused.steps.iter().all(|s| !s.hazards.is_empty()));
    let text = failure.to_string();
    assert_mentions(
        &text,
        &[&step.id, &step.target, "DELETES_DATA", "allowedHazards"],
    );
}

/// A narrowing is planned (SPEC §1b) with a NARROWS_TYPE step: a dataset that does not allow
/// the hazard is refused before anything runs, naming the field and the hazard.
#[tokio::test]
async fn a_narrowing_is_refused_naming_the_field_unless_narrows_type_is_allowed() {
    let d = Deployed::new().await;
    let bad = v2(|p| p["schemas"]["Dog"]["fields"]["name"]["maxLength"] = json!(50));
    let mut props = properties(&bad);
    let allowed = props["migrationOptions"]["allowedHazards"]
        .as_array_mut()
        .expect("the harness allows hazards");
    allowed.retain(|h| h != "NARROWS_TYPE");
    let failure = d.refuse(&props).await;
    let Failure::Deploy(DeployError::Hazards(refused)) = &failure else {
        panic!("not refused for its hazards: {failure}")
    };
    let step = refused
        .steps
        .iter()
        .find(|s| s.hazards.contains(&Hazard::NarrowsType))
        .unwrap_or_else(|| panic!("no NARROWS_TYPE step: {failure}"));
    assert_eq!(step.target, "Dog.name", "{step:?}");
    assert_mentions(
        &failure.to_string(),
        &["Dog.name", "NARROWS_TYPE", "allowedHazards", "varchar(50)"],
    );
}

#[tokio::test]
async fn physical_name_collisions_are_refused_naming_both() {
    let d = Deployed::new().await;

    // Two fields that snake_case maps to one column.
    let bad = v2(|p| {
        let fields = p["schemas"]["Dog"]["fields"].as_object_mut().unwrap();
        fields.insert(
            "dogName".into(),
            json!({"type": "string", "nullable": true}),
        );
        fields.insert(
            "DogName".into(),
            json!({"type": "string", "nullable": true}),
        );
    });
    let failure = d.refuse(&properties(&bad)).await;
    let p = failure
        .problems()
        .0
        .iter()
        .find(|p| p.rule == depot_core::rules::NAME_COLLISION)
        .unwrap_or_else(|| panic!("no name-collision problem: {failure}"))
        .clone();
    assert_eq!(p.schema.as_deref(), Some("Dog"), "{p}");
    assert_mentions(&failure.to_string(), &["dogName", "DogName", "dog_name"]);

    // A field whose sqlName is another field's physical name.
    let bad = v2(|p| {
        let fields = p["schemas"]["Dog"]["fields"].as_object_mut().unwrap();
        fields.insert(
            "dogName".into(),
            json!({"type": "string", "nullable": true}),
        );
        fields.insert(
            "alias".into(),
            json!({"type": "string", "nullable": true, "sqlName": "dog_name"}),
        );
    });
    let failure = d.refuse(&properties(&bad)).await;
    assert!(
        failure
            .problems()
            .0
            .iter()
            .any(|p| p.rule == depot_core::rules::NAME_COLLISION),
        "{failure}"
    );
    assert_mentions(&failure.to_string(), &["dogName", "alias", "dog_name"]);

    // Two objects, one table name.
    let bad = v2(|p| {
        let schemas = p["schemas"].as_object_mut().unwrap();
        schemas.insert(
            "DogName".into(),
            json!({"kind": "object", "fields": {"id": {"type": "bigint"}}}),
        );
        schemas.insert(
            "dogName".into(),
            json!({"kind": "object", "fields": {"id": {"type": "bigint"}}}),
        );
    });
    let failure = d.refuse(&properties(&bad)).await;
    assert!(
        failure
            .problems()
            .0
            .iter()
            .any(|p| p.rule == depot_core::rules::NAME_COLLISION),
        "{failure}"
    );
    assert_mentions(&failure.to_string(), &["dogName", "DogName", "dog_name"]);

    // `dog_name` itself is not a logical name: refused before any collision.
    let bad = v2(|p| {
        let fields = p["schemas"]["Dog"]["fields"].as_object_mut().unwrap();
        fields.insert(
            "dogName".into(),
            json!({"type": "string", "nullable": true}),
        );
        fields.insert(
            "dog_name".into(),
            json!({"type": "string", "nullable": true}),
        );
    });
    let failure = d.refuse(&properties(&bad)).await;
    let Failure::Parse(problems) = &failure else {
        panic!("not refused by parsing: {failure}")
    };
    assert!(
        problems
            .0
            .iter()
            .any(|p| p.rule == depot_core::rules::INVALID_NAME
                && p.field.as_deref() == Some("dog_name")),
        "{failure}"
    );
}

/// The control: the same path with a good v2 does change things, so the checks above can fail.
#[tokio::test]
async fn a_good_v2_does_change_the_world() {
    let d = Deployed::new().await;
    let before = d.world().await;
    let good = dataset(&v2(|p| {
        p["schemas"]["Dog"]["fields"]["colour"] = json!({"type": "string", "nullable": true});
    }));
    d.env
        .deploy(&good)
        .await
        .unwrap_or_else(|e| panic!("deploying a good v2: {e}"));
    let after = d.world().await;
    assert_ne!(before.snapshot, after.snapshot);
    assert!(after.state.version > before.state.version);
    assert_eq!(after.events.len(), before.events.len() + 3);
    assert_eq!(plan_files(&after.files), plan_files(&before.files) + 1);
}

/// A dataset the engine refuses (here a string longer than PostgreSQL's varchar allows) is
/// refused before anything is written to a database Depot never touched: not even its admin
/// schema appears.
#[tokio::test]
async fn a_refused_first_deploy_leaves_an_untouched_database_untouched() {
    let env = Env::new().await;
    let mut bad = v1();
    bad["schemas"]["Dog"]["fields"]["name"]["maxLength"] = json!(20_000_000);
    let refused = env.deploy(&dataset(&bad)).await.unwrap_err();
    assert!(matches!(refused, DeployError::Invalid(_)), "{refused}");
    let schemas: i64 = env
        .db
        .client
        .query_one(
            "SELECT count(*) FROM pg_namespace WHERE nspname IN ('__admin', 'pairs')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let names: Vec<String> = env
        .db
        .client
        .query(
            "SELECT nspname::text FROM pg_namespace WHERE nspname IN ('__admin', 'pairs')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(schemas, 0, "a refused deploy created a schema: {names:?}");
    assert!(env.events().is_empty());
}
