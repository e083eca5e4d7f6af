//! `planTransformer`: the program that may adjust a plan before it runs, a Lambda function in
//! the cloud or a command on the command line, with its timeout.

use crate::dataset::{PlanTransformerConfig, PLAN_TRANSFORMER_TIMEOUT_RANGE};
use crate::json::{JsonObject, JsonValue};
use crate::lenient;
use crate::reader::{describe_scalar, Place, Reader};
use crate::rules;

use super::scalars::{object, optional_arn};

const TRANSFORMER_KEYS: &[&str] = &["lambdaArn", "command", "timeoutSeconds"];

/// `planTransformer`: `{"lambdaArn": "arn:aws:lambda:..."}` or `{"command": ["prog", "arg"]}`,
/// with an optional `timeoutSeconds`.
pub(super) fn read_plan_transformer<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
) -> Option<PlanTransformerConfig> {
    let map = object(r, value, at, "`planTransformer`", TRANSFORMER_KEYS)?;
    let before = r.problems.len();
    let lambda_arn = optional_arn(r, map, at, "lambdaArn");
    if let Some(Some(arn)) = &lambda_arn {
        if !arn.starts_with("arn:aws") || !arn.contains(":lambda:") {
            r.report(
                &at.key("lambdaArn"),
                rules::INVALID_VALUE,
                "`planTransformer.lambdaArn` must be a Lambda function ARN (`arn:aws:lambda:...`)",
            );
        }
    }
    let command = match map.get("command") {
        None => Some(None),
        Some(v) => r
            .string_list(v, &at.key("command"), "`planTransformer.command`")
            .and_then(|c| {
                if c.is_empty() || c[0].trim().is_empty() {
                    r.report(
                        &at.key("command"),
                        rules::EMPTY_VALUE,
                        "`planTransformer.command` must name a program: [\"program\", \"arg\", ...]",
                    );
                    None
                } else {
                    Some(Some(c))
                }
            }),
    };
    let timeout_seconds = match map.get("timeoutSeconds") {
        None => Some(None),
        Some(v) => {
            match lenient::as_u32(v).filter(|s| PLAN_TRANSFORMER_TIMEOUT_RANGE.contains(s)) {
                Some(s) => Some(Some(s)),
                None => {
                    r.report(
                        &at.key("timeoutSeconds"),
                        rules::INVALID_VALUE,
                        format!(
                        "`planTransformer.timeoutSeconds` {} must be whole seconds from {} to {}",
                        describe_scalar(v),
                        PLAN_TRANSFORMER_TIMEOUT_RANGE.start(),
                        PLAN_TRANSFORMER_TIMEOUT_RANGE.end()
                    ),
                    );
                    None
                }
            }
        }
    };
    match (&lambda_arn, &command) {
        (Some(Some(_)), Some(Some(_))) => r.report(
            at,
            rules::INVALID_VALUE,
            "`planTransformer` names either `lambdaArn` (in the cloud) or `command` (the command line), not both",
        ),
        (Some(None), Some(None)) => r.report(
            at,
            rules::REQUIRED,
            "`planTransformer` needs `lambdaArn` (in the cloud) or `command` (the command line)",
        ),
        _ => {}
    }
    if r.problems.len() > before {
        return None;
    }
    Some(PlanTransformerConfig {
        lambda_arn: lambda_arn?,
        command: command?,
        timeout_seconds: timeout_seconds?,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::properties::parse_dataset;
    use crate::properties::test_support::{minimal, problems, set};
    use crate::view::test_dialect::TEST_ENGINES;

    #[test]
    fn a_plan_transformer_is_a_lambda_or_a_command_and_part_of_the_hash() {
        let hash = |raw: &Value| {
            let d = parse_dataset(raw, &TEST_ENGINES).unwrap();
            crate::hash::version_hash(&d.config, &d.package)
        };
        let lambda = set(
            minimal(),
            "/planTransformer",
            json!({"lambdaArn": "arn:aws:lambda:eu-west-1:123456789012:function:adjust"}),
        );
        let local = set(
            minimal(),
            "/planTransformer",
            json!({"command": ["./adjust.py", "--analyze"], "timeoutSeconds": "10"}),
        );
        let t = parse_dataset(&local, &TEST_ENGINES)
            .unwrap()
            .config
            .plan_transformer
            .unwrap();
        assert_eq!(t.command.as_deref().unwrap(), ["./adjust.py", "--analyze"]);
        assert_eq!(t.timeout(), std::time::Duration::from_secs(10));
        let base = hash(&minimal());
        assert_ne!(hash(&lambda), base);
        assert_ne!(hash(&local), base);
        assert_ne!(hash(&lambda), hash(&local));
        // Without one, the configuration is what it was.
        let config =
            serde_json::to_value(parse_dataset(&minimal(), &TEST_ENGINES).unwrap().config).unwrap();
        assert!(config.get("planTransformer").is_none());
    }

    #[test]
    fn bad_plan_transformers_are_named() {
        for (transformer, path) in [
            (json!({}), "planTransformer"),
            (
                json!({"lambdaArn": "arn:aws:lambda:eu-west-1:1:function:f", "command": ["x"]}),
                "planTransformer",
            ),
            (json!({"command": []}), "planTransformer.command"),
            (json!({"command": "adjust.py"}), "planTransformer.command"),
            (json!({"lambdaArn": "adjust"}), "planTransformer.lambdaArn"),
            (
                json!({"lambdaArn": "arn:aws:sqs:eu-west-1:1:q"}),
                "planTransformer.lambdaArn",
            ),
            (
                json!({"command": ["x"], "timeoutSeconds": 901}),
                "planTransformer.timeoutSeconds",
            ),
            (
                json!({"command": ["x"], "retries": 2}),
                "planTransformer.retries",
            ),
        ] {
            let raw = set(minimal(), "/planTransformer", transformer.clone());
            let got = problems(raw);
            assert_eq!(got.len(), 1, "{transformer}: {got:?}");
            assert_eq!(got[0].1, path, "{transformer}: {got:?}");
        }
    }
}
