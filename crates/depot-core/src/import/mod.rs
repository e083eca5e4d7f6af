//! import: the engine-independent half of `depot import` (SPEC §9). An engine reads its catalog;
//! this turns physical names back into logical ones through the naming strategy ([`names`]),
//! renames physical names inside the SQL the catalog prints ([`rename`]), and collects what the
//! package cannot express as warnings ([`Warnings`]): nothing is dropped silently.

pub mod names;
pub mod rename;

use std::collections::BTreeSet;

use crate::package::Package;
use names::Named;

/// Imported: the package and what could not go into it.
#[derive(Debug, Clone)]
pub struct Imported {
    pub package: Package,
    /// One line per object or detail the package leaves out or changes, naming it.
    pub warnings: Vec<String>,
}

/// Warnings collected while importing.
#[derive(Debug, Default)]
pub struct Warnings(pub Vec<String>);

impl Warnings {
    pub fn push(&mut self, warning: String) {
        self.0.push(warning);
    }
}

/// `named`, or when its logical name is taken, that name with a number and the physical name
/// kept as `sqlName`.
pub fn unique(named: Named, physical: &str, taken: &mut BTreeSet<String>) -> Named {
    let mut out = named;
    let base = out.logical.clone();
    let mut n = 2;
    while taken.contains(&out.logical) {
        out = Named {
            logical: format!("{base}{n}"),
            sql_name: Some(physical.to_string()),
        };
        n += 1;
    }
    taken.insert(out.logical.clone());
    out
}

/// The logical name of a generated name `physical` of `table` (`<table>_<name>_<suffix>`, the
/// table and suffix in any case), or `None` when it does not follow that pattern.
pub fn generated_part(table: &str, physical: &str, suffix: &str) -> Option<String> {
    let rest = strip_prefix_ignore_case(physical, table)?;
    let rest = rest.strip_prefix('_')?;
    let cut = rest.len().checked_sub(suffix.len() + 1)?;
    let (middle, tail) = (rest.get(..cut)?, rest.get(cut..)?);
    let tail = tail.strip_prefix('_')?;
    (tail.eq_ignore_ascii_case(suffix) && !middle.is_empty()).then(|| names::part_name(middle))
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_give_their_middle_back() {
        assert_eq!(
            generated_part("DOG", "DOG_BY_NAME_IDX", "idx").as_deref(),
            Some("byName")
        );
        assert_eq!(
            generated_part("dog", "dog_owner_fkey", "fkey").as_deref(),
            Some("owner")
        );
        assert_eq!(generated_part("DOG", "DOG_IDX", "idx"), None);
        assert_eq!(generated_part("DOG", "CAT_X_IDX", "idx"), None);
    }

    #[test]
    fn a_taken_name_gets_a_number_and_keeps_its_physical_name() {
        let mut taken = BTreeSet::new();
        let first = unique(names::field_name("a_b"), "a_b", &mut taken);
        assert_eq!(first.logical, "aB");
        let second = unique(names::field_name("a__b"), "a__b", &mut taken);
        assert_eq!(second.logical, "aB2");
        assert_eq!(second.sql_name.as_deref(), Some("a__b"));
    }
}
