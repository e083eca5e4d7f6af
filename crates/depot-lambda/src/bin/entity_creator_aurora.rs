//! `entity-creator-aurora`: the `Custom::DepotDataset` handler for PostgreSQL and Aurora
//! PostgreSQL locations.

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
