//! The office's confirmed cut of a group before a round.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cuts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub plan_year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_id: String,
    /// The round the passing communities go on to.
    #[sea_orm(primary_key, auto_increment = false)]
    pub round: i32,
    /// JSON: the community ids that pass.
    #[sea_orm(column_type = "Text")]
    pub passing: String,
    pub confirmed_at: DateTimeUtc,
    pub confirmed_by: String,
    /// Why it was confirmed again, when it replaced an earlier confirmation ("" the first time).
    #[sea_orm(column_type = "Text")]
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
