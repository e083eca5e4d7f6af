//! Printing a rewritten view or expression for its engine, checked to read back as the tree
//! that was checked.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Ident, Query, Statement, Value, ValueWithSpan, VisitMut, VisitorMut};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use crate::dialect::Dialect;

/// PrintError: a rewritten view or expression whose SQL text would not mean what its tree means.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// A string constant the engine's text type cannot hold (NUL in PostgreSQL).
    #[error("the string constant {0:?} cannot be written for this engine")]
    Literal(String),
    /// The printed SQL does not parse back, with the same parser, to the same tree.
    #[error("the rewritten SQL `{sql}` does not parse back to what was checked ({reason})")]
    NotRoundTrip { sql: String, reason: String },
}

/// print_view prints the rewritten `query` as the engine must read it, and checks that the text
/// parses back (same parser) to exactly one query equal to `query`: what runs is what was
/// checked.
///
/// Quoted identifiers and string constants are escaped by the engine's own functions
/// ([`Dialect::quoted_ident`], [`Dialect::string_literal`]), not by sqlparser's printer: that
/// printer guesses whether a `\'` or `""` inside a value is already escaped and then leaves it
/// alone, so a constant holding `\'` (or a name holding `\"`) would end early in the engine.
pub fn print_view(query: &Query, dialect: &dyn Dialect) -> Result<String, PrintError> {
    let sql = escaped(query, dialect)?.to_string();
    let not_round_trip = |reason: String| PrintError::NotRoundTrip {
        sql: sql.clone(),
        reason,
    };
    let statements = Parser::parse_sql(dialect.parser_dialect(), &sql)
        .map_err(|e| not_round_trip(format!("it does not parse: {e}")))?;
    match statements.as_slice() {
        [Statement::Query(reparsed)] if **reparsed == *query => Ok(sql),
        [Statement::Query(_)] => Err(not_round_trip("it parses to a different query".into())),
        other => Err(not_round_trip(format!(
            "it parses to {} statements, not one query",
            other.len()
        ))),
    }
}

/// print_expression prints a rewritten expression as the engine must read it, escaped as
/// [`print_view`] escapes, and checks that the text parses back to exactly `expr`, with nothing
/// after it.
pub fn print_expression(expr: &Expr, dialect: &dyn Dialect) -> Result<String, PrintError> {
    let sql = escaped(expr, dialect)?.to_string();
    let not_round_trip = |reason: String| PrintError::NotRoundTrip {
        sql: sql.clone(),
        reason,
    };
    let mut parser = Parser::new(dialect.parser_dialect())
        .try_with_sql(&sql)
        .map_err(|e| not_round_trip(format!("it does not parse: {e}")))?;
    let reparsed = parser
        .parse_expr()
        .map_err(|e| not_round_trip(format!("it does not parse: {e}")))?;
    if parser.peek_token().token != Token::EOF {
        return Err(not_round_trip("text follows the expression".into()));
    }
    if reparsed != *expr {
        return Err(not_round_trip("it parses to a different expression".into()));
    }
    Ok(sql)
}

/// escaped is a copy of `node` whose quoted identifiers and string constants hold their
/// engine-escaped spelling, which sqlparser's printer then writes as is.
fn escaped<T: VisitMut + Clone>(node: &T, dialect: &dyn Dialect) -> Result<T, PrintError> {
    let mut escaped = node.clone();
    match VisitMut::visit(&mut escaped, &mut Escape { dialect }) {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(escaped),
    }
}

struct Escape<'d> {
    dialect: &'d dyn Dialect,
}

impl VisitorMut for Escape<'_> {
    type Break = PrintError;
    fn pre_visit_ident(&mut self, ident: &mut Ident) -> ControlFlow<PrintError> {
        if ident.quote_style == Some('"') {
            // A bare identifier prints its value as is: here, the escaped spelling.
            *ident = Ident::new(self.dialect.quoted_ident(&ident.value));
        }
        ControlFlow::Continue(())
    }
    fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<PrintError> {
        let (prefix, text) = match &value.value {
            Value::SingleQuotedString(text) => ("", text),
            Value::NationalStringLiteral(text) => ("N", text),
            _ => return ControlFlow::Continue(()),
        };
        match self.dialect.string_literal(text) {
            // A placeholder prints its text as is: here, the escaped constant.
            Some(literal) => value.value = Value::Placeholder(format!("{prefix}{literal}")),
            None => return ControlFlow::Break(PrintError::Literal(text.clone())),
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::ast::{Expr, Ident, SelectItem, SetExpr};

    use super::*;
    use crate::naming::NamingStrategy;
    use crate::reader::At;
    use crate::rules;
    use crate::view::fixture::{errors, literals, reparsed, run, Fixture};
    use crate::view::parse::parse_view;
    use crate::view::rewrite::rewrite_view;
    use crate::view::scope::{Column, Relation};
    use crate::view::test_dialect::{POSTGRES, SNOWFLAKE};

    #[test]
    fn a_backslash_before_a_quote_cannot_end_a_postgres_constant_early() {
        // With standard_conforming_strings on, PostgreSQL reads all of this as one constant.
        let sql = r"SELECT '\'' AS x; DROP TABLE public.victim; --'";
        let v = run(POSTGRES, sql).unwrap();
        assert_eq!(v.sql, sql);
        assert_eq!(
            literals(&reparsed(POSTGRES, &v.sql)),
            [r"\' AS x; DROP TABLE public.victim; --"]
        );
        for (sql, value) in [
            (r"SELECT 'a''''b' AS x", r"a''b"),
            (r"SELECT '\' AS x", r"\"),
            (r"SELECT '\''' AS x", r"\'"),
            ("SELECT 'é\n☃' AS x", "é\n☃"),
        ] {
            let v = run(POSTGRES, sql).unwrap();
            assert_eq!(literals(&reparsed(POSTGRES, &v.sql)), [value], "{sql}");
        }
    }

    #[test]
    fn national_constants_are_escaped_like_plain_ones() {
        let sql = r"SELECT N'\'' AS x; DROP TABLE public.victim; --'";
        let v = run(POSTGRES, sql).unwrap();
        assert_eq!(v.sql, sql);
        let v = run(SNOWFLAKE, r"SELECT N'\\' AS x").unwrap();
        assert_eq!(v.sql, r"SELECT N'\\' AS X");
    }

    #[test]
    fn snowflake_constants_keep_their_backslashes_escaped() {
        for (sql, value) in [
            // Snowflake reads `\'` as a quote and `\\` as a backslash.
            (r"SELECT '\'' AS x", "'"),
            (r"SELECT '\\' AS x", r"\"),
            (r"SELECT 'a\\''b' AS x", r"a\'b"),
            ("SELECT '$$' AS x", "$$"),
        ] {
            let v = run(SNOWFLAKE, sql).unwrap();
            assert_eq!(literals(&reparsed(SNOWFLAKE, &v.sql)), [value], "{sql}");
            assert!(v.sql.ends_with("AS X"), "{sql}: {}", v.sql);
        }
        // For Snowflake the `\'` is an escaped quote: this is two statements, refused.
        let e = run(
            SNOWFLAKE,
            r"SELECT '\'' AS x; DROP TABLE public.victim; --'",
        )
        .unwrap_err();
        assert_eq!(e[0].rule, rules::VIEW_NOT_QUERY, "{e:?}");
    }

    #[test]
    fn a_nul_in_a_postgres_constant_is_refused_naming_the_view() {
        let e = errors("SELECT 'a\0b' AS x");
        assert_eq!(e[0].0, rules::VIEW_SQL_UNSAFE, "{e:?}");
        assert!(e[0].1.starts_with("view `V`: the string constant"), "{e:?}");
    }

    #[test]
    fn a_hostile_physical_name_travels_as_one_quoted_identifier() {
        let hostile = r#"ken\"; DROP TABLE public.victim; --"#;
        for dialect in [POSTGRES, SNOWFLAKE] {
            let f = Fixture::new();
            let mut catalog = f.catalog(NamingStrategy::SnakeCase, "ws");
            catalog.objects.insert(
                "Kennel".to_string(),
                Relation {
                    physical: hostile.to_string(),
                    columns: Some(vec![Column {
                        logical: "name".into(),
                        physical: hostile.to_string(),
                    }]),
                },
            );
            let at = At::root();
            let query = parse_view("SELECT name AS n FROM Kennel", &dialect, "V", &at).unwrap();
            let v = rewrite_view("V", query, &catalog, &dialect, &at).unwrap();
            let quoted = r#""ken\""; DROP TABLE public.victim; --""#;
            // Snowflake keeps the lowercase names as written, so quotes them.
            let (alias, ns) = match dialect.engine {
                crate::view::test_dialect::Engine::Postgres => ("n", "ws"),
                crate::view::test_dialect::Engine::Snowflake => ("\"n\"", "\"ws\""),
            };
            assert_eq!(
                v.sql,
                format!("SELECT {quoted} AS {alias} FROM {ns}.{quoted}")
            );
            let q = reparsed(dialect, &v.sql);
            let SetExpr::Select(select) = q.body.as_ref() else {
                panic!("{q}")
            };
            let [SelectItem::ExprWithAlias {
                expr: Expr::Identifier(column),
                ..
            }] = select.projection.as_slice()
            else {
                panic!("{q}")
            };
            assert_eq!(column.value, hostile);
        }
    }

    #[test]
    fn printing_refuses_a_tree_whose_text_would_read_differently() {
        let mut q = reparsed(POSTGRES, "SELECT a FROM t");
        // An identifier quoted in a style the engines' escaping does not handle is printed by
        // sqlparser; when that text reads differently, the view is refused, not run.
        if let SetExpr::Select(s) = q.body.as_mut() {
            s.projection = vec![SelectItem::UnnamedExpr(Expr::Identifier(
                Ident::with_quote('`', "x\\` FROM t; DROP TABLE v; --"),
            ))];
        }
        let e = print_view(&q, &POSTGRES).unwrap_err();
        assert!(matches!(e, PrintError::NotRoundTrip { .. }), "{e:?}");
    }
}
