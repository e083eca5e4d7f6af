//! Generated package pairs on PostgreSQL: the pairs of crates/depot-pairgen (its documentation
//! says what they draw), within PostgreSQL's profile (everything the generator knows). Every
//! pair must migrate like a fresh deploy and keep every row ([`check_pair`]), and a migration
//! that fails before its contract phase must be undone to the old version ([`check_undo`]).

use std::collections::BTreeMap;

use depot_core::assemble::{plan_migration, PlanHeader};
use depot_core::hash::version_hash;
use depot_core::physical::PhysicalObject;
use depot_pairgen::{build, with_packages, Profile};
use depot_postgres::PostgresDialect;
use depot_tests::{check_pair, check_undo, dataset, model};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};

/// Rows inserted in every old table before the migration.
const ROWS: usize = 4;

/// The pairs PostgreSQL must migrate: every one the generator makes.
fn recipe() -> impl Strategy<Value = depot_pairgen::Recipe> {
    depot_pairgen::recipe(Profile::POSTGRES)
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Offline, many cases: every generated pair is valid, plans without refusal, plans something,
/// and the new version planned against itself has nothing to do.
#[test]
fn generated_pairs_plan_offline() {
    let config = ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(recipe in recipe())| {
        let (old, new) = build(&recipe);
        with_packages(&old, &new, || {
            let (old_ds, new_ds) = (dataset(&old), dataset(&new));
            let (old_model, new_model) = (model(&old_ds), model(&new_ds));
            let header = |from: Option<String>| PlanHeader {
                migration_id: "01967b85-dd5c-7306-b067-0a06ab34d6ae".into(),
                environment_id: new_ds.config.environment_id.clone(),
                dataset_id: depot_tests::DATASET_ID.into(),
                dataset_alias: new_ds.config.alias.clone(),
                from_version: from,
                to_version: version_hash(&new_ds.config, &new_ds.package),
                created_at: "2025-04-28T08:31:33.816Z".into(),
            };
            let old_hash = version_hash(&old_ds.config, &old_ds.package);
            assert_ne!(old_hash, header(None).to_version, "two package versions, one hash");
            plan_migration(&PostgresDialect, Some(&old_model), &new_model, header(Some(old_hash)))
                .unwrap_or_else(|e| panic!("planning old -> new: {e}"));
            let again = plan_migration(&PostgresDialect, Some(&new_model), &new_model, header(None))
                .unwrap_or_else(|e| panic!("planning new -> new: {e}"));
            assert!(
                again.is_empty(),
                "the new version planned against itself is not empty:\n{}",
                depot_core::preview::render_text(&again)
            );
        })?;
    });
}

/// The config of the live properties: PROPTEST_CASES=200 for a deeper run; 12 by default (each
/// case creates databases).
fn live_config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(12);
    ProptestConfig {
        cases,
        max_shrink_iters: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Runs the live check `check(old, new)` on a fresh runtime, with the packages printed on
/// failure.
fn run_live<T, F: std::future::Future<Output = T>>(
    old: &Value,
    new: &Value,
    check: impl FnOnce() -> F,
) -> Result<T, TestCaseError> {
    with_packages(old, new, || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(check())
    })
}

/// Live: each case deploys old into a fresh database, inserts rows, migrates to new, and
/// compares with new deployed fresh into another database, and the rows before and after.
#[test]
fn generated_pairs_migrate_like_a_fresh_deploy_and_keep_every_row() {
    proptest!(live_config(), |(recipe in recipe())| {
        let (old, new) = build(&recipe);
        run_live(&old, &new, || check_pair(&old, &new, ROWS))?;
    });
}

/// Live: each case migrates old -> new with a failure injected just before the contract phase,
/// and the undo must bring back old exactly, every row kept (depot_core::undo).
#[test]
fn generated_pairs_that_fail_are_undone_to_the_old_version() {
    proptest!(live_config(), |(recipe in recipe())| {
        let (old, new) = build(&recipe);
        run_live(&old, &new, || check_undo(&old, &new, ROWS))?;
    });
}

/// The generator itself: the names it makes are valid and map one to one under snake_case,
/// and the edits it is meant to make do occur.
#[test]
fn the_generator_makes_valid_distinct_names_and_every_kind_of_edit() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for _ in 0..300 {
        let recipe = recipe().new_tree(&mut runner).expect("a recipe").current();
        let (old, new) = build(&recipe);
        let (old_model, new_model) = (model(&dataset(&old)), model(&dataset(&new)));
        for m in [&old_model, &new_model] {
            for o in m.objects.values() {
                assert_eq!(o.physical, o.logical.to_lowercase(), "{o:?}");
                for c in &o.columns {
                    assert_eq!(c.physical, c.logical.to_lowercase(), "{c:?}");
                }
            }
        }
        let text = new.to_string();
        // An index or foreign key option that differs between the versions of a kept object.
        let toggled = |differs: &dyn Fn(&PhysicalObject, &PhysicalObject) -> bool| {
            old_model
                .objects
                .iter()
                .any(|(name, o)| new_model.objects.get(name).is_some_and(|n| differs(o, n)))
        };
        let old1 = |o: &PhysicalObject| o.indexes.iter().find(|i| i.logical == "old1").cloned();
        let key_toggled = |o: &PhysicalObject, n: &PhysicalObject| {
            o.foreign_keys.first().map(|k| k.deferrable)
                != n.foreign_keys.first().map(|k| k.deferrable)
                && !o.foreign_keys.is_empty()
                && !n.foreign_keys.is_empty()
        };
        for (kind, found) in [
            (
                "expression index",
                text.contains("\"fields\":[{\"expression\""),
            ),
            ("nulls not distinct", text.contains("nullsDistinct")),
            ("deferrable foreign key", text.contains("initiallyDeferred")),
            (
                "expression index toggled",
                toggled(&|o, n| match (old1(o), old1(n)) {
                    (Some(a), Some(b)) => a.has_expression() != b.has_expression(),
                    _ => false,
                }),
            ),
            (
                "nullsDistinct toggled",
                toggled(&|o, n| match (old1(o), old1(n)) {
                    (Some(a), Some(b)) => a.nulls_distinct != b.nulls_distinct,
                    _ => false,
                }),
            ),
            ("deferrable toggled", toggled(&key_toggled)),
            ("renamed object", text.contains("\"R")),
            ("renamed field", text.contains("\"b")),
            ("new object", text.contains("\"N1\"")),
            ("new field", text.contains("\"c1\"")),
            ("new index", text.contains("new1")),
            ("new view", text.contains("W1")),
            ("kept old view", text.contains("V1")),
            ("check", text.contains("positiveId")),
            ("foreign key", text.contains("toRef")),
            ("identity", text.contains("autoIncrement")),
            ("computed field", text.contains("computed")),
            ("star view", text.contains("SELECT *")),
            ("expression default", text.contains("\"expression\"")),
            ("description", text.contains("description")),
            ("sorted index", text.contains("\"desc\"")),
            ("partial index", text.contains("\"where\"")),
            ("enum field", text.contains("\"type\":\"enum\"")),
            (
                "string narrowed to an enum",
                old_model.objects.iter().any(|(name, o)| {
                    new_model.objects.get(name).is_some_and(|n| {
                        o.columns.iter().any(|c| {
                            matches!(c.field_type, depot_core::FieldType::String { .. })
                                && n.columns.iter().any(|d| {
                                    (d.logical == c.logical
                                        || d.previous_names.contains(&c.logical))
                                        && matches!(
                                            d.field_type,
                                            depot_core::FieldType::Enum { .. }
                                        )
                                })
                        })
                    })
                }),
            ),
            (
                "dropped object",
                new_model.objects.len()
                    < old_model.objects.len() + usize::from(text.contains("\"N1\"")),
            ),
        ] {
            if found {
                *seen.entry(kind).or_default() += 1;
            }
        }
        let widened = new_model.objects.values().any(|o| {
            let Some(old_o) = old_model.objects.get(&o.logical).or_else(|| {
                o.previous_names
                    .first()
                    .and_then(|p| old_model.objects.get(p))
            }) else {
                return false;
            };
            o.columns.iter().any(|c| {
                old_o.columns.iter().any(|oc| {
                    (oc.logical == c.logical || c.previous_names.contains(&oc.logical))
                        && oc.field_type != c.field_type
                })
            })
        });
        if widened {
            *seen.entry("widened field").or_default() += 1;
        }
        let narrowed = new_model.objects.values().any(|o| {
            old_model.objects.values().any(|old_o| {
                o.columns.iter().any(|c| {
                    old_o.columns.iter().any(|oc| {
                        (oc.logical == c.logical || c.previous_names.contains(&oc.logical))
                            && oc.field_type.change_to(&c.field_type)
                                == depot_core::field_type::TypeChange::Narrowing
                    })
                })
            })
        });
        if narrowed {
            *seen.entry("narrowed field").or_default() += 1;
        }
    }
    for kind in [
        "renamed object",
        "renamed field",
        "new object",
        "new field",
        "new index",
        "new view",
        "kept old view",
        "dropped object",
        "widened field",
        "narrowed field",
        "check",
        "foreign key",
        "identity",
        "computed field",
        "star view",
        "expression default",
        "description",
        "sorted index",
        "partial index",
        "enum field",
        "string narrowed to an enum",
        "expression index",
        "nulls not distinct",
        "deferrable foreign key",
        "expression index toggled",
        "nullsDistinct toggled",
        "deferrable toggled",
    ] {
        assert!(
            seen.get(kind).copied().unwrap_or(0) > 5,
            "the generator rarely makes a {kind}: {seen:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions: minimal pairs the generator once found, pinned so they run on every test run.

fn run_pair(old: &Value, new: &Value) {
    run_live(old, new, || check_pair(old, new, ROWS)).unwrap_or_else(|e| panic!("{e}"));
}

/// `string(4)` with a default -> unbounded `string`, same default: the migrated column's
/// default must read as on a fresh `text` column (`'it''s'::text`), not keep the old
/// `'it''s'::character varying`.
#[test]
fn regression_widening_a_string_with_a_default_to_text() {
    let table = |field: Value, version: &str| {
        json!({"name": "gen", "version": version, "schemas": {"T1": {"kind": "object",
            "fields": {"id": {"type": "bigint"}, "a1": field}, "primaryKey": ["id"]}}})
    };
    run_pair(
        &table(
            json!({"type": "string", "maxLength": 4, "default": "it's"}),
            "1",
        ),
        &table(json!({"type": "string", "default": "it's"}), "2"),
    );
}
