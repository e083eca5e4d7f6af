//! Secret detection: a key that would hold a secret (`password`, `privateKey`, `token`, ...) is
//! refused without its value ever appearing in a message; `secretArn` (a reference) is the
//! allowed spelling.

use crate::json::{JsonObject, JsonValue};
use crate::reader::{Place, Reader};
use crate::rules;

/// looks_secret tells whether a key would hold a secret value. `secretArn` (a reference, not a
/// secret) is the one allowed spelling.
pub(super) fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase().replace(['_', '-'], "");
    k != "secretarn"
        && [
            "password",
            "passwd",
            "privatekey",
            "secret",
            "token",
            "passphrase",
            "apikey",
            "credential",
        ]
        .iter()
        .any(|s| k.contains(s))
        // CloudFormation's own key names the Lambda, it holds no secret.
        && key != "ServiceToken"
}

/// report_secrets reports every key of `value` that would hold a secret, for a location whose
/// other keys cannot be checked (its engine is unknown).
pub(super) fn report_secrets<J: JsonValue>(r: &mut Reader, value: &J, at: &Place<'_>) {
    for key in value.as_object().into_iter().flat_map(|m| m.keys()) {
        if looks_secret(key) {
            r.report(
                &at.key(key),
                rules::SECRET_IN_PROPERTIES,
                format!(
                    "`{key}` in the location would put a secret in the properties: store it in AWS Secrets Manager and give its ARN as `secretArn`"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::properties::parse_dataset;
    use crate::properties::test_support::{minimal, set};
    use crate::view::test_dialect::TEST_ENGINES;

    #[test]
    fn secrets_are_refused_without_echoing_them() {
        let raw = set(minimal(), "/location/password", json!("hunter2"));
        let raw = set(raw, "/location/private_key", json!("-----BEGIN hunter3"));
        let raw = set(raw, "/apiToken", json!("hunter4"));
        let err = parse_dataset(&raw, &TEST_ENGINES).unwrap_err();
        let got: Vec<_> = err.0.iter().map(|p| (p.rule, p.path.as_str())).collect();
        assert_eq!(
            got,
            [
                (rules::SECRET_IN_PROPERTIES, "apiToken"),
                (rules::SECRET_IN_PROPERTIES, "location.password"),
                (rules::SECRET_IN_PROPERTIES, "location.private_key"),
            ]
        );
        let text = err.to_string();
        assert!(!text.contains("hunter"), "{text}");
        assert!(text.contains("secretArn"), "{text}");
        // Even with a broken location type, a secret is caught.
        let raw = set(
            minimal(),
            "/location",
            json!({"type": "mysql", "password": "hunter5"}),
        );
        let err = parse_dataset(&raw, &TEST_ENGINES).unwrap_err();
        assert!(err.0.iter().any(|p| p.rule == rules::SECRET_IN_PROPERTIES));
        assert!(!err.to_string().contains("hunter"));
        assert!(
            !looks_secret("secretArn")
                && !looks_secret("ServiceToken")
                && looks_secret("clientSecret")
        );
    }
}
