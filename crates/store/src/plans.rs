//! Plans, one per academic year, stored as TOML text. Callers parse and validate with
//! `linxuan_core::plan`; storage only keeps what passed.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entity::plan::{self, Entity as Plans};
use crate::{Result, StoreError, is_unique_violation};

pub use plan::Model as StoredPlan;

/// Academic years with a plan, newest first.
pub async fn years(db: &impl ConnectionTrait) -> Result<Vec<i32>> {
    Ok(Plans::find()
        .select_only()
        .column(plan::Column::AcademicYear)
        .order_by_desc(plan::Column::AcademicYear)
        .into_tuple()
        .all(db)
        .await?)
}

pub async fn get(db: &impl ConnectionTrait, year: i32) -> Result<Option<StoredPlan>> {
    Ok(Plans::find().filter(plan::Column::AcademicYear.eq(year)).one(db).await?)
}

/// The newest year's plan.
pub async fn latest(db: &impl ConnectionTrait) -> Result<Option<StoredPlan>> {
    Ok(Plans::find().order_by_desc(plan::Column::AcademicYear).one(db).await?)
}

pub async fn insert(db: &impl ConnectionTrait, year: i32, toml: &str, now: DateTime<Utc>) -> Result<StoredPlan> {
    plan::ActiveModel {
        id: NotSet,
        academic_year: Set(year),
        toml: Set(toml.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict(format!("academic year {year}")) } else { e.into() })
}

pub async fn update(db: &impl ConnectionTrait, year: i32, toml: &str, now: DateTime<Utc>) -> Result<StoredPlan> {
    let existing = get(db, year).await?.ok_or(StoreError::NotFound)?;
    let mut active: plan::ActiveModel = existing.into();
    active.toml = Set(toml.to_string());
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}
