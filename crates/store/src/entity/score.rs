//! A reviewer's current score for one assignment.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scores")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub assignment_id: i32,
    /// `draft` or `submitted`.
    pub status: String,
    /// JSON: criterion id → score (decimal text).
    #[sea_orm(column_type = "Text")]
    pub values: String,
    /// JSON: rubric indicator id → score (decimal text).
    #[sea_orm(column_type = "Text")]
    pub indicators: String,
    /// Why the completeness score differs from the system's suggestion.
    #[sea_orm(column_type = "Text")]
    pub completeness_reason: String,
    #[sea_orm(column_type = "Text")]
    pub comment: String,
    pub version: i32,
    /// Set when the score came from a paper score sheet import, by whom.
    pub imported_by: Option<String>,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
