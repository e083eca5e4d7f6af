//! Plan assembly: diff + dialect rendering -> a [`Plan`] of numbered phases.

use std::collections::BTreeMap;

use crate::change::Change;
use crate::dialect::{Dialect, RenderContext};
use crate::diff::{create_all_after_objects, diff_for, DiffError, Refusal};
use crate::phase;
use crate::physical::{PhysicalModel, PhysicalObject};
use crate::plan::{Phase, Plan, Step, FORMAT_VERSION};
use crate::undo::{Before, Undo};

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

/// Plans the migration from `old` to `new`: diffs the two models, renders every change with
/// `dialect`, and groups the statements into phases in ascending order. Refusals of the diff and
/// of the dialect are all reported together. An empty diff gives a plan with no phases.
pub fn plan_migration(
    dialect: &dyn Dialect,
    old: Option<&PhysicalModel>,
    new: &PhysicalModel,
    header: PlanHeader,
) -> Result<Plan, DiffError> {
    let ctx = RenderContext {
        namespace: new.namespace.clone(),
    };
    let before = Before { old, new };
    // Phases in ascending order; within a phase, steps keep the diff's order. Steps go straight
    // into their phase (a plan that is refused is dropped whole).
    let mut phases: BTreeMap<u32, Phase> = BTreeMap::new();
    let mut refusals = Vec::new();
    // Renders one change; gives it back unless a step keeps it.
    let mut render = |change: Change| -> Option<Change> {
        let undo = match dialect.undo(&change, &before, &ctx) {
            Ok(Undo::Statements(statements)) => statements,
            Ok(Undo::Irreversible) => Vec::new(),
            Err(e) => {
                refusals.push(Refusal {
                    target: e.target,
                    message: e.message,
                });
                return Some(change);
            }
        };
        match dialect.render(&change, &ctx) {
            Ok(rendered) => {
                // The undo goes on the change's earliest step: when that step ran, the change
                // may have (in part), and its undo statements are safe on a partial change.
                let first_phase = rendered.iter().map(|d| d.phase).min();
                let mut undo = Some(undo);
                // A step keeps its change only when it is the change's whole rendering, so an
                // executor re-rendering the change gets exactly this one statement back.
                let whole = rendered.len() == 1;
                let mut change = Some(change);
                for draft in rendered {
                    if !is_phase_number(draft.phase) {
                        refusals.push(Refusal {
                            target: draft.target.clone(),
                            message: format!(
                                "the {} dialect put {} in phase {}, which is not a multiple of \
                                 100 between 100 and {}",
                                dialect.engine().as_str(),
                                draft.action,
                                draft.phase,
                                phase::MAX
                            ),
                        });
                    }
                    // The one draft of a whole change takes it; no copy.
                    let change = if whole { change.take() } else { None };
                    let current = phases.entry(draft.phase).or_insert_with(|| Phase {
                        phase: draft.phase,
                        name: phase::name(draft.phase).to_string(),
                        transactional: true,
                        steps: Vec::new(),
                    });
                    current.transactional &= draft.transactional;
                    let undo = if Some(draft.phase) == first_phase {
                        undo.take().unwrap_or_default()
                    } else {
                        Vec::new()
                    };
                    current.steps.push(Step {
                        id: step_id(draft.phase, current.steps.len() + 1),
                        action: draft.action,
                        target: draft.target,
                        sql: Some(draft.sql),
                        hazards: draft.hazards,
                        comment: draft.comment,
                        change,
                        undo,
                    });
                }
                change
            }
            Err(e) => {
                refusals.push(Refusal {
                    target: e.target,
                    message: e.message,
                });
                Some(change)
            }
        }
    };
    match old {
        Some(_) => {
            for change in diff_for(dialect, old, new)? {
                render(change);
            }
        }
        None => {
            // The changes of `diff(None, new)`, in its order, made one at a time: each object's
            // CreateObject reuses the strings of the previous one a step did not keep, rather
            // than copying every table of the model up front.
            let after_objects = create_all_after_objects(new)?;
            render(Change::CreateNamespace {
                namespace: new.namespace.clone(),
            });
            for e in new.enums.values() {
                render(Change::CreateEnum {
                    enum_type: e.clone(),
                });
            }
            let mut spare: Option<PhysicalObject> = None;
            for o in new.objects.values() {
                let object = match spare.take() {
                    Some(mut object) => {
                        object.assign_from(o);
                        object
                    }
                    None => o.clone(),
                };
                if let Some(Change::CreateObject { object }) =
                    render(Change::CreateObject { object })
                {
                    spare = Some(object);
                }
            }
            for change in after_objects {
                render(change);
            }
        }
    }
    if !refusals.is_empty() {
        return Err(DiffError(refusals));
    }

    Ok(Plan {
        format_version: FORMAT_VERSION,
        migration_id: header.migration_id,
        environment_id: header.environment_id,
        dataset_id: header.dataset_id,
        dataset_alias: header.dataset_alias,
        engine: dialect.engine(),
        from_version: header.from_version,
        to_version: header.to_version,
        created_at: header.created_at,
        phases: phases.into_values().collect(),
        metadata: new.metadata(),
    })
}

/// `<phase>-<n>`: one per step of a plan, where `format!`'s machinery cost more than the rest
/// of the id.
fn step_id(phase: u32, n: usize) -> String {
    let mut phase_digits = itoa::Buffer::new();
    let mut n_digits = itoa::Buffer::new();
    [phase_digits.format(phase), "-", n_digits.format(n)].concat()
}

fn is_phase_number(n: u32) -> bool {
    (100..=phase::MAX).contains(&n) && n.is_multiple_of(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_ids_are_written_as_format_writes_them() {
        for (phase, n) in [
            (100, 1),
            (200, 9),
            (300, 10),
            (900, 12_345),
            (0, 0),
            (u32::MAX, usize::MAX),
        ] {
            assert_eq!(step_id(phase, n), format!("{phase}-{n}"));
        }
    }
}
