//! Uploaded documents and their versions, and video links. Nothing here is ever destroyed: a
//! replaced file stays as an earlier version, a deleted document or link is only hidden.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
};

use crate::Result;
use crate::entity::document::{self, Entity as Documents};
use crate::entity::file_version::{self, Entity as Versions};
use crate::entity::link::{self, Entity as Links};

pub use document::Model as Document;
pub use file_version::Model as FileVersion;
pub use link::Model as Link;

/// A stored file's facts, as the upload produced them.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub storage_key: &'a str,
    pub uploaded_by: &'a str,
    pub late: bool,
    pub upload_key: &'a str,
}

/// Documents of a community that are not deleted, oldest first (`deleted` includes the rest).
pub async fn list(db: &impl ConnectionTrait, community_id: i32, deleted: bool) -> Result<Vec<Document>> {
    let mut query = Documents::find().filter(document::Column::CommunityId.eq(community_id));
    if !deleted {
        query = query.filter(document::Column::DeletedAt.is_null());
    }
    Ok(query.order_by_asc(document::Column::Id).all(db).await?)
}

/// Live documents of many communities.
pub async fn of_communities(db: &impl ConnectionTrait, community_ids: &[i32]) -> Result<Vec<Document>> {
    if community_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Documents::find()
        .filter(document::Column::CommunityId.is_in(community_ids.iter().copied()))
        .filter(document::Column::DeletedAt.is_null())
        .order_by_asc(document::Column::Id)
        .all(db)
        .await?)
}

/// When each community's results report first arrived (the first version of a live report).
pub async fn first_reports(db: &impl ConnectionTrait, community_ids: &[i32]) -> Result<Vec<(i32, DateTime<Utc>)>> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
    if community_ids.is_empty() {
        return Ok(Vec::new());
    }
    let select = Query::select()
        .column((document::Entity, document::Column::CommunityId))
        .expr_as(Func::min(Expr::col((file_version::Entity, file_version::Column::UploadedAt))), Alias::new("first_at"))
        .from(document::Entity)
        .inner_join(
            file_version::Entity,
            Expr::col((file_version::Entity, file_version::Column::DocumentId))
                .equals((document::Entity, document::Column::Id)),
        )
        .and_where(Expr::col((document::Entity, document::Column::CommunityId)).is_in(community_ids.iter().copied()))
        .and_where(Expr::col((document::Entity, document::Column::Category)).eq("report"))
        .and_where(Expr::col((document::Entity, document::Column::DeletedAt)).is_null())
        .group_by_col((document::Entity, document::Column::CommunityId))
        .to_owned();
    #[derive(FromQueryResult)]
    struct Row {
        community_id: i32,
        first_at: DateTime<Utc>,
    }
    let rows = Row::find_by_statement(db.get_database_backend().build(&select)).all(db).await?;
    Ok(rows.into_iter().map(|r| (r.community_id, r.first_at)).collect())
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<Document>> {
    Ok(Documents::find_by_id(id).one(db).await?)
}

/// Versions of many documents, oldest first.
pub async fn versions(db: &impl ConnectionTrait, document_ids: &[i32]) -> Result<Vec<FileVersion>> {
    if document_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Versions::find()
        .filter(file_version::Column::DocumentId.is_in(document_ids.iter().copied()))
        .order_by_asc(file_version::Column::DocumentId)
        .order_by_asc(file_version::Column::Version)
        .all(db)
        .await?)
}

pub async fn version(db: &impl ConnectionTrait, id: i32) -> Result<Option<FileVersion>> {
    Ok(Versions::find_by_id(id).one(db).await?)
}

/// The version an upload key already produced (a retried upload).
pub async fn by_upload_key(db: &impl ConnectionTrait, key: &str) -> Result<Option<FileVersion>> {
    Ok(Versions::find().filter(file_version::Column::UploadKey.eq(key)).one(db).await?)
}

/// The number the next version of a document gets (1 for the first). Call it inside the
/// transaction that adds the version, after locking the community ([`crate::communities::lock`]).
pub async fn next_version(db: &impl ConnectionTrait, document_id: i32) -> Result<i32> {
    use sea_orm::QuerySelect;
    let max: Option<Option<i32>> = Versions::find()
        .select_only()
        .column_as(file_version::Column::Version.max(), "max")
        .filter(file_version::Column::DocumentId.eq(document_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0) + 1)
}

/// A new document with its first version.
pub async fn create(
    db: &impl ConnectionTrait,
    community_id: i32,
    category: &str,
    meeting_id: Option<i32>,
    title: &str,
    first: &NewVersion<'_>,
    now: DateTime<Utc>,
) -> Result<(Document, FileVersion)> {
    let doc = document::ActiveModel {
        id: NotSet,
        community_id: Set(community_id),
        category: Set(category.to_string()),
        meeting_id: Set(meeting_id),
        title: Set(title.to_string()),
        created_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
        public_at: Set(None),
        public_by: Set(None),
    }
    .insert(db)
    .await?;
    let version = add_version(db, doc.id, 1, first, now).await?;
    Ok((doc, version))
}

/// The next version of a document.
pub async fn add_version(
    db: &impl ConnectionTrait,
    document_id: i32,
    number: i32,
    new: &NewVersion<'_>,
    now: DateTime<Utc>,
) -> Result<FileVersion> {
    // A new version is not what the office approved for the showcase: it needs approving again.
    if number > 1 {
        document::Entity::update_many()
            .col_expr(document::Column::PublicAt, sea_orm::sea_query::Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(document::Column::PublicBy, sea_orm::sea_query::Expr::value(Option::<String>::None))
            .filter(document::Column::Id.eq(document_id))
            .exec(db)
            .await?;
    }
    Ok(file_version::ActiveModel {
        id: NotSet,
        document_id: Set(document_id),
        version: Set(number),
        file_name: Set(new.file_name.to_string()),
        content_type: Set(new.content_type.to_string()),
        size: Set(new.size),
        sha256: Set(new.sha256.to_string()),
        storage_key: Set(new.storage_key.to_string()),
        uploaded_by: Set(new.uploaded_by.to_string()),
        uploaded_at: Set(now),
        late: Set(new.late),
        upload_key: Set(new.upload_key.to_string()),
    }
    .insert(db)
    .await?)
}

/// Hides a document from review; its versions stay for the audit.
pub async fn delete(db: &impl ConnectionTrait, existing: Document, by: &str, now: DateTime<Utc>) -> Result<Document> {
    let mut active: document::ActiveModel = existing.into();
    active.deleted_at = Set(Some(now));
    active.deleted_by = Set(Some(by.to_string()));
    Ok(active.update(db).await?)
}

// ---------------------------------------------------------------- links

pub async fn links(db: &impl ConnectionTrait, community_id: i32) -> Result<Vec<Link>> {
    Ok(Links::find()
        .filter(link::Column::CommunityId.eq(community_id))
        .filter(link::Column::DeletedAt.is_null())
        .order_by_asc(link::Column::Id)
        .all(db)
        .await?)
}

pub async fn link(db: &impl ConnectionTrait, id: i32) -> Result<Option<Link>> {
    Ok(Links::find_by_id(id).one(db).await?)
}

pub async fn add_link(
    db: &impl ConnectionTrait,
    community_id: i32,
    url: &str,
    title: &str,
    late: bool,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Link> {
    Ok(link::ActiveModel {
        id: NotSet,
        community_id: Set(community_id),
        url: Set(url.to_string()),
        title: Set(title.to_string()),
        late: Set(late),
        created_at: Set(now),
        created_by: Set(by.to_string()),
        deleted_at: Set(None),
        deleted_by: Set(None),
    }
    .insert(db)
    .await?)
}

pub async fn delete_link(db: &impl ConnectionTrait, existing: Link, by: &str, now: DateTime<Utc>) -> Result<Link> {
    let mut active: link::ActiveModel = existing.into();
    active.deleted_at = Set(Some(now));
    active.deleted_by = Set(Some(by.to_string()));
    Ok(active.update(db).await?)
}
