//! Columns: the changes of one column both versions have (name, type, nullability, default,
//! identity, computed expression, comment).

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
            self.columns_changed.insert(&old_object.logical);
            self.changes.push(Change::RenameColumn {
                object: object.clone(),
                from: name_of_column(old),
                to: column.clone(),
            });
        }
        if old.computed != new.computed {
            let message = match (&old.computed, &new.computed) {
                (None, Some(_)) => "a stored field cannot become computed",
                (Some(_), None) => "a computed field cannot become a stored one",
                _ => "the expression of a computed field cannot change in place",
            };
            refusals.push(Refusal::new(
                target,
                format!(
                    "{message} (engines cannot change a generated column before PostgreSQL 17): \
                     add a new field under another name instead, and drop this one"
                ),
            ));
        }
        // A narrowing too is planned in place: the engine casts and marks it NARROWS_TYPE, and
        // rows that do not convert fail the step.
        let old_type = self.renamed_enum_type(&old.field_type);
        let retyped = old_type.change_to(&new.field_type) != TypeChange::Same;
        if retyped {
            self.touched_fields
                .insert((&old_object.logical, &old.logical));
            self.columns_changed.insert(&old_object.logical);
            self.keys_rebuilt.insert(object.logical.clone());
            self.changes.push(Change::AlterColumnType {
                object: object.clone(),
                column: column.clone(),
                from: old_type.clone(),
                to: new.field_type.clone(),
            });
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
        // to text): set it again after a type change, so it reads as a fresh deploy's does;
        // unless the engine keeps it as written through this type change (Snowflake's in-place
        // SET DATA TYPE), where setting it again would copy the column for nothing.
        let reset =
            retyped && new.default.is_some() && !(self.keeps_default)(&old_type, &new.field_type);
        if old.default != new.default || reset {
            match &new.default {
                Some(default) => self.changes.push(Change::SetDefault {
                    object: object.clone(),
                    column: column.clone(),
                    field_type: new.field_type.clone(),
                    default: default.clone(),
                }),
                None => self.changes.push(Change::DropDefault {
                    object: object.clone(),
                    column: column.clone(),
                }),
            }
        }
        match (old.identity, new.identity) {
            (None, Some(identity)) => self.changes.push(Change::AddIdentity {
                object: object.clone(),
                column: column.clone(),
                identity,
            }),
            (Some(_), None) => self.changes.push(Change::DropIdentity {
                object: object.clone(),
                column: column.clone(),
            }),
            (Some(a), Some(b)) if a != b => self.changes.push(Change::SetIdentity {
                object: object.clone(),
                column: column.clone(),
                identity: b,
            }),
            _ => {}
        }
        // Like the default: an engine that retypes by copying the column (Snowflake) builds
        // it afresh, without its comment, so a retyped column's comment is set again.
        if retyped && new.comment.is_some() {
            self.changes.extend(comments::created(
                comments::on_column(object, new),
                &new.comment,
            ));
        } else {
            self.changes.extend(comments::changed(
                comments::on_column(object, new),
                &old.comment,
                &new.comment,
            ));
        }
    }
}
