//! Enums: types created, renamed (`previousNames`, or a new physical name), dropped once no
//! table uses them, values added in place (when the old values keep their order), and types
//! rebuilt when a value is removed or the values are reordered.

use super::*;
use crate::change::EnumColumn;
use crate::field_type::FieldType;
use crate::physical::PhysicalEnum;

fn name_of_enum(e: &PhysicalEnum) -> Name {
    Name {
        logical: e.logical.clone(),
        physical: e.physical.clone(),
    }
}

impl<'a> Differ<'a> {
    pub(super) fn enums(&mut self, refusals: &mut Vec<Refusal>) {
        let (old, new) = (self.old, self.new);
        if old.enums.is_empty() && new.enums.is_empty() {
            return;
        }
        let new_items: Vec<(&str, &[String])> = new
            .enums
            .values()
            .map(|e| (e.logical.as_str(), e.previous_names.as_slice()))
            .collect();
        let in_old: Vec<bool> = new
            .enums
            .keys()
            .map(|n| old.enums.contains_key(n))
            .collect();
        let pairs = pair_by_name(
            &in_old,
            |n| old.enums.contains_key(n),
            &new_items,
            |n| new.enums.contains_key(n),
            "enum",
            "",
            refusals,
        );
        for (new_enum, old_logical) in new.enums.values().zip(&pairs.old_of) {
            let Some(old_enum) = old_logical.and_then(|o| old.enums.get(o)) else {
                self.changes.push(Change::CreateEnum {
                    enum_type: new_enum.clone(),
                });
                continue;
            };
            if old_enum.physical != new_enum.physical {
                self.enum_renames
                    .insert(old_enum.physical.clone(), new_enum.physical.clone());
                self.changes.push(Change::RenameEnum {
                    from: name_of_enum(old_enum),
                    to: name_of_enum(new_enum),
                });
            }
            self.enum_values(old_enum, new_enum);
        }
        for (logical, old_enum) in &old.enums {
            if !pairs.paired_old(logical, |n| new.enums.contains_key(n)) {
                self.changes.push(Change::DropEnum {
                    enum_type: old_enum.clone(),
                });
            }
        }
    }

    /// The values of an enum both versions have: added in place when every old value stays,
    /// in its order; else the type is rebuilt.
    fn enum_values(&mut self, old: &PhysicalEnum, new: &PhysicalEnum) {
        if old.values == new.values {
            return;
        }
        let kept: Vec<&String> = new
            .values
            .iter()
            .filter(|v| old.values.contains(v))
            .collect();
        let in_place = kept.len() == old.values.len() && kept.iter().copied().eq(old.values.iter());
        if !in_place {
            let columns = self
                .new
                .objects
                .values()
                .flat_map(|o| {
                    o.columns.iter().filter_map(move |c| match &c.field_type {
                        FieldType::Enum { name, .. } if *name == new.physical => Some(EnumColumn {
                            object: name_of_object(o),
                            column: name_of_column(c),
                            default: c.default.clone(),
                        }),
                        _ => None,
                    })
                })
                .collect();
            // A rename runs first (prepare phase): the type rebuilt has its new name.
            self.changes.push(Change::RebuildEnum {
                from: PhysicalEnum {
                    physical: new.physical.clone(),
                    ..old.clone()
                },
                to: new.clone(),
                columns,
            });
            return;
        }
        for (i, value) in new.values.iter().enumerate() {
            if old.values.contains(value) {
                continue;
            }
            // Before the next old value: the new values between two old ones keep their order.
            let before = new.values[i + 1..]
                .iter()
                .find(|v| old.values.contains(v))
                .cloned();
            self.changes.push(Change::AddEnumValue {
                enum_type: name_of_enum(new),
                value: value.clone(),
                before,
            });
        }
    }

    /// `field_type` of the old version, its enum named as this migration renames it.
    pub(super) fn renamed_enum_type(&self, field_type: &FieldType) -> FieldType {
        match field_type {
            FieldType::Enum { name, namespace } => match self.enum_renames.get(name) {
                Some(renamed) => FieldType::Enum {
                    name: renamed.clone(),
                    namespace: namespace.clone(),
                },
                None => field_type.clone(),
            },
            other => other.clone(),
        }
    }

    /// A rebuilt enum converts its columns in the contract phase, after the views are created
    /// again; an engine cannot change the type of a column a view reads: refused, naming both.
    pub(super) fn rebuilt_enums_are_not_read_by_views(&self, refusals: &mut Vec<Refusal>) {
        for change in &self.changes {
            let Change::RebuildEnum { to, columns, .. } = change else {
                continue;
            };
            for view in self.new.views.values() {
                let read = columns.iter().find(|c| {
                    view.reads_every_column.contains(&c.object.logical)
                        || view
                            .reads
                            .get(&c.object.logical)
                            .is_some_and(|f| f.contains(&c.column.logical))
                });
                if let Some(c) = read {
                    refusals.push(Refusal::new(
                        to.logical.clone(),
                        format!(
                            "enum {} loses or reorders values, which rebuilds its type and \
                             converts {}.{}, but view {} reads that field: remove the view in \
                             one version and bring it back in the next, or only add values",
                            to.logical, c.object.logical, c.column.logical, view.logical
                        ),
                    ));
                }
            }
        }
    }
}
