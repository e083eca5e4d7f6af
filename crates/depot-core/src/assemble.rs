//! Plan assembly: diff + dialect rendering -> a [`Plan`] of numbered phases.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::change::Change;
use crate::dialect::{Dialect, RenderContext, RenderError, StepDraft};
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
///
/// Changes are rendered on every core (each rendering is pure and depends on its change alone),
/// then laid into phases in the diff's order, so the plan is the same as one rendered in turn.
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
    let render_and_keep = |change: Change| render_change(dialect, &before, &ctx, change);
    let render = |change: Change| render_and_keep(change).0;
    let rendered: Vec<Rendered> = match old {
        Some(_) => diff_for(dialect, old, new)?
            .into_par_iter()
            .map(render)
            .collect(),
        None => {
            // The changes of `diff(None, new)`, in its order. Each worker's CreateObject reuses
            // the strings of the previous one no step kept, rather than copying every table of
            // the model up front.
            let after_objects = create_all_after_objects(new)?;
            let mut rendered =
                Vec::with_capacity(1 + new.enums.len() + new.objects.len() + after_objects.len());
            rendered.push(render(Change::CreateNamespace {
                namespace: new.namespace.clone(),
            }));
            rendered.par_extend(new.enums.par_iter().map(|(_, e)| {
                render(Change::CreateEnum {
                    enum_type: e.clone(),
                })
            }));
            rendered.par_extend(new.objects.par_iter().map_init(
                || None::<PhysicalObject>,
                |spare, (_, o)| {
                    let object = match spare.take() {
                        Some(mut object) => {
                            object.assign_from(o);
                            object
                        }
                        None => o.clone(),
                    };
                    let (done, unkept) = render_and_keep(Change::CreateObject { object });
                    if let Some(Change::CreateObject { object }) = unkept {
                        *spare = Some(object);
                    }
                    done
                },
            ));
            rendered.par_extend(after_objects.into_par_iter().map(render));
            rendered
        }
    };
    let phases = lay_into_phases(dialect, rendered)?;
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
        phases,
        metadata: new.metadata(),
    })
}

/// What the dialect made of one change, or why it refused it.
type Rendered = Result<RenderedChange, Refusal>;

struct RenderedChange {
    drafts: Vec<StepDraft>,
    /// The statements that reverse the change; they go on its earliest step.
    undo: Vec<String>,
    /// The change, when a step keeps it: only when it is the change's whole rendering, so an
    /// executor re-rendering the change gets exactly this one statement back. Boxed: a plan's
    /// changes wait here, all rendered, before they are laid into phases, and most are kept by
    /// no step.
    kept: Option<Box<Change>>,
}

/// Renders one change and its undo; with the change when no step keeps it, for its strings to
/// be reused.
fn render_change(
    dialect: &dyn Dialect,
    before: &Before<'_>,
    ctx: &RenderContext,
    change: Change,
) -> (Rendered, Option<Change>) {
    let undo = match dialect.undo(&change, before, ctx) {
        Ok(Undo::Statements(statements)) => statements,
        Ok(Undo::Irreversible) => Vec::new(),
        Err(e) => return (Err(refusal(e)), Some(change)),
    };
    let drafts = match dialect.render(&change, ctx) {
        Ok(drafts) => drafts,
        Err(e) => return (Err(refusal(e)), Some(change)),
    };
    let (kept, unkept) = if drafts.len() == 1 {
        (Some(Box::new(change)), None)
    } else {
        (None, Some(change))
    };
    (Ok(RenderedChange { drafts, undo, kept }), unkept)
}

fn refusal(e: RenderError) -> Refusal {
    Refusal {
        target: e.target,
        message: e.message,
    }
}

/// Lays rendered changes, in the diff's order, into phases in ascending order; within a phase,
/// steps keep the diff's order. Every refusal is reported together.
fn lay_into_phases(
    dialect: &dyn Dialect,
    rendered: Vec<Rendered>,
) -> Result<Vec<Phase>, DiffError> {
    // Each phase's steps in one allocation: a plan of 10,000 objects has 30,000 steps in one
    // phase, and growing their vector by doubling copied them over and over.
    let mut sizes: BTreeMap<u32, usize> = BTreeMap::new();
    for draft in rendered.iter().flatten().flat_map(|r| &r.drafts) {
        *sizes.entry(draft.phase).or_default() += 1;
    }
    let mut phases: BTreeMap<u32, Phase> = sizes
        .into_iter()
        .map(|(number, steps)| (number, empty_phase(number, steps)))
        .collect();
    let mut refusals = Vec::new();
    for rendered in rendered {
        let RenderedChange {
            drafts,
            undo,
            mut kept,
        } = match rendered {
            Ok(rendered) => rendered,
            Err(refused) => {
                refusals.push(refused);
                continue;
            }
        };
        // The undo goes on the change's earliest step: when that step ran, the change may have
        // (in part), and its undo statements are safe on a partial change.
        let first_phase = drafts.iter().map(|d| d.phase).min();
        let mut undo = Some(undo);
        for draft in drafts {
            if !is_phase_number(draft.phase) {
                refusals.push(Refusal {
                    target: draft.target.clone(),
                    message: format!(
                        "the {} dialect put {} in phase {}, which is not a multiple of 100 \
                         between 100 and {}",
                        dialect.engine().as_str(),
                        draft.action,
                        draft.phase,
                        phase::MAX
                    ),
                });
            }
            let current = phases
                .entry(draft.phase)
                .or_insert_with(|| empty_phase(draft.phase, 1));
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
                change: kept.take(),
                undo,
            });
        }
    }
    if refusals.is_empty() {
        Ok(phases.into_values().collect())
    } else {
        Err(DiffError(refusals))
    }
}

/// Phase `number` with no steps yet, and room for `steps` of them.
fn empty_phase(number: u32, steps: usize) -> Phase {
    Phase {
        phase: number,
        name: phase::name(number).to_string(),
        transactional: true,
        steps: Vec::with_capacity(steps),
    }
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
