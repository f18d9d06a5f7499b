//! `linxuan check`: does the database agree with itself and with the file store?
//!
//! - the database's own consistency (SQLite: `PRAGMA integrity_check`; PostgreSQL checks its
//!   pages itself);
//! - every file a row names is stored (an uploaded version's `storage_key`; an imported
//!   spreadsheet named in the audit log by its SHA-256);
//! - every stored file is named by a row — a file that no row names (an upload whose
//!   transaction never committed: the server stopped in between) is an *orphan*, listed, and
//!   removed on request once it is old enough not to be an upload still under way;
//! - no staging file of a write cut short is left (the server sweeps them when it starts);
//! - the audit log's chain holds (see [`crate::audit::verify_chain`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QuerySelect, Statement,
};

use crate::Result;
use crate::entity::audit::{self, Entity as Audit};
use crate::entity::file_version::{self, Entity as Versions};
use crate::files::FileStore;

/// A stored file that no row names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    pub key: String,
    pub size: u64,
    pub modified: DateTime<Utc>,
}

/// What the file store and the database say about each other.
#[derive(Debug, Clone, Default)]
pub struct FilesReport {
    /// Files in the store.
    pub stored: usize,
    /// Files the database names.
    pub named: usize,
    /// Named but not stored: (what names it, the key).
    pub missing: Vec<(String, String)>,
    /// Stored but named by nothing.
    pub orphans: Vec<Orphan>,
    /// Staging files of writes cut short (local store).
    pub staging: Vec<String>,
}

/// The keys the database names, each with what names it (for messages).
pub async fn named_keys(db: &impl ConnectionTrait) -> Result<BTreeMap<String, String>> {
    let mut named = BTreeMap::new();
    let versions: Vec<(i32, i32, String)> = Versions::find()
        .select_only()
        .column(file_version::Column::Id)
        .column(file_version::Column::DocumentId)
        .column(file_version::Column::StorageKey)
        .into_tuple()
        .all(db)
        .await?;
    for (id, document, key) in versions {
        named.insert(key, format!("file_versions {id} (document {document})"));
    }
    // Imported spreadsheets are kept by content and named by the audit entry of their import.
    let imports: Vec<(i64, String)> = Audit::find()
        .select_only()
        .column(audit::Column::Id)
        .column(audit::Column::EntityId)
        .filter(audit::Column::Entity.eq("import"))
        .into_tuple()
        .all(db)
        .await?;
    for (id, sha) in imports {
        if sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            named.insert(format!("imports/{}/{sha}", &sha[..2]), format!("audit_log {id} (an import)"));
        }
    }
    Ok(named)
}

/// Compares the store with the rows. Orphans modified after `orphan_before` are not listed
/// (an upload may be writing them right now).
pub async fn files(db: &impl ConnectionTrait, store: &FileStore, orphan_before: DateTime<Utc>) -> Result<FilesReport> {
    let named = named_keys(db).await?;
    let stored = store.list_with_meta(None).await?;
    let mut report = FilesReport { stored: stored.len(), named: named.len(), ..Default::default() };
    let stored_keys: std::collections::HashSet<&str> = stored.iter().map(|o| o.key.as_str()).collect();
    for (key, what) in &named {
        if !stored_keys.contains(key.as_str()) {
            report.missing.push((what.clone(), key.clone()));
        }
    }
    for object in &stored {
        if object.key.contains('#') {
            // A staging file, reported below.
            continue;
        }
        if !named.contains_key(&object.key) && object.modified < orphan_before {
            report.orphans.push(Orphan { key: object.key.clone(), size: object.size, modified: object.modified });
        }
    }
    report.staging = store.staging_files()?;
    Ok(report)
}

/// SQLite's own check of its pages and indexes (`ok` when sound); `None` on PostgreSQL, which
/// checks its pages as it reads them.
pub async fn integrity(db: &impl ConnectionTrait) -> Result<Option<String>> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(None);
    }
    #[derive(FromQueryResult)]
    struct Line {
        integrity_check: String,
    }
    let lines =
        Line::find_by_statement(Statement::from_string(DbBackend::Sqlite, "PRAGMA integrity_check")).all(db).await?;
    Ok(Some(lines.into_iter().map(|l| l.integrity_check).collect::<Vec<_>>().join("; ")))
}
