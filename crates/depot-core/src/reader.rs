//! Reader: walks raw JSON input and collects every problem with its location, so that parsing
//! goes on after the first mistake and a person fixes everything in one pass.

use serde_json::{Map, Value};

use crate::lenient;
use crate::problem::{Problem, Problems};
use crate::rules;

/// At is a location in the input: a JSON path (`schemas.Dog.fields.name.type`) and the logical
/// schema and field it belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct At {
    path: String,
    schema: Option<String>,
    field: Option<String>,
}

impl At {
    /// root is the top of the input document.
    pub fn root() -> At {
        At::default()
    }

    /// key is the member `key` of the object at `self`. Keys that are not plain words are
    /// written `["..."]` so that the path stays unambiguous.
    pub fn key(&self, key: &str) -> At {
        let plain = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let path = match (self.path.is_empty(), plain) {
            (true, true) => key.to_string(),
            (false, true) => format!("{}.{key}", self.path),
            (_, false) => format!("{}[{}]", self.path, Value::from(key)),
        };
        At {
            path,
            ..self.clone()
        }
    }

    /// index is the element `i` of the array at `self`.
    pub fn index(&self, i: usize) -> At {
        At {
            path: format!("{}[{i}]", self.path),
            ..self.clone()
        }
    }

    /// in_schema attaches the logical schema the location belongs to.
    pub fn in_schema(mut self, schema: &str) -> At {
        self.schema = Some(schema.to_string());
        self
    }

    /// in_field attaches the logical field the location belongs to.
    pub fn in_field(mut self, field: &str) -> At {
        self.field = Some(field.to_string());
        self
    }

    /// path is the JSON path; `$` for the document itself.
    pub fn path(&self) -> &str {
        if self.path.is_empty() {
            "$"
        } else {
            &self.path
        }
    }

    /// problem is a problem at this location.
    pub fn problem(&self, rule: &'static str, message: impl Into<String>) -> Problem {
        Problem {
            path: self.path().to_string(),
            schema: self.schema.clone(),
            field: self.field.clone(),
            rule,
            message: message.into(),
        }
    }
}

/// Reader collects problems while typed accessors read the input.
#[derive(Debug, Default)]
pub struct Reader {
    pub problems: Vec<Problem>,
}

impl Reader {
    /// report records a problem at `at`.
    pub fn report(&mut self, at: &At, rule: &'static str, message: impl Into<String>) {
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
    pub fn object<'v>(
        &mut self,
        value: &'v Value,
        at: &At,
        what: &str,
        allowed: &[&str],
    ) -> Option<&'v Map<String, Value>> {
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

    /// unknown_keys reports every key of `map` not in `allowed`, listing the allowed keys.
    pub fn unknown_keys(
        &mut self,
        map: &Map<String, Value>,
        at: &At,
        what: &str,
        allowed: &[&str],
    ) {
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
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
    pub fn required<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        at: &At,
        key: &str,
        what: &str,
    ) -> Option<&'v Value> {
        let value = map.get(key);
        if value.is_none() {
            self.report(
                &at.key(key),
                rules::REQUIRED,
                format!("`{key}` is required: {what}"),
            );
        }
        value
    }

    /// string reads a string (no conversion from other scalars).
    pub fn string(&mut self, value: &Value, at: &At, what: &str) -> Option<String> {
        match lenient::as_str(value) {
            Some(s) => Some(s.to_string()),
            None => {
                self.report(
                    at,
                    rules::WRONG_JSON_TYPE,
                    format!("{what} must be a string, not {}", lenient::kind(value)),
                );
                None
            }
        }
    }

    /// non_empty_string reads a string that must not be empty or blank.
    pub fn non_empty_string(&mut self, value: &Value, at: &At, what: &str) -> Option<String> {
        let s = self.string(value, at, what)?;
        if s.trim().is_empty() {
            self.report(at, rules::EMPTY_VALUE, format!("{what} must not be empty"));
            return None;
        }
        Some(s)
    }

    /// bool reads `true`/`false`, as JSON booleans or strings.
    pub fn bool(&mut self, value: &Value, at: &At, what: &str) -> Option<bool> {
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
    pub fn u32(&mut self, value: &Value, at: &At, what: &str) -> Option<u32> {
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
    pub fn string_list(&mut self, value: &Value, at: &At, what: &str) -> Option<Vec<String>> {
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
            if let Some(s) = self.string(item, &at.index(i), &format!("each entry of {what}")) {
                out.push(s);
            }
        }
        Some(out)
    }
}

/// describe_scalar shows a short scalar for a message (`"abc"`, `-1`, `1.5`), or its JSON kind
/// for anything else. Only for values that cannot be secrets (numbers, names, types).
pub fn describe_scalar(value: &Value) -> String {
    match value {
        Value::String(s) if s.chars().count() <= 40 => Value::from(s.as_str()).to_string(),
        Value::Number(_) | Value::Bool(_) => value.to_string(),
        other @ (Value::Null | Value::String(_) | Value::Array(_) | Value::Object(_)) => {
            lenient::kind(other).to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_join_keys_and_indexes_and_quote_odd_keys() {
        let at = At::root()
            .key("schemas")
            .key("Dog")
            .key("fields")
            .key("name");
        assert_eq!(at.path(), "schemas.Dog.fields.name");
        assert_eq!(
            At::root().key("indexes").index(2).key("name").path(),
            "indexes[2].name"
        );
        assert_eq!(
            At::root().key("schemas").key("my dog").path(),
            r#"schemas["my dog"]"#
        );
        assert_eq!(At::root().path(), "$");
    }

    #[test]
    fn problems_carry_schema_and_field() {
        let at = At::root()
            .key("schemas")
            .key("Dog")
            .in_schema("Dog")
            .in_field("name");
        let p = at.problem(rules::UNKNOWN_TYPE, "m");
        assert_eq!(p.schema.as_deref(), Some("Dog"));
        assert_eq!(p.field.as_deref(), Some("name"));
        assert_eq!(p.path, "schemas.Dog");
    }

    #[test]
    fn object_reports_unknown_keys_with_the_allowed_list() {
        let mut r = Reader::default();
        let v = json!({"a": 1, "zz": 2});
        assert!(r
            .object(&v, &At::root(), "the thing", &["a", "b"])
            .is_some());
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].rule, rules::UNKNOWN_KEY);
        assert_eq!(r.problems[0].path, "zz");
        assert!(r.problems[0].message.contains("allowed keys: a, b"));
    }

    #[test]
    fn typed_readers_report_the_expected_form() {
        let mut r = Reader::default();
        assert_eq!(r.bool(&json!("true"), &At::root(), "x"), Some(true));
        assert_eq!(r.u32(&json!("12"), &At::root(), "x"), Some(12));
        assert!(r.problems.is_empty());
        assert_eq!(r.u32(&json!(-1), &At::root().key("port"), "port"), None);
        assert_eq!(r.non_empty_string(&json!(" "), &At::root(), "name"), None);
        assert_eq!(
            r.string_list(&json!(["a", 1]), &At::root().key("l"), "l"),
            Some(vec!["a".into()])
        );
        let rules: Vec<_> = r.problems.iter().map(|p| p.rule).collect();
        assert_eq!(
            rules,
            [
                rules::WRONG_JSON_TYPE,
                rules::EMPTY_VALUE,
                rules::WRONG_JSON_TYPE
            ]
        );
        assert!(r.problems[0].message.contains("not -1"));
        assert_eq!(r.problems[2].path, "l[1]");
    }

    #[test]
    fn finish_returns_the_value_only_without_problems() {
        assert_eq!(Reader::default().finish(Some(1)), Ok(1));
        let mut r = Reader::default();
        r.report(&At::root(), rules::REQUIRED, "x");
        assert_eq!(r.finish(Some(1)).unwrap_err().0.len(), 1);
        assert!(Reader::default().finish::<u8>(None).is_err());
    }
}
