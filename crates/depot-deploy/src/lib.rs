//! Depot's deploy choreography, shared by the `depot` command line, the entity-creator Lambdas
//! and the migration runner: version hash, plan, documents, state transitions and lifecycle
//! events, generic over where documents and events go and over the engine.

pub mod clock;
pub mod dependency_wait;
pub mod deployer;
pub mod documents;
pub mod drift;
pub mod error;
pub mod events;
pub mod failure_report;
pub mod import_error;
mod interruption;
pub mod lifecycle;
pub mod location;
pub mod plan_transformer;
mod plan_transforming;
pub mod removal;
pub mod run_payload;
pub mod runner;
pub mod seeding;
pub mod state;
mod stored_plan;
pub mod undo_driver;

pub use dependency_wait::DependencyWait;
pub use deployer::{DeployOutcome, Deployer, Prepared, Preview};
pub use documents::{DocumentStore, LocalDocumentStore};
pub use drift::{Drift, DriftCheck};
pub use error::DeployError;
pub use events::{EventSink, LocalEventLog};
pub use failure_report::FailureReported;
pub use import_error::ImportError;
pub use lifecycle::{Baseline, Progress, Status, Transition};
pub use location::{
    LocationError, LocationSession, RunFailure, RunOptions, RunReport, UndoFailure, UndoReport,
};
pub use plan_transformer::{CommandTransformer, NoPlanTransformer, PlanTransformer};
pub use removal::RemovalOutcome;
pub use run_payload::{PayloadError, PayloadParseError, RunPayload};
pub use runner::{RunOutcome, RunTarget};
pub use seeding::SeedReport;
pub use state::{DatasetState, DatasetStatus};
