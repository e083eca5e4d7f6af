//! `location`: where the dataset lives. Its `type` names one of the engines the reader was
//! given; that engine's [`LocationSchema`] says its other keys. With an unknown `type` only
//! secrets are still looked for.

use crate::engine::{Engines, LocationKey, LocationSchema, SettingKind};
use crate::json::{JsonObject, JsonValue};
use crate::lenient;
use crate::location::{Location, Setting};
use crate::reader::{Place, Reader};
use crate::rules;

use super::executor::read_port;
use super::scalars::{choice, object, optional_string};
use super::secrets::report_secrets;

/// read_location reads `location`, its keys chosen by its `type`.
pub(super) fn read_location<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    engines: &Engines<'_>,
) -> Option<Location> {
    let ids = engines.ids();
    let names: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
    let engine = value
        .as_object()
        .and_then(|m| m.get("type"))
        .map(|t| choice(r, t, &at.key("type"), "location `type`", &names));
    match engine {
        Some(Some(id)) => {
            let plugin = engines.find(id)?;
            read_settings(r, value, at, plugin.location_schema())
                .map(|(name, settings)| Location::new(plugin.engine(), name, settings))
        }
        // A wrong type is reported; the rest cannot be checked without knowing the engine,
        // except for secrets, which must never pass unnoticed.
        Some(None) => {
            report_secrets(r, value, at);
            None
        }
        None => {
            if value.as_object().is_some() {
                r.report(
                    &at.key("type"),
                    rules::REQUIRED,
                    format!("the location needs a `type`: {}", names.join(" or ")),
                );
                report_secrets(r, value, at);
            } else {
                r.report(
                    at,
                    rules::WRONG_JSON_TYPE,
                    format!("`location` must be an object, not {}", lenient::kind(value)),
                );
            }
            None
        }
    }
}

/// read_settings reads the location's keys by the engine's schema, in its order: its name and
/// its settings (those it sets), or `None` after reporting every problem.
fn read_settings<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    schema: &LocationSchema,
) -> Option<(String, Vec<(String, Setting)>)> {
    let allowed: Vec<&str> = std::iter::once("type")
        .chain(schema.keys.iter().map(|k| k.key))
        .collect();
    let map = object(r, value, at, schema.what, &allowed)?;
    let before = r.problems.len();
    let mut name = None;
    let mut settings = Vec::new();
    for key in schema.keys {
        let Some(setting) = read_setting(r, map, at, key) else {
            continue;
        };
        match (key.key, setting) {
            ("name", Setting::Text(text)) => name = Some(text),
            (_, setting) => settings.push((key.key.to_string(), setting)),
        }
    }
    if r.problems.len() > before {
        return None;
    }
    Some((name?, settings))
}

/// read_setting reads one key, reporting what is wrong with it: `None` when it is absent (and
/// optional) or wrong.
fn read_setting<O: JsonObject>(
    r: &mut Reader,
    map: &O,
    at: &Place<'_>,
    key: &LocationKey,
) -> Option<Setting> {
    let name = key.key;
    if let Some(what) = key.required {
        let value = r.required(map, at, name, what)?;
        return match key.kind {
            SettingKind::Port => read_port(r, value, &at.key(name)).map(number),
            _ => r
                .non_empty_string(value, &at.key(name), format_args!("`{name}`"))
                .and_then(|text| checked_text(r, at, key, text)),
        };
    }
    match key.kind {
        SettingKind::Port => map
            .get(name)
            .and_then(|value| read_port(r, value, &at.key(name)))
            .map(number),
        _ => optional_string(r, map, at, name)
            .flatten()
            .and_then(|text| checked_text(r, at, key, text)),
    }
}

fn number(port: u16) -> Setting {
    Setting::Number(u64::from(port))
}

/// checked_text checks a text of its kind: a URL names its scheme, a secret's ARN is an ARN.
fn checked_text(
    r: &mut Reader,
    at: &Place<'_>,
    key: &LocationKey,
    text: String,
) -> Option<Setting> {
    let name = key.key;
    match key.kind {
        SettingKind::Url if !(text.starts_with("https://") || text.starts_with("http://")) => {
            r.report(
                &at.key(name),
                rules::INVALID_VALUE,
                format!("`{name}` must be a URL (`https://host[:port]`)"),
            );
            None
        }
        SettingKind::SecretArn if !text.starts_with("arn:") => {
            r.report(
                &at.key(name),
                rules::INVALID_VALUE,
                format!("`{name}` must be an ARN (starting with `arn:`)"),
            );
            None
        }
        _ => Some(Setting::Text(text)),
    }
}
