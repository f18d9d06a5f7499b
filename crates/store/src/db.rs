//! Connecting to the database and bringing its schema up to date.

use std::path::Path;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use sea_orm_migration::MigratorTrait;

use crate::migration::Migrator;

/// The SQLite URL for a database file, created when missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// The file of a SQLite URL (`sqlite://data/linxuan.db?mode=rwc` → `data/linxuan.db`).
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// Makes the database file readable by its owner only (0600), creating it so when missing:
/// it holds every account's password hash and the sealed national ID numbers. SQLite gives
/// its `-wal` and `-shm` files the same permissions.
pub fn restrict_sqlite_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if !path.exists() {
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
        }
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}

/// Which database a URL names, for messages and for the few places the backends differ.
pub fn backend_of(url: &str) -> Option<DbBackend> {
    if url.starts_with("sqlite:") {
        Some(DbBackend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some(DbBackend::Postgres)
    } else {
        None
    }
}

/// Connects to SQLite (WAL, foreign keys on) or PostgreSQL, by URL.
///
/// `schema` (PostgreSQL only) puts every table in that schema: tests use it to give each test
/// a database of its own.
pub async fn connect(url: &str, schema: Option<&str>) -> Result<DatabaseConnection, DbErr> {
    let backend = backend_of(url)
        .ok_or_else(|| DbErr::Custom(format!("unsupported database URL {url:?}: use sqlite://FILE or postgres://…")))?;
    if backend == DbBackend::Sqlite
        && let Some(path) = sqlite_path(url)
    {
        restrict_sqlite_file(&path).map_err(|e| DbErr::Custom(format!("{}: {e}", path.display())))?;
    }
    let mut options = ConnectOptions::new(url);
    options.sqlx_logging(false).acquire_timeout(Duration::from_secs(30));
    match backend {
        DbBackend::Sqlite => {
            // One connection: SQLite takes one writer at a time anyway, and a single connection
            // rules out SQLITE_BUSY on a read-then-write transaction. WAL keeps backups online.
            options.max_connections(1).min_connections(1).map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .create_if_missing(true)
            });
        }
        _ => {
            options.max_connections(16).min_connections(1);
            if let Some(schema) = schema {
                options.set_schema_search_path(schema.to_string());
            }
        }
    }
    Database::connect(options).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// How many migrations are applied and how many wait.
pub async fn migration_status(db: &DatabaseConnection) -> Result<(usize, usize), DbErr> {
    let all = Migrator::migrations().len();
    let applied = Migrator::get_applied_migrations(db).await?.len();
    Ok((applied, all - applied))
}

/// A short name of the backend for logs: `SQLite` or `PostgreSQL`.
pub fn backend_name(db: &impl ConnectionTrait) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Sqlite => "SQLite",
        DbBackend::Postgres => "PostgreSQL",
        _ => "unknown",
    }
}
