//! A one-time link: first-administrator set-up, invitation, password reset.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `setup`, `invite` or `reset`.
    pub purpose: String,
    /// SHA-256 of the token, hex: the token itself is only ever in the link.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub user_id: Option<i32>,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
