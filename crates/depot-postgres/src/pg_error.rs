//! PostgreSQL errors as messages for people: the server's message with its SQLSTATE, detail and
//! hint. tokio-postgres errors never carry the connection's password, so neither do these.

use depot_deploy::LocationError;
use tokio_postgres::error::SqlState;

/// The message of `error`: `<message> (SQLSTATE <code>); detail: ...; hint: ...` for a server
/// error, the client's own description otherwise.
pub fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut message = format!("{} (SQLSTATE {})", db.message(), db.code().code());
            if let Some(detail) = db.detail() {
                message.push_str("; detail: ");
                message.push_str(detail);
            }
            if let Some(hint) = db.hint() {
                message.push_str("; hint: ");
                message.push_str(hint);
            }
            message
        }
        None => error.to_string(),
    }
}

/// True when `error` is `lock_not_available` (55P03): `lock_timeout` expired, so the statement
/// was cancelled before it changed anything and may be retried.
pub fn is_lock_not_available(error: &tokio_postgres::Error) -> bool {
    error.code() == Some(&SqlState::LOCK_NOT_AVAILABLE)
}

/// `error` as a [`LocationError::Other`], prefixed with what was being done.
pub fn location_error(context: &str, error: &tokio_postgres::Error) -> LocationError {
    LocationError::Other(format!("{context}: {}", describe(error)))
}
