//! DocumentStore: where environment documents and plans are kept: the bootstrap bucket on AWS,
//! or a local folder laid out like the bucket (`<root>/<bucket>/<key>`) for the command line.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

/// DocumentError is a failure reading or writing a document.
#[derive(Debug, thiserror::Error)]
#[error("{uri}: {message}")]
pub struct DocumentError {
    pub uri: String,
    pub message: String,
}

/// DocumentStore keeps JSON documents by bucket and key.
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Stores `body` at `bucket`/`key`, replacing what was there.
    async fn put(&self, bucket: &str, key: &str, body: &[u8]) -> Result<(), DocumentError>;
    /// The document at `bucket`/`key`; `None` when there is none.
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, DocumentError>;
    /// The `s3://bucket/key` URI that events carry.
    fn uri(&self, bucket: &str, key: &str) -> String {
        format!("s3://{bucket}/{key}")
    }
    /// Where the document really is, for messages to people (a local store names its file).
    fn describe(&self, bucket: &str, key: &str) -> String {
        self.uri(bucket, key)
    }
}

/// LocalDocumentStore keeps documents under a folder, one file per key.
#[derive(Debug, Clone)]
pub struct LocalDocumentStore {
    root: PathBuf,
}

impl LocalDocumentStore {
    pub fn new(root: impl Into<PathBuf>) -> LocalDocumentStore {
        LocalDocumentStore { root: root.into() }
    }

    /// The file that holds `bucket`/`key`.
    pub fn path(&self, bucket: &str, key: &str) -> PathBuf {
        self.root.join(bucket).join(key)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[async_trait]
impl DocumentStore for LocalDocumentStore {
    fn describe(&self, bucket: &str, key: &str) -> String {
        self.path(bucket, key).display().to_string()
    }

    async fn put(&self, bucket: &str, key: &str, body: &[u8]) -> Result<(), DocumentError> {
        let path = self.path(bucket, key);
        let err = |e: std::io::Error| DocumentError {
            uri: path.display().to_string(),
            message: e.to_string(),
        };
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(err)?;
        }
        // Write then rename, so a reader never sees half a document.
        let tmp = path.with_extension("json.tmp");
        tokio::fs::write(&tmp, body).await.map_err(err)?;
        tokio::fs::rename(&tmp, &path).await.map_err(err)
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, DocumentError> {
        let path = self.path(bucket, key);
        match tokio::fs::read(&path).await {
            Ok(body) => Ok(Some(body)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(DocumentError {
                uri: path.display().to_string(),
                message: e.to_string(),
            }),
        }
    }
}
