//! SQL literals for field defaults: a JSON value of the field's type as a PostgreSQL constant.

use depot_core::FieldType;
use serde_json::Value;

/// The PostgreSQL constant for `value`, a default of a field of type `field_type`. Err says why
/// the value does not fit the type.
pub fn literal(field_type: &FieldType, value: &Value) -> Result<String, String> {
    let wrong = || {
        format!(
            "the default {value} is not a value of type {}",
            field_type.describe()
        )
    };
    let text = || value.as_str().ok_or_else(wrong);
    match field_type {
        FieldType::String { .. } => quote(text()?),
        FieldType::Integer => match value.as_i64() {
            Some(n) if i32::try_from(n).is_ok() => Ok(n.to_string()),
            Some(_) | None => Err(wrong()),
        },
        FieldType::Bigint => value.as_i64().map(|n| n.to_string()).ok_or_else(wrong),
        FieldType::Decimal { .. } => {
            if value.is_number() {
                return Ok(value.to_string());
            }
            value
                .as_str()
                .filter(|s| is_decimal_text(s))
                .map(str::to_string)
                .ok_or_else(wrong)
        }
        FieldType::Double => {
            if value.is_number() {
                return Ok(value.to_string());
            }
            value
                .as_str()
                .filter(|s| ["NaN", "Infinity", "-Infinity"].contains(s))
                .map(|s| format!("'{s}'::double precision"))
                .ok_or_else(wrong)
        }
        FieldType::Boolean => match value.as_bool() {
            Some(true) => Ok("TRUE".to_string()),
            Some(false) => Ok("FALSE".to_string()),
            None => Err(wrong()),
        },
        FieldType::Date => Ok(format!("{}::date", quote(text()?)?)),
        FieldType::Time => Ok(format!("{}::time", quote(text()?)?)),
        FieldType::Timestamp => Ok(format!("{}::timestamp", quote(text()?)?)),
        FieldType::Timestamptz => Ok(format!("{}::timestamptz", quote(text()?)?)),
        FieldType::Json => Ok(format!("{}::jsonb", quote(&value.to_string())?)),
        FieldType::Uuid => Ok(format!("{}::uuid", quote(text()?)?)),
        FieldType::Enum { .. } => Ok(format!(
            "{}::{}",
            quote(text()?)?,
            crate::sql_type::sql_type(field_type)
        )),
        FieldType::Binary => {
            let b64 = text()?;
            if !is_base64(b64) {
                return Err(format!("the default {value} is not base64"));
            }
            Ok(format!("decode({}, 'base64')", quote(b64)?))
        }
        // ARRAY[...] of the items' literals, cast to the column's type (an empty ARRAY[] needs
        // the cast to have a type at all).
        FieldType::Array { items } => {
            let values = value.as_array().ok_or_else(wrong)?;
            let items = values
                .iter()
                .map(|v| literal(items, v))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(format!(
                "ARRAY[{}]::{}",
                items.join(", "),
                crate::sql_type::sql_type(field_type)
            ))
        }
    }
}

/// A standard SQL string constant holding exactly `s`: `'` doubled, nothing else escaped. This
/// is Depot's one escaping of PostgreSQL string constants (defaults, seed values, view SQL).
///
/// It relies on `standard_conforming_strings = on`, which every Depot session sets: with it off,
/// PostgreSQL reads backslashes in `'...'` as escapes and `'\'` would not end where this
/// function means it to. A NUL cannot be held by PostgreSQL text and is refused, not truncated.
pub fn quote(s: &str) -> Result<String, String> {
    if s.contains('\0') {
        return Err("PostgreSQL text cannot hold the NUL character".to_string());
    }
    Ok(format!("'{}'", s.replace('\'', "''")))
}

/// `-12.50`, `3`, `.5`: a plain decimal number, safe to write bare.
fn is_decimal_text(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    !(int.is_empty() && frac.is_empty())
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit())
}

fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len().is_multiple_of(4)
        && s.len() - body.len() <= 2
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lit(t: FieldType, v: Value) -> String {
        literal(&t, &v).unwrap()
    }

    #[test]
    fn renders_each_type() {
        assert_eq!(
            lit(FieldType::String { max_length: None }, json!("it's")),
            "'it''s'"
        );
        assert_eq!(lit(FieldType::Integer, json!(-5)), "-5");
        assert_eq!(
            lit(FieldType::Bigint, json!(9_000_000_000i64)),
            "9000000000"
        );
        let dec = FieldType::Decimal {
            precision: 6,
            scale: 2,
        };
        assert_eq!(lit(dec.clone(), json!(12.5)), "12.5");
        assert_eq!(lit(dec, json!("-12.50")), "-12.50");
        assert_eq!(lit(FieldType::Double, json!(1.5)), "1.5");
        assert_eq!(lit(FieldType::Boolean, json!(false)), "FALSE");
        assert_eq!(lit(FieldType::Boolean, json!(true)), "TRUE");
        assert_eq!(
            lit(FieldType::Date, json!("2024-02-29")),
            "'2024-02-29'::date"
        );
        assert_eq!(lit(FieldType::Time, json!("08:30:00")), "'08:30:00'::time");
        assert_eq!(
            lit(FieldType::Timestamp, json!("2024-02-29T08:30:00")),
            "'2024-02-29T08:30:00'::timestamp"
        );
        assert_eq!(
            lit(FieldType::Timestamptz, json!("2024-02-29T08:30:00Z")),
            "'2024-02-29T08:30:00Z'::timestamptz"
        );
        assert_eq!(
            lit(FieldType::Json, json!({"a": "it's"})),
            r#"'{"a":"it''s"}'::jsonb"#
        );
        assert_eq!(
            lit(
                FieldType::Uuid,
                json!("7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11")
            ),
            "'7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11'::uuid"
        );
        assert_eq!(
            lit(FieldType::Binary, json!("aGk=")),
            "decode('aGk=', 'base64')"
        );
    }

    #[test]
    fn quote_doubles_quotes_only_and_refuses_nul() {
        for (value, want) in [
            ("", "''"),
            ("'", "''''"),
            (r"\", r"'\'"),
            (r"\'", r"'\'''"),
            (
                r"\' ; DROP TABLE victim; --",
                r"'\'' ; DROP TABLE victim; --'",
            ),
            ("a\nb", "'a\nb'"),
            ("é☃", "'é☃'"),
            ("$$x$$", "'$$x$$'"),
        ] {
            assert_eq!(quote(value).unwrap(), want, "{value:?}");
        }
        assert!(quote("a\0b").unwrap_err().contains("NUL"));
        assert!(literal(&FieldType::String { max_length: None }, &json!("a\u{0}")).is_err());
    }

    #[test]
    fn refuses_values_of_the_wrong_type() {
        assert!(literal(&FieldType::Integer, &json!(3_000_000_000i64)).is_err());
        assert!(literal(&FieldType::Integer, &json!(1.5)).is_err());
        assert!(literal(&FieldType::Boolean, &json!("true")).is_err());
        assert!(literal(&FieldType::Binary, &json!("not base64!")).is_err());
        assert!(literal(
            &FieldType::Decimal {
                precision: 6,
                scale: 2
            },
            &json!("1; DROP TABLE x")
        )
        .is_err());
        assert!(literal(&FieldType::String { max_length: None }, &json!("a\u{0}b")).is_err());
    }
}
