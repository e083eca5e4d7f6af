//! Structured logs: one JSON object a line on stderr, with the fields of the current span
//! (dataset id, migration id, event id) on every line, as CloudWatch Logs Insights and log
//! shippers expect. Nothing Depot logs carries a secret: credentials are redacted types, and
//! connection errors name the location and the secret's ARN only.

use tracing_subscriber::EnvFilter;

/// Installs the JSON subscriber. The filter comes from `DEPOT_LOG` (then `RUST_LOG`), default
/// `info`.
pub fn init() {
    let filter = EnvFilter::try_from_env("DEPOT_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .try_init();
}
