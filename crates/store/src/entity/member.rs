//! A member of a community.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "members")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub name: String,
    pub school_id: Option<i32>,
    /// 職稱, e.g. 教師, 教務主任.
    pub title: String,
    pub email: String,
    /// `convener` (召集人) or `member` (成員).
    pub role: String,
    /// The account a convener signs in with.
    pub user_id: Option<i32>,
    /// The national ID, sealed (encrypted and authenticated); never stored in the clear.
    #[sea_orm(column_type = "Text", nullable)]
    pub national_id_sealed: Option<String>,
    /// `A12****789`, for display without unsealing.
    pub national_id_masked: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
