//! Enums: each package enum -> its physical type (`sqlName`, else the naming strategy:
//! `OrderStatus` -> `order_status`) in the dataset's namespace, and enum field types -> the
//! physical type they name.

use super::*;
use crate::package::EnumType;
use crate::physical::PhysicalEnum;

impl<'p> Resolver<'_, 'p> {
    /// The physical enums, by logical name; fills [`Resolver::enum_types`].
    pub(super) fn enums(
        &mut self,
        enums: &'p BTreeMap<String, EnumType>,
    ) -> BTreeMap<String, PhysicalEnum> {
        let mut out = BTreeMap::new();
        for (name, e) in enums {
            let physical = e
                .sql_name
                .clone()
                .unwrap_or_else(|| self.naming.apply(name));
            self.check_length(
                &physical,
                || format!("enum `{name}`"),
                || Loc::Enum(name).at(),
            );
            // Only engines with enum types create one: elsewhere the name holds nothing.
            if self.native_enums {
                self.claim(&physical, Holder::Enum(name), || Loc::Enum(name).at());
            }
            self.enum_types.insert(name.clone(), physical.clone());
            out.insert(
                name.clone(),
                PhysicalEnum {
                    logical: name.clone(),
                    physical,
                    previous_names: e.previous_names.clone(),
                    values: e.values.clone(),
                    comment: e.description.clone(),
                },
            );
        }
        out
    }

    /// The physical form of a field type: an enum names its physical type and namespace.
    pub(super) fn physical_type(&self, field_type: &FieldType) -> FieldType {
        match field_type {
            FieldType::Enum { name, .. } => FieldType::Enum {
                name: self
                    .enum_types
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| name.clone()),
                namespace: Some(self.namespace.clone()),
            },
            other => other.clone(),
        }
    }
}
