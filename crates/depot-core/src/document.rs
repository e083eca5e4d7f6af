//! EnvironmentDocument: the document of one dataset version, stored at
//! `sdp-<environmentId>/datasets/<datasetId>/<datasetVersionHash>.json` (SPEC §4). A plan is
//! computed from the previous version's document to the new one, so the document keeps the
//! resolved physical model exactly as it was deployed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::dataset::DatasetConfig;
use crate::package::Package;
use crate::physical::{Metadata, PhysicalModel};

/// The document format this code writes and reads.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentDocument {
    pub format_version: u32,
    pub environment_id: String,
    pub dataset_id: String,
    pub dataset_alias: String,
    pub dataset_version_hash: String,
    /// The normalized dataset configuration (secrets only as ARNs).
    pub dataset: DatasetConfig,
    /// The normalized package.
    pub package: Package,
    /// Logical -> physical names (SPEC §5 `metadata`), read by dependants' views.
    pub metadata: Metadata,
    /// The resolved model this version deploys: the "from" side of the next plan.
    pub physical: PhysicalModel,
    /// The version of each dependency (by the alias the views use) that this version was planned
    /// against: its views were resolved against that version's metadata, and a run waits until
    /// the dependency is deployed there (SPEC §2 `dependencies`). Empty without dependencies.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dependency_versions: BTreeMap<String, DependencyVersion>,
}

/// DependencyVersion is one dependency version a dataset version was planned against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyVersion {
    /// The dependency's dataset id.
    pub dataset_id: String,
    /// Its alias, as the configuration names it (`dependencies` values may be ids).
    pub dataset_alias: String,
    /// The version whose metadata the views were resolved against.
    pub version_hash: String,
    /// True when that version was only desired (scheduled), not yet deployed, at planning.
    #[serde(default)]
    pub scheduled_at_planning: bool,
}

/// The bucket key of a dataset version's environment document.
pub fn environment_key(environment_id: &str, dataset_id: &str, version_hash: &str) -> String {
    format!("sdp-{environment_id}/datasets/{dataset_id}/{version_hash}.json")
}

/// The bucket key of a migration plan (SPEC §4). `created_at` is UTC ISO-8601 with
/// milliseconds (`2025-04-28T08:31:33.816Z`); its first ten characters are the day folder.
pub fn plan_key(
    environment_id: &str,
    dataset_id: &str,
    alias: &str,
    created_at: &str,
    migration_id: &str,
) -> String {
    let day = created_at.get(..10).unwrap_or(created_at);
    format!(
        "sdp-{environment_id}/migrations/{dataset_id}_{alias}/{day}/{created_at}_MIGRATION_PLANNED_{dataset_id}_{alias}_{migration_id}.json"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_key_follows_the_spec_layout() {
        assert_eq!(
            plan_key(
                "e2e404529091ed2",
                "6d9c7969f0b1",
                "WsDevDogSrcDeferredMigration",
                "2025-04-28T08:31:33.816Z",
                "01967b85-dd5c-7306-b067-0a06ab34d6ae"
            ),
            "sdp-e2e404529091ed2/migrations/6d9c7969f0b1_WsDevDogSrcDeferredMigration/2025-04-28/2025-04-28T08:31:33.816Z_MIGRATION_PLANNED_6d9c7969f0b1_WsDevDogSrcDeferredMigration_01967b85-dd5c-7306-b067-0a06ab34d6ae.json"
        );
        assert_eq!(
            environment_key("e2e404529091ed2", "6d9c7969f0b1", "abc"),
            "sdp-e2e404529091ed2/datasets/6d9c7969f0b1/abc.json"
        );
    }
}
