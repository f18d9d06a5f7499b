//! One version of a document's file.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "file_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub document_id: i32,
    pub version: i32,
    /// The name the file had on the uploader's computer: for display only, never a path.
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Where the bytes are in the file store.
    pub storage_key: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTimeUtc,
    pub late: bool,
    /// The browser's key for this upload: a retried upload finds its first attempt.
    #[sea_orm(unique)]
    pub upload_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
