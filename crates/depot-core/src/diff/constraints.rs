//! Constraints: checks and foreign keys, paired by logical name.
//!
//! - A new table's checks are part of its CreateObject; its foreign keys are added after every
//!   table exists (`existing: false`).
//! - On a kept table: a new constraint is added (`existing: true`: the table may hold rows), a
//!   changed one is dropped and added again, a removed one dropped. A check changes when its
//!   SQL or physical name does (a check over a renamed column is re-added: the diff compares
//!   physical SQL and cannot tell a rename from a new expression). A foreign key changes when
//!   its columns (followed through renames), its referenced schema or columns, its actions or
//!   physical name do; a new physical name of the referenced table alone is followed by the
//!   engine and changes nothing. A changed `deferrable` alone is altered in place.
//! - A foreign key whose referenced table of this package rebuilds its keys (primary key or
//!   unique index dropped) or retypes a column is dropped before and added after.

use super::*;
use crate::constraint::{PhysicalCheck, PhysicalForeignKey};

/// AddForeignKey for every foreign key of a table created by this migration.
pub(super) fn foreign_keys_of_new_object(o: &PhysicalObject, out: &mut Vec<Change>) {
    let object = name_of_object(o);
    out.extend(o.foreign_keys.iter().map(|key| Change::AddForeignKey {
        object: object.clone(),
        key: key.clone(),
        existing: false,
    }));
}

impl<'a> Differ<'a> {
    /// The checks of a table both versions have.
    pub(super) fn checks(
        &mut self,
        object: &Name,
        old: &'a PhysicalObject,
        new: &'a PhysicalObject,
    ) {
        if old.checks.is_empty() && new.checks.is_empty() {
            return;
        }
        let old_checks: BTreeMap<&str, &PhysicalCheck> =
            old.checks.iter().map(|c| (c.logical.as_str(), c)).collect();
        let mut kept: BTreeSet<&str> = BTreeSet::new();
        for nc in &new.checks {
            let target = comments::on_constraint(object, &nc.logical, &nc.physical);
            match old_checks.get(nc.logical.as_str()) {
                Some(oc) if oc.sql == nc.sql && oc.physical == nc.physical => {
                    kept.insert(&nc.logical);
                    self.changes
                        .extend(comments::changed(target, &oc.comment, &nc.comment));
                }
                other => {
                    if let Some(oc) = other {
                        kept.insert(&nc.logical);
                        self.changes.push(Change::DropCheck {
                            object: object.clone(),
                            check: (*oc).clone(),
                        });
                    }
                    self.changes.push(Change::AddCheck {
                        object: object.clone(),
                        check: nc.clone(),
                        existing: true,
                    });
                    self.changes.extend(comments::created(target, &nc.comment));
                }
            }
        }
        for oc in &old.checks {
            if !kept.contains(oc.logical.as_str()) {
                self.changes.push(Change::DropCheck {
                    object: object.clone(),
                    check: oc.clone(),
                });
            }
        }
    }

    /// The foreign keys of every table both versions have, once every table's changes are
    /// known (a key follows the tables it references).
    pub(super) fn foreign_keys(&mut self) {
        let kept = std::mem::take(&mut self.kept);
        for (old, new) in &kept {
            if old.foreign_keys.is_empty() && new.foreign_keys.is_empty() {
                continue;
            }
            let object = name_of_object(new);
            let renamed = self.column_renames.get(new.logical.as_str());
            let carry = |columns: &[String]| -> Vec<String> {
                columns
                    .iter()
                    .map(|c| match renamed {
                        Some(map) => map
                            .get(c.as_str())
                            .map_or_else(|| c.clone(), |n| n.to_string()),
                        None => c.clone(),
                    })
                    .collect()
            };
            let old_keys: BTreeMap<&str, &PhysicalForeignKey> = old
                .foreign_keys
                .iter()
                .map(|k| (k.logical.as_str(), k))
                .collect();
            let mut paired: BTreeSet<&str> = BTreeSet::new();
            for nk in &new.foreign_keys {
                let target = comments::on_constraint(&object, &nk.logical, &nk.physical);
                let Some(ok) = old_keys.get(nk.logical.as_str()) else {
                    self.changes.push(Change::AddForeignKey {
                        object: object.clone(),
                        key: nk.clone(),
                        existing: true,
                    });
                    self.changes.extend(comments::created(target, &nk.comment));
                    continue;
                };
                paired.insert(&nk.logical);
                let same_but_deferrable = carry(&ok.columns) == nk.columns
                    && ok.physical == nk.physical
                    && ok.references_logical == nk.references_logical
                    && ok.references_columns == nk.references_columns
                    && ok.on_delete == nk.on_delete
                    && ok.on_update == nk.on_update
                    && !self.keys_rebuilt.contains(nk.references_logical.as_str());
                if same_but_deferrable {
                    // Only when it is checked changes: altered in place, no rebuild.
                    if ok.deferrable != nk.deferrable {
                        self.changes.push(Change::AlterForeignKey {
                            object: object.clone(),
                            key: nk.clone(),
                            from: ok.deferrable,
                        });
                    }
                    self.changes
                        .extend(comments::changed(target, &ok.comment, &nk.comment));
                } else {
                    self.changes.push(Change::DropForeignKey {
                        object: object.clone(),
                        key: (*ok).clone(),
                    });
                    self.changes.push(Change::AddForeignKey {
                        object: object.clone(),
                        key: nk.clone(),
                        existing: true,
                    });
                    self.changes.extend(comments::created(target, &nk.comment));
                }
            }
            for ok in &old.foreign_keys {
                if !paired.contains(ok.logical.as_str()) {
                    self.changes.push(Change::DropForeignKey {
                        object: object.clone(),
                        key: ok.clone(),
                    });
                }
            }
        }
    }
}
