//! The scalar readers every part of the properties shares: an object with its allowed keys
//! (refusing secrets and unknown keys), required and optional strings, ARNs, lowercase hex ids
//! and a choice among fixed spellings. Each reports its own problem at the place it reads.

use crate::json::{JsonObject, JsonValue};
use crate::lenient;
use crate::reader::{describe_scalar, Place, Reader};
use crate::rules;

use super::secrets::looks_secret;

/// object reads a JSON object, reporting keys that would hold a secret (never their value) and
/// other unknown keys.
pub(super) fn object<'v, J: JsonValue>(
    r: &mut Reader,
    value: &'v J,
    at: &Place<'_>,
    what: &str,
    allowed: &[&str],
) -> Option<&'v J::Object> {
    let Some(map) = value.as_object() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!("{what} must be a JSON object, not {}", lenient::kind(value)),
        );
        return None;
    };
    for key in map.keys() {
        if allowed.contains(&key) {
            continue;
        }
        if looks_secret(key) {
            r.report(
                &at.key(key),
                rules::SECRET_IN_PROPERTIES,
                format!(
                    "`{key}` in {what} would put a secret in the properties, where CloudFormation, logs and documents can read it: store it in AWS Secrets Manager and give its ARN as `secretArn`"
                ),
            );
        } else {
            r.report(
                &at.key(key),
                rules::UNKNOWN_KEY,
                format!(
                    "unknown key `{key}` in {what}; allowed keys: {}",
                    allowed.join(", ")
                ),
            );
        }
    }
    Some(map)
}

/// required_string reads a required non-empty string.
pub(super) fn required_string<O: JsonObject>(
    r: &mut Reader,
    map: &O,
    at: &Place<'_>,
    key: &str,
    what: &str,
) -> Option<String> {
    r.required(map, at, key, what)
        .and_then(|v| r.non_empty_string(v, &at.key(key), format_args!("`{key}`")))
}

/// optional_string reads an optional non-empty string: `Some(None)` when absent.
pub(super) fn optional_string<O: JsonObject>(
    r: &mut Reader,
    map: &O,
    at: &Place<'_>,
    key: &str,
) -> Option<Option<String>> {
    match map.get(key) {
        None => Some(None),
        Some(v) => r
            .non_empty_string(v, &at.key(key), format_args!("`{key}`"))
            .map(Some),
    }
}

/// optional_arn reads an optional ARN (`arn:...`).
pub(super) fn optional_arn<O: JsonObject>(
    r: &mut Reader,
    map: &O,
    at: &Place<'_>,
    key: &str,
) -> Option<Option<String>> {
    let value = optional_string(r, map, at, key)?;
    match value {
        Some(arn) if !arn.starts_with("arn:") => {
            r.report(
                &at.key(key),
                rules::INVALID_VALUE,
                format!("`{key}` must be an ARN (starting with `arn:`)"),
            );
            None
        }
        other => Some(other),
    }
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// hex_id reads an id of `len` lowercase hex digits.
pub(super) fn hex_id<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    what: &str,
    len: usize,
    example: &str,
) -> Option<String> {
    let s = r.string(value, at, what)?;
    if is_lower_hex(&s, len) {
        Some(s)
    } else {
        r.report(
            at,
            rules::INVALID_VALUE,
            format!(
                "{what} {} must be {len} lowercase hexadecimal characters (e.g. `{example}`)",
                describe_scalar(value)
            ),
        );
        None
    }
}

/// choice reads one of `allowed` (exact spelling), hinting a differently-cased match.
pub(super) fn choice<'a, J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    what: &str,
    allowed: &[&'a str],
) -> Option<&'a str> {
    let s = r.string(value, at, what)?;
    if let Some(hit) = allowed.iter().find(|a| **a == s) {
        return Some(hit);
    }
    let hint = allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(&s))
        .map(|a| format!(" (did you mean `{a}`?)"))
        .unwrap_or_default();
    r.report(
        at,
        rules::INVALID_VALUE,
        format!(
            "{what} {} is not allowed{hint}; allowed: {}",
            describe_scalar(value),
            allowed.join(", ")
        ),
    );
    None
}
