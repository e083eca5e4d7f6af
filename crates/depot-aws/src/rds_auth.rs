//! RDS IAM database authentication: the password of an `iamAuth` executor is a token, a SigV4
//! presigned `rds-db:connect` request for the endpoint and user, valid 15 minutes, made from
//! the caller's AWS credentials (the Lambda's role). A new token is made for every connection.
//! The token is a credential: it lives in [`Redacted`] and is never logged.
//!
//! This is what aws-sdk-rds's `AuthTokenGenerator` does, with aws-sigv4 directly (the RDS
//! client is a large crate to compile for one signature). The test checks a token against one
//! made by botocore's `generate_db_auth_token` for the same inputs.

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;
use aws_types::SdkConfig;

use crate::secrets::Redacted;

/// How long a token is accepted (RDS's own limit: 15 minutes).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(900);

/// The SigV4 service name of RDS IAM authentication.
const SERVICE: &str = "rds-db";

/// RdsAuthTokens makes tokens from a credentials provider and a region.
#[derive(Debug, Clone)]
pub struct RdsAuthTokens {
    credentials: SharedCredentialsProvider,
    region: String,
}

impl RdsAuthTokens {
    pub fn new(credentials: SharedCredentialsProvider, region: impl Into<String>) -> RdsAuthTokens {
        RdsAuthTokens {
            credentials,
            region: region.into(),
        }
    }

    /// The credentials and region of a loaded SDK configuration; an error says which is missing.
    pub fn from_sdk_config(config: &SdkConfig) -> Result<RdsAuthTokens, String> {
        let credentials = config.credentials_provider().ok_or(
            "IAM authentication needs AWS credentials, and none are configured".to_string(),
        )?;
        let region = config.region().ok_or(
            "IAM authentication needs the AWS region of the database (AWS_REGION)".to_string(),
        )?;
        Ok(RdsAuthTokens::new(credentials, region.to_string()))
    }

    /// A token to connect to `host:port` as `user`, valid from now.
    pub async fn token(&self, host: &str, port: u16, user: &str) -> Result<Redacted, String> {
        let credentials =
            self.credentials.provide_credentials().await.map_err(|e| {
                format!("no AWS credentials to sign an IAM authentication token: {e}")
            })?;
        presigned_token(
            &credentials,
            &self.region,
            host,
            port,
            user,
            SystemTime::now(),
        )
    }
}

/// The token to connect to `host:port` as `user`, signed with `credentials` for `region` at
/// `time`: `host:port/?Action=connect&DBUser=user&X-Amz-...&X-Amz-Signature=...`.
pub fn presigned_token(
    credentials: &Credentials,
    region: &str,
    host: &str,
    port: u16,
    user: &str,
    time: SystemTime,
) -> Result<Redacted, String> {
    let fail = |e: &dyn std::fmt::Display| format!("signing an IAM authentication token: {e}");
    let mut settings = SigningSettings::default();
    settings.expires_in = Some(TOKEN_LIFETIME);
    settings.signature_location = SignatureLocation::QueryParams;
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| fail(&e))?
        .into();
    let user: String = url_encode(user);
    let url = format!("https://{host}:{port}/?Action=connect&DBUser={user}");
    let signable = SignableRequest::new("GET", &url, std::iter::empty(), SignableBody::Bytes(&[]))
        .map_err(|e| fail(&e))?;
    let (instructions, _signature) = sign(signable, &params).map_err(|e| fail(&e))?.into_parts();
    let mut request = http::Request::builder()
        .uri(&url)
        .body(())
        .map_err(|e| fail(&e))?;
    instructions.apply_to_request_http1x(&mut request);
    let signed = request.uri().to_string();
    Ok(Redacted::new(
        signed.strip_prefix("https://").unwrap_or(&signed),
    ))
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(session_token: Option<&str>) -> Credentials {
        Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            session_token.map(str::to_string),
            None,
            "test",
        )
    }

    fn at_2025_04_28_08_31_33() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_745_829_093)
    }

    #[test]
    fn the_token_is_the_one_botocore_makes_for_the_same_inputs() {
        // botocore 1.43's `generate_db_auth_token("c.cluster-x.eu-west-1.rds.amazonaws.com",
        // 5432, "depot_migrator")` with these credentials, region eu-west-1, at this time.
        let expected = "c.cluster-x.eu-west-1.rds.amazonaws.com:5432/?Action=connect&DBUser=depot_migrator&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20250428%2Feu-west-1%2Frds-db%2Faws4_request&X-Amz-Date=20250428T083133Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLE%2Ftoken%2B%3D&X-Amz-Signature=23ffe645e6a92e0e808e02891ca7d855f3409bdd658571c2032f66c06f9d8e7b";
        let token = presigned_token(
            &credentials(Some("FwoGZXIvYXdzEXAMPLE/token+=")),
            "eu-west-1",
            "c.cluster-x.eu-west-1.rds.amazonaws.com",
            5432,
            "depot_migrator",
            at_2025_04_28_08_31_33(),
        )
        .unwrap();
        // The same parameters, signature included; aws-sigv4 (as aws-sdk-rds) puts the session
        // token after the signature, botocore before it, and RDS reads either order.
        let parts = |t: &str| {
            let (endpoint, query) = t.split_once('?').unwrap();
            let mut params: Vec<String> = query.split('&').map(str::to_string).collect();
            params.sort();
            (endpoint.to_string(), params)
        };
        assert_eq!(parts(token.expose()), parts(expected));
    }

    #[test]
    fn a_token_names_its_endpoint_user_and_lifetime_and_depends_on_each() {
        let make = |host: &str, port: u16, user: &str| {
            presigned_token(
                &credentials(None),
                "eu-west-1",
                host,
                port,
                user,
                at_2025_04_28_08_31_33(),
            )
            .unwrap()
            .expose()
            .to_string()
        };
        let token = make("db.internal", 5432, "a user");
        assert!(
            token.starts_with("db.internal:5432/?Action=connect&DBUser=a%20user&"),
            "{token}"
        );
        assert!(token.contains("X-Amz-Expires=900&"), "{token}");
        assert!(!token.contains("X-Amz-Security-Token"), "{token}");
        let signature = token.rsplit_once("X-Amz-Signature=").unwrap().1;
        assert!(
            signature.len() == 64 && signature.bytes().all(|b| b.is_ascii_hexdigit()),
            "{token}"
        );
        assert_eq!(token, make("db.internal", 5432, "a user"));
        for other in [
            make("db.internal", 5432, "another"),
            make("db.internal", 5433, "a user"),
            make("db2.internal", 5432, "a user"),
        ] {
            assert_ne!(other.rsplit_once("X-Amz-Signature=").unwrap().1, signature);
        }
        // The token never shows in Debug output.
        let redacted = presigned_token(
            &credentials(None),
            "eu-west-1",
            "h",
            5432,
            "u",
            at_2025_04_28_08_31_33(),
        )
        .unwrap();
        assert_eq!(format!("{redacted:?}"), "<redacted>");
    }
}
