//! Hazard policy: a plan holding a hazard the dataset does not allow is refused before anything
//! runs, with every offending step listed.

use std::collections::BTreeSet;

use crate::hazard::Hazard;
use crate::plan::Plan;

/// RefusedPlan lists every step whose hazards the dataset's `allowedHazards` does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RefusedPlan {
    pub steps: Vec<OffendingStep>,
}

/// OffendingStep is one step of a refused plan, with the hazards that are not allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffendingStep {
    pub id: String,
    pub action: String,
    pub target: String,
    /// The step's hazards that are not allowed (the allowed ones are left out).
    pub hazards: Vec<Hazard>,
    pub comment: String,
}

impl RefusedPlan {
    /// Every disallowed hazard of the plan, once each, in a stable order.
    pub fn hazards(&self) -> BTreeSet<Hazard> {
        self.steps
            .iter()
            .flat_map(|s| s.hazards.iter().copied())
            .collect()
    }
}

impl std::fmt::Display for RefusedPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the migration plan is refused: {} step(s) carry hazards that \
             migrationOptions.allowedHazards does not allow:",
            self.steps.len()
        )?;
        for s in &self.steps {
            let hazards: Vec<&str> = s.hazards.iter().map(Hazard::as_str).collect();
            write!(
                f,
                "\n  - {} {} {} [{}]: {}",
                s.id,
                s.action,
                s.target,
                hazards.join(", "),
                s.comment
            )?;
        }
        let all: Vec<String> = self
            .hazards()
            .iter()
            .map(|h| format!("\"{}\"", h.as_str()))
            .collect();
        write!(
            f,
            "\nto run it anyway, add them to the dataset's migrationOptions.allowedHazards: [{}]",
            all.join(", ")
        )
    }
}

/// Checks every step of `plan` against `allowed`; Err lists every step holding a hazard that is
/// not allowed.
pub fn check_hazards(plan: &Plan, allowed: &BTreeSet<Hazard>) -> Result<(), RefusedPlan> {
    let steps: Vec<OffendingStep> = plan
        .steps()
        .filter_map(|(_, s)| {
            let hazards: Vec<Hazard> = s
                .hazards
                .iter()
                .copied()
                .filter(|h| !allowed.contains(h))
                .collect();
            (!hazards.is_empty()).then(|| OffendingStep {
                id: s.id.clone(),
                action: s.action.clone(),
                target: s.target.clone(),
                hazards,
                comment: s.comment.clone(),
            })
        })
        .collect();
    if steps.is_empty() {
        Ok(())
    } else {
        Err(RefusedPlan { steps })
    }
}
