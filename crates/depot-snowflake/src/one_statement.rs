//! One statement a request: the client-side half of Snowflake's rule. Every session sets
//! `MULTI_STATEMENT_COUNT = 1`, so Snowflake itself refuses a request that holds more than one
//! statement; before a text leaves Depot, [`one_statement`] checks the same thing with
//! sqlparser's Snowflake tokenizer, which reads string literals as Snowflake does (a backslash
//! escapes the next character) and keeps `$$...$$` blocks (`EXECUTE IMMEDIATE`) whole. A text
//! whose literal was escaped wrongly, and so ends early and runs on as SQL of its own, is
//! refused here even where the server would not check (the emulator ignores the parameter).
//!
//! Pure: no I/O.

use sqlparser::dialect::SnowflakeDialect;
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

/// NotOneStatement is why a text is not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotOneStatement {
    #[error("refusing to send {count} statements in one request (Depot sends exactly one): {sql}")]
    Several { count: usize, sql: String },
    #[error("refusing to send a text that is no statement: {sql:?}")]
    Empty { sql: String },
    #[error("refusing to send a text whose statements cannot be counted ({reason}): {sql}")]
    Unreadable { reason: String, sql: String },
}

/// Ok when `sql` is exactly one statement (a trailing `;` and comments allowed).
pub fn one_statement(sql: &str) -> Result<(), NotOneStatement> {
    let tokens = Tokenizer::new(&SnowflakeDialect {}, sql)
        .tokenize()
        .map_err(|e| NotOneStatement::Unreadable {
            reason: e.to_string(),
            sql: shortened(sql),
        })?;
    let count = tokens
        .split(|t| *t == Token::SemiColon)
        .filter(|statement| statement.iter().any(|t| !is_blank(t)))
        .count();
    match count {
        1 => Ok(()),
        0 => Err(NotOneStatement::Empty {
            sql: shortened(sql),
        }),
        count => Err(NotOneStatement::Several {
            count,
            sql: shortened(sql),
        }),
    }
}

fn is_blank(token: &Token) -> bool {
    matches!(
        token,
        Token::Whitespace(
            Whitespace::Space
                | Whitespace::Newline
                | Whitespace::Tab
                | Whitespace::SingleLineComment { .. }
                | Whitespace::MultiLineComment(_)
        )
    )
}

/// `sql` cut for a message: the start says which statement it was.
fn shortened(sql: &str) -> String {
    const MAX: usize = 200;
    match sql.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &sql[..cut]),
        None => sql.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_statement_passes_with_or_without_its_semicolon() {
        for sql in [
            "SELECT 1",
            "SELECT 1;",
            "  -- why\nCREATE TABLE IF NOT EXISTS \"ws\".DOG (ID VARCHAR);\n",
            "INSERT INTO T (S) VALUES ('a;b'), ('it''s; fine'), ('back\\\\slash;')",
            "SELECT \"odd;name\" FROM T /* ; */",
            "ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 3600, MULTI_STATEMENT_COUNT = 1",
        ] {
            assert_eq!(one_statement(sql), Ok(()), "{sql}");
        }
    }

    #[test]
    fn the_execute_immediate_blocks_depot_renders_are_one_statement() {
        // As render.rs writes keepNotNull: statements inside a $$ block.
        let block = "EXECUTE IMMEDIATE $$\nBEGIN\n  IF (EXISTS (SELECT 1 FROM INFORMATION_SCHEMA.COLUMNS \
                     WHERE TABLE_SCHEMA = 'ws' AND TABLE_NAME = 'DOG' \
                     AND COLUMN_NAME = 'NAME' AND IS_NULLABLE = 'NO')) THEN\n    \
                     ALTER TABLE \"ws\".DOG ALTER COLUMN NAME__COPY SET NOT NULL;\n  END IF;\nEND;\n$$";
        assert_eq!(one_statement(block), Ok(()));
    }

    #[test]
    fn a_second_statement_is_refused() {
        let err = one_statement("SELECT 1; DROP TABLE PUBLIC.VICTIM").unwrap_err();
        assert!(
            matches!(err, NotOneStatement::Several { count: 2, .. }),
            "{err}"
        );
        assert!(one_statement("EXECUTE IMMEDIATE $$ SELECT 1; $$; DROP TABLE X").is_err());
    }

    #[test]
    fn a_literal_ended_early_by_a_backslash_is_caught() {
        // Snowflake reads \' as an escaped quote: the value `x\'); DROP ...` escaped only by
        // doubling quotes ends the literal after `x'` and runs the rest as SQL.
        let sql = "INSERT INTO T (S) VALUES ('x\\''); DROP TABLE PUBLIC.VICTIM; --')";
        assert!(one_statement(sql).is_err(), "{sql}");
        // Escaped as Depot escapes (backslash doubled), it stays one literal.
        let sql = "INSERT INTO T (S) VALUES ('x\\\\''); DROP TABLE PUBLIC.VICTIM; --')";
        assert_eq!(one_statement(sql), Ok(()), "{sql}");
    }

    #[test]
    fn nothing_or_an_unterminated_literal_is_refused() {
        assert!(matches!(
            one_statement(" ; -- nothing"),
            Err(NotOneStatement::Empty { .. })
        ));
        assert!(matches!(
            one_statement("SELECT 'open"),
            Err(NotOneStatement::Unreadable { .. })
        ));
    }
}
