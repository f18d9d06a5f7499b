//! A school's request for a lecturer's visit: unconfirmed until the requester follows the
//! e-mailed link, then pending until the lecturer accepts or declines.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visit_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub lecturer_id: i32,
    pub name: String,
    pub school_id: i32,
    pub email: String,
    pub dates: String,
    pub topic: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// SHA-256 of the confirmation link's secret.
    pub token_hash: String,
    /// `unconfirmed`, `pending`, `accepted`, `declined`.
    pub status: String,
    pub created_at: DateTimeUtc,
    pub confirmed_at: Option<DateTimeUtc>,
    pub responded_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub response: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
