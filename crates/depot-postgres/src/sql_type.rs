//! PostgreSQL column types for Depot's logical field types, and which type changes PostgreSQL
//! does in place (catalog only) rather than by rewriting the table.

use depot_core::FieldType;

/// The PostgreSQL column type of a logical field type.
pub fn sql_type(field_type: &FieldType) -> String {
    match field_type {
        FieldType::String {
            max_length: Some(n),
        } => format!("varchar({n})"),
        FieldType::String { max_length: None } => "text".to_string(),
        FieldType::Integer => "integer".to_string(),
        FieldType::Bigint => "bigint".to_string(),
        FieldType::Decimal { precision, scale } => format!("numeric({precision},{scale})"),
        FieldType::Double => "double precision".to_string(),
        FieldType::Boolean => "boolean".to_string(),
        FieldType::Date => "date".to_string(),
        FieldType::Time => "time".to_string(),
        FieldType::Timestamp => "timestamp".to_string(),
        FieldType::Timestamptz => "timestamptz".to_string(),
        FieldType::Json => "jsonb".to_string(),
        FieldType::Uuid => "uuid".to_string(),
        FieldType::Binary => "bytea".to_string(),
    }
}

/// True when PostgreSQL changes the column type without rewriting the table or rebuilding its
/// indexes: a longer varchar, varchar to text, or a numeric with more precision and the same
/// scale, or timestamp to timestamptz in a UTC session. Every other change rewrites the table
/// under an ACCESS EXCLUSIVE lock.
pub fn alters_in_place(from: &FieldType, to: &FieldType) -> bool {
    match (from, to) {
        (
            FieldType::String {
                max_length: Some(a),
            },
            FieldType::String {
                max_length: Some(b),
            },
        ) => b >= a,
        (FieldType::String { max_length: _ }, FieldType::String { max_length: None }) => true,
        (
            FieldType::Decimal {
                precision: p1,
                scale: s1,
            },
            FieldType::Decimal {
                precision: p2,
                scale: s2,
            },
        ) => s1 == s2 && p2 >= p1,
        // PostgreSQL 12+ skips the rewrite when the session TimeZone is UTC, which Depot's
        // connections always set (see connect.rs): existing values are read as UTC.
        (FieldType::Timestamp, FieldType::Timestamptz) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(n: Option<u32>) -> FieldType {
        FieldType::String { max_length: n }
    }

    #[test]
    fn maps_every_type() {
        let cases = [
            (string(Some(200)), "varchar(200)"),
            (string(None), "text"),
            (FieldType::Integer, "integer"),
            (FieldType::Bigint, "bigint"),
            (
                FieldType::Decimal {
                    precision: 6,
                    scale: 2,
                },
                "numeric(6,2)",
            ),
            (FieldType::Double, "double precision"),
            (FieldType::Boolean, "boolean"),
            (FieldType::Date, "date"),
            (FieldType::Time, "time"),
            (FieldType::Timestamp, "timestamp"),
            (FieldType::Timestamptz, "timestamptz"),
            (FieldType::Json, "jsonb"),
            (FieldType::Uuid, "uuid"),
            (FieldType::Binary, "bytea"),
        ];
        for (t, sql) in cases {
            assert_eq!(sql_type(&t), sql, "{t:?}");
        }
    }

    #[test]
    fn in_place_changes() {
        let dec = |p, s| FieldType::Decimal {
            precision: p,
            scale: s,
        };
        assert!(alters_in_place(&string(Some(50)), &string(Some(100))));
        assert!(alters_in_place(&string(Some(50)), &string(None)));
        assert!(alters_in_place(&dec(6, 2), &dec(10, 2)));
        assert!(!alters_in_place(&dec(6, 2), &dec(10, 3)));
        assert!(!alters_in_place(&FieldType::Integer, &FieldType::Bigint));
        assert!(alters_in_place(
            &FieldType::Timestamp,
            &FieldType::Timestamptz
        ));
        assert!(!alters_in_place(
            &FieldType::Timestamptz,
            &FieldType::Timestamp
        ));
    }
}
