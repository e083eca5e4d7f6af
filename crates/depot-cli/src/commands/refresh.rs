//! `depot refresh DATASET [--view NAME]`: recomputes the rows of a deployed dataset's
//! materialized views on demand (SPEC §1b: refreshed by the migration when a source changes,
//! and on demand). The package is resolved as a deploy would, so the views are found by their
//! logical names; each is refreshed after the materialized views it reads, CONCURRENTLY when a
//! unique index allows it.

use std::path::Path;

use anyhow::Result;
use serde_json::json;

use super::preview_dataset_file;
use crate::cli::Cli;

/// `depot refresh DATASET [--view NAME]`: prints what was refreshed as JSON.
pub async fn refresh(cli: &Cli, path: &Path, view: Option<&str>) -> Result<()> {
    let (_, mut session, preview) = preview_dataset_file(cli, path).await?;
    let model = &preview.prepared.document.physical;
    let refreshed = session.refresh_materialized_views(model, view).await?;
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "outcome": "refreshed",
            "namespace": model.namespace,
            "refreshed": refreshed,
        }))?
    );
    Ok(())
}
