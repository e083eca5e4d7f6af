//! Column defaults on Snowflake (SPEC §1b): a literal as its constant, a portable expression as
//! Snowflake's function, per-engine SQL as given.
//!
//! | expression | Snowflake |
//! | --- | --- |
//! | `now` | `CURRENT_TIMESTAMP()`, cast to the column's type (it returns `TIMESTAMP_LTZ`, which would read differently per session's time zone) |
//! | `currentDate` | `CURRENT_DATE()` (cast to the column's type on a timestamp column) |
//! | `randomUuid` | `UUID_STRING()` (a version 4 UUID as its canonical 36 characters) |
//!
//! Snowflake gives a column a default only when the column is added: a default on an existing
//! column goes through the column copy (see `crate::render`), whatever its form.

use depot_core::column_default::{ColumnDefault, PortableExpression};
use depot_core::FieldType;

use crate::literal::literal;
use crate::sql_type::sql_type;

/// The SQL of `default` on a column of type `field_type`. Err says why it does not fit.
pub fn default_sql(field_type: &FieldType, default: &ColumnDefault) -> Result<String, String> {
    match default {
        ColumnDefault::Literal(value) => literal(field_type, value),
        ColumnDefault::Expression(expression) => expression_sql(field_type, *expression),
        // Parsed as one expression and printed in physical names by resolution.
        ColumnDefault::Sql(sql) => Ok(sql.clone()),
    }
}

fn expression_sql(
    field_type: &FieldType,
    expression: PortableExpression,
) -> Result<String, String> {
    let cast = |function: &str| format!("{function}::{}", sql_type(field_type));
    let refused = || {
        format!(
            "the default expression {} does not give a value of type {}",
            expression.name(),
            field_type.describe()
        )
    };
    match (expression, field_type) {
        (
            PortableExpression::Now,
            FieldType::Timestamp | FieldType::Timestamptz | FieldType::Time,
        ) => Ok(cast("CURRENT_TIMESTAMP()")),
        (PortableExpression::Now | PortableExpression::CurrentDate, FieldType::Date) => {
            Ok("CURRENT_DATE()".to_string())
        }
        (PortableExpression::CurrentDate, FieldType::Timestamp | FieldType::Timestamptz) => {
            Ok(cast("CURRENT_DATE()"))
        }
        (PortableExpression::RandomUuid, FieldType::Uuid | FieldType::String { .. }) => {
            Ok("UUID_STRING()".to_string())
        }
        (
            PortableExpression::Now
            | PortableExpression::CurrentDate
            | PortableExpression::RandomUuid,
            _,
        ) => Err(refused()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn portable_expressions_become_snowflake_functions_of_the_column_type() {
        let e = |x, t: &FieldType| default_sql(t, &ColumnDefault::Expression(x));
        assert_eq!(
            e(PortableExpression::Now, &FieldType::Timestamptz).unwrap(),
            "CURRENT_TIMESTAMP()::TIMESTAMP_TZ"
        );
        assert_eq!(
            e(PortableExpression::Now, &FieldType::Timestamp).unwrap(),
            "CURRENT_TIMESTAMP()::TIMESTAMP_NTZ"
        );
        assert_eq!(
            e(PortableExpression::CurrentDate, &FieldType::Date).unwrap(),
            "CURRENT_DATE()"
        );
        assert_eq!(
            e(PortableExpression::RandomUuid, &FieldType::Uuid).unwrap(),
            "UUID_STRING()"
        );
        let why = e(PortableExpression::RandomUuid, &FieldType::Integer).unwrap_err();
        assert_eq!(
            why,
            "the default expression randomUuid does not give a value of type integer"
        );
        assert!(e(PortableExpression::Now, &FieldType::Boolean).is_err());
    }

    #[test]
    fn literals_and_engine_sql() {
        assert_eq!(
            default_sql(&FieldType::Boolean, &ColumnDefault::Literal(json!(true))).unwrap(),
            "TRUE"
        );
        assert_eq!(
            default_sql(
                &FieldType::String { max_length: None },
                &ColumnDefault::Sql("'n/a'".to_string())
            )
            .unwrap(),
            "'n/a'"
        );
    }
}
