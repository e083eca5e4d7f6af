//! Nothing runs that was not planned (issue 12, findings 1 and 14), end to end on a real
//! PostgreSQL: a decoy `public.victim` with rows sits next to each deploy of a hostile package.
//! A hostile view query or `sqlName` is either refused before anything runs, or deployed as
//! exactly what was parsed (the view then works and reads the hostile name as a name); in both
//! cases `public.victim` still holds its rows.
//!
//! The hostile cases are kept as a list in this suite (`tests/hostile/` did not exist on main
//! when this was written).

use depot_core::properties::parse_dataset;
use depot_deploy::DeployError;
use depot_tests::{properties, Env, NAMESPACE};
use serde_json::{json, Value};

/// The decoy's rows.
const VICTIM_ROWS: i64 = 2;

async fn env_with_victim() -> Env {
    let env = Env::new().await;
    env.db
        .client
        .batch_execute(
            "CREATE TABLE public.victim (id int); INSERT INTO public.victim VALUES (1), (2);",
        )
        .await
        .expect("creating the decoy");
    env
}

async fn assert_victim_intact(env: &Env, case: &str) {
    let rows: i64 = env
        .db
        .client
        .query_one("SELECT count(*) FROM public.victim", &[])
        .await
        .unwrap_or_else(|e| panic!("{case}: public.victim is gone: {e}"))
        .get(0);
    assert_eq!(rows, VICTIM_ROWS, "{case}: public.victim lost rows");
}

/// A package of one object `Dog` (with `name`'s properties as given) and one view `V`.
fn package(name_field: Value, view_query: &str) -> Value {
    json!({
        "name": "dogs", "version": "1",
        "schemas": {
            "Dog": {
                "kind": "object",
                "fields": {"id": {"type": "bigint"}, "name": name_field},
                "primaryKey": ["id"]
            },
            "V": {"kind": "view", "query": view_query}
        }
    })
}

/// Outcome of deploying a hostile package.
enum Outcome {
    Deployed,
    /// Refused before anything ran, with this message.
    Refused(String),
}

async fn deploy(env: &Env, package: &Value) -> Outcome {
    match parse_dataset(&properties(package), &depot_tests::ENGINES) {
        Err(problems) => Outcome::Refused(problems.to_string()),
        Ok(dataset) => match env.deploy(&dataset).await {
            Ok(_) => Outcome::Deployed,
            Err(DeployError::Invalid(problems)) => Outcome::Refused(problems.to_string()),
            Err(e) => panic!("the deploy failed while running instead of being refused: {e}"),
        },
    }
}

/// The rows of view `V`, each as a JSON object of its columns.
async fn view_rows(env: &Env) -> Vec<Value> {
    let rows = env
        .db
        .client
        .query(
            &format!("SELECT to_jsonb(v)::text FROM {NAMESPACE}.v v"),
            &[],
        )
        .await
        .expect("reading the view");
    rows.iter()
        .map(|r| serde_json::from_str(r.get::<_, &str>(0)).expect("a JSON row"))
        .collect()
}

#[tokio::test]
async fn a_backslash_quote_in_a_view_constant_stays_one_constant() {
    let env = env_with_victim().await;
    let sql = r"SELECT '\'' AS x; DROP TABLE public.victim; --'";
    let case = "a view constant holding \\'";
    match deploy(&env, &package(json!({"type": "string"}), sql)).await {
        Outcome::Deployed => {
            // With standard_conforming_strings on, all of it is one constant: the view's value.
            assert_eq!(
                view_rows(&env).await,
                [json!({"?column?": r"\' AS x; DROP TABLE public.victim; --"})]
            );
        }
        Outcome::Refused(message) => panic!("{case}: a safe view was refused: {message}"),
    }
    assert_victim_intact(&env, case).await;
}

#[tokio::test]
async fn a_sql_name_with_quotes_and_backslashes_is_read_as_a_name() {
    let env = env_with_victim().await;
    let hostile = r#"ken\"; DROP TABLE public.victim; --"#;
    let case = "a hostile sqlName read by a view";
    // `decoy` is physically `ken\`: the name the old printing cut the hostile one down to.
    let p = json!({
        "name": "dogs", "version": "1",
        "schemas": {
            "Dog": {
                "kind": "object",
                "fields": {
                    "id": {"type": "bigint"},
                    "name": {"type": "string", "sqlName": hostile},
                    "decoy": {"type": "string", "nullable": true, "sqlName": "ken\\"}
                },
                "primaryKey": ["id"]
            },
            "V": {"kind": "view", "query": "SELECT id, name, decoy FROM Dog"}
        }
    });
    match deploy(&env, &p).await {
        Outcome::Deployed => {
            env.db
                .client
                .batch_execute(&format!(
                    "INSERT INTO {NAMESPACE}.dog (id, \"ken\\\"\"; DROP TABLE public.victim; --\", \"ken\\\") \
                     VALUES (7, 'Rex', 'decoy')"
                ))
                .await
                .expect("the columns hold exactly the hostile names");
            // The view's columns are the physical names: each reads its own column.
            assert_eq!(
                view_rows(&env).await,
                [json!({"id": 7, hostile: "Rex", "ken\\": "decoy"})]
            );
        }
        Outcome::Refused(message) => panic!("{case}: a legitimate sqlName was refused: {message}"),
    }
    assert_victim_intact(&env, case).await;
}

/// View queries that try to run a second statement or smuggle one past the parser: each is
/// refused before anything runs, naming the view.
const REFUSED_VIEWS: &[(&str, &str)] = &[
    (
        "two statements",
        "SELECT id FROM Dog; DROP TABLE public.victim",
    ),
    (
        "a trailing statement after a comment",
        "SELECT id FROM Dog -- x\n; DROP TABLE public.victim",
    ),
    (
        "an E-string escaped quote",
        r"SELECT E'\'' AS x; DROP TABLE public.victim; --'",
    ),
    (
        "a dollar-quoted quote",
        "SELECT $$'$$ AS x; DROP TABLE public.victim; --",
    ),
    (
        "a data-modifying CTE",
        "WITH d AS (DELETE FROM public.victim RETURNING id) SELECT id FROM d",
    ),
    ("a DROP alone", "DROP TABLE public.victim"),
    (
        "a quoted name breaking out",
        r#"SELECT "x"";DROP TABLE public.victim;--" FROM Dog"#,
    ),
    ("SELECT INTO", "SELECT id INTO public.stolen FROM Dog"),
    ("a NUL in a constant", "SELECT 'a\u{0}' AS x FROM Dog"),
    (
        "an unterminated constant",
        "SELECT 'x FROM Dog; DROP TABLE public.victim",
    ),
    ("a locking read", "SELECT id FROM Dog FOR UPDATE"),
    (
        "a unicode-escaped quote",
        r"SELECT U&'\0027' AS x; DROP TABLE public.victim; --",
    ),
];

#[tokio::test]
async fn hostile_view_queries_are_refused_before_anything_runs() {
    for (case, sql) in REFUSED_VIEWS {
        let env = env_with_victim().await;
        match deploy(&env, &package(json!({"type": "string"}), sql)).await {
            Outcome::Deployed => panic!("{case}: `{sql}` was deployed"),
            Outcome::Refused(message) => {
                assert!(
                    message.contains("`V`") || message.contains(".V."),
                    "{case}: the message names no view: {message}"
                );
            }
        }
        assert_victim_intact(&env, case).await;
        let namespaces: i64 = env
            .db
            .client
            .query_one(
                "SELECT count(*) FROM pg_namespace WHERE nspname = $1",
                &[&NAMESPACE],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(namespaces, 0, "{case}: the namespace was created");
    }
}
