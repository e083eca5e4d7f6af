//! Plan assembly: diff + dialect rendering -> a [`Plan`] of numbered phases.

use crate::dialect::Dialect;
use crate::physical::PhysicalModel;
use crate::plan::Plan;

/// PlanHeader is what the caller fixes (the core has no clock and no randomness).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanHeader {
    pub migration_id: String,
    pub environment_id: String,
    pub dataset_id: String,
    pub dataset_alias: String,
    pub from_version: Option<String>,
    pub to_version: String,
    pub created_at: String,
}

/// Plans the migration from `old` to `new`.
pub fn plan_migration(
    dialect: &dyn Dialect,
    old: Option<&PhysicalModel>,
    new: &PhysicalModel,
    header: PlanHeader,
) -> Result<Plan, crate::diff::DiffError> {
    let _ = (dialect, old, new, header);
    unimplemented!("STUB")
}
