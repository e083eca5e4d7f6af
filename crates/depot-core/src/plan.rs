//! Plan: the migration plan document of SPEC §5.

use serde::{Deserialize, Serialize};

use crate::change::Change;
use crate::dialect::EngineId;
use crate::hazard::Hazard;
use crate::physical::Metadata;

/// The plan document format this code writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Plan moves a dataset's physical objects from `from_version` (None: from nothing) to
/// `to_version`, phase by phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub format_version: u32,
    pub migration_id: String,
    pub environment_id: String,
    pub dataset_id: String,
    pub dataset_alias: String,
    pub engine: EngineId,
    pub from_version: Option<String>,
    pub to_version: String,
    pub created_at: String,
    pub phases: Vec<Phase>,
    pub metadata: Metadata,
}

/// Phase is a group of steps run together; in one transaction when `transactional`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Phase {
    pub phase: u32,
    pub name: String,
    pub transactional: bool,
    pub steps: Vec<Step>,
}

/// Step is one statement with its cause and risks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// `<phase>-<n>`, n from 1 within the phase.
    pub id: String,
    pub action: String,
    pub target: String,
    /// The statement. A plan transformer may leave it out on a step that carries `change`: the
    /// executor then renders the change with the dataset's dialect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    pub hazards: Vec<Hazard>,
    #[serde(default)]
    pub comment: String,
    /// The logical change, on steps that render one change whole. Boxed: half the steps of a
    /// plan keep none, and a `Change` is larger than the rest of a step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Box<Change>>,
    /// The statements that reverse this step's change after a failed migration, on the first
    /// step of each change (see [`crate::undo`]); run in reverse plan order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undo: Vec<String>,
}

impl Plan {
    /// True when the plan has nothing to run.
    pub fn is_empty(&self) -> bool {
        self.phases.iter().all(|p| p.steps.is_empty())
    }

    /// Every step, in run order.
    pub fn steps(&self) -> impl Iterator<Item = (&Phase, &Step)> {
        self.phases
            .iter()
            .flat_map(|p| p.steps.iter().map(move |s| (p, s)))
    }
}
