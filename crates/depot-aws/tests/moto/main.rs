//! depot-aws against a real moto server (TESTING.md): S3 documents, EventBridge events, Secrets
//! Manager credentials. `make test` starts moto and sets AWS_ENDPOINT_URL; without a reachable
//! endpoint every test here fails (never skips), saying so.

mod common;
mod eventbridge_sink;
mod location_connect;
mod s3_documents;
mod secrets;
