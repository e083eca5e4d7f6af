//! Parsing view SQL: the text must be exactly one query in the engine's dialect.

use sqlparser::ast::{Query, Statement};
use sqlparser::parser::Parser;

use crate::dialect::Dialect;
use crate::problem::Problem;
use crate::reader::At;
use crate::rules;

/// parse_view parses `sql` with the engine's parser into exactly one query, or gives the
/// problem (`view-sql-syntax` with the parser's message, or `view-not-query`).
pub fn parse_view(sql: &str, dialect: &dyn Dialect, view: &str, at: &At) -> Result<Query, Problem> {
    let statements = Parser::parse_sql(dialect.parser_dialect(), sql).map_err(|e| {
        at.problem(
            rules::VIEW_SQL_SYNTAX,
            format!(
                "view `{view}`: the {} query does not parse: {e}",
                dialect.engine().as_str()
            ),
        )
    })?;
    let count = statements.len();
    let mut statements = statements.into_iter();
    match (statements.next(), count) {
        (Some(Statement::Query(q)), 1) => Ok(*q),
        (Some(other), 1) => Err(at.problem(
            rules::VIEW_NOT_QUERY,
            format!(
                "view `{view}`: the SQL is a `{}` statement; a view is one SELECT query",
                statement_keyword(&other)
            ),
        )),
        _ => Err(at.problem(
            rules::VIEW_NOT_QUERY,
            format!("view `{view}`: the SQL holds {count} statements; a view is exactly one SELECT query"),
        )),
    }
}

/// statement_keyword is the first word of a statement, for messages (`INSERT`, `DROP`, ...).
fn statement_keyword(statement: &Statement) -> String {
    statement
        .to_string()
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use crate::rules;
    use crate::view::fixture::errors;

    #[test]
    fn only_one_select_query_is_a_view() {
        let e = errors("DELETE FROM Dog");
        assert_eq!(
            e,
            [(
                rules::VIEW_NOT_QUERY,
                "view `V`: the SQL is a `DELETE` statement; a view is one SELECT query".to_string()
            )]
        );
        let e = errors("SELECT 1; SELECT 2");
        assert_eq!(e[0].0, rules::VIEW_NOT_QUERY);
        assert!(e[0].1.contains("2 statements"));
        let e = errors("SELECT id FROM Dog WHERE");
        assert_eq!(e[0].0, rules::VIEW_SQL_SYNTAX);
        assert!(
            e[0].1.contains("does not parse: sql parser error"),
            "{}",
            e[0].1
        );
        let e = errors("SELECT * FROM generate_series(1, 3)");
        assert_eq!(e[0].0, rules::VIEW_SQL_UNSUPPORTED);
        assert!(e[0].1.contains("generate_series"), "{}", e[0].1);
        let e = errors("SELECT id FROM Dog FOR UPDATE");
        assert_eq!(e[0].0, rules::VIEW_SQL_UNSUPPORTED);
    }
}
