//! Accounts. Passwords arrive already hashed: hashing is the web layer's job, off the async
//! threads.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use crate::entity::user::{self, Entity as Users};
use crate::{Result, StoreError, is_unique_violation};

pub use user::Model as User;

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: Option<String>,
    pub locale: &'a str,
}

/// E-mail addresses compare without case and surrounding space.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn create(db: &impl ConnectionTrait, new: NewUser<'_>, now: DateTime<Utc>) -> Result<User> {
    let email = normalise_email(new.email);
    user::ActiveModel {
        id: NotSet,
        email: Set(email.clone()),
        name: Set(new.name.trim().to_string()),
        role: Set(new.role.to_string()),
        // Only the first administrator is made with a password, by the person at the console.
        email_confirmed_at: Set(new.password_hash.is_some().then_some(now)),
        password_hash: Set(new.password_hash),
        active: Set(true),
        locale: Set(new.locale.to_string()),
        created_at: Set(now),
        last_login_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict(format!("e-mail {email}")) } else { e.into() })
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<User>> {
    Ok(Users::find_by_id(id).one(db).await?)
}

pub async fn by_email(db: &impl ConnectionTrait, email: &str) -> Result<Option<User>> {
    Ok(Users::find().filter(user::Column::Email.eq(normalise_email(email))).one(db).await?)
}

pub async fn list(db: &impl ConnectionTrait, role: Option<&str>) -> Result<Vec<User>> {
    let mut query = Users::find();
    if let Some(role) = role.filter(|r| !r.is_empty()) {
        query = query.filter(user::Column::Role.eq(role));
    }
    Ok(query.order_by_asc(user::Column::Role).order_by_asc(user::Column::Email).all(db).await?)
}

pub async fn count_role(db: &impl ConnectionTrait, role: &str) -> Result<u64> {
    Ok(Users::find().filter(user::Column::Role.eq(role)).count(db).await?)
}

/// Active administrators who can sign in (have a password).
pub async fn count_usable_admins(db: &impl ConnectionTrait) -> Result<u64> {
    Ok(Users::find()
        .filter(user::Column::Role.eq("admin"))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::PasswordHash.is_not_null())
        .count(db)
        .await?)
}

async fn change(db: &impl ConnectionTrait, id: i32, edit: impl FnOnce(&mut user::ActiveModel)) -> Result<User> {
    let existing = get(db, id).await?.ok_or(StoreError::NotFound)?;
    let mut active: user::ActiveModel = existing.into();
    edit(&mut active);
    Ok(active.update(db).await?)
}

pub async fn set_password_hash(db: &impl ConnectionTrait, id: i32, hash: String) -> Result<User> {
    change(db, id, |u| u.password_hash = Set(Some(hash))).await
}

/// Sets a password through a one-time link. A link is mailed to the account's address or
/// handed over by the office, never shown to anyone else: using it shows the address is the
/// user's own.
pub async fn set_password_by_link(
    db: &impl ConnectionTrait,
    id: i32,
    hash: String,
    now: DateTime<Utc>,
) -> Result<User> {
    change(db, id, |u| {
        u.password_hash = Set(Some(hash));
        if matches!(&u.email_confirmed_at, sea_orm::ActiveValue::Unchanged(None)) {
            u.email_confirmed_at = Set(Some(now));
        }
    })
    .await
}

pub async fn set_name(db: &impl ConnectionTrait, id: i32, name: &str) -> Result<User> {
    change(db, id, |u| u.name = Set(name.trim().to_string())).await
}

pub async fn set_active(db: &impl ConnectionTrait, id: i32, active: bool) -> Result<User> {
    change(db, id, |u| u.active = Set(active)).await
}

pub async fn set_role(db: &impl ConnectionTrait, id: i32, role: &str) -> Result<User> {
    change(db, id, |u| u.role = Set(role.to_string())).await
}

pub async fn set_locale(db: &impl ConnectionTrait, id: i32, locale: &str) -> Result<User> {
    change(db, id, |u| u.locale = Set(locale.to_string())).await
}

pub async fn touch_login(db: &impl ConnectionTrait, id: i32, now: DateTime<Utc>) -> Result<User> {
    change(db, id, |u| u.last_login_at = Set(Some(now))).await
}
