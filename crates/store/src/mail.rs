//! The log of e-mail Linxuan sent, or tried to send, and to whom.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ConnectionTrait, EntityTrait, QueryOrder, QuerySelect,
};

use crate::Result;
use crate::entity::mail::{self, Entity as Mail};

pub use mail::Model as MailEntry;

pub struct Sent<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub kind: &'a str,
    pub status: &'a str,
    pub error: Option<String>,
    pub sent_by: &'a str,
}

pub async fn log(db: &impl ConnectionTrait, at: DateTime<Utc>, sent: Sent<'_>) -> Result<()> {
    mail::ActiveModel {
        id: NotSet,
        at: Set(at),
        recipient: Set(sent.recipient.to_string()),
        subject: Set(sent.subject.to_string()),
        kind: Set(sent.kind.to_string()),
        status: Set(sent.status.to_string()),
        error: Set(sent.error),
        sent_by: Set(sent.sent_by.to_string()),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn recent(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<MailEntry>> {
    Ok(Mail::find().order_by_desc(mail::Column::Id).limit(limit).all(db).await?)
}
