//! Diff: two physical models -> the closed set of [`Change`]s, in an order that is safe to run.
//!
//! The diff is engine-agnostic. It pairs old and new objects, columns and views by logical name
//! (or by an explicit `previousNames` entry), emits one change per difference, and refuses what
//! cannot be done safely: narrowing a type, moving the namespace, reusing a name that is freed
//! only later in the same migration. Every refusal is collected, so people fix them all at once.
//!
//! Changes come out in [`rank`] order (drops of views first, then new tables, renames,
//! loosening, additions, tightening, contraction, views last), the same order as the phases of
//! [`crate::phase`], so that a dialect mapping each change to its phase keeps every dependency
//! satisfied.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::change::{Change, Name};
use crate::field_type::TypeChange;
use crate::physical::{PhysicalColumn, PhysicalModel, PhysicalObject, PhysicalView};

/// DiffError lists every change the planner refuses (narrowings, ...), each with its target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the migration is refused:{}", .0.iter().map(|r| format!("\n  - {}: {}", r.target, r.message)).collect::<String>())]
pub struct DiffError(pub Vec<Refusal>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub target: String,
    pub message: String,
}

impl Refusal {
    fn new(target: impl Into<String>, message: impl Into<String>) -> Refusal {
        Refusal {
            target: target.into(),
            message: message.into(),
        }
    }
}

/// Computes the changes from `old` (None: nothing deployed) to `new`.
pub fn diff(old: Option<&PhysicalModel>, new: &PhysicalModel) -> Result<Vec<Change>, DiffError> {
    let mut refusals = Vec::new();
    let mut changes = match old {
        None => create_all(new, &mut refusals),
        Some(old) => Differ::new(old, new).run(&mut refusals),
    };
    if !refusals.is_empty() {
        return Err(DiffError(refusals));
    }
    // Stable: within one rank, changes keep the deterministic order they were produced in
    // (objects, columns and indexes by logical name or creation order; views by dependency).
    changes.sort_by_key(rank);
    Ok(changes)
}

/// The position of a change's kind in a plan: a change never depends on one of a higher rank.
/// This is the emission order of [`diff`] and mirrors the phase order of [`crate::phase`]:
/// views are created before tables and columns are dropped, which come last since they cannot
/// be undone (so a view cannot take the name of a table the same version drops: refused).
pub fn rank(change: &Change) -> u8 {
    match change {
        Change::CreateNamespace { .. } => 0,
        Change::DropView { .. } => 10,
        Change::CreateObject { .. } => 20,
        Change::RenameObject { .. } => 30,
        Change::RenameColumn { .. } => 40,
        Change::RenamePrimaryKey { .. } | Change::RenameIndex { .. } => 50,
        // A foreign key goes before the key, index, column or table it joins.
        Change::DropForeignKey { .. } => 55,
        Change::DropPrimaryKey { .. } => 60,
        Change::DropNotNull { .. } => 70,
        Change::DropCheck { .. } => 72,
        Change::DropDefault { .. } => 80,
        Change::DropIdentity { .. } => 82,
        Change::DropIndex { .. } => 90,
        Change::AddColumn { .. } => 100,
        Change::AlterColumnType { .. } => 110,
        Change::SetDefault { .. } => 120,
        Change::AddIdentity { .. } | Change::SetIdentity { .. } => 125,
        Change::CreateIndex { .. } => 130,
        Change::SetNotNull { .. } => 140,
        Change::AddCheck { .. } => 145,
        Change::AddPrimaryKey { .. } => 150,
        // After every key and unique index it may reference.
        Change::AddForeignKey { .. } => 155,
        Change::CreateView { .. } => 160,
        // After what it describes exists.
        Change::SetComment { .. } => 165,
        Change::DropColumn { .. } => 170,
        Change::DropObject { .. } => 180,
    }
}

/// Everything of `new`, from nothing.
fn create_all(new: &PhysicalModel, refusals: &mut Vec<Refusal>) -> Vec<Change> {
    let mut changes = vec![Change::CreateNamespace {
        namespace: new.namespace.clone(),
    }];
    changes.extend(
        new.objects
            .values()
            .map(|o| Change::CreateObject { object: o.clone() }),
    );
    let all: BTreeSet<String> = new.views.keys().cloned().collect();
    changes.extend(create_views(new, &all, refusals));
    changes
}

/// The CreateView changes of [`diff`] from nothing (`diff(None, new)`: the namespace, then every
/// object in name order, then these), or its refusals.
pub(crate) fn create_all_views(new: &PhysicalModel) -> Result<Vec<Change>, DiffError> {
    let mut refusals = Vec::new();
    let all: BTreeSet<String> = new.views.keys().cloned().collect();
    let views = create_views(new, &all, &mut refusals);
    if refusals.is_empty() {
        Ok(views)
    } else {
        Err(DiffError(refusals))
    }
}

fn name_of_object(o: &PhysicalObject) -> Name {
    Name {
        logical: o.logical.clone(),
        physical: o.physical.clone(),
    }
}

fn name_of_column(c: &PhysicalColumn) -> Name {
    Name {
        logical: c.logical.clone(),
        physical: c.physical.clone(),
    }
}

fn name_of_view(v: &PhysicalView) -> Name {
    Name {
        logical: v.logical.clone(),
        physical: v.physical.clone(),
    }
}

/// Pairs new items with old ones: by logical name, else by the one entry of the new item's
/// previous names that names an old item the new version no longer has. `in_old` tells, per
/// new item, whether the old version has an item of its logical name; `old` and `new_has` tell
/// whether the old and the new version have an item of a logical name. `kind` and `prefix` only
/// shape refusal messages (`object`, `Dog.`).
fn pair_by_name<'a>(
    in_old: &[bool],
    old: impl Fn(&str) -> bool,
    new: &[(&'a str, &'a [String])],
    new_has: impl Fn(&str) -> bool,
    kind: &str,
    prefix: &str,
    refusals: &mut Vec<Refusal>,
) -> Pairs<'a> {
    let mut pairs = Pairs {
        old_of: Vec::with_capacity(new.len()),
        renamed: BTreeSet::new(),
    };
    // Old name -> the new items (indexes into `new`) naming it in their previous names.
    let mut claims: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, ((logical, previous), in_old)) in new.iter().zip(in_old).enumerate() {
        if *in_old {
            pairs.old_of.push(Some(*logical));
            continue;
        }
        pairs.old_of.push(None);
        if previous.is_empty() {
            continue;
        }
        let candidates: Vec<&str> = previous
            .iter()
            .map(String::as_str)
            .filter(|p| old(p) && !new_has(p))
            .collect();
        match candidates.as_slice() {
            [] => {}
            [one] => claims.entry(*one).or_default().push(i),
            many => refusals.push(Refusal::new(
                format!("{prefix}{logical}"),
                format!(
                    "previousNames {} each name a {kind} of the deployed version; keep only the \
                     name it was renamed from",
                    many.join(", ")
                ),
            )),
        }
    }
    for (old_name, claimers) in claims {
        match claimers.as_slice() {
            [one] => {
                pairs.old_of[*one] = Some(old_name);
                pairs.renamed.insert(old_name);
            }
            many => refusals.push(Refusal::new(
                format!("{prefix}{old_name}"),
                format!(
                    "{} all list {old_name} in previousNames; a {kind} can be renamed to one \
                     name only",
                    many.iter()
                        .map(|i| format!("{prefix}{}", new[*i].0))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
    pairs
}

/// Walks two name-ordered lists of names (the keys of two maps) together: per `new` name, the
/// position of the same name in `old`; per `old` name, whether `new` has it.
fn merge_names<'a>(
    old: impl ExactSizeIterator<Item = &'a String>,
    new: impl ExactSizeIterator<Item = &'a String>,
) -> (Vec<Option<usize>>, Vec<bool>) {
    let mut old_index = Vec::with_capacity(new.len());
    let mut new_has_old = vec![false; old.len()];
    let mut old = old.enumerate().peekable();
    for name in new {
        while old.next_if(|(_, o)| *o < name).is_some() {}
        match old.next_if(|(_, o)| *o == name) {
            Some((j, _)) => {
                new_has_old[j] = true;
                old_index.push(Some(j));
            }
            None => old_index.push(None),
        }
    }
    (old_index, new_has_old)
}

/// Pairs is what [`pair_by_name`] found.
struct Pairs<'a> {
    /// Per new item, in the order given: the logical name of its old item, if any.
    old_of: Vec<Option<&'a str>>,
    /// Old items paired with a new item of another logical name (renamed).
    renamed: BTreeSet<&'a str>,
}

impl Pairs<'_> {
    /// True when the old item `old` has a new one: a new item of the same logical name (which
    /// always pairs with it), or one renamed from it. `new_has` as given to [`pair_by_name`].
    fn paired_old(&self, old: &str, new_has: impl Fn(&str) -> bool) -> bool {
        new_has(old) || self.renamed.contains(old)
    }
}

/// Differ holds the two versions and what the diff learns while walking them.
struct Differ<'a> {
    old: &'a PhysicalModel,
    new: &'a PhysicalModel,
    changes: Vec<Change>,
    /// Old objects whose table is dropped or renamed (old logical names).
    touched_objects: BTreeSet<&'a str>,
    /// Old columns dropped, renamed or retyped: (old object, old field) logical names.
    touched_fields: BTreeSet<(&'a str, &'a str)>,
    /// Per new object that changed (new logical name): its old version, whose column names
    /// it still holds.
    old_columns: BTreeMap<&'a str, &'a PhysicalObject>,
}

impl<'a> Differ<'a> {
    fn new(old: &'a PhysicalModel, new: &'a PhysicalModel) -> Differ<'a> {
        Differ {
            old,
            new,
            changes: Vec::new(),
            touched_objects: BTreeSet::new(),
            touched_fields: BTreeSet::new(),
            old_columns: BTreeMap::new(),
        }
    }

    fn run(mut self, refusals: &mut Vec<Refusal>) -> Vec<Change> {
        if self.old.namespace != self.new.namespace {
            refusals.push(Refusal::new(
                self.new.namespace.clone(),
                format!(
                    "the dataset's namespace changes from {} to {}; moving a dataset to another \
                     schema is not supported: deploy a new dataset and copy the data instead",
                    self.old.namespace, self.new.namespace
                ),
            ));
        }
        self.objects(refusals);
        self.views(refusals);
        self.check_name_reuse(refusals);
        self.changes
    }

    fn objects(&mut self, refusals: &mut Vec<Refusal>) {
        let (old, new) = (self.old, self.new);
        let new_items: Vec<(&str, &[String])> = new
            .objects
            .values()
            .map(|o| (o.logical.as_str(), o.previous_names.as_slice()))
            .collect();
        // Both maps are in name order: one walk over both tells which names each has, and
        // where, without a search per object.
        let old_objects: Vec<&PhysicalObject> = old.objects.values().collect();
        let (old_index, new_has_old) = merge_names(old.objects.keys(), new.objects.keys());
        let in_old: Vec<bool> = old_index.iter().map(Option::is_some).collect();
        let pairs = pair_by_name(
            &in_old,
            |n| old.objects.contains_key(n),
            &new_items,
            |n| new.objects.contains_key(n),
            "object",
            "",
            refusals,
        );

        for ((new_object, old_logical), old_index) in
            new.objects.values().zip(&pairs.old_of).zip(&old_index)
        {
            match old_logical {
                None => self.changes.push(Change::CreateObject {
                    object: new_object.clone(),
                }),
                Some(old_logical) => {
                    let old_object = match old_index {
                        Some(j) => old_objects[*j],
                        None => &old.objects[*old_logical],
                    };
                    // An object that did not change (the same logical and physical names,
                    // columns, key and indexes) has no change, and touches nothing a view
                    // reads: skip the walk. Resolved models name each column once per object,
                    // and keys and indexes by the physical names of their columns, so the walk
                    // would find nothing either.
                    if old_object != new_object {
                        self.object(old_object, new_object, refusals);
                    }
                }
            }
        }
        for ((logical, old_object), new_has) in old.objects.iter().zip(new_has_old) {
            if !(new_has || pairs.renamed.contains(logical.as_str())) {
                self.touched_objects.insert(logical);
                self.changes.push(Change::DropObject {
                    object: name_of_object(old_object),
                });
            }
        }
    }

    /// The changes of one table that both versions have.
    fn object(
        &mut self,
        old: &'a PhysicalObject,
        new: &'a PhysicalObject,
        refusals: &mut Vec<Refusal>,
    ) {
        let object = name_of_object(new);
        if old.physical != new.physical {
            self.touched_objects.insert(&old.logical);
            self.changes.push(Change::RenameObject {
                from: name_of_object(old),
                to: object.clone(),
            });
        }
        self.old_columns.insert(&new.logical, old);

        // Columns.
        let old_names: BTreeSet<&str> = old.columns.iter().map(|c| c.logical.as_str()).collect();
        let new_names: BTreeSet<&str> = new.columns.iter().map(|c| c.logical.as_str()).collect();
        let new_items: Vec<(&str, &[String])> = new
            .columns
            .iter()
            .map(|c| (c.logical.as_str(), c.previous_names.as_slice()))
            .collect();
        let new_has = |n: &str| new_names.contains(n);
        let in_old: Vec<bool> = new_items
            .iter()
            .map(|(n, _)| old_names.contains(n))
            .collect();
        let has_renames = new_items.iter().any(|(_, p)| !p.is_empty());
        let prefix = if has_renames {
            format!("{}.", new.logical)
        } else {
            // Only refusals of renames use it.
            String::new()
        };
        let pairs = pair_by_name(
            &in_old,
            |n| old_names.contains(n),
            &new_items,
            new_has,
            "field",
            &prefix,
            refusals,
        );
        // Old physical column -> new physical column, to compare keys and indexes.
        let mut renamed: BTreeMap<&str, &str> = BTreeMap::new();
        for (nc, old_logical) in new.columns.iter().zip(&pairs.old_of) {
            let Some(oc) = old_logical.and_then(|o| old.column(o)) else {
                self.changes.push(Change::AddColumn {
                    object: object.clone(),
                    column: nc.clone(),
                });
                continue;
            };
            renamed.insert(&oc.physical, &nc.physical);
            self.column(&object, old, oc, nc, refusals);
        }
        for oc in &old.columns {
            if !pairs.paired_old(&oc.logical, new_has) {
                self.touched_fields.insert((&old.logical, &oc.logical));
                self.changes.push(Change::DropColumn {
                    object: object.clone(),
                    column: name_of_column(oc),
                });
            }
        }
        let carry = |columns: &[String]| -> Option<Vec<String>> {
            columns
                .iter()
                .map(|c| renamed.get(c.as_str()).map(|n| n.to_string()))
                .collect()
        };

        // Primary key.
        match (&old.primary_key, &new.primary_key) {
            (None, None) => {}
            (Some(key), None) => self.changes.push(Change::DropPrimaryKey {
                object: object.clone(),
                key: key.clone(),
            }),
            (None, Some(key)) => self.changes.push(Change::AddPrimaryKey {
                object: object.clone(),
                key: key.clone(),
            }),
            (Some(o), Some(n)) => {
                if carry(&o.columns).as_ref() == Some(&n.columns) {
                    if o.name != n.name {
                        self.changes.push(Change::RenamePrimaryKey {
                            object: object.clone(),
                            from: o.name.clone(),
                            to: n.name.clone(),
                        });
                    }
                } else {
                    self.changes.push(Change::DropPrimaryKey {
                        object: object.clone(),
                        key: o.clone(),
                    });
                    self.changes.push(Change::AddPrimaryKey {
                        object: object.clone(),
                        key: n.clone(),
                    });
                }
            }
        }

        // Indexes, by logical name.
        let old_indexes: BTreeMap<&str, _> = old
            .indexes
            .iter()
            .map(|i| (i.logical.as_str(), i))
            .collect();
        let new_indexes: BTreeMap<&str, _> = new
            .indexes
            .iter()
            .map(|i| (i.logical.as_str(), i))
            .collect();
        for (logical, ni) in &new_indexes {
            match old_indexes.get(logical) {
                None => self.changes.push(Change::CreateIndex {
                    object: object.clone(),
                    index: (*ni).clone(),
                }),
                Some(oi) => {
                    if carry(&oi.columns).as_ref() != Some(&ni.columns) || oi.unique != ni.unique {
                        self.changes.push(Change::DropIndex {
                            object: object.clone(),
                            index: (*oi).clone(),
                        });
                        self.changes.push(Change::CreateIndex {
                            object: object.clone(),
                            index: (*ni).clone(),
                        });
                    } else if oi.physical != ni.physical {
                        self.changes.push(Change::RenameIndex {
                            object: object.clone(),
                            from: oi.physical.clone(),
                            to: ni.physical.clone(),
                        });
                    }
                }
            }
        }
        for (logical, oi) in &old_indexes {
            if !new_indexes.contains_key(logical) {
                self.changes.push(Change::DropIndex {
                    object: object.clone(),
                    index: (*oi).clone(),
                });
            }
        }
    }

    /// The changes of one column that both versions have.
    fn column(
        &mut self,
        object: &Name,
        old_object: &'a PhysicalObject,
        old: &'a PhysicalColumn,
        new: &'a PhysicalColumn,
        refusals: &mut Vec<Refusal>,
    ) {
        let column = name_of_column(new);
        let target = format!("{}.{}", object.logical, new.logical);
        if old.physical != new.physical {
            self.touched_fields
                .insert((&old_object.logical, &old.logical));
            self.changes.push(Change::RenameColumn {
                object: object.clone(),
                from: name_of_column(old),
                to: column.clone(),
            });
        }
        let retyped = old.field_type.change_to(&new.field_type) == TypeChange::Widening;
        match old.field_type.change_to(&new.field_type) {
            TypeChange::Same => {}
            TypeChange::Widening => {
                self.touched_fields
                    .insert((&old_object.logical, &old.logical));
                self.changes.push(Change::AlterColumnType {
                    object: object.clone(),
                    column: column.clone(),
                    from: old.field_type.clone(),
                    to: new.field_type.clone(),
                });
            }
            TypeChange::Narrowing => refusals.push(Refusal::new(
                target,
                format!(
                    "changing {} to {} could lose data; add a new field and copy the values \
                     instead",
                    old.field_type.describe(),
                    new.field_type.describe()
                ),
            )),
        }
        match (old.nullable, new.nullable) {
            (true, false) => self.changes.push(Change::SetNotNull {
                object: object.clone(),
                column: column.clone(),
            }),
            (false, true) => self.changes.push(Change::DropNotNull {
                object: object.clone(),
                column: column.clone(),
            }),
            (true, true) | (false, false) => {}
        }
        // A default keeps the type it was written for (`'x'::character varying` after a widening
        // to text): set it again after a type change, so it reads as a fresh deploy's does.
        if old.default != new.default || (retyped && new.default.is_some()) {
            match &new.default {
                Some(default) => self.changes.push(Change::SetDefault {
                    object: object.clone(),
                    column,
                    field_type: new.field_type.clone(),
                    default: default.clone(),
                }),
                None => self.changes.push(Change::DropDefault {
                    object: object.clone(),
                    column,
                }),
            }
        }
    }

    /// Views: every old view that goes away or must be recreated is dropped first (dependents
    /// before what they read); every new or recreated view is created last (after what it reads).
    fn views(&mut self, refusals: &mut Vec<Refusal>) {
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
                    nv.sql != ov.sql || nv.physical != ov.physical || self.reads_touched(ov)
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
            Ok(order) => self.changes.extend(order.iter().map(|v| Change::DropView {
                view: name_of_view(&self.old.views[v.as_str()]),
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
    }

    /// True when the old view reads a table or column that this migration drops, renames or
    /// retypes (the engine would refuse the change, or the view would read the wrong thing).
    fn reads_touched(&self, view: &PhysicalView) -> bool {
        view.reads.iter().any(|(object, fields)| {
            self.touched_objects.contains(object.as_str())
                || fields
                    .iter()
                    .any(|f| self.touched_fields.contains(&(object.as_str(), f.as_str())))
        })
    }

    /// Refuses any change that takes a name still held at that point of the plan: a table,
    /// view, index or key name (one namespace of relations on PostgreSQL) or a column name of
    /// the same table that is freed only by a drop or rename that runs at the same rank or later.
    fn check_name_reuse(&self, refusals: &mut Vec<Refusal>) {
        self.check_relation_name_reuse(refusals);
        self.check_column_name_reuse(refusals);
    }

    /// The relation names (tables, views, indexes, keys) of [`Differ::check_name_reuse`].
    fn check_relation_name_reuse<'s>(&'s self, refusals: &mut Vec<Refusal>) {
        let mut taken: Vec<(&str, &Change)> = Vec::new();
        for c in &self.changes {
            match c {
                Change::CreateObject { object } => {
                    taken.push((&object.physical, c));
                    if let Some(k) = &object.primary_key {
                        taken.push((&k.name, c));
                    }
                    taken.extend(object.indexes.iter().map(|i| (i.physical.as_str(), c)));
                }
                Change::RenameObject { to, .. } => taken.push((&to.physical, c)),
                Change::RenameIndex { to, .. } | Change::RenamePrimaryKey { to, .. } => {
                    taken.push((to, c))
                }
                Change::CreateIndex { index, .. } => taken.push((&index.physical, c)),
                Change::AddPrimaryKey { key, .. } => taken.push((&key.name, c)),
                Change::CreateView { view } => taken.push((&view.physical, c)),
                Change::CreateNamespace { .. }
                | Change::DropObject { .. }
                | Change::AddColumn { .. }
                | Change::DropColumn { .. }
                | Change::RenameColumn { .. }
                | Change::AlterColumnType { .. }
                | Change::SetNotNull { .. }
                | Change::DropNotNull { .. }
                | Change::SetDefault { .. }
                | Change::DropDefault { .. }
                | Change::DropPrimaryKey { .. }
                | Change::DropIndex { .. }
                | Change::DropView { .. }
                | Change::AddIdentity { .. }
                | Change::DropIdentity { .. }
                | Change::SetIdentity { .. }
                | Change::AddCheck { .. }
                | Change::DropCheck { .. }
                | Change::AddForeignKey { .. }
                | Change::DropForeignKey { .. }
                | Change::SetComment { .. } => {}
            }
        }
        if taken.is_empty() {
            return;
        }
        // Relation names of the old version that a change takes: name -> what holds it (the
        // last of the old version's relations of that name, in the order below).
        let wanted: HashSet<&str> = taken.iter().map(|(name, _)| *name).collect();
        let mut holders: HashMap<&str, OldRelation<'_>> = HashMap::new();
        let mut hold = |name: &'s str, holder: OldRelation<'s>| {
            if wanted.contains(name) {
                holders.insert(name, holder);
            }
        };
        for o in self.old.objects.values() {
            hold(&o.physical, OldRelation::Table(o));
            if let Some(k) = &o.primary_key {
                hold(&k.name, OldRelation::PrimaryKey(o));
            }
            for i in &o.indexes {
                hold(&i.physical, OldRelation::Index(o, &i.logical));
            }
        }
        for v in self.old.views.values() {
            hold(&v.physical, OldRelation::View(v));
        }
        // When each old relation name is freed: the rank of the change that frees it, and how.
        let mut freed: BTreeMap<&str, (u8, &'static str)> = BTreeMap::new();
        let mut free = |name: &'s str, change: &Change, how: &'static str| {
            freed.entry(name).or_insert((rank(change), how));
        };
        for c in &self.changes {
            match c {
                Change::DropObject { object } => {
                    free(&object.physical, c, "dropped");
                    if let Some(o) = self.old.objects.get(&object.logical) {
                        if let Some(k) = &o.primary_key {
                            free(&k.name, c, "dropped");
                        }
                        for i in &o.indexes {
                            free(&i.physical, c, "dropped");
                        }
                    }
                }
                Change::RenameObject { from, .. } => free(&from.physical, c, "renamed"),
                Change::RenameIndex { from, .. } | Change::RenamePrimaryKey { from, .. } => {
                    free(from, c, "renamed")
                }
                Change::DropIndex { index, .. } => free(&index.physical, c, "dropped"),
                Change::DropPrimaryKey { key, .. } => free(&key.name, c, "dropped"),
                Change::DropView { view } => free(&view.physical, c, "dropped"),
                Change::CreateNamespace { .. }
                | Change::CreateObject { .. }
                | Change::AddColumn { .. }
                | Change::DropColumn { .. }
                | Change::RenameColumn { .. }
                | Change::AlterColumnType { .. }
                | Change::SetNotNull { .. }
                | Change::DropNotNull { .. }
                | Change::SetDefault { .. }
                | Change::DropDefault { .. }
                | Change::AddPrimaryKey { .. }
                | Change::CreateIndex { .. }
                | Change::CreateView { .. }
                | Change::AddIdentity { .. }
                | Change::DropIdentity { .. }
                | Change::SetIdentity { .. }
                | Change::AddCheck { .. }
                | Change::DropCheck { .. }
                | Change::AddForeignKey { .. }
                | Change::DropForeignKey { .. }
                | Change::SetComment { .. } => {}
            }
        }
        for (name, c) in taken {
            let Some(holder) = holders.get(name) else {
                continue;
            };
            if let Some(refusal) =
                reuse_refusal(name, &holder.to_string(), freed.get(name).copied(), c)
            {
                refusals.push(refusal);
            }
        }
    }

    /// The column names of [`Differ::check_name_reuse`], table by table.
    fn check_column_name_reuse(&self, refusals: &mut Vec<Refusal>) {
        let mut col_freed: BTreeMap<(&str, &str), (u8, &'static str)> = BTreeMap::new();
        let mut col_taken: Vec<(&str, &str, &Change)> = Vec::new();
        for c in &self.changes {
            match c {
                Change::RenameColumn { object, from, to } => {
                    col_freed
                        .entry((&object.logical, &from.physical))
                        .or_insert((rank(c), "renamed"));
                    col_taken.push((&object.logical, &to.physical, c));
                }
                Change::DropColumn { object, column } => {
                    col_freed
                        .entry((&object.logical, &column.physical))
                        .or_insert((rank(c), "dropped"));
                }
                Change::AddColumn { object, column } => {
                    col_taken.push((&object.logical, &column.physical, c))
                }
                Change::CreateNamespace { .. }
                | Change::CreateObject { .. }
                | Change::DropObject { .. }
                | Change::RenameObject { .. }
                | Change::AlterColumnType { .. }
                | Change::SetNotNull { .. }
                | Change::DropNotNull { .. }
                | Change::SetDefault { .. }
                | Change::DropDefault { .. }
                | Change::AddPrimaryKey { .. }
                | Change::DropPrimaryKey { .. }
                | Change::RenamePrimaryKey { .. }
                | Change::CreateIndex { .. }
                | Change::DropIndex { .. }
                | Change::RenameIndex { .. }
                | Change::CreateView { .. }
                | Change::DropView { .. }
                | Change::AddIdentity { .. }
                | Change::DropIdentity { .. }
                | Change::SetIdentity { .. }
                | Change::AddCheck { .. }
                | Change::DropCheck { .. }
                | Change::AddForeignKey { .. }
                | Change::DropForeignKey { .. }
                | Change::SetComment { .. } => {}
            }
        }
        for (object, name, c) in col_taken {
            let held = self
                .old_columns
                .get(object)
                .is_some_and(|o| o.columns.iter().any(|c| c.physical == name));
            if !held {
                continue;
            }
            let holder = format!("a column of {object}");
            let when = col_freed.get(&(object, name)).copied();
            if let Some(refusal) = reuse_refusal(name, &holder, when, c) {
                refusals.push(refusal);
            }
        }
    }
}

/// OldRelation is a relation of the deployed version holding a name, as refusals name it.
#[derive(Debug, Clone, Copy)]
enum OldRelation<'a> {
    Table(&'a PhysicalObject),
    PrimaryKey(&'a PhysicalObject),
    /// An index (its logical name) of a table.
    Index(&'a PhysicalObject, &'a str),
    View(&'a PhysicalView),
}

impl std::fmt::Display for OldRelation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OldRelation::Table(o) => write!(f, "the table of {}", o.logical),
            OldRelation::PrimaryKey(o) => write!(f, "the primary key of {}", o.logical),
            OldRelation::Index(o, index) => write!(f, "the index {}.{index}", o.logical),
            OldRelation::View(v) => write!(f, "the view {}", v.logical),
        }
    }
}

/// The refusal for change `c` taking `name`, held by `holder` in the deployed version and freed
/// by `freed` (rank, how) if at all; None when the name is free by the time `c` runs.
fn reuse_refusal(
    name: &str,
    holder: &str,
    freed: Option<(u8, &'static str)>,
    c: &Change,
) -> Option<Refusal> {
    let message = match freed {
        Some((at, _)) if at < rank(c) => return None,
        Some((_, how)) => format!(
            "the name {name} is still used by {holder}, which this migration {how} only at the \
             same time or later; deploy the {} first, then reuse the name in a later version",
            if how == "renamed" { "rename" } else { "drop" }
        ),
        None => format!("the name {name} is still used by {holder}; give one of them another name"),
    };
    Some(Refusal::new(c.target(), message))
}

fn cycle_refusal(views: &[String], version: &str) -> Refusal {
    Refusal::new(
        views.join(", "),
        format!(
            "these views of the {version} version read each other in a cycle; a view cannot \
             depend on itself"
        ),
    )
}

/// CreateView changes for `names` (new logical names), each after the views it reads.
fn create_views(
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
        Ok(order) => order
            .iter()
            .map(|v| Change::CreateView {
                view: new.views[v.as_str()].clone(),
            })
            .collect(),
        Err(cycle) => {
            refusals.push(cycle_refusal(&cycle, "new"));
            Vec::new()
        }
    }
}

/// Orders `items` so that each comes after everything `before(item)` names (a subset of
/// `items`); ties by name. Err with the items left when they form a cycle.
fn topological(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_names_finds_what_a_search_would() {
        let lists: [&[&str]; 6] = [
            &[],
            &["a"],
            &["a", "b", "c"],
            &["B", "a", "ab", "b"],
            &["Entity00001", "Entity00002", "Entity00010"],
            &["a", "aa", "aaa", "b", "c", "d"],
        ];
        for old in lists {
            for new in lists {
                let old_keys: BTreeSet<String> = old.iter().map(|s| s.to_string()).collect();
                let new_keys: BTreeSet<String> = new.iter().map(|s| s.to_string()).collect();
                let (old_index, new_has_old) = merge_names(old_keys.iter(), new_keys.iter());
                let olds: Vec<&String> = old_keys.iter().collect();
                let expected_index: Vec<Option<usize>> = new_keys
                    .iter()
                    .map(|n| olds.iter().position(|o| *o == n))
                    .collect();
                let expected_has: Vec<bool> = olds.iter().map(|o| new_keys.contains(*o)).collect();
                assert_eq!(old_index, expected_index, "{old:?} -> {new:?}");
                assert_eq!(new_has_old, expected_has, "{old:?} -> {new:?}");
            }
        }
    }
}
