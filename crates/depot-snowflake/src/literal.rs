//! SQL literals for Snowflake: field defaults (a JSON value of the field's type as a constant)
//! and the string constants Depot writes into its own tables.

use depot_core::FieldType;
use serde_json::Value;

/// The Snowflake constant for `value`, a default of a field of type `field_type`. Err says why
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
        FieldType::String { .. } | FieldType::Uuid | FieldType::Enum { .. } => Ok(quote(text()?)),
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
            // Snowflake spells the special values 'NaN', 'inf' and '-inf' as FLOAT strings.
            match value.as_str() {
                Some("NaN") => Ok("'NaN'::FLOAT".to_string()),
                Some("Infinity") => Ok("'inf'::FLOAT".to_string()),
                Some("-Infinity") => Ok("'-inf'::FLOAT".to_string()),
                Some(_) | None => Err(wrong()),
            }
        }
        FieldType::Boolean => match value.as_bool() {
            Some(true) => Ok("TRUE".to_string()),
            Some(false) => Ok("FALSE".to_string()),
            None => Err(wrong()),
        },
        FieldType::Date => Ok(format!("{}::DATE", quote(text()?))),
        FieldType::Time => Ok(format!("{}::TIME", quote(text()?))),
        FieldType::Timestamp => Ok(format!("{}::TIMESTAMP_NTZ", quote(text()?))),
        FieldType::Timestamptz => Ok(format!("{}::TIMESTAMP_TZ", quote(text()?))),
        FieldType::Json => Ok(format!("PARSE_JSON({})", quote(&value.to_string()))),
        FieldType::Binary => {
            let b64 = text()?;
            if !is_base64(b64) {
                return Err(format!("the default {value} is not base64"));
            }
            Ok(format!("TO_BINARY({}, 'BASE64')", quote(b64)))
        }
        // ARRAY_CONSTRUCT of the items' constants; a JSON null item is a JSON null (a SQL NULL
        // would become `undefined`, which Snowflake leaves out of the array).
        FieldType::Array { items } => {
            let Value::Array(values) = value else {
                return Err(wrong());
            };
            let mut parts = Vec::with_capacity(values.len());
            for item in values {
                parts.push(match item {
                    Value::Null => "PARSE_JSON('null')".to_string(),
                    item => literal(items, item)?,
                });
            }
            Ok(format!("ARRAY_CONSTRUCT({})", parts.join(", ")))
        }
    }
}

/// A Snowflake single-quoted string constant. Snowflake reads backslash escapes inside single
/// quotes (`\n`, `\\`, `\'`), so a backslash is doubled as well as a quote: the constant holds
/// exactly `s`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            other => out.push(other),
        }
    }
    out.push('\'');
    out
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
    s.len().is_multiple_of(4)
        && s.trim_end_matches('=')
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_double_quotes_and_backslashes() {
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(quote(r"C:\dir"), r"'C:\\dir'");
        assert_eq!(quote(r"\'; DROP"), r"'\\''; DROP'");
    }

    #[test]
    fn hostile_strings_read_back_exactly_with_snowflake_escapes() {
        use sqlparser::ast::{Expr, SelectItem, SetExpr, Statement, Value};
        // sqlparser's Snowflake dialect reads `\` escapes inside '...' as Snowflake does.
        for value in [
            "",
            "'",
            "''",
            r"\",
            r"\'",
            r"\\'",
            r"\' ; DROP TABLE victim; --",
            "'; DROP TABLE victim; --",
            "a\nb\r\nc\td",
            r"a\nb\tc\0",
            "é ☃ 𝄞",
            "$$",
            "$$; DROP TABLE victim; $$",
        ] {
            let sql = format!("SELECT {}", quote(value));
            let statements = sqlparser::parser::Parser::parse_sql(
                &sqlparser::dialect::SnowflakeDialect {},
                &sql,
            )
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
            let [Statement::Query(q)] = statements.as_slice() else {
                panic!("{sql}: {statements:?}")
            };
            let SetExpr::Select(s) = q.body.as_ref() else {
                panic!("{sql}")
            };
            let [SelectItem::UnnamedExpr(Expr::Value(v))] = s.projection.as_slice() else {
                panic!("{sql}")
            };
            assert_eq!(
                v.value,
                Value::SingleQuotedString(value.to_string()),
                "{sql}"
            );
        }
    }

    #[test]
    fn defaults_of_every_type() {
        let s = FieldType::String { max_length: None };
        assert_eq!(literal(&s, &json!("a'b")).unwrap(), "'a''b'");
        assert_eq!(literal(&FieldType::Integer, &json!(3)).unwrap(), "3");
        assert!(literal(&FieldType::Integer, &json!(1_i64 << 40)).is_err());
        assert_eq!(
            literal(
                &FieldType::Decimal {
                    precision: 6,
                    scale: 2
                },
                &json!("-1.50")
            )
            .unwrap(),
            "-1.50"
        );
        assert_eq!(
            literal(&FieldType::Boolean, &json!(false)).unwrap(),
            "FALSE"
        );
        assert_eq!(
            literal(&FieldType::Date, &json!("2020-01-01")).unwrap(),
            "'2020-01-01'::DATE"
        );
        assert_eq!(
            literal(&FieldType::Json, &json!({"a": 1})).unwrap(),
            "PARSE_JSON('{\"a\":1}')"
        );
        assert_eq!(
            literal(&FieldType::Binary, &json!("AQ==")).unwrap(),
            "TO_BINARY('AQ==', 'BASE64')"
        );
        assert!(literal(&FieldType::Binary, &json!("not base64!")).is_err());
        assert!(literal(&FieldType::Boolean, &json!("yes")).is_err());
    }

    #[test]
    fn arrays_are_constructed_from_their_items_constants() {
        let tags = FieldType::Array {
            items: Box::new(FieldType::String { max_length: None }),
        };
        assert_eq!(
            literal(&tags, &json!(["a'b", null])).unwrap(),
            "ARRAY_CONSTRUCT('a''b', PARSE_JSON('null'))"
        );
        assert_eq!(literal(&tags, &json!([])).unwrap(), "ARRAY_CONSTRUCT()");
        let dates = FieldType::Array {
            items: Box::new(FieldType::Date),
        };
        assert_eq!(
            literal(&dates, &json!(["2020-01-01"])).unwrap(),
            "ARRAY_CONSTRUCT('2020-01-01'::DATE)"
        );
        let why = literal(&tags, &json!("a")).unwrap_err();
        assert!(why.contains("not a value of type"), "{why}");
        let ints = FieldType::Array {
            items: Box::new(FieldType::Integer),
        };
        assert!(literal(&ints, &json!(["x"])).is_err());
    }
}
