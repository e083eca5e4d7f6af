//! The tables a view query reads, before it is rewritten: which views must be resolved first.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{ObjectName, ObjectNamePart, Query, Visit, Visitor};

/// referenced_tables lists the one-part table names a query reads that are not CTE names: the
/// candidates for views of the same package, which must be resolved first.
pub fn referenced_tables(query: &Query) -> BTreeSet<String> {
    struct Collect {
        tables: BTreeSet<String>,
        ctes: BTreeSet<String>,
    }
    impl Visitor for Collect {
        type Break = ();
        fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
            if let Some(with) = &query.with {
                for cte in &with.cte_tables {
                    self.ctes.insert(cte.alias.name.value.clone());
                }
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
            if let [ObjectNamePart::Identifier(id)] = relation.0.as_slice() {
                self.tables.insert(id.value.clone());
            }
            ControlFlow::Continue(())
        }
    }
    let mut c = Collect {
        tables: BTreeSet::new(),
        ctes: BTreeSet::new(),
    };
    let _ = query.visit(&mut c);
    c.tables.difference(&c.ctes).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::At;
    use crate::view::parse::parse_view;
    use crate::view::test_dialect::POSTGRES;

    #[test]
    fn referenced_tables_skips_ctes_and_qualified_names() {
        let q = parse_view(
            "WITH a AS (SELECT * FROM Dog) SELECT * FROM a JOIN Puppy ON true JOIN Breeds.Breed ON true WHERE EXISTS (SELECT 1 FROM Owner)",
            &POSTGRES,
            "V",
            &At::root(),
        )
        .unwrap();
        assert_eq!(
            referenced_tables(&q).into_iter().collect::<Vec<_>>(),
            ["Dog", "Owner", "Puppy"]
        );
    }
}
