//! Lifecycle: the dataset's state record (SPEC §7) as one explicit state machine. Every change
//! of the record goes through one of these pure transitions (desire, attempt, complete, fail,
//! abandon, remove); each returns the next record and the lifecycle events that announce it,
//! so the rules live in one place, are tested edge by edge, and the choreography around them
//! only stores records and sends events.
//!
//! The rules that keep every dataset movable after any failure:
//! - A failure records why (`lastError`) and how far the attempt got. When the failed migration
//!   was undone, nothing of it is left (`lastCompletedPhase` empty): the next plan starts from
//!   the deployed version, whatever version comes next.
//! - An attempt that stopped between versions (a killed process, an undo that could not finish)
//!   can be resumed (the same version again) or abandoned (undo, then back to the deployed
//!   version); a plan for a third version from between two versions is refused, with both ways
//!   out in the message.
//! - An attempt whose every phase completed but whose seeding failed left the objects exactly
//!   at its version: the next plan starts from that version.

use crate::events::LifecycleEvent;
use crate::state::DatasetState;

/// Recorded as `lastCompletedPhase` when every phase of the attempted plan completed and what
/// follows the plan (seeding) failed: above any phase number (at most 9900), so a resumed run
/// skips every phase and goes straight to seeding.
pub const ALL_PHASES_COMPLETED: u32 = 10_000;

mod status;
mod transitions;

pub use status::{Baseline, Status};

/// Announcement is one lifecycle event a transition asks to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub event: LifecycleEvent,
    /// The version the event is about.
    pub version: String,
    /// Why, on a `failed` event.
    pub error: Option<String>,
}

/// Transition is a next record and the events that announce it, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub state: DatasetState,
    pub events: Vec<Announcement>,
}

/// Progress says what a failed attempt left in the location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The failed migration was undone: the objects are as the deployed version left them.
    Undone,
    /// The attempt stopped after this phase (None: before any phase completed) and was not
    /// undone: the objects are between two versions.
    StoppedAfter(Option<u32>),
}

/// LifecycleError is a transition that the record's current state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("dataset {dataset_id} is deleted: a {transition} is not possible")]
    Deleted {
        dataset_id: String,
        transition: &'static str,
    },
    #[error("dataset {dataset_id}: version {version} is not the one attempted ({attempted}), so it cannot {transition}")]
    NotAttempted {
        dataset_id: String,
        version: String,
        attempted: String,
        transition: &'static str,
    },
    #[error("dataset {dataset_id} has no attempt to abandon: it is at its deployed version")]
    NothingToAbandon { dataset_id: String },
}

/// The first 12 characters of a version hash, for messages.
pub fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests;
