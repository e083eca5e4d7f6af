//! A location's credentials from Secrets Manager, read by the `secretArn` of SPEC §2.
//!
//! - PostgreSQL: the JSON object RDS writes for a managed or rotated secret: `username`,
//!   `password`, and optionally `host`, `port` (number or string), `dbname`; other fields
//!   (`engine`, `dbInstanceIdentifier`, ...) are ignored.
//! - Snowflake: a JSON object with `privateKey` (PEM, PKCS#8) and an optional
//!   `privateKeyPassphrase`, or with `password`; optionally `username`. When both are present
//!   the key pair wins. A secret that is plain text (not a JSON object) is a password, or a key
//!   pair without passphrase when it is a PEM block.
//!
//! Secret values live in [`Redacted`], whose `Debug` prints `<redacted>` and which has no
//! `Display`; error messages name the ARN and the field, never a value.

use std::fmt;

use serde_json::{Map, Value};

use crate::sdk_error;

/// Redacted holds a secret value. `Debug` never shows it; [`Redacted::expose`] does, for the
/// one place that must hand it to a driver.
#[derive(Clone, PartialEq, Eq)]
pub struct Redacted(String);

impl Redacted {
    pub fn new(value: impl Into<String>) -> Redacted {
        Redacted(value.into())
    }

    /// The secret value itself. Never log or format it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// SecretError: a secret could not be read or does not have the expected shape. It names the
/// ARN and what is wrong, never a secret value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("secret {arn}: {message}")]
pub struct SecretError {
    pub arn: String,
    pub message: String,
}

/// PostgresCredentials: what RDS stores for a PostgreSQL (or Aurora PostgreSQL) user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresCredentials {
    pub username: String,
    pub password: Redacted,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub dbname: Option<String>,
}

/// SnowflakeCredentials: the user (when the secret names one) and how it authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnowflakeCredentials {
    pub username: Option<String>,
    pub auth: SnowflakeAuth,
}

/// SnowflakeAuth: a password, or a key pair (PEM private key, maybe encrypted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnowflakeAuth {
    Password(Redacted),
    KeyPair {
        private_key: Redacted,
        passphrase: Option<Redacted>,
    },
}

/// The secret's current value as text (`SecretString`, or `SecretBinary` holding UTF-8).
pub async fn read_secret(
    client: &aws_sdk_secretsmanager::Client,
    arn: &str,
) -> Result<Redacted, SecretError> {
    let fail = |message: String| SecretError {
        arn: arn.to_string(),
        message,
    };
    let output = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| {
            fail(format!(
                "GetSecretValue failed: {}",
                sdk_error::describe(&e)
            ))
        })?;
    if let Some(text) = output.secret_string {
        return Ok(Redacted(text));
    }
    match output.secret_binary {
        Some(blob) => String::from_utf8(blob.into_inner())
            .map(Redacted)
            .map_err(|_| fail("the binary secret is not UTF-8 text".to_string())),
        None => Err(fail("the secret has no value".to_string())),
    }
}

/// The PostgreSQL credentials in the secret `arn`.
pub async fn postgres_credentials(
    client: &aws_sdk_secretsmanager::Client,
    arn: &str,
) -> Result<PostgresCredentials, SecretError> {
    let secret = read_secret(client, arn).await?;
    PostgresCredentials::from_secret(arn, secret.expose())
}

/// The Snowflake credentials in the secret `arn`.
pub async fn snowflake_credentials(
    client: &aws_sdk_secretsmanager::Client,
    arn: &str,
) -> Result<SnowflakeCredentials, SecretError> {
    let secret = read_secret(client, arn).await?;
    SnowflakeCredentials::from_secret(arn, secret.expose())
}

impl PostgresCredentials {
    /// Parses the secret's text; `arn` only names it in errors.
    pub fn from_secret(arn: &str, text: &str) -> Result<PostgresCredentials, SecretError> {
        let fail = |message: String| SecretError {
            arn: arn.to_string(),
            message,
        };
        let fields = json_object(text).map_err(fail)?;
        let required = "a PostgreSQL secret needs `username` and `password` (RDS's JSON shape)";
        Ok(PostgresCredentials {
            username: string(&fields, "username")
                .map_err(fail)?
                .ok_or_else(|| fail(format!("no `username` field: {required}")))?,
            password: string(&fields, "password")
                .map_err(fail)?
                .map(Redacted)
                .ok_or_else(|| fail(format!("no `password` field: {required}")))?,
            host: string(&fields, "host").map_err(fail)?,
            port: port(&fields).map_err(fail)?,
            dbname: string(&fields, "dbname").map_err(fail)?,
        })
    }
}

impl SnowflakeCredentials {
    /// Parses the secret's text; `arn` only names it in errors.
    pub fn from_secret(arn: &str, text: &str) -> Result<SnowflakeCredentials, SecretError> {
        let fail = |message: String| SecretError {
            arn: arn.to_string(),
            message,
        };
        if !text.trim_start().starts_with('{') {
            let value = text.trim();
            if value.is_empty() {
                return Err(fail("the secret is empty".to_string()));
            }
            let auth = if value.starts_with("-----BEGIN") {
                SnowflakeAuth::KeyPair {
                    private_key: Redacted::new(value),
                    passphrase: None,
                }
            } else {
                SnowflakeAuth::Password(Redacted::new(value))
            };
            return Ok(SnowflakeCredentials {
                username: None,
                auth,
            });
        }
        let fields = json_object(text).map_err(fail)?;
        let username = string(&fields, "username").map_err(fail)?;
        let auth = if let Some(key) = string(&fields, "privateKey").map_err(fail)? {
            SnowflakeAuth::KeyPair {
                private_key: Redacted(key),
                passphrase: string(&fields, "privateKeyPassphrase")
                    .map_err(fail)?
                    .map(Redacted),
            }
        } else if let Some(password) = string(&fields, "password").map_err(fail)? {
            SnowflakeAuth::Password(Redacted(password))
        } else {
            return Err(fail(
                "neither `privateKey` nor `password`: a Snowflake secret holds a key pair \
                 (`privateKey`, optional `privateKeyPassphrase`) or a `password`"
                    .to_string(),
            ));
        };
        Ok(SnowflakeCredentials { username, auth })
    }
}

/// The secret as a JSON object. A syntax error is reported by position only: serde_json's
/// messages may quote the text, and the text is secret.
fn json_object(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err("the secret is JSON but not an object".to_string()),
        Err(e) => Err(format!(
            "the secret is not valid JSON (error at line {} column {})",
            e.line(),
            e.column()
        )),
    }
}

/// A string field; absent, null and empty are `None`. Messages name the field, not its value.
fn string(fields: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("field `{name}` must be a string")),
    }
}

/// `port`, a number or a string of digits (both occur in RDS secrets).
fn port(fields: &Map<String, Value>) -> Result<Option<u16>, String> {
    let bad = || "field `port` must be a port number (1-65535)".to_string();
    let port = match fields.get("port") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_u64().ok_or_else(bad)?,
        Some(Value::String(s)) => s.trim().parse::<u64>().map_err(|_| bad())?,
        Some(_) => return Err(bad()),
    };
    match u16::try_from(port) {
        Ok(port) if port > 0 => Ok(Some(port)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:secretsmanager:eu-west-1:058264526050:secret:depot/main";

    #[test]
    fn rds_json_parses_with_port_as_number_or_string() {
        let text = r#"{"engine":"postgres","username":"depot","password":"s3cr3t-pw",
            "host":"db.example.internal","port":5432,"dbname":"app","dbInstanceIdentifier":"x"}"#;
        let creds = PostgresCredentials::from_secret(ARN, text).unwrap();
        assert_eq!(creds.username, "depot");
        assert_eq!(creds.password.expose(), "s3cr3t-pw");
        assert_eq!(creds.host.as_deref(), Some("db.example.internal"));
        assert_eq!(creds.port, Some(5432));
        assert_eq!(creds.dbname.as_deref(), Some("app"));
        assert!(!format!("{creds:?}").contains("s3cr3t-pw"));

        let text = r#"{"username":"depot","password":"pw","port":"6432"}"#;
        let creds = PostgresCredentials::from_secret(ARN, text).unwrap();
        assert_eq!(creds.port, Some(6432));
        assert_eq!(creds.host, None);
    }

    #[test]
    fn postgres_errors_name_the_arn_and_field_but_no_value() {
        for (text, expected) in [
            (r#"{"username":"depot"}"#, "no `password` field"),
            (r#"{"password":"hunter22"}"#, "no `username` field"),
            (
                r#"{"username":"depot","password":1234567}"#,
                "`password` must be a string",
            ),
            (
                r#"{"username":"depot","password":"hunter22","port":"hunter22"}"#,
                "`port`",
            ),
            (
                r#"{"username":"depot","password":"hunter22",}"#,
                "not valid JSON",
            ),
            (r#"hunter22"#, "not valid JSON"),
            (r#"["hunter22"]"#, "not an object"),
        ] {
            let e = PostgresCredentials::from_secret(ARN, text).unwrap_err();
            let shown = format!("{e} {e:?}");
            assert!(shown.contains(expected), "{shown}");
            assert!(shown.contains(ARN), "{shown}");
            assert!(
                !shown.contains("hunter22") && !shown.contains("1234567"),
                "{shown}"
            );
        }
    }

    #[test]
    fn snowflake_key_pair_password_and_plain_text() {
        let key =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHD\n-----END ENCRYPTED PRIVATE KEY-----";
        let text = serde_json::json!({
            "username": "DEPOT", "privateKey": key, "privateKeyPassphrase": "open-sesame",
            "password": "also-here"
        })
        .to_string();
        let creds = SnowflakeCredentials::from_secret(ARN, &text).unwrap();
        assert_eq!(creds.username.as_deref(), Some("DEPOT"));
        match &creds.auth {
            SnowflakeAuth::KeyPair {
                private_key,
                passphrase,
            } => {
                assert_eq!(private_key.expose(), key);
                assert_eq!(passphrase.as_ref().unwrap().expose(), "open-sesame");
            }
            other => panic!("expected a key pair, got {other:?}"),
        }
        let shown = format!("{creds:?}");
        assert!(
            !shown.contains("MIIFHD") && !shown.contains("open-sesame"),
            "{shown}"
        );
        assert!(!shown.contains("also-here"), "{shown}");

        let creds = SnowflakeCredentials::from_secret(ARN, r#"{"password":"pw-1"}"#).unwrap();
        assert_eq!(creds.auth, SnowflakeAuth::Password(Redacted::new("pw-1")));
        assert_eq!(format!("{:?}", creds.auth), "Password(<redacted>)");

        let creds = SnowflakeCredentials::from_secret(ARN, "plain-pw\n").unwrap();
        assert_eq!(
            creds.auth,
            SnowflakeAuth::Password(Redacted::new("plain-pw"))
        );
        let creds = SnowflakeCredentials::from_secret(ARN, key).unwrap();
        assert!(matches!(
            creds.auth,
            SnowflakeAuth::KeyPair {
                passphrase: None,
                ..
            }
        ));

        let e = SnowflakeCredentials::from_secret(ARN, r#"{"username":"DEPOT"}"#).unwrap_err();
        assert!(
            e.to_string()
                .contains("neither `privateKey` nor `password`"),
            "{e}"
        );
    }
}
