//! Published results, frozen; every version kept.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_year: i32,
    pub version: i32,
    /// JSON: the frozen results.
    #[sea_orm(column_type = "Text")]
    pub result: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub published_at: DateTimeUtc,
    pub published_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
