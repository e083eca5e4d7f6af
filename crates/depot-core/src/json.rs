//! JSON input as the readers see it: [`JsonValue`] and [`JsonObject`], what reading needs of a
//! JSON value, so that one reader serves two representations of the same input:
//!
//! - `serde_json::Value`, which most callers hold (a Lambda event, a document built in code);
//! - [`crate::borrowed_json::BorrowedJson`], parsed straight from the text with its strings
//!   borrowed from it: far fewer and smaller allocations for large packages.
//!
//! Both give members of an object in key order with one value per key (the last one given),
//! so a reader finds the same problems, in the same order, in either.

use serde_json::{Map, Number, Value};

/// View is one JSON value, borrowed, as readers match on it.
pub enum View<'a, J: JsonValue> {
    Null,
    Bool(bool),
    Number(&'a Number),
    String(&'a str),
    Array(&'a [J]),
    Object(&'a J::Object),
}

/// JsonValue is a JSON value the readers can read. It is `Sync`: the schemas of a package are
/// read on every core.
pub trait JsonValue: Sized + Sync {
    /// The objects of this representation.
    type Object: JsonObject<Value = Self>;

    /// What the value is, borrowed.
    fn view(&self) -> View<'_, Self>;

    /// The value as an owned `serde_json::Value` (for values that go into the model as they
    /// are, such as a `json` field's default).
    fn to_value(&self) -> Value;

    /// The string, when the value is one.
    fn as_str(&self) -> Option<&str> {
        match self.view() {
            View::String(s) => Some(s),
            View::Null | View::Bool(_) | View::Number(_) | View::Array(_) | View::Object(_) => None,
        }
    }

    /// The object, when the value is one.
    fn as_object(&self) -> Option<&Self::Object> {
        match self.view() {
            View::Object(o) => Some(o),
            View::Null | View::Bool(_) | View::Number(_) | View::String(_) | View::Array(_) => None,
        }
    }

    /// The elements, when the value is an array.
    fn as_array(&self) -> Option<&[Self]> {
        match self.view() {
            View::Array(items) => Some(items),
            View::Null | View::Bool(_) | View::Number(_) | View::String(_) | View::Object(_) => {
                None
            }
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.view(), View::Null)
    }
}

/// JsonObject is a JSON object: its members in key order (byte order, as `serde_json::Map`
/// keeps them), one per key.
pub trait JsonObject: Sync {
    type Value: JsonValue;

    /// The value of member `key`.
    fn get(&self, key: &str) -> Option<&Self::Value>;

    /// The members, in key order.
    fn members(&self) -> impl Iterator<Item = (&str, &Self::Value)>;

    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The keys, in order.
    fn keys(&self) -> impl Iterator<Item = &str> {
        self.members().map(|(k, _)| k)
    }
}

impl JsonValue for Value {
    type Object = Map<String, Value>;

    fn view(&self) -> View<'_, Self> {
        match self {
            Value::Null => View::Null,
            Value::Bool(b) => View::Bool(*b),
            Value::Number(n) => View::Number(n),
            Value::String(s) => View::String(s),
            Value::Array(items) => View::Array(items),
            Value::Object(map) => View::Object(map),
        }
    }

    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl JsonObject for Map<String, Value> {
    type Value = Value;

    fn get(&self, key: &str) -> Option<&Value> {
        Map::get(self, key)
    }

    fn members(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.iter().map(|(k, v)| (k.as_str(), v))
    }

    fn len(&self) -> usize {
        Map::len(self)
    }
}
