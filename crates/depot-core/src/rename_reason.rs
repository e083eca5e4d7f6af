//! Rename reasons: why a table or column is renamed, in the words of a step's comment. A
//! rename comes either from the package (the logical name changed) or from the naming strategy
//! (the same logical name now maps to another physical name).

use crate::change::Name;

/// Why something was renamed, for a step's comment.
pub fn why_renamed(from: &Name, to: &Name) -> String {
    if from.logical == to.logical {
        format!("the physical name of {} changed", to.logical)
    } else {
        format!("{} was renamed to {}", from.logical, to.logical)
    }
}

/// `column` named within `object` (`Dog.name`) for [`why_renamed`], its physical name kept.
pub fn qualified_name(object: &Name, column: &Name) -> Name {
    Name {
        logical: format!("{}.{}", object.logical, column.logical),
        physical: column.physical.clone(),
    }
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
    fn a_package_rename_names_both_logical_names() {
        assert_eq!(
            why_renamed(&name("Dog", "dog"), &name("Hound", "hound")),
            "Dog was renamed to Hound"
        );
    }

    #[test]
    fn a_naming_change_says_the_physical_name_changed() {
        assert_eq!(
            why_renamed(&name("Dog", "dog"), &name("Dog", "DOG")),
            "the physical name of Dog changed"
        );
    }

    #[test]
    fn a_column_is_named_within_its_object() {
        let q = qualified_name(&name("Dog", "dog"), &name("name", "dog_name"));
        assert_eq!(q, name("Dog.name", "dog_name"));
        assert_eq!(
            why_renamed(
                &qualified_name(&name("Dog", "dog"), &name("name", "n")),
                &qualified_name(&name("Dog", "dog"), &name("title", "t"))
            ),
            "Dog.name was renamed to Dog.title"
        );
    }
}
