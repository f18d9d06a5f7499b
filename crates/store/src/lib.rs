//! Linxuan's storage: the database (SQLite by default, PostgreSQL by URL, one set of
//! behaviour on both) and the file store (a local directory, or S3-compatible object storage).
//!
//! Every function takes the time it should record as an argument: the clock belongs to the
//! caller, so tests can move it.

pub mod audit;
pub mod backup;
pub mod check;
pub mod communities;
pub mod db;
pub mod documents;
pub mod entity;
pub mod event;
pub mod files;
pub mod mail;
pub mod meetings;
pub mod migration;
pub mod outcomes;
pub mod plans;
pub mod review;
pub mod schools;
pub mod self_evaluations;
pub mod sessions;
pub mod tokens;
pub mod users;

pub use db::Db;
pub use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};

/// What can go wrong in storage, in terms callers act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("files: {0}")]
    Files(#[from] object_store::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A unique value (an e-mail address, a school code, an academic year) is already taken.
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Whether a database error is a unique-constraint violation, on either backend.
pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}
