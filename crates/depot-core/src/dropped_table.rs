//! dropped_table: the table a `DROP TABLE` statement drops. An undo drops only a table that
//! holds no rows (see `depot_deploy::undo_driver`), so it must know which statements drop one.

use sqlparser::ast::{ObjectType, Statement};
use sqlparser::dialect::Dialect;
use sqlparser::parser::Parser;

/// The table `sql` drops (as written: quoted and qualified) when it is one `DROP TABLE` of one
/// table, parsed as `dialect` parses it; `None` for any other statement, or text that does not
/// parse.
pub fn dropped_table(sql: &str, dialect: &dyn Dialect) -> Option<String> {
    let statements = Parser::parse_sql(dialect, sql).ok()?;
    match statements.as_slice() {
        [Statement::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        }] if names.len() == 1 => Some(names[0].to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::{PostgreSqlDialect, SnowflakeDialect};

    #[test]
    fn finds_the_table_a_drop_table_drops() {
        assert_eq!(
            dropped_table("DROP TABLE IF EXISTS ws.\"Dog\"", &PostgreSqlDialect {}).as_deref(),
            Some("ws.\"Dog\"")
        );
        assert_eq!(
            dropped_table("DROP TABLE IF EXISTS WS.DOG", &SnowflakeDialect {}).as_deref(),
            Some("WS.DOG")
        );
    }

    #[test]
    fn other_statements_drop_no_table() {
        let pg = PostgreSqlDialect {};
        assert_eq!(dropped_table("DROP VIEW IF EXISTS ws.v", &pg), None);
        assert_eq!(
            dropped_table("ALTER TABLE ws.t DROP COLUMN IF EXISTS c", &pg),
            None
        );
        assert_eq!(dropped_table("DROP TABLE ws.a, ws.b", &pg), None);
        assert_eq!(dropped_table("DROP TABLE ws.a; DROP TABLE ws.b", &pg), None);
        assert_eq!(dropped_table("not sql", &pg), None);
    }
}
