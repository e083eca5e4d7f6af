//! Literals: checking and normalizing a JSON value as a value of a field type (defaults and seed
//! rows), so that the same logical value always has the same JSON form and the same hash.
//!
//! Normal forms:
//! - `integer`, `bigint`: a JSON integer (`"5"` and `5.0` become `5`).
//! - `double`: a JSON float (`5` and `"5"` become `5.0`).
//! - `decimal`: a string without superfluous zeros (`"012.50"`, `12.5`, `"1.25e1"` -> `"12.5"`),
//!   so no digit is lost to binary floating point.
//! - `boolean`: a JSON boolean.
//! - `date` `YYYY-MM-DD`; `time` `HH:MM:SS[.ffffff]` (trailing fraction zeros dropped);
//!   `timestamp` `YYYY-MM-DDTHH:MM:SS[.ffffff]`; `timestamptz` the same instant in UTC with `Z`.
//! - `uuid`: lowercase hyphenated. `binary`: padded standard base64. `json`: the value itself.
//! - `string`: the string itself (within `maxLength` characters).

use serde_json::{Number, Value};

use crate::field_type::FieldType;
use crate::json::{JsonValue, View};
use crate::lenient;

/// LiteralError: why a JSON value is not a literal of a field type (without location: the
/// caller adds it). The value is quoted as written, so a person finds it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiteralError {
    #[error("null is not a {type_name} value")]
    Null { type_name: String },
    #[error("expected {form} for a {type_name} field, found {found}")]
    WrongKind {
        form: &'static str,
        type_name: String,
        found: &'static str,
    },
    #[error("the string has {chars} characters, more than maxLength {max}")]
    TooLong { chars: usize, max: u32 },
    #[error("{0} is outside the 32-bit integer range")]
    IntegerRange(i64),
    #[error("`{0}` is not a decimal number")]
    NotDecimal(String),
    #[error(
        "`{text}` has {digits} digits after the point; decimal({precision},{scale}) keeps {scale}"
    )]
    DecimalScale {
        text: String,
        digits: usize,
        precision: u32,
        scale: u32,
    },
    #[error(
        "`{text}` has {digits} digits before the point; decimal({precision},{scale}) keeps {keeps}"
    )]
    DecimalPrecision {
        text: String,
        digits: usize,
        precision: u32,
        scale: u32,
        keeps: usize,
    },
    #[error("`{0}` is not a date: expected YYYY-MM-DD")]
    NotDate(String),
    #[error("`{0}` is not a calendar date")]
    NotCalendarDate(String),
    #[error("`{0}` is not a time: expected HH:MM:SS with an optional .fraction")]
    NotTime(String),
    #[error("`{0}` is not a time of day (00:00:00 to 23:59:59)")]
    NotTimeOfDay(String),
    #[error("`{0}` has a fraction of a second that is not 1 to 6 digits (microseconds)")]
    Fraction(String),
    #[error("`{0}` is not a timestamp: expected YYYY-MM-DDTHH:MM:SS[.ffffff]")]
    NotTimestamp(String),
    #[error("`{0}` has an offset that is not ±HH:MM")]
    Offset(String),
    #[error(
        "`{0}` has a time zone, but a timestamp field has none: drop the offset or use timestamptz"
    )]
    UnexpectedZone(String),
    #[error("`{0}` has no time zone: add `Z` or an offset such as `+01:00`")]
    MissingZone(String),
    #[error("{0} is outside years 1 to 9999 in UTC")]
    OutOfYears(String),
    #[error("`{0}` is not a UUID: expected 8-4-4-4-12 hexadecimal digits")]
    NotUuid(String),
    #[error("the value is not base64 (standard alphabet, `=` padding)")]
    Base64Padding,
    #[error("the value is not base64 (standard alphabet A-Z a-z 0-9 + /, `=` padding)")]
    Base64Alphabet,
}

/// normalize checks that `value` is a literal of `field_type` and returns its normal form, or a
/// message saying what is wrong (without location: the caller adds it). `null` is refused here:
/// callers decide what a null means where they allow one.
pub fn normalize<J: JsonValue>(field_type: &FieldType, value: &J) -> Result<Value, LiteralError> {
    if value.is_null() {
        return Err(LiteralError::Null {
            type_name: field_type.describe(),
        });
    }
    let expected = |form: &'static str| LiteralError::WrongKind {
        form,
        type_name: field_type.describe(),
        found: lenient::kind(value),
    };
    match field_type {
        FieldType::String { max_length } => {
            let s = value.as_str().ok_or_else(|| expected("a string"))?;
            let chars = s.chars().count();
            match max_length {
                Some(max) if chars > *max as usize => {
                    Err(LiteralError::TooLong { chars, max: *max })
                }
                _ => Ok(Value::from(s)),
            }
        }
        // Membership in the enum is checked once the package's enums are known.
        FieldType::Enum { .. } => {
            let s = value.as_str().ok_or_else(|| expected("a string"))?;
            Ok(Value::from(s))
        }
        FieldType::Integer => {
            let n = lenient::as_i64(value).ok_or_else(|| expected("an integer"))?;
            i32::try_from(n)
                .map(Value::from)
                .map_err(|_| LiteralError::IntegerRange(n))
        }
        FieldType::Bigint => lenient::as_i64(value)
            .map(Value::from)
            .ok_or_else(|| expected("a 64-bit integer")),
        FieldType::Double => {
            let f = lenient::as_f64(value).ok_or_else(|| expected("a finite number"))?;
            Number::from_f64(f)
                .map(Value::Number)
                .ok_or_else(|| expected("a finite number"))
        }
        FieldType::Decimal { precision, scale } => {
            let text = match value.view() {
                View::String(s) => s.to_string(),
                View::Number(n) => n.to_string(),
                View::Null | View::Bool(_) | View::Array(_) | View::Object(_) => {
                    return Err(expected("a decimal number (a number or a numeric string)"))
                }
            };
            canonical_decimal(&text, *precision, *scale).map(Value::String)
        }
        FieldType::Boolean => lenient::as_bool(value)
            .map(Value::Bool)
            .ok_or_else(|| expected("true or false")),
        FieldType::Date => {
            let s = value
                .as_str()
                .ok_or_else(|| expected("a YYYY-MM-DD string"))?;
            parse_date(s).map(|_| Value::from(s))
        }
        FieldType::Time => {
            let s = value
                .as_str()
                .ok_or_else(|| expected("an HH:MM:SS string"))?;
            parse_time(s).map(|t| Value::from(t.to_string()))
        }
        FieldType::Timestamp => {
            let s = value
                .as_str()
                .ok_or_else(|| expected("a YYYY-MM-DDTHH:MM:SS string"))?;
            let (date, time, zone) = split_timestamp(s)?;
            if zone.is_some() {
                return Err(LiteralError::UnexpectedZone(s.to_string()));
            }
            Ok(Value::from(format!("{date}T{time}")))
        }
        FieldType::Timestamptz => {
            let s = value
                .as_str()
                .ok_or_else(|| expected("a YYYY-MM-DDTHH:MM:SS+HH:MM string"))?;
            let (date, time, zone) = split_timestamp(s)?;
            let offset = zone.ok_or_else(|| LiteralError::MissingZone(s.to_string()))?;
            to_utc(date, time, offset).map(Value::from)
        }
        FieldType::Uuid => {
            let s = value.as_str().ok_or_else(|| expected("a UUID string"))?;
            canonical_uuid(s).map(Value::from)
        }
        FieldType::Binary => {
            let s = value.as_str().ok_or_else(|| expected("a base64 string"))?;
            let bytes = base64_decode(s)?;
            Ok(Value::from(base64_encode(&bytes)))
        }
        FieldType::Json => Ok(value.to_value()),
        // Each item a literal of the items' type; a null item is refused like a null value.
        FieldType::Array { items } => {
            let values = value.as_array().ok_or_else(|| expected("an array"))?;
            values
                .iter()
                .map(|v| normalize(items, v))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
    }
}

mod base64;
mod datetime;
mod decimal;
mod uuid;

use base64::{base64_decode, base64_encode};
use datetime::{parse_date, parse_time, split_timestamp, to_utc};
pub use decimal::canonical_decimal;
use uuid::canonical_uuid;

#[cfg(test)]
mod tests;
