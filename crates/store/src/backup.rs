//! `linxuan backup DEST`: a consistent copy of the database and the files while the server
//! runs.
//!
//! The database goes first — SQLite with `VACUUM INTO` (a transactionally consistent copy taken
//! online), PostgreSQL with `pg_dump` (one snapshot) — then the files. Files are immutable and
//! written before the rows that name them, so every file the copied database refers to exists
//! by the time the files are copied.

use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};

use crate::files::FileStore;
use crate::{Result, StoreError};

#[derive(Debug)]
pub struct BackupReport {
    pub database: PathBuf,
    pub files: usize,
}

/// Copies the database and every file into `dest`, which must be missing or empty.
/// `database_url` is needed for `pg_dump`; `schema` limits the dump to one schema.
pub async fn backup(
    db: &DatabaseConnection,
    database_url: &str,
    schema: Option<&str>,
    files: &FileStore,
    dest: &Path,
) -> Result<BackupReport> {
    if dest.exists() && std::fs::read_dir(dest)?.next().is_some() {
        return Err(StoreError::Other(format!("{} is not empty; choose a new directory", dest.display())));
    }
    std::fs::create_dir_all(dest)?;
    let database = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let target = dest.join("linxuan.db");
            let quoted = target.display().to_string().replace('\'', "''");
            crate::db::restrict_sqlite_file(&target)?;
            db.execute_unprepared(&format!("VACUUM INTO '{quoted}'")).await?;
            crate::db::restrict_sqlite_file(&target)?;
            target
        }
        DbBackend::Postgres => {
            let target = dest.join("linxuan.pgdump");
            let mut command = tokio::process::Command::new("pg_dump");
            command.arg("--format=custom").arg("--no-owner").arg("--file").arg(&target);
            if let Some(schema) = schema {
                command.arg("--schema").arg(schema);
            }
            command.arg(database_url);
            let output = command.output().await.map_err(|e| {
                StoreError::Other(format!("cannot run pg_dump ({e}); install the PostgreSQL client tools"))
            })?;
            if !output.status.success() {
                return Err(StoreError::Other(format!(
                    "pg_dump failed: {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                )));
            }
            target
        }
        other => return Err(StoreError::Other(format!("unsupported database {other:?}"))),
    };
    let target_files = FileStore::local(&dest.join("files"))?;
    let copied = files.copy_all_to(&target_files).await?;
    Ok(BackupReport { database, files: copied })
}
