//! One SQL expression of one object, written with its logical field names: a check constraint,
//! a computed column, a partial index's `where`, an index expression or an engine's default.
//! It is parsed with the engine's parser and rewritten on the tree, like a view (see
//! [`crate::view`]), but it may name only the fields of its own object: no table, no subquery,
//! no aggregate or window function, since the engine evaluates it on one row.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use sqlparser::ast::{
    DataType, DuplicateTreatment, Expr, FunctionArguments, Ident, ObjectName, Query, Value,
    ValueWithSpan, VisitMut, VisitorMut,
};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use crate::dialect::Dialect;
use crate::problem::Problem;
use crate::reader::At;
use crate::rules;
use crate::view::print::print_expression;
use crate::view::rewrite::DATE_PARTS;

/// ExpressionScope: what an expression may name.
#[derive(Debug, Clone, Copy)]
pub struct ExpressionScope<'a> {
    /// Logical field name -> physical column name of the object the expression belongs to.
    pub columns: &'a BTreeMap<String, String>,
    /// Logical enum name -> physical type name (for casts like `'x'::OrderStatus`); may be empty.
    pub types: &'a BTreeMap<String, String>,
    /// The namespace holding the types of `types`, which casts name it by; None when the engine
    /// has no enum types: a cast to an enum then becomes a cast to a string.
    pub types_namespace: Option<&'a str>,
}

/// RewrittenExpression: the physical SQL of the expression and the logical fields it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewrittenExpression {
    pub sql: String,
    pub reads: BTreeSet<String>,
}

/// Functions that fold many rows into one (or read other rows, for window-only ones): an
/// expression of one row cannot call them.
const AGGREGATE_FUNCTIONS: &[&str] = &[
    "any_value",
    "approx_count_distinct",
    "array_agg",
    "avg",
    "bit_and",
    "bit_or",
    "bit_xor",
    "bool_and",
    "bool_or",
    "corr",
    "count",
    "count_if",
    "covar_pop",
    "covar_samp",
    "cume_dist",
    "dense_rank",
    "every",
    "first_value",
    "json_agg",
    "json_object_agg",
    "jsonb_agg",
    "jsonb_object_agg",
    "lag",
    "last_value",
    "lead",
    "listagg",
    "max",
    "median",
    "min",
    "mode",
    "nth_value",
    "ntile",
    "object_agg",
    "percent_rank",
    "percentile_cont",
    "percentile_disc",
    "rank",
    "row_number",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "string_agg",
    "sum",
    "var_pop",
    "var_samp",
    "variance",
    "xmlagg",
];

/// rewrite_expression parses `sql` as exactly one expression of the engine's SQL, written with
/// the logical names of `scope`, and gives it in physical names with the fields it reads. The
/// problem names `what` (`check positiveTotal`, `default of Order.note`) and is located at `at`.
pub fn rewrite_expression(
    sql: &str,
    dialect: &dyn Dialect,
    scope: &ExpressionScope<'_>,
    what: &str,
    at: &At,
) -> Result<RewrittenExpression, Problem> {
    let mut expr = parse_expression(sql, dialect, what, at)?;
    let mut pass = ExpressionPass {
        scope,
        reads: BTreeSet::new(),
    };
    if let ControlFlow::Break((rule, message)) = VisitMut::visit(&mut expr, &mut pass) {
        return Err(at.problem(rule, format!("{what}: {message}")));
    }
    let sql = print_expression(&expr, dialect).map_err(|e| {
        at.problem(
            rules::EXPRESSION_SQL_UNSAFE,
            format!("{what}: {e}; Depot refuses SQL it cannot print exactly as parsed"),
        )
    })?;
    Ok(RewrittenExpression {
        sql,
        reads: pass.reads,
    })
}

/// parse_expression parses `sql` into one expression that ends the text: a `;` and a second
/// statement, or anything else after the expression, is refused.
fn parse_expression(
    sql: &str,
    dialect: &dyn Dialect,
    what: &str,
    at: &At,
) -> Result<Expr, Problem> {
    let syntax = |reason: String| {
        at.problem(
            rules::EXPRESSION_SQL_SYNTAX,
            format!(
                "{what}: the {} expression does not parse: {reason}",
                dialect.engine().as_str()
            ),
        )
    };
    let mut parser = Parser::new(dialect.parser_dialect())
        .try_with_sql(sql)
        .map_err(|e| syntax(e.to_string()))?;
    let expr = parser.parse_expr().map_err(|e| syntax(e.to_string()))?;
    let next = parser.peek_token().token;
    if next != Token::EOF {
        return Err(at.problem(
            rules::EXPRESSION_SQL_SYNTAX,
            format!("{what}: the SQL goes on after its expression, at `{next}`; it must be exactly one expression (no `;`, no second statement)"),
        ));
    }
    Ok(expr)
}

/// physical_ident is a physical name as one identifier value, always quoted, so that the engine
/// reads it exactly as stored (no case folding, reserved words harmless); it is escaped once, by
/// the engine's quoting function, when printed (see [`print_expression`]).
fn physical_ident(physical: &str) -> Ident {
    Ident::with_quote('"', physical)
}

/// A refusal: its rule and message (without the `what` prefix).
type Refusal = (&'static str, String);

/// ExpressionPass rewrites the field names and enum casts of one expression and refuses what an
/// expression of one row cannot hold. It stops at the first problem.
struct ExpressionPass<'s> {
    scope: &'s ExpressionScope<'s>,
    reads: BTreeSet<String>,
}

fn unsupported(message: String) -> ControlFlow<Refusal> {
    ControlFlow::Break((rules::EXPRESSION_SQL_UNSUPPORTED, message))
}

impl ExpressionPass<'_> {
    /// field resolves a bare name to its physical column, matched exactly as view columns are
    /// (by the name's value, quoted or not, case included). A date part (`DATEADD(day, ...)`)
    /// that is not a field stays as written.
    fn field(&mut self, name: &str) -> Result<Option<Expr>, Refusal> {
        if let Some(physical) = self.scope.columns.get(name) {
            self.reads.insert(name.to_string());
            return Ok(Some(Expr::Identifier(physical_ident(physical))));
        }
        if DATE_PARTS.contains(&name.to_ascii_lowercase().as_str()) {
            return Ok(None);
        }
        let hint = self
            .scope
            .columns
            .keys()
            .find(|k| k.eq_ignore_ascii_case(name))
            .map(|k| format!(" (did you mean `{k}`?)"))
            .unwrap_or_default();
        let fields: Vec<&str> = self.scope.columns.keys().map(String::as_str).collect();
        let fields = if fields.is_empty() {
            "(none)".to_string()
        } else {
            fields.join(", ")
        };
        Err((
            rules::UNKNOWN_FIELD,
            format!("`{name}` is not a field of its object{hint}; its fields: {fields}"),
        ))
    }

    /// cast_type rewrites a cast to a logical enum name into its physical type.
    fn cast_type(&self, data_type: &mut DataType) -> ControlFlow<Refusal> {
        let DataType::Custom(name, _) = data_type else {
            return ControlFlow::Continue(());
        };
        let parts: Vec<&str> = name
            .0
            .iter()
            .filter_map(|p| p.as_ident().map(|i| i.value.as_str()))
            .collect();
        match parts.as_slice() {
            [single] if name.0.len() == 1 => {
                if let Some(physical) = self.scope.types.get(*single) {
                    match self.scope.types_namespace {
                        Some(namespace) => {
                            *name = ObjectName::from(vec![
                                physical_ident(namespace),
                                physical_ident(physical),
                            ]);
                        }
                        None => *data_type = DataType::Varchar(None),
                    }
                }
                ControlFlow::Continue(())
            }
            _ => unsupported(format!(
                "the cast to `{name}` names a schema; an expression casts to its package's enums by their names (`'x'::Status`) or to the engine's types"
            )),
        }
    }
}

impl VisitorMut for ExpressionPass<'_> {
    type Break = Refusal;

    fn pre_visit_query(&mut self, _query: &mut Query) -> ControlFlow<Refusal> {
        unsupported(
            "a subquery is not allowed in an expression (it is evaluated on one row of its object)"
                .to_string(),
        )
    }

    fn pre_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<Refusal> {
        unsupported(format!(
            "it names the table `{relation}`; an expression reads the fields of its own object only"
        ))
    }

    fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<Refusal> {
        match &value.value {
            Value::Placeholder(p) => unsupported(format!(
                "the parameter `{p}` is not allowed; write a constant"
            )),
            _ => ControlFlow::Continue(()),
        }
    }

    #[allow(clippy::wildcard_enum_match_arm)] // other expressions hold no name to rewrite or refuse
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<Refusal> {
        match expr {
            Expr::Identifier(id) => match self.field(&id.value) {
                Ok(Some(physical)) => *expr = physical,
                Ok(None) => {}
                Err(refusal) => return ControlFlow::Break(refusal),
            },
            Expr::CompoundIdentifier(parts) => {
                let written: Vec<&str> = parts.iter().map(|i| i.value.as_str()).collect();
                return unsupported(format!(
                    "`{}` names a table or schema; an expression names the fields of its own object, unqualified",
                    written.join(".")
                ));
            }
            Expr::Exists { .. } | Expr::InSubquery { .. } | Expr::Subquery(_) => {
                return unsupported("a subquery (`EXISTS`, `IN (SELECT ...)`, `(SELECT ...)`) is not allowed in an expression (it is evaluated on one row of its object)".to_string());
            }
            Expr::Wildcard(_) | Expr::QualifiedWildcard(..) => {
                return unsupported("`*` is not allowed in an expression".to_string());
            }
            Expr::Cast { data_type, .. } => return self.cast_type(data_type),
            Expr::Function(function) => {
                let name = function.name.to_string();
                if function.name.0.len() != 1 {
                    return unsupported(format!(
                        "the function `{name}` is qualified by a schema; an expression calls functions by their name only"
                    ));
                }
                let aggregate_form = function.over.is_some()
                    || function.filter.is_some()
                    || function.null_treatment.is_some()
                    || !function.within_group.is_empty()
                    || matches!(
                        &function.args,
                        FunctionArguments::List(list)
                            if list.duplicate_treatment == Some(DuplicateTreatment::Distinct)
                                || !list.clauses.is_empty()
                    );
                let bare = name.trim_matches('"').to_ascii_lowercase();
                if aggregate_form || AGGREGATE_FUNCTIONS.contains(&bare.as_str()) {
                    return unsupported(format!(
                        "`{name}` is an aggregate or window function; an expression is evaluated on one row of its object"
                    ));
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::test_dialect::{TestDialect, POSTGRES, SNOWFLAKE};
    use proptest::prelude::*;

    fn at() -> At {
        At::root()
            .key("package")
            .key("schemas")
            .key("Order")
            .in_schema("Order")
            .key("checks")
            .key("positiveTotal")
    }

    fn order_columns() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("totalCents".to_string(), "total_cents".to_string()),
            ("order".to_string(), "order".to_string()),
            ("status".to_string(), "status".to_string()),
            ("placedAt".to_string(), "placed_at".to_string()),
        ])
    }

    fn order_types() -> BTreeMap<String, String> {
        BTreeMap::from([("OrderStatus".to_string(), "order_status".to_string())])
    }

    fn rewrite(dialect: TestDialect, sql: &str) -> Result<RewrittenExpression, Problem> {
        let (columns, types) = (order_columns(), order_types());
        let scope = ExpressionScope {
            columns: &columns,
            types: &types,
            types_namespace: Some("ns"),
        };
        rewrite_expression(sql, &dialect, &scope, "check positiveTotal", &at())
    }

    fn ok(sql: &str) -> String {
        match rewrite(POSTGRES, sql) {
            Ok(r) => r.sql,
            Err(p) => panic!("expected `{sql}` to rewrite, got {p:?}"),
        }
    }

    fn refused(sql: &str) -> Problem {
        match rewrite(POSTGRES, sql) {
            Ok(r) => panic!("expected `{sql}` to be refused, it rewrote to {}", r.sql),
            Err(p) => p,
        }
    }

    #[test]
    fn fields_become_their_physical_columns() {
        let r = rewrite(POSTGRES, "totalCents >= 0").unwrap();
        assert_eq!(r.sql, "\"total_cents\" >= 0");
        assert_eq!(r.reads, BTreeSet::from(["totalCents".to_string()]));
    }

    #[test]
    fn a_reserved_word_field_is_quoted() {
        assert_eq!(
            ok("\"order\" > 1 AND totalCents < 10"),
            "\"order\" > 1 AND \"total_cents\" < 10"
        );
    }

    #[test]
    fn snowflake_gets_its_folded_case() {
        let (columns, types) = (order_columns(), BTreeMap::new());
        let upper: BTreeMap<String, String> = columns
            .iter()
            .map(|(l, p)| (l.clone(), p.to_ascii_uppercase()))
            .collect();
        let scope = ExpressionScope {
            columns: &upper,
            types: &types,
            types_namespace: None,
        };
        let r =
            rewrite_expression("totalCents + 1 > 0", &SNOWFLAKE, &scope, "check t", &at()).unwrap();
        assert_eq!(r.sql, "\"TOTAL_CENTS\" + 1 > 0");
        // Snowflake has no enum types: a cast to an enum is a cast to a string.
        let types = order_types();
        let scope = ExpressionScope {
            columns: &upper,
            types: &types,
            types_namespace: None,
        };
        let r = rewrite_expression(
            "status <> 'x'::OrderStatus",
            &SNOWFLAKE,
            &scope,
            "check t",
            &at(),
        )
        .unwrap();
        assert_eq!(r.sql, "\"STATUS\" <> 'x'::VARCHAR");
    }

    #[test]
    fn functions_casts_case_and_constants_are_kept() {
        assert_eq!(
            ok("CASE WHEN status = 'done'::OrderStatus THEN lower(status::text) ELSE 'x''y' END"),
            "CASE WHEN \"status\" = 'done'::\"ns\".\"order_status\" THEN lower(\"status\"::TEXT) ELSE 'x''y' END"
        );
        assert_eq!(
            ok("placedAt < now() + INTERVAL '1 day'"),
            "\"placed_at\" < now() + INTERVAL '1 day'"
        );
    }

    #[test]
    fn common_row_expressions_are_rewritten() {
        for (sql, want) in [
            (
                "status IN ('a', 'b') AND totalCents BETWEEN 1 AND 10",
                "\"status\" IN ('a', 'b') AND \"total_cents\" BETWEEN 1 AND 10",
            ),
            (
                "coalesce(placedAt, CURRENT_TIMESTAMP) IS NOT NULL",
                "coalesce(\"placed_at\", CURRENT_TIMESTAMP) IS NOT NULL",
            ),
            ("NOT (\"totalCents\" < 0)", "NOT (\"total_cents\" < 0)"),
        ] {
            assert_eq!(ok(sql), want, "{sql}");
        }
        let r = rewrite(SNOWFLAKE, "DATEADD(day, 1, placedAt) > totalCents").unwrap();
        assert_eq!(r.sql, "DATEADD(day, 1, \"placed_at\") > \"total_cents\"");
        assert_eq!(
            r.reads,
            BTreeSet::from(["placedAt".to_string(), "totalCents".to_string()])
        );
    }

    #[test]
    fn a_parameter_is_refused() {
        let p = refused("totalCents > $1");
        assert_eq!(p.rule, rules::EXPRESSION_SQL_UNSUPPORTED, "{p:?}");
    }

    #[test]
    fn a_second_statement_is_refused() {
        let p = refused("1; DROP TABLE x");
        assert_eq!(p.rule, rules::EXPRESSION_SQL_SYNTAX, "{p:?}");
        assert!(p.message.starts_with("check positiveTotal: "), "{p:?}");
        assert!(p.message.contains("exactly one expression"), "{p:?}");
        assert_eq!(p.path, "package.schemas.Order.checks.positiveTotal");
        assert_eq!(refused("totalCents >").rule, rules::EXPRESSION_SQL_SYNTAX);
    }

    #[test]
    fn subqueries_are_refused() {
        for sql in [
            "(SELECT 1)",
            "EXISTS (SELECT 1)",
            "totalCents IN (SELECT 1)",
            "totalCents = ANY (SELECT 1)",
        ] {
            let p = refused(sql);
            assert_eq!(p.rule, rules::EXPRESSION_SQL_UNSUPPORTED, "{sql}: {p:?}");
            assert!(p.message.contains("subquery"), "{sql}: {p:?}");
        }
    }

    #[test]
    fn aggregates_and_windows_are_refused() {
        for sql in [
            "count(*) > 0",
            "sum(totalCents) > 0",
            "row_number() OVER () = 1",
            "lower(status) FILTER (WHERE true) = 'x'",
        ] {
            let p = refused(sql);
            assert_eq!(p.rule, rules::EXPRESSION_SQL_UNSUPPORTED, "{sql}: {p:?}");
            assert!(p.message.contains("aggregate or window"), "{sql}: {p:?}");
        }
    }

    #[test]
    fn an_unknown_field_is_named() {
        let p = refused("totalcents >= 0");
        assert_eq!(p.rule, rules::UNKNOWN_FIELD);
        assert_eq!(
            p.message,
            "check positiveTotal: `totalcents` is not a field of its object (did you mean `totalCents`?); its fields: order, placedAt, status, totalCents"
        );
    }

    #[test]
    fn qualified_names_are_refused() {
        for sql in [
            "other.col > 0",
            "public.orders.total > 0",
            "public.lower(status) = 'x'",
            "'x'::public.status = status",
        ] {
            let p = refused(sql);
            assert_eq!(p.rule, rules::EXPRESSION_SQL_UNSUPPORTED, "{sql}: {p:?}");
        }
        assert!(refused("other.col > 0")
            .message
            .contains("`other.col` names a table or schema"));
    }

    #[test]
    fn a_hostile_physical_name_is_one_quoted_identifier() {
        let columns = BTreeMap::from([("note".to_string(), r#"x" IS NULL OR "y"#.to_string())]);
        let types = BTreeMap::new();
        let scope = ExpressionScope {
            columns: &columns,
            types: &types,
            types_namespace: None,
        };
        let r = rewrite_expression(
            "note IS NULL",
            &POSTGRES,
            &scope,
            "default of Order.note",
            &at(),
        )
        .unwrap();
        assert_eq!(r.sql, r#""x"" IS NULL OR ""y" IS NULL"#);
    }

    proptest! {
        #[test]
        fn no_input_panics(sql in any::<String>()) {
            for dialect in [POSTGRES, SNOWFLAKE] {
                let _ = rewrite(dialect, &sql);
            }
        }

        #[test]
        fn no_expression_like_input_panics(sql in "[a-zA-Z0-9_ ().,;:'\"*+<>=-]{0,60}") {
            for dialect in [POSTGRES, SNOWFLAKE] {
                if let Ok(r) = rewrite(dialect, &sql) {
                    // What is accepted parses back as one expression.
                    let mut parser = Parser::new(dialect.parser_dialect()).try_with_sql(&r.sql).unwrap();
                    prop_assert!(parser.parse_expr().is_ok());
                }
            }
        }
    }
}
