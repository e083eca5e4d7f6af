//! Column defaults from the expression PostgreSQL prints: a literal of the field's type, one of
//! the portable expressions, else the expression itself as `{"sql": {"postgres": ...}}` in
//! logical names.

use std::collections::BTreeMap;

use depot_core::column_default::{FieldDefault, PortableExpression};
use depot_core::FieldType;
use serde_json::Value;
use sqlparser::ast::{Expr, UnaryOperator, Value as SqlValue};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::rename::Renames;

/// The field default for a column of `field_type` whose default PostgreSQL prints as `sql`.
pub fn field_default(
    sql: &str,
    field_type: &FieldType,
    renames: &Renames,
) -> Result<FieldDefault, String> {
    if let Some(portable) = portable(sql, field_type) {
        return Ok(FieldDefault::Expression(portable));
    }
    if let Some(value) = literal(sql, field_type) {
        return Ok(FieldDefault::Literal(value));
    }
    let logical = renames.expression(sql)?;
    Ok(FieldDefault::Sql(BTreeMap::from([(
        "postgres".to_string(),
        logical,
    )])))
}

/// The portable expression `sql` is, as Depot renders each one for `field_type`.
fn portable(sql: &str, field_type: &FieldType) -> Option<PortableExpression> {
    let is_string = matches!(field_type, FieldType::String { .. });
    match (sql, field_type) {
        ("now()" | "CURRENT_TIMESTAMP", FieldType::Timestamptz) => Some(PortableExpression::Now),
        ("LOCALTIMESTAMP", FieldType::Timestamp) => Some(PortableExpression::Now),
        ("LOCALTIME", FieldType::Time) => Some(PortableExpression::Now),
        ("CURRENT_DATE", FieldType::Date) => Some(PortableExpression::CurrentDate),
        ("gen_random_uuid()", FieldType::Uuid) => Some(PortableExpression::RandomUuid),
        ("gen_random_uuid()::text", _) if is_string => Some(PortableExpression::RandomUuid),
        _ => None,
    }
}

/// The JSON literal of `field_type` that `sql` (a constant, maybe cast) is, when there is one.
fn literal(sql: &str, field_type: &FieldType) -> Option<Value> {
    let dialect = PostgreSqlDialect {};
    let mut expr = Parser::new(&dialect)
        .try_with_sql(sql)
        .ok()?
        .parse_expr()
        .ok()?;
    // `'x'::text`, `'5'::integer`, `('x'::character varying)::text`: the constant inside.
    loop {
        match expr {
            Expr::Cast { expr: inner, .. } => expr = *inner,
            Expr::Nested(inner) => expr = *inner,
            _ => break,
        }
    }
    let text = match &expr {
        Expr::Value(v) => match &v.value {
            SqlValue::SingleQuotedString(s) => s.clone(),
            SqlValue::EscapedStringLiteral(s) => s.clone(),
            SqlValue::Number(n, _) => n.clone(),
            SqlValue::Boolean(b) => b.to_string(),
            _ => return None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr: inner,
        } => match inner.as_ref() {
            Expr::Value(v) => match &v.value {
                SqlValue::Number(n, _) => format!("-{n}"),
                _ => return None,
            },
            _ => return None,
        },
        _ => return None,
    };
    match field_type {
        FieldType::String { .. }
        | FieldType::Date
        | FieldType::Time
        | FieldType::Timestamp
        | FieldType::Timestamptz
        | FieldType::Uuid
        | FieldType::Enum { .. } => Some(Value::String(text)),
        FieldType::Integer | FieldType::Bigint => text.parse::<i64>().ok().map(Value::from),
        FieldType::Decimal { .. } | FieldType::Double => {
            serde_json::from_str::<serde_json::Number>(&text)
                .ok()
                .map(Value::Number)
        }
        FieldType::Boolean => match text.as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        FieldType::Json => serde_json::from_str(&text).ok(),
        // Their literals (base64 bytes, arrays) are kept as SQL.
        FieldType::Binary | FieldType::Array { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn default(sql: &str, field_type: FieldType) -> FieldDefault {
        field_default(sql, &field_type, &crate::import::postgres_renames()).unwrap()
    }

    #[test]
    fn reads_literals_portable_expressions_and_sql() {
        let text = FieldType::String { max_length: None };
        assert_eq!(
            default("'n/a'::text", text.clone()),
            FieldDefault::Literal(json!("n/a"))
        );
        assert_eq!(
            default("'-5'::integer", FieldType::Integer),
            FieldDefault::Literal(json!(-5))
        );
        assert_eq!(
            default("false", FieldType::Boolean),
            FieldDefault::Literal(json!(false))
        );
        assert_eq!(
            default("'{\"a\": 1}'::jsonb", FieldType::Json),
            FieldDefault::Literal(json!({"a": 1}))
        );
        assert_eq!(
            default("now()", FieldType::Timestamptz),
            FieldDefault::Expression(PortableExpression::Now)
        );
        assert_eq!(
            default("gen_random_uuid()", FieldType::Uuid),
            FieldDefault::Expression(PortableExpression::RandomUuid)
        );
        assert_eq!(
            default("upper('x'::text)", text),
            FieldDefault::Sql(BTreeMap::from([(
                "postgres".to_string(),
                "upper('x'::TEXT)".to_string()
            )]))
        );
    }
}
