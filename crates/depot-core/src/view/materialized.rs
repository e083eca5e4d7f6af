//! The one-table shape of a materialized view: one table read once, no join, no subquery, no
//! set operation, no CTE, no window function, no ORDER BY / LIMIT / HAVING. An engine whose
//! materialized views allow only this shape (Snowflake's) checks it in
//! [`crate::Dialect::refuses_materialized_query`], on the parsed query, so that a refused view
//! is a validation problem naming the rule rather than an engine error mid-deployment.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Query, SetExpr, TableFactor, Visit, Visitor};

/// single_table_broken_rule gives the first rule of the one-table shape `query` breaks.
pub fn single_table_broken_rule(query: &Query) -> Option<&'static str> {
    if query.with.is_some() {
        return Some("no WITH (common table expression)");
    }
    if query.order_by.is_some() {
        return Some("no ORDER BY");
    }
    if query.limit_clause.is_some() || query.fetch.is_some() {
        return Some("no LIMIT");
    }
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Some("one SELECT (no UNION or other set operation, no VALUES)");
    };
    if select.having.is_some() {
        return Some("no HAVING");
    }
    match select.from.as_slice() {
        [one] if one.joins.is_empty() => {
            if !matches!(one.relation, TableFactor::Table { .. }) {
                return Some("a single table in FROM (no subquery or function)");
            }
        }
        _ => return Some("a single table in FROM (no join)"),
    }
    // Subqueries and window functions anywhere in the select list or WHERE.
    struct Find(Option<&'static str>);
    impl Visitor for Find {
        type Break = ();
        fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.0 = Some("no subquery");
            ControlFlow::Break(())
        }
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if let Expr::Function(f) = expr {
                if f.over.is_some() {
                    self.0 = Some("no window function");
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut find = Find(None);
    // The body itself is not a Query node: only nested queries are visited as such.
    let _ = select.visit(&mut find);
    find.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::At;
    use crate::view::parse::parse_view;
    use crate::view::test_dialect::POSTGRES;

    fn rule(sql: &str) -> Option<&'static str> {
        single_table_broken_rule(&parse_view(sql, &POSTGRES, "V", &At::root()).unwrap())
    }

    #[test]
    fn snowflake_allows_one_table_and_refuses_the_rest_by_rule() {
        assert_eq!(
            rule("SELECT owner, count(*) AS n FROM Dog WHERE alive GROUP BY owner"),
            None
        );
        assert_eq!(
            rule("SELECT d.id FROM Dog d JOIN Owner o ON o.id = d.owner"),
            Some("a single table in FROM (no join)")
        );
        assert_eq!(
            rule("SELECT id FROM Dog, Owner"),
            Some("a single table in FROM (no join)")
        );
        assert_eq!(
            rule("SELECT id, row_number() OVER (ORDER BY id) AS n FROM Dog"),
            Some("no window function")
        );
        assert_eq!(rule("SELECT id FROM Dog ORDER BY id"), Some("no ORDER BY"));
        assert_eq!(rule("SELECT id FROM Dog LIMIT 3"), Some("no LIMIT"));
        assert_eq!(
            rule("SELECT id FROM Dog WHERE id IN (SELECT dog FROM Vet)"),
            Some("no subquery")
        );
        assert_eq!(
            rule("SELECT id FROM Dog UNION SELECT id FROM Cat"),
            Some("one SELECT (no UNION or other set operation, no VALUES)")
        );
        assert_eq!(
            rule("SELECT owner FROM Dog GROUP BY owner HAVING count(*) > 1"),
            Some("no HAVING")
        );
    }
}
