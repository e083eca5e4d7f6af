//! Credentials: how a Snowflake session authenticates. Defined here rather than taken from
//! depot-aws (which reads them from Secrets Manager) because depot-aws opens location sessions
//! and so depends on the engines; depot-aws converts its `SnowflakeCredentials` to these.
//!
//! Secret values live in [`Secret`], whose `Debug` prints `<redacted>` and which has no
//! `Display`: they never reach logs, plans, events or error messages.

use std::fmt;

/// Secret holds a secret value; [`Secret::expose`] is for the one place that hands it to the
/// driver.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret value itself. Never log or format it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Credentials: the user (when the secret names one; else the location's `user`) and how it
/// authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: Option<String>,
    pub auth: Auth,
}

/// Auth: a password, or a key pair (PEM PKCS#8 private key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    Password(Secret),
    KeyPair {
        private_key: Secret,
        /// Set when the key is encrypted; `snowflake-api` signs only with an unencrypted key,
        /// so such credentials are refused with a message saying so.
        passphrase: Option<Secret>,
    },
}

impl Credentials {
    /// A password for the location's user (local use: `SNOWFLAKE_PASSWORD`).
    pub fn password(password: impl Into<String>) -> Credentials {
        Credentials {
            username: None,
            auth: Auth::Password(Secret::new(password)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_secret() {
        let c = Credentials {
            username: Some("DEPOT".to_string()),
            auth: Auth::KeyPair {
                private_key: Secret::new("-----BEGIN PRIVATE KEY-----abc"),
                passphrase: Some(Secret::new("hunter2")),
            },
        };
        let shown = format!("{c:?} {:?}", Credentials::password("pw1"));
        assert!(!shown.contains("abc") && !shown.contains("hunter2") && !shown.contains("pw1"));
        assert!(shown.contains("DEPOT"));
    }
}
