//! Schools (code, name, level, district): one list for the whole deployment.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;

use crate::entity::school::{self, Entity as Schools};
use crate::{Result, StoreError, is_unique_violation};

pub use school::Model as School;

/// A school's fields as a form or an import row gives them (already checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchoolData {
    pub code: String,
    pub name: String,
    pub level: String,
    pub district: String,
}

impl From<&School> for SchoolData {
    fn from(s: &School) -> Self {
        SchoolData { code: s.code.clone(), name: s.name.clone(), level: s.level.clone(), district: s.district.clone() }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Matches code or name.
    pub text: Option<String>,
    pub level: Option<String>,
    pub district: Option<String>,
}

pub async fn list(db: &impl ConnectionTrait, filter: &Filter) -> Result<Vec<School>> {
    let mut query = Schools::find();
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        query = query
            .filter(Condition::any().add(school::Column::Code.contains(text)).add(school::Column::Name.contains(text)));
    }
    if let Some(level) = filter.level.as_deref().filter(|s| !s.is_empty()) {
        query = query.filter(school::Column::Level.eq(level));
    }
    if let Some(district) = filter.district.as_deref().filter(|s| !s.is_empty()) {
        query = query.filter(school::Column::District.eq(district));
    }
    Ok(query.order_by_asc(school::Column::Code).all(db).await?)
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64> {
    Ok(Schools::find().count(db).await?)
}

/// Districts in use, for filter menus.
pub async fn districts(db: &impl ConnectionTrait) -> Result<Vec<String>> {
    Ok(Schools::find()
        .select_only()
        .column(school::Column::District)
        .distinct()
        .order_by_asc(school::Column::District)
        .into_tuple()
        .all(db)
        .await?)
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<School>> {
    Ok(Schools::find_by_id(id).one(db).await?)
}

pub async fn by_code(db: &impl ConnectionTrait, code: &str) -> Result<Option<School>> {
    Ok(Schools::find().filter(school::Column::Code.eq(code)).one(db).await?)
}

fn conflict(code: &str) -> impl Fn(sea_orm::DbErr) -> StoreError + '_ {
    move |e| {
        if is_unique_violation(&e) { StoreError::Conflict(format!("school code {code}")) } else { e.into() }
    }
}

pub async fn create(db: &impl ConnectionTrait, data: &SchoolData, now: DateTime<Utc>) -> Result<School> {
    school::ActiveModel {
        id: NotSet,
        code: Set(data.code.clone()),
        name: Set(data.name.clone()),
        level: Set(data.level.clone()),
        district: Set(data.district.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(conflict(&data.code))
}

pub async fn update(
    db: &impl ConnectionTrait,
    existing: School,
    data: &SchoolData,
    now: DateTime<Utc>,
) -> Result<School> {
    let mut active: school::ActiveModel = existing.into();
    active.code = Set(data.code.clone());
    active.name = Set(data.name.clone());
    active.level = Set(data.level.clone());
    active.district = Set(data.district.clone());
    active.updated_at = Set(now);
    active.update(db).await.map_err(conflict(&data.code))
}

pub async fn delete(db: &impl ConnectionTrait, id: i32) -> Result<()> {
    let result = Schools::delete_by_id(id).exec(db).await?;
    if result.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
