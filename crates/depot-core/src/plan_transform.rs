//! Plan transformers (SPEC §5): after Depot computes a plan, a dataset's `planTransformer` may
//! adjust it: add steps in the free phases, move steps, declare more hazards. What comes back is
//! checked here before anything is stored or run; a refusal names the step and the rule, in one
//! line, and nothing changes.
//!
//! The rules, each checked on the transformer's plan:
//! - `plan-shape`: it is a plan document (SPEC §5); `metadata` may be left out (Depot's is kept).
//! - `identity-changed`: `formatVersion`, `migrationId`, `environmentId`, `datasetId`,
//!   `datasetAlias`, `engine`, `fromVersion`, `toVersion` and `createdAt` are Depot's.
//! - `phase-range`, `phase-order`: phases are multiples of 100 from 100 to 9900, ascending.
//! - `step-id`: step ids are unique and start with their phase (`1500-1`).
//! - `step-removed`: every step of Depot's plan is still there (it may move to another phase).
//! - `hazard-dropped`: a step of Depot's plan keeps at least the hazards Depot gave it.
//! - `unknown-action`: a step without `sql` must carry a `change` of Depot's plan (the executor
//!   renders it); its `action` is that change's.
//! - `sql-unparsable`, `sql-one-statement`: a new step's SQL parses with the engine's dialect as
//!   exactly one statement (each step runs as one statement); so does each of its `undo`.
//! - `hazard-undeclared`: a new step declares at least the hazards its statement implies
//!   ([`implied_hazards`]).
//! - `not-transactional`: a statement that cannot run in a transaction (`CREATE INDEX
//!   CONCURRENTLY`, or a step Depot put in a non-transactional phase) is not in a transactional
//!   phase.
//! - `undo-changed`: a step of Depot's plan keeps Depot's `undo`.
//! - `hazard-not-allowed`: every hazard is in the dataset's `allowedHazards`.

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;
use sqlparser::parser::Parser;

use crate::dialect::Dialect;
use crate::hazard::Hazard;
use crate::plan::{Phase, Plan, Step};

/// The planned-plan marker of a plan key (SPEC §4), and what replaces it in the key of the
/// transformed plan stored beside it.
pub const PLANNED_MARKER: &str = "_MIGRATION_PLANNED_";
pub const TRANSFORMED_MARKER: &str = "_TRANSFORMED_";

/// The key of the transformed plan: the original's, in the same folder, with `_TRANSFORMED_` in
/// place of `_MIGRATION_PLANNED_`.
pub fn transformed_plan_key(original_key: &str) -> String {
    match original_key.rfind(PLANNED_MARKER) {
        Some(at) => format!(
            "{}{TRANSFORMED_MARKER}{}",
            &original_key[..at],
            &original_key[at + PLANNED_MARKER.len()..]
        ),
        None => format!("{original_key}{TRANSFORMED_MARKER}"),
    }
}

/// TransformRefusal: why a transformer's plan is refused, naming the step (when one is at fault)
/// and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}rule `{rule}`: {message}", step.as_ref().map(|s| format!("step {s}: ")).unwrap_or_default())]
pub struct TransformRefusal {
    pub step: Option<String>,
    pub rule: &'static str,
    pub message: String,
}

fn refuse(step: Option<&Step>, rule: &'static str, message: impl Into<String>) -> TransformRefusal {
    TransformRefusal {
        step: step.map(|s| s.id.clone()),
        rule,
        message: one_line(&message.into()),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks the plan a transformer returned for Depot's `original` and the dataset's `allowed`
/// hazards; Ok is the plan to store and run. `dialect` is the plan's engine's: a new step's SQL
/// must parse as that engine's.
pub fn check_transformed(
    original: &Plan,
    mut output: Value,
    allowed: &BTreeSet<Hazard>,
    dialect: &dyn Dialect,
) -> Result<Plan, TransformRefusal> {
    let Some(object) = output.as_object_mut() else {
        return Err(refuse(
            None,
            "plan-shape",
            "the transformer did not return a JSON object (a plan document)",
        ));
    };
    if object.get("metadata").is_none_or(Value::is_null) {
        object.insert(
            "metadata".to_string(),
            serde_json::to_value(&original.metadata).expect("metadata serializes"),
        );
    }
    let plan: Plan = serde_json::from_value(output)
        .map_err(|e| refuse(None, "plan-shape", format!("not a plan document: {e}")))?;
    check_identity(original, &plan)?;
    check_phases(&plan)?;
    check_steps(original, &plan, allowed, dialect)?;
    Ok(plan)
}

fn check_identity(original: &Plan, plan: &Plan) -> Result<(), TransformRefusal> {
    let fields: [(&str, String, String); 9] = [
        (
            "formatVersion",
            original.format_version.to_string(),
            plan.format_version.to_string(),
        ),
        (
            "migrationId",
            original.migration_id.clone(),
            plan.migration_id.clone(),
        ),
        (
            "environmentId",
            original.environment_id.clone(),
            plan.environment_id.clone(),
        ),
        (
            "datasetId",
            original.dataset_id.clone(),
            plan.dataset_id.clone(),
        ),
        (
            "datasetAlias",
            original.dataset_alias.clone(),
            plan.dataset_alias.clone(),
        ),
        (
            "engine",
            original.engine.as_str().to_string(),
            plan.engine.as_str().to_string(),
        ),
        (
            "fromVersion",
            format!("{:?}", original.from_version),
            format!("{:?}", plan.from_version),
        ),
        (
            "toVersion",
            original.to_version.clone(),
            plan.to_version.clone(),
        ),
        (
            "createdAt",
            original.created_at.clone(),
            plan.created_at.clone(),
        ),
    ];
    for (field, was, now) in fields {
        if was != now {
            return Err(refuse(
                None,
                "identity-changed",
                format!(
                    "`{field}` is {now}, Depot's plan says {was}: a transformer may not change it"
                ),
            ));
        }
    }
    Ok(())
}

fn check_phases(plan: &Plan) -> Result<(), TransformRefusal> {
    let mut previous: Option<u32> = None;
    let mut ids = HashSet::new();
    for phase in &plan.phases {
        let n = phase.phase;
        let first = phase.steps.first();
        if n % 100 != 0 || !(100..=9900).contains(&n) {
            return Err(refuse(
                first,
                "phase-range",
                format!("phase {n} is not a multiple of 100 from 100 to 9900"),
            ));
        }
        if previous.is_some_and(|p| p >= n) {
            return Err(refuse(
                first,
                "phase-order",
                format!(
                    "phase {n} comes after phase {}: phases run in ascending order, each once",
                    previous.unwrap_or_default()
                ),
            ));
        }
        previous = Some(n);
        for step in &phase.steps {
            if !step.id.starts_with(&format!("{n}-")) || !ids.insert(step.id.as_str()) {
                return Err(refuse(
                    Some(step),
                    "step-id",
                    format!(
                        "step ids are unique and start with their phase (`{n}-1`, `{n}-2`, ...)"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A step of Depot's plan, as the transformer's steps are matched against it.
struct Known<'p> {
    phase: &'p Phase,
    step: &'p Step,
}

fn check_steps(
    original: &Plan,
    plan: &Plan,
    allowed: &BTreeSet<Hazard>,
    dialect: &dyn Dialect,
) -> Result<(), TransformRefusal> {
    let known: Vec<Known<'_>> = original
        .steps()
        .map(|(phase, step)| Known { phase, step })
        .collect();
    let same = |a: &Step, b: &Step| match (&a.sql, &b.sql) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a.change.is_some() && a.change == b.change,
        // A step that left out its SQL stays Depot's when its change is.
        (None, Some(_)) | (Some(_), None) => a.change.is_some() && a.change == b.change,
    };
    let mut found = vec![false; known.len()];
    for (phase, step) in plan.steps() {
        let matched: Vec<usize> = known
            .iter()
            .enumerate()
            .filter(|(_, k)| same(k.step, step))
            .map(|(i, _)| i)
            .collect();
        match matched.first() {
            Some(&i) => {
                for &j in &matched {
                    found[j] = true;
                }
                check_depot_step(&known[i], phase, step)?;
            }
            None => check_new_step(dialect, phase, step)?,
        }
        let refused: Vec<&str> = step
            .hazards
            .iter()
            .filter(|h| !allowed.contains(h))
            .map(Hazard::as_str)
            .collect();
        if !refused.is_empty() {
            return Err(refuse(
                Some(step),
                "hazard-not-allowed",
                format!(
                    "{} {} carries {}, which migrationOptions.allowedHazards does not allow",
                    step.action,
                    step.target,
                    refused.join(", ")
                ),
            ));
        }
    }
    if let Some(i) = found.iter().position(|f| !f) {
        let k = &known[i];
        return Err(refuse(
            Some(k.step),
            "step-removed",
            format!(
                "Depot's step {} {} is missing from the transformed plan: a transformer may move \
                 Depot's steps to another phase and add its own, not leave them out",
                k.step.action, k.step.target
            ),
        ));
    }
    Ok(())
}

fn check_depot_step(known: &Known<'_>, phase: &Phase, step: &Step) -> Result<(), TransformRefusal> {
    let dropped: Vec<&str> = known
        .step
        .hazards
        .iter()
        .filter(|h| !step.hazards.contains(h))
        .map(Hazard::as_str)
        .collect();
    if !dropped.is_empty() {
        return Err(refuse(
            Some(step),
            "hazard-dropped",
            format!(
                "{} {} lost the hazards Depot gave it: {}",
                step.action,
                step.target,
                dropped.join(", ")
            ),
        ));
    }
    if let Some(change) = &step.change {
        if step.sql.is_none() && step.action != change.action() {
            return Err(refuse(
                Some(step),
                "unknown-action",
                format!(
                    "action `{}` does not match its change (`{}`)",
                    step.action,
                    change.action()
                ),
            ));
        }
    }
    if step.undo != known.step.undo {
        return Err(refuse(
            Some(step),
            "undo-changed",
            "the undo statements of Depot's steps are Depot's",
        ));
    }
    if phase.transactional && !known.phase.transactional {
        return Err(refuse(
            Some(step),
            "not-transactional",
            format!(
                "Depot runs this step outside a transaction (phase {}); phase {} is transactional",
                known.phase.phase, phase.phase
            ),
        ));
    }
    Ok(())
}

fn check_new_step(
    dialect: &dyn Dialect,
    phase: &Phase,
    step: &Step,
) -> Result<(), TransformRefusal> {
    let Some(sql) = &step.sql else {
        return Err(refuse(
            Some(step),
            "unknown-action",
            format!(
                "action `{}` has no `sql`, and Depot's plan has no such change to render: a new \
                 step gives its SQL",
                step.action
            ),
        ));
    };
    let statement = one_statement(dialect, step, sql)?;
    for undo in &step.undo {
        one_statement(dialect, step, undo)?;
    }
    let implied = implied_hazards(&statement);
    let undeclared: Vec<&str> = implied
        .iter()
        .filter(|h| !step.hazards.contains(h))
        .map(Hazard::as_str)
        .collect();
    if !undeclared.is_empty() {
        return Err(refuse(
            Some(step),
            "hazard-undeclared",
            format!(
                "its statement implies {}, which the step does not declare in `hazards`",
                undeclared.join(", ")
            ),
        ));
    }
    if phase.transactional && !runs_in_a_transaction(&statement) {
        return Err(refuse(
            Some(step),
            "not-transactional",
            format!(
                "its statement cannot run inside a transaction; phase {} is transactional",
                phase.phase
            ),
        ));
    }
    Ok(())
}

/// Parses `sql` with the engine's dialect; Ok is the statement in canonical form (upper-case
/// keywords), when it is exactly one.
fn one_statement(
    dialect: &dyn Dialect,
    step: &Step,
    sql: &str,
) -> Result<String, TransformRefusal> {
    let statements = Parser::parse_sql(dialect.parser_dialect(), sql).map_err(|e| {
        refuse(
            Some(step),
            "sql-unparsable",
            format!("its SQL does not parse as {}: {e}", dialect.engine()),
        )
    })?;
    match statements.as_slice() {
        [one] => Ok(one.to_string()),
        _ => Err(refuse(
            Some(step),
            "sql-one-statement",
            format!(
                "its SQL holds {} statements; a step runs exactly one",
                statements.len()
            ),
        )),
    }
}

/// The hazards a statement implies at the least (from its parsed, canonical form): dropping,
/// truncating or deleting loses data; altering a table locks it against writes; building an
/// index is an index build, and blocks writes unless `CONCURRENTLY`.
pub fn implied_hazards(canonical: &str) -> BTreeSet<Hazard> {
    let upper = canonical.to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    let starts = |prefix: &[&str]| words.len() >= prefix.len() && words[..prefix.len()] == *prefix;
    let mut hazards = BTreeSet::new();
    if starts(&["DROP", "TABLE"])
        || starts(&["DROP", "SCHEMA"])
        || starts(&["DROP", "MATERIALIZED", "VIEW"])
        || starts(&["TRUNCATE"])
        || starts(&["DELETE"])
    {
        hazards.insert(Hazard::DeletesData);
    }
    if starts(&["ALTER", "TABLE"]) {
        hazards.insert(Hazard::BlocksWrites);
        if words.windows(2).any(|w| w == ["DROP", "COLUMN"]) {
            hazards.insert(Hazard::DeletesData);
        }
    }
    let index = ["CREATE", "INDEX"];
    let unique_index = ["CREATE", "UNIQUE", "INDEX"];
    if starts(&index) || starts(&unique_index) {
        hazards.insert(Hazard::IndexBuild);
        if !words.contains(&"CONCURRENTLY") {
            hazards.insert(Hazard::BlocksWrites);
        }
    }
    hazards
}

/// False for the statements PostgreSQL refuses inside a transaction block.
fn runs_in_a_transaction(canonical: &str) -> bool {
    let upper = canonical.to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    !(words.first() == Some(&"VACUUM")
        || (words.first() == Some(&"CREATE") && words.contains(&"CONCURRENTLY"))
        || (words.first() == Some(&"REINDEX") && words.contains(&"CONCURRENTLY"))
        || (words.first() == Some(&"DROP")
            && words.get(1) == Some(&"INDEX")
            && words.contains(&"CONCURRENTLY")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physical::Metadata;
    use crate::view::test_dialect::POSTGRES;
    use serde_json::json;

    fn step(id: &str, action: &str, sql: &str, hazards: &[Hazard]) -> Step {
        Step {
            id: id.into(),
            action: action.into(),
            target: "Dog".into(),
            sql: Some(sql.into()),
            hazards: hazards.to_vec(),
            comment: String::new(),
            change: None,
            undo: vec![],
        }
    }

    fn original() -> Plan {
        Plan {
            format_version: 1,
            migration_id: "01967b85-dd5c-7306-b067-0a06ab34d6ae".into(),
            environment_id: "e2e404529091ed2".into(),
            dataset_id: "6d9c7969f0b1".into(),
            dataset_alias: "Dogs".into(),
            engine: POSTGRES.engine(),
            from_version: Some("a".repeat(64)),
            to_version: "b".repeat(64),
            created_at: "2025-04-28T08:31:33.816Z".into(),
            phases: vec![
                Phase {
                    phase: 300,
                    name: "create-objects".into(),
                    transactional: true,
                    steps: vec![step(
                        "300-1",
                        "dropField",
                        "ALTER TABLE ns.dog DROP COLUMN owner",
                        &[Hazard::DeletesData, Hazard::BlocksWrites],
                    )],
                },
                Phase {
                    phase: 700,
                    name: "build-indexes".into(),
                    transactional: false,
                    steps: vec![step(
                        "700-1",
                        "createIndex",
                        "CREATE INDEX CONCURRENTLY dog_by_name ON ns.dog (name)",
                        &[Hazard::IndexBuild],
                    )],
                },
            ],
            metadata: Metadata {
                namespace: "ns".into(),
                schemas: Default::default(),
            },
        }
    }

    fn allowed() -> BTreeSet<Hazard> {
        BTreeSet::from([
            Hazard::DeletesData,
            Hazard::BlocksWrites,
            Hazard::IndexBuild,
        ])
    }

    /// Depot's plan with a phase 1500 holding `steps`, as the transformer returns it (JSON).
    fn with_phase(transactional: bool, steps: Value) -> Value {
        let mut plan = serde_json::to_value(original()).unwrap();
        plan["phases"].as_array_mut().unwrap().push(json!({
            "phase": 1500, "name": "adjust", "transactional": transactional, "steps": steps
        }));
        plan
    }

    fn refusal(plan: Value) -> TransformRefusal {
        check_transformed(&original(), plan, &allowed(), &POSTGRES).unwrap_err()
    }

    #[test]
    fn an_added_step_in_a_free_phase_is_accepted_and_metadata_may_be_left_out() {
        let mut plan = with_phase(
            true,
            json!([{"id": "1500-1", "action": "comment", "target": "Dog",
                    "sql": "COMMENT ON TABLE ns.dog IS 'adjusted'", "hazards": []}]),
        );
        plan.as_object_mut().unwrap().remove("metadata");
        let checked = check_transformed(&original(), plan, &allowed(), &POSTGRES).unwrap();
        assert_eq!(checked.phases.len(), 3);
        let analyze = with_phase(
            true,
            json!([{"id": "1500-1", "action": "analyze", "target": "Dog",
                    "sql": "ANALYZE ns.dog", "hazards": []}]),
        );
        check_transformed(&original(), analyze, &allowed(), &POSTGRES).unwrap();
        assert_eq!(checked.metadata, original().metadata);
        // Unchanged, the plan passes as it is.
        let same = serde_json::to_value(original()).unwrap();
        assert_eq!(
            check_transformed(&original(), same, &allowed(), &POSTGRES).unwrap(),
            original()
        );
    }

    #[test]
    fn each_rule_refuses_with_the_step_and_the_rule() {
        let sql_step = |sql: &str, hazards: Value| json!([{"id": "1500-1", "action": "sql", "target": "Dog", "sql": sql, "hazards": hazards}]);
        let cases: Vec<(Value, Option<&str>, &str)> = vec![
            (json!([1, 2]), None, "plan-shape"),
            (
                {
                    let mut p = with_phase(true, json!([]));
                    p["toVersion"] = json!("c".repeat(64));
                    p
                },
                None,
                "identity-changed",
            ),
            (
                {
                    let mut p = with_phase(true, sql_step("ANALYZE", json!([])));
                    p["phases"][2]["phase"] = json!(1550);
                    p
                },
                Some("1500-1"),
                "phase-range",
            ),
            (
                {
                    let mut p = with_phase(true, sql_step("SELECT 1", json!([])));
                    p["phases"][2]["phase"] = json!(10000);
                    p
                },
                Some("1500-1"),
                "phase-range",
            ),
            (
                {
                    let mut p = serde_json::to_value(original()).unwrap();
                    p["phases"].as_array_mut().unwrap().swap(0, 1);
                    p
                },
                Some("300-1"),
                "phase-order",
            ),
            (
                with_phase(
                    true,
                    json!([{"id": "1500-1", "action": "frobnicate", "target": "Dog", "hazards": []}]),
                ),
                Some("1500-1"),
                "unknown-action",
            ),
            (
                with_phase(true, sql_step("SELECT 1; DROP TABLE ns.dog", json!([]))),
                Some("1500-1"),
                "sql-one-statement",
            ),
            (
                with_phase(true, sql_step("SELEKT 1", json!([]))),
                Some("1500-1"),
                "sql-unparsable",
            ),
            (
                with_phase(true, sql_step("TRUNCATE ns.dog", json!([]))),
                Some("1500-1"),
                "hazard-undeclared",
            ),
            (
                with_phase(
                    true,
                    sql_step("UPDATE ns.dog SET name = 'x'", json!(["TABLE_REWRITE"])),
                ),
                Some("1500-1"),
                "hazard-not-allowed",
            ),
            (
                with_phase(
                    true,
                    sql_step(
                        "CREATE INDEX CONCURRENTLY i ON ns.dog (name)",
                        json!(["INDEX_BUILD"]),
                    ),
                ),
                Some("1500-1"),
                "not-transactional",
            ),
            (
                {
                    let mut p = serde_json::to_value(original()).unwrap();
                    p["phases"][0]["steps"][0]["hazards"] = json!(["BLOCKS_WRITES"]);
                    p
                },
                Some("300-1"),
                "hazard-dropped",
            ),
            (
                {
                    let mut p = serde_json::to_value(original()).unwrap();
                    p["phases"][1]["steps"] = json!([]);
                    p
                },
                Some("700-1"),
                "step-removed",
            ),
            (
                with_phase(true, sql_step("SELECT 1", json!([]))).pipe(|mut p| {
                    p["phases"][2]["steps"][0]["id"] = json!("300-1");
                    p
                }),
                Some("300-1"),
                "step-id",
            ),
        ];
        for (plan, step, rule) in cases {
            let r = refusal(plan);
            assert_eq!((r.step.as_deref(), r.rule), (step, rule), "{r}");
            let text = r.to_string();
            assert!(!text.contains('\n'), "{text}");
            assert!(text.contains(&format!("rule `{rule}`")), "{text}");
            if let Some(step) = step {
                assert!(text.starts_with(&format!("step {step}: ")), "{text}");
            }
        }
    }

    #[test]
    fn depot_steps_may_move_but_not_into_a_transaction_they_cannot_run_in() {
        let mut moved = serde_json::to_value(original()).unwrap();
        let index_step = moved["phases"][1]["steps"][0].clone();
        moved["phases"][1]["steps"] = json!([]);
        moved["phases"].as_array_mut().unwrap().push(json!({
            "phase": 1500, "name": "later", "transactional": false,
            "steps": [{"id": "1500-1", "action": index_step["action"], "target": "Dog",
                       "sql": index_step["sql"], "hazards": ["INDEX_BUILD"]}]
        }));
        assert!(check_transformed(&original(), moved.clone(), &allowed(), &POSTGRES).is_ok());
        moved["phases"][2]["transactional"] = json!(true);
        assert_eq!(refusal(moved).rule, "not-transactional");
    }

    #[test]
    fn implied_hazards_follow_the_statement() {
        let h = |sql: &str| implied_hazards(sql);
        assert_eq!(
            h("DROP TABLE ns.dog"),
            BTreeSet::from([Hazard::DeletesData])
        );
        assert_eq!(
            h("ALTER TABLE ns.dog DROP COLUMN x"),
            BTreeSet::from([Hazard::DeletesData, Hazard::BlocksWrites])
        );
        assert_eq!(
            h("CREATE INDEX i ON ns.dog (name)"),
            BTreeSet::from([Hazard::IndexBuild, Hazard::BlocksWrites])
        );
        assert_eq!(
            h("CREATE UNIQUE INDEX CONCURRENTLY i ON ns.dog (name)"),
            BTreeSet::from([Hazard::IndexBuild])
        );
        assert!(h("COMMENT ON TABLE ns.dog IS 'x'").is_empty());
        assert!(h("INSERT INTO ns.dog (id) VALUES (1)").is_empty());
    }

    #[test]
    fn the_transformed_key_sits_beside_the_original() {
        assert_eq!(
            transformed_plan_key("sdp-e/migrations/d_A/2025-04-28/2025-04-28T08:31:33.816Z_MIGRATION_PLANNED_d_A_m.json"),
            "sdp-e/migrations/d_A/2025-04-28/2025-04-28T08:31:33.816Z_TRANSFORMED_d_A_m.json"
        );
    }

    trait Pipe: Sized {
        fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
            f(self)
        }
    }
    impl Pipe for Value {}
}
