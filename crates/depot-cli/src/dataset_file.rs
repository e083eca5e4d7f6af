//! Dataset files: SPEC §2 properties with an inline `package` or a `packageFile` relative to
//! the dataset file, and an optional fixed `datasetId`.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use depot_core::properties::parse_dataset;
use depot_core::Dataset;

/// Reads a JSON file, naming the file in every error.
pub fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("reading stdin")?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
    };
    serde_json::from_str(&text).map_err(|e| anyhow!("{}: malformed JSON: {e}", path.display()))
}

/// Loads and validates a dataset file, inlining its `packageFile`.
pub fn load_dataset(path: &Path) -> Result<Dataset> {
    let mut raw = read_json(path)?;
    let object = raw
        .as_object_mut()
        .ok_or_else(|| anyhow!("{}: a dataset file is a JSON object", path.display()))?;
    if let Some(file) = object.remove("packageFile") {
        let file = file
            .as_str()
            .ok_or_else(|| anyhow!("{}: packageFile must be a path", path.display()))?;
        if object.contains_key("package") {
            return Err(anyhow!(
                "{}: give either package or packageFile, not both",
                path.display()
            ));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        // Name the dataset file too: the package path alone does not say who asked for it.
        let package = read_json(&base.join(file))
            .map_err(|e| anyhow!("{}: packageFile {file:?}: {e:#}", path.display()))?;
        object.insert("package".into(), package);
    }
    parse_dataset(&raw).map_err(|problems| anyhow!("{}: {problems}", path.display()))
}
