//! Every submitted (or changed) version of a score, append-only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "score_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub score_id: i32,
    pub version: i32,
    pub at: DateTimeUtc,
    pub by: String,
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub values: String,
    #[sea_orm(column_type = "Text")]
    pub indicators: String,
    #[sea_orm(column_type = "Text")]
    pub comment: String,
    /// Why a submitted score was changed.
    #[sea_orm(column_type = "Text")]
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
