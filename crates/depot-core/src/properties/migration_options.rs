//! `migrationOptions`: how a migration runs (synchronous or asynchronous mode with its event
//! bus), whether it triggers seeding, which hazards it may cause and its lock timeout.

use std::collections::BTreeSet;

use crate::dataset::{MigrationMode, MigrationOptions, LOCK_TIMEOUT_MS_RANGE};
use crate::hazard::Hazard;
use crate::json::{JsonObject, JsonValue, View};
use crate::lenient;
use crate::reader::{describe_scalar, Place, Reader};
use crate::rules;

use super::scalars::{choice, object, optional_arn};

const OPTIONS_KEYS: &[&str] = &[
    "migrationMode",
    "triggerSeeding",
    "allowedHazards",
    "lockTimeoutMs",
];
const MODE_KEYS: &[&str] = &["type", "eventBusArn", "customEventBinding"];

/// read_migration_options reads `migrationOptions`, filling in the defaults of absent keys.
pub(super) fn read_migration_options<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
) -> Option<MigrationOptions> {
    let map = object(r, value, at, "`migrationOptions`", OPTIONS_KEYS)?;
    let before = r.problems.len();
    let migration_mode = match map.get("migrationMode") {
        None => Some(MigrationMode::Synchronous {
            event_bus_arn: None,
        }),
        Some(v) => read_migration_mode(r, v, &at.key("migrationMode")),
    };
    let trigger_seeding = match map.get("triggerSeeding") {
        None => Some(false),
        Some(v) => r.bool(v, &at.key("triggerSeeding"), "`triggerSeeding`"),
    };
    let allowed_hazards = match map.get("allowedHazards") {
        None => Some(BTreeSet::new()),
        Some(v) => read_hazards(r, v, &at.key("allowedHazards")),
    };
    let lock_timeout_ms = match map.get("lockTimeoutMs") {
        None => Some(None),
        Some(v) => read_lock_timeout_ms(r, v, &at.key("lockTimeoutMs")).map(Some),
    };
    if r.problems.len() > before {
        return None;
    }
    Some(MigrationOptions {
        migration_mode: migration_mode?,
        trigger_seeding: trigger_seeding?,
        allowed_hazards: allowed_hazards?,
        lock_timeout_ms: lock_timeout_ms?,
    })
}

/// `lockTimeoutMs`: whole milliseconds in [`LOCK_TIMEOUT_MS_RANGE`], as a number or (as
/// CloudFormation sends every scalar) a string of digits.
fn read_lock_timeout_ms<J: JsonValue>(r: &mut Reader, value: &J, at: &Place<'_>) -> Option<u32> {
    match lenient::as_u32(value).filter(|ms| LOCK_TIMEOUT_MS_RANGE.contains(ms)) {
        Some(ms) => Some(ms),
        None => {
            r.report(
                at,
                rules::INVALID_VALUE,
                format!(
                    "`lockTimeoutMs` {} must be whole milliseconds from {} to {} (how long one \
                     migration statement waits for its lock before it is retried)",
                    describe_scalar(value),
                    LOCK_TIMEOUT_MS_RANGE.start(),
                    LOCK_TIMEOUT_MS_RANGE.end()
                ),
            );
            None
        }
    }
}

fn read_migration_mode<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
) -> Option<MigrationMode> {
    let map = object(r, value, at, "`migrationMode`", MODE_KEYS)?;
    let before = r.problems.len();
    let kind = match map.get("type") {
        None => Some("synchronous"),
        Some(v) => choice(
            r,
            v,
            &at.key("type"),
            "`migrationMode.type`",
            &["synchronous", "asynchronous"],
        ),
    };
    let event_bus_arn = optional_arn(r, map, at, "eventBusArn");
    let custom_event_binding = match map.get("customEventBinding") {
        None => Some(false),
        Some(v) => r.bool(v, &at.key("customEventBinding"), "`customEventBinding`"),
    };
    if kind == Some("synchronous") && custom_event_binding == Some(true) {
        r.report(
            &at.key("customEventBinding"),
            rules::INVALID_VALUE,
            "`customEventBinding` applies only to asynchronous mode: a synchronous migration runs at once, no runner receives its event",
        );
    }
    if r.problems.len() > before {
        return None;
    }
    Some(match kind? {
        "asynchronous" => MigrationMode::Asynchronous {
            event_bus_arn: event_bus_arn?,
            custom_event_binding: custom_event_binding?,
        },
        _ => MigrationMode::Synchronous {
            event_bus_arn: event_bus_arn?,
        },
    })
}

/// read_hazards reads `allowedHazards`: a list of hazard names, or one comma-separated string
/// (the form a CloudFormation `CommaDelimitedList` parameter may arrive in).
fn read_hazards<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
) -> Option<BTreeSet<Hazard>> {
    let names: Vec<(String, Place<'_>)> = match value.view() {
        View::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| (n.to_string(), *at))
            .collect(),
        View::Null | View::Bool(_) | View::Number(_) | View::Array(_) | View::Object(_) => r
            .string_list(value, at, "`allowedHazards`")?
            .into_iter()
            .enumerate()
            .map(|(i, n)| (n, at.index(i)))
            .collect(),
    };
    let before = r.problems.len();
    let mut out = BTreeSet::new();
    for (name, nat) in names {
        match Hazard::parse(&name) {
            Some(h) => {
                out.insert(h);
            }
            None => {
                let valid: Vec<&str> = Hazard::ALL.iter().map(Hazard::as_str).collect();
                let hint = Hazard::parse(&name.to_ascii_uppercase())
                    .map(|h| format!(" (did you mean `{h}`?)"))
                    .unwrap_or_default();
                r.report(
                    &nat,
                    rules::UNKNOWN_HAZARD,
                    format!(
                        "`{name}` is not a hazard{hint}; hazards: {}",
                        valid.join(", ")
                    ),
                );
            }
        }
    }
    (r.problems.len() == before).then_some(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::json;

    use crate::dataset::MigrationMode;
    use crate::hazard::Hazard;
    use crate::properties::parse_dataset;
    use crate::properties::test_support::{minimal, set};
    use crate::view::test_dialect::TEST_ENGINES;

    #[test]
    fn lock_timeout_ms_is_whole_milliseconds_in_range_as_a_number_or_a_string() {
        assert_eq!(
            parse_dataset(&minimal(), &TEST_ENGINES)
                .unwrap()
                .config
                .migration_options
                .lock_timeout_ms,
            None
        );
        for (given, expected) in [
            (json!(1000), 1000),
            (json!("250"), 250),
            (json!(50), 50),
            (json!("60000"), 60_000),
        ] {
            let raw = set(
                minimal(),
                "/migrationOptions",
                json!({"lockTimeoutMs": given.clone()}),
            );
            let d = parse_dataset(&raw, &TEST_ENGINES).unwrap_or_else(|e| panic!("{given}: {e}"));
            assert_eq!(d.config.migration_options.lock_timeout_ms, Some(expected));
        }
        for bad in [
            json!(49),
            json!("60001"),
            json!(-5),
            json!("1.5s"),
            json!(1.5),
            json!(true),
        ] {
            let raw = set(
                minimal(),
                "/migrationOptions",
                json!({"lockTimeoutMs": bad.clone()}),
            );
            let why = parse_dataset(&raw, &TEST_ENGINES).unwrap_err().to_string();
            assert!(
                why.contains("migrationOptions") && why.contains("lockTimeoutMs"),
                "{bad}: {why}"
            );
            assert!(why.contains("from 50 to 60000"), "{bad}: {why}");
        }
    }

    #[test]
    fn cloudformation_string_scalars_are_accepted() {
        let raw = set(
            minimal(),
            "/migrationOptions",
            json!({
                "migrationMode": {"type": "asynchronous", "customEventBinding": "true"},
                "triggerSeeding": "true",
                "allowedHazards": "DELETES_DATA, INDEX_BUILD",
            }),
        );
        let d = parse_dataset(&raw, &TEST_ENGINES).unwrap();
        let o = &d.config.migration_options;
        assert!(o.trigger_seeding);
        assert_eq!(
            o.migration_mode,
            MigrationMode::Asynchronous {
                event_bus_arn: None,
                custom_event_binding: true
            }
        );
        assert_eq!(
            o.allowed_hazards,
            BTreeSet::from([Hazard::DeletesData, Hazard::IndexBuild])
        );
    }
}
