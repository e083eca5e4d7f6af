//! Views: dropped when gone, changed or reading something that changes; created after what
//! they read.

use super::*;
use crate::physical::PhysicalIndex;

impl<'a> Differ<'a> {
    /// Views: every old view that goes away or must be recreated is dropped first (dependents
    /// before what they read); every new or recreated view is created last (after what it reads).
    pub(super) fn views(&mut self, refusals: &mut Vec<Refusal>) {
        let (old, new) = (self.old, self.new);
        let new_items: Vec<(&str, &[String])> = new
            .views
            .values()
            .map(|v| (v.logical.as_str(), v.previous_names.as_slice()))
            .collect();
        let in_old: Vec<bool> = new_items
            .iter()
            .map(|(n, _)| old.views.contains_key(*n))
            .collect();
        let pairs = pair_by_name(
            &in_old,
            |n| old.views.contains_key(n),
            &new_items,
            |n| new.views.contains_key(n),
            "view",
            "",
            refusals,
        );
        // New logical -> old logical.
        let pairs: BTreeMap<&str, &str> = new_items
            .iter()
            .zip(&pairs.old_of)
            .filter_map(|((n, _), o)| o.map(|o| (*n, o)))
            .collect();
        let successor: BTreeMap<&str, &str> = pairs.iter().map(|(n, o)| (*o, *n)).collect();

        // Old views to drop (old logical names): gone, changed, or reading something that changes.
        let mut dropped: BTreeSet<String> = BTreeSet::new();
        for (logical, ov) in &self.old.views {
            let recreate = match successor.get(logical.as_str()) {
                None => true,
                Some(n) => {
                    let nv = &self.new.views[*n];
                    let renamed = nv.physical != ov.physical;
                    nv.sql != ov.sql
                        || (renamed && !renames_in_place(ov, nv))
                        || nv.materialized != ov.materialized
                        || (!renamed && nv.indexes != ov.indexes)
                        || self.reads_touched(ov)
                }
            };
            if recreate {
                dropped.insert(logical.clone());
            }
        }
        // A view reading a dropped view goes too, transitively.
        loop {
            let more: Vec<String> = self
                .old
                .views
                .iter()
                .filter(|(l, v)| {
                    !dropped.contains(*l) && v.reads.keys().any(|r| dropped.contains(r))
                })
                .map(|(l, _)| l.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            dropped.extend(more);
        }

        // Drop order: a view only once no remaining dropped view reads it.
        let order = topological(&dropped, |v| {
            dropped
                .iter()
                .filter(|u| u.as_str() != v && self.old.views[u.as_str()].reads.contains_key(v))
                .cloned()
                .collect()
        });
        match order {
            Ok(order) => self.changes.extend(order.iter().map(|v| {
                let view = &self.old.views[v.as_str()];
                Change::DropView {
                    view: name_of_view(view),
                    materialized: view.materialized,
                }
            })),
            Err(cycle) => refusals.push(cycle_refusal(&cycle, "deployed")),
        }

        // New views, and the successors of dropped views.
        let created: BTreeSet<String> = self
            .new
            .views
            .keys()
            .filter(|n| match pairs.get(n.as_str()) {
                None => true,
                Some(o) => dropped.contains(*o),
            })
            .cloned()
            .collect();
        let creates = create_views(self.new, &created, refusals);
        self.changes.extend(creates);
        // Kept views: only their comments may change; a kept materialized view is refreshed
        // when a table it reads changes (its rows may have).
        let migrated = self.migrated_objects();
        for (n, o) in &pairs {
            if dropped.contains(*o) {
                continue;
            }
            let (ov, nv) = (&self.old.views[*o], &self.new.views[*n]);
            if nv.physical != ov.physical {
                self.changes.push(Change::RenameMaterializedView {
                    from: name_of_view(ov),
                    to: name_of_view(nv),
                    indexes: ov
                        .indexes
                        .iter()
                        .zip(&nv.indexes)
                        .filter(|(o, n)| o.physical != n.physical)
                        .map(|(o, n)| (o.physical.clone(), n.physical.clone()))
                        .collect(),
                });
            }
            if nv.materialized && nv.reads.keys().any(|r| migrated.contains(r.as_str())) {
                self.changes.push(Change::RefreshMaterializedView {
                    view: name_of_view(nv),
                    concurrently: nv.refreshes_concurrently(),
                });
            }
            self.changes.extend(comments::changed(
                || comments::on_view(nv),
                &ov.comment,
                &nv.comment,
            ));
        }
    }

    /// The (new logical) objects this migration changes in a way that may change their rows:
    /// anything but comments and indexes.
    fn migrated_objects(&self) -> BTreeSet<String> {
        self.changes
            .iter()
            .filter(|c| {
                !matches!(
                    c,
                    Change::SetComment { .. }
                        | Change::CreateIndex { .. }
                        | Change::DropIndex { .. }
                        | Change::RenameIndex { .. }
                        | Change::CreateNamespace { .. }
                )
            })
            .filter_map(|c| {
                let target = c.target();
                let object = target.split('.').next().unwrap_or_default();
                self.new
                    .objects
                    .contains_key(object)
                    .then(|| object.to_string())
            })
            .collect()
    }

    /// True when the old view reads a table that this migration drops or renames, a column it
    /// drops, renames or retypes (the engine would refuse the change, or the view would read the
    /// wrong thing), or reads a table through `*` whose columns change in any way (a `SELECT *`
    /// view would miss a new column). A view that names only unchanged columns stays: recreating
    /// it would block its readers for nothing, and fail when another dataset's view reads it.
    pub(super) fn reads_touched(&self, view: &PhysicalView) -> bool {
        view.reads.iter().any(|(object, fields)| {
            self.touched_objects.contains(object.as_str())
                || (self.columns_changed.contains(object.as_str())
                    && view.reads_every_column.contains(object))
                || fields
                    .iter()
                    .any(|f| self.touched_fields.contains(&(object.as_str(), f.as_str())))
        })
    }
}

/// Whether a materialized view renamed through `previousNames` keeps its rows: renamed in
/// place (with its indexes, whose generated names follow it) when nothing else about it
/// changes. A plain view is recreated under its new name (it holds no rows).
fn renames_in_place(old: &PhysicalView, new: &PhysicalView) -> bool {
    let unnamed = |i: &PhysicalIndex| PhysicalIndex {
        physical: String::new(),
        ..i.clone()
    };
    old.materialized
        && new.materialized
        && old.indexes.len() == new.indexes.len()
        && old
            .indexes
            .iter()
            .zip(&new.indexes)
            .all(|(o, n)| unnamed(o) == unnamed(n))
}

pub(super) fn cycle_refusal(views: &[String], version: &str) -> Refusal {
    Refusal::new(
        views.join(", "),
        format!(
            "these views of the {version} version read each other in a cycle; a view cannot \
             depend on itself"
        ),
    )
}

/// CreateView changes for `names` (new logical names), each after the views it reads.
pub(super) fn create_views(
    new: &PhysicalModel,
    names: &BTreeSet<String>,
    refusals: &mut Vec<Refusal>,
) -> Vec<Change> {
    let order = topological(names, |v| {
        new.views[v]
            .reads
            .keys()
            .filter(|r| names.contains(*r) && r.as_str() != v)
            .cloned()
            .collect()
    });
    match order {
        Ok(order) => {
            let mut changes = Vec::with_capacity(order.len());
            for v in &order {
                let view = &new.views[v.as_str()];
                changes.push(Change::CreateView { view: view.clone() });
                changes.extend(comments::created(|| comments::on_view(view), &view.comment));
                let name = name_of_view(view);
                for i in &view.indexes {
                    changes.extend(comments::created(comments::on_index(&name, i), &i.comment));
                }
            }
            changes
        }
        Err(cycle) => {
            refusals.push(cycle_refusal(&cycle, "new"));
            Vec::new()
        }
    }
}

/// Orders `items` so that each comes after everything `before(item)` names (a subset of
/// `items`); ties by name. Err with the items left when they form a cycle.
pub(super) fn topological(
    items: &BTreeSet<String>,
    before: impl Fn(&str) -> BTreeSet<String>,
) -> Result<Vec<String>, Vec<String>> {
    let mut waiting: BTreeMap<&str, BTreeSet<String>> =
        items.iter().map(|i| (i.as_str(), before(i))).collect();
    let mut order = Vec::with_capacity(items.len());
    while !waiting.is_empty() {
        let Some(next) = waiting
            .iter()
            .find(|(_, deps)| deps.is_empty())
            .map(|(i, _)| *i)
        else {
            return Err(waiting.keys().map(|k| k.to_string()).collect());
        };
        waiting.remove(next);
        for deps in waiting.values_mut() {
            deps.remove(next);
        }
        order.push(next.to_string());
    }
    Ok(order)
}
