//! A reviewer assigned to a community in a phase.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assignments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_year: i32,
    /// The plan's review phase id (`round-1`, `presentation` …).
    pub phase: String,
    pub community_id: i32,
    pub reviewer_id: i32,
    /// For presentations: the room (1, 2, …) the reviewer sits in.
    pub room: Option<i32>,
    pub created_at: DateTimeUtc,
    pub created_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
