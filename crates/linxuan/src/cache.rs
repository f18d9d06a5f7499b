//! Pages computed once per revision of the database.
//!
//! The office's largest pages (the review board, the progress board, the community list) read
//! thousands of rows and rank, count and date them on every request, although between two
//! requests nothing has usually changed. A [`Computed`] keeps what such a page computed from
//! the database, under the database's revision ([`linxuan_store::db::Revision`]) read just
//! before: while the revision stays the same, nothing was committed by anyone — this server,
//! another one on the same PostgreSQL, the CLI — and the kept result is exactly what computing
//! again would give. Any commit makes a new revision, so a page asked for after one's own write
//! is computed afresh and shows it.
//!
//! What depends on the request (the language, the user, the filters, the time of day) is
//! applied to the kept result on every request, never kept.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use linxuan_store::Db;
use linxuan_store::db::Revision;

type Slot = Arc<tokio::sync::Mutex<Option<(Revision, Arc<dyn Any + Send + Sync>)>>>;

/// Kept results by page and key (a plan year).
#[derive(Default)]
pub struct Computed {
    slots: std::sync::Mutex<HashMap<(&'static str, i32), Slot>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// How often kept results were used and computed (for tests and the benches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub hits: u64,
    pub misses: u64,
}

impl Computed {
    /// The result kept for `page` and `key` if the database has not changed since it was
    /// computed; otherwise `compute`'s, kept for the next request. Requests for the same page
    /// and key wait for one computation rather than all computing at once.
    pub async fn get_or_compute<V, E, F, Fut>(
        &self,
        db: &Db,
        page: &'static str,
        key: i32,
        compute: F,
    ) -> Result<Arc<V>, E>
    where
        V: Any + Send + Sync,
        E: From<linxuan_store::DbErr>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let slot = self.slots.lock().unwrap_or_else(|e| e.into_inner()).entry((page, key)).or_default().clone();
        let mut kept = slot.lock().await;
        // Read with the slot held: a request that waited for another's computation compares
        // with the database as it is now, not as it was when it arrived.
        let revision = db.revision().await?;
        if let Some((seen, value)) = kept.as_ref()
            && *seen == revision
            && let Ok(value) = value.clone().downcast::<V>()
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(value);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let value = match compute().await {
            Ok(value) => Arc::new(value),
            Err(e) => {
                // Nothing is kept for a key that has nothing (a year asked for that does not
                // exist): a stranger cannot grow the map with made-up keys.
                if kept.is_none() {
                    self.slots.lock().unwrap_or_else(|e| e.into_inner()).remove(&(page, key));
                }
                return Err(e);
            }
        };
        *kept = Some((revision, value.clone()));
        Ok(value)
    }

    pub fn counts(&self) -> Counts {
        Counts { hits: self.hits.load(Ordering::Relaxed), misses: self.misses.load(Ordering::Relaxed) }
    }
}

/// Whole public pages as sent (the showcase), by language and address, under the revision of
/// the database they were made at: an anonymous visitor's page is the same for everyone, so
/// while nothing is committed it is sent again as it is, with its `ETag`.
#[derive(Default)]
pub struct Pages {
    kept: std::sync::Mutex<HashMap<String, (Revision, Arc<Page>)>>,
}

/// A page as sent: its body and its entity tag.
pub struct Page {
    pub body: axum::body::Bytes,
    pub etag: String,
}

/// More addresses than this (a crawl of every search) and the kept pages start afresh.
const PAGES_KEPT: usize = 2000;

impl Pages {
    pub fn get(&self, key: &str, revision: &Revision) -> Option<Arc<Page>> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.get(key).filter(|(seen, _)| seen == revision).map(|(_, page)| page.clone())
    }

    pub fn put(&self, key: String, revision: Revision, body: String) -> Arc<Page> {
        use sha2::Digest;
        // Weak: the same page goes out gzipped or not (the compression layer decides).
        let etag = format!("W/\"{}\"", hex::encode(&sha2::Sha256::digest(body.as_bytes())[..12]));
        let page = Arc::new(Page { body: axum::body::Bytes::from(body), etag });
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= PAGES_KEPT {
            kept.clear();
        }
        kept.insert(key, (revision, page.clone()));
        page
    }
}
