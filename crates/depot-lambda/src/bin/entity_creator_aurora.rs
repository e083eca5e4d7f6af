//! `entity-creator-aurora`: the `Custom::DepotDataset` handler for PostgreSQL and Aurora
//! PostgreSQL locations.

// A Lambda binary built with `panic = "abort"` dies on a panic, and whoever invoked it gets no
// answer until its timeout (CloudFormation waits up to an hour). `cargo lambda build --release`
// chooses abort unless the profile says otherwise: refuse to build such an artifact at all.
#[cfg(panic = "abort")]
compile_error!(
    "Depot's Lambda binaries must unwind on panic so that a panicking request still gets its \
     FAILED answer: build with panic = \"unwind\" (Cargo.toml's [profile.release] sets it; \
     `cargo lambda build --release` sets abort when the profile does not say)"
);

// mimalloc, not glibc's malloc: hashing and planning a large package make millions of small
// allocations, where glibc's spent half the time (depot-bench's `stages` example). It adds
// 1-2 ms to cold init (README, Benchmarks), so the runner and forwarder, which never
// plan, keep glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    depot_lambda::runtime::run(Box::new(depot_lambda::PostgresEngine)).await
}
