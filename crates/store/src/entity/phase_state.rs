//! The office closing a review phase early or reopening it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "phase_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub plan_year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub phase: String,
    /// `open` or `closed`, overriding the plan's dates.
    pub state: String,
    pub changed_at: DateTimeUtc,
    pub changed_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
