//! `depot import --schema NAME`: the package that describes an existing schema (SPEC §9), on
//! stdout as pretty JSON; what the package cannot express goes to stderr, one warning a line.
//! Reads the catalog only: nothing changes in the database. PostgreSQL through `--database-url`
//! or a dataset file's location; Snowflake through a dataset file whose location is Snowflake
//! (`--location FILE`, the password in SNOWFLAKE_PASSWORD as for `depot deploy`).

use std::path::Path;

use anyhow::{Context, Result};
use depot_core::import::Imported;
use depot_postgres::import::import_schema;
use depot_snowflake::SnowflakeLocation;

use super::{connect_postgres, snowflake_session};
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
    let name = args.name.unwrap_or(args.schema);
    // A Snowflake location, unless --database-url names a PostgreSQL database instead.
    let snowflake = match (&cli.database_url, &dataset) {
        (None, Some(dataset)) => SnowflakeLocation::from_location(&dataset.config.location)
            .ok()
            .map(|location| (location, &dataset.config.executor)),
        _ => None,
    };
    let imported: Imported = match snowflake {
        Some((location, executor)) => {
            let session = snowflake_session(&location, executor).await?;
            depot_snowflake::import::import_schema(
                session.client(),
                session.is_emulated(),
                args.schema,
                name,
                args.version,
            )
            .await
            .with_context(|| format!("importing schema {}", args.schema))?
        }
        None => {
            let session = connect_postgres(cli, dataset.as_ref()).await?;
            import_schema(session.client(), args.schema, name, args.version)
                .await
                .with_context(|| format!("importing schema {}", args.schema))?
        }
    };
    for warning in &imported.warnings {
        eprintln!("depot: warning: {warning}");
    }
    println!("{}", serde_json::to_string_pretty(&imported.package)?);
    Ok(())
}
