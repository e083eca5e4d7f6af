//! Void view columns: a view column whose type is `void` (`NULL::void`, `CAST(x AS void)`, or
//! `pg_sleep(...)`, which returns void). PostgreSQL validates nothing of this until
//! `CREATE VIEW` runs, where it fails ("column has pseudo-type void"); refused at validation
//! instead, before anything changes.

use sqlparser::ast::{Expr, Query, SelectItem, SetExpr};

/// Functions of PostgreSQL's catalogue that return void and could be selected as a column.
const VOID_FUNCTIONS: &[&str] = &["pg_sleep", "pg_sleep_for", "pg_sleep_until"];

/// void_columns gives, for each output column of `query` whose type is void, the expression
/// as written (for the message), in the order of the select list.
pub fn void_columns(query: &Query) -> Vec<String> {
    let mut found = Vec::new();
    collect(&query.body, &mut found);
    found
}

fn collect(body: &SetExpr, found: &mut Vec<String>) {
    match body {
        SetExpr::Select(select) => {
            for item in &select.projection {
                let expr = match item {
                    SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => expr,
                    _ => continue,
                };
                if is_void(expr) {
                    found.push(expr.to_string());
                }
            }
        }
        SetExpr::Query(query) => collect(&query.body, found),
        SetExpr::SetOperation { left, right, .. } => {
            collect(left, found);
            collect(right, found);
        }
        _ => {}
    }
}

/// is_void tells whether `expr` certainly has type void.
fn is_void(expr: &Expr) -> bool {
    match expr {
        Expr::Nested(inner) => is_void(inner),
        Expr::Cast { data_type, .. } => {
            let name = data_type.to_string();
            let last = name.rsplit('.').next().unwrap_or(&name);
            last.trim_matches('"').eq_ignore_ascii_case("void")
        }
        Expr::Function(function) => function
            .name
            .0
            .last()
            .map(|part| part.to_string())
            .is_some_and(|name| {
                VOID_FUNCTIONS
                    .iter()
                    .any(|f| name.trim_matches('"').eq_ignore_ascii_case(f))
            }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    fn voids(sql: &str) -> Vec<String> {
        let statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        let sqlparser::ast::Statement::Query(query) = statement else {
            panic!("a query")
        };
        void_columns(&query)
    }

    #[test]
    fn void_casts_and_void_functions_are_found() {
        assert_eq!(voids("SELECT NULL::void AS x, 1 AS y"), ["NULL::void"]);
        assert_eq!(voids("SELECT CAST(a AS VOID) FROM t"), ["CAST(a AS VOID)"]);
        assert_eq!(voids("SELECT (pg_sleep(5)) AS s FROM t"), ["(pg_sleep(5))"]);
        assert_eq!(
            voids("SELECT 1 AS a UNION SELECT pg_catalog.pg_sleep(1)"),
            ["pg_catalog.pg_sleep(1)"]
        );
        assert!(voids("SELECT a::text, avoid, CAST(b AS int), now() FROM t").is_empty());
        assert!(voids("SELECT a FROM t WHERE pg_sleep(1) IS NULL").is_empty());
    }
}
