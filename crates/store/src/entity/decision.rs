//! The office's recorded decision on a tie the rules leave open.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "decisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_year: i32,
    pub group_id: String,
    /// JSON: the tied community codes the decision is about.
    #[sea_orm(column_type = "Text")]
    pub block: String,
    /// JSON: community code → award level id (or null) as decided.
    #[sea_orm(column_type = "Text")]
    pub awards: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub decided_by: String,
    pub decided_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
