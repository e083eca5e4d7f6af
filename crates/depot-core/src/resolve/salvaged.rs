//! Resolution of the sound part of a package with problems ([`Salvage`]): the problems only
//! resolution finds, reported with those of reading the package instead of after they are
//! fixed.

use std::collections::BTreeMap;

use crate::dataset::{Dataset, DatasetConfig};
use crate::dialect::Dialect;
use crate::physical::DependencyModel;
use crate::problem::Problem;
use crate::validate::{parse_package, Salvage};

use super::{place_in_input, resolve};

/// resolve_salvage resolves `salvage` of package `raw` (its JSON) as a package of a dataset
/// configured by `config`, and gives the problems found that are news (see
/// [`Salvage::keeps`]), placed under `package` like every problem of resolution.
pub fn resolve_salvage(
    salvage: &Salvage,
    raw: &serde_json::Value,
    config: &DatasetConfig,
    dialect: &dyn Dialect,
    dependencies: &BTreeMap<String, DependencyModel>,
) -> Vec<Problem> {
    // Read again, as every package that is resolved is: what resolution assumes of a package
    // holds of it, or nothing is said (its problems are the ones reported already).
    let Ok(sound) = serde_json::to_value(&salvage.package) else {
        return Vec::new();
    };
    let Ok(package) = parse_package(&sound) else {
        return Vec::new();
    };
    let dataset = Dataset {
        config: config.clone(),
        package,
        dataset_id: None,
    };
    match resolve(&dataset, dialect, dependencies) {
        Ok(_) => Vec::new(),
        Err(mut problems) => {
            // Placed where the input has them first: that is where problems of reading are.
            place_in_input(&mut problems.0, &salvage.package, raw);
            problems.0.retain(|p| salvage.keeps(p));
            problems.0
        }
    }
}
