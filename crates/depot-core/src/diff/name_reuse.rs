//! Name reuse: a change may not take a name that is freed only at the same rank or later.

use super::*;

impl<'a> Differ<'a> {
    /// Refuses any change that takes a name still held at that point of the plan: a table,
    /// view, index or key name (one namespace of relations on PostgreSQL) or a column name of
    /// the same table that is freed only by a drop or rename that runs at the same rank or later.
    pub(super) fn check_name_reuse(&self, refusals: &mut Vec<Refusal>) {
        self.check_relation_name_reuse(refusals);
        self.check_column_name_reuse(refusals);
        self.check_constraint_name_reuse(refusals);
    }

    /// The constraint names (checks, foreign keys) of [`Differ::check_name_reuse`]: per table,
    /// like column names.
    fn check_constraint_name_reuse(&self, refusals: &mut Vec<Refusal>) {
        let mut freed: HashMap<(&str, &str), u8> = HashMap::new();
        let mut taken: Vec<(&str, &str, &Change)> = Vec::new();
        for c in &self.changes {
            match c {
                Change::AddCheck { object, check, .. } => {
                    taken.push((&object.logical, &check.physical, c))
                }
                Change::AddForeignKey { object, key, .. } => {
                    taken.push((&object.logical, &key.physical, c))
                }
                Change::DropCheck { object, check } => {
                    freed
                        .entry((&object.logical, &check.physical))
                        .or_insert(rank(c));
                }
                Change::DropForeignKey { object, key } => {
                    freed
                        .entry((&object.logical, &key.physical))
                        .or_insert(rank(c));
                }
                _ => {}
            }
        }
        for (object, name, c) in taken {
            let Some(old) = self
                .old_columns
                .get(object)
                .copied()
                .or_else(|| self.old.objects.get(object))
            else {
                continue;
            };
            let held = old.checks.iter().any(|k| k.physical == name)
                || old.foreign_keys.iter().any(|k| k.physical == name);
            if !held {
                continue;
            }
            let holder = format!("a constraint of {object}");
            let when = freed.get(&(object, name)).map(|r| (*r, "dropped"));
            if let Some(refusal) = reuse_refusal(name, &holder, when, c) {
                refusals.push(refusal);
            }
        }
    }

    /// The relation names (tables, views, indexes, keys) of [`Differ::check_name_reuse`].
    pub(super) fn check_relation_name_reuse<'s>(&'s self, refusals: &mut Vec<Refusal>) {
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
                Change::RenameMaterializedView { to, indexes, .. } => {
                    taken.push((&to.physical, c));
                    taken.extend(indexes.iter().map(|(_, to)| (to.as_str(), c)));
                }
                Change::RenameIndex { to, .. } | Change::RenamePrimaryKey { to, .. } => {
                    taken.push((to, c))
                }
                Change::CreateIndex { index, .. } => taken.push((&index.physical, c)),
                Change::AddPrimaryKey { key, .. } => taken.push((&key.name, c)),
                Change::CreateView { view } => {
                    taken.push((&view.physical, c));
                    taken.extend(view.indexes.iter().map(|i| (i.physical.as_str(), c)));
                }
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
                | Change::RefreshMaterializedView { .. }
                | Change::AddIdentity { .. }
                | Change::DropIdentity { .. }
                | Change::SetIdentity { .. }
                | Change::AddCheck { .. }
                | Change::DropCheck { .. }
                | Change::AddForeignKey { .. }
                | Change::DropForeignKey { .. }
                | Change::AlterForeignKey { .. }
                | Change::CreateEnum { .. }
                | Change::DropEnum { .. }
                | Change::RenameEnum { .. }
                | Change::AddEnumValue { .. }
                | Change::RebuildEnum { .. }
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
            // A materialized view's indexes go with it.
            for i in &v.indexes {
                hold(&i.physical, OldRelation::View(v));
            }
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
                Change::RenameMaterializedView { from, indexes, .. } => {
                    free(&from.physical, c, "renamed");
                    for (old, _) in indexes {
                        free(old, c, "renamed");
                    }
                }
                Change::RenameIndex { from, .. } | Change::RenamePrimaryKey { from, .. } => {
                    free(from, c, "renamed")
                }
                Change::DropIndex { index, .. } => free(&index.physical, c, "dropped"),
                Change::DropPrimaryKey { key, .. } => free(&key.name, c, "dropped"),
                Change::DropView { view, .. } => {
                    free(&view.physical, c, "dropped");
                    if let Some(old) = self.old.views.get(&view.logical) {
                        for i in &old.indexes {
                            free(&i.physical, c, "dropped");
                        }
                    }
                }
                Change::RefreshMaterializedView { .. } => {}
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
                | Change::AlterForeignKey { .. }
                | Change::CreateEnum { .. }
                | Change::DropEnum { .. }
                | Change::RenameEnum { .. }
                | Change::AddEnumValue { .. }
                | Change::RebuildEnum { .. }
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
    pub(super) fn check_column_name_reuse(&self, refusals: &mut Vec<Refusal>) {
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
                | Change::RenameMaterializedView { .. }
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
                | Change::RefreshMaterializedView { .. }
                | Change::AddIdentity { .. }
                | Change::DropIdentity { .. }
                | Change::SetIdentity { .. }
                | Change::AddCheck { .. }
                | Change::DropCheck { .. }
                | Change::AddForeignKey { .. }
                | Change::DropForeignKey { .. }
                | Change::AlterForeignKey { .. }
                | Change::CreateEnum { .. }
                | Change::DropEnum { .. }
                | Change::RenameEnum { .. }
                | Change::AddEnumValue { .. }
                | Change::RebuildEnum { .. }
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
pub(super) enum OldRelation<'a> {
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
pub(super) fn reuse_refusal(
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
