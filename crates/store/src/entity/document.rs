//! An uploaded document; its content is its versions.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    /// `report`, `lesson_plan`, `student_learning`, `records`, `other`, `signin`.
    pub category: String,
    /// For a sign-in sheet: its meeting.
    pub meeting_id: Option<i32>,
    pub title: String,
    pub created_at: DateTimeUtc,
    /// Deleted documents are hidden from review but kept for the audit.
    pub deleted_at: Option<DateTimeUtc>,
    pub deleted_by: Option<String>,
    /// Approved by the office for the public showcase (shown only with the community's consent).
    pub public_at: Option<DateTimeUtc>,
    pub public_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
