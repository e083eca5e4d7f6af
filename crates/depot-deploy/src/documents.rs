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

/// UnsafeKey: a bucket or key that would name a file outside the local store's folder (or no
/// file at all). Properties are validated before they become keys; this is the second line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsafeKey {
    #[error("`{0}` is empty or has an empty path component")]
    Empty(String),
    #[error("`{0}` is an absolute path")]
    Absolute(String),
    #[error("`{0}` has a `.` or `..` path component")]
    Relative(String),
}

/// check_component_path refuses a bucket or key whose `/`-separated components are not all
/// plain names (empty, `.`, `..`, or an absolute path); `\` separates too, for Windows.
fn check_component_path(text: &str) -> Result<(), UnsafeKey> {
    if text.starts_with(['/', '\\']) || Path::new(text).is_absolute() {
        return Err(UnsafeKey::Absolute(text.to_string()));
    }
    for component in text.split(['/', '\\']) {
        match component {
            "" => return Err(UnsafeKey::Empty(text.to_string())),
            "." | ".." => return Err(UnsafeKey::Relative(text.to_string())),
            _ => {}
        }
    }
    Ok(())
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

    /// The file that holds `bucket`/`key` (for display: reads and writes check the key first).
    pub fn path(&self, bucket: &str, key: &str) -> PathBuf {
        self.root.join(bucket).join(key)
    }

    /// The file that holds `bucket`/`key`, refused when either would leave the store's folder.
    pub fn checked_path(&self, bucket: &str, key: &str) -> Result<PathBuf, DocumentError> {
        check_component_path(bucket)
            .and_then(|()| check_component_path(key))
            .map_err(|e| DocumentError {
                uri: format!("s3://{bucket}/{key}"),
                message: format!("refused to read or write outside the document folder: {e}"),
            })?;
        Ok(self.path(bucket, key))
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
        let path = self.checked_path(bucket, key)?;
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
        let path = self.checked_path(bucket, key)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_leave_the_folder_are_refused() {
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a//b",
            "",
            ".",
            "a/./b",
            "..\\x",
        ] {
            assert!(check_component_path(bad).is_err(), "{bad}");
        }
        for good in [
            "sdp-bootstrap",
            "depot/e2e404529091ed2/datasets/x.json",
            "a..b",
        ] {
            assert_eq!(check_component_path(good), Ok(()), "{good}");
        }
    }

    #[tokio::test]
    async fn the_local_store_neither_writes_nor_reads_outside_its_folder() {
        let dir = std::env::temp_dir().join(format!("depot-documents-{}", uuid::Uuid::new_v4()));
        let root = dir.join("store");
        let store = LocalDocumentStore::new(&root);
        std::fs::create_dir_all(&root).unwrap();
        let escaped = dir.join("escaped.json");
        let err = store.put("../", "escaped.json", b"{}").await.unwrap_err();
        assert!(err.to_string().contains("`../`"), "{err}");
        assert!(store.put("bkt", "../../escaped.json", b"{}").await.is_err());
        assert!(!escaped.exists());
        std::fs::write(&escaped, b"{}").unwrap();
        assert!(store.get("..", "escaped.json").await.is_err());
        store.put("bkt", "a/b.json", b"{}").await.unwrap();
        assert_eq!(
            store.get("bkt", "a/b.json").await.unwrap().as_deref(),
            Some(&b"{}"[..])
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
