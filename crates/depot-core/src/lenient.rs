//! Lenient scalar reading: CloudFormation passes every scalar property as a string (`"5432"`,
//! `"true"`), so numbers and booleans are accepted in either form.
//!
//! Every reader returns `None` when the value is neither the JSON scalar nor a string spelling
//! of it; callers turn that into a problem that names what was expected ([`kind`] says what was
//! found without echoing the value, which may be a secret).

use crate::json::{JsonValue, View};

/// as_str reads a JSON string. Numbers and booleans are not strings: a name given as `5` is a
/// mistake worth reporting, not something to convert.
pub fn as_str<J: JsonValue>(value: &J) -> Option<&str> {
    value.as_str()
}

/// as_bool reads `true`/`false`, or the strings `"true"`/`"false"` (exact, lowercase: the form
/// CloudFormation produces).
pub fn as_bool<J: JsonValue>(value: &J) -> Option<bool> {
    match value.view() {
        View::Bool(b) => Some(b),
        View::String(s) => match s {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        View::Null | View::Number(_) | View::Array(_) | View::Object(_) => None,
    }
}

/// as_i64 reads an integer: a JSON integer, a JSON float with no fractional part (`5.0`), or a
/// decimal string of an integer (`"5"`, `"-12"`). Surrounding spaces are not accepted.
pub fn as_i64<J: JsonValue>(value: &J) -> Option<i64> {
    match value.view() {
        View::Number(n) => n.as_i64().or_else(|| {
            // `5.0` is the same integer as `5`; only integral floats in range qualify.
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= i64::MIN as f64 && *f < i64::MAX as f64)
                .map(|f| f as i64)
        }),
        View::String(s) => parse_integer(s),
        View::Null | View::Bool(_) | View::Array(_) | View::Object(_) => None,
    }
}

/// as_u64 reads a non-negative integer, in the forms [`as_i64`] accepts (and JSON integers up
/// to `u64::MAX`).
pub fn as_u64<J: JsonValue>(value: &J) -> Option<u64> {
    match value.view() {
        View::Number(n) if n.as_u64().is_some() => n.as_u64(),
        View::String(s) if !s.starts_with('-') => s
            .strip_prefix('+')
            .unwrap_or(s)
            .parse::<u64>()
            .ok()
            .filter(|_| is_integer_text(s)),
        View::Null
        | View::Bool(_)
        | View::Number(_)
        | View::String(_)
        | View::Array(_)
        | View::Object(_) => as_i64(value).and_then(|i| u64::try_from(i).ok()),
    }
}

/// as_u32 reads a non-negative integer that fits 32 bits.
pub fn as_u32<J: JsonValue>(value: &J) -> Option<u32> {
    as_u64(value).and_then(|v| u32::try_from(v).ok())
}

/// as_u16 reads a non-negative integer that fits 16 bits (a port).
pub fn as_u16<J: JsonValue>(value: &J) -> Option<u16> {
    as_u64(value).and_then(|v| u16::try_from(v).ok())
}

/// as_f64 reads a finite number: a JSON number or a numeric string (`"1.5"`, `"2e3"`).
/// `NaN` and infinities are refused in both forms: JSON cannot carry them.
pub fn as_f64<J: JsonValue>(value: &J) -> Option<f64> {
    let f = match value.view() {
        View::Number(n) => n.as_f64()?,
        View::String(s) if is_number_text(s) => s.parse::<f64>().ok()?,
        View::Null | View::Bool(_) | View::String(_) | View::Array(_) | View::Object(_) => {
            return None
        }
    };
    f.is_finite().then_some(f)
}

/// kind names the JSON type of `value` for messages (`a string`, `a number`, ...), never the
/// value itself.
pub fn kind<J: JsonValue>(value: &J) -> &'static str {
    match value.view() {
        View::Null => "null",
        View::Bool(_) => "a boolean",
        View::Number(_) => "a number",
        View::String(_) => "a string",
        View::Array(_) => "an array",
        View::Object(_) => "an object",
    }
}

fn parse_integer(s: &str) -> Option<i64> {
    if is_integer_text(s) {
        s.parse::<i64>().ok()
    } else {
        None
    }
}

/// True for `[+-]?[0-9]+`: Rust's integer parser also takes `+5`, and that is all we want.
fn is_integer_text(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// True for a JSON-like number: digits with an optional sign, fraction and exponent. Rust's
/// float parser also accepts `inf`, `NaN` and `.5`, which no JSON producer writes.
fn is_number_text(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    all_digits(int)
        && frac.into_iter().all(all_digits)
        && exponent
            .into_iter()
            .all(|e| all_digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn booleans_accept_json_and_cloudformation_strings() {
        assert_eq!(as_bool(&json!(true)), Some(true));
        assert_eq!(as_bool(&json!("false")), Some(false));
        assert_eq!(as_bool(&json!("True")), None);
        assert_eq!(as_bool(&json!("yes")), None);
        assert_eq!(as_bool(&json!(1)), None);
        assert_eq!(as_bool(&Value::Null), None);
    }

    #[test]
    fn integers_accept_numbers_integral_floats_and_digit_strings() {
        assert_eq!(as_i64(&json!(5)), Some(5));
        assert_eq!(as_i64(&json!(5.0)), Some(5));
        assert_eq!(as_i64(&json!("5")), Some(5));
        assert_eq!(as_i64(&json!("-12")), Some(-12));
        assert_eq!(as_i64(&json!("+7")), Some(7));
        assert_eq!(as_i64(&json!(5.5)), None);
        assert_eq!(as_i64(&json!("5.5")), None);
        assert_eq!(as_i64(&json!(" 5")), None);
        assert_eq!(as_i64(&json!("")), None);
        assert_eq!(as_i64(&json!("-")), None);
        assert_eq!(as_i64(&json!(true)), None);
    }

    #[test]
    fn unsigned_readers_check_their_range() {
        assert_eq!(as_u16(&json!("5432")), Some(5432));
        assert_eq!(as_u16(&json!(5432)), Some(5432));
        assert_eq!(as_u16(&json!("65536")), None);
        assert_eq!(as_u16(&json!(-1)), None);
        assert_eq!(as_u32(&json!("6")), Some(6));
        assert_eq!(as_u32(&json!("-6")), None);
        assert_eq!(as_u32(&json!(4_294_967_296u64)), None);
        assert_eq!(as_u64(&json!(u64::MAX)), Some(u64::MAX));
        assert_eq!(as_u64(&json!("18446744073709551615")), Some(u64::MAX));
        assert_eq!(as_u64(&json!("+3")), Some(3));
        assert_eq!(as_u64(&json!("3x")), None);
    }

    #[test]
    fn floats_accept_json_number_forms_only() {
        assert_eq!(as_f64(&json!(1.5)), Some(1.5));
        assert_eq!(as_f64(&json!("1.5")), Some(1.5));
        assert_eq!(as_f64(&json!("-2e3")), Some(-2000.0));
        assert_eq!(as_f64(&json!("7")), Some(7.0));
        assert_eq!(as_f64(&json!("NaN")), None);
        assert_eq!(as_f64(&json!("inf")), None);
        assert_eq!(as_f64(&json!(".5")), None);
        assert_eq!(as_f64(&json!("1e999")), None, "overflows to infinity");
        assert_eq!(as_f64(&json!(false)), None);
    }

    #[test]
    fn strings_are_not_converted_from_other_scalars() {
        assert_eq!(as_str(&json!("a")), Some("a"));
        assert_eq!(as_str(&json!(5)), None);
    }

    #[test]
    fn kind_names_the_json_type_without_the_value() {
        assert_eq!(kind(&json!("hunter2")), "a string");
        assert_eq!(kind(&json!([1])), "an array");
        assert_eq!(kind(&json!({})), "an object");
        assert_eq!(kind(&json!(null)), "null");
    }
}
