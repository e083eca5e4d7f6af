//! CloudEnvironment: a Depot environment as an operator finds it in AWS: its bootstrap bucket
//! (named by the SSM parameter `/depot/<environmentId>/bootstrap-bucket` that the CDK library
//! writes), and in it the environment documents of its datasets (SPEC §4:
//! `sdp-<environmentId>/datasets/<datasetId>/<datasetVersionHash>.json`).
//!
//! A dataset's newest document is the one S3 last modified (ties, which S3's one-second
//! timestamps allow, go to the greater key, so that the answer does not change between calls).
//! It holds the normalized configuration: the location and its `secretArn`, which is all an
//! operator's command needs to reach the dataset's state record.
//!
//! IAM: `ssm:GetParameter` on the parameter, `s3:ListBucket` on the bucket (prefix
//! `sdp-<environmentId>/datasets/`) and `s3:GetObject` on its `sdp-*` keys.

use aws_sdk_s3::primitives::DateTime;
use depot_core::document::EnvironmentDocument;
use depot_deploy::documents::DocumentStore;

use crate::s3_documents::S3DocumentStore;
use crate::sdk_error;

/// Refuses what is not an environment id (SPEC: 15 lowercase hex characters), before any AWS
/// call is made for it.
pub fn check_environment_id(environment_id: &str) -> Result<(), EnvironmentError> {
    if is_lower_hex(environment_id, 15) {
        Ok(())
    } else {
        Err(EnvironmentError::BadEnvironmentId(
            environment_id.to_string(),
        ))
    }
}

/// The SSM parameter naming the bootstrap bucket of `environment_id`.
pub fn bootstrap_bucket_parameter(environment_id: &str) -> String {
    format!("/depot/{environment_id}/bootstrap-bucket")
}

/// EnvironmentError says what an operator's command could not find or read; it names the
/// parameter, bucket, key or dataset, never a credential.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    #[error("{0:?} is not an environment id: 15 lowercase hex characters (e.g. e2e404529091ed2)")]
    BadEnvironmentId(String),
    #[error("{0:?} is not a dataset id: 12 lowercase hex characters (e.g. bdc659741d5a)")]
    BadDatasetId(String),
    #[error("environment {environment_id}: no SSM parameter {parameter} (it names the bootstrap bucket; is the environment deployed in this account and region?); pass --bucket to name the bucket yourself")]
    NoBucketParameter {
        environment_id: String,
        parameter: String,
    },
    #[error(
        "environment {environment_id}: reading the SSM parameter {parameter} failed: {message}"
    )]
    Parameter {
        environment_id: String,
        parameter: String,
        message: String,
    },
    #[error("s3://{bucket}/{prefix}: listing the environment documents failed: {message}")]
    Listing {
        bucket: String,
        prefix: String,
        message: String,
    },
    #[error("no dataset {wanted} in environment {environment_id} (no environment document under s3://{bucket}/{prefix})")]
    NoSuchDataset {
        wanted: String,
        environment_id: String,
        bucket: String,
        prefix: String,
    },
    #[error("{uri}: {message}")]
    Document { uri: String, message: String },
}

/// StoredVersion is one environment document in the bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVersion {
    pub key: String,
    pub version_hash: String,
    pub last_modified: Option<DateTime>,
}

/// DatasetVersions are the stored versions of one dataset, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetVersions {
    pub dataset_id: String,
    pub versions: Vec<StoredVersion>,
}

impl DatasetVersions {
    /// The version S3 last modified.
    pub fn newest(&self) -> &StoredVersion {
        &self.versions[0]
    }
}

/// FoundDataset is a dataset's newest environment document and where it is.
#[derive(Debug, Clone)]
pub struct FoundDataset {
    pub document: EnvironmentDocument,
    pub version: StoredVersion,
    /// `s3://bucket/key` of the document (the `environmentUri` of events).
    pub environment_uri: String,
    /// Other datasets of the environment whose newest document has the same alias (a dataset
    /// replaced under the same alias leaves its documents behind), newest first.
    pub same_alias: Vec<String>,
}

/// CloudEnvironment is one environment's bootstrap bucket.
#[derive(Debug, Clone)]
pub struct CloudEnvironment {
    pub environment_id: String,
    pub bucket: String,
    s3: aws_sdk_s3::Client,
    documents: S3DocumentStore,
}

impl CloudEnvironment {
    /// The environment `environment_id`: its bucket is `bucket` when given, else the value of
    /// its SSM parameter.
    pub async fn locate(
        environment_id: &str,
        bucket: Option<&str>,
        ssm: &aws_sdk_ssm::Client,
        s3: &aws_sdk_s3::Client,
    ) -> Result<CloudEnvironment, EnvironmentError> {
        check_environment_id(environment_id)?;
        let bucket = match bucket {
            Some(bucket) => bucket.to_string(),
            None => bootstrap_bucket(ssm, environment_id).await?,
        };
        Ok(CloudEnvironment {
            environment_id: environment_id.to_string(),
            bucket,
            s3: s3.clone(),
            documents: S3DocumentStore::new(s3.clone()),
        })
    }

    /// The key prefix of the environment's documents.
    pub fn datasets_prefix(&self) -> String {
        format!("sdp-{}/datasets/", self.environment_id)
    }

    /// Every dataset with at least one environment document, by dataset id.
    pub async fn datasets(&self) -> Result<Vec<DatasetVersions>, EnvironmentError> {
        self.list(&self.datasets_prefix()).await
    }

    /// The documents under `prefix` (the environment's, or one dataset's), by dataset id.
    async fn list(&self, prefix: &str) -> Result<Vec<DatasetVersions>, EnvironmentError> {
        let datasets_prefix = self.datasets_prefix();
        let mut pages = self
            .s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut found: std::collections::BTreeMap<String, Vec<StoredVersion>> = Default::default();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| EnvironmentError::Listing {
                bucket: self.bucket.clone(),
                prefix: prefix.to_string(),
                message: format!("ListObjectsV2 failed: {}", sdk_error::describe(&e)),
            })?;
            for object in page.contents() {
                let Some(key) = object.key() else { continue };
                // Only `<datasetId>/<hash>.json` right under the prefix is a document.
                let Some((dataset_id, version_hash)) = parse_document_key(&datasets_prefix, key)
                else {
                    continue;
                };
                found
                    .entry(dataset_id.to_string())
                    .or_default()
                    .push(StoredVersion {
                        key: key.to_string(),
                        version_hash: version_hash.to_string(),
                        last_modified: object.last_modified().copied(),
                    });
            }
        }
        Ok(found
            .into_iter()
            .map(|(dataset_id, mut versions)| {
                versions.sort_by(|a, b| {
                    (b.last_modified, &b.key)
                        .partial_cmp(&(a.last_modified, &a.key))
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
                DatasetVersions {
                    dataset_id,
                    versions,
                }
            })
            .collect())
    }

    /// The environment document at `key` of the bucket.
    pub async fn document(&self, key: &str) -> Result<EnvironmentDocument, EnvironmentError> {
        let uri = self.documents.uri(&self.bucket, key);
        let body = self
            .documents
            .get(&self.bucket, key)
            .await
            .map_err(|e| EnvironmentError::Document {
                uri: e.uri,
                message: e.message,
            })?
            .ok_or_else(|| EnvironmentError::Document {
                uri: uri.clone(),
                message: "no such document".to_string(),
            })?;
        serde_json::from_slice(&body).map_err(|e| EnvironmentError::Document {
            uri,
            message: format!("not an environment document: {e}"),
        })
    }

    /// The newest document of the dataset `dataset_id`.
    pub async fn dataset_by_id(&self, dataset_id: &str) -> Result<FoundDataset, EnvironmentError> {
        if !is_lower_hex(dataset_id, 12) {
            return Err(EnvironmentError::BadDatasetId(dataset_id.to_string()));
        }
        let prefix = format!("{}{dataset_id}/", self.datasets_prefix());
        let versions = self
            .list(&prefix)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| self.no_such(dataset_id, &prefix))?;
        self.read_version(versions.newest()).await
    }

    /// The newest document of the dataset whose newest document has `alias`; when several
    /// datasets do (one replaced another under the same alias), the most recently written.
    pub async fn dataset_by_alias(&self, alias: &str) -> Result<FoundDataset, EnvironmentError> {
        let mut matches = Vec::new();
        for dataset in self.datasets().await? {
            let newest = dataset.newest().clone();
            let document = self.document(&newest.key).await?;
            if document.dataset_alias == alias {
                matches.push((newest, document));
            }
        }
        matches.sort_by(|(a, _), (b, _)| {
            (b.last_modified, &b.key)
                .partial_cmp(&(a.last_modified, &a.key))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let mut matches = matches.into_iter();
        let Some((version, document)) = matches.next() else {
            return Err(self.no_such(&format!("with alias {alias}"), &self.datasets_prefix()));
        };
        let same_alias = matches.map(|(_, d)| d.dataset_id).collect();
        Ok(FoundDataset {
            environment_uri: self.documents.uri(&self.bucket, &version.key),
            document,
            version,
            same_alias,
        })
    }

    /// The document of one stored version.
    pub async fn read_version(
        &self,
        version: &StoredVersion,
    ) -> Result<FoundDataset, EnvironmentError> {
        let document = self.document(&version.key).await?;
        Ok(FoundDataset {
            environment_uri: self.documents.uri(&self.bucket, &version.key),
            document,
            version: version.clone(),
            same_alias: Vec::new(),
        })
    }

    fn no_such(&self, wanted: &str, prefix: &str) -> EnvironmentError {
        EnvironmentError::NoSuchDataset {
            wanted: wanted.to_string(),
            environment_id: self.environment_id.clone(),
            bucket: self.bucket.clone(),
            prefix: prefix.to_string(),
        }
    }

    /// The document store of the bucket (to read other versions' documents and plans).
    pub fn documents(&self) -> &S3DocumentStore {
        &self.documents
    }
}

/// The bucket named by the environment's SSM parameter.
async fn bootstrap_bucket(
    ssm: &aws_sdk_ssm::Client,
    environment_id: &str,
) -> Result<String, EnvironmentError> {
    let parameter = bootstrap_bucket_parameter(environment_id);
    let output = ssm.get_parameter().name(&parameter).send().await;
    let output = match output {
        Ok(output) => output,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_parameter_not_found()) =>
        {
            return Err(EnvironmentError::NoBucketParameter {
                environment_id: environment_id.to_string(),
                parameter,
            })
        }
        Err(e) => {
            return Err(EnvironmentError::Parameter {
                environment_id: environment_id.to_string(),
                parameter,
                message: format!("GetParameter failed: {}", sdk_error::describe(&e)),
            })
        }
    };
    output
        .parameter()
        .and_then(|p| p.value())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .ok_or_else(|| EnvironmentError::Parameter {
            environment_id: environment_id.to_string(),
            parameter,
            message: "the parameter has no value".to_string(),
        })
}

/// `(datasetId, versionHash)` of a document key right under `prefix`.
fn parse_document_key<'k>(prefix: &str, key: &'k str) -> Option<(&'k str, &'k str)> {
    let rest = key.strip_prefix(prefix)?;
    let (dataset_id, file) = rest.split_once('/')?;
    let hash = file.strip_suffix(".json")?;
    (is_lower_hex(dataset_id, 12) && is_lower_hex(hash, 64)).then_some((dataset_id, hash))
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_document_keys_name_a_dataset_version() {
        let prefix = "sdp-e2e404529091ed2/datasets/";
        let hash = "a".repeat(64);
        let key = format!("{prefix}bdc659741d5a/{hash}.json");
        assert_eq!(
            parse_document_key(prefix, &key),
            Some(("bdc659741d5a", hash.as_str()))
        );
        for other in [
            format!("{prefix}bdc659741d5a/{hash}.json.tmp"),
            format!("{prefix}bdc659741d5a/x/{hash}.json"),
            format!("{prefix}BDC659741D5A/{hash}.json"),
            format!("{prefix}bdc659741d5a/{}.json", &hash[..63]),
            format!("sdp-e2e404529091ed3/datasets/bdc659741d5a/{hash}.json"),
        ] {
            assert_eq!(parse_document_key(prefix, &other), None, "{other}");
        }
    }

    #[test]
    fn the_parameter_is_named_after_the_environment() {
        assert_eq!(
            bootstrap_bucket_parameter("e2e404529091ed2"),
            "/depot/e2e404529091ed2/bootstrap-bucket"
        );
    }
}
