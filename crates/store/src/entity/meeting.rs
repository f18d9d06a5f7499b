//! A meeting record (運作紀錄).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub date: Date,
    /// 1 (August–January) or 2 (February–July), from the date.
    pub semester: i16,
    /// `co_planning`, `observation`, `debrief`, `lecture`, `sharing`, `topic_study`, `other`.
    pub kind: String,
    pub topic: String,
    #[sea_orm(column_type = "Text")]
    pub minutes: String,
    /// Recorded after the deadline it counts for.
    pub late: bool,
    pub created_at: DateTimeUtc,
    pub created_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
