//! S3DocumentStore: environment documents and migration plans in the bootstrap bucket, at the
//! keys of SPEC §4 (`depot_core::document::{environment_key, plan_key}`).
//!
//! IAM: `s3:GetObject` and `s3:PutObject` on `sdp-*` keys of the bootstrap bucket, and
//! `s3:ListBucket` on the bucket: without it S3 answers a missing key with `AccessDenied`
//! instead of `NoSuchKey`, and the first deploy of a dataset fails instead of finding no
//! previous version.

use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use depot_deploy::documents::{DocumentError, DocumentStore};

use crate::sdk_error;

/// S3DocumentStore keeps JSON documents as S3 objects (`Content-Type: application/json`).
#[derive(Debug, Clone)]
pub struct S3DocumentStore {
    client: aws_sdk_s3::Client,
}

impl S3DocumentStore {
    pub fn new(client: aws_sdk_s3::Client) -> S3DocumentStore {
        S3DocumentStore { client }
    }
}

/// The error for `s3://bucket/key`: what failed and why (S3's error code and message, or the
/// causes), never credentials.
fn error(store: &S3DocumentStore, bucket: &str, key: &str, message: String) -> DocumentError {
    DocumentError {
        uri: store.uri(bucket, key),
        message,
    }
}

#[async_trait]
impl DocumentStore for S3DocumentStore {
    async fn put(&self, bucket: &str, key: &str, body: &[u8]) -> Result<(), DocumentError> {
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(body.to_vec()))
            .send()
            .await
            .map_err(|e| {
                let why = sdk_error::describe(&e);
                error(self, bucket, key, format!("PutObject failed: {why}"))
            })?;
        Ok(())
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, DocumentError> {
        let object = match self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
        {
            Ok(object) => object,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => {
                let why = sdk_error::describe(&e);
                return Err(error(self, bucket, key, format!("GetObject failed: {why}")));
            }
        };
        let body = object.body.collect().await.map_err(|e| {
            let why = format!("reading the object failed: {}", sdk_error::causes(&e));
            error(self, bucket, key, why)
        })?;
        Ok(Some(body.into_bytes().to_vec()))
    }
}
