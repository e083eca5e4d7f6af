//! ImportError: why `depot import` could not read a schema, the same on every engine.

use crate::location::LocationError;

/// ImportError: the schema is missing, or the catalog could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("schema {0} does not exist in this database")]
    MissingSchema(String),
    #[error(transparent)]
    Location(#[from] LocationError),
}
