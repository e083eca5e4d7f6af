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

/// At is a location in the input: a JSON path (`schemas.Dog.fields.name.type`) and the logical
/// schema and field it belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct At {
    path: String,
    schema: Option<String>,
    field: Option<String>,
}

/// is_plain tells whether a key can be written bare in a path (`a.b`); other keys are written
/// `["..."]` so that the path stays unambiguous.
fn is_plain(key: &str) -> bool {
    key.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// push_key appends member `key` to the JSON path `path`.
fn push_key(path: &mut String, key: &str) {
    if !is_plain(key) {
        path.push('[');
        path.push_str(&Value::from(key).to_string());
        path.push(']');
    } else {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    }
}

/// push_index appends element `i` to the JSON path `path`.
fn push_index(path: &mut String, i: usize) {
    path.push('[');
    path.push_str(&i.to_string());
    path.push(']');
}

impl At {
    /// root is the top of the input document.
    pub fn root() -> At {
        At::default()
    }

    /// key is the member `key` of the object at `self`. Keys that are not plain words are
    /// written `["..."]` so that the path stays unambiguous.
    pub fn key(&self, key: &str) -> At {
        let mut path = String::with_capacity(self.path.len() + key.len() + 1);
        path.push_str(&self.path);
        push_key(&mut path, key);
        At {
            path,
            schema: self.schema.clone(),
            field: self.field.clone(),
        }
    }

    /// index is the element `i` of the array at `self`.
    pub fn index(&self, i: usize) -> At {
        let mut path = self.path.clone();
        push_index(&mut path, i);
        At {
            path,
            schema: self.schema.clone(),
            field: self.field.clone(),
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

/// Place is a location in the input while it is read: the same location as an [`At`], kept as
/// borrowed steps (each pointing to its parent) so that making one costs no allocation. It
/// becomes an [`At`] (a path string) only when a problem is recorded there.
///
/// A child borrows its parent, so a place made from a temporary must be bound first:
/// `let fields = at.key("fields"); let f = fields.key(name);`.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    parent: Option<&'a Place<'a>>,
    step: Step<'a>,
    schema: Option<&'a str>,
    field: Option<&'a str>,
}

#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl Default for Place<'_> {
    fn default() -> Self {
        Place::root()
    }
}

impl<'a> Place<'a> {
    /// root is the top of the input document.
    pub const fn root() -> Place<'a> {
        Place {
            parent: None,
            step: Step::Root,
            schema: None,
            field: None,
        }
    }

    /// key is the member `key` of the object at `self`.
    pub fn key<'b>(&'b self, key: &'b str) -> Place<'b> {
        Place {
            parent: Some(self),
            step: Step::Key(key),
            schema: self.schema,
            field: self.field,
        }
    }

    /// index is the element `i` of the array at `self`.
    pub fn index(&self, i: usize) -> Place<'_> {
        Place {
            parent: Some(self),
            step: Step::Index(i),
            schema: self.schema,
            field: self.field,
        }
    }

    /// in_schema attaches the logical schema the location belongs to.
    pub fn in_schema(self, schema: &'a str) -> Place<'a> {
        Place {
            schema: Some(schema),
            ..self
        }
    }

    /// in_field attaches the logical field the location belongs to.
    pub fn in_field(self, field: &'a str) -> Place<'a> {
        Place {
            field: Some(field),
            ..self
        }
    }

    /// at is this location as an [`At`] (its path written out).
    pub fn at(&self) -> At {
        let mut steps = Vec::new();
        let mut place = Some(self);
        while let Some(p) = place {
            steps.push(p.step);
            place = p.parent;
        }
        let mut path = String::new();
        for step in steps.iter().rev() {
            match *step {
                Step::Root => {}
                Step::Key(k) => push_key(&mut path, k),
                Step::Index(i) => push_index(&mut path, i),
            }
        }
        At {
            path,
            schema: self.schema.map(str::to_string),
            field: self.field.map(str::to_string),
        }
    }

    /// path is the JSON path; `$` for the document itself.
    pub fn path(&self) -> String {
        self.at().path().to_string()
    }

    /// problem is a problem at this location.
    pub fn problem(&self, rule: &'static str, message: impl Into<String>) -> Problem {
        self.at().problem(rule, message)
    }
}

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
        assert_eq!(At::root().key("a b").key("c").path(), r#"["a b"].c"#);
        assert_eq!(At::root().index(0).key("c").path(), "[0].c");
    }

    #[test]
    fn places_write_the_same_paths_as_ats() {
        let root = Place::root();
        let schemas = root.key("schemas");
        let dog = schemas.key("Dog");
        let fields = dog.key("fields");
        let name = fields.key("name");
        assert_eq!(name.path(), "schemas.Dog.fields.name");
        let indexes = root.key("indexes");
        let second = indexes.index(2);
        assert_eq!(second.key("name").path(), "indexes[2].name");
        assert_eq!(schemas.key("my dog").path(), r#"schemas["my dog"]"#);
        assert_eq!(schemas.key("\"q\"\n").path(), r#"schemas["\"q\"\n"]"#);
        assert_eq!(root.path(), "$");
        let odd = root.key("a b");
        assert_eq!(odd.key("c").path(), r#"["a b"].c"#);
        assert_eq!(root.index(0).path(), "[0]");
        fn same(place: &Place<'_>, at: &At, keys: &[&str]) {
            assert_eq!(place.at(), *at);
            if let Some((k, rest)) = keys.split_first() {
                same(&place.key(k), &at.key(k), rest);
                same(&place.index(3), &at.index(3), rest);
            }
        }
        for keys in [
            &["schemas", "Dog", "fields", "name"][..],
            &["x-y", "_a", "1b", "b1", ""],
            &["ä", "a.b", "[0]"],
        ] {
            same(&Place::root(), &At::root(), keys);
        }
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

        let root = Place::root();
        let schemas = root.key("schemas");
        let dog = schemas.key("Dog").in_schema("Dog");
        let name = dog.key("name").in_field("name");
        let p = name.key("type").problem(rules::UNKNOWN_TYPE, "m");
        assert_eq!(p.schema.as_deref(), Some("Dog"));
        assert_eq!(p.field.as_deref(), Some("name"));
        assert_eq!(p.path, "schemas.Dog.name.type");
        assert_eq!(
            dog.problem(rules::UNKNOWN_TYPE, "m"),
            At::root()
                .key("schemas")
                .key("Dog")
                .in_schema("Dog")
                .problem(rules::UNKNOWN_TYPE, "m")
        );
    }

    #[test]
    fn object_reports_unknown_keys_with_the_allowed_list() {
        let mut r = Reader::default();
        let v = json!({"a": 1, "zz": 2});
        assert!(r
            .object(&v, &Place::root(), "the thing", &["a", "b"])
            .is_some());
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].rule, rules::UNKNOWN_KEY);
        assert_eq!(r.problems[0].path, "zz");
        assert!(r.problems[0].message.contains("allowed keys: a, b"));
    }

    #[test]
    fn members_give_values_in_key_order_and_report_unknown_keys() {
        let mut r = Reader::default();
        let v = json!({"b": 2, "zz": 3, "a": 1});
        let [a, b, c] = r
            .members(&v, &Place::root(), "the thing", &["a", "b", "c"])
            .unwrap();
        assert_eq!((a, b, c), (Some(&json!(1)), Some(&json!(2)), None));
        assert_eq!(r.problems.len(), 1);
        let mut o = Reader::default();
        o.object(&v, &Place::root(), "the thing", &["a", "b", "c"]);
        assert_eq!(r.problems, o.problems);
        assert!(r
            .members(&json!([]), &Place::root(), "the thing", &["a"])
            .is_none());
        assert_eq!(
            r.problems[1].message,
            "the thing must be a JSON object, not an array"
        );
    }

    #[test]
    fn typed_readers_report_the_expected_form() {
        let mut r = Reader::default();
        let root = Place::root();
        assert_eq!(r.bool(&json!("true"), &root, "x"), Some(true));
        assert_eq!(r.u32(&json!("12"), &root, "x"), Some(12));
        assert!(r.problems.is_empty());
        assert_eq!(r.u32(&json!(-1), &root.key("port"), "port"), None);
        assert_eq!(r.non_empty_string(&json!(" "), &root, "name"), None);
        assert_eq!(
            r.string_list(&json!(["a", 1]), &root.key("l"), "l"),
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
        assert_eq!(
            r.problems[2].message,
            "each entry of l must be a string, not a number"
        );
    }

    #[test]
    fn finish_returns_the_value_only_without_problems() {
        assert_eq!(Reader::default().finish(Some(1)), Ok(1));
        let mut r = Reader::default();
        r.report(&Place::root(), rules::REQUIRED, "x");
        assert_eq!(r.finish(Some(1)).unwrap_err().0.len(), 1);
        assert!(Reader::default().finish::<u8>(None).is_err());
    }
}
