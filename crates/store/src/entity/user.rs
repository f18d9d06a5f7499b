//! An account.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Always stored lower-case.
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    /// `admin`, `convener` or `reviewer`.
    pub role: String,
    /// argon2id PHC string; `None` until the person sets a password through their link.
    #[sea_orm(column_type = "Text", nullable)]
    pub password_hash: Option<String>,
    pub active: bool,
    /// Preferred language: `zh-TW` or `en`.
    pub locale: String,
    pub created_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
    /// When the owner of the address showed they read it: they used a link that was mailed to
    /// it or that the office handed them. `None` for an account nobody has proved is theirs.
    pub email_confirmed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
