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
    /// The directory, for a local store.
    root: Option<std::path::PathBuf>,
    description: String,
    /// Bytes gathered before a part is written. S3 wants parts of at least 5 MB; a local
    /// directory takes small ones, which keeps memory flat however many uploads run at once.
    part_size: usize,
}

/// What a streamed upload produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub key: String,
    pub size: u64,
    pub sha256: String,
}

/// A stored object's key, size and time of writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    pub modified: chrono::DateTime<chrono::Utc>,
}

/// Why a streamed upload was not stored. Nothing is left behind in any case.
#[derive(Debug)]
pub enum StreamError {
    /// More bytes than the limit arrived.
    TooLarge {
        limit: u64,
    },
    /// The content check refused the first bytes (the reason comes from the check).
    Refused(String),
    /// The upload itself broke off (the client went away).
    Source(String),
    Store(object_store::Error),
}

/// Whether a file store error means the disk (or the bucket's quota) is full: `ENOSPC` or
/// `EDQUOT` somewhere down its chain of causes.
pub fn is_storage_full(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && (io.kind() == std::io::ErrorKind::StorageFull
                || io.kind() == std::io::ErrorKind::QuotaExceeded
                || matches!(io.raw_os_error(), Some(28 | 122)))
        {
            return true;
        }
        next = e.source();
    }
    // Some layers keep only the message.
    let text = error.to_string();
    text.contains("No space left on device") || text.contains("database or disk is full")
}

/// How many leading bytes a content check sees (or fewer, for a smaller file).
pub const HEAD_BYTES: usize = 4096;

impl FileStore {
    /// Files under a local directory, created when missing.
    pub fn local(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let inner = LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true);
        Ok(FileStore {
            inner: Arc::new(inner),
            root: Some(dir.to_path_buf()),
            description: format!("directory {}", dir.display()),
            part_size: 256 * 1024,
        })
    }

    /// Files in an S3-compatible bucket. Credentials, region and endpoint come from the usual
    /// `AWS_*` environment variables (`AWS_ENDPOINT` for MinIO and other S3-compatible stores).
    pub fn s3(bucket: &str) -> Result<Self> {
        let inner = AmazonS3Builder::from_env().with_bucket_name(bucket).build()?;
        Ok(FileStore {
            inner: Arc::new(inner),
            root: None,
            description: format!("S3 bucket {bucket}"),
            part_size: 5 * 1024 * 1024,
        })
    }

    /// Removes what uploads cut short by a crash left behind: in a local store, the staging
    /// files (`<key>#<n>`) a write goes to before it is renamed into place. Our keys never
    /// contain `#`. (An S3 bucket drops incomplete multipart uploads by its lifecycle rule.)
    /// Call it before serving. Returns how many were removed.
    pub fn sweep_staging(&self) -> Result<usize> {
        fn walk(dir: &Path, removed: &mut usize) -> std::io::Result<()> {
            for entry in std::fs::read_dir(dir)? {
                let entry = entry?;
                let path = entry.path();
                if entry.file_type()?.is_dir() {
                    walk(&path, removed)?;
                } else if entry.file_name().to_string_lossy().contains('#') {
                    std::fs::remove_file(&path)?;
                    *removed += 1;
                }
            }
            Ok(())
        }
        let mut removed = 0;
        if let Some(root) = &self.root {
            walk(root, &mut removed)?;
        }
        Ok(removed)
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
        let (sha, fresh) = self.put_content_unrecorded(prefix, bytes).await?;
        if let Some(fresh) = fresh {
            fresh.recorded();
        }
        Ok(sha)
    }

    /// [`FileStore::put_content`] for content that a row will name once a transaction
    /// commits: when the content is new, it comes with an [`Unrecorded`] guard that removes it
    /// unless the caller says it was recorded (content stored before is never removed).
    pub async fn put_content_unrecorded(&self, prefix: &str, bytes: Bytes) -> Result<(String, Option<Unrecorded>)> {
        let sha = hex::encode(Sha256::digest(&bytes));
        let key = format!("{prefix}/{}/{sha}", &sha[..2]);
        if self.exists(&key).await? {
            return Ok((sha, None));
        }
        self.put(&key, bytes).await?;
        Ok((sha, Some(self.unrecorded(&key))))
    }

    /// Streams bytes into the store under `key` while counting and hashing them, refusing more
    /// than `limit` bytes and letting `check` refuse the content from its first bytes. Memory
    /// stays at about two parts whatever the file's size. The object appears under its key only
    /// when complete; on any refusal or break the partial upload is aborted.
    pub async fn put_stream<S, E>(
        &self,
        key: &str,
        mut stream: S,
        limit: u64,
        check: impl FnOnce(&[u8]) -> std::result::Result<(), String>,
    ) -> std::result::Result<Stored, StreamError>
    where
        S: futures_util::Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        use futures_util::StreamExt;
        let location = Self::key(key).map_err(|e| StreamError::Refused(e.to_string()))?;
        let upload = self.inner.put_multipart(&location).await.map_err(StreamError::Store)?;
        let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, self.part_size);
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut head: Vec<u8> = Vec::new();
        let mut check = Some(check);
        let outcome: std::result::Result<(), StreamError> = async {
            loop {
                let chunk = match stream.next().await {
                    Some(Ok(chunk)) => chunk,
                    Some(Err(e)) => return Err(StreamError::Source(e.to_string())),
                    None => break,
                };
                size += chunk.len() as u64;
                if size > limit {
                    return Err(StreamError::TooLarge { limit });
                }
                if check.is_some() && head.len() < HEAD_BYTES {
                    head.extend_from_slice(&chunk[..chunk.len().min(HEAD_BYTES - head.len())]);
                    if head.len() >= HEAD_BYTES
                        && let Some(check) = check.take()
                    {
                        check(&head).map_err(StreamError::Refused)?;
                    }
                }
                hasher.update(&chunk);
                writer.wait_for_capacity(1).await.map_err(StreamError::Store)?;
                writer.put(chunk);
            }
            if let Some(check) = check.take() {
                check(&head).map_err(StreamError::Refused)?;
            }
            Ok(())
        }
        .await;
        match outcome {
            Ok(()) => {
                writer.finish().await.map_err(StreamError::Store)?;
                Ok(Stored { key: key.to_string(), size, sha256: hex::encode(hasher.finalize()) })
            }
            Err(e) => {
                let _ = writer.abort().await;
                Err(e)
            }
        }
    }

    /// A stored object as a stream of chunks, with its size: for sending large files without
    /// holding them in memory.
    pub async fn get_stream(
        &self,
        key: &str,
    ) -> Result<(u64, futures_util::stream::BoxStream<'static, std::result::Result<Bytes, object_store::Error>>)> {
        let result = self.inner.get(&Self::key(key)?).await?;
        let size = result.meta.size;
        Ok((size, result.into_stream()))
    }

    /// Removes a stored object (one that nothing records: an upload refused after it was
    /// stored). Removing what is already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.inner.delete(&Self::key(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether an object is stored under `key`.
    pub async fn exists(&self, key: &str) -> Result<bool> {
        match self.inner.head(&Self::key(key)?).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// A stored object that is removed again unless [`Unrecorded::recorded`] is called: what
    /// an upload stored before the database has a row for it. Whatever way the request ends
    /// (a refusal, an error, the client going away), nothing is left that no row names.
    pub fn unrecorded(&self, key: &str) -> Unrecorded {
        Unrecorded { files: Some(self.clone()), key: key.to_string() }
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

    /// Every object with its size and time of writing.
    pub async fn list_with_meta(&self, prefix: Option<&str>) -> Result<Vec<ObjectInfo>> {
        let prefix = prefix.map(Self::key).transpose()?;
        let metas: Vec<_> = self.inner.list(prefix.as_ref()).try_collect().await?;
        Ok(metas
            .into_iter()
            .map(|m| ObjectInfo { key: m.location.to_string(), size: m.size, modified: m.last_modified })
            .collect())
    }

    /// The staging files of writes cut short, in a local store (see [`FileStore::sweep_staging`]).
    pub fn staging_files(&self) -> Result<Vec<String>> {
        fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
            for entry in std::fs::read_dir(dir)? {
                let entry = entry?;
                let path = entry.path();
                if entry.file_type()?.is_dir() {
                    walk(&path, root, out)?;
                } else if entry.file_name().to_string_lossy().contains('#') {
                    out.push(path.strip_prefix(root).unwrap_or(&path).display().to_string());
                }
            }
            Ok(())
        }
        let mut out = Vec::new();
        if let Some(root) = &self.root {
            walk(root, root, &mut out)?;
        }
        out.sort();
        Ok(out)
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

/// See [`FileStore::unrecorded`].
#[must_use]
pub struct Unrecorded {
    files: Option<FileStore>,
    key: String,
}

impl Unrecorded {
    /// The database now names the object: keep it.
    pub fn recorded(mut self) {
        self.files = None;
    }

    /// The upload was refused after all: remove the object now.
    pub async fn discard(mut self) {
        if let Some(files) = self.files.take()
            && let Err(e) = files.delete(&self.key).await
        {
            tracing::warn!(key = %self.key, error = %e, "cannot remove an unrecorded upload");
        }
    }
}

impl Drop for Unrecorded {
    fn drop(&mut self) {
        if let Some(files) = self.files.take() {
            let key = std::mem::take(&mut self.key);
            // Drop cannot wait: the removal runs on its own (a crash in between leaves an
            // object that `linxuan check` lists).
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    if let Err(e) = files.delete(&key).await {
                        tracing::warn!(%key, error = %e, "cannot remove an unrecorded upload");
                    }
                });
            }
        }
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

    #[tokio::test]
    async fn streams_are_counted_hashed_limited_and_checked() {
        let dir = std::env::temp_dir().join(format!("linxuan-stream-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = FileStore::local(&dir).unwrap();
        let chunks = |n: usize| {
            futures_util::stream::iter((0..n).map(|i| Ok::<_, std::io::Error>(Bytes::from(vec![i as u8; 100_000]))))
        };
        let stored = store.put_stream("a/one", chunks(30), 3_000_000, |_| Ok(())).await.unwrap();
        assert_eq!(stored.size, 3_000_000);
        assert_eq!(store.get("a/one").await.unwrap().len(), 3_000_000);
        let expected: Vec<u8> = (0..30).flat_map(|i| vec![i as u8; 100_000]).collect();
        assert_eq!(stored.sha256, hex::encode(Sha256::digest(&expected)));
        // Over the limit: refused, and nothing under the key.
        let err = store.put_stream("a/two", chunks(31), 3_000_000, |_| Ok(())).await.unwrap_err();
        assert!(matches!(err, StreamError::TooLarge { limit: 3_000_000 }));
        assert!(store.get("a/two").await.is_err());
        // Refused by content.
        let err =
            store.put_stream("a/three", chunks(2), 3_000_000, |head| Err(format!("{} bytes seen", head.len()))).await;
        assert!(matches!(err, Err(StreamError::Refused(m)) if m == "4096 bytes seen"));
        // A broken upload leaves nothing either.
        let broken =
            futures_util::stream::iter(vec![Ok(Bytes::from(vec![1u8; 10])), Err(std::io::Error::other("gone"))]);
        assert!(matches!(store.put_stream("a/four", broken, 100, |_| Ok(())).await, Err(StreamError::Source(_))));
        assert_eq!(store.list(Some("a")).await.unwrap(), ["a/one"]);
        let leftovers: Vec<_> = walk(&dir).into_iter().filter(|p| !p.ends_with("a/one")).collect();
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
