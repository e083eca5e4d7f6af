//! Columns: the changes of one column both versions have (name, type, nullability, default).

use super::*;

impl<'a> Differ<'a> {
    /// The changes of one column that both versions have.
    pub(super) fn column(
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
}
