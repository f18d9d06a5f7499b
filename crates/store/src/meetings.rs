//! Meeting records (運作紀錄) and who attended.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;

use crate::Result;
use crate::entity::attendee::{self, Entity as Attendees};
use crate::entity::meeting::{self, Entity as Meetings};

pub use meeting::Model as Meeting;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingData {
    pub date: NaiveDate,
    pub semester: i16,
    pub kind: String,
    pub topic: String,
    pub minutes: String,
    pub attendees: Vec<i32>,
}

pub async fn list(db: &impl ConnectionTrait, community_id: i32) -> Result<Vec<Meeting>> {
    Ok(Meetings::find()
        .filter(meeting::Column::CommunityId.eq(community_id))
        .order_by_asc(meeting::Column::Date)
        .order_by_asc(meeting::Column::Id)
        .all(db)
        .await?)
}

/// Meetings of many communities at once.
pub async fn of_communities(db: &impl ConnectionTrait, community_ids: &[i32]) -> Result<Vec<Meeting>> {
    if community_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Meetings::find()
        .filter(meeting::Column::CommunityId.is_in(community_ids.iter().copied()))
        .order_by_asc(meeting::Column::Date)
        .all(db)
        .await?)
}

/// A meeting as progress sees it: no topic or minutes, and when its sign-in sheet first
/// arrived.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct MeetingFacts {
    pub id: i32,
    pub community_id: i32,
    pub date: chrono::NaiveDate,
    pub kind: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub signin_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The meetings of many communities, by date, with only what progress needs — the first
/// upload of each one's sign-in sheet joined in, so one row per meeting comes back.
pub async fn facts_of(db: &impl ConnectionTrait, community_ids: &[i32]) -> Result<Vec<MeetingFacts>> {
    use crate::entity::{document, file_version};
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
    if community_ids.is_empty() {
        return Ok(Vec::new());
    }
    let m = |c: meeting::Column| (meeting::Entity, c);
    let select = Query::select()
        .columns([
            m(meeting::Column::Id),
            m(meeting::Column::CommunityId),
            m(meeting::Column::Date),
            m(meeting::Column::Kind),
            m(meeting::Column::CreatedAt),
        ])
        .expr_as(
            Func::min(Expr::col((file_version::Entity, file_version::Column::UploadedAt))),
            Alias::new("signin_at"),
        )
        .from(meeting::Entity)
        .left_join(
            document::Entity,
            Expr::col((document::Entity, document::Column::MeetingId))
                .equals(m(meeting::Column::Id))
                .and(Expr::col((document::Entity, document::Column::Category)).eq("signin"))
                .and(Expr::col((document::Entity, document::Column::DeletedAt)).is_null()),
        )
        .left_join(
            file_version::Entity,
            Expr::col((file_version::Entity, file_version::Column::DocumentId))
                .equals((document::Entity, document::Column::Id)),
        )
        .and_where(Expr::col(m(meeting::Column::CommunityId)).is_in(community_ids.iter().copied()))
        .group_by_columns([
            m(meeting::Column::Id),
            m(meeting::Column::CommunityId),
            m(meeting::Column::Date),
            m(meeting::Column::Kind),
            m(meeting::Column::CreatedAt),
        ])
        .order_by(m(meeting::Column::Date), sea_orm::sea_query::Order::Asc)
        .to_owned();
    Ok(<MeetingFacts as sea_orm::FromQueryResult>::find_by_statement(db.get_database_backend().build(&select))
        .all(db)
        .await?)
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<Meeting>> {
    Ok(Meetings::find_by_id(id).one(db).await?)
}

/// The member ids who attended a meeting.
pub async fn attendees(db: &impl ConnectionTrait, meeting_id: i32) -> Result<Vec<i32>> {
    Ok(Attendees::find()
        .filter(attendee::Column::MeetingId.eq(meeting_id))
        .order_by_asc(attendee::Column::MemberId)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.member_id)
        .collect())
}

/// (meeting id, member id) pairs for many meetings.
pub async fn attendance(db: &impl ConnectionTrait, meeting_ids: &[i32]) -> Result<Vec<(i32, i32)>> {
    if meeting_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Attendees::find()
        .filter(attendee::Column::MeetingId.is_in(meeting_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.meeting_id, a.member_id))
        .collect())
}

async fn set_attendees(db: &impl ConnectionTrait, meeting_id: i32, members: &[i32]) -> Result<()> {
    Attendees::delete_many().filter(attendee::Column::MeetingId.eq(meeting_id)).exec(db).await?;
    for member_id in members {
        attendee::ActiveModel { meeting_id: Set(meeting_id), member_id: Set(*member_id) }.insert(db).await?;
    }
    Ok(())
}

pub async fn create(
    db: &impl ConnectionTrait,
    community_id: i32,
    data: &MeetingData,
    late: bool,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Meeting> {
    let created = meeting::ActiveModel {
        id: NotSet,
        community_id: Set(community_id),
        date: Set(data.date),
        semester: Set(data.semester),
        kind: Set(data.kind.clone()),
        topic: Set(data.topic.clone()),
        minutes: Set(data.minutes.clone()),
        late: Set(late),
        created_at: Set(now),
        created_by: Set(by.to_string()),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    set_attendees(db, created.id, &data.attendees).await?;
    Ok(created)
}

pub async fn update(
    db: &impl ConnectionTrait,
    existing: Meeting,
    data: &MeetingData,
    late: bool,
    now: DateTime<Utc>,
) -> Result<Meeting> {
    let id = existing.id;
    let was_late = existing.late;
    let mut active: meeting::ActiveModel = existing.into();
    active.date = Set(data.date);
    active.semester = Set(data.semester);
    active.kind = Set(data.kind.clone());
    active.topic = Set(data.topic.clone());
    active.minutes = Set(data.minutes.clone());
    // Once late, always marked late: a later edit does not make it on time.
    active.late = Set(was_late || late);
    active.updated_at = Set(now);
    let updated = active.update(db).await?;
    set_attendees(db, id, &data.attendees).await?;
    Ok(updated)
}

pub async fn delete(db: &impl ConnectionTrait, id: i32) -> Result<()> {
    Meetings::delete_by_id(id).exec(db).await?;
    Ok(())
}
