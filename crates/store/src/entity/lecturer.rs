//! An awarded community's convener as a lecturer schools may invite (學習社群到校分享講師):
//! listed only after the convener opts in.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lecturers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_year: i32,
    pub community_id: i32,
    pub listed: bool,
    pub topic: String,
    #[sea_orm(column_type = "Text")]
    pub intro: String,
    pub updated_at: DateTimeUtc,
    pub updated_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
