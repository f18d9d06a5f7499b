//! Server-side sessions for tower-sessions, kept in our own database through SeaORM (the stock
//! sqlx store would bring a second sqlx into the build).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::OnConflict};

use crate::db::Db;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::{self, SessionStore};

use crate::entity::session::{self, Entity as Sessions};

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db }
    }

    /// Removes expired sessions; returns how many.
    pub async fn delete_expired(&self, now: DateTime<Utc>) -> Result<u64, sea_orm::DbErr> {
        let result = Sessions::delete_many().filter(session::Column::ExpiresAt.lte(now)).exec(&self.db).await?;
        Ok(result.rows_affected)
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn expiry(record: &Record) -> Result<DateTime<Utc>, session_store::Error> {
    DateTime::from_timestamp(record.expiry_date.unix_timestamp(), record.expiry_date.nanosecond())
        .ok_or_else(|| session_store::Error::Encode("expiry out of range".into()))
}

fn row(record: &Record) -> Result<session::ActiveModel, session_store::Error> {
    Ok(session::ActiveModel {
        id: Set(record.id.to_string()),
        data: Set(serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?),
        expires_at: Set(expiry(record)?),
    })
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let inserted = Sessions::insert(row(record)?)
                .on_conflict(OnConflict::column(session::Column::Id).do_nothing().to_owned())
                .exec_without_returning(&self.db)
                .await
                .map_err(backend)?;
            if inserted == 1 {
                return Ok(());
            }
            // An id collision: astronomically unlikely, but never overwrite someone's session.
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        Sessions::insert(row(record)?)
            .on_conflict(
                OnConflict::column(session::Column::Id)
                    .update_columns([session::Column::Data, session::Column::ExpiresAt])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(found) = Sessions::find_by_id(id.to_string()).one(&self.db).await.map_err(backend)? else {
            return Ok(None);
        };
        if found.expires_at <= Utc::now() {
            return Ok(None);
        }
        let data = serde_json::from_str(&found.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(found.expires_at.timestamp())
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        Sessions::delete_by_id(id.to_string()).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }
}
