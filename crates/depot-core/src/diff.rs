//! Diff: two physical models -> the closed set of [`Change`]s, in an order that is safe to run.

use crate::change::Change;
use crate::physical::PhysicalModel;

/// DiffError lists every change the planner refuses (narrowings, ...), each with its target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the migration is refused:{}", .0.iter().map(|r| format!("\n  - {}: {}", r.target, r.message)).collect::<String>())]
pub struct DiffError(pub Vec<Refusal>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub target: String,
    pub message: String,
}

/// Computes the changes from `old` (None: nothing deployed) to `new`.
pub fn diff(old: Option<&PhysicalModel>, new: &PhysicalModel) -> Result<Vec<Change>, DiffError> {
    let _ = (old, new);
    unimplemented!("STUB")
}
