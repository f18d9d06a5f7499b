//! One of the organising staff, entered by the office for a commendation or a certificate
//! (SPEC §3: 嘉獎1次 for 4 people, 獎狀 for 2).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_year: i32,
    pub name: String,
    pub school: String,
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub national_id_sealed: Option<String>,
    pub national_id_masked: Option<String>,
    pub commendation: bool,
    pub certificate: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
