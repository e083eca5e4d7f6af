//! `depot import --schema NAME`: the package that describes an existing schema (SPEC §9), on
//! stdout as pretty JSON; what the package cannot express goes to stderr, one warning a line.
//! Reads the catalog only: nothing changes in the database.

use std::path::Path;

use anyhow::{bail, Context, Result};
use depot_core::dataset::Location;
use depot_postgres::import::import_schema;

use super::connect_postgres;
use crate::cli::Cli;
use crate::dataset_file::load_dataset;

/// What `depot import` reads and writes.
pub struct ImportArgs<'a> {
    pub schema: &'a str,
    pub name: Option<&'a str>,
    pub version: &'a str,
    /// A dataset file whose location to read (else `--database-url`).
    pub dataset: Option<&'a Path>,
}

/// `depot import --schema NAME [--name PACKAGE] [--version V] [--dataset FILE]`.
pub async fn import(cli: &Cli, args: &ImportArgs<'_>) -> Result<()> {
    let dataset = args.dataset.map(load_dataset).transpose()?;
    if let (None, Some(dataset)) = (&cli.database_url, &dataset) {
        if let Location::Snowflake(location) = &dataset.config.location {
            bail!(
                "location {}: import reads PostgreSQL only for now (Snowflake is not supported \
                 yet)",
                location.name
            );
        }
    }
    let session = connect_postgres(cli, dataset.as_ref()).await?;
    let name = args.name.unwrap_or(args.schema);
    let imported = import_schema(session.client(), args.schema, name, args.version)
        .await
        .with_context(|| format!("importing schema {}", args.schema))?;
    for warning in &imported.warnings {
        eprintln!("depot: warning: {warning}");
    }
    println!("{}", serde_json::to_string_pretty(&imported.package)?);
    Ok(())
}
