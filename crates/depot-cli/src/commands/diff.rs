//! `depot diff DATASET`: the live schema of a deployed dataset compared with its package (SPEC
//! §9). Prints one line per difference and exits non-zero when there is any, like diff(1); prints
//! nothing and exits 0 when the live objects are what the package describes. Changes nothing:
//! the package is planned as `deploy --preview` would, and only read queries reach the location.

use std::path::Path;

use anyhow::{bail, Result};
use depot_deploy::DriftCheck;
use serde_json::json;

use super::preview_dataset_file;
use crate::cli::{Cli, OutputFormat};

/// `depot diff DATASET [--format json|text]`.
pub async fn diff(cli: &Cli, path: &Path, format: OutputFormat) -> Result<()> {
    // The package's physical model, resolved exactly as a deploy would (naming strategy,
    // dependencies' published names), without storing or running anything.
    let (_, mut session, preview) = preview_dataset_file(cli, path).await?;
    let expected = &preview.prepared.document.physical;
    let drift = match session.check_drift(expected).await? {
        DriftCheck::Compared(drift) => drift,
        DriftCheck::Unsupported => bail!(
            "this dataset's engine cannot compare a live schema with a package yet (PostgreSQL \
             and Snowflake can)"
        ),
    };
    match format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "namespace": expected.namespace,
                "differences": drift.differences,
            }))?
        ),
        OutputFormat::Text => {
            for line in &drift.differences {
                println!("{line}");
            }
        }
    }
    if drift.is_empty() {
        Ok(())
    } else {
        bail!(
            "the live schema of {} differs from the package in {} place(s)",
            expected.namespace,
            drift.differences.len()
        )
    }
}
