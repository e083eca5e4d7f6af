//! Hashing and planning at 100, 1,000 and 10,000 objects of 20 fields each.
//!
//! - `parse_hash/N`: the dataset file's JSON text -> `serde_json::Value` -> `parse_dataset`
//!   (validation and normalization of the whole package) -> `version_hash`.
//! - `plan_fresh/N`: `resolve` the model with `PostgresDialect`, then `plan_migration` from
//!   nothing (every table created).
//! - `plan_update/N`: `resolve` the next version (10% of the objects changed: a field added, a
//!   `varchar` widened, a field renamed), then `plan_migration` from the previous version's
//!   model (resolved once, outside the measurement: a deploy reads it from the stored document).
//!
//! Targets: under 5 ms, 50 ms and 500 ms at 100, 1,000 and 10,000 objects.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use depot_bench::properties_text;
use depot_core::assemble::{plan_migration, PlanHeader};
use depot_core::hash::version_hash;
use depot_core::physical::PhysicalModel;
use depot_core::properties::parse_dataset;
use depot_core::resolve::resolve;
use depot_core::Dataset;
use depot_postgres::PostgresDialect;

const SIZES: [usize; 3] = [100, 1_000, 10_000];

fn dataset(objects: usize, next: bool) -> Dataset {
    let raw: serde_json::Value = serde_json::from_str(&properties_text(objects, next)).unwrap();
    parse_dataset(&raw).unwrap_or_else(|p| panic!("invalid bench dataset: {p}"))
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

fn parse_hash(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_hash");
    for n in SIZES {
        configure(&mut group, n);
        let text = properties_text(n, false);
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| {
                let raw: serde_json::Value = serde_json::from_str(text).unwrap();
                let dataset = parse_dataset(&raw).unwrap();
                black_box(version_hash(&dataset.config, &dataset.package))
            })
        });
    }
    group.finish();
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

criterion_group!(benches, parse_hash, plan_fresh, plan_update);
criterion_main!(benches);
