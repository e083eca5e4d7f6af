//! Field types from the column types [`crate::introspect`] rebuilds: exactly the types Depot
//! renders on Snowflake (see [`crate::sql_type`]). Anything else is refused with the reason, and
//! the caller skips the column with a warning: a type Depot would render differently would
//! change the schema on the next deploy.

use depot_core::FieldType;

/// The field type of a column of Snowflake type `sql`, or why there is none. `VARCHAR(36)` is
/// Depot's `uuid` (the caller says so in a warning: a `string` of 36 is the same column).
pub fn field_type(sql: &str) -> Result<FieldType, String> {
    if let Some(n) = parenthesized(sql, "VARCHAR") {
        let n: u32 = n
            .parse()
            .map_err(|_| format!("`{sql}` has no length Depot reads"))?;
        return Ok(if n == 36 {
            FieldType::Uuid
        } else {
            FieldType::String {
                max_length: Some(n),
            }
        });
    }
    if let Some(ps) = parenthesized(sql, "NUMBER") {
        let (p, s) = ps.split_once(',').unwrap_or((ps, "0"));
        return match (p.trim().parse(), s.trim().parse()) {
            (Ok(10), Ok(0)) => Ok(FieldType::Integer),
            (Ok(19), Ok(0)) => Ok(FieldType::Bigint),
            (Ok(precision), Ok(scale)) => Ok(FieldType::Decimal { precision, scale }),
            _ => Err(format!("`{sql}` has a precision Depot does not read")),
        };
    }
    Ok(match sql {
        "VARCHAR" => FieldType::String { max_length: None },
        "FLOAT" => FieldType::Double,
        "BOOLEAN" => FieldType::Boolean,
        "DATE" => FieldType::Date,
        "TIME" => FieldType::Time,
        "TIMESTAMP_NTZ" => FieldType::Timestamp,
        "TIMESTAMP_TZ" => FieldType::Timestamptz,
        "VARIANT" => FieldType::Json,
        "BINARY" => FieldType::Binary,
        // Snowflake's ARRAY does not declare its items' type.
        "ARRAY" => FieldType::Array {
            items: Box::new(FieldType::Json),
        },
        "TIMESTAMP_LTZ" => {
            return Err(
                "TIMESTAMP_LTZ reads differently per session's time zone; Depot writes \
                 timestamptz as TIMESTAMP_TZ"
                    .to_string(),
            )
        }
        other => return Err(format!("`{other}` has no Depot type")),
    })
}

/// The text inside `name(...)` when `sql` is exactly that.
fn parenthesized<'a>(sql: &'a str, name: &str) -> Option<&'a str> {
    sql.strip_prefix(name)?.strip_prefix('(')?.strip_suffix(')')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql_type::sql_type;

    #[test]
    fn reads_back_every_type_depot_renders() {
        for t in [
            FieldType::String {
                max_length: Some(200),
            },
            FieldType::String { max_length: None },
            FieldType::Integer,
            FieldType::Bigint,
            FieldType::Decimal {
                precision: 6,
                scale: 2,
            },
            FieldType::Double,
            FieldType::Boolean,
            FieldType::Date,
            FieldType::Time,
            FieldType::Timestamp,
            FieldType::Timestamptz,
            FieldType::Json,
            FieldType::Uuid,
            FieldType::Binary,
        ] {
            assert_eq!(field_type(&sql_type(&t)), Ok(t.clone()), "{t:?}");
        }
        for other in ["TIMESTAMP_LTZ", "GEOGRAPHY", "OBJECT", "NUMBER(x,1)"] {
            assert!(field_type(other).is_err(), "{other}");
        }
    }
}
