//! Undo: how the steps of one change are reversed after a failed migration, so that a failure
//! never leaves the database worse than before it started (the old version's inserts and selects
//! still work).
//!
//! Each engine's dialect says how to reverse each change ([`crate::Dialect::undo`]); plan
//! assembly stores the statements on the change's first step (`undo` in the plan document), so
//! that people reviewing a plan see how it would be reversed and the executor needs nothing but
//! the plan. On a failure the executor runs, in reverse plan order, the undo of every step that
//! ran. Undo statements are written to be safe when their change ran only in part (`IF EXISTS`,
//! `IF NOT EXISTS`), since a non-transactional phase may stop between two of its statements.
//!
//! Steps that delete data (`DELETES_DATA`, `NOT_REVERSIBLE`) cannot be undone. They all run in
//! the last phase (`contract`, see [`crate::phase`]), so every failure before it can be undone
//! whole.

use crate::change::Name;
use crate::hazard::Hazard;
use crate::physical::{PhysicalColumn, PhysicalModel, PhysicalObject, PhysicalView};
use crate::plan::Step;

/// Undo is the reverse of one change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    /// These statements reverse it, in this order (none: nothing outlives a failure).
    Statements(Vec<String>),
    /// It deletes data: once it ran, the old version cannot come back.
    Irreversible,
}

impl Undo {
    /// Nothing to reverse.
    pub fn nothing() -> Undo {
        Undo::Statements(Vec::new())
    }
}

/// True when `step`, once run, cannot be undone.
pub fn is_irreversible(step: &Step) -> bool {
    step.hazards
        .iter()
        .any(|h| matches!(h, Hazard::DeletesData | Hazard::NotReversible))
}

/// Before is what a plan starts from, seen from the version it goes to: it finds what a column
/// or view of the new version was before, following renames (`previousNames`), so an undo can
/// restore what a change alone does not say (a dropped default, a dropped view's definition).
#[derive(Debug, Clone, Copy)]
pub struct Before<'a> {
    /// The model the plan starts from (None: a first deploy).
    pub old: Option<&'a PhysicalModel>,
    /// The model the plan goes to.
    pub new: &'a PhysicalModel,
}

impl<'a> Before<'a> {
    /// The old object that object `object` (named as in the new version) was.
    pub fn object(&self, object: &Name) -> Option<&'a PhysicalObject> {
        let old = self.old?;
        let mut names = vec![object.logical.as_str()];
        if let Some(o) = self.new.objects.get(&object.logical) {
            names.extend(o.previous_names.iter().map(String::as_str));
        }
        names
            .iter()
            .find_map(|n| old.objects.get(*n))
            .or_else(|| old.objects.values().find(|o| o.physical == object.physical))
    }

    /// The old column that column `column` of object `object` (both named as in the new
    /// version) was. None when the old version had no such column.
    pub fn column(&self, object: &Name, column: &Name) -> Option<&'a PhysicalColumn> {
        let table = self.object(object)?;
        let mut names = vec![column.logical.as_str()];
        if let Some(c) = self
            .new
            .objects
            .get(&object.logical)
            .and_then(|o| o.columns.iter().find(|c| c.logical == column.logical))
        {
            names.extend(c.previous_names.iter().map(String::as_str));
        }
        names
            .iter()
            .find_map(|n| table.columns.iter().find(|c| c.logical == *n))
            .or_else(|| table.columns.iter().find(|c| c.physical == column.physical))
    }

    /// The physical names that the old version's columns `old_columns` of `object` have while
    /// the plan runs (after its renames, before its drops): an undo that rebuilds an old index
    /// or key runs before the renames are undone, so it must name the renamed columns.
    pub fn current_columns(&self, object: &Name, old_columns: &[String]) -> Vec<String> {
        let table = self.object(object);
        let new_object = self.new.objects.get(&object.logical);
        old_columns
            .iter()
            .map(|physical| {
                let logical = table
                    .and_then(|t| t.columns.iter().find(|c| &c.physical == physical))
                    .map(|c| c.logical.as_str());
                let renamed = logical.and_then(|logical| {
                    new_object?.columns.iter().find(|c| {
                        c.logical == logical || c.previous_names.iter().any(|p| p == logical)
                    })
                });
                renamed.map_or_else(|| physical.clone(), |c| c.physical.clone())
            })
            .collect()
    }

    /// The old view that `view` names (a dropped view: by its old logical, else physical name).
    pub fn view(&self, view: &Name) -> Option<&'a PhysicalView> {
        let old = self.old?;
        old.views
            .get(&view.logical)
            .or_else(|| old.views.values().find(|v| v.physical == view.physical))
    }
}

/// UndoScope says which phases of a plan ran: every phase up to `through_phase` completed, and
/// `partial_phase` (a phase whose statements commit one by one) may have run in part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UndoScope {
    pub through_phase: Option<u32>,
    pub partial_phase: Option<u32>,
}

impl UndoScope {
    /// True when phase `n` may have run.
    pub fn covers(&self, n: u32) -> bool {
        self.through_phase.is_some_and(|t| n <= t) || self.partial_phase == Some(n)
    }
}

/// The last phase of `plan` still applied once `phase` and every phase after it are undone
/// (None: nothing of the plan is left), for the state record's `lastCompletedPhase`.
pub fn applied_below(plan: &crate::plan::Plan, scope: &UndoScope, phase: u32) -> Option<u32> {
    plan.phases
        .iter()
        .map(|p| p.phase)
        .filter(|&n| n < phase && scope.covers(n))
        .max()
}

/// The phases of `plan` to undo, last first, each with its steps last first; or the first step
/// in scope that cannot be undone (nothing is undone then: the undo of later steps would leave
/// the objects neither at the old version nor at the new one).
pub fn phases_to_undo<'a>(
    plan: &'a crate::plan::Plan,
    scope: &UndoScope,
) -> Result<Vec<(&'a crate::plan::Phase, Vec<&'a Step>)>, &'a Step> {
    let mut phases: Vec<&crate::plan::Phase> = plan
        .phases
        .iter()
        .filter(|p| scope.covers(p.phase))
        .collect();
    phases.sort_by_key(|p| std::cmp::Reverse(p.phase));
    let mut out = Vec::with_capacity(phases.len());
    for phase in phases {
        let steps: Vec<&Step> = phase.steps.iter().rev().collect();
        if let Some(step) = steps.iter().find(|s| is_irreversible(s)) {
            return Err(step);
        }
        out.push((phase, steps));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::EngineId;
    use crate::plan::{Phase, Plan};

    fn step(id: &str, hazards: Vec<Hazard>, undo: &[&str]) -> Step {
        Step {
            id: id.into(),
            action: "a".into(),
            target: "t".into(),
            sql: Some("SELECT 1".into()),
            hazards,
            comment: String::new(),
            change: None,
            undo: undo.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn plan(phases: Vec<(u32, Vec<Step>)>) -> Plan {
        Plan {
            format_version: 1,
            migration_id: "m".into(),
            environment_id: "e".into(),
            dataset_id: "d".into(),
            dataset_alias: "a".into(),
            engine: EngineId::new("postgres"),
            from_version: None,
            to_version: "v".into(),
            created_at: "t".into(),
            phases: phases
                .into_iter()
                .map(|(n, steps)| Phase {
                    phase: n,
                    name: "p".into(),
                    transactional: true,
                    steps,
                })
                .collect(),
            metadata: crate::physical::Metadata {
                namespace: "ns".into(),
                schemas: Default::default(),
            },
        }
    }

    fn ids(phases: &[(&Phase, Vec<&Step>)]) -> Vec<String> {
        phases
            .iter()
            .flat_map(|(_, steps)| steps.iter().map(|s| s.id.clone()))
            .collect()
    }

    #[test]
    fn the_steps_that_ran_are_undone_last_first() {
        let p = plan(vec![
            (
                300,
                vec![step("300-1", vec![], &["u1"]), step("300-2", vec![], &[])],
            ),
            (700, vec![step("700-1", vec![], &["u2"])]),
            (900, vec![step("900-1", vec![], &[])]),
            (1200, vec![step("1200-1", vec![Hazard::DeletesData], &[])]),
        ]);
        let scope = UndoScope {
            through_phase: Some(300),
            partial_phase: Some(700),
        };
        assert_eq!(
            ids(&phases_to_undo(&p, &scope).unwrap()),
            ["700-1", "300-2", "300-1"]
        );
        assert!(ids(&phases_to_undo(&p, &UndoScope::default()).unwrap()).is_empty());
        // Progress as the undo goes: 700 undone leaves 300; 300 undone leaves nothing.
        assert_eq!(applied_below(&p, &scope, 700), Some(300));
        assert_eq!(applied_below(&p, &scope, 300), None);
    }

    #[test]
    fn nothing_is_undone_past_a_step_that_deleted_data() {
        let p = plan(vec![
            (300, vec![step("300-1", vec![], &["u1"])]),
            (1200, vec![step("1200-1", vec![Hazard::DeletesData], &[])]),
        ]);
        let scope = UndoScope {
            through_phase: Some(1200),
            partial_phase: None,
        };
        assert_eq!(phases_to_undo(&p, &scope).unwrap_err().id, "1200-1");
    }
}
