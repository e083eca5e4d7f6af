//! Drift of enum types: each enum of the deployed version exists with its values in order, and
//! the namespace holds no other enum type.

use depot_core::physical::PhysicalModel;

use crate::introspect::SchemaSnapshot;

/// Appends to `out` how the live enum types differ from `expected`'s.
pub(crate) fn compare_enums(
    live: &SchemaSnapshot,
    expected: &PhysicalModel,
    out: &mut Vec<String>,
) {
    let ns = &expected.namespace;
    for e in expected.enums.values() {
        match live.enums.get(&e.physical) {
            None => out.push(format!(
                "enum type {ns}.{} ({}) is missing",
                e.physical, e.logical
            )),
            Some(values) if *values != e.values => out.push(format!(
                "enum type {ns}.{} has values ({}), expected ({})",
                e.physical,
                values.join(", "),
                e.values.join(", ")
            )),
            Some(_) => {}
        }
    }
    for name in live.enums.keys() {
        if !expected.enums.values().any(|e| &e.physical == name) {
            out.push(format!(
                "enum type {ns}.{name} is not part of the deployed version"
            ));
        }
    }
}
