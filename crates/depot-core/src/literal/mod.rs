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

/// canonical_decimal writes `text` (`[+-]digits[.digits][e[+-]digits]`) without superfluous
/// zeros, after checking it fits `decimal(precision, scale)`.
pub fn canonical_decimal(text: &str, precision: u32, scale: u32) -> Result<String, LiteralError> {
    let bad = || LiteralError::NotDecimal(text.to_string());
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => {
            let exp = &body[i + 1..];
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(bad());
            }
            (&body[..i], exp.parse::<i64>().map_err(|_| bad())?)
        }
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty()
        || !digits_ok(int)
        || !digits_ok(frac)
        || (mantissa.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    // Shift the decimal point by the exponent over the digit string.
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 + exponent;
    let (int_part, frac_part) = if point <= 0 {
        (
            String::new(),
            format!("{}{digits}", "0".repeat((-point) as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        (
            digits[..point as usize].to_string(),
            digits[point as usize..].to_string(),
        )
    };
    let int_part = int_part.trim_start_matches('0');
    let frac_part = frac_part.trim_end_matches('0');
    if frac_part.len() > scale as usize {
        return Err(LiteralError::DecimalScale {
            text: text.to_string(),
            digits: frac_part.len(),
            precision,
            scale,
        });
    }
    let int_max = (precision - scale.min(precision)) as usize;
    if int_part.len() > int_max {
        return Err(LiteralError::DecimalPrecision {
            text: text.to_string(),
            digits: int_part.len(),
            precision,
            scale,
            keeps: int_max,
        });
    }
    let mut out = String::new();
    if negative && !(int_part.is_empty() && frac_part.is_empty()) {
        out.push('-');
    }
    out.push_str(if int_part.is_empty() { "0" } else { int_part });
    if !frac_part.is_empty() {
        out.push('.');
        out.push_str(frac_part);
    }
    Ok(out)
}

/// Date is a calendar date of years 1..=9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Date {
    year: i64,
    month: i64,
    day: i64,
}

/// Time is a time of day with up to microseconds (the precision both engines keep).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Time {
    hour: i64,
    minute: i64,
    second: i64,
    /// Fraction digits without trailing zeros (`"5"` for `.500`).
    fraction: String,
}

impl std::fmt::Display for Time {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}:{:02}", self.hour, self.minute, self.second)?;
        if !self.fraction.is_empty() {
            write!(f, ".{}", self.fraction)?;
        }
        Ok(())
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn fixed_digits(s: &str) -> Option<i64> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

fn parse_date(s: &str) -> Result<Date, LiteralError> {
    let bad = || LiteralError::NotDate(s.to_string());
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let year = fixed_digits(&s[0..4]).ok_or_else(bad)?;
    let month = fixed_digits(&s[5..7]).ok_or_else(bad)?;
    let day = fixed_digits(&s[8..10]).ok_or_else(bad)?;
    if year < 1 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(LiteralError::NotCalendarDate(s.to_string()));
    }
    Ok(Date { year, month, day })
}

fn parse_time(s: &str) -> Result<Time, LiteralError> {
    let bad = || LiteralError::NotTime(s.to_string());
    let (hms, fraction) = match s.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (s, None),
    };
    let b = hms.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return Err(bad());
    }
    let hour = fixed_digits(&hms[0..2]).ok_or_else(bad)?;
    let minute = fixed_digits(&hms[3..5]).ok_or_else(bad)?;
    let second = fixed_digits(&hms[6..8]).ok_or_else(bad)?;
    if hour > 23 || minute > 59 || second > 59 {
        return Err(LiteralError::NotTimeOfDay(s.to_string()));
    }
    let fraction = match fraction {
        None => String::new(),
        Some(f) if !f.is_empty() && f.len() <= 6 && f.bytes().all(|b| b.is_ascii_digit()) => {
            f.trim_end_matches('0').to_string()
        }
        Some(_) => return Err(LiteralError::Fraction(s.to_string())),
    };
    Ok(Time {
        hour,
        minute,
        second,
        fraction,
    })
}

/// split_timestamp reads `date[T ]time[zone]`; zone is the offset in minutes (`Z` = 0).
fn split_timestamp(s: &str) -> Result<(Date, Time, Option<i64>), LiteralError> {
    let bad = || LiteralError::NotTimestamp(s.to_string());
    if s.len() < 19 || !s.is_char_boundary(10) || !s.is_char_boundary(11) {
        return Err(bad());
    }
    let date = parse_date(&s[..10])?;
    if !matches!(s.as_bytes()[10], b'T' | b't' | b' ') {
        return Err(bad());
    }
    let rest = &s[11..];
    let (time_text, zone) = if let Some(t) = rest.strip_suffix(['Z', 'z']) {
        (t, Some(0))
    } else if let Some(i) = rest.rfind(['+', '-']) {
        (
            &rest[..i],
            Some(parse_offset(&rest[i..]).ok_or_else(|| LiteralError::Offset(s.to_string()))?),
        )
    } else {
        (rest, None)
    };
    let time = parse_time(time_text)?;
    Ok((date, time, zone))
}

/// parse_offset reads `±HH:MM`, `±HHMM` or `±HH` as minutes east of UTC.
fn parse_offset(s: &str) -> Option<i64> {
    let sign = if s.starts_with('-') { -1 } else { 1 };
    // Only ASCII is sliced by byte below: a full-width digit would cut a character in two.
    let body = s.get(1..).filter(|b| b.is_ascii())?;
    let (h, m) = match body.len() {
        2 => (body, "00"),
        4 => (&body[..2], &body[2..]),
        5 if body.as_bytes()[2] == b':' => (&body[..2], &body[3..]),
        _ => return None,
    };
    let (h, m) = (fixed_digits(h)?, fixed_digits(m)?);
    (h <= 15 && m <= 59).then_some(sign * (h * 60 + m))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(d: Date) -> i64 {
    let y = if d.month <= 2 { d.year - 1 } else { d.year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (d.month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d.day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date { year, month, day }
}

fn to_utc(date: Date, time: Time, offset_minutes: i64) -> Result<String, LiteralError> {
    let minutes = days_from_civil(date) * 1440 + time.hour * 60 + time.minute - offset_minutes;
    let day = civil_from_days(minutes.div_euclid(1440));
    let of_day = minutes.rem_euclid(1440);
    if !(1..=9999).contains(&day.year) {
        return Err(LiteralError::OutOfYears(format!("{date}T{time}")));
    }
    let utc = Time {
        hour: of_day / 60,
        minute: of_day % 60,
        ..time
    };
    Ok(format!("{day}T{utc}Z"))
}

fn canonical_uuid(s: &str) -> Result<String, LiteralError> {
    let b = s.as_bytes();
    let ok = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(LiteralError::NotUuid(s.to_string()))
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// base64_decode reads standard base64, padded or not. Stray bits in the last character are
/// ignored: re-encoding gives the one canonical spelling.
fn base64_decode(s: &str) -> Result<Vec<u8>, LiteralError> {
    let body = s.trim_end_matches('=');
    let padding = s.len() - body.len();
    if padding > 2 || (padding > 0 && !s.len().is_multiple_of(4)) || body.len() % 4 == 1 {
        return Err(LiteralError::Base64Padding);
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in body.bytes() {
        let v = BASE64
            .iter()
            .position(|&x| x == c)
            .ok_or(LiteralError::Base64Alphabet)?;
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn norm(t: FieldType, v: Value) -> Result<Value, String> {
        normalize(&t, &v).map_err(|e| e.to_string())
    }

    const DEC: FieldType = FieldType::Decimal {
        precision: 6,
        scale: 2,
    };

    #[test]
    fn numbers_accept_string_forms_and_normalize_to_one_json_form() {
        assert_eq!(norm(FieldType::Integer, json!("5")), Ok(json!(5)));
        assert_eq!(norm(FieldType::Integer, json!(5.0)), Ok(json!(5)));
        assert!(norm(FieldType::Integer, json!(2_147_483_648i64))
            .unwrap_err()
            .contains("32-bit"));
        assert_eq!(
            norm(FieldType::Bigint, json!("2147483648")),
            Ok(json!(2_147_483_648i64))
        );
        assert_eq!(
            norm(FieldType::Double, json!(5)),
            norm(FieldType::Double, json!("5.0"))
        );
        assert_eq!(norm(FieldType::Double, json!("1.5")), Ok(json!(1.5)));
        assert!(norm(FieldType::Double, json!("abc")).is_err());
        assert_eq!(norm(FieldType::Boolean, json!("true")), Ok(json!(true)));
        assert!(norm(FieldType::Boolean, json!(1))
            .unwrap_err()
            .contains("true or false"));
    }

    #[test]
    fn decimals_become_canonical_strings_within_precision_and_scale() {
        for (input, out) in [
            (json!("12.50"), "12.5"),
            (json!(12.5), "12.5"),
            (json!("0012.5"), "12.5"),
            (json!("1.25e1"), "12.5"),
            (json!("1250E-2"), "12.5"),
            (json!("-0.00"), "0"),
            (json!("+3"), "3"),
            (json!("0.5e0"), "0.5"),
            (json!(-1), "-1"),
            (json!("9999.99"), "9999.99"),
        ] {
            assert_eq!(norm(DEC, input.clone()), Ok(json!(out)), "{input}");
        }
        assert!(norm(DEC, json!("10000")).unwrap_err().contains("4"));
        assert!(norm(DEC, json!("1.234"))
            .unwrap_err()
            .contains("after the point"));
        for bad in ["", "1.", ".5", "1e", "1e99999", "abc", "1,5", "--1"] {
            assert!(norm(DEC, json!(bad)).is_err(), "{bad}");
        }
        assert!(norm(DEC, json!(true)).is_err());
    }

    #[test]
    fn dates_and_times_are_validated_and_normalized() {
        assert_eq!(
            norm(FieldType::Date, json!("2024-02-29")),
            Ok(json!("2024-02-29"))
        );
        assert!(norm(FieldType::Date, json!("2023-02-29"))
            .unwrap_err()
            .contains("calendar"));
        assert!(norm(FieldType::Date, json!("2023-2-9")).is_err());
        assert_eq!(
            norm(FieldType::Time, json!("08:30:00.500")),
            Ok(json!("08:30:00.5"))
        );
        assert_eq!(
            norm(FieldType::Time, json!("08:30:00.000")),
            Ok(json!("08:30:00"))
        );
        assert!(norm(FieldType::Time, json!("24:00:00")).is_err());
        assert!(norm(FieldType::Time, json!("08:30:00.1234567"))
            .unwrap_err()
            .contains("microseconds"));
        assert_eq!(
            norm(FieldType::Timestamp, json!("2025-04-28 08:31:33.810")),
            Ok(json!("2025-04-28T08:31:33.81"))
        );
        assert!(norm(FieldType::Timestamp, json!("2025-04-28T08:31:33Z"))
            .unwrap_err()
            .contains("timestamptz"));
    }

    #[test]
    fn timestamptz_values_of_the_same_instant_normalize_to_the_same_utc_text() {
        let a = norm(FieldType::Timestamptz, json!("2025-01-01T00:30:00+01:00")).unwrap();
        let b = norm(FieldType::Timestamptz, json!("2024-12-31T23:30:00Z")).unwrap();
        let c = norm(FieldType::Timestamptz, json!("2024-12-31T18:00:00-0530")).unwrap();
        assert_eq!(a, json!("2024-12-31T23:30:00Z"));
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(
            norm(FieldType::Timestamptz, json!("2024-02-28T23:00:00.25-02")),
            Ok(json!("2024-02-29T01:00:00.25Z"))
        );
        assert!(norm(FieldType::Timestamptz, json!("2025-01-01T00:00:00"))
            .unwrap_err()
            .contains("no time zone"));
        assert!(norm(FieldType::Timestamptz, json!("2025-01-01T00:00:00+1:00")).is_err());
        // Non-ASCII in the offset is refused, not sliced through (it used to panic).
        for offset in [
            "+０1:00",
            "+０0",
            "+0０",
            "-０１００",
            "+é",
            "+01:０0",
            "+٠١:٠٠",
        ] {
            let text = format!("2024-01-01T00:00:00{offset}");
            let err = norm(FieldType::Timestamptz, json!(text)).unwrap_err();
            assert!(err.to_string().contains("offset"), "{text}: {err}");
        }
    }

    #[test]
    fn civil_day_conversion_round_trips() {
        for days in [-719_162, -1, 0, 59, 60, 11_016, 2_932_896] {
            assert_eq!(days_from_civil(civil_from_days(days)), days);
        }
        assert_eq!(civil_from_days(0).to_string(), "1970-01-01");
        assert_eq!(civil_from_days(11_016).to_string(), "2000-02-29");
    }

    #[test]
    fn uuids_are_lowercased_and_checked() {
        assert_eq!(
            norm(
                FieldType::Uuid,
                json!("7F1C0A52-8F3E-4D7E-9A51-2B1B3C7F0D11")
            ),
            Ok(json!("7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11"))
        );
        assert!(norm(FieldType::Uuid, json!("7f1c0a528f3e4d7e9a512b1b3c7f0d11")).is_err());
        assert!(norm(
            FieldType::Uuid,
            json!("7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d1g")
        )
        .is_err());
    }

    #[test]
    fn binary_is_canonical_padded_base64() {
        assert_eq!(
            norm(FieldType::Binary, json!("aGVsbG8=")),
            Ok(json!("aGVsbG8="))
        );
        assert_eq!(
            norm(FieldType::Binary, json!("aGVsbG8")),
            Ok(json!("aGVsbG8="))
        );
        assert_eq!(norm(FieldType::Binary, json!("")), Ok(json!("")));
        assert_eq!(
            norm(FieldType::Binary, json!("QR==")),
            norm(FieldType::Binary, json!("QQ=="))
        );
        assert_eq!(base64_decode("aGVsbG8gd29ybGQ=").unwrap(), b"hello world");
        for bad in ["a", "a===", "aGV*", "aGVsbG8==="] {
            assert!(norm(FieldType::Binary, json!(bad)).is_err(), "{bad}");
        }
        for len in 0..8 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 200) as u8).collect();
            assert_eq!(base64_decode(&base64_encode(&bytes)).unwrap(), bytes);
        }
    }

    #[test]
    fn strings_respect_max_length_in_characters() {
        let t = FieldType::String {
            max_length: Some(3),
        };
        assert_eq!(norm(t.clone(), json!("äöü")), Ok(json!("äöü")));
        assert!(norm(t.clone(), json!("abcd"))
            .unwrap_err()
            .contains("maxLength 3"));
        assert!(norm(t, json!(5)).unwrap_err().contains("expected a string"));
    }

    #[test]
    fn json_accepts_any_value_but_null_is_left_to_the_caller() {
        assert_eq!(
            norm(FieldType::Json, json!({"a": [1]})),
            Ok(json!({"a": [1]}))
        );
        assert!(norm(FieldType::Json, Value::Null).is_err());
    }
}
