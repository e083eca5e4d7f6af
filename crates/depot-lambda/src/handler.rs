//! RequestHandler: the work behind one request, as the [`crate::invocation::Supervisor`] sees
//! it. [`crate::entity_creator::EntityCreator`] is the real one; tests give the supervisor
//! handlers that panic or overrun, to prove every path still answers.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use depot_core::Dataset;

use crate::answer::Answer;
use crate::request::DatasetRequest;

/// InFlight is the deploy under way, so that whoever stops it (deadline, panic) can record the
/// interruption truthfully.
#[derive(Debug, Clone)]
pub struct InFlight {
    pub dataset: Dataset,
    pub dataset_id: String,
    pub hash: String,
}

/// Progress is shared between the work and its supervisor.
pub type Progress = Arc<Mutex<Option<InFlight>>>;

#[async_trait]
pub trait RequestHandler: Send + Sync + 'static {
    /// Handles one request; every failure it can see is a FAILED answer, not a panic.
    async fn handle(&self, request: &DatasetRequest, progress: &Progress) -> Answer;

    /// Records that `in_flight` was stopped from outside for `reason` (best effort).
    async fn record_interruption(&self, in_flight: &InFlight, reason: &str);
}
