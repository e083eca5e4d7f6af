//! Reference order: the objects of a model with every table before the tables whose foreign
//! keys reference it, so that rows written in this order (seeds, test rows) never wait for a
//! parent. Linear in objects and keys, and without recursion: a chain of foreign keys through
//! 10,000 tables neither slows it down nor deepens the stack.

use std::collections::{HashMap, HashSet};

use crate::physical::{PhysicalModel, PhysicalObject};

/// The objects of `model`, parents first: each after every object of the same namespace that
/// its foreign keys reference. Ties (and cycles, which foreign keys allow) keep the model's name
/// order.
pub fn parents_first<'m>(model: &'m PhysicalModel) -> Vec<&'m PhysicalObject> {
    let by_table: HashMap<&'m str, &'m PhysicalObject> = model
        .objects
        .values()
        .map(|o| (o.physical.as_str(), o))
        .collect();
    let parents = |o: &'m PhysicalObject| -> Vec<&'m str> {
        o.foreign_keys
            .iter()
            .filter(|k| k.references_namespace == model.namespace)
            .map(|k| k.references_table.as_str())
            .filter(|t| by_table.contains_key(t))
            .collect()
    };
    // Objects visited: on the current path or already in `order`.
    let mut placed: HashSet<&'m str> = HashSet::with_capacity(by_table.len());
    let mut order = Vec::with_capacity(by_table.len());
    // Depth-first, post-order, with an explicit stack: (object, its parents still to visit).
    for root in model.objects.values() {
        if placed.contains(root.physical.as_str()) {
            continue;
        }
        placed.insert(&root.physical);
        let mut stack: Vec<(&'m PhysicalObject, Vec<&'m str>)> = vec![(root, parents(root))];
        while let Some((object, pending)) = stack.last_mut() {
            match pending.pop() {
                Some(parent) if !placed.contains(parent) => {
                    placed.insert(parent);
                    let parent = by_table[parent];
                    stack.push((parent, parents(parent)));
                }
                // Already placed, or on the current path (a cycle): nothing to wait for.
                Some(_) => {}
                None => {
                    order.push(*object);
                    stack.pop();
                }
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::{PhysicalForeignKey, ReferentialAction};

    fn object(name: &str, references: &[&str]) -> PhysicalObject {
        PhysicalObject {
            logical: name.to_uppercase(),
            physical: name.to_string(),
            previous_names: vec![],
            columns: vec![],
            primary_key: None,
            indexes: vec![],
            foreign_keys: references
                .iter()
                .map(|r| PhysicalForeignKey {
                    logical: format!("to{r}"),
                    physical: format!("{name}_to_{r}_fkey"),
                    columns: vec![],
                    references_namespace: "ns".into(),
                    references_logical: r.to_uppercase(),
                    references_table: r.to_string(),
                    references_columns: vec![],
                    on_delete: ReferentialAction::NoAction,
                    on_update: ReferentialAction::NoAction,
                    deferrable: None,
                    comment: None,
                })
                .collect(),
            checks: vec![],
            comment: None,
        }
    }

    fn order(objects: Vec<PhysicalObject>) -> Vec<String> {
        let model = PhysicalModel {
            enums: Default::default(),
            namespace: "ns".into(),
            comment: None,
            objects: objects
                .into_iter()
                .map(|o| (o.logical.clone(), o))
                .collect(),
            views: Default::default(),
        };
        parents_first(&model)
            .iter()
            .map(|o| o.physical.clone())
            .collect()
    }

    #[test]
    fn parents_come_first_ties_in_name_order_and_cycles_end() {
        assert_eq!(
            order(vec![
                object("a", &["c"]),
                object("b", &[]),
                object("c", &["b"])
            ]),
            ["b", "c", "a"]
        );
        assert_eq!(
            order(vec![object("a", &["b"]), object("b", &["a"])]),
            ["b", "a"]
        );
        assert_eq!(order(vec![object("a", &["a"])]), ["a"]);
        // A key to a table of another namespace (a dependency) orders nothing.
        let mut x = object("x", &[]);
        x.foreign_keys = object("x", &["y"]).foreign_keys;
        x.foreign_keys[0].references_namespace = "other".into();
        assert_eq!(order(vec![x, object("y", &[])]), ["x", "y"]);
    }

    #[test]
    fn a_long_chain_is_ordered_without_deep_recursion() {
        let n = 20_000;
        let objects: Vec<PhysicalObject> = (0..n)
            .map(|i| {
                let name = format!("t{i:05}");
                if i == 0 {
                    object(&name, &[])
                } else {
                    object(&name, &[&format!("t{:05}", i - 1)])
                }
            })
            .rev()
            .collect();
        let got = order(objects);
        let expected: Vec<String> = (0..n).map(|i| format!("t{i:05}")).collect();
        assert_eq!(got, expected);
    }
}
