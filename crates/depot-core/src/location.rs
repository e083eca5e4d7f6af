//! Location: where a dataset lives, engine-neutral. The core keeps an engine's id, the
//! location's name and the engine's settings as read and checked by its
//! [`crate::engine::LocationSchema`]; the engine crate turns them into its typed location
//! ([`Location::to_typed`]) to connect. Only ARNs of secrets are ever held, never their values.
//!
//! The JSON is the one of SPEC §2: `{"type": "postgres", "name": ..., <settings>}`, the settings
//! in the order of the engine's schema (as read from properties, or from a document Depot wrote;
//! a location read from a `serde_json::Value` has them in that map's order).

use std::fmt;

use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::dialect::EngineId;
use crate::engine::EnginePlugin;

/// Location is a storage engine instance: its engine, name and settings. Two locations are
/// equal when they set the same keys to the same values, in whatever order they were read.
#[derive(Debug, Clone)]
pub struct Location {
    engine: EngineId,
    name: String,
    /// Every other key, in the order of the engine's schema.
    settings: Vec<(String, Setting)>,
}

/// Setting is the value of one location key: text, or a number (a port).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Setting {
    Text(String),
    Number(u64),
}

/// LocationError: a location that is not the typed location an engine crate asked for.
#[derive(Debug, thiserror::Error)]
pub enum LocationError {
    #[error("the location is {found}, not {expected}")]
    OtherEngine { expected: EngineId, found: EngineId },
    #[error("the {engine} location does not hold what the engine needs: {source}")]
    Settings {
        engine: EngineId,
        #[source]
        source: serde_json::Error,
    },
}

impl Location {
    /// A location of `engine` named `name`, with `settings` in the order of its schema.
    pub fn new(engine: EngineId, name: String, settings: Vec<(String, Setting)>) -> Location {
        Location {
            engine,
            name,
            settings,
        }
    }

    /// The engine the location belongs to (its `type`).
    pub fn engine(&self) -> &EngineId {
        &self.engine
    }

    /// The location's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value of key `key`, when the location sets it.
    pub fn setting(&self, key: &str) -> Option<&Setting> {
        self.settings
            .iter()
            .find_map(|(k, v)| (k == key).then_some(v))
    }

    /// The engine's typed location (the engine crate's own struct: `name` and the settings as
    /// its fields), when the location is of `engine`.
    pub fn to_typed<T: DeserializeOwned>(&self, engine: &EngineId) -> Result<T, LocationError> {
        if self.engine != *engine {
            return Err(LocationError::OtherEngine {
                expected: engine.clone(),
                found: self.engine.clone(),
            });
        }
        let mut fields = Map::new();
        fields.insert("name".to_string(), Value::from(self.name.clone()));
        for (key, value) in &self.settings {
            let value = match value {
                Setting::Text(text) => Value::from(text.clone()),
                Setting::Number(n) => Value::from(*n),
            };
            fields.insert(key.clone(), value);
        }
        serde_json::from_value(Value::Object(fields)).map_err(|source| LocationError::Settings {
            engine: engine.clone(),
            source,
        })
    }

    /// The location of `engine` that `typed` (the engine crate's own struct) describes; its
    /// settings follow the engine's schema's order.
    pub fn from_typed<T: Serialize>(
        engine: &dyn EnginePlugin,
        typed: &T,
    ) -> Result<Location, LocationError> {
        let id = engine.engine();
        let settings_error = |source| LocationError::Settings {
            engine: id.clone(),
            source,
        };
        let value = serde_json::to_value(typed).map_err(settings_error)?;
        let Value::Object(mut fields) = value else {
            return Err(settings_error(de::Error::custom("not a JSON object")));
        };
        let name = match fields.remove("name") {
            Some(Value::String(name)) => name,
            _ => return Err(settings_error(de::Error::missing_field("name"))),
        };
        let mut settings = Vec::new();
        for key in engine.location_schema().keys {
            let Some(value) = fields.remove(key.key) else {
                continue;
            };
            let setting = serde_json::from_value(value).map_err(settings_error)?;
            settings.push((key.key.to_string(), setting));
        }
        if let Some(key) = fields.keys().next() {
            return Err(settings_error(de::Error::custom(format!(
                "`{key}` is not a key of the engine's location"
            ))));
        }
        Ok(Location::new(id, name, settings))
    }
}

impl PartialEq for Location {
    fn eq(&self, other: &Location) -> bool {
        self.engine == other.engine
            && self.name == other.name
            && self.settings.len() == other.settings.len()
            && self
                .settings
                .iter()
                .all(|(key, value)| other.setting(key) == Some(value))
    }
}

impl Eq for Location {}

impl Serialize for Location {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2 + self.settings.len()))?;
        map.serialize_entry("type", &self.engine)?;
        map.serialize_entry("name", &self.name)?;
        for (key, value) in &self.settings {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(LocationVisitor)
    }
}

struct LocationVisitor;

impl<'de> Visitor<'de> for LocationVisitor {
    type Value = Location;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a location: an object with `type`, `name` and the engine's keys")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Location, A::Error> {
        let mut engine: Option<EngineId> = None;
        let mut name: Option<String> = None;
        let mut settings = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" if engine.is_none() => engine = Some(map.next_value()?),
                "name" if name.is_none() => name = Some(map.next_value()?),
                "type" | "name" => return Err(de::Error::custom(format!("duplicate `{key}`"))),
                _ if settings.iter().any(|(k, _)| *k == key) => {
                    return Err(de::Error::custom(format!("duplicate `{key}`")))
                }
                _ => {
                    let value: Setting = map.next_value()?;
                    settings.push((key, value));
                }
            }
        }
        Ok(Location {
            engine: engine.ok_or_else(|| de::Error::missing_field("type"))?,
            name: name.ok_or_else(|| de::Error::missing_field("name"))?,
            settings,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;
    use crate::dialect::Dialect;
    use crate::view::test_dialect::{POSTGRES, SNOWFLAKE};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Typed {
        name: String,
        host: String,
        port: u16,
        database: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user: Option<String>,
    }

    fn typed() -> Typed {
        Typed {
            name: "main".into(),
            host: "db".into(),
            port: 5432,
            database: "app".into(),
            user: None,
        }
    }

    #[test]
    fn a_location_is_written_type_name_then_settings_in_the_schemas_order() {
        let location = Location::from_typed(&POSTGRES, &typed()).unwrap();
        assert_eq!(
            serde_json::to_string(&location).unwrap(),
            r#"{"type":"postgres","name":"main","host":"db","port":5432,"database":"app"}"#
        );
        let read: Location = serde_json::from_value(json!(
            {"type": "postgres", "name": "main", "host": "db", "port": 5432, "database": "app"}
        ))
        .unwrap();
        assert_eq!(read, location);
        assert_eq!(read.to_typed::<Typed>(&POSTGRES.engine()).unwrap(), typed());
    }

    #[test]
    fn the_typed_location_of_another_engine_or_shape_is_a_typed_error() {
        let location = Location::from_typed(&POSTGRES, &typed()).unwrap();
        assert!(matches!(
            location.to_typed::<Typed>(&SNOWFLAKE.engine()),
            Err(LocationError::OtherEngine { .. })
        ));
        let odd: Location = serde_json::from_value(json!(
            {"type": "postgres", "name": "main", "host": "db", "port": 5432, "database": "app", "warehouse": "W"}
        ))
        .unwrap();
        assert!(matches!(
            odd.to_typed::<Typed>(&POSTGRES.engine()),
            Err(LocationError::Settings { .. })
        ));
        let no_type = serde_json::from_value::<Location>(json!({"name": "main"}));
        assert!(no_type.is_err());
    }
}
