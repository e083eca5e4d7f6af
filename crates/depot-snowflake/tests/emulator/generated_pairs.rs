//! Generated package pairs (crates/depot-pairgen) on the emulator, within Snowflake's profile as
//! fakesnow runs it (no checks or computed fields, which Snowflake refuses; none of the
//! statements pairs.rs lists in EMULATOR_CANNOT_RUN): each pair gets what pairs.rs gives a
//! hand-written one. The migrated schema equals a fresh deploy, every row survives, the drift
//! check finds nothing.

use std::collections::BTreeMap;

use depot_core::FieldType;
use depot_pairgen::{build, recipe, with_packages, Profile};
use depot_snowflake::sql_type::{alters_in_place, stored};
use proptest::prelude::*;

use crate::pairs::{migrate_pair, model};
use crate::support::Env;

/// The type changes Snowflake makes without its column copy: both types stored alike (an enum
/// and an unbounded string), or altered in place (a longer VARCHAR, more NUMBER precision).
fn without_column_copy(from: &FieldType, to: &FieldType) -> bool {
    stored(from) == stored(to) || alters_in_place(from, to)
}

/// PROPTEST_CASES for a deeper run; 24 by default (each case deploys three times).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(24);
    ProptestConfig {
        cases,
        max_shrink_iters: 100,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

#[test]
fn generated_pairs_migrate_to_the_fresh_schema_and_keep_their_rows() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // Fails (never skips) when fakesnow does not answer, before any case is drawn.
    runtime.block_on(async { drop(Env::new().session().await) });
    let profile = Profile::snowflake_emulator(without_column_copy);
    proptest!(config(), |(recipe in recipe(profile))| {
        let (old, new) = build(&recipe);
        with_packages(&old, &new, || {
            runtime
                .block_on(migrate_pair("generated", &old, &new))
                .unwrap_or_else(|e| panic!("{e}"))
        })?;
    });
}

/// The profile keeps out what Snowflake refuses at validation and what the emulator cannot
/// run (checked on the resolved models, as the planner sees them), and still draws the edits
/// the emulator can run.
#[test]
fn the_snowflake_profile_draws_only_what_the_emulator_runs() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let profile = Profile::snowflake_emulator(without_column_copy);
    let env = Env::new();
    let mut seen = BTreeMap::<&str, usize>::new();
    let mut saw = |kind| *seen.entry(kind).or_default() += 1;
    for _ in 0..300 {
        let recipe = recipe(profile)
            .new_tree(&mut runner)
            .expect("a recipe")
            .current();
        let (old, new) = build(&recipe);
        // Resolving refuses what Snowflake cannot hold (checks, computed fields).
        let (old_model, new_model) = (model(&env, &old), model(&env, &new));
        for o in old_model.objects.values() {
            assert!(
                !o.indexes.iter().any(|i| i.unique && !i.has_expression()),
                "an old UNIQUE constraint, which a migration may drop: {old}"
            );
        }
        for o in new_model.objects.values() {
            let Some(old_o) = std::iter::once(&o.logical)
                .chain(&o.previous_names)
                .find_map(|n| old_model.objects.get(n))
            else {
                continue;
            };
            if o.logical != old_o.logical {
                saw("renamed object");
            }
            for c in &o.columns {
                let Some(old_c) = old_o
                    .columns
                    .iter()
                    .find(|oc| oc.logical == c.logical || c.previous_names.contains(&oc.logical))
                else {
                    assert!(c.nullable, "a NOT NULL column added: {}\n{new}", c.logical);
                    saw("new column");
                    continue;
                };
                assert!(
                    old_c.identity.is_some() || c.identity.is_none(),
                    "AUTOINCREMENT added to {}: {new}",
                    c.logical
                );
                assert!(
                    c.default.is_none() || c.default == old_c.default,
                    "the default of {} given or changed: {old}\n{new}",
                    c.logical
                );
                if c.field_type != old_c.field_type {
                    assert!(
                        without_column_copy(&old_c.field_type, &c.field_type),
                        "{} copied to change its type: {old}\n{new}",
                        c.logical
                    );
                    saw("type change");
                    if c.default.is_some() {
                        // Snowflake keeps it through the in-place change: not set again.
                        saw("type change keeping its default");
                    }
                }
                if old_c.default.is_some() && c.default.is_none() {
                    saw("dropped default");
                }
                if old_c.nullable != c.nullable {
                    saw("nullability change");
                }
            }
        }
        let new_text = new.to_string();
        for (kind, found) in [
            ("new object", new_text.contains("\"N1\"")),
            ("foreign key", new_text.contains("toRef")),
            ("identity", new_text.contains("autoIncrement")),
            ("unique index", new_text.contains("\"unique\":true")),
            ("view", new_text.contains("\"view\"")),
        ] {
            if found {
                saw(kind);
            }
        }
    }
    for kind in [
        "renamed object",
        "new column",
        "type change",
        "type change keeping its default",
        "dropped default",
        "nullability change",
        "new object",
        "foreign key",
        "identity",
        "unique index",
        "view",
    ] {
        assert!(
            seen.get(kind).copied().unwrap_or(0) > 5,
            "the Snowflake profile rarely makes a {kind}: {seen:?}"
        );
    }
}
