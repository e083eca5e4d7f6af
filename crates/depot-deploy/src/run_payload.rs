//! RunPayload: SPEC §8's migration runner payload, checked where it is parsed. A payload names a
//! bucket and a key that the runner reads (and, for a local `depot`, a folder and a file under
//! the state folder), so a field such as `migrationPlanKey: "../../x"` would read or write
//! outside the place plans live. Every way in (a file, stdin, `--payload-json`, the FIFO queue,
//! the Lambda event, a struct built in code) goes through [`RunPayload::validate`]:
//! deserializing validates, and [`crate::Deployer::run_target`] validates again before it reads.

use serde::{Deserialize, Deserializer};

/// RunPayload is SPEC §8's payload. Scalars may arrive as strings (Step Functions, Batch).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "UncheckedPayload")]
pub struct RunPayload {
    pub event_id: Option<String>,
    pub dataset_id: String,
    pub migration_plan_bucket: String,
    pub migration_plan_prefix: String,
    pub migration_plan_key: String,
    pub chain_with_seeding: bool,
    pub first_phase: Option<u32>,
    pub last_phase: Option<u32>,
}

/// PayloadError names the payload field that is wrong and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("{field} {value:?} {rule}")]
    Field {
        /// The field's name as the payload spells it (`migrationPlanKey`).
        field: &'static str,
        value: String,
        rule: &'static str,
    },
    #[error("firstPhase {first} is after lastPhase {last}: the range would run nothing")]
    EmptyPhaseRange { first: u32, last: u32 },
}

/// PayloadParseError is why a JSON value is not a usable payload: its shape (a field missing or
/// of the wrong type), or a field's value.
#[derive(Debug, thiserror::Error)]
pub enum PayloadParseError {
    #[error("not a migration runner payload (SPEC §8): {0}")]
    Shape(#[source] serde_json::Error),
    #[error("invalid migration runner payload: {0}")]
    Invalid(#[from] PayloadError),
}

/// The highest phase number a Depot plan uses (SPEC §5).
pub const LAST_PHASE: u32 = 9900;
/// How long an `eventId` may be: it is logged, and any identifier fits.
const EVENT_ID_MAX: usize = 256;

impl RunPayload {
    /// Checks every field against SPEC §4 and §8; the first field that is wrong is the error.
    pub fn validate(&self) -> Result<(), PayloadError> {
        if let Some(event_id) = &self.event_id {
            if event_id.len() > EVENT_ID_MAX || event_id.chars().any(char::is_control) {
                return Err(field_error(
                    "eventId",
                    event_id,
                    "must be at most 256 characters without control characters",
                ));
            }
        }
        if !is_dataset_id(&self.dataset_id) {
            return Err(field_error(
                "datasetId",
                &self.dataset_id,
                "must be a dataset id: 12 lowercase hex characters",
            ));
        }
        if let Some(rule) = bucket_name_rule(&self.migration_plan_bucket) {
            return Err(field_error(
                "migrationPlanBucket",
                &self.migration_plan_bucket,
                rule,
            ));
        }
        if let Some(rule) = prefix_rule(&self.migration_plan_prefix) {
            return Err(field_error(
                "migrationPlanPrefix",
                &self.migration_plan_prefix,
                rule,
            ));
        }
        if let Some(rule) = plan_key_rule(&self.migration_plan_key) {
            return Err(field_error(
                "migrationPlanKey",
                &self.migration_plan_key,
                rule,
            ));
        }
        for (field, phase) in [
            ("firstPhase", self.first_phase),
            ("lastPhase", self.last_phase),
        ] {
            if let Some(phase) = phase {
                if !(1..=LAST_PHASE).contains(&phase) {
                    return Err(field_error(
                        field,
                        &phase.to_string(),
                        "must be a phase number from 1 to 9900",
                    ));
                }
            }
        }
        if let (Some(first), Some(last)) = (self.first_phase, self.last_phase) {
            if first > last {
                return Err(PayloadError::EmptyPhaseRange { first, last });
            }
        }
        Ok(())
    }

    /// Parses and checks a payload, keeping a refused field's error typed (deserializing
    /// through serde turns it into text).
    pub fn from_json(value: serde_json::Value) -> Result<RunPayload, PayloadParseError> {
        let unchecked: UncheckedPayload =
            serde_json::from_value(value).map_err(PayloadParseError::Shape)?;
        Ok(RunPayload::try_from(unchecked)?)
    }

    /// The environment id in the plan key (`sdp-<environmentId>/migrations/...`); `None` for a
    /// key that [`RunPayload::validate`] refuses.
    pub fn environment_id(&self) -> Option<&str> {
        self.migration_plan_key
            .split('/')
            .next()
            .and_then(|first| first.strip_prefix("sdp-"))
            .filter(|id| is_environment_id(id))
    }
}

fn field_error(field: &'static str, value: &str, rule: &'static str) -> PayloadError {
    PayloadError::Field {
        field,
        value: value.to_string(),
        rule,
    }
}

/// A dataset id: 12 lowercase hex characters (SPEC §2).
pub fn is_dataset_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(is_lower_hex)
}

/// An environment id: 15 lowercase hex characters (SPEC vocabulary).
fn is_environment_id(s: &str) -> bool {
    s.len() == 15 && s.bytes().all(is_lower_hex)
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// Why `name` is not a valid S3 bucket name (general purpose buckets' rules), or `None`.
fn bucket_name_rule(name: &str) -> Option<&'static str> {
    if !(3..=63).contains(&name.len()) {
        return Some("must be an S3 bucket name: 3 to 63 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return Some("must be an S3 bucket name: lowercase letters, digits, dots and hyphens only");
    }
    let bytes = name.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return Some("must be an S3 bucket name: it begins and ends with a letter or a digit");
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return Some("must be an S3 bucket name: no two dots in a row, no dot next to a hyphen");
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some("must be an S3 bucket name, not an IP address");
    }
    None
}

/// Why one `/`-separated segment of a key may not be used, or `None`. Plan keys hold letters,
/// digits, `_`, `-`, `.` and `:` (the timestamp); nothing else is needed, and `.`/`..` or an
/// empty segment would leave the folder the key names (or name another object than the one
/// written).
fn segment_rule(segment: &str) -> Option<&'static str> {
    if segment.is_empty() {
        return Some("has an empty path segment (a leading, doubled or trailing '/')");
    }
    if segment == "." || segment == ".." {
        return Some("has a '.' or '..' path segment");
    }
    if !segment
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
    {
        return Some(
            "may hold only letters, digits and '_', '-', '.', ':' between its '/' separators",
        );
    }
    None
}

/// Why `prefix` is not a usable key prefix, or `None`. It is empty (SPEC §8: usually), or folders
/// ending with `/`.
fn prefix_rule(prefix: &str) -> Option<&'static str> {
    if prefix.is_empty() {
        return None;
    }
    let Some(folders) = prefix.strip_suffix('/') else {
        return Some("must be empty or end with '/'");
    };
    folders.split('/').find_map(segment_rule)
}

/// Why `key` is not a Depot plan key (SPEC §4:
/// `sdp-<environmentId>/migrations/<datasetId>_<alias>/<day>/<file>.json`), or `None`.
fn plan_key_rule(key: &str) -> Option<&'static str> {
    if let Some(rule) = key.split('/').find_map(segment_rule) {
        return Some(rule);
    }
    let mut segments = key.split('/');
    let environment = segments.next().unwrap_or_default();
    if !environment
        .strip_prefix("sdp-")
        .is_some_and(is_environment_id)
    {
        return Some("must be a Depot plan key: it begins with sdp-<environmentId>/migrations/");
    }
    if segments.next() != Some("migrations") || segments.next().is_none() {
        return Some("must be a Depot plan key: it begins with sdp-<environmentId>/migrations/");
    }
    if !key.ends_with(".json") {
        return Some("must be a Depot plan key: it ends with .json");
    }
    None
}

/// The payload as it arrives, before [`RunPayload::validate`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UncheckedPayload {
    #[serde(default)]
    event_id: Option<String>,
    dataset_id: String,
    migration_plan_bucket: String,
    #[serde(default)]
    migration_plan_prefix: String,
    migration_plan_key: String,
    #[serde(default, deserialize_with = "lenient_bool")]
    chain_with_seeding: bool,
    #[serde(default, deserialize_with = "lenient_u32")]
    first_phase: Option<u32>,
    #[serde(default, deserialize_with = "lenient_u32")]
    last_phase: Option<u32>,
}

impl TryFrom<UncheckedPayload> for RunPayload {
    type Error = PayloadError;

    fn try_from(raw: UncheckedPayload) -> Result<RunPayload, PayloadError> {
        let payload = RunPayload {
            event_id: raw.event_id,
            dataset_id: raw.dataset_id,
            migration_plan_bucket: raw.migration_plan_bucket,
            migration_plan_prefix: raw.migration_plan_prefix,
            migration_plan_key: raw.migration_plan_key,
            chain_with_seeding: raw.chain_with_seeding,
            first_phase: raw.first_phase,
            last_phase: raw.last_phase,
        };
        payload.validate()?;
        Ok(payload)
    }
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => Ok(b),
        serde_json::Value::String(s) if s == "true" => Ok(true),
        serde_json::Value::String(s) if s == "false" || s.is_empty() => Ok(false),
        serde_json::Value::Null => Ok(false),
        other => Err(serde::de::Error::custom(format!(
            "expected true or false, got {other}"
        ))),
    }
}

fn lenient_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) if s.is_empty() => Ok(None),
        serde_json::Value::String(s) => s
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("expected a phase number, got {s:?}"))),
        serde_json::Value::Number(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("expected a phase number, got {n}"))),
        other => Err(serde::de::Error::custom(format!(
            "expected a phase number, got {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const KEY: &str = "sdp-e2e404529091ed2/migrations/6d9c7969f0b1_WsDevDogSrc/2025-04-28/2025-04-28T08:31:33.816Z_MIGRATION_PLANNED_6d9c7969f0b1_WsDevDogSrc_01967b85-dd5c-7306-b067-0a06ab34d6ae.json";

    fn good() -> Value {
        json!({"eventId": "4ec69297-6006-1d40-0b49-0c1110e74f22", "datasetId": "6d9c7969f0b1",
               "migrationPlanBucket": "sdp-bootstrap-058264526050-eu-west-1",
               "migrationPlanPrefix": "", "migrationPlanKey": KEY,
               "chainWithSeeding": "false", "firstPhase": "100", "lastPhase": 2000})
    }

    fn refusal(field: &str, value: Value) -> String {
        let mut payload = good();
        payload[field] = value;
        serde_json::from_value::<RunPayload>(payload)
            .expect_err("a hostile payload must be refused")
            .to_string()
    }

    #[test]
    fn a_payload_that_depot_sends_parses() {
        let payload: RunPayload = serde_json::from_value(good()).unwrap();
        assert_eq!(payload.migration_plan_key, KEY);
        assert_eq!(payload.first_phase, Some(100));
        assert_eq!(payload.environment_id(), Some("e2e404529091ed2"));
        let mut prefixed = good();
        prefixed["migrationPlanPrefix"] = json!("archive/2025/");
        assert!(serde_json::from_value::<RunPayload>(prefixed).is_ok());
    }

    #[test]
    fn a_plan_key_that_leaves_the_migrations_folder_is_refused_naming_the_field() {
        for key in [
            "../../../etc/passwd.json",
            "sdp-e2e404529091ed2/migrations/../../../outside.json",
            "sdp-e2e404529091ed2/migrations/./x.json",
            "/sdp-e2e404529091ed2/migrations/x.json",
            "sdp-e2e404529091ed2/migrations//x.json",
            "sdp-e2e404529091ed2/migrations/a\\..\\..\\x.json",
            "sdp-e2e404529091ed2/migrations/x\u{0}.json",
            "sdp-e2e404529091ed2/datasets/6d9c7969f0b1/x.json",
            "sdp-E2E404529091ED2/migrations/x.json",
            "sdp-e2e404529091ed2/migrations/x.txt",
            "sdp-e2e404529091ed2/migrations",
            "",
        ] {
            let why = refusal("migrationPlanKey", json!(key));
            assert!(why.starts_with("migrationPlanKey "), "{key:?}: {why}");
        }
    }

    #[test]
    fn a_prefix_with_a_parent_folder_is_refused() {
        for prefix in ["../", "a/../", "/abs/", "a//", "a", "./"] {
            let why = refusal("migrationPlanPrefix", json!(prefix));
            assert!(why.starts_with("migrationPlanPrefix "), "{prefix:?}: {why}");
        }
    }

    #[test]
    fn a_bucket_that_is_not_an_s3_bucket_name_is_refused() {
        for bucket in [
            "..",
            "../etc",
            "a/b",
            "ab",
            "Bucket-Upper",
            "-leading",
            "trailing.",
            "a..b",
            "192.168.1.1",
            &"x".repeat(64),
        ] {
            let why = refusal("migrationPlanBucket", json!(bucket));
            assert!(why.starts_with("migrationPlanBucket "), "{bucket:?}: {why}");
        }
    }

    #[test]
    fn a_dataset_id_that_is_not_twelve_lowercase_hex_is_refused() {
        for id in [
            "",
            "../6d9c7969f0",
            "6D9C7969F0B1",
            "6d9c7969f0b",
            "6d9c7969f0b1a",
        ] {
            let why = refusal("datasetId", json!(id));
            assert!(why.starts_with("datasetId "), "{id:?}: {why}");
        }
    }

    #[test]
    fn phases_out_of_range_or_reversed_are_refused() {
        assert!(refusal("firstPhase", json!(0)).starts_with("firstPhase "));
        assert!(refusal("lastPhase", json!("99999")).starts_with("lastPhase "));
        assert!(refusal("lastPhase", json!(-1)).contains("phase number"));
        let why = refusal("lastPhase", json!(50));
        assert!(
            why.contains("firstPhase 100 is after lastPhase 50"),
            "{why}"
        );
    }

    #[test]
    fn an_event_id_with_a_line_break_is_refused() {
        let why = refusal("eventId", json!("a\nforged log line"));
        assert!(why.starts_with("eventId "), "{why}");
    }

    #[test]
    fn from_json_keeps_the_refusal_typed() {
        let mut payload = good();
        payload["migrationPlanBucket"] = json!("../state");
        assert!(matches!(
            RunPayload::from_json(payload),
            Err(PayloadParseError::Invalid(PayloadError::Field {
                field: "migrationPlanBucket",
                ..
            }))
        ));
        assert!(matches!(
            RunPayload::from_json(json!({"hello": "world"})),
            Err(PayloadParseError::Shape(_))
        ));
    }

    #[test]
    fn a_payload_built_in_code_is_checked_too() {
        let mut payload: RunPayload = serde_json::from_value(good()).unwrap();
        payload.migration_plan_key = "sdp-e2e404529091ed2/migrations/../x.json".into();
        assert!(matches!(
            payload.validate(),
            Err(PayloadError::Field {
                field: "migrationPlanKey",
                ..
            })
        ));
    }
}
