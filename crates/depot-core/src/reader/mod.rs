//! Reader: walks raw JSON input and collects every problem with its location, so that parsing
//! goes on after the first mistake and a person fixes everything in one pass.
//!
//! Locations are [`Place`]s while reading: a chain of borrowed steps that costs nothing until a
//! problem is recorded, when it becomes a JSON path. Messages that say what was expected
//! (`what`) are `Display` values (usually `format_args!`), formatted only on a problem too.

use std::fmt::Display;

use serde_json::Value;

use crate::json::{JsonObject, JsonValue, View};
use crate::lenient;
use crate::problem::{Problem, Problems};
use crate::rules;

mod location;

pub use location::{At, Place};

/// Reader collects problems while typed accessors read the input.
#[derive(Debug, Default)]
pub struct Reader {
    pub problems: Vec<Problem>,
}

impl Reader {
    /// report records a problem at `at`.
    pub fn report(&mut self, at: &Place<'_>, rule: &'static str, message: impl Into<String>) {
        self.problems.push(at.problem(rule, message));
    }

    /// finish gives `value` when nothing was reported, else every problem.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Problems> {
        match value {
            Some(v) if self.problems.is_empty() => Ok(v),
            // A missing value always comes with a reported problem; the fallback only guards
            // against a parser bug turning into a silent success.
            _ if self.problems.is_empty() => Err(Problems(vec![At::root().problem(
                rules::INVALID_VALUE,
                "the input could not be read (no problem was recorded: please report this)",
            )])),
            _ => Err(Problems(self.problems)),
        }
    }

    /// object reads a JSON object whose keys must be among `allowed` (others are reported).
    pub fn object<'v, J: JsonValue>(
        &mut self,
        value: &'v J,
        at: &Place<'_>,
        what: impl Display,
        allowed: &[&str],
    ) -> Option<&'v J::Object> {
        let Some(map) = value.as_object() else {
            self.report(
                at,
                rules::WRONG_JSON_TYPE,
                format!("{what} must be a JSON object, not {}", lenient::kind(value)),
            );
            return None;
        };
        self.unknown_keys(map, at, what, allowed);
        Some(map)
    }

    /// members reads a JSON object whose keys must be among `keys` (others are reported, as
    /// [`Reader::object`] does) and gives the value of each of `keys`, in their order: one pass
    /// over the object instead of a lookup per key.
    pub fn members<'v, J: JsonValue, const N: usize>(
        &mut self,
        value: &'v J,
        at: &Place<'_>,
        what: impl Display,
        keys: &[&str; N],
    ) -> Option<[Option<&'v J>; N]> {
        let Some(map) = value.as_object() else {
            self.report(
                at,
                rules::WRONG_JSON_TYPE,
                format!("{what} must be a JSON object, not {}", lenient::kind(value)),
            );
            return None;
        };
        Some(self.member_values(map, at, what, keys))
    }

    /// member_values is [`Reader::members`] of an object already read.
    pub fn member_values<'v, O: JsonObject, const N: usize>(
        &mut self,
        map: &'v O,
        at: &Place<'_>,
        what: impl Display,
        keys: &[&str; N],
    ) -> [Option<&'v O::Value>; N] {
        let mut values = [None; N];
        for (key, value) in map.members() {
            match keys.iter().position(|k| *k == key) {
                Some(i) => values[i] = Some(value),
                None => self.report(
                    &at.key(key),
                    rules::UNKNOWN_KEY,
                    format!(
                        "unknown key `{key}` in {what}; allowed keys: {}",
                        keys.join(", ")
                    ),
                ),
            }
        }
        values
    }

    /// unknown_keys reports every key of `map` not in `allowed`, listing the allowed keys.
    pub fn unknown_keys<O: JsonObject>(
        &mut self,
        map: &O,
        at: &Place<'_>,
        what: impl Display,
        allowed: &[&str],
    ) {
        for key in map.keys() {
            if !allowed.contains(&key) {
                self.report(
                    &at.key(key),
                    rules::UNKNOWN_KEY,
                    format!(
                        "unknown key `{key}` in {what}; allowed keys: {}",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    /// required reads `map[key]`, reporting its absence.
    pub fn required<'v, O: JsonObject>(
        &mut self,
        map: &'v O,
        at: &Place<'_>,
        key: &str,
        what: impl Display,
    ) -> Option<&'v O::Value> {
        self.require(map.get(key), at, key, what)
    }

    /// require passes on `value`, the value of member `key` of the object at `at`, reporting
    /// its absence.
    pub fn require<'v, J: JsonValue>(
        &mut self,
        value: Option<&'v J>,
        at: &Place<'_>,
        key: &str,
        what: impl Display,
    ) -> Option<&'v J> {
        if value.is_none() {
            self.report(
                &at.key(key),
                rules::REQUIRED,
                format!("`{key}` is required: {what}"),
            );
        }
        value
    }

    /// str reads a string (no conversion from other scalars), borrowed from the input.
    pub fn str<'v, J: JsonValue>(
        &mut self,
        value: &'v J,
        at: &Place<'_>,
        what: impl Display,
    ) -> Option<&'v str> {
        let s = lenient::as_str(value);
        if s.is_none() {
            self.report(
                at,
                rules::WRONG_JSON_TYPE,
                format!("{what} must be a string, not {}", lenient::kind(value)),
            );
        }
        s
    }

    /// string reads a string (no conversion from other scalars).
    pub fn string<J: JsonValue>(
        &mut self,
        value: &J,
        at: &Place<'_>,
        what: impl Display,
    ) -> Option<String> {
        self.str(value, at, what).map(str::to_string)
    }

    /// non_empty_string reads a string that must not be empty or blank.
    pub fn non_empty_string<J: JsonValue>(
        &mut self,
        value: &J,
        at: &Place<'_>,
        what: impl Display,
    ) -> Option<String> {
        let s = self.str(value, at, &what)?;
        if s.trim().is_empty() {
            self.report(at, rules::EMPTY_VALUE, format!("{what} must not be empty"));
            return None;
        }
        Some(s.to_string())
    }

    /// bool reads `true`/`false`, as JSON booleans or strings.
    pub fn bool<J: JsonValue>(
        &mut self,
        value: &J,
        at: &Place<'_>,
        what: impl Display,
    ) -> Option<bool> {
        let b = lenient::as_bool(value);
        if b.is_none() {
            self.report(
                at,
                rules::WRONG_JSON_TYPE,
                format!(
                    "{what} must be true or false (a boolean or the string \"true\"/\"false\"), not {}",
                    lenient::kind(value)
                ),
            );
        }
        b
    }

    /// u32 reads a non-negative integer, as a JSON number or a string of digits.
    pub fn u32<J: JsonValue>(
        &mut self,
        value: &J,
        at: &Place<'_>,
        what: impl Display,
    ) -> Option<u32> {
        let n = lenient::as_u32(value);
        if n.is_none() {
            self.report(
                at,
                rules::WRONG_JSON_TYPE,
                format!(
                    "{what} must be a non-negative integer (a number or a string of digits), not {}",
                    describe_scalar(value)
                ),
            );
        }
        n
    }

    /// string_list reads an array of strings; a non-string element is reported and skipped.
    pub fn string_list<J: JsonValue>(
        &mut self,
        value: &J,
        at: &Place<'_>,
        what: impl Display,
    ) -> Option<Vec<String>> {
        let Some(items) = value.as_array() else {
            self.report(
                at,
                rules::WRONG_JSON_TYPE,
                format!(
                    "{what} must be an array of strings, not {}",
                    lenient::kind(value)
                ),
            );
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = self.string(item, &at.index(i), format_args!("each entry of {what}")) {
                out.push(s);
            }
        }
        Some(out)
    }
}

/// describe_scalar shows a short scalar for a message (`"abc"`, `-1`, `1.5`), or its JSON kind
/// for anything else. Only for values that cannot be secrets (numbers, names, types).
pub fn describe_scalar<J: JsonValue>(value: &J) -> String {
    match value.view() {
        View::String(s) if s.chars().count() <= 40 => Value::from(s).to_string(),
        View::Number(_) | View::Bool(_) => value.to_value().to_string(),
        View::Null | View::String(_) | View::Array(_) | View::Object(_) => {
            lenient::kind(value).to_string()
        }
    }
}

#[cfg(test)]
mod tests;
