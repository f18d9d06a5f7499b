//! The file store: one interface over a local directory (the default, under the data
//! directory) and S3-compatible object storage, both through `object_store`.
//!
//! Writes are atomic: the local store writes to a staging file and renames it, S3 publishes an
//! object only when its upload completes, so no half-written file is ever visible under its
//! final name. Keys are ours (content hashes, ids); names people give files are display-only.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

use crate::Result;

#[derive(Debug, Clone)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
    description: String,
}

impl FileStore {
    /// Files under a local directory, created when missing.
    pub fn local(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let inner = LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true);
        Ok(FileStore { inner: Arc::new(inner), description: format!("directory {}", dir.display()) })
    }

    /// Files in an S3-compatible bucket. Credentials, region and endpoint come from the usual
    /// `AWS_*` environment variables (`AWS_ENDPOINT` for MinIO and other S3-compatible stores).
    pub fn s3(bucket: &str) -> Result<Self> {
        let inner = AmazonS3Builder::from_env().with_bucket_name(bucket).build()?;
        Ok(FileStore { inner: Arc::new(inner), description: format!("S3 bucket {bucket}") })
    }

    /// Where the files are, for logs: `directory ./data/files`.
    pub fn describe(&self) -> &str {
        &self.description
    }

    pub fn key(path: &str) -> Result<Key> {
        Key::parse(path).map_err(|e| crate::StoreError::Other(e.to_string()))
    }

    /// Stores bytes under a key, atomically.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        self.inner.put(&Self::key(key)?, PutPayload::from_bytes(bytes)).await?;
        Ok(())
    }

    /// Stores bytes under `prefix/<sha256>` and returns the hex digest. Storing the same
    /// content twice keeps one copy.
    pub async fn put_content(&self, prefix: &str, bytes: Bytes) -> Result<String> {
        let sha = hex::encode(Sha256::digest(&bytes));
        let key = format!("{prefix}/{}/{sha}", &sha[..2]);
        if self.inner.head(&Self::key(&key)?).await.is_err() {
            self.put(&key, bytes).await?;
        }
        Ok(sha)
    }

    pub async fn get(&self, key: &str) -> Result<Bytes> {
        Ok(self.inner.get(&Self::key(key)?).await?.bytes().await?)
    }

    /// Every key under a prefix (all keys when `None`), in no particular order.
    pub async fn list(&self, prefix: Option<&str>) -> Result<Vec<String>> {
        let prefix = prefix.map(Self::key).transpose()?;
        let metas: Vec<_> = self.inner.list(prefix.as_ref()).try_collect().await?;
        Ok(metas.into_iter().map(|m| m.location.to_string()).collect())
    }

    /// Copies every file into another store (used by backups).
    pub async fn copy_all_to(&self, target: &FileStore) -> Result<usize> {
        let keys = self.list(None).await?;
        for key in &keys {
            target.put(key, self.get(key).await?).await?;
        }
        Ok(keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn content_is_stored_once_and_reads_back() {
        let dir = std::env::temp_dir().join(format!("linxuan-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = FileStore::local(&dir).unwrap();
        let a = store.put_content("imports", Bytes::from_static(b"hello")).await.unwrap();
        let b = store.put_content("imports", Bytes::from_static(b"hello")).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(store.list(Some("imports")).await.unwrap().len(), 1);
        let key = format!("imports/{}/{a}", &a[..2]);
        assert_eq!(store.get(&key).await.unwrap(), Bytes::from_static(b"hello"));
        // No staging file is left beside the final one.
        let leftovers: Vec<_> = walk(&dir).into_iter().filter(|p| p.contains('#')).collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn walk(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path.display().to_string());
            }
        }
        out
    }
}
