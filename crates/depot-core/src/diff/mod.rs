//! Diff: two physical models -> the closed set of [`Change`]s, in an order that is safe to run.
//!
//! The diff is engine-agnostic. It pairs old and new objects, columns and views by logical name
//! (or by an explicit `previousNames` entry; checks, foreign keys and indexes by logical name),
//! emits one change per difference, and refuses what cannot be done safely: moving the
//! namespace, changing a computed field in place, reusing a name that is freed only later in the
//! same migration. Every refusal is collected, so people fix them all at once. A narrowing type
//! change is planned in place (the engine marks it NARROWS_TYPE).
//!
//! Comments are separate SetComment changes (rank 165, after everything they describe): one per
//! comment of something created, one per comment changed or removed (`None`) on something kept.
//!
//! Changes come out in [`rank`] order (drops of views first, then new tables, renames,
//! loosening, additions, tightening, contraction, views last), the same order as the phases of
//! [`crate::phase`], so that a dialect mapping each change to its phase keeps every dependency
//! satisfied.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::change::{Change, Name};
use crate::comment::CommentTarget;
use crate::dialect::Dialect;
use crate::field_type::{FieldType, TypeChange};
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

/// Computes the changes from `old` (None: nothing deployed) to `new`, for an engine that keeps
/// no default through a type change (the default of [`Dialect::keeps_default_through_type_change`]):
/// a retyped column's default is set again.
pub fn diff(old: Option<&PhysicalModel>, new: &PhysicalModel) -> Result<Vec<Change>, DiffError> {
    diff_with(old, new, &|_, _| false)
}

/// [`diff`] for the engine of `dialect`: a retyped column whose default the engine keeps
/// through the type change, and that keeps it in `new`, has no SetDefault.
pub fn diff_for(
    dialect: &dyn Dialect,
    old: Option<&PhysicalModel>,
    new: &PhysicalModel,
) -> Result<Vec<Change>, DiffError> {
    diff_with(old, new, &|from, to| {
        dialect.keeps_default_through_type_change(from, to)
    })
}

fn diff_with(
    old: Option<&PhysicalModel>,
    new: &PhysicalModel,
    keeps_default: KeepsDefault<'_>,
) -> Result<Vec<Change>, DiffError> {
    let mut refusals = Vec::new();
    let mut changes = match old {
        None => create_all(new, &mut refusals),
        Some(old) => Differ::new(old, new, keeps_default).run(&mut refusals),
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
        // Enum types before the tables and columns that use them.
        Change::RenameEnum { .. } => 2,
        Change::CreateEnum { .. } => 4,
        Change::AddEnumValue { .. } => 6,
        Change::DropView { .. } => 10,
        Change::CreateObject { .. } => 20,
        Change::RenameObject { .. } | Change::RenameMaterializedView { .. } => 30,
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
        Change::AddForeignKey { .. } | Change::AlterForeignKey { .. } => 155,
        Change::CreateView { .. } => 160,
        // After the views it may read are recreated.
        Change::RefreshMaterializedView { .. } => 162,
        // After what it describes exists.
        Change::SetComment { .. } => 165,
        Change::DropColumn { .. } => 170,
        Change::DropObject { .. } => 180,
        // Once the columns that hold a removed value are gone: it deletes no more than needed.
        Change::RebuildEnum { .. } => 185,
        // Once no table uses it.
        Change::DropEnum { .. } => 190,
    }
}

/// Everything of `new`, from nothing.
fn create_all(new: &PhysicalModel, refusals: &mut Vec<Refusal>) -> Vec<Change> {
    let mut changes = vec![Change::CreateNamespace {
        namespace: new.namespace.clone(),
    }];
    changes.extend(new.enums.values().map(|e| Change::CreateEnum {
        enum_type: e.clone(),
    }));
    changes.extend(
        new.objects
            .values()
            .map(|o| Change::CreateObject { object: o.clone() }),
    );
    changes.extend(after_objects(new, refusals));
    changes
}

/// The changes of [`diff`] from nothing (`diff(None, new)`: the namespace, then every object in
/// name order, then these) that follow the objects: foreign keys, views, then comments, in rank
/// order; or its refusals.
pub(crate) fn create_all_after_objects(new: &PhysicalModel) -> Result<Vec<Change>, DiffError> {
    let mut refusals = Vec::new();
    let changes = after_objects(new, &mut refusals);
    if refusals.is_empty() {
        Ok(changes)
    } else {
        Err(DiffError(refusals))
    }
}

fn after_objects(new: &PhysicalModel, refusals: &mut Vec<Refusal>) -> Vec<Change> {
    let mut changes = Vec::new();
    for o in new.objects.values() {
        constraints::foreign_keys_of_new_object(o, &mut changes);
    }
    let all: BTreeSet<String> = new.views.keys().cloned().collect();
    // create_views gives each view's comment after it: taken out here to keep rank order.
    let mut view_comments = Vec::new();
    for change in create_views(new, &all, refusals) {
        match change {
            Change::SetComment { .. } => view_comments.push(change),
            other => changes.push(other),
        }
    }
    if let Some(c) = comments::created(
        || CommentTarget::Namespace {
            namespace: new.namespace.clone(),
        },
        &new.comment,
    ) {
        changes.push(c);
    }
    for o in new.objects.values() {
        comments::of_new_object(o, &mut changes);
    }
    changes.extend(view_comments);
    changes
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

/// Whether the engine keeps a column's default through a change of its type (from, to).
type KeepsDefault<'k> = &'k dyn Fn(&FieldType, &FieldType) -> bool;

/// Differ holds the two versions and what the diff learns while walking them.
struct Differ<'a> {
    old: &'a PhysicalModel,
    new: &'a PhysicalModel,
    /// The engine's [`Dialect::keeps_default_through_type_change`].
    keeps_default: KeepsDefault<'a>,
    changes: Vec<Change>,
    /// Old objects whose table is dropped or renamed (old logical names).
    touched_objects: BTreeSet<&'a str>,
    /// Old columns dropped, renamed or retyped: (old object, old field) logical names.
    touched_fields: BTreeSet<(&'a str, &'a str)>,
    /// Per new object that changed (new logical name): its old version, whose column names
    /// it still holds.
    old_columns: BTreeMap<&'a str, &'a PhysicalObject>,
    /// Old objects with a column added, dropped, renamed or retyped (old logical names): a
    /// view reading them is recreated (a `SELECT *` view must see the new columns).
    columns_changed: BTreeSet<&'a str>,
    /// Tables both versions have (old, new), for the foreign-key pass.
    kept: Vec<(&'a PhysicalObject, &'a PhysicalObject)>,
    /// Per new object (logical name): old physical column -> new physical column.
    column_renames: HashMap<&'a str, BTreeMap<&'a str, &'a str>>,
    /// New objects (logical names) whose primary key or a unique index is dropped, or a column
    /// retyped: foreign keys referencing them are dropped before and added after.
    keys_rebuilt: BTreeSet<String>,
    /// Old physical enum type -> new physical type, for the enums this migration renames: a
    /// column of a renamed enum keeps its type.
    enum_renames: BTreeMap<String, String>,
}

impl<'a> Differ<'a> {
    fn new(
        old: &'a PhysicalModel,
        new: &'a PhysicalModel,
        keeps_default: KeepsDefault<'a>,
    ) -> Differ<'a> {
        Differ {
            old,
            new,
            keeps_default,
            changes: Vec::new(),
            touched_objects: BTreeSet::new(),
            touched_fields: BTreeSet::new(),
            old_columns: BTreeMap::new(),
            columns_changed: BTreeSet::new(),
            kept: Vec::new(),
            column_renames: HashMap::new(),
            keys_rebuilt: BTreeSet::new(),
            enum_renames: BTreeMap::new(),
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
        if let Some(c) = comments::changed(
            || CommentTarget::Namespace {
                namespace: self.new.namespace.clone(),
            },
            &self.old.comment,
            &self.new.comment,
        ) {
            self.changes.push(c);
        }
        self.enums(refusals);
        self.objects(refusals);
        self.foreign_keys();
        self.rebuilt_enums_are_not_read_by_views(refusals);
        self.views(refusals);
        self.check_name_reuse(refusals);
        self.changes
    }
}

mod columns;
mod comments;
mod constraints;
mod enums;
mod name_reuse;
mod objects;
mod pairing;
mod views;

use pairing::{merge_names, pair_by_name};
use views::create_views;
