//! One-time links: the first administrator's set-up, invitations and password resets.
//!
//! A token is 32 random bytes shown once, in the link; only its SHA-256 is stored. Using a
//! token marks it used in one conditional UPDATE, so two clicks racing cannot both succeed.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use sha2::{Digest, Sha256};

use crate::Result;
use crate::entity::token::{self, Entity as Tokens};

pub use token::Model as Token;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The first administrator's password (no user row yet).
    Setup,
    /// An invited person sets their password.
    Invite,
    /// A forgotten password.
    Reset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Setup => "setup",
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates a token and returns the secret to put in the link.
pub async fn issue(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    user_id: Option<i32>,
    valid_for: Duration,
    now: DateTime<Utc>,
) -> Result<(String, Token)> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let row = token::ActiveModel {
        id: NotSet,
        purpose: Set(purpose.as_str().to_string()),
        token_hash: Set(digest(&secret)),
        user_id: Set(user_id),
        expires_at: Set(now + valid_for),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok((secret, row))
}

/// The token behind a secret, if it exists, has this purpose, is unused and unexpired.
pub async fn find_valid(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<Token>> {
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    Ok(Tokens::find()
        .filter(token::Column::TokenHash.eq(digest(secret)))
        .filter(token::Column::Purpose.eq(purpose.as_str()))
        .filter(token::Column::UsedAt.is_null())
        .filter(token::Column::ExpiresAt.gt(now))
        .one(db)
        .await?)
}

/// Marks a token used; `false` when it was already used (someone else got there first).
pub async fn consume(db: &impl ConnectionTrait, id: i32, now: DateTime<Utc>) -> Result<bool> {
    let result = Tokens::update_many()
        .col_expr(token::Column::UsedAt, Expr::value(now))
        .filter(token::Column::Id.eq(id))
        .filter(token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Whether an unused, unexpired token of this purpose exists (for the first-run set-up link).
pub async fn any_valid(db: &impl ConnectionTrait, purpose: Purpose, now: DateTime<Utc>) -> Result<bool> {
    Ok(Tokens::find()
        .filter(token::Column::Purpose.eq(purpose.as_str()))
        .filter(token::Column::UsedAt.is_null())
        .filter(token::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .is_some())
}

/// Retires a person's open tokens of one purpose (a new invitation replaces the old link).
pub async fn revoke(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    user_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut query = Tokens::update_many()
        .col_expr(token::Column::UsedAt, Expr::value(now))
        .filter(token::Column::Purpose.eq(purpose.as_str()))
        .filter(token::Column::UsedAt.is_null());
    query = match user_id {
        Some(id) => query.filter(token::Column::UserId.eq(id)),
        None => query.filter(token::Column::UserId.is_null()),
    };
    query.exec(db).await?;
    Ok(())
}
