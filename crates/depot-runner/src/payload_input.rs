//! Where the runner's payload (SPEC §8) comes from: a file (`migration-runner PAYLOAD.json`),
//! standard input (`migration-runner -`, or no argument: the AWS Batch and Step Functions task
//! form), or the command line itself (`--payload-json '{...}'`, as AWS Batch passes a job
//! parameter).

use std::io::Read;
use std::path::PathBuf;

use depot_deploy::{PayloadParseError, RunPayload};

/// PayloadInput is where to read the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadInput {
    File(PathBuf),
    Stdin,
    Inline(String),
}

impl PayloadInput {
    /// The input the arguments name: `--payload-json` wins, then a path (`-` is stdin), then
    /// stdin.
    pub fn from_args(path: Option<PathBuf>, inline: Option<String>) -> PayloadInput {
        match (inline, path) {
            (Some(json), _) => PayloadInput::Inline(json),
            (None, Some(path)) if path.as_os_str() == "-" => PayloadInput::Stdin,
            (None, Some(path)) => PayloadInput::File(path),
            (None, None) => PayloadInput::Stdin,
        }
    }

    /// Where the payload came from, for messages.
    pub fn describe(&self) -> String {
        match self {
            PayloadInput::File(path) => path.display().to_string(),
            PayloadInput::Stdin => "standard input".to_string(),
            PayloadInput::Inline(_) => "--payload-json".to_string(),
        }
    }

    /// Reads and parses the payload; a payload whose fields are wrong (a plan key outside
    /// `sdp-<environmentId>/migrations/`, a bucket that is not a bucket name, ...) is refused
    /// here, before anything is read from where it points.
    pub fn read(&self) -> Result<RunPayload, PayloadInputError> {
        let text = match self {
            PayloadInput::File(path) => {
                std::fs::read_to_string(path).map_err(|source| PayloadInputError::Read {
                    from: self.describe(),
                    source,
                })?
            }
            PayloadInput::Stdin => {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|source| PayloadInputError::Read {
                        from: self.describe(),
                        source,
                    })?;
                text
            }
            PayloadInput::Inline(text) => text.clone(),
        };
        parse_payload(&text).map_err(|source| PayloadInputError::Payload {
            from: self.describe(),
            source,
        })
    }
}

/// PayloadInputError is why no payload came from an input. Each message is one line that
/// starts with where the payload came from.
#[derive(Debug, thiserror::Error)]
pub enum PayloadInputError {
    #[error("reading the payload {from}: {source}")]
    Read {
        from: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{from}: {source}")]
    Payload {
        from: String,
        #[source]
        source: PayloadError,
    },
}

/// PayloadError is why a text is not a usable payload.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("{0}")]
    Payload(#[from] PayloadParseError),
}

/// Parses and checks a payload from JSON text. Err says what is wrong, in SPEC §8's terms.
pub fn parse_payload(text: &str) -> Result<RunPayload, PayloadError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(PayloadError::NotJson)?;
    parse_payload_value(value)
}

/// Parses and checks a payload from a JSON value.
pub fn parse_payload_value(value: serde_json::Value) -> Result<RunPayload, PayloadError> {
    Ok(RunPayload::from_json(value)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arguments_choose_the_input() {
        assert_eq!(
            PayloadInput::from_args(Some("p.json".into()), None),
            PayloadInput::File("p.json".into())
        );
        assert_eq!(
            PayloadInput::from_args(Some("-".into()), None),
            PayloadInput::Stdin
        );
        assert_eq!(PayloadInput::from_args(None, None), PayloadInput::Stdin);
        assert_eq!(
            PayloadInput::from_args(Some("p.json".into()), Some("{}".into())),
            PayloadInput::Inline("{}".into())
        );
    }

    #[test]
    fn a_batch_payload_with_string_scalars_parses() {
        let payload = parse_payload(
            r#"{"eventId": "e", "datasetId": "9afc0c483ed3", "migrationPlanBucket": "sdp-bootstrap-b",
                "migrationPlanPrefix": "", "migrationPlanKey": "sdp-e2e404529091ed2/migrations/k.json",
                "chainWithSeeding": "true", "firstPhase": "100", "lastPhase": 2000}"#,
        )
        .unwrap();
        assert!(payload.chain_with_seeding);
        assert_eq!(
            (payload.first_phase, payload.last_phase),
            (Some(100), Some(2000))
        );
    }

    #[test]
    fn a_payload_without_its_plan_key_is_refused_saying_so() {
        let why = PayloadInput::Inline(r#"{"datasetId": "x", "migrationPlanBucket": "b"}"#.into())
            .read()
            .unwrap_err()
            .to_string();
        assert!(
            why.starts_with("--payload-json: not a migration runner payload"),
            "{why}"
        );
        assert!(why.contains("migrationPlanKey"), "{why}");
    }

    #[test]
    fn a_plan_key_with_a_parent_folder_is_refused_in_one_line_naming_the_field() {
        let why = PayloadInput::Inline(
            r#"{"datasetId": "9afc0c483ed3", "migrationPlanBucket": "sdp-bootstrap-b",
                "migrationPlanKey": "sdp-e2e404529091ed2/migrations/../../../../etc/x.json"}"#
                .into(),
        )
        .read()
        .unwrap_err();
        assert!(
            matches!(
                &why,
                PayloadInputError::Payload {
                    source: PayloadError::Payload(PayloadParseError::Invalid(
                        depot_deploy::PayloadError::Field {
                            field: "migrationPlanKey",
                            ..
                        }
                    )),
                    ..
                }
            ),
            "{why:?}"
        );
        let line = why.to_string();
        assert!(
            line.starts_with("--payload-json: invalid migration runner payload: migrationPlanKey "),
            "{line}"
        );
        assert!(!line.contains('\n'), "{line}");
    }
}
