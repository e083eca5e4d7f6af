//! BorrowedJson: a JSON value parsed from text, its strings borrowed from the text.
//!
//! `serde_json::Value` spends an allocation on every key and string and a B-tree node (some
//! 600 bytes) on every object, however small; a package of 10,000 objects of 20 fields became
//! some 180 MB of small blocks before validation read any of it. Here keys and strings without
//! escapes point into the text, and each object or array is one exactly sized block.
//!
//! The syntax is serde_json's own (it drives the parsing): the same text is accepted or refused
//! with the same error. Objects keep serde_json's `Map` semantics (members sorted by key), so
//! readers ([`crate::json::JsonValue`]) see the same input in either form. One difference: a key
//! given twice in one object is refused ([`ParseError::DuplicateKey`], naming its JSON path),
//! where serde_json silently keeps the last value: a package whose reviewed text shows one
//! field while the plan sees another must not deploy.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::json::{JsonObject, JsonValue, View};
use crate::problem::Problem;
use crate::reader::At;
use crate::rules;

/// BorrowedJson is a JSON value whose strings borrow from the text it was parsed from.
#[derive(Debug, Clone, PartialEq)]
pub enum BorrowedJson<'t> {
    Null,
    Bool(bool),
    Number(Number),
    /// Borrowed unless the text escapes a character in it.
    String(Cow<'t, str>),
    Array(Box<[BorrowedJson<'t>]>),
    Object(BorrowedObject<'t>),
}

/// BorrowedObject is a JSON object: its members sorted by key, one per key.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BorrowedObject<'t> {
    members: Box<[Member<'t>]>,
}

type Member<'t> = (Cow<'t, str>, BorrowedJson<'t>);

/// ParseError: why a text is not one JSON value Depot reads.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not JSON (serde_json's own error, with its line and column).
    #[error("malformed JSON: {0}")]
    Syntax(#[from] serde_json::Error),
    /// An object gives the same key twice (the problem names the key and its JSON path).
    #[error("{0}")]
    DuplicateKey(Problem),
}

impl ParseError {
    /// The problem to report when the text gave a key twice.
    pub fn duplicate_key(&self) -> Option<&Problem> {
        match self {
            ParseError::DuplicateKey(problem) => Some(problem),
            ParseError::Syntax(_) => None,
        }
    }
}

/// Parses `text` (one JSON value, optionally surrounded by whitespace), as `serde_json::from_str`
/// would parse it into a `Value`, with the same syntax errors; a key repeated in one object is
/// refused.
pub fn from_str(text: &str) -> Result<BorrowedJson<'_>, ParseError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let mut scratch = Scratch::default();
    match Build(&mut scratch).deserialize(&mut deserializer) {
        Ok(value) => {
            deserializer.end()?;
            Ok(value)
        }
        Err(error) => match scratch.duplicate.take() {
            Some(steps) => Err(ParseError::DuplicateKey(duplicate_problem(steps, &error))),
            None => Err(ParseError::Syntax(error)),
        },
    }
}

/// Parses `text` into a `serde_json::Value`, refusing a repeated key as [`from_str`] does (for
/// inputs read as a `Value`: a package to validate, a Lambda event).
pub fn value_from_str(text: &str) -> Result<Value, ParseError> {
    from_str(text).map(|json| json.to_value())
}

/// The problem of a key given twice: `steps` is the path to it, innermost first.
fn duplicate_problem(mut steps: Vec<Step>, error: &serde_json::Error) -> Problem {
    steps.reverse();
    let mut at = At::root();
    let mut key = String::new();
    for step in steps {
        at = match step {
            Step::Key(k) => {
                let next = at.key(&k);
                key = k;
                next
            }
            Step::Index(i) => at.index(i),
        };
    }
    at.problem(
        rules::DUPLICATE_KEY,
        format!(
            "the key `{key}` is given twice in one object (near line {}): JSON readers disagree on which value wins, so give it once",
            error.line()
        ),
    )
}

impl BorrowedJson<'_> {
    /// `value` in this form, every string owned (for input that arrives as a `Value`, such as a
    /// Lambda event's properties, joined with text read in this form).
    pub fn from_value(value: &Value) -> BorrowedJson<'static> {
        match value {
            Value::Null => BorrowedJson::Null,
            Value::Bool(b) => BorrowedJson::Bool(*b),
            Value::Number(n) => BorrowedJson::Number(n.clone()),
            Value::String(s) => BorrowedJson::String(Cow::Owned(s.clone())),
            Value::Array(items) => {
                BorrowedJson::Array(items.iter().map(Self::from_value).collect())
            }
            // A `Map` is already sorted by key with one value per key.
            Value::Object(map) => BorrowedJson::Object(BorrowedObject {
                members: map
                    .iter()
                    .map(|(k, v)| (Cow::Owned(k.clone()), Self::from_value(v)))
                    .collect(),
            }),
        }
    }
}

impl<'t> BorrowedJson<'t> {
    /// The object, when the value is one, to change.
    pub fn as_object_mut(&mut self) -> Option<&mut BorrowedObject<'t>> {
        match self {
            BorrowedJson::Object(object) => Some(object),
            _ => None,
        }
    }
}

impl<'t> BorrowedObject<'t> {
    /// Sets member `key` to `value`, returning the value it replaces.
    pub fn insert(
        &mut self,
        key: impl Into<Cow<'t, str>>,
        value: BorrowedJson<'t>,
    ) -> Option<BorrowedJson<'t>> {
        let key = key.into();
        match self.members.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => Some(std::mem::replace(&mut self.members[i].1, value)),
            Err(i) => {
                let mut members = std::mem::take(&mut self.members).into_vec();
                members.insert(i, (key, value));
                self.members = members.into_boxed_slice();
                None
            }
        }
    }

    /// Takes member `key` out, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<BorrowedJson<'t>> {
        let i = self
            .members
            .binary_search_by(|(k, _)| k.as_ref().cmp(key))
            .ok()?;
        let mut members = std::mem::take(&mut self.members).into_vec();
        let (_, value) = members.remove(i);
        self.members = members.into_boxed_slice();
        Some(value)
    }
}

/// Scratch holds the members and elements of the objects and arrays being parsed, innermost
/// last: each object or array takes its own off the end when it closes, into one block of the
/// right size (instead of a vector grown by doubling, per object).
#[derive(Default)]
struct Scratch<'t> {
    members: Vec<Member<'t>>,
    items: Vec<BorrowedJson<'t>>,
    /// Set when an object repeats a key: the path to the repeated key, innermost first (each
    /// enclosing object or array adds its step while the error unwinds, so a valid text pays
    /// nothing for it).
    duplicate: Option<Vec<Step>>,
}

/// Step is one step of the path to a repeated key.
enum Step {
    Key(String),
    Index(usize),
}

/// Build parses one value (a seed: it carries the scratch space).
struct Build<'s, 't>(&'s mut Scratch<'t>);

impl<'de> DeserializeSeed<'de> for Build<'_, 'de> {
    type Value = BorrowedJson<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Build<'_, 'de> {
    type Value = BorrowedJson<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(BorrowedJson::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(BorrowedJson::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(BorrowedJson::Number(n.into()))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Self::Value, E> {
        // As `Value` does: a float JSON cannot carry becomes null.
        Ok(Number::from_f64(f).map_or(BorrowedJson::Null, BorrowedJson::Number))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(BorrowedJson::String(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(BorrowedJson::String(Cow::Owned(s.to_string())))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(BorrowedJson::String(Cow::Owned(s)))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(BorrowedJson::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(BorrowedJson::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let scratch = self.0;
        let start = scratch.items.len();
        loop {
            let index = scratch.items.len() - start;
            match seq.next_element_seed(Build(&mut *scratch)) {
                Ok(Some(item)) => scratch.items.push(item),
                Ok(None) => break,
                Err(error) => {
                    if let Some(steps) = scratch.duplicate.as_mut() {
                        steps.push(Step::Index(index));
                    }
                    return Err(error);
                }
            }
        }
        Ok(BorrowedJson::Array(scratch.items.drain(start..).collect()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let scratch = self.0;
        let start = scratch.members.len();
        while let Some(key) = map.next_key_seed(Key)? {
            match map.next_value_seed(Build(&mut *scratch)) {
                Ok(value) => scratch.members.push((key, value)),
                Err(error) => {
                    if let Some(steps) = scratch.duplicate.as_mut() {
                        steps.push(Step::Key(key.into_owned()));
                    }
                    return Err(error);
                }
            }
        }
        let mut members: Vec<Member<'de>> = scratch.members.drain(start..).collect();
        if !members.windows(2).all(|pair| pair[0].0 < pair[1].0) {
            if let Some(repeated) = sort_members(&mut members) {
                scratch.duplicate = Some(vec![Step::Key(repeated)]);
                return Err(serde::de::Error::custom(
                    "a key is given twice in one object",
                ));
            }
        }
        Ok(BorrowedJson::Object(BorrowedObject {
            members: members.into_boxed_slice(),
        }))
    }
}

/// sort_members orders `members` (in the order the text gives them) as `serde_json::Map`
/// holds them, sorted by key; a key given twice is returned instead.
fn sort_members(members: &mut [Member<'_>]) -> Option<String> {
    members.sort_by(|a, b| a.0.cmp(&b.0));
    members
        .windows(2)
        .find(|pair| pair[0].0 == pair[1].0)
        .map(|pair| pair[0].0.to_string())
}

/// Key parses an object key, borrowed from the text unless it has escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(s))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s))
    }
}

impl<'t> JsonValue for BorrowedJson<'t> {
    type Object = BorrowedObject<'t>;

    fn view(&self) -> View<'_, Self> {
        match self {
            BorrowedJson::Null => View::Null,
            BorrowedJson::Bool(b) => View::Bool(*b),
            BorrowedJson::Number(n) => View::Number(n),
            BorrowedJson::String(s) => View::String(s),
            BorrowedJson::Array(items) => View::Array(items),
            BorrowedJson::Object(object) => View::Object(object),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            BorrowedJson::Null => Value::Null,
            BorrowedJson::Bool(b) => Value::Bool(*b),
            BorrowedJson::Number(n) => Value::Number(n.clone()),
            BorrowedJson::String(s) => Value::String(s.to_string()),
            BorrowedJson::Array(items) => items.iter().map(JsonValue::to_value).collect(),
            BorrowedJson::Object(object) => Value::Object(
                object
                    .members
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect::<Map<String, Value>>(),
            ),
        }
    }
}

impl<'t> JsonObject for BorrowedObject<'t> {
    type Value = BorrowedJson<'t>;

    fn get(&self, key: &str) -> Option<&BorrowedJson<'t>> {
        self.members
            .binary_search_by(|(k, _)| k.as_ref().cmp(key))
            .ok()
            .map(|i| &self.members[i].1)
    }

    fn members(&self) -> impl Iterator<Item = (&str, &BorrowedJson<'t>)> {
        self.members.iter().map(|(k, v)| (k.as_ref(), v))
    }

    fn len(&self) -> usize {
        self.members.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The borrowed form of `text` must hold what `serde_json::from_str` gives, or fail with
    /// the same error.
    fn same_as_value(text: &str) {
        match (from_str(text), serde_json::from_str::<Value>(text)) {
            (Ok(borrowed), Ok(value)) => assert_eq!(borrowed.to_value(), value, "{text}"),
            (Err(ParseError::Syntax(a)), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string(), "{text}")
            }
            (a, b) => panic!("{text}: {a:?} against {b:?}"),
        }
    }

    #[test]
    fn parses_as_serde_json_does() {
        for text in [
            "null",
            " true ",
            "0",
            "-1",
            "18446744073709551615",
            "-9223372036854775808",
            "1.5",
            "1e3",
            "-0.0",
            "1e400",
            r#""plain""#,
            r#""esc\"aped\u00e9\n""#,
            r#""\ud83d\ude00""#,
            "[]",
            "{}",
            r#"[1, "a", [true, null], {"k": {}}]"#,
            r#"{"b": 1, "a": 2, "c": {"z": [], "y": "\u0041"}}"#,
            r#"{"a": 1,}"#,
            "[1, 2",
            r#"{"a" 1}"#,
            "01",
            "nul",
            "1 2",
            r#""\ud800""#,
            &"[".repeat(200),
            "",
        ] {
            same_as_value(text);
        }
    }

    /// The path and rule of the problem `text` is refused with.
    fn duplicate(text: &str) -> (String, &'static str) {
        match from_str(text) {
            Err(ParseError::DuplicateKey(p)) => (p.path, p.rule),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn a_key_given_twice_is_refused_with_its_path_at_any_depth() {
        let dup = |path: &str| (path.to_string(), rules::DUPLICATE_KEY);
        assert_eq!(duplicate(r#"{"a": 1, "a": 2}"#), dup("a"));
        assert_eq!(duplicate(r#"{"b": 1, "a": 2, "b": 3, "c": 5}"#), dup("b"));
        // The same key once escaped is still the same key.
        assert_eq!(duplicate(r#"{"\u0061": 1, "a": 2}"#), dup("a"));
        assert_eq!(
            duplicate(r#"{"schemas": {"Dog": {"fields": {"name": {}, "x": 1, "name": {}}}}}"#),
            dup("schemas.Dog.fields.name")
        );
        assert_eq!(
            duplicate(r#"{"seeds": {"Dog": [{"id": 1}, {"id": 2, "id": 3}]}}"#),
            dup("seeds.Dog[1].id")
        );
        assert_eq!(
            duplicate(r#"[{"my key": 1, "my key": 1}]"#),
            dup(r#"[0]["my key"]"#)
        );
        assert!(matches!(
            value_from_str(r#"{"x": {"y": 1, "y": 1}}"#),
            Err(ParseError::DuplicateKey(_))
        ));
        let message = duplicate_message(r#"{"a": 1, "a": 2}"#);
        assert!(message.contains("`a` is given twice"), "{message}");
        // Syntax errors stay syntax errors, also after a repeated key was seen elsewhere.
        assert!(matches!(
            from_str(r#"{"a": 1,}"#),
            Err(ParseError::Syntax(_))
        ));
        assert!(from_str(r#"{"a": {"b": 1}, "b": {"a": 1}}"#).is_ok());
    }

    fn duplicate_message(text: &str) -> String {
        from_str(text).unwrap_err().to_string()
    }

    #[test]
    fn strings_and_keys_borrow_from_the_text_unless_escaped() {
        let text = r#"{"plain": "value", "esc\u0061ped": "x\ty"}"#;
        let BorrowedJson::Object(object) = from_str(text).unwrap() else {
            panic!("an object")
        };
        let keys: Vec<(bool, &str)> = object
            .members
            .iter()
            .map(|(k, _)| (matches!(k, Cow::Borrowed(_)), k.as_ref()))
            .collect();
        assert_eq!(keys, [(false, "escaped"), (true, "plain")]);
        assert!(matches!(
            object.get("plain"),
            Some(BorrowedJson::String(Cow::Borrowed("value")))
        ));
        assert!(matches!(
            object.get("escaped"),
            Some(BorrowedJson::String(Cow::Owned(s))) if s == "x\ty"
        ));
        assert_eq!(object.get("nope"), None);
    }

    #[test]
    fn a_value_converted_and_edited_reads_as_the_value_edited() {
        let mut value = json!({"b": [1, {"d": null}], "a": "x", "c": {"e": 2.5}});
        let mut borrowed = BorrowedJson::from_value(&value);
        assert_eq!(borrowed.to_value(), value);

        let object = borrowed.as_object_mut().unwrap();
        let package = from_str(r#"{"name": "dogs"}"#).unwrap();
        assert_eq!(object.insert("aa", package), None);
        assert_eq!(
            object.insert("a", BorrowedJson::Bool(true)),
            Some(BorrowedJson::String(Cow::Owned("x".to_string())))
        );
        assert!(object.remove("c").is_some());
        assert_eq!(object.remove("zz"), None);

        let map = value.as_object_mut().unwrap();
        map.insert("aa".to_string(), json!({"name": "dogs"}));
        map.insert("a".to_string(), json!(true));
        map.remove("c");
        assert_eq!(borrowed.to_value(), value);
        // Lookups still find every member: the order was kept.
        let object = borrowed.as_object().unwrap();
        for key in ["a", "aa", "b"] {
            assert!(object.get(key).is_some(), "{key}");
        }
    }

    #[test]
    fn objects_read_like_serde_json_maps() {
        let text = r#"{"b": [1, {"d": null}], "a": "y", "c": {"e": 2.5}}"#;
        let borrowed = from_str(text).unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        let (o, m) = (borrowed.as_object().unwrap(), value.as_object().unwrap());
        assert_eq!(o.len(), JsonObject::len(m));
        assert!(o.keys().eq(JsonObject::keys(m)));
        for (key, v) in JsonObject::members(m) {
            assert_eq!(o.get(key).map(JsonValue::to_value).as_ref(), Some(v));
        }
        assert_eq!(
            value,
            json!({"a": "y", "b": [1, {"d": null}], "c": {"e": 2.5}})
        );
    }
}
