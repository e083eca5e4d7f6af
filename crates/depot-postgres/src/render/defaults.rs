//! Column defaults as PostgreSQL expressions: a literal through the one literal function, a
//! portable expression as PostgreSQL computes it, per-engine SQL as the core printed it.

use depot_core::column_default::{ColumnDefault, PortableExpression};
use depot_core::FieldType;

use crate::literal::literal;

/// The expression after `DEFAULT` for a column of type `field_type`. Err says why a literal
/// does not fit the type.
///
/// The portable expressions are what a fresh `DEFAULT` gives a new row:
/// - `now`: `now()` (the transaction's start, as `timestamptz`); on a `timestamp` column
///   `LOCALTIMESTAMP` (the same instant in the session's zone, without converting through a
///   cast of `now()`), on a `date` column `CURRENT_DATE`, on a `time` column `LOCALTIME`.
/// - `currentDate`: `CURRENT_DATE`.
/// - `randomUuid`: `gen_random_uuid()` (built in since PostgreSQL 13), `::text` on a string
///   column.
///
/// Per-engine SQL goes in parentheses: `DEFAULT` takes a restricted expression grammar, and the
/// parentheses let any one expression through unchanged.
pub fn default_sql(field_type: &FieldType, default: &ColumnDefault) -> Result<String, String> {
    match default {
        ColumnDefault::Literal(value) => literal(field_type, value),
        ColumnDefault::Expression(PortableExpression::Now) => {
            Ok(if *field_type == FieldType::Timestamp {
                "LOCALTIMESTAMP"
            } else if *field_type == FieldType::Date {
                "CURRENT_DATE"
            } else if *field_type == FieldType::Time {
                "LOCALTIME"
            } else {
                "now()"
            }
            .to_string())
        }
        ColumnDefault::Expression(PortableExpression::CurrentDate) => {
            Ok("CURRENT_DATE".to_string())
        }
        ColumnDefault::Expression(PortableExpression::RandomUuid) => {
            Ok(if matches!(field_type, FieldType::String { .. }) {
                "gen_random_uuid()::text"
            } else {
                "gen_random_uuid()"
            }
            .to_string())
        }
        ColumnDefault::Sql(sql) => Ok(format!("({sql})")),
    }
}

/// True when PostgreSQL computes `default` once per row (a volatile expression): adding a column
/// with it to a table that holds rows rewrites the table. A literal, `now()` and `CURRENT_DATE`
/// are computed once for the whole `ADD COLUMN` and stored in the catalog (PostgreSQL 11+).
///
/// Per-engine SQL is taken as volatile unless it calls no function at all (no `(` outside its
/// string constants, e.g. `'n/a'::text`): PostgreSQL alone knows a function's volatility, and a
/// TABLE_REWRITE declared too often is safer than one missed.
pub fn is_volatile(default: &ColumnDefault) -> bool {
    match default {
        ColumnDefault::Literal(_) => false,
        ColumnDefault::Expression(PortableExpression::Now | PortableExpression::CurrentDate) => {
            false
        }
        ColumnDefault::Expression(PortableExpression::RandomUuid) => true,
        ColumnDefault::Sql(sql) => calls_outside_strings(sql),
    }
}

/// True when `sql` has a `(` outside its `'...'` and `"..."` parts.
fn calls_outside_strings(sql: &str) -> bool {
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '(' => return true,
            None => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn portable_expressions_follow_the_column_type() {
        let now = ColumnDefault::Expression(PortableExpression::Now);
        assert_eq!(default_sql(&FieldType::Timestamptz, &now).unwrap(), "now()");
        assert_eq!(
            default_sql(&FieldType::Timestamp, &now).unwrap(),
            "LOCALTIMESTAMP"
        );
        let uuid = ColumnDefault::Expression(PortableExpression::RandomUuid);
        assert_eq!(
            default_sql(&FieldType::Uuid, &uuid).unwrap(),
            "gen_random_uuid()"
        );
        assert_eq!(
            default_sql(&FieldType::String { max_length: None }, &uuid).unwrap(),
            "gen_random_uuid()::text"
        );
        assert_eq!(
            default_sql(
                &FieldType::Integer,
                &ColumnDefault::Sql("1 + 2".to_string())
            )
            .unwrap(),
            "(1 + 2)"
        );
    }

    #[test]
    fn only_function_calls_and_random_uuids_are_volatile() {
        assert!(!is_volatile(&ColumnDefault::Literal(json!("x"))));
        assert!(!is_volatile(&ColumnDefault::Expression(
            PortableExpression::Now
        )));
        assert!(is_volatile(&ColumnDefault::Expression(
            PortableExpression::RandomUuid
        )));
        assert!(!is_volatile(&ColumnDefault::Sql("'a(b'::text".to_string())));
        assert!(is_volatile(&ColumnDefault::Sql("random()".to_string())));
    }
}
