//! Objects: tables created, dropped, renamed, and the changes of one table both versions have
//! (its columns, primary key and indexes).

use super::*;

impl<'a> Differ<'a> {
    pub(super) fn objects(&mut self, refusals: &mut Vec<Refusal>) {
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
                None => {
                    self.changes.push(Change::CreateObject {
                        object: new_object.clone(),
                    });
                    constraints::foreign_keys_of_new_object(new_object, &mut self.changes);
                    comments::of_new_object(new_object, &mut self.changes);
                }
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
                    // Foreign keys wait for every table: they follow what they reference.
                    self.kept.push((old_object, new_object));
                }
            }
        }
        for ((logical, old_object), new_has) in old.objects.iter().zip(new_has_old) {
            if !(new_has || pairs.renamed.contains(logical.as_str())) {
                self.touched_objects.insert(logical);
                // Its foreign keys go first (rank 55): the tables it references may be dropped
                // by this migration too, before it in name order.
                let object = name_of_object(old_object);
                self.changes
                    .extend(
                        old_object
                            .foreign_keys
                            .iter()
                            .map(|key| Change::DropForeignKey {
                                object: object.clone(),
                                key: key.clone(),
                            }),
                    );
                self.changes.push(Change::DropObject { object });
            }
        }
    }

    /// The changes of one table that both versions have.
    pub(super) fn object(
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
        self.changes.extend(comments::changed(
            comments::on_table(&object),
            &old.comment,
            &new.comment,
        ));

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
                self.columns_changed.insert(&old.logical);
                self.changes.push(Change::AddColumn {
                    object: object.clone(),
                    column: nc.clone(),
                });
                self.changes.extend(comments::created(
                    comments::on_column(&object, nc),
                    &nc.comment,
                ));
                continue;
            };
            renamed.insert(&oc.physical, &nc.physical);
            self.column(&object, old, oc, nc, refusals);
        }
        for oc in &old.columns {
            if !pairs.paired_old(&oc.logical, new_has) {
                self.touched_fields.insert((&old.logical, &oc.logical));
                self.columns_changed.insert(&old.logical);
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
            (Some(key), None) => {
                self.keys_rebuilt.insert(new.logical.clone());
                self.changes.push(Change::DropPrimaryKey {
                    object: object.clone(),
                    key: key.clone(),
                })
            }
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
                    self.keys_rebuilt.insert(new.logical.clone());
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
            let comment_target = comments::on_index(&object, ni);
            match old_indexes.get(logical) {
                None => {
                    self.changes.push(Change::CreateIndex {
                        object: object.clone(),
                        index: (*ni).clone(),
                    });
                    self.changes
                        .extend(comments::created(comment_target, &ni.comment));
                }
                Some(oi) => {
                    // The predicate and expression keys are compared as physical SQL: one over
                    // a renamed column is rebuilt (the diff cannot tell a rename from a new
                    // expression). A changed `nullsDistinct` or `deferrable` rebuilds too:
                    // PostgreSQL alters neither on a unique index.
                    let rebuilt = carry(&oi.key_columns()) != Some(ni.key_columns())
                        || oi.expressions != ni.expressions
                        || oi.nulls_distinct != ni.nulls_distinct
                        || oi.deferrable != ni.deferrable
                        || oi.unique != ni.unique
                        || oi.sort != ni.sort
                        || oi.where_sql != ni.where_sql
                        || carry(&oi.include).as_ref() != Some(&ni.include)
                        || oi.method != ni.method;
                    if rebuilt {
                        if oi.unique {
                            self.keys_rebuilt.insert(new.logical.clone());
                        }
                        self.changes.push(Change::DropIndex {
                            object: object.clone(),
                            index: (*oi).clone(),
                        });
                        self.changes.push(Change::CreateIndex {
                            object: object.clone(),
                            index: (*ni).clone(),
                        });
                        self.changes
                            .extend(comments::created(comment_target, &ni.comment));
                        continue;
                    }
                    if oi.physical != ni.physical {
                        self.changes.push(Change::RenameIndex {
                            object: object.clone(),
                            from: oi.physical.clone(),
                            to: ni.physical.clone(),
                        });
                    }
                    self.changes.extend(comments::changed(
                        comment_target,
                        &oi.comment,
                        &ni.comment,
                    ));
                }
            }
        }
        for (logical, oi) in &old_indexes {
            if !new_indexes.contains_key(logical) {
                if oi.unique {
                    self.keys_rebuilt.insert(new.logical.clone());
                }
                self.changes.push(Change::DropIndex {
                    object: object.clone(),
                    index: (*oi).clone(),
                });
            }
        }

        self.checks(&object, old, new);
        if !renamed.is_empty() {
            self.column_renames.insert(&new.logical, renamed);
        }
    }
}
