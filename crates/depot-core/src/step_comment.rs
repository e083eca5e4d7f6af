//! Step comments: the one line for people on a step (what it does and why) where it says the
//! same on every engine. An engine adds its own words after them where its statement differs
//! (`(skipped when already renamed)` on an engine that checks the catalog first).

use crate::change::Name;
use crate::physical::{PhysicalColumn, PhysicalView};

/// Creating the dataset's schema.
pub fn create_schema(namespace: &str) -> String {
    format!("create schema {namespace} for the dataset's objects, unless it exists")
}

/// Creating the table of a new object.
pub fn create_table(object: &str, logical: &str) -> String {
    ["create table ", object, " for the new object ", logical].concat()
}

/// Adding the column of a new field.
pub fn add_column(object: &Name, column: &PhysicalColumn) -> String {
    format!(
        "add column {} to {} for the new field {}.{}",
        column.physical, object.physical, object.logical, column.logical
    )
}

/// Dropping the column of a field no longer in the package.
pub fn drop_column(object: &Name, column: &Name) -> String {
    format!(
        "drop column {} of {}: {}.{} is no longer in the package (its values are deleted)",
        column.physical, object.physical, object.logical, column.logical
    )
}

/// Dropping NOT NULL from a field now nullable.
pub fn drop_not_null(object: &Name, column: &Name) -> String {
    format!(
        "allow nulls in {}.{}: {}.{} is now nullable",
        object.physical, column.physical, object.logical, column.logical
    )
}

/// Dropping the default of a field that no longer has one.
pub fn drop_default(object: &Name, column: &Name) -> String {
    format!(
        "drop the default of {}.{}: {}.{} no longer has one",
        object.physical, column.physical, object.logical, column.logical
    )
}

/// Dropping a primary key that changes or goes away.
pub fn drop_primary_key(object: &Name, key: &str) -> String {
    format!(
        "drop primary key {key} of {}: the primary key of {} changes or goes away",
        object.physical, object.logical
    )
}

/// Renaming a primary key whose generated name follows its table.
pub fn rename_primary_key(object: &Name, from: &str, to: &str) -> String {
    format!(
        "rename primary key {from} to {to}: its generated name follows the table of {}",
        object.logical
    )
}

/// Creating a view once what it reads exists.
pub fn create_view(view: &PhysicalView) -> String {
    format!(
        "create view {} for {}, after the objects and views it reads",
        view.physical, view.logical
    )
}

/// Dropping a view that goes away or is recreated.
pub fn drop_view(view: &Name) -> String {
    format!(
        "drop view {} of {}: it goes away, or is recreated around changes to what it reads",
        view.physical, view.logical
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(logical: &str, physical: &str) -> Name {
        Name {
            logical: logical.to_string(),
            physical: physical.to_string(),
        }
    }

    #[test]
    fn comments_name_both_the_physical_and_the_logical_side() {
        let dog = name("Dog", "dog");
        let col = name("name", "dog_name");
        assert_eq!(
            create_schema("ws"),
            "create schema ws for the dataset's objects, unless it exists"
        );
        assert_eq!(
            create_table("dog", "Dog"),
            "create table dog for the new object Dog"
        );
        assert_eq!(
            drop_column(&dog, &col),
            "drop column dog_name of dog: Dog.name is no longer in the package (its values are \
             deleted)"
        );
        assert_eq!(
            drop_not_null(&dog, &col),
            "allow nulls in dog.dog_name: Dog.name is now nullable"
        );
        assert_eq!(
            drop_default(&dog, &col),
            "drop the default of dog.dog_name: Dog.name no longer has one"
        );
        assert_eq!(
            drop_primary_key(&dog, "dog_pkey"),
            "drop primary key dog_pkey of dog: the primary key of Dog changes or goes away"
        );
        assert_eq!(
            rename_primary_key(&dog, "a_pkey", "b_pkey"),
            "rename primary key a_pkey to b_pkey: its generated name follows the table of Dog"
        );
        assert_eq!(
            drop_view(&name("Dogs", "dogs_v")),
            "drop view dogs_v of Dogs: it goes away, or is recreated around changes to what it \
             reads"
        );
    }
}
