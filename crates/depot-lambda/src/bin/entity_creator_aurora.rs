//! `entity-creator-aurora`: the `Custom::DepotDataset` handler for PostgreSQL and Aurora
//! PostgreSQL locations.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    depot_lambda::runtime::run(Box::new(depot_lambda::PostgresEngine)).await
}
