//! Dataset files: SPEC §2 properties with an inline `package` or a `packageFile` relative to
//! the dataset file, and an optional fixed `datasetId`.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use depot_core::borrowed_json::{self, ParseError};
use depot_core::json::{JsonObject, JsonValue};
use depot_core::package::Package;
use depot_core::properties::parse_dataset_json;
use depot_core::resolve::place_in_input;
use depot_core::{Dataset, Problem};

use crate::engines::ENGINES;

use crate::refusal::{InputSource, Refused};

/// Reads a file (`-`: standard input) as text, naming the file in every error.
fn read_text(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("reading stdin")
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
    }
}

/// Reads a JSON file, naming the file in every error; a key given twice is refused.
pub fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = read_text(path)?;
    borrowed_json::value_from_str(&text).map_err(|e| parse_error(path, e))
}

/// The error of a text of `path` that does not parse: a repeated key is a problem at its path.
fn parse_error(path: &Path, error: ParseError) -> anyhow::Error {
    match error.duplicate_key() {
        Some(problem) => Refused::new(&InputSource::file(path), [problem]).into(),
        None => anyhow!("{}: {error}", path.display()),
    }
}

/// Loads and validates a dataset file, inlining its `packageFile`.
///
/// The texts are read as [`borrowed_json::BorrowedJson`], which borrows their strings: a package of thousands
/// of objects validates in about half the time it takes through a `serde_json::Value`.
pub fn load_dataset(path: &Path) -> Result<Dataset> {
    load_dataset_with_source(path).map(|(dataset, _)| dataset)
}

/// [`load_dataset`], with where its JSON came from (to place problems found later, when the
/// dataset is resolved against its engine).
pub fn load_dataset_with_source(path: &Path) -> Result<(Dataset, InputSource)> {
    let mut source = InputSource::file(path);
    // Declared first: the dataset's tree borrows it once the package is inlined.
    let package_text: String;
    let text = read_text(path)?;
    let mut raw = borrowed_json::from_str(&text).map_err(|e| parse_error(path, e))?;
    let object = raw
        .as_object_mut()
        .ok_or_else(|| anyhow!("{}: a dataset file is a JSON object", path.display()))?;
    if let Some(file) = object.remove("packageFile") {
        let file = file
            .as_str()
            .ok_or_else(|| anyhow!("{}: packageFile must be a path", path.display()))?
            .to_string();
        if object.contains_key("package") {
            return Err(anyhow!(
                "{}: give either package or packageFile, not both",
                path.display()
            ));
        }
        let package_path = path.parent().unwrap_or(Path::new(".")).join(&file);
        // Name the dataset file too: the package path alone does not say who asked for it.
        let in_dataset =
            |e: anyhow::Error| anyhow!("{}: packageFile {file:?}: {e:#}", path.display());
        package_text = read_text(&package_path).map_err(in_dataset)?;
        let package = borrowed_json::from_str(&package_text).map_err(|e| match e {
            ParseError::DuplicateKey(_) => parse_error(&package_path, e),
            ParseError::Syntax(_) => in_dataset(anyhow!("{}: {e}", package_path.display())),
        })?;
        object.insert("package", package);
        source.package_file = Some(package_path);
    }
    let dataset = parse_dataset_json(&raw, &ENGINES)
        .map_err(|problems| Refused::new(&source, &problems.0))?;
    Ok((dataset, source))
}

/// The refusal of problems found resolving the dataset of `path` (read from `source`), each
/// placed where it is written: resolution sees a package's indexes, checks and foreign keys
/// sorted by name, the file has them in the author's order. The file is read again for that,
/// only on this path.
pub fn resolution_refused(
    path: &Path,
    source: &InputSource,
    package: &Package,
    mut problems: Vec<Problem>,
) -> anyhow::Error {
    let raw_package = match &source.package_file {
        Some(file) => read_json(file).ok(),
        None => read_json(path)
            .ok()
            .and_then(|mut raw| raw.get_mut("package").map(serde_json::Value::take)),
    };
    if let Some(raw) = raw_package {
        place_in_input(&mut problems, package, &raw);
    }
    Refused::new(source, &problems).into()
}
