//! Where hashing and planning spend their time: each stage timed on its own, per package size.
//!
//! `cargo run --release -p depot-bench --example stages [-- STAGE SIZE ITERATIONS]`
//!
//! Without arguments, prints a table (median of 5 runs) of every stage at 100, 1,000 and 10,000
//! objects, with microseconds per object to show how each grows. With arguments, loops one stage
//! (`from_str`, `parse_dataset`, `value_from_str`, `parse_dataset_value`, `version_hash`,
//! `resolve`, `plan_fresh`, `plan_update`) for profiling (`perf record`,
//! `valgrind --tool=callgrind`). `from_str` and `parse_dataset` read the text as a
//! `BorrowedJson`, as the benchmark does; the `_value` stages go through a `serde_json::Value`.

// The allocator of the binaries that plan (`depot`, the entity creators), so that the figures
// are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use depot_bench::properties_text;
use depot_core::assemble::{plan_migration, PlanHeader};
use depot_core::borrowed_json;
use depot_core::hash::version_hash;
use depot_core::properties::{parse_dataset, parse_dataset_json};
use depot_core::resolve::resolve;
use depot_postgres::PostgresDialect;

const STAGES: [&str; 9] = [
    "from_str",
    "parse_dataset",
    "value_from_str",
    "parse_dataset_value",
    "version_hash",
    "one_pass_hash",
    "resolve",
    "plan_fresh",
    "plan_update",
];

fn header() -> PlanHeader {
    PlanHeader {
        migration_id: "m".to_string(),
        environment_id: "e".to_string(),
        dataset_id: "d".to_string(),
        dataset_alias: "Bench".to_string(),
        from_version: None,
        to_version: "b".repeat(64),
        created_at: "2025-04-28T08:31:33.816Z".to_string(),
    }
}

/// A closure running `stage` once at `n` objects (inputs prepared outside it).
fn stage(name: &str, n: usize) -> Box<dyn FnMut()> {
    let text = properties_text(n, false);
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    let dataset = parse_dataset(&raw, &depot_bench::ENGINES).unwrap();
    let deps = BTreeMap::new();
    let model = resolve(&dataset, &PostgresDialect, &deps).unwrap();
    match name {
        "from_str" => Box::new(move || {
            black_box(borrowed_json::from_str(&text).unwrap());
        }),
        "parse_dataset" => {
            // The tree borrows the text, which the closure outlives: the text is leaked (once
            // per run of this tool).
            let text: &'static str = Box::leak(text.into_boxed_str());
            let borrowed = borrowed_json::from_str(text).unwrap();
            Box::new(move || {
                black_box(parse_dataset_json(&borrowed, &depot_bench::ENGINES).unwrap());
            })
        }
        "value_from_str" => Box::new(move || {
            black_box(serde_json::from_str::<serde_json::Value>(&text).unwrap());
        }),
        "parse_dataset_value" => Box::new(move || {
            black_box(parse_dataset(&raw, &depot_bench::ENGINES).unwrap());
        }),
        "version_hash" => Box::new(move || {
            black_box(version_hash(&dataset.config, &dataset.package));
        }),
        "one_pass_hash" => {
            assert_eq!(
                one_pass_hash(&dataset.config, &dataset.package),
                version_hash(&dataset.config, &dataset.package),
                "the one-pass sketch must give the same hash"
            );
            Box::new(move || {
                black_box(one_pass_hash(&dataset.config, &dataset.package));
            })
        }
        "resolve" => Box::new(move || {
            black_box(resolve(&dataset, &PostgresDialect, &BTreeMap::new()).unwrap());
        }),
        "plan_fresh" => Box::new(move || {
            black_box(plan_migration(&PostgresDialect, None, &model, header()).unwrap());
        }),
        "plan_update" => {
            let next: serde_json::Value = serde_json::from_str(&properties_text(n, true)).unwrap();
            let next = resolve(
                &parse_dataset(&next, &depot_bench::ENGINES).unwrap(),
                &PostgresDialect,
                &deps,
            )
            .unwrap();
            Box::new(move || {
                black_box(plan_migration(&PostgresDialect, Some(&model), &next, header()).unwrap());
            })
        }
        other => panic!("unknown stage {other}; one of {STAGES:?}"),
    }
}

/// A sketch of a cheaper `version_hash` (not Depot's code): one `to_value`, big integers fixed
/// in place instead of rebuilding the tree, and the Value written straight into the hasher.
/// serde_json's maps are sorted by key bytes, which is JCS's UTF-16 order for the ASCII keys of
/// Depot's model; it is checked against `version_hash` before it is timed.
fn one_pass_hash(config: &depot_core::DatasetConfig, package: &depot_core::Package) -> String {
    use sha2::{Digest, Sha256};
    struct Hasher(Sha256);
    impl std::io::Write for Hasher {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    fn exact(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Number(n) => {
                let big = n.as_u64().is_some_and(|u| u > 1 << 53)
                    || n.as_i64().is_some_and(|i| i.unsigned_abs() > 1 << 53);
                if big {
                    *v = serde_json::Value::String(n.to_string());
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(exact),
            serde_json::Value::Object(map) => map.values_mut().for_each(exact),
            serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::String(_) => {
            }
        }
    }
    let mut value = serde_json::json!({"dataset": config, "package": package});
    exact(&mut value);
    let mut hasher = Hasher(Sha256::new());
    serde_json::to_writer(&mut hasher, &value).unwrap();
    hex::encode(hasher.0.finalize())
}

/// The steps of `depot_core::hash::canonical_json` + sha256, each timed on its own (the same
/// calls, made here one at a time; `exact_integers` is private, so its rebuild of every map is
/// reproduced).
fn hash_parts() {
    use sha2::{Digest, Sha256};
    fn rebuild(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(rebuild).collect())
            }
            serde_json::Value::Object(map) => {
                serde_json::Value::Object(map.into_iter().map(|(k, v)| (k, rebuild(v))).collect())
            }
            other => other,
        }
    }
    println!("| step of version_hash | 100 (ms) | 1,000 (ms) | 10,000 (ms) |");
    println!("| --- | --- | --- | --- |");
    let mut rows: Vec<(&str, Vec<Duration>)> = vec![
        ("serde_json::to_value (model -> Value tree)", vec![]),
        ("exact_integers (rebuilds every map)", vec![]),
        ("serde_jcs::to_string (canonical text)", vec![]),
        ("sha256 of the text", vec![]),
        ("drop of the Value trees", vec![]),
        ("total version_hash (as called)", vec![]),
    ];
    for n in [100, 1_000, 10_000] {
        let raw: serde_json::Value = serde_json::from_str(&properties_text(n, false)).unwrap();
        let d = parse_dataset(&raw, &depot_bench::ENGINES).unwrap();
        let runs = if n >= 10_000 { 3 } else { 7 };
        let mut parts = vec![Vec::new(); 6];
        for _ in 0..runs {
            let t = Instant::now();
            let v = serde_json::json!({"dataset": &d.config, "package": &d.package});
            parts[0].push(t.elapsed());
            let t = Instant::now();
            let v = rebuild(v);
            parts[1].push(t.elapsed());
            let t = Instant::now();
            let text = serde_jcs::to_string(&v).unwrap();
            parts[2].push(t.elapsed());
            let t = Instant::now();
            black_box(Sha256::digest(text.as_bytes()));
            parts[3].push(t.elapsed());
            let t = Instant::now();
            drop(v);
            parts[4].push(t.elapsed());
            let t = Instant::now();
            black_box(version_hash(&d.config, &d.package));
            parts[5].push(t.elapsed());
        }
        for (row, mut p) in rows.iter_mut().zip(parts) {
            p.sort();
            row.1.push(p[p.len() / 2]);
        }
    }
    for (name, t) in rows {
        let ms: Vec<String> = t
            .iter()
            .map(|d| format!("{:.2}", d.as_secs_f64() * 1e3))
            .collect();
        println!("| {name} | {} |", ms.join(" | "));
    }
}

fn median(mut f: impl FnMut(), runs: usize) -> Duration {
    let mut v: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("hash_parts") {
        hash_parts();
        return;
    }
    if let [name, n, iterations] = args.as_slice() {
        let mut f = stage(name, n.parse().unwrap());
        let t = Instant::now();
        for _ in 0..iterations.parse::<usize>().unwrap() {
            f();
        }
        println!("{name} x {iterations} at {n}: {:?}", t.elapsed());
        return;
    }
    println!("| stage | 100 (ms) | 1,000 (ms) | 10,000 (ms) | µs/object at 100 / 1k / 10k |");
    println!("| --- | --- | --- | --- | --- |");
    for name in STAGES {
        let times: Vec<Duration> = [100, 1_000, 10_000]
            .iter()
            .map(|&n| median(stage(name, n), if n >= 10_000 { 3 } else { 5 }))
            .collect();
        let ms = |d: &Duration| format!("{:.2}", d.as_secs_f64() * 1e3);
        let per = |d: &Duration, n: f64| format!("{:.1}", d.as_secs_f64() * 1e6 / n);
        println!(
            "| {name} | {} | {} | {} | {} / {} / {} |",
            ms(&times[0]),
            ms(&times[1]),
            ms(&times[2]),
            per(&times[0], 100.0),
            per(&times[1], 1_000.0),
            per(&times[2], 10_000.0)
        );
    }
}
