//! `linxuan backup DEST` and `linxuan restore DEST`.
//!
//! A backup is a consistent copy of the database and the files, taken while the server runs.
//! The database goes first — SQLite with `VACUUM INTO` (a transactionally consistent copy taken
//! online), PostgreSQL with `pg_dump` (one snapshot) — then the files. Files are immutable and
//! written before the rows that name them, so every file the copied database refers to exists
//! by the time the files are copied. `manifest.json` lists every file with its SHA-256, and
//! the fingerprint (a hash, never the key) of the key that seals national ID numbers.
//!
//! A restore goes into a fresh place only — an empty data directory or an empty database — so
//! it never mixes with or overwrites a live year: the database file is copied (SQLite) or
//! `pg_restore`d (PostgreSQL), every file copied into the file store and read back against its
//! SHA-256 in the manifest.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use sea_orm::{ConnectionTrait, DbBackend};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::files::FileStore;
use crate::{Result, StoreError};

#[derive(Debug)]
pub struct BackupReport {
    pub database: PathBuf,
    pub files: usize,
}

/// What a backup holds, written beside it as `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// `sqlite` or `postgres`.
    pub database: String,
    /// When the backup was taken (RFC 3339).
    pub taken_at: String,
    /// SHA-256 of the key that seals national ID numbers: restoring checks that the key at
    /// hand is the same, without the backup ever holding the key.
    pub key_fingerprint: Option<String>,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestFile {
    pub key: String,
    pub size: u64,
    pub sha256: String,
}

pub const MANIFEST: &str = "manifest.json";

/// Copies the database and every file into `dest`, which must be missing or empty.
/// `database_url` is needed for `pg_dump`; `schema` limits the dump to one schema;
/// `key_fingerprint` goes into the manifest.
pub async fn backup(
    db: &impl ConnectionTrait,
    database_url: &str,
    schema: Option<&str>,
    files: &FileStore,
    dest: &Path,
    key_fingerprint: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<BackupReport> {
    if dest.exists() && std::fs::read_dir(dest)?.next().is_some() {
        return Err(StoreError::Other(format!("{} is not empty; choose a new directory", dest.display())));
    }
    std::fs::create_dir_all(dest)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dest, std::fs::Permissions::from_mode(0o700))?;
    }
    let (database, kind) = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let target = dest.join("linxuan.db");
            let quoted = target.display().to_string().replace('\'', "''");
            crate::db::restrict_sqlite_file(&target)?;
            db.execute_unprepared(&format!("VACUUM INTO '{quoted}'")).await?;
            crate::db::restrict_sqlite_file(&target)?;
            (target, "sqlite")
        }
        DbBackend::Postgres => {
            let target = dest.join("linxuan.pgdump");
            let mut command = tokio::process::Command::new("pg_dump");
            command.arg("--format=custom").arg("--no-owner").arg("--file").arg(&target);
            if let Some(schema) = schema {
                command.arg("--schema").arg(schema);
            }
            command.arg(database_url);
            run(command, "pg_dump").await?;
            (target, "postgres")
        }
        other => return Err(StoreError::Other(format!("unsupported database {other:?}"))),
    };
    let target_files = FileStore::local(&dest.join("files"))?;
    let mut listed = Vec::new();
    for key in files.list(None).await? {
        if key.contains('#') {
            continue;
        }
        let bytes = files.get(&key).await?;
        listed.push(ManifestFile {
            key: key.clone(),
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&bytes)),
        });
        target_files.put(&key, bytes).await?;
    }
    listed.sort_by(|a, b| a.key.cmp(&b.key));
    let manifest = Manifest { database: kind.into(), taken_at: now.to_rfc3339(), key_fingerprint, files: listed };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| StoreError::Other(e.to_string()))?;
    std::fs::write(dest.join(MANIFEST), text)?;
    Ok(BackupReport { database, files: manifest.files.len() })
}

async fn run(mut command: tokio::process::Command, name: &str) -> Result<()> {
    let output = command
        .output()
        .await
        .map_err(|e| StoreError::Other(format!("cannot run {name} ({e}); install the PostgreSQL client tools")))?;
    if !output.status.success() {
        return Err(StoreError::Other(format!("{name} failed: {}", String::from_utf8_lossy(&output.stderr).trim())));
    }
    Ok(())
}

/// Reads a backup's manifest.
pub fn read_manifest(backup: &Path) -> Result<Manifest> {
    let path = backup.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| StoreError::Other(format!("{}: {e} (is this a Linxuan backup?)", path.display())))?;
    serde_json::from_str(&text).map_err(|e| StoreError::Other(format!("{}: {e}", path.display())))
}

#[derive(Debug)]
pub struct RestoreReport {
    pub files: usize,
    pub bytes: u64,
}

/// Restores the backup in `backup` into an empty database (`database_url`; a SQLite file that
/// does not exist yet, or a PostgreSQL database without Linxuan's tables) and an empty file
/// store, and checks every file read back against the manifest's SHA-256.
pub async fn restore(backup: &Path, database_url: &str, files: &FileStore) -> Result<RestoreReport> {
    let manifest = read_manifest(backup)?;
    if !files.list(None).await?.is_empty() {
        return Err(StoreError::Other(format!(
            "the file store ({}) is not empty: restore into a new data directory or bucket",
            files.describe()
        )));
    }
    match crate::db::backend_of(database_url) {
        Some(DbBackend::Sqlite) if manifest.database == "sqlite" => {
            let target = crate::db::sqlite_path(database_url)
                .ok_or_else(|| StoreError::Other(format!("{database_url} names no database file")))?;
            let has_data = std::fs::metadata(&target).is_ok_and(|m| m.len() > 0);
            if has_data {
                return Err(StoreError::Other(format!(
                    "{} already exists: restore into a new data directory",
                    target.display()
                )));
            }
            if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            crate::db::restrict_sqlite_file(&target)?;
            std::fs::copy(backup.join("linxuan.db"), &target)?;
            crate::db::restrict_sqlite_file(&target)?;
        }
        Some(DbBackend::Postgres) if manifest.database == "postgres" => {
            let db = crate::db::connect(database_url, None).await?;
            let taken = db
                .query_one_raw(sea_orm::Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT 1 AS one FROM information_schema.tables WHERE table_name = 'audit_log'",
                ))
                .await?
                .is_some();
            db.close().await?;
            if taken {
                return Err(StoreError::Other(
                    "the database already holds Linxuan's tables: restore into a new, empty database".into(),
                ));
            }
            let mut command = tokio::process::Command::new("pg_restore");
            command.arg("--no-owner").arg("--exit-on-error").arg("--dbname").arg(database_url);
            command.arg(backup.join("linxuan.pgdump"));
            run(command, "pg_restore").await?;
        }
        _ => {
            return Err(StoreError::Other(format!(
                "the backup is of a {} database; set DATABASE_URL to a database of the same kind",
                manifest.database
            )));
        }
    }
    let source = FileStore::local(&backup.join("files"))?;
    let mut bytes_total = 0;
    for file in &manifest.files {
        let bytes: Bytes = source.get(&file.key).await?;
        files.put(&file.key, bytes).await?;
        let back = files.get(&file.key).await?;
        let sha = hex::encode(Sha256::digest(&back));
        if sha != file.sha256 {
            return Err(StoreError::Other(format!(
                "{}: the restored file's SHA-256 is {sha}, the backup's manifest says {}",
                file.key, file.sha256
            )));
        }
        bytes_total += back.len() as u64;
    }
    Ok(RestoreReport { files: manifest.files.len(), bytes: bytes_total })
}
