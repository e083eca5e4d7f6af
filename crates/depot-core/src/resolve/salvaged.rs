//! Resolution of the sound part of a package with problems ([`Salvage`]): the problems only
//! resolution finds, reported with those of reading the package instead of after they are
//! fixed.

use std::collections::BTreeMap;

use crate::dataset::{Dataset, DatasetConfig};
use crate::dialect::Dialect;
use crate::physical::DependencyModel;
use crate::problem::Problem;
use crate::validate::{parse_package, Salvage};

use super::resolve;

/// resolve_salvage resolves `salvage` as a package of a dataset configured by `config`, and
/// gives the problems found that are news (see [`Salvage::keeps`]), placed under `package`
/// like every problem of resolution.
pub fn resolve_salvage(
    salvage: &Salvage,
    config: &DatasetConfig,
    dialect: &dyn Dialect,
    dependencies: &BTreeMap<String, DependencyModel>,
) -> Vec<Problem> {
    // Read again, as every package that is resolved is: what resolution assumes of a package
    // holds of it, or nothing is said (its problems are the ones reported already).
    let Ok(raw) = serde_json::to_value(&salvage.package) else {
        return Vec::new();
    };
    let Ok(package) = parse_package(&raw) else {
        return Vec::new();
    };
    let dataset = Dataset {
        config: config.clone(),
        package,
        dataset_id: None,
    };
    match resolve(&dataset, dialect, dependencies) {
        Ok(_) => Vec::new(),
        Err(problems) => problems
            .0
            .into_iter()
            .filter(|p| salvage.keeps(p))
            .collect(),
    }
}
