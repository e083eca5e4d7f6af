//! `entity-creator-snowflake`: the `Custom::DepotDataset` handler for Snowflake locations.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    depot_lambda::runtime::run(Box::new(depot_lambda::SnowflakeEngine)).await
}
