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

/// What every SQLite pool of ours shares.
///
/// - No ping before each use: a connection to a local file does not go away, and the ping is
///   a round trip to the connection's thread before every query.
/// - [`stable_plans`] on every connection.
fn sqlite_pool(options: &mut ConnectOptions) {
    options.test_before_acquire(false).map_sqlx_sqlite_pool_opts(|pool| {
        pool.after_connect(|connection, _| {
            Box::pin(async move {
                let mut handle = connection.lock_handle().await?;
                stable_plans(handle.as_raw_handle().as_ptr())
            })
        })
    });
}

/// Turns on SQLite's query planner stability guarantee (`SQLITE_DBCONFIG_ENABLE_QPSG`): a
/// statement's plan no longer depends on the values bound to it.
///
/// Without it, SQLite 3.47 and later read the value bound to `LIMIT ?` while planning, and
/// mark the statement to be planned again whenever that parameter is bound — which sqlx does
/// on every execution. Every `.one()` (`… LIMIT ?`: the session, the signed-in user, the plan,
/// on every page) was parsed and planned anew each time: 8 % of the server's CPU in the
/// deadline rush (`perf`), found with a breakpoint on `sqlite3Reprepare` printing
/// `sqlite3_sql`. `LIKE ?` searches were planned again each time for the same reason. With
/// the guarantee the cached statement is used as it is.
fn stable_plans(db: *mut libsqlite3_sys::sqlite3) -> Result<(), sea_orm::sqlx::Error> {
    let mut applied: std::ffi::c_int = 0;
    // SAFETY: `db` is the open connection sqlx holds locked for us; SQLITE_DBCONFIG_ENABLE_QPSG
    // takes an int (1: on) and an int* for the value in effect, as SQLite documents.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as std::ffi::c_int,
            &mut applied as *mut std::ffi::c_int,
        )
    };
    if rc != libsqlite3_sys::SQLITE_OK || applied != 1 {
        return Err(sea_orm::sqlx::Error::Configuration(
            format!("SQLite refused SQLITE_DBCONFIG_ENABLE_QPSG (code {rc})").into(),
        ));
    }
    Ok(())
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
            sqlite_pool(&mut options);
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
            // A connection idle for a while is checked before use (the server may have
            // restarted); a busy one is not pinged before every query.
            options.max_connections(16).min_connections(1).test_before_acquire_if_idle_for(Duration::from_secs(30));
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

/// Readers SQLite serves beside its one writer.
const SQLITE_READERS: u32 = 4;

/// The application's database: on PostgreSQL one pool; on SQLite one writer and a pool of
/// readers.
///
/// SQLite takes one writer at a time, and our writer is one connection: every write and every
/// transaction goes through it, in turn (transactions begin `IMMEDIATE`, so one that reads
/// before it writes never meets another writer half-way). Reads outside a transaction go to
/// reader connections (`query_only`), which WAL lets run beside the writer and each other:
/// the board, the progress page and the community list no longer queue behind each other and
/// behind every upload. A reader's statement sees everything committed before it began, so a
/// page read after a write (a redirect after a form) sees that write. Inside a transaction,
/// everything — reads too — goes through the transaction.
#[derive(Debug, Clone)]
pub struct Db {
    writer: DatabaseConnection,
    readers: Option<DatabaseConnection>,
    /// SQLite: a connection that only asks `PRAGMA data_version` ([`Db::revision`]). It never
    /// writes, so every commit — by this process or another (the CLI) — is another
    /// connection's, and changes the number it reads.
    watch: Option<DatabaseConnection>,
}

/// What the database holds, as a token: two equal revisions read at two moments mean nothing
/// was committed in between, by anyone. A page computed from reads made after a revision was
/// taken may be kept under that revision and shown again while the revision stays the same
/// (`linxuan::cache`); any commit at all — a score, an upload, a sign-in — makes a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision(String);

impl Db {
    /// Connects (see [`connect`]), brings the schema up to date, and on SQLite opens the readers.
    pub async fn open(url: &str, schema: Option<&str>) -> Result<Db, DbErr> {
        let writer = connect(url, schema).await?;
        migrate(&writer).await?;
        let readers = match writer.get_database_backend() {
            DbBackend::Sqlite => {
                let mut options = ConnectOptions::new(url);
                sqlite_pool(&mut options);
                options
                    .sqlx_logging(false)
                    .acquire_timeout(Duration::from_secs(30))
                    .max_connections(SQLITE_READERS)
                    .min_connections(1)
                    .map_sqlx_sqlite_opts(|o| {
                        o.pragma("query_only", "ON")
                            .pragma("cache_size", "-256")
                            .foreign_keys(true)
                            .busy_timeout(Duration::from_secs(10))
                    });
                Some(Database::connect(options).await?)
            }
            _ => None,
        };
        let watch = match &readers {
            Some(_) => {
                let mut options = ConnectOptions::new(url);
                sqlite_pool(&mut options);
                options
                    .sqlx_logging(false)
                    .acquire_timeout(Duration::from_secs(30))
                    .max_connections(1)
                    .min_connections(1)
                    .map_sqlx_sqlite_opts(|o| o.pragma("query_only", "ON").busy_timeout(Duration::from_secs(10)));
                Some(Database::connect(options).await?)
            }
            None => None,
        };
        Ok(Db { writer, readers, watch })
    }

    /// The database's revision now (see [`Revision`]).
    ///
    /// SQLite: `PRAGMA data_version` on a connection that never writes — it changes whenever
    /// any other connection, in this process or another, commits. PostgreSQL: the current
    /// snapshot (`xmin:xmax:in-progress ids`). Every transaction that writes is given an id, so
    /// after a commit the snapshot differs (the id leaves the in-progress list, or `xmax` has
    /// moved past it); two equal snapshots see exactly the same committed transactions. Writes
    /// elsewhere on the same PostgreSQL server change it too: a needless recomputation, never
    /// a stale page.
    pub async fn revision(&self) -> Result<Revision, DbErr> {
        let (connection, sql) = match &self.watch {
            Some(watch) => (watch, "PRAGMA data_version"),
            None => (&self.writer, "SELECT CAST(pg_current_snapshot() AS TEXT)"),
        };
        let backend = connection.get_database_backend();
        let row = connection
            .query_one_raw(sea_orm::Statement::from_string(backend, sql))
            .await?
            .ok_or_else(|| DbErr::Custom(format!("{sql} returned no row")))?;
        Ok(Revision(match backend {
            DbBackend::Sqlite => row.try_get_by_index::<i64>(0)?.to_string(),
            _ => row.try_get_by_index::<String>(0)?,
        }))
    }

    /// The connection every write goes through (the only one on PostgreSQL's side too).
    pub fn writer(&self) -> &DatabaseConnection {
        &self.writer
    }

    fn for_statement(&self, sql: &str) -> &DatabaseConnection {
        match &self.readers {
            Some(readers) if is_read(sql) => readers,
            _ => &self.writer,
        }
    }

    pub async fn close(self) -> Result<(), DbErr> {
        if let Some(watch) = self.watch {
            watch.close().await?;
        }
        if let Some(readers) = self.readers {
            readers.close().await?;
        }
        self.writer.close().await
    }
}

/// Whether a statement only reads: a `SELECT` (an `INSERT … RETURNING` comes through the same
/// query methods and writes).
fn is_read(sql: &str) -> bool {
    let start = sql.trim_start();
    start.len() >= 6 && start[..6].eq_ignore_ascii_case("select")
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.writer.get_database_backend()
    }

    async fn execute_raw(&self, stmt: sea_orm::Statement) -> Result<sea_orm::ExecResult, DbErr> {
        self.writer.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<sea_orm::ExecResult, DbErr> {
        self.writer.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: sea_orm::Statement) -> Result<Option<sea_orm::QueryResult>, DbErr> {
        self.for_statement(&stmt.sql).query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: sea_orm::Statement) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
        self.for_statement(&stmt.sql).query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.writer.support_returning()
    }
}

#[async_trait::async_trait]
impl sea_orm::TransactionTrait for Db {
    type Transaction = sea_orm::DatabaseTransaction;

    async fn begin(&self) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        self.begin_with_options(sea_orm::TransactionOptions::default()).await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<sea_orm::IsolationLevel>,
        access_mode: Option<sea_orm::AccessMode>,
    ) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        self.begin_with_options(sea_orm::TransactionOptions {
            isolation_level,
            access_mode,
            sqlite_transaction_mode: None,
        })
        .await
    }

    async fn begin_with_options(
        &self,
        mut options: sea_orm::TransactionOptions,
    ) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        if self.get_database_backend() == DbBackend::Sqlite && options.sqlite_transaction_mode.is_none() {
            options.sqlite_transaction_mode = Some(sea_orm::SqliteTransactionMode::Immediate);
        }
        self.writer.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, sea_orm::TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c sea_orm::DatabaseTransaction,
            ) -> std::pin::Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        let txn = self.begin().await.map_err(sea_orm::TransactionError::Connection)?;
        match callback(&txn).await {
            Ok(value) => {
                sea_orm::TransactionSession::commit(txn).await.map_err(sea_orm::TransactionError::Connection)?;
                Ok(value)
            }
            Err(e) => {
                let _ = sea_orm::TransactionSession::rollback(txn).await;
                Err(sea_orm::TransactionError::Transaction(e))
            }
        }
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<sea_orm::IsolationLevel>,
        access_mode: Option<sea_orm::AccessMode>,
    ) -> Result<T, sea_orm::TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c sea_orm::DatabaseTransaction,
            ) -> std::pin::Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.writer.transaction_with_config(callback, isolation_level, access_mode).await
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_selects_go_to_the_readers() {
        assert!(is_read("SELECT 1"));
        assert!(is_read("  select \"x\" FROM t"));
        assert!(!is_read("INSERT INTO t VALUES (1) RETURNING id"));
        assert!(!is_read("UPDATE t SET a = 1"));
        assert!(!is_read("PRAGMA integrity_check"));
        assert!(!is_read("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x"));
    }

    /// Whether a connection of the pool has the query planner stability guarantee on.
    async fn plans_are_stable(pool: &DatabaseConnection) -> bool {
        let mut connection = pool.get_sqlite_connection_pool().acquire().await.unwrap();
        let mut handle = connection.lock_handle().await.unwrap();
        let mut value: std::ffi::c_int = -1;
        // SAFETY: a locked, open connection; -1 asks for the value in effect without changing it.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_db_config(
                handle.as_raw_handle().as_ptr(),
                libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
                -1 as std::ffi::c_int,
                &mut value as *mut std::ffi::c_int,
            )
        };
        assert_eq!(rc, libsqlite3_sys::SQLITE_OK);
        value == 1
    }

    #[tokio::test]
    async fn every_sqlite_connection_plans_without_looking_at_bound_values() {
        let dir = std::env::temp_dir().join(format!("linxuan-qpsg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db::open(&sqlite_url(&dir.join("linxuan.db")), None).await.unwrap();
        assert!(plans_are_stable(db.writer()).await, "the writer");
        assert!(plans_are_stable(db.readers.as_ref().unwrap()).await, "the readers");
        assert!(plans_are_stable(db.watch.as_ref().unwrap()).await, "the revision's connection");
        db.close().await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
