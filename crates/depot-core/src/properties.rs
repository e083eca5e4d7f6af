//! Dataset properties parsing (SPEC §2): raw properties (scalars as strings or JSON scalars)
//! into a normalized [`Dataset`]. The package must be inline under `package` by now; callers
//! resolve `packageFile`/`packageUri` before.

use crate::dataset::Dataset;
use crate::problem::Problems;

/// Parses dataset properties, package included. Reports every problem at once.
pub fn parse_dataset(raw: &serde_json::Value) -> Result<Dataset, Problems> {
    let _ = raw;
    unimplemented!("STUB")
}
