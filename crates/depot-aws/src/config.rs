//! AwsClients: the SDK clients, built once per process from the standard AWS configuration.
//!
//! `aws_config::defaults(BehaviorVersion::latest())` reads what every AWS tool reads: region
//! (`AWS_REGION`, profile), credentials (environment, profile, SSO, web identity, ECS, IMDS),
//! and the endpoint override (`AWS_ENDPOINT_URL`, or a service's own `AWS_ENDPOINT_URL_S3`...).
//! When S3's endpoint is overridden (moto, MinIO, a VPC endpoint by URL), S3 uses path-style
//! addressing, since `bucket.host` names rarely resolve there.
//!
//! HTTPS is hyper + rustls with ring (the TLS stack the PostgreSQL connections already use), set
//! on the shared configuration so the credential providers use it too. It trusts the roots
//! [`AwsTrust`] chooses: Amazon Trust Services, or a bundle named by `AWS_CA_BUNDLE` /
//! `SSL_CERT_FILE`.

use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider, TlsContext, TrustStore};
use aws_types::service_config::ServiceConfigKey;

use crate::trust::{AwsTrust, TrustError};

/// AwsClients holds one client per service. Clients are cheap to clone (they share their
/// connection pool and credentials cache): build `AwsClients` once and clone what you need.
#[derive(Debug, Clone)]
pub struct AwsClients {
    pub s3: aws_sdk_s3::Client,
    pub eventbridge: aws_sdk_eventbridge::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    /// Invokes Lambda plan transformers (`planTransformer.lambdaArn`).
    pub lambda: aws_sdk_lambda::Client,
}

impl AwsClients {
    /// Loads the standard configuration (environment, profile, container/instance metadata)
    /// and builds the clients from it.
    pub async fn from_env() -> Result<AwsClients, TrustError> {
        Ok(AwsClients::new(&load_sdk_config().await?))
    }

    /// Builds the clients from a loaded configuration.
    pub fn new(config: &SdkConfig) -> AwsClients {
        let mut s3 = aws_sdk_s3::config::Builder::from(config);
        if s3_endpoint_overridden(config) {
            s3 = s3.force_path_style(true);
        }
        AwsClients {
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            eventbridge: aws_sdk_eventbridge::Client::new(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
            lambda: aws_sdk_lambda::Client::new(config),
        }
    }
}

/// The standard configuration: `aws_config::defaults(BehaviorVersion::latest())` with Depot's
/// HTTPS client.
pub async fn load_sdk_config() -> Result<SdkConfig, TrustError> {
    load_sdk_config_from(aws_config::defaults(BehaviorVersion::latest())).await
}

/// The standard configuration for an operator's command: a named profile and region when given
/// (`--profile`, `--region`), else the standard chain's (AWS_PROFILE, AWS_REGION, ...).
pub async fn load_sdk_config_for(
    profile: Option<&str>,
    region: Option<&str>,
) -> Result<SdkConfig, TrustError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_string()));
    }
    load_sdk_config_from(loader).await
}

/// Loads `loader` (e.g. the defaults with an explicit region) with Depot's HTTPS client,
/// trusting what the environment asks for ([`AwsTrust::from_env`]).
pub async fn load_sdk_config_from(loader: ConfigLoader) -> Result<SdkConfig, TrustError> {
    load_sdk_config_trusting(loader, &AwsTrust::from_env()?).await
}

/// Loads `loader` with Depot's HTTPS client trusting exactly `trust`.
pub async fn load_sdk_config_trusting(
    loader: ConfigLoader,
    trust: &AwsTrust,
) -> Result<SdkConfig, TrustError> {
    Ok(loader.http_client(https_client(trust)?).load().await)
}

/// hyper + rustls (ring), trusting exactly the roots of `trust` (not the platform's store:
/// the default native-roots loader also opens every file of `/etc/ssl/certs`, which cost a
/// Lambda function 5 ms of cold init).
fn https_client(trust: &AwsTrust) -> Result<aws_sdk_s3::config::SharedHttpClient, TrustError> {
    let context = TlsContext::builder()
        .with_trust_store(TrustStore::empty().with_pem_certificate(trust.pem()))
        .build()
        .map_err(|e| TrustError::Tls(e.to_string()))?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(context)
        .build_https())
}

/// Whether S3 talks to an endpoint other than AWS's own: the global override
/// (`AWS_ENDPOINT_URL`, `endpoint_url` in the profile, or set in code) or S3's own
/// (`AWS_ENDPOINT_URL_S3`, `services` section of the profile).
pub fn s3_endpoint_overridden(config: &SdkConfig) -> bool {
    if config.endpoint_url().is_some() {
        return true;
    }
    let key = ServiceConfigKey::builder()
        .service_id("S3")
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .expect("a complete service config key");
    config
        .service_config()
        .and_then(|service| service.load_config(key))
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_https_client_builds_from_the_built_in_roots() {
        https_client(&AwsTrust::AmazonTrustServices).expect("the Amazon roots load");
    }

    #[test]
    fn an_endpoint_override_is_noticed() {
        let plain = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .build();
        assert!(!s3_endpoint_overridden(&plain));
        let moto = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url("http://127.0.0.1:5055")
            .build();
        assert!(s3_endpoint_overridden(&moto));
    }
}
