//! Snowflake column types for Depot's logical field types, and which type changes Snowflake
//! makes in place.
//!
//! | logical | Snowflake | why |
//! | --- | --- | --- |
//! | `string(n)` / `string` | `VARCHAR(n)` / `VARCHAR` | unbounded VARCHAR is Snowflake's maximum length |
//! | `integer` | `NUMBER(10,0)` | every 32-bit value fits in 10 digits, and `integer -> bigint` is then more precision, which Snowflake alters in place |
//! | `bigint` | `NUMBER(19,0)` | every 64-bit value fits in 19 digits |
//! | `decimal(p,s)` | `NUMBER(p,s)` | |
//! | `double` | `FLOAT` | Snowflake's FLOAT is a 64-bit double |
//! | `boolean`, `date`, `time` | `BOOLEAN`, `DATE`, `TIME` | |
//! | `timestamp` | `TIMESTAMP_NTZ` | no time zone, as the logical type |
//! | `timestamptz` | `TIMESTAMP_TZ` | keeps the instant and its offset, whatever the session's time zone (`TIMESTAMP_LTZ` would read differently per session) |
//! | `json` | `VARIANT` | |
//! | `uuid` | `VARCHAR(36)` | Snowflake has no UUID type; the canonical text form is 36 characters |
//! | `binary` | `BINARY` | |

use depot_core::FieldType;

/// The Snowflake column type of a logical field type.
pub fn sql_type(field_type: &FieldType) -> String {
    match field_type {
        FieldType::String {
            max_length: Some(n),
        } => format!("VARCHAR({n})"),
        FieldType::String { max_length: None } => "VARCHAR".to_string(),
        FieldType::Integer => "NUMBER(10,0)".to_string(),
        FieldType::Bigint => "NUMBER(19,0)".to_string(),
        FieldType::Decimal { precision, scale } => format!("NUMBER({precision},{scale})"),
        FieldType::Double => "FLOAT".to_string(),
        FieldType::Boolean => "BOOLEAN".to_string(),
        FieldType::Date => "DATE".to_string(),
        FieldType::Time => "TIME".to_string(),
        FieldType::Timestamp => "TIMESTAMP_NTZ".to_string(),
        FieldType::Timestamptz => "TIMESTAMP_TZ".to_string(),
        FieldType::Json => "VARIANT".to_string(),
        FieldType::Uuid => "VARCHAR(36)".to_string(),
        FieldType::Binary => "BINARY".to_string(),
        // Snowflake's ARRAY holds VARIANT items: the items' type is not declared.
        FieldType::Array { .. } => "ARRAY".to_string(),
        // Snowflake has no enum types: a string, whose values Snowflake does not check.
        FieldType::Enum { .. } => "VARCHAR".to_string(),
    }
}

/// The type a column of `field_type` is stored as: an enum is an unbounded string.
pub fn stored(field_type: &FieldType) -> FieldType {
    match field_type {
        FieldType::Enum { .. } => FieldType::String { max_length: None },
        other => other.clone(),
    }
}

/// NumberShape is the NUMBER(precision, scale) a type is stored as, when it is one.
fn number_shape(field_type: &FieldType) -> Option<(u32, u32)> {
    match field_type {
        FieldType::Integer => Some((10, 0)),
        FieldType::Bigint => Some((19, 0)),
        FieldType::Decimal { precision, scale } => Some((*precision, *scale)),
        FieldType::String { .. }
        | FieldType::Double
        | FieldType::Boolean
        | FieldType::Date
        | FieldType::Time
        | FieldType::Timestamp
        | FieldType::Timestamptz
        | FieldType::Json
        | FieldType::Uuid
        | FieldType::Binary
        | FieldType::Array { .. }
        | FieldType::Enum { .. } => None,
    }
}

/// True when Snowflake's `ALTER COLUMN ... SET DATA TYPE` can make the change: only a longer
/// VARCHAR (unbounded is the longest) or a NUMBER with more precision and the same scale.
/// Every other change needs a copy of the column.
pub fn alters_in_place(from: &FieldType, to: &FieldType) -> bool {
    match (&stored(from), &stored(to)) {
        (FieldType::String { max_length: a }, FieldType::String { max_length: b }) => {
            match (a, b) {
                (_, None) => true,
                (Some(a), Some(b)) => b >= a,
                (None, Some(_)) => false,
            }
        }
        _ => match (number_shape(from), number_shape(to)) {
            (Some((p1, s1)), Some((p2, s2))) => s1 == s2 && p2 >= p1,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(n: Option<u32>) -> FieldType {
        FieldType::String { max_length: n }
    }

    fn dec(precision: u32, scale: u32) -> FieldType {
        FieldType::Decimal { precision, scale }
    }

    #[test]
    fn maps_every_type() {
        let cases = [
            (string(Some(200)), "VARCHAR(200)"),
            (string(None), "VARCHAR"),
            (FieldType::Integer, "NUMBER(10,0)"),
            (FieldType::Bigint, "NUMBER(19,0)"),
            (dec(6, 2), "NUMBER(6,2)"),
            (FieldType::Double, "FLOAT"),
            (FieldType::Boolean, "BOOLEAN"),
            (FieldType::Date, "DATE"),
            (FieldType::Time, "TIME"),
            (FieldType::Timestamp, "TIMESTAMP_NTZ"),
            (FieldType::Timestamptz, "TIMESTAMP_TZ"),
            (FieldType::Json, "VARIANT"),
            (FieldType::Uuid, "VARCHAR(36)"),
            (FieldType::Binary, "BINARY"),
        ];
        for (t, sql) in cases {
            assert_eq!(sql_type(&t), sql, "{t:?}");
        }
    }

    #[test]
    fn in_place_changes_are_longer_varchar_and_more_number_precision() {
        assert!(alters_in_place(&string(Some(50)), &string(Some(100))));
        assert!(alters_in_place(&string(Some(50)), &string(None)));
        assert!(!alters_in_place(&string(None), &string(Some(50))));
        assert!(alters_in_place(&dec(6, 2), &dec(10, 2)));
        assert!(!alters_in_place(&dec(6, 2), &dec(10, 3)));
        assert!(alters_in_place(&FieldType::Integer, &FieldType::Bigint));
        assert!(alters_in_place(&FieldType::Integer, &dec(12, 0)));
        assert!(!alters_in_place(&FieldType::Integer, &dec(12, 2)));
        assert!(!alters_in_place(&FieldType::Integer, &FieldType::Double));
        assert!(!alters_in_place(
            &FieldType::Timestamp,
            &FieldType::Timestamptz
        ));
    }
}
