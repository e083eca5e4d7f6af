//! Version hash (SPEC §3): sha256 of the canonical JSON of the normalized package + config.

use crate::dataset::DatasetConfig;
use crate::package::Package;

/// The dataset version hash: 64 lowercase hex characters.
pub fn version_hash(config: &DatasetConfig, package: &Package) -> String {
    let _ = (config, package);
    unimplemented!("STUB")
}
