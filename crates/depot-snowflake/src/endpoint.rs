//! EndpointOverride: sends every request of the Snowflake client to another host. `snowflake-api`
//! always builds `https://<account>.snowflakecomputing.com/...`; a PrivateLink host
//! (`https://<account>.privatelink.snowflakecomputing.com`) or a local emulator
//! (`http://127.0.0.1:5056`) is reached by rewriting the scheme, host and port of each request,
//! keeping its path and query.

use http::Extensions;
use reqwest::{Request, Response, Url};
use reqwest_middleware::{Middleware, Next};

/// EndpointOverride rewrites each request's scheme, host and port to those of `endpoint`.
#[derive(Debug, Clone)]
pub struct EndpointOverride {
    endpoint: Url,
}

impl EndpointOverride {
    /// `endpoint` is `scheme://host[:port]` (a path is ignored). Err names what is wrong.
    pub fn new(endpoint: &str) -> Result<EndpointOverride, String> {
        let url = Url::parse(endpoint)
            .map_err(|e| format!("the location endpoint {endpoint:?} is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!(
                "the location endpoint {endpoint:?} must be http(s)://host[:port]"
            ));
        }
        Ok(EndpointOverride { endpoint: url })
    }

    /// `url` sent to the endpoint instead.
    pub fn rewrite(&self, url: &mut Url) {
        // Both schemes are "special" in the URL standard, so switching between them succeeds;
        // the host was checked in `new`.
        let _ = url.set_scheme(self.endpoint.scheme());
        let _ = url.set_host(self.endpoint.host_str());
        let _ = url.set_port(self.endpoint.port());
    }
}

#[async_trait::async_trait]
impl Middleware for EndpointOverride {
    async fn handle(
        &self,
        mut req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        self.rewrite(req.url_mut());
        next.run(req, extensions).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_path_and_query_and_replaces_the_rest() {
        let o = EndpointOverride::new("http://127.0.0.1:5056").unwrap();
        let mut url =
            Url::parse("https://ACME.snowflakecomputing.com/queries/v1/query-request?requestId=1")
                .unwrap();
        o.rewrite(&mut url);
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:5056/queries/v1/query-request?requestId=1"
        );
        let o = EndpointOverride::new("https://acme.privatelink.snowflakecomputing.com").unwrap();
        let mut url = Url::parse("https://ACME.snowflakecomputing.com:443/session").unwrap();
        o.rewrite(&mut url);
        assert_eq!(
            url.as_str(),
            "https://acme.privatelink.snowflakecomputing.com/session"
        );
        assert!(EndpointOverride::new("ftp://x").is_err());
        assert!(EndpointOverride::new("not a url").is_err());
    }
}
