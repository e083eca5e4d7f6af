//! `depot plan` end to end on generated datasets of 1,000 and 10,000 objects (the §1b features
//! included: see the crate's package generator): the release `depot` binary run as a user runs
//! it, process start and file read included, first deploy and a next version. Prints the median
//! of five runs per case, ms per object (linear growth keeps it flat), and the ratio to the
//! 500 ms target at 10,000 objects.
//!
//! `make bench-plan` builds the binary first; run from the workspace root.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use depot_bench::properties_text;

const RUNS: usize = 5;
/// `depot plan` of 10,000 objects end to end (issue 13).
const TARGET_10K: Duration = Duration::from_millis(500);

fn main() {
    let depot =
        PathBuf::from(std::env::var("DEPOT_BIN").unwrap_or_else(|_| "target/release/depot".into()));
    if !depot.exists() {
        eprintln!(
            "plan-bench: {} not found: `cargo build --release -p depot-cli` first",
            depot.display()
        );
        std::process::exit(2);
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    println!("| objects | plan | median of {RUNS} (ms) | per object (us) |");
    println!("| --- | --- | --- | --- |");
    let mut first_10k = Duration::ZERO;
    for objects in [1_000usize, 10_000] {
        let old = write(
            dir.path(),
            &format!("old-{objects}.json"),
            &properties_text(objects, false),
        );
        let new = write(
            dir.path(),
            &format!("new-{objects}.json"),
            &properties_text(objects, true),
        );
        for (what, args) in [
            ("from nothing", vec!["plan".to_string(), old.clone()]),
            (
                "from the previous version",
                vec![
                    "plan".to_string(),
                    new.clone(),
                    "--from".to_string(),
                    old.clone(),
                ],
            ),
        ] {
            let median = median_run(&depot, &args);
            if objects == 10_000 && what == "from nothing" {
                first_10k = median;
            }
            println!(
                "| {objects} | {what} | {} | {:.1} |",
                median.as_millis(),
                median.as_secs_f64() * 1e6 / objects as f64
            );
        }
    }
    println!(
        "\nratio to the 500 ms target (10,000 objects, from nothing): {:.2}",
        first_10k.as_secs_f64() / TARGET_10K.as_secs_f64()
    );
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("the dataset file is written");
    path.display().to_string()
}

/// The median wall time of [`RUNS`] runs of `depot args`, stdout discarded.
fn median_run(depot: &Path, args: &[String]) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let out = Command::new(depot).args(args).output().expect("depot runs");
            let took = start.elapsed();
            assert!(
                out.status.success(),
                "depot {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
            took
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}
