//! What the year ends in: the certificate register, the organising staff, the lecturer
//! directory with schools' visit requests, and what the showcase may show.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use sha2::{Digest, Sha256};

use crate::entity::{budget_actual, certificate, community, document, lecturer, staff, visit_request};
use crate::{Result, StoreError, is_unique_violation};

pub use budget_actual::Model as BudgetActual;
pub use certificate::Model as Certificate;
pub use lecturer::Model as Lecturer;
pub use staff::Model as Staff;
pub use visit_request::Model as VisitRequest;

pub const UNCONFIRMED: &str = "unconfirmed";
pub const PENDING: &str = "pending";
pub const ACCEPTED: &str = "accepted";
pub const DECLINED: &str = "declined";

// ---------------------------------------------------------------- certificates

/// Every certificate of the year, voided ones included, by number.
pub async fn certificates(db: &impl ConnectionTrait, year: i32) -> Result<Vec<Certificate>> {
    Ok(certificate::Entity::find()
        .filter(certificate::Column::PlanYear.eq(year))
        .order_by_asc(certificate::Column::Seq)
        .all(db)
        .await?)
}

/// A certificate to enter in the register.
pub struct NewCertificate<'a> {
    pub seq: i64,
    pub number: &'a str,
    pub recipient: &'a str,
    pub publication: i32,
    pub level: &'a str,
    pub content: &'a str,
    pub replaces: Option<i64>,
}

pub async fn issue_certificate(
    db: &impl ConnectionTrait,
    year: i32,
    new: &NewCertificate<'_>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Certificate> {
    certificate::ActiveModel {
        id: NotSet,
        plan_year: Set(year),
        seq: Set(new.seq),
        number: Set(new.number.to_string()),
        recipient: Set(new.recipient.to_string()),
        publication: Set(new.publication),
        level: Set(new.level.to_string()),
        content: Set(new.content.to_string()),
        issued_at: Set(now),
        issued_by: Set(by.to_string()),
        voided_at: Set(None),
        void_reason: Set(None),
        replaces: Set(new.replaces),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) { StoreError::Conflict(format!("certificate {}", new.seq)) } else { e.into() }
    })
}

/// Voids a standing certificate (a voided one stays as it was).
pub async fn void_certificate(
    db: &impl ConnectionTrait,
    year: i32,
    seq: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    certificate::Entity::update_many()
        .col_expr(certificate::Column::VoidedAt, Expr::value(now))
        .col_expr(certificate::Column::VoidReason, Expr::value(reason))
        .filter(certificate::Column::PlanYear.eq(year))
        .filter(certificate::Column::Seq.eq(seq))
        .filter(certificate::Column::VoidedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------- organising staff

pub async fn staff(db: &impl ConnectionTrait, year: i32) -> Result<Vec<Staff>> {
    Ok(staff::Entity::find().filter(staff::Column::PlanYear.eq(year)).order_by_asc(staff::Column::Id).all(db).await?)
}

pub async fn staff_member(db: &impl ConnectionTrait, id: i32) -> Result<Option<Staff>> {
    Ok(staff::Entity::find_by_id(id).one(db).await?)
}

/// One of the staff as the office enters them; the ID arrives sealed and masked.
pub struct StaffData {
    pub name: String,
    pub school: String,
    pub title: String,
    /// (sealed, masked), or `None` to leave it as it is (on an update) or empty.
    pub national_id: Option<(String, String)>,
    pub commendation: bool,
    pub certificate: bool,
}

pub async fn add_staff(db: &impl ConnectionTrait, year: i32, data: &StaffData, now: DateTime<Utc>) -> Result<Staff> {
    let (sealed, masked) = data.national_id.clone().unzip();
    Ok(staff::ActiveModel {
        id: NotSet,
        plan_year: Set(year),
        name: Set(data.name.clone()),
        school: Set(data.school.clone()),
        title: Set(data.title.clone()),
        national_id_sealed: Set(sealed),
        national_id_masked: Set(masked),
        commendation: Set(data.commendation),
        certificate: Set(data.certificate),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

pub async fn update_staff(
    db: &impl ConnectionTrait,
    existing: Staff,
    data: &StaffData,
    now: DateTime<Utc>,
) -> Result<Staff> {
    let mut active: staff::ActiveModel = existing.into();
    active.name = Set(data.name.clone());
    active.school = Set(data.school.clone());
    active.title = Set(data.title.clone());
    if let Some((sealed, masked)) = &data.national_id {
        active.national_id_sealed = Set(Some(sealed.clone()));
        active.national_id_masked = Set(Some(masked.clone()));
    }
    active.commendation = Set(data.commendation);
    active.certificate = Set(data.certificate);
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

pub async fn remove_staff(db: &impl ConnectionTrait, id: i32) -> Result<()> {
    staff::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

// ---------------------------------------------------------------- lecturers

pub async fn lecturers(db: &impl ConnectionTrait, year: i32) -> Result<Vec<Lecturer>> {
    Ok(lecturer::Entity::find()
        .filter(lecturer::Column::PlanYear.eq(year))
        .order_by_asc(lecturer::Column::Id)
        .all(db)
        .await?)
}

/// The lecturers listed now, every year.
pub async fn listed_lecturers(db: &impl ConnectionTrait) -> Result<Vec<Lecturer>> {
    Ok(lecturer::Entity::find()
        .filter(lecturer::Column::Listed.eq(true))
        .order_by_desc(lecturer::Column::PlanYear)
        .order_by_asc(lecturer::Column::Id)
        .all(db)
        .await?)
}

pub async fn lecturer(db: &impl ConnectionTrait, id: i32) -> Result<Option<Lecturer>> {
    Ok(lecturer::Entity::find_by_id(id).one(db).await?)
}

pub async fn lecturer_of(db: &impl ConnectionTrait, community_id: i32) -> Result<Option<Lecturer>> {
    Ok(lecturer::Entity::find().filter(lecturer::Column::CommunityId.eq(community_id)).one(db).await?)
}

/// Sets a community's lecturer entry (made on first use).
#[allow(clippy::too_many_arguments)]
pub async fn set_lecturer(
    db: &impl ConnectionTrait,
    year: i32,
    community_id: i32,
    listed: bool,
    topic: &str,
    intro: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Lecturer> {
    match lecturer_of(db, community_id).await? {
        Some(existing) => {
            let mut active: lecturer::ActiveModel = existing.into();
            active.listed = Set(listed);
            active.topic = Set(topic.to_string());
            active.intro = Set(intro.to_string());
            active.updated_at = Set(now);
            active.updated_by = Set(by.to_string());
            Ok(active.update(db).await?)
        }
        None => Ok(lecturer::ActiveModel {
            id: NotSet,
            plan_year: Set(year),
            community_id: Set(community_id),
            listed: Set(listed),
            topic: Set(topic.to_string()),
            intro: Set(intro.to_string()),
            updated_at: Set(now),
            updated_by: Set(by.to_string()),
        }
        .insert(db)
        .await?),
    }
}

/// Takes a community's lecturer off the directory (its convener changed: the new one has not
/// opted in).
pub async fn unlist_lecturer(db: &impl ConnectionTrait, community_id: i32, now: DateTime<Utc>) -> Result<()> {
    lecturer::Entity::update_many()
        .col_expr(lecturer::Column::Listed, Expr::value(false))
        .col_expr(lecturer::Column::UpdatedAt, Expr::value(now))
        .filter(lecturer::Column::CommunityId.eq(community_id))
        .exec(db)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------- visit requests

fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A request as a school fills it in.
pub struct RequestData {
    pub lecturer_id: i32,
    pub name: String,
    pub school_id: i32,
    pub email: String,
    pub dates: String,
    pub topic: String,
    pub note: String,
}

/// Records an unconfirmed request; returns it and the secret for the confirmation link.
pub async fn add_request(
    db: &impl ConnectionTrait,
    data: &RequestData,
    now: DateTime<Utc>,
) -> Result<(VisitRequest, String)> {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let secret = hex::encode(bytes);
    let row = visit_request::ActiveModel {
        id: NotSet,
        lecturer_id: Set(data.lecturer_id),
        name: Set(data.name.clone()),
        school_id: Set(data.school_id),
        email: Set(data.email.clone()),
        dates: Set(data.dates.clone()),
        topic: Set(data.topic.clone()),
        note: Set(data.note.clone()),
        token_hash: Set(digest(&secret)),
        status: Set(UNCONFIRMED.into()),
        created_at: Set(now),
        confirmed_at: Set(None),
        responded_at: Set(None),
        response: Set(String::new()),
    }
    .insert(db)
    .await?;
    Ok((row, secret))
}

pub async fn request_by_secret(db: &impl ConnectionTrait, secret: &str) -> Result<Option<VisitRequest>> {
    Ok(visit_request::Entity::find().filter(visit_request::Column::TokenHash.eq(digest(secret))).one(db).await?)
}

pub async fn request(db: &impl ConnectionTrait, id: i32) -> Result<Option<VisitRequest>> {
    Ok(visit_request::Entity::find_by_id(id).one(db).await?)
}

/// Confirms an unconfirmed request; false when it was not unconfirmed (confirmed already).
pub async fn confirm_request(db: &impl ConnectionTrait, id: i32, now: DateTime<Utc>) -> Result<bool> {
    let done = visit_request::Entity::update_many()
        .col_expr(visit_request::Column::Status, Expr::value(PENDING))
        .col_expr(visit_request::Column::ConfirmedAt, Expr::value(now))
        .filter(visit_request::Column::Id.eq(id))
        .filter(visit_request::Column::Status.eq(UNCONFIRMED))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The lecturer's answer to a pending request; false when it was not pending.
pub async fn answer_request(
    db: &impl ConnectionTrait,
    id: i32,
    accept: bool,
    response: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = visit_request::Entity::update_many()
        .col_expr(visit_request::Column::Status, Expr::value(if accept { ACCEPTED } else { DECLINED }))
        .col_expr(visit_request::Column::RespondedAt, Expr::value(now))
        .col_expr(visit_request::Column::Response, Expr::value(response))
        .filter(visit_request::Column::Id.eq(id))
        .filter(visit_request::Column::Status.eq(PENDING))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The requests to some lecturers (confirmed ones only unless `unconfirmed`), newest first.
pub async fn requests_of(
    db: &impl ConnectionTrait,
    lecturer_ids: &[i32],
    unconfirmed: bool,
) -> Result<Vec<VisitRequest>> {
    let mut q = visit_request::Entity::find().filter(visit_request::Column::LecturerId.is_in(lecturer_ids.to_vec()));
    if !unconfirmed {
        q = q.filter(visit_request::Column::Status.ne(UNCONFIRMED));
    }
    Ok(q.order_by_desc(visit_request::Column::Id).all(db).await?)
}

/// How many requests an address made since a moment (a second brake beside the per-client
/// limit).
pub async fn requests_from_since(db: &impl ConnectionTrait, email: &str, since: DateTime<Utc>) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(visit_request::Entity::find()
        .filter(visit_request::Column::Email.eq(email))
        .filter(visit_request::Column::CreatedAt.gte(since))
        .count(db)
        .await?)
}

// ---------------------------------------------------------------- showcase

/// Approves a document for the public showcase, or takes the approval back.
pub async fn set_document_public(
    db: &impl ConnectionTrait,
    id: i32,
    public: bool,
    by: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let (at, who) = if public { (Some(now), Some(by.to_string())) } else { (None, None) };
    document::Entity::update_many()
        .col_expr(document::Column::PublicAt, Expr::value(at))
        .col_expr(document::Column::PublicBy, Expr::value(who))
        .filter(document::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The documents approved for publication, of some communities (not deleted).
pub async fn public_documents(db: &impl ConnectionTrait, community_ids: &[i32]) -> Result<Vec<document::Model>> {
    Ok(document::Entity::find()
        .filter(document::Column::CommunityId.is_in(community_ids.to_vec()))
        .filter(document::Column::PublicAt.is_not_null())
        .filter(document::Column::DeletedAt.is_null())
        .order_by_asc(document::Column::Id)
        .all(db)
        .await?)
}

pub async fn set_summary(
    db: &impl ConnectionTrait,
    community_id: i32,
    summary: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let value = if summary.is_empty() { None } else { Some(summary.to_string()) };
    community::Entity::update_many()
        .col_expr(community::Column::Summary, Expr::value(value))
        .col_expr(community::Column::UpdatedAt, Expr::value(now))
        .filter(community::Column::Id.eq(community_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The largest certificate sequence number ever used in a year (0 for none).
pub async fn last_seq(db: &impl ConnectionTrait, year: i32) -> Result<i64> {
    Ok(certificate::Entity::find()
        .select_only()
        .column_as(certificate::Column::Seq.max(), "max")
        .filter(certificate::Column::PlanYear.eq(year))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten()
        .unwrap_or(0))
}

// ---------------------------------------------------------------- budget actuals

pub async fn budget_actuals(db: &impl ConnectionTrait, year: i32) -> Result<Vec<BudgetActual>> {
    Ok(budget_actual::Entity::find()
        .filter(budget_actual::Column::PlanYear.eq(year))
        .order_by_asc(budget_actual::Column::Id)
        .all(db)
        .await?)
}

/// Sets a line's actual figure (`None` clears it); returns what it was.
pub async fn set_budget_actual(
    db: &impl ConnectionTrait,
    year: i32,
    table: &str,
    line: i32,
    amount: Option<(i64, &str)>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Option<BudgetActual>> {
    let existing = budget_actual::Entity::find()
        .filter(budget_actual::Column::PlanYear.eq(year))
        .filter(budget_actual::Column::TableId.eq(table))
        .filter(budget_actual::Column::Line.eq(line))
        .one(db)
        .await?;
    match (existing.clone(), amount) {
        (Some(row), None) => {
            budget_actual::Entity::delete_by_id(row.id).exec(db).await?;
        }
        (Some(row), Some((amount, note))) => {
            let mut active: budget_actual::ActiveModel = row.into();
            active.amount = Set(amount);
            active.note = Set(note.to_string());
            active.updated_at = Set(now);
            active.updated_by = Set(by.to_string());
            active.update(db).await?;
        }
        (None, Some((amount, note))) => {
            budget_actual::ActiveModel {
                id: NotSet,
                plan_year: Set(year),
                table_id: Set(table.to_string()),
                line: Set(line),
                amount: Set(amount),
                note: Set(note.to_string()),
                updated_at: Set(now),
                updated_by: Set(by.to_string()),
            }
            .insert(db)
            .await?;
        }
        (None, None) => {}
    }
    Ok(existing)
}
