//! DeployError: why a deploy or a migration run did not complete. Every variant says what is
//! wrong and what state the dataset was left in.

use depot_core::diff::DiffError;
use depot_core::policy::RefusedPlan;
use depot_core::Problems;

use crate::documents::DocumentError;
use crate::events::EventError;
use crate::location::{LocationError, RunFailure};
use crate::run_payload::PayloadError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeployError {
    /// The input is invalid; nothing was changed.
    #[error("invalid dataset: {0}")]
    Invalid(Problems),
    /// The planner refuses the change; nothing was changed.
    #[error("{0}")]
    Refused(DiffError),
    /// The plan holds hazards the dataset does not allow; nothing was changed.
    #[error("{0}")]
    Hazards(RefusedPlan),
    /// The migration runner's payload (SPEC §8) is invalid; nothing was read or changed.
    #[error("invalid migration runner payload: {0}")]
    Payload(#[from] PayloadError),
    /// The dataset's plan transformer failed or its plan was refused; nothing was changed.
    #[error("{0}")]
    TransformRefused(String),
    /// The deploy cannot go on from the dataset's current state; nothing was changed.
    #[error("{0}")]
    Precondition(String),
    #[error("{0}")]
    Location(#[from] LocationError),
    #[error("document store: {0}")]
    Document(#[from] DocumentError),
    #[error("{0}")]
    Event(#[from] EventError),
    /// The migration ran and failed; the state records the error and the last phase completed.
    #[error("migration {migration_id} failed at {failure}")]
    Failed {
        migration_id: String,
        failure: RunFailure,
    },
}
