//! Hashing and planning at 100, 1,000 and 10,000 objects of 20 fields each.
//!
//! - `hash_plan/N`, what the targets are about: the dataset's JSON text to the plan of its first
//!   deployment, every stage below in one: `parse_hash`, then `plan_fresh`.
//! - `parse_hash/N`: the JSON text -> `BorrowedJson` (its strings borrowed from the text) ->
//!   `parse_dataset_json` (validation and normalization of the whole package) ->
//!   `version_hash`. This is how `depot` reads a dataset file and the entity creators a
//!   `packageUri` package.
//! - `parse_hash_value/N`: the same through a `serde_json::Value`, as the entity creators read a
//!   package inline in the event's properties (which CloudFormation keeps small).
//! - `plan_fresh/N`: `resolve` the model with `PostgresDialect`, then `plan_migration` from
//!   nothing (every table created).
//! - `plan_update/N`: `resolve` the next version (10% of the objects changed: a field added, a
//!   `varchar` widened, a field renamed), then `plan_migration` from the previous version's
//!   model (resolved once, outside the measurement: a deploy reads it from the stored document).
//!
//! Targets: under 5 ms, 50 ms and 500 ms at 100, 1,000 and 10,000 objects.

// The allocator of the binaries that plan (`depot`, the entity creators), so that the figures
// are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use depot_bench::properties_text;
use depot_core::assemble::{plan_migration, PlanHeader};
use depot_core::borrowed_json;
use depot_core::hash::version_hash;
use depot_core::physical::PhysicalModel;
use depot_core::properties::{parse_dataset, parse_dataset_json};
use depot_core::resolve::resolve;
use depot_core::Dataset;
use depot_postgres::PostgresDialect;

const SIZES: [usize; 3] = [100, 1_000, 10_000];

fn dataset(objects: usize, next: bool) -> Dataset {
    let raw: serde_json::Value = serde_json::from_str(&properties_text(objects, next)).unwrap();
    parse_dataset(&raw, &depot_bench::ENGINES)
        .unwrap_or_else(|p| panic!("invalid bench dataset: {p}"))
}

fn model(dataset: &Dataset) -> PhysicalModel {
    resolve(dataset, &PostgresDialect, &BTreeMap::new())
        .unwrap_or_else(|p| panic!("bench dataset does not resolve: {p}"))
}

fn header(from: Option<&str>) -> PlanHeader {
    PlanHeader {
        migration_id: "0196b4a2-0000-7000-8000-000000000000".to_string(),
        environment_id: "e2e404529091ed2".to_string(),
        dataset_id: depot_bench::DATASET_ID.to_string(),
        dataset_alias: "Bench".to_string(),
        from_version: from.map(str::to_string),
        to_version: "b".repeat(64),
        created_at: "2025-04-28T08:31:33.816Z".to_string(),
    }
}

/// Small samples: the largest size takes a fraction of a second per iteration.
fn configure(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    n: usize,
) {
    group.throughput(Throughput::Elements(n as u64));
    if n >= 1_000 {
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(if n >= 10_000 { 4 } else { 3 }));
    } else {
        group.sample_size(20);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(2));
    }
}

/// Benches `run` on the dataset text of each size, as group `name`.
fn over_texts<T>(c: &mut Criterion, name: &str, run: impl Fn(&str) -> T) {
    let mut group = c.benchmark_group(name);
    for n in SIZES {
        configure(&mut group, n);
        let text = properties_text(n, false);
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| black_box(run(text)))
        });
    }
    group.finish();
}

fn hash_plan(c: &mut Criterion) {
    over_texts(c, "hash_plan", |text| {
        let raw = borrowed_json::from_str(text).unwrap();
        let dataset = parse_dataset_json(&raw, &depot_bench::ENGINES).unwrap();
        let mut header = header(None);
        header.to_version = version_hash(&dataset.config, &dataset.package);
        plan_migration(&PostgresDialect, None, &model(&dataset), header).unwrap()
    });
}

fn parse_hash(c: &mut Criterion) {
    over_texts(c, "parse_hash", |text| {
        let raw = borrowed_json::from_str(text).unwrap();
        let dataset = parse_dataset_json(&raw, &depot_bench::ENGINES).unwrap();
        version_hash(&dataset.config, &dataset.package)
    });
}

fn parse_hash_value(c: &mut Criterion) {
    over_texts(c, "parse_hash_value", |text| {
        let raw: serde_json::Value = serde_json::from_str(text).unwrap();
        let dataset = parse_dataset(&raw, &depot_bench::ENGINES).unwrap();
        version_hash(&dataset.config, &dataset.package)
    });
}

fn plan_fresh(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan_fresh");
    for n in SIZES {
        configure(&mut group, n);
        let new = dataset(n, false);
        group.bench_with_input(BenchmarkId::from_parameter(n), &new, |b, new| {
            b.iter(|| {
                let model = model(new);
                black_box(plan_migration(&PostgresDialect, None, &model, header(None)).unwrap())
            })
        });
    }
    group.finish();
}

fn plan_update(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan_update");
    for n in SIZES {
        configure(&mut group, n);
        let old = model(&dataset(n, false));
        let new = dataset(n, true);
        // The plan must hold the changes: 10% of the objects, three changes each.
        let plan = plan_migration(
            &PostgresDialect,
            Some(&old),
            &model(&new),
            header(Some("a")),
        )
        .unwrap();
        let steps: usize = plan.phases.iter().map(|p| p.steps.len()).sum();
        assert!(steps >= 3 * n / 10, "plan_update/{n}: only {steps} steps");
        group.bench_with_input(BenchmarkId::from_parameter(n), &new, |b, new| {
            b.iter(|| {
                let model = model(new);
                black_box(
                    plan_migration(&PostgresDialect, Some(&old), &model, header(Some("a")))
                        .unwrap(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    hash_plan,
    parse_hash,
    parse_hash_value,
    plan_fresh,
    plan_update
);
criterion_main!(benches);
