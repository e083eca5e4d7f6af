//! Resolution: a package + dataset configuration + engine dialect -> [`PhysicalModel`].

use std::collections::BTreeMap;

use crate::dataset::Dataset;
use crate::dialect::Dialect;
use crate::physical::{DependencyModel, PhysicalModel};
use crate::problem::Problems;

/// Resolves every physical name and rewrites every view. `dependencies` maps the dependency
/// aliases of the dataset (keys of `DatasetConfig::dependencies`) to their deployed metadata.
pub fn resolve(
    dataset: &Dataset,
    dialect: &dyn Dialect,
    dependencies: &BTreeMap<String, DependencyModel>,
) -> Result<PhysicalModel, Problems> {
    let _ = (dataset, dialect, dependencies);
    unimplemented!("STUB")
}
