//! AwsTrust: which root certificates the AWS API calls trust.
//!
//! By default only the Amazon Trust Services roots (`certs/amazon-trust-services.pem`, built
//! into the binary): every AWS service endpoint, VPC interface endpoints included, presents a
//! certificate that chains to one of them. Trusting those six instead of the platform's ~140
//! is narrower, and it is cheaper: parsing the platform bundle (~220 kB of PEM) was most of
//! what a Lambda function's cold init spent beyond a hello-world function's (`make
//! bench-lambda`).
//!
//! Where another CA must be trusted (a TLS-inspecting proxy, a partition whose endpoints use
//! other roots, a local emulator behind HTTPS), `AWS_CA_BUNDLE` (the variable the AWS CLI
//! reads) or `SSL_CERT_FILE` names a PEM bundle that is trusted instead. A bundle named there
//! that cannot be read or holds no certificate is an error, not a silent fallback.

use std::path::PathBuf;

/// The Amazon Trust Services root CAs, as PEM.
pub const AMAZON_TRUST_SERVICES_PEM: &str = include_str!("../certs/amazon-trust-services.pem");

/// The environment variables naming a CA bundle to trust instead, first one set wins.
pub const CA_BUNDLE_VARIABLES: [&str; 2] = ["AWS_CA_BUNDLE", "SSL_CERT_FILE"];

/// AwsTrust is the set of root certificates for AWS API calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsTrust {
    /// The built-in Amazon Trust Services roots.
    AmazonTrustServices,
    /// A PEM bundle read from a file named by `variable`.
    Bundle {
        variable: &'static str,
        path: PathBuf,
        pem: Vec<u8>,
    },
}

/// TrustError is a CA bundle named in the environment that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("{variable}={}: cannot read the CA bundle: {source}", path.display())]
    Unreadable {
        variable: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{variable}={}: the file holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display())]
    NoCertificate {
        variable: &'static str,
        path: PathBuf,
    },
    #[error("the CA certificates could not be loaded for HTTPS: {0}")]
    Tls(String),
}

impl AwsTrust {
    /// The trust the environment asks for: the bundle of the first of [`CA_BUNDLE_VARIABLES`]
    /// that is set (and not empty), else the Amazon Trust Services roots.
    pub fn from_env() -> Result<AwsTrust, TrustError> {
        AwsTrust::from_lookup(|name| std::env::var_os(name))
    }

    /// [`AwsTrust::from_env`] with the environment given as a lookup (for tests).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<AwsTrust, TrustError> {
        let named = CA_BUNDLE_VARIABLES.iter().find_map(|&variable| {
            lookup(variable)
                .filter(|value| !value.is_empty())
                .map(|value| (variable, PathBuf::from(value)))
        });
        let Some((variable, path)) = named else {
            return Ok(AwsTrust::AmazonTrustServices);
        };
        let pem = std::fs::read(&path).map_err(|source| TrustError::Unreadable {
            variable,
            path: path.clone(),
            source,
        })?;
        if !holds_certificate(&pem) {
            return Err(TrustError::NoCertificate { variable, path });
        }
        Ok(AwsTrust::Bundle {
            variable,
            path,
            pem,
        })
    }

    /// The trusted roots, as PEM.
    pub fn pem(&self) -> &[u8] {
        match self {
            AwsTrust::AmazonTrustServices => AMAZON_TRUST_SERVICES_PEM.as_bytes(),
            AwsTrust::Bundle { pem, .. } => pem,
        }
    }
}

fn holds_certificate(pem: &[u8]) -> bool {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    pem.windows(BEGIN.len()).any(|w| w == BEGIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn env(pairs: &[(&str, &std::path::Path)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, OsString)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_os_str().to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn the_built_in_roots_are_the_six_amazon_trust_services_certificates() {
        let subjects: Vec<&str> = AMAZON_TRUST_SERVICES_PEM
            .lines()
            .filter(|line| line.starts_with("-----BEGIN CERTIFICATE-----"))
            .collect();
        assert_eq!(subjects.len(), 6);
        for name in [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
            "Starfield Class 2 Certification Authority",
        ] {
            assert!(AMAZON_TRUST_SERVICES_PEM.contains(name), "{name} missing");
        }
    }

    #[test]
    fn without_a_bundle_variable_the_amazon_roots_are_trusted() {
        let trust = AwsTrust::from_lookup(env(&[])).unwrap();
        assert_eq!(trust, AwsTrust::AmazonTrustServices);
        assert_eq!(trust.pem(), AMAZON_TRUST_SERVICES_PEM.as_bytes());
    }

    #[test]
    fn aws_ca_bundle_wins_over_ssl_cert_file() {
        let dir = std::env::temp_dir().join(format!("depot-trust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let proxy = dir.join("proxy.pem");
        std::fs::write(&proxy, AMAZON_TRUST_SERVICES_PEM.replace("# ", "#")).unwrap();
        let other = dir.join("other.pem");
        std::fs::write(&other, "-----BEGIN CERTIFICATE-----\n").unwrap();
        let trust =
            AwsTrust::from_lookup(env(&[("SSL_CERT_FILE", &other), ("AWS_CA_BUNDLE", &proxy)]))
                .unwrap();
        match trust {
            AwsTrust::Bundle {
                variable,
                path,
                pem,
            } => {
                assert_eq!(variable, "AWS_CA_BUNDLE");
                assert_eq!(path, proxy);
                assert_eq!(pem, std::fs::read(&proxy).unwrap());
            }
            other => panic!("expected the AWS_CA_BUNDLE file, got {other:?}"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_named_bundle_that_cannot_be_used_is_an_error_naming_variable_and_path() {
        let missing = std::path::Path::new("/nonexistent/depot/ca.pem");
        let error = AwsTrust::from_lookup(env(&[("SSL_CERT_FILE", missing)])).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("SSL_CERT_FILE=/nonexistent/depot/ca.pem: cannot read"),
            "{message}"
        );

        let empty = std::env::temp_dir().join(format!("depot-trust-empty-{}", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let error = AwsTrust::from_lookup(env(&[("AWS_CA_BUNDLE", &empty)])).unwrap_err();
        assert!(
            matches!(
                error,
                TrustError::NoCertificate {
                    variable: "AWS_CA_BUNDLE",
                    ..
                }
            ),
            "{error}"
        );
        std::fs::remove_file(&empty).unwrap();
    }
}
