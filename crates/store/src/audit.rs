//! The append-only audit log: who changed what, when, with the thing before and after.
//!
//! Write the entry with the same connection or transaction as the change, so that both are
//! there or neither is. The database refuses UPDATE and DELETE on the table.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;

use crate::Result;
use crate::entity::audit::{self, Entity as Audit};

pub use audit::Model as AuditEntry;

/// Who did something: a signed-in person, or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<i32>,
    pub label: String,
}

impl Actor {
    pub fn user(id: i32, email: &str) -> Self {
        Actor { id: Some(id), label: email.to_string() }
    }
    pub fn cli() -> Self {
        Actor { id: None, label: "cli".into() }
    }
    pub fn system() -> Self {
        Actor { id: None, label: "system".into() }
    }
}

/// What changed.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub plan_year: Option<i32>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    pub fn new(action: &'a str, entity: &'a str, entity_id: impl ToString) -> Self {
        Change { action, entity, entity_id: entity_id.to_string(), plan_year: None, before: None, after: None }
    }
    pub fn year(mut self, year: i32) -> Self {
        self.plan_year = Some(year);
        self
    }
    pub fn before(mut self, value: &impl Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }
    pub fn after(mut self, value: &impl Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }
}

pub async fn record(db: &impl ConnectionTrait, at: DateTime<Utc>, actor: &Actor, change: Change<'_>) -> Result<()> {
    audit::ActiveModel {
        id: NotSet,
        at: Set(at),
        actor_id: Set(actor.id),
        actor: Set(actor.label.clone()),
        action: Set(change.action.to_string()),
        entity: Set(change.entity.to_string()),
        entity_id: Set(change.entity_id),
        plan_year: Set(change.plan_year),
        before: Set(change.before.map(|v| v.to_string())),
        after: Set(change.after.map(|v| v.to_string())),
    }
    .insert(db)
    .await?;
    Ok(())
}

use sea_orm::ActiveModelTrait;

/// Filters for reading the log; empty fields match everything.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub entity: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
}

/// One page of the log, newest first, and the number of matching entries.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<AuditEntry>, u64)> {
    let mut query = Audit::find();
    if let Some(entity) = filter.entity.as_deref().filter(|s| !s.is_empty()) {
        query = query.filter(audit::Column::Entity.eq(entity));
    }
    if let Some(actor) = filter.actor.as_deref().filter(|s| !s.is_empty()) {
        query = query.filter(audit::Column::Actor.contains(actor));
    }
    if let Some(action) = filter.action.as_deref().filter(|s| !s.is_empty()) {
        query = query.filter(audit::Column::Action.eq(action));
    }
    let total = query.clone().count(db).await?;
    let rows = query.order_by_desc(audit::Column::Id).offset(page * per_page).limit(per_page).all(db).await?;
    Ok((rows, total))
}

/// The entity kinds present in the log, for the filter menu.
pub async fn entities(db: &impl ConnectionTrait) -> Result<Vec<String>> {
    let rows: Vec<String> = Audit::find()
        .select_only()
        .column(audit::Column::Entity)
        .distinct()
        .order_by_asc(audit::Column::Entity)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows)
}
