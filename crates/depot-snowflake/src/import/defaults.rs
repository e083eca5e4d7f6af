//! Column defaults from the expression the catalog prints: one of the portable expressions, a
//! literal of the field's type, else the expression itself as `{"sql": {"snowflake": ...}}` in
//! logical names. Read on the parsed tree, through casts, so that Snowflake's words
//! (`CURRENT_TIMESTAMP()::TIMESTAMP_TZ`, `UUID_STRING()`, `PARSE_JSON('{}')`) and the
//! emulator's (`CAST(CURRENT_TIMESTAMP AS TIMESTAMPTZ)`, `CAST(uuid() AS TEXT)`) read alike.

use std::collections::BTreeMap;

use depot_core::column_default::{FieldDefault, PortableExpression};
use depot_core::import::rename::Renames;
use depot_core::FieldType;
use serde_json::Value;
use sqlparser::ast::Value as SqlValue;
use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments, UnaryOperator};
use sqlparser::dialect::SnowflakeDialect;
use sqlparser::parser::Parser;

/// The field default for a column of `field_type` whose default the catalog prints as `sql`.
pub fn field_default(
    sql: &str,
    field_type: &FieldType,
    renames: &Renames,
) -> Result<FieldDefault, String> {
    let expr = Parser::new(&SnowflakeDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| format!("`{sql}` does not parse: {e}"))?;
    let inner = uncast(&expr);
    if let Some(portable) = portable(inner, field_type) {
        return Ok(FieldDefault::Expression(portable));
    }
    if let Some(value) = literal(inner, field_type) {
        return Ok(FieldDefault::Literal(value));
    }
    let logical = renames.expression(sql)?;
    Ok(FieldDefault::Sql(BTreeMap::from([(
        "snowflake".to_string(),
        logical,
    )])))
}

/// `expr` without the casts and parentheses around it.
fn uncast(mut expr: &Expr) -> &Expr {
    loop {
        match expr {
            Expr::Cast { expr: inner, .. } | Expr::Nested(inner) => expr = inner,
            _ => return expr,
        }
    }
}

/// The name of the function `expr` calls (or the bare keyword it is: `CURRENT_TIMESTAMP`),
/// uppercase, with its arguments.
fn call(expr: &Expr) -> Option<(String, Vec<&Expr>)> {
    match expr {
        Expr::Function(f) => {
            let args = match &f.args {
                FunctionArguments::None => Vec::new(),
                FunctionArguments::List(list) => list
                    .args
                    .iter()
                    .filter_map(|a| match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                        _ => None,
                    })
                    .collect(),
                FunctionArguments::Subquery(_) => return None,
            };
            Some((f.name.to_string().to_uppercase(), args))
        }
        Expr::Identifier(id) => Some((id.value.to_uppercase(), Vec::new())),
        _ => None,
    }
}

/// The portable expression `expr` is, as Depot renders each one for `field_type`.
fn portable(expr: &Expr, field_type: &FieldType) -> Option<PortableExpression> {
    let (name, args) = call(expr)?;
    if !args.is_empty() {
        return None;
    }
    let timestamp = matches!(field_type, FieldType::Timestamp | FieldType::Timestamptz);
    match name.as_str() {
        "CURRENT_TIMESTAMP" | "NOW" | "LOCALTIMESTAMP" | "SYSDATE"
            if timestamp || matches!(field_type, FieldType::Time) =>
        {
            Some(PortableExpression::Now)
        }
        "CURRENT_DATE" if timestamp || matches!(field_type, FieldType::Date) => {
            Some(PortableExpression::CurrentDate)
        }
        // The emulator prints UUID_STRING() as DuckDB's uuid().
        "UUID_STRING" | "UUID" | "GEN_RANDOM_UUID"
            if matches!(field_type, FieldType::Uuid | FieldType::String { .. }) =>
        {
            Some(PortableExpression::RandomUuid)
        }
        _ => None,
    }
}

/// The JSON literal of `field_type` that `expr` (a constant, casts removed) is, if any.
fn literal(expr: &Expr, field_type: &FieldType) -> Option<Value> {
    // PARSE_JSON('...') and TO_BINARY('...', 'BASE64'): Depot's forms of json and binary.
    if let Some((name, args)) = call(expr) {
        return match (name.as_str(), field_type, args.as_slice()) {
            ("PARSE_JSON", FieldType::Json, [text]) => {
                serde_json::from_str(&constant(uncast(text))?).ok()
            }
            ("TO_BINARY", FieldType::Binary, [text, format])
                if constant(uncast(format))?.eq_ignore_ascii_case("BASE64") =>
            {
                Some(Value::String(constant(uncast(text))?))
            }
            _ => None,
        };
    }
    let text = constant(expr)?;
    match field_type {
        FieldType::String { .. }
        | FieldType::Enum { .. }
        | FieldType::Date
        | FieldType::Time
        | FieldType::Timestamp
        | FieldType::Timestamptz
        | FieldType::Uuid => Some(Value::String(text)),
        FieldType::Integer | FieldType::Bigint => text.parse::<i64>().ok().map(Value::from),
        FieldType::Decimal { .. } | FieldType::Double => {
            serde_json::from_str::<serde_json::Number>(&text)
                .ok()
                .map(Value::Number)
        }
        FieldType::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        // Kept as SQL: their constants are function calls (handled above) or arrays.
        FieldType::Json | FieldType::Binary | FieldType::Array { .. } => None,
    }
}

/// The text of a constant: a string, a number (maybe negative) or a boolean.
fn constant(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(v) => match &v.value {
            SqlValue::SingleQuotedString(s) => Some(s.clone()),
            SqlValue::Number(n, _) => Some(n.clone()),
            SqlValue::Boolean(b) => Some(b.to_string()),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr: inner,
        } => match inner.as_ref() {
            Expr::Value(v) => match &v.value {
                SqlValue::Number(n, _) => Some(format!("-{n}")),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::column_default::default_sql;
    use depot_core::column_default::ColumnDefault;
    use serde_json::json;

    fn read(sql: &str, field_type: &FieldType) -> FieldDefault {
        // Parsed as the generic reader used to (PostgreSQL's parser, names as stored).
        let renames = Renames {
            parser: Some(|| Box::new(sqlparser::dialect::PostgreSqlDialect {})),
            ..Renames::default()
        };
        field_default(sql, field_type, &renames).unwrap()
    }

    #[test]
    fn reads_back_what_depot_renders_and_what_the_emulator_prints() {
        let cases = [
            (FieldType::String { max_length: None }, json!("n/a")),
            (FieldType::Integer, json!(-3)),
            (
                FieldType::Decimal {
                    precision: 6,
                    scale: 2,
                },
                json!(1.5),
            ),
            (FieldType::Boolean, json!(false)),
            (FieldType::Date, json!("2000-01-01")),
            (FieldType::Timestamptz, json!("2000-01-01 00:00:00+00:00")),
            (FieldType::Json, json!({"a": 1})),
            (FieldType::Binary, json!("AAE=")),
        ];
        for (t, value) in cases {
            let sql = default_sql(&t, &ColumnDefault::Literal(value.clone())).unwrap();
            assert_eq!(read(&sql, &t), FieldDefault::Literal(value), "{sql}");
        }
        for (t, e) in [
            (FieldType::Timestamptz, PortableExpression::Now),
            (FieldType::Timestamp, PortableExpression::Now),
            (FieldType::Date, PortableExpression::CurrentDate),
            (FieldType::Uuid, PortableExpression::RandomUuid),
        ] {
            let sql = default_sql(&t, &ColumnDefault::Expression(e)).unwrap();
            assert_eq!(read(&sql, &t), FieldDefault::Expression(e), "{sql}");
        }
        assert_eq!(
            read(
                "CAST(CURRENT_TIMESTAMP AS TIMESTAMPTZ)",
                &FieldType::Timestamptz
            ),
            FieldDefault::Expression(PortableExpression::Now)
        );
        assert_eq!(
            read("CAST(uuid() AS TEXT)", &FieldType::Uuid),
            FieldDefault::Expression(PortableExpression::RandomUuid)
        );
        assert_eq!(
            read("UPPER('x')", &FieldType::String { max_length: None }),
            FieldDefault::Sql(BTreeMap::from([(
                "snowflake".to_string(),
                "UPPER('x')".to_string()
            )]))
        );
    }
}
