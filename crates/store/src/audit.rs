//! The append-only audit log: who changed what, when, with the thing before and after.
//!
//! Write the entry with the same connection or transaction as the change, so that both are
//! there or neither is. The database refuses UPDATE and DELETE on the table.

use chrono::Timelike;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
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

/// What an entry's hash covers: everything but its id (which the database gives only on
/// insert), with its time to the microsecond (what both databases keep).
pub struct ChainRow<'a> {
    pub at: DateTime<Utc>,
    pub actor_id: Option<i32>,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub plan_year: Option<i32>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// SHA-256 (hex) of the previous entry's hash and this entry, as one JSON array (so that no
/// two different entries write the same text).
pub fn chain_hash(prev: &str, row: &ChainRow<'_>) -> String {
    use sha2::{Digest, Sha256};
    let text = serde_json::json!([
        prev,
        row.at.timestamp_micros(),
        row.actor_id,
        row.actor,
        row.action,
        row.entity,
        row.entity_id,
        row.plan_year,
        row.before,
        row.after,
    ])
    .to_string();
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl AuditEntry {
    fn chain_row(&self) -> ChainRow<'_> {
        ChainRow {
            at: self.at,
            actor_id: self.actor_id,
            actor: &self.actor,
            action: &self.action,
            entity: &self.entity,
            entity_id: &self.entity_id,
            plan_year: self.plan_year,
            before: self.before.as_deref(),
            after: self.after.as_deref(),
        }
    }
}

/// The hash of the last entry (`""` when the log is empty).
async fn last_hash(db: &impl ConnectionTrait) -> Result<String> {
    let last: Option<Option<String>> = Audit::find()
        .select_only()
        .column(audit::Column::Hash)
        .order_by_desc(audit::Column::Id)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.flatten().unwrap_or_default())
}

/// Adds an entry after the last one. Two writers that read the same last entry cannot both
/// add after it (the `prev_hash` column is unique): the second tries again, from a savepoint
/// when it is inside a transaction.
pub async fn record<C>(db: &C, at: DateTime<Utc>, actor: &Actor, change: Change<'_>) -> Result<()>
where
    C: ConnectionTrait + TransactionTrait,
{
    // Both databases keep microseconds: the hash is of what is stored.
    let at = at.with_nanosecond(at.nanosecond() / 1000 * 1000).unwrap_or(at);
    let before = change.before.map(|v| v.to_string());
    let after = change.after.map(|v| v.to_string());
    let mut attempts = 0;
    loop {
        attempts += 1;
        let savepoint = db.begin().await?;
        let prev = last_hash(&savepoint).await?;
        let hash = chain_hash(
            &prev,
            &ChainRow {
                at,
                actor_id: actor.id,
                actor: &actor.label,
                action: change.action,
                entity: change.entity,
                entity_id: &change.entity_id,
                plan_year: change.plan_year,
                before: before.as_deref(),
                after: after.as_deref(),
            },
        );
        let inserted = audit::ActiveModel {
            id: NotSet,
            at: Set(at),
            actor_id: Set(actor.id),
            actor: Set(actor.label.clone()),
            action: Set(change.action.to_string()),
            entity: Set(change.entity.to_string()),
            entity_id: Set(change.entity_id.clone()),
            plan_year: Set(change.plan_year),
            before: Set(before.clone()),
            after: Set(after.clone()),
            prev_hash: Set(Some(prev)),
            hash: Set(Some(hash)),
        }
        .insert(&savepoint)
        .await;
        match inserted {
            Ok(_) => {
                savepoint.commit().await?;
                return Ok(());
            }
            Err(e) if crate::is_unique_violation(&e) && attempts < 50 => {
                savepoint.rollback().await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// What checking the audit log's chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub entries: u64,
    /// The last entry's hash: written down elsewhere, it shows later that nothing was removed
    /// from the end.
    pub head: String,
    /// Entries whose hash or link does not hold, with why.
    pub broken: Vec<(i64, String)>,
}

/// Walks the whole log, recomputing every hash and following the links from the first
/// entry: a changed, removed or inserted entry breaks the chain where it happened.
pub async fn verify_chain(db: &impl ConnectionTrait) -> Result<ChainReport> {
    let rows = Audit::find().order_by_asc(audit::Column::Id).all(db).await?;
    let mut broken = Vec::new();
    let mut by_prev: std::collections::HashMap<&str, &AuditEntry> = std::collections::HashMap::new();
    for row in &rows {
        let (Some(prev), Some(hash)) = (row.prev_hash.as_deref(), row.hash.as_deref()) else {
            broken.push((row.id, "no hash".into()));
            continue;
        };
        if chain_hash(prev, &row.chain_row()) != hash {
            broken.push((row.id, "its content does not match its hash".into()));
        }
        if by_prev.insert(prev, row).is_some() {
            broken.push((row.id, "two entries follow the same entry".into()));
        }
    }
    // Follow the chain from the first entry.
    let mut seen = 0u64;
    let mut head = String::new();
    while let Some(next) = by_prev.remove(head.as_str()) {
        seen += 1;
        head = next.hash.clone().unwrap_or_default();
    }
    for orphan in by_prev.values() {
        broken.push((orphan.id, "it follows an entry that is not in the log".into()));
    }
    broken.sort();
    broken.dedup();
    if seen != rows.len() as u64 && broken.is_empty() {
        broken.push((0, format!("{} of {} entries are on the chain", seen, rows.len())));
    }
    Ok(ChainReport { entries: rows.len() as u64, head, broken })
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
