//! Plan assembly, the hazard policy and the text preview, with the small test dialect.

mod common;

use std::collections::BTreeSet;

use common::*;
use depot_core::assemble::{plan_migration, PlanHeader};
use depot_core::diff::DiffError;
use depot_core::physical::PhysicalModel;
use depot_core::plan::Plan;
use depot_core::policy::check_hazards;
use depot_core::preview::render_text;
use depot_core::{Change, FieldType, Hazard};
use serde_json::json;

fn header(from: Option<&str>) -> PlanHeader {
    PlanHeader {
        migration_id: "01967b85-dd5c-7306-b067-0a06ab34d6ae".into(),
        environment_id: "e2e404529091ed2".into(),
        dataset_id: "6d9c7969f0b1".into(),
        dataset_alias: "WsDevDogSrc".into(),
        from_version: from.map(str::to_string),
        to_version: "42b14733ff9d8f8de9f22524ef466a13f3b6511f7cb9ebb74de3ab59c24c5b37".into(),
        created_at: "2025-04-28T08:31:33.816Z".into(),
    }
}

const OLD_HASH: &str = "06aeef48489f428db3f91b3878cad61b828142f8f5b5557a2460ec9a3565e40a";

fn old() -> PhysicalModel {
    model(
        vec![
            object(
                "Dog",
                vec![col("id", FieldType::Uuid), col("name", text()).nullable()],
            )
            .key(&["id"]),
            object("Gone", vec![col("id", FieldType::Uuid)]),
        ],
        vec![],
    )
}

fn new() -> PhysicalModel {
    model(
        vec![object(
            "Dog",
            vec![
                col("id", FieldType::Uuid),
                col("name", text()),
                col("age", FieldType::Integer).default(json!(0)),
            ],
        )
        .key(&["id"])
        .index("byName", &["name"], false)],
        vec![view("Names", "SELECT name FROM dog", &[("Dog", &["name"])])],
    )
}

fn plan() -> Plan {
    plan_migration(&TestDialect, Some(&old()), &new(), header(Some(OLD_HASH))).unwrap()
}

fn layout(plan: &Plan) -> Vec<String> {
    plan.phases
        .iter()
        .map(|p| {
            let steps: Vec<String> = p
                .steps
                .iter()
                .map(|s| format!("{} {} {}", s.id, s.action, s.target))
                .collect();
            format!(
                "{} {} tx={}: {}",
                p.phase,
                p.name,
                p.transactional,
                steps.join(" | ")
            )
        })
        .collect()
}

#[test]
fn groups_steps_by_phase_in_ascending_order_with_numbered_ids() {
    let plan = plan();
    assert_eq!(
        layout(&plan),
        [
            "600 alter-columns tx=true: 600-1 addField Dog.age",
            "700 build-indexes tx=false: 700-1 createIndex Dog.byName",
            "800 add-constraints tx=true: 800-1 addNotNullCheck Dog.name",
            "1000 enforce-constraints tx=true: 1000-1 setNotNull Dog.name",
            "1100 create-views tx=true: 1100-1 createView Names",
            "1200 contract tx=true: 1200-1 dropObject Gone",
        ]
    );
    assert_eq!(plan.metadata, new().metadata());
    assert_eq!(plan.engine.as_str(), "postgres");
    assert_eq!(plan.from_version.as_deref(), Some(OLD_HASH));
    assert_eq!(plan.format_version, depot_core::plan::FORMAT_VERSION);
}

#[test]
fn a_step_carries_its_change_only_when_the_change_rendered_to_that_step_alone() {
    let plan = plan();
    for (_, step) in plan.steps() {
        match step.action.as_str() {
            "addNotNullCheck" | "setNotNull" => assert_eq!(step.change, None, "{}", step.id),
            _ => assert!(step.change.is_some(), "{}", step.id),
        }
    }
    let (_, add) = plan.steps().next().unwrap();
    assert!(matches!(
        add.change.as_deref(),
        Some(Change::AddColumn { .. })
    ));
}

#[test]
fn from_nothing_and_nothing_to_do() {
    let plan = plan_migration(&TestDialect, None, &new(), header(None)).unwrap();
    assert_eq!(
        layout(&plan),
        [
            "100 prepare tx=true: 100-1 createNamespace ns",
            "300 create-objects tx=true: 300-1 createObject Dog",
            "1100 create-views tx=true: 1100-1 createView Names",
        ]
    );
    let same = plan_migration(&TestDialect, Some(&new()), &new(), header(Some(OLD_HASH))).unwrap();
    assert!(same.phases.is_empty());
    assert!(same.is_empty());
}

#[test]
fn refusals_of_the_diff_and_of_the_dialect_are_reported_together() {
    let old = model(
        vec![object(
            "Dog",
            vec![col("name", string(200)), col("a", text())],
        )],
        vec![],
    );
    let new = model(
        vec![object(
            "Dog",
            vec![
                col("name", string(200)).computed("'x'"),
                col("a", text()).default(json!(null)),
            ],
        )],
        vec![],
    );
    // The diff refuses first (a stored field cannot become computed); its refusals come alone.
    let Err(DiffError(r)) = plan_migration(&TestDialect, Some(&old), &new, header(None)) else {
        panic!("expected a refusal");
    };
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].target, "Dog.name");

    // Every change the dialect cannot render is reported.
    let new = model(
        vec![object(
            "Dog",
            vec![
                col("name", string(200)).default(json!(null)),
                col("a", text()).default(json!(null)),
            ],
        )],
        vec![],
    );
    let Err(DiffError(r)) = plan_migration(&TestDialect, Some(&old), &new, header(None)) else {
        panic!("expected a refusal");
    };
    let targets: Vec<&str> = r.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, ["Dog.name", "Dog.a"]);
    assert_eq!(r[0].message, "a null default cannot be rendered");
}

#[test]
fn the_plan_document_round_trips_through_json() {
    let plan = plan();
    let text = serde_json::to_string(&plan).unwrap();
    let back: Plan = serde_json::from_str(&text).unwrap();
    assert_eq!(back, plan);
    let value = serde_json::to_value(&plan).unwrap();
    assert_eq!(value["phases"][0]["phase"], 600);
    assert_eq!(value["phases"][0]["steps"][0]["id"], "600-1");
}

#[test]
fn hazards_not_allowed_refuse_the_plan_listing_every_offending_step() {
    let plan = plan();
    let none = BTreeSet::new();
    let refused = check_hazards(&plan, &none).unwrap_err();
    let ids: Vec<&str> = refused.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["700-1", "1200-1"]);
    assert_eq!(
        refused.hazards(),
        BTreeSet::from([Hazard::DeletesData, Hazard::IndexBuild])
    );
    insta::assert_snapshot!(refused.to_string(), @r#"
    the migration plan is refused: 2 step(s) carry hazards that migrationOptions.allowedHazards does not allow:
      - 700-1 createIndex Dog.byName [INDEX_BUILD]: createIndex for Dog.byName
      - 1200-1 dropObject Gone [DELETES_DATA]: dropObject for Gone
    to run it anyway, add them to the dataset's migrationOptions.allowedHazards: ["DELETES_DATA", "INDEX_BUILD"]
    "#);

    // Allowing some leaves only the others.
    let some = BTreeSet::from([Hazard::IndexBuild]);
    let refused = check_hazards(&plan, &some).unwrap_err();
    assert_eq!(refused.steps.len(), 1);
    assert_eq!(refused.steps[0].hazards, [Hazard::DeletesData]);

    let all = BTreeSet::from([Hazard::IndexBuild, Hazard::DeletesData]);
    assert_eq!(check_hazards(&plan, &all), Ok(()));
}

#[test]
fn preview_for_people() {
    insta::assert_snapshot!(render_text(&plan()));
}

#[test]
fn preview_of_a_first_deployment_and_of_an_empty_plan() {
    let first = plan_migration(&TestDialect, None, &new(), header(None)).unwrap();
    let text = render_text(&first);
    assert!(
        text.contains("(nothing deployed) -> 42b14733ff9d"),
        "{text}"
    );
    assert!(text.contains("Hazards: none"), "{text}");

    let same = plan_migration(&TestDialect, Some(&new()), &new(), header(Some(OLD_HASH))).unwrap();
    insta::assert_snapshot!(render_text(&same), @r"
    Migration plan for WsDevDogSrc (dataset 6d9c7969f0b1, postgres, namespace ns)
      version    06aeef48489f -> 42b14733ff9d
      migration  01967b85-dd5c-7306-b067-0a06ab34d6ae
      created    2025-04-28T08:31:33.816Z

    Nothing to do: the dataset already matches this version.
    ");
}

#[test]
fn preview_of_a_step_without_sql() {
    let mut plan = plan();
    plan.phases[0].steps[0].sql = None;
    let text = render_text(&plan);
    assert!(
        text.contains("600-1 addField Dog.age\n    -- addField for Dog.age\n    (SQL rendered by the executor when it runs)"),
        "{text}"
    );
}
