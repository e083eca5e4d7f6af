//! Deployer: the choreography of SPEC §7 for one dataset, shared by every front end (the
//! command line, the entity creators, the migration runner). It plans, stores the documents,
//! moves the state record and announces each change, in an order that keeps the record truthful
//! whatever fails: the record changes only after the documents it points to exist, and the
//! migration runs only after the record says it is attempted.

use std::time::Duration;

use depot_core::document::EnvironmentDocument;
use depot_core::Plan;

use crate::documents::DocumentStore;
use crate::events::EventSink;
use crate::location::RunReport;
use crate::state::DatasetState;

/// Deployer holds where documents and events go, and how long to wait for a busy dataset.
pub struct Deployer<'a> {
    pub documents: &'a dyn DocumentStore,
    pub events: &'a dyn EventSink,
    /// How long a deploy waits for another migration of the same dataset to end.
    pub lock_wait: Duration,
}

/// DeployOutcome is what a successful deploy did.
#[derive(Debug)]
pub enum DeployOutcome {
    /// The dataset already runs this version: nothing planned, nothing sent.
    AlreadyDeployed { state: DatasetState },
    /// Synchronous mode: the plan ran and the version is deployed.
    Deployed {
        state: DatasetState,
        plan: Plan,
        plan_key: String,
        report: RunReport,
        /// Set when an interrupted attempt at the same version was resumed after this phase.
        resumed_after: Option<u32>,
    },
    /// Asynchronous mode: the plan is stored and announced for a runner.
    Scheduled {
        state: DatasetState,
        plan: Plan,
        plan_key: String,
    },
}

impl DeployOutcome {
    pub fn state(&self) -> &DatasetState {
        match self {
            DeployOutcome::AlreadyDeployed { state }
            | DeployOutcome::Deployed { state, .. }
            | DeployOutcome::Scheduled { state, .. } => state,
        }
    }
}

/// Preview is what `depot deploy --preview` (and `depot plan --against-live`) shows.
#[derive(Debug)]
pub struct Preview {
    /// The live record, when the dataset exists.
    pub state: Option<DatasetState>,
    pub prepared: Prepared,
    /// The live objects against the model the plan starts from (None: a first deploy).
    pub drift: Option<crate::drift::DriftCheck>,
    /// The version is deployed already: a deploy would do nothing.
    pub already_deployed: bool,
}

/// Prepared is a planned deploy, not yet applied: what `depot plan` prints.
#[derive(Debug)]
pub struct Prepared {
    pub dataset_id: String,
    pub hash: String,
    pub document: EnvironmentDocument,
    pub old_document: Option<EnvironmentDocument>,
    pub plan: Plan,
}

mod abandon;
mod announcer;
mod deploy;
mod documents;
mod preview;

pub(crate) use announcer::Announcer;
