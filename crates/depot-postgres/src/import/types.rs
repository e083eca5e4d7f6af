//! Field types from PostgreSQL's `format_type` text: exactly the types Depot renders (see
//! [`crate::sql_type`]) and arrays of them. Anything else is refused with the reason, and the
//! caller skips the column with a warning: a type Depot would render differently would change
//! the schema on the next deploy.

use depot_core::FieldType;

/// The field type of a column whose type PostgreSQL prints as `sql`, or why there is none.
pub fn field_type(sql: &str) -> Result<FieldType, String> {
    if let Some(items) = sql.strip_suffix("[]") {
        let items = field_type(items)?;
        if matches!(items, FieldType::Array { .. }) {
            return Err("a multidimensional array has no Depot type".to_string());
        }
        return Ok(FieldType::Array {
            items: Box::new(items),
        });
    }
    if let Some(n) = parenthesized(sql, "character varying") {
        let n = n
            .parse()
            .map_err(|_| format!("`{sql}` has no length Depot reads"))?;
        return Ok(FieldType::String {
            max_length: Some(n),
        });
    }
    if let Some(ps) = parenthesized(sql, "numeric") {
        let (p, s) = ps.split_once(',').unwrap_or((ps, "0"));
        return match (p.trim().parse(), s.trim().parse()) {
            (Ok(precision), Ok(scale)) => Ok(FieldType::Decimal { precision, scale }),
            _ => Err(format!("`{sql}` has a precision Depot does not read")),
        };
    }
    Ok(match sql {
        "text" => FieldType::String { max_length: None },
        "integer" => FieldType::Integer,
        "bigint" => FieldType::Bigint,
        "double precision" => FieldType::Double,
        "boolean" => FieldType::Boolean,
        "date" => FieldType::Date,
        "time without time zone" => FieldType::Time,
        "timestamp without time zone" => FieldType::Timestamp,
        "timestamp with time zone" => FieldType::Timestamptz,
        "jsonb" => FieldType::Json,
        "uuid" => FieldType::Uuid,
        "bytea" => FieldType::Binary,
        "smallint" => return Err("smallint would become integer (a wider type)".to_string()),
        "real" => return Err("real would become double (a wider type)".to_string()),
        "json" => {
            return Err("json would become jsonb (keys reordered, duplicates dropped)".to_string())
        }
        "character varying" => return Err("varchar without a length would become text".to_string()),
        "numeric" => {
            return Err(
                "numeric without a precision has no Depot type (decimal needs one)".to_string(),
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

    #[test]
    fn reads_every_type_depot_renders() {
        assert_eq!(
            field_type("character varying(200)"),
            Ok(FieldType::String {
                max_length: Some(200)
            })
        );
        assert_eq!(
            field_type("numeric(6,2)"),
            Ok(FieldType::Decimal {
                precision: 6,
                scale: 2
            })
        );
        assert_eq!(
            field_type("timestamp with time zone[]"),
            Ok(FieldType::Array {
                items: Box::new(FieldType::Timestamptz)
            })
        );
        for other in [
            "smallint",
            "json",
            "character(3)",
            "order_status",
            "integer[][]",
        ] {
            assert!(field_type(other).is_err(), "{other}");
        }
    }
}
