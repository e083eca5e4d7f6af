//! Structured JSON logs: one object a line, with the request's span fields (request id, dataset
//! id, migration id) on every line, as CloudWatch Logs Insights queries expect. Nothing logged
//! here or elsewhere carries a secret: credentials are redacted types, and the ResponseURL (a
//! presigned credential) is never logged.

use tracing_subscriber::EnvFilter;

/// Installs the JSON subscriber; the level comes from `RUST_LOG` (default `info`).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .try_init();
}
