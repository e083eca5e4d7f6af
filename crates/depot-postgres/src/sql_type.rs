//! PostgreSQL column types for Depot's logical field types, and which type changes PostgreSQL
//! does in place (catalog only) rather than by rewriting the table.

use depot_core::FieldType;

/// The PostgreSQL column type of a logical field type.
pub fn sql_type(field_type: &FieldType) -> String {
    let mut out = String::with_capacity(16);
    push_sql_type(&mut out, field_type);
    out
}

/// Appends [`sql_type`]`(field_type)` to `out`.
pub fn push_sql_type(out: &mut String, field_type: &FieldType) {
    match field_type {
        FieldType::String {
            max_length: Some(n),
        } => {
            out.push_str("varchar(");
            push_number(out, *n);
            out.push(')');
        }
        FieldType::Decimal { precision, scale } => {
            out.push_str("numeric(");
            push_number(out, *precision);
            out.push(',');
            push_number(out, *scale);
            out.push(')');
        }
        FieldType::String { max_length: None } => out.push_str("text"),
        FieldType::Integer => out.push_str("integer"),
        FieldType::Bigint => out.push_str("bigint"),
        FieldType::Double => out.push_str("double precision"),
        FieldType::Boolean => out.push_str("boolean"),
        FieldType::Date => out.push_str("date"),
        FieldType::Time => out.push_str("time"),
        FieldType::Timestamp => out.push_str("timestamp"),
        FieldType::Timestamptz => out.push_str("timestamptz"),
        FieldType::Json => out.push_str("jsonb"),
        FieldType::Uuid => out.push_str("uuid"),
        FieldType::Binary => out.push_str("bytea"),
        FieldType::Array { items } => {
            push_sql_type(out, items);
            out.push_str("[]");
        }
        // The enum type, qualified by the namespace it lives in (a session's search_path
        // does not hold the dataset's namespace).
        FieldType::Enum { name, namespace } => {
            if let Some(namespace) = namespace {
                crate::dialect::push_quoted_ident(out, namespace);
                out.push('.');
            }
            crate::dialect::push_quoted_ident(out, name);
        }
    }
}

/// Appends `n` in decimal, as `n.to_string()` writes it, without the formatting machinery.
fn push_number(out: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
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
    fn numbers_are_written_as_to_string_does() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            12345,
            999_999_999,
            1_000_000_000,
            u32::MAX,
        ] {
            let mut out = String::from("x");
            push_number(&mut out, n);
            assert_eq!(out, format!("x{n}"));
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
