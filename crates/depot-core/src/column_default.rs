//! Column defaults (SPEC §1b): a JSON literal of the field's type, one of the portable
//! expressions, or per-engine SQL parsed as exactly one expression.
//!
//! [`FieldDefault`] is what a package says; [`ColumnDefault`] is what one engine gets after
//! resolution (the engine's SQL picked and its logical names rewritten).

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// PortableExpression is a default every engine can compute for a new row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PortableExpression {
    /// The transaction's timestamp (`now()` / `CURRENT_TIMESTAMP()`).
    Now,
    /// The current date.
    CurrentDate,
    /// A random (version 4) UUID.
    RandomUuid,
}

impl PortableExpression {
    /// The names as written in packages, for error messages.
    pub const NAMES: &'static [&'static str] = &["now", "currentDate", "randomUuid"];

    /// The name as written in a package.
    pub fn name(&self) -> &'static str {
        match self {
            PortableExpression::Now => "now",
            PortableExpression::CurrentDate => "currentDate",
            PortableExpression::RandomUuid => "randomUuid",
        }
    }

    /// The expression named `name` in a package.
    pub fn from_name(name: &str) -> Option<PortableExpression> {
        match name {
            "now" => Some(PortableExpression::Now),
            "currentDate" => Some(PortableExpression::CurrentDate),
            "randomUuid" => Some(PortableExpression::RandomUuid),
            _ => None,
        }
    }
}

/// FieldDefault is a field's `default` as a package writes it (normalized).
///
/// Serialized as SPEC §1b writes it: a literal as itself, unless it is an object with exactly
/// one key among `expression`, `sql` and `literal`, which is wrapped in `{"literal": ...}` so
/// that it reads back as a literal.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldDefault {
    /// A JSON literal of the field's type.
    Literal(Value),
    /// `{"expression": "now"}`.
    Expression(PortableExpression),
    /// `{"sql": {"postgres": "...", "snowflake": "..."}}`: per-engine SQL in logical names.
    Sql(BTreeMap<String, String>),
}

/// The keys that make a default object one of the non-literal forms.
pub const DEFAULT_FORM_KEYS: &[&str] = &["expression", "sql", "literal"];

/// True when `value` must be written `{"literal": value}` to stay a literal.
pub fn needs_literal_wrapper(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            map.len() == 1 && map.keys().all(|k| DEFAULT_FORM_KEYS.contains(&k.as_str()))
        }
        _ => false,
    }
}

impl FieldDefault {
    /// The JSON form of SPEC §1b (also the form hashed).
    pub fn to_json(&self) -> Value {
        match self {
            FieldDefault::Literal(v) if needs_literal_wrapper(v) => {
                let mut map = Map::new();
                map.insert("literal".to_string(), v.clone());
                Value::Object(map)
            }
            FieldDefault::Literal(v) => v.clone(),
            FieldDefault::Expression(e) => {
                let mut map = Map::new();
                map.insert(
                    "expression".to_string(),
                    Value::String(e.name().to_string()),
                );
                Value::Object(map)
            }
            FieldDefault::Sql(per_engine) => {
                let mut map = Map::new();
                map.insert(
                    "sql".to_string(),
                    Value::Object(
                        per_engine
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect(),
                    ),
                );
                Value::Object(map)
            }
        }
    }

    /// Reads the JSON form of SPEC §1b back (documents Depot wrote; raw packages are checked
    /// key by key in `validate`, with every problem named).
    pub fn from_json(value: &Value) -> Result<FieldDefault, String> {
        let Value::Object(map) = value else {
            return Ok(FieldDefault::Literal(value.clone()));
        };
        if !needs_literal_wrapper(value) {
            return Ok(FieldDefault::Literal(value.clone()));
        }
        let (key, inner) = map.iter().next().ok_or("empty default")?;
        match key.as_str() {
            "literal" => Ok(FieldDefault::Literal(inner.clone())),
            "expression" => inner
                .as_str()
                .and_then(PortableExpression::from_name)
                .map(FieldDefault::Expression)
                .ok_or_else(|| format!("unknown default expression {inner}")),
            _ => {
                let Value::Object(per_engine) = inner else {
                    return Err("default.sql must be an object of engine -> SQL".to_string());
                };
                per_engine
                    .iter()
                    .map(|(k, v)| {
                        v.as_str()
                            .map(|s| (k.clone(), s.to_string()))
                            .ok_or_else(|| format!("default.sql.{k} must be a string"))
                    })
                    .collect::<Result<_, _>>()
                    .map(FieldDefault::Sql)
            }
        }
    }

    /// The literal, when the default is one.
    pub fn literal(&self) -> Option<&Value> {
        match self {
            FieldDefault::Literal(v) => Some(v),
            FieldDefault::Expression(_) | FieldDefault::Sql(_) => None,
        }
    }
}

impl Serialize for FieldDefault {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for FieldDefault {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FieldDefault, D::Error> {
        let value = Value::deserialize(d)?;
        FieldDefault::from_json(&value).map_err(D::Error::custom)
    }
}

/// ColumnDefault is a column's default for one engine.
///
/// Serialized like [`FieldDefault`] (a literal as itself, `{"expression": "now"}`, and
/// `{"sql": "<physical SQL>"}`), so that environment documents written before expressions
/// existed (a plain literal) read back unchanged.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnDefault {
    /// A JSON literal of the column's type, rendered by the engine's literal function.
    Literal(Value),
    /// A portable expression, rendered by the engine.
    Expression(PortableExpression),
    /// The engine's own SQL, parsed as one expression and printed in physical names.
    Sql(String),
}

impl ColumnDefault {
    /// The JSON form (see the type's documentation).
    pub fn to_json(&self) -> Value {
        match self {
            ColumnDefault::Literal(v) => FieldDefault::Literal(v.clone()).to_json(),
            ColumnDefault::Expression(e) => FieldDefault::Expression(*e).to_json(),
            ColumnDefault::Sql(sql) => {
                let mut map = Map::new();
                map.insert("sql".to_string(), Value::String(sql.clone()));
                Value::Object(map)
            }
        }
    }

    /// Reads [`ColumnDefault::to_json`]'s form back.
    pub fn from_json(value: &Value) -> Result<ColumnDefault, String> {
        if let Some(Value::String(sql)) = value.get("sql").filter(|_| needs_literal_wrapper(value))
        {
            return Ok(ColumnDefault::Sql(sql.clone()));
        }
        match FieldDefault::from_json(value)? {
            FieldDefault::Literal(v) => Ok(ColumnDefault::Literal(v)),
            FieldDefault::Expression(e) => Ok(ColumnDefault::Expression(e)),
            FieldDefault::Sql(_) => Err("a column default's sql is one string".to_string()),
        }
    }

    /// The literal, when the default is one.
    pub fn literal(&self) -> Option<&Value> {
        match self {
            ColumnDefault::Literal(v) => Some(v),
            ColumnDefault::Expression(_) | ColumnDefault::Sql(_) => None,
        }
    }

    /// A short form for people: the literal's JSON, `now`, or the SQL.
    pub fn describe(&self) -> String {
        match self {
            ColumnDefault::Literal(v) => v.to_string(),
            ColumnDefault::Expression(e) => e.name().to_string(),
            ColumnDefault::Sql(sql) => sql.clone(),
        }
    }
}

impl Serialize for ColumnDefault {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for ColumnDefault {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ColumnDefault, D::Error> {
        let value = Value::deserialize(d)?;
        ColumnDefault::from_json(&value).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_form_survives_its_json_form() {
        let forms = [
            FieldDefault::Literal(json!(5)),
            FieldDefault::Literal(json!("now")),
            FieldDefault::Literal(json!({"expression": "now"})),
            FieldDefault::Literal(json!({"a": 1, "sql": 2})),
            FieldDefault::Expression(PortableExpression::RandomUuid),
            FieldDefault::Sql(BTreeMap::from([(
                "postgres".to_string(),
                "'x'::text".to_string(),
            )])),
        ];
        for form in forms {
            let text = serde_json::to_string(&form).unwrap();
            let back: FieldDefault = serde_json::from_str(&text).unwrap();
            assert_eq!(back, form, "{text}");
        }
        // A literal object that looks like a form is wrapped; any other object is not.
        assert_eq!(
            FieldDefault::Literal(json!({"sql": 1})).to_json(),
            json!({"literal": {"sql": 1}})
        );
        assert_eq!(
            FieldDefault::Literal(json!({"a": 1})).to_json(),
            json!({"a": 1})
        );
    }
}
