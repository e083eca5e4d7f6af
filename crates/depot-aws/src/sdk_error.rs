//! How an SDK error reads in Depot's messages: the service's error code, message and request
//! id, or the chain of causes (`dispatch failure: io error: ... Connection refused`).
//!
//! Only `Display` texts are used. The SDK's `Debug` (and `DisplayErrorContext`, which appends
//! it) holds the raw HTTP response, body included: for Secrets Manager that body can be the
//! secret itself, so it never goes into a message.

use std::error::Error;

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_types::request_id::RequestId;

/// `Code: message (request id ...)` for an error the service returned, else the causes.
pub(crate) fn describe<E>(error: &E) -> String
where
    E: Error + ProvideErrorMetadata,
{
    let meta = error.meta();
    match meta.code() {
        Some(code) => {
            let mut text = code.to_string();
            if let Some(message) = meta.message().filter(|m| !m.is_empty()) {
                text = format!("{text}: {message}");
            }
            if let Some(id) = meta.request_id() {
                text = format!("{text} (request id {id})");
            }
            text
        }
        None => causes(error),
    }
}

/// The error's `Display`, then each cause's, joined by `: ` (repeats left out).
pub(crate) fn causes(error: &dyn Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::error::ErrorMetadata;

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("dispatch failure")
        }
    }
    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }
    impl ProvideErrorMetadata for Outer {
        fn meta(&self) -> &ErrorMetadata {
            static EMPTY: std::sync::OnceLock<ErrorMetadata> = std::sync::OnceLock::new();
            EMPTY.get_or_init(|| ErrorMetadata::builder().build())
        }
    }

    #[test]
    fn without_a_code_the_causes_are_joined() {
        let error = Outer(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused",
        ));
        assert_eq!(describe(&error), "dispatch failure: Connection refused");
    }
}
