//! Sending the CloudFormation response: an HTTP PUT of the body to the presigned ResponseURL.
//!
//! The URL is a presigned S3 PUT. It is signed without a content type, so the request sends an
//! empty `Content-Type` (a default one would break the signature on real S3). A lost response
//! leaves the stack hanging until the custom resource's timeout, so transient failures are
//! retried; the URL itself is never logged, since its query string is a credential.

use std::time::Duration;

/// ResponseSender PUTs responses; build it once per container (it holds a connection pool).
#[derive(Debug, Clone)]
pub struct ResponseSender {
    client: reqwest::Client,
    attempts: u32,
}

impl Default for ResponseSender {
    fn default() -> ResponseSender {
        ResponseSender::new()
    }
}

impl ResponseSender {
    pub fn new() -> ResponseSender {
        // The response URL is S3's: the compiled-in web PKI roots cover it. Reading the
        // platform's roots too (a feature another crate turns on for reqwest) would scan every
        // file of /etc/ssl/certs at cold start.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .tls_built_in_native_certs(false)
            .tls_built_in_webpki_certs(true)
            .build()
            .expect("the HTTPS client builds");
        ResponseSender {
            client,
            attempts: 4,
        }
    }

    /// PUTs `body` to `url`, retrying network errors and 5xx answers with backoff.
    pub async fn send(&self, url: &str, body: Vec<u8>) -> Result<(), String> {
        let mut last = String::new();
        for attempt in 0..self.attempts {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            let result = self
                .client
                .put(url)
                .header(reqwest::header::CONTENT_TYPE, "")
                .body(body.clone())
                .send()
                .await;
            match result {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) if r.status().is_server_error() => {
                    last = format!("the ResponseURL answered {}", r.status())
                }
                Ok(r) => {
                    // 4xx: an expired or wrong signature will not get better with retries.
                    return Err(format!(
                        "the ResponseURL refused the response: {}",
                        r.status()
                    ));
                }
                Err(e) => last = format!("PUT to the ResponseURL failed: {}", without_url(e)),
            }
            tracing::warn!(attempt, error = %last, "sending the CloudFormation response failed; retrying");
        }
        Err(last)
    }
}

/// The error without the URL (whose query string is a signature).
fn without_url(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request error"
    };
    format!("{kind}: {}", e.without_url())
}
