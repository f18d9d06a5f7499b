//! The presentation day's registrations and scans. The rules (who gets a place, what a scan
//! does) are `linxuan_core::event`'s; this module keeps what they decided.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entity::{plan, registration, scan};
use crate::{Result, StoreError, is_unique_violation};

pub use registration::Model as Registration;
pub use scan::Model as Scan;

pub const REGISTERED: &str = "registered";
pub const WAITING: &str = "waiting";
pub const CANCELLED: &str = "cancelled";

/// Holds the year's plan row until the transaction ends, so that registrations of one year are
/// decided one at a time (PostgreSQL: `FOR UPDATE`; SQLite has one writer at a time anyway):
/// two people of one school racing for its one place cannot both get it.
pub async fn lock_year(txn: &impl ConnectionTrait, year: i32) -> Result<()> {
    plan::Entity::find()
        .filter(plan::Column::AcademicYear.eq(year))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(())
}

/// Every registration of the year, cancelled ones included, in the order they were made.
pub async fn list(db: &impl ConnectionTrait, year: i32) -> Result<Vec<Registration>> {
    Ok(registration::Entity::find()
        .filter(registration::Column::PlanYear.eq(year))
        .order_by_asc(registration::Column::Id)
        .all(db)
        .await?)
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<Registration>> {
    Ok(registration::Entity::find_by_id(id).one(db).await?)
}

pub async fn by_ticket(db: &impl ConnectionTrait, ticket: &str) -> Result<Option<Registration>> {
    Ok(registration::Entity::find().filter(registration::Column::Ticket.eq(ticket)).one(db).await?)
}

/// How many of the year's registrations hold a place, and how many of those are `school`'s.
pub async fn places(db: &impl ConnectionTrait, year: i32, school: Option<i32>) -> Result<(i64, i64)> {
    use sea_orm::PaginatorTrait;
    let holding = || {
        registration::Entity::find()
            .filter(registration::Column::PlanYear.eq(year))
            .filter(registration::Column::Status.eq(REGISTERED))
    };
    let all = holding().count(db).await? as i64;
    let of_school = match school {
        Some(id) => holding().filter(registration::Column::SchoolId.eq(id)).count(db).await? as i64,
        None => 0,
    };
    Ok((all, of_school))
}

/// The year's registration under this e-mail address that is not cancelled.
pub async fn standing_by_email(db: &impl ConnectionTrait, year: i32, email: &str) -> Result<Option<Registration>> {
    Ok(registration::Entity::find()
        .filter(registration::Column::PlanYear.eq(year))
        .filter(registration::Column::Email.eq(email))
        .filter(registration::Column::Status.ne(CANCELLED))
        .one(db)
        .await?)
}

/// A registration's fields, checked by the caller. The national ID comes sealed and masked.
pub struct NewRegistration {
    pub school_id: Option<i32>,
    pub school_name: String,
    pub name: String,
    pub title: String,
    pub email: String,
    pub meal: String,
    pub national_id: Option<(String, String)>,
    /// `public`, `office`, `walk-in`.
    pub source: String,
}

/// A fresh ticket code: 128 random bits in upper-case hex (what a QR code holds most compactly
/// after digits), with a prefix that tells our tickets from any other code a phone sees.
pub fn new_ticket() -> String {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    format!("LX-{}", hex::encode_upper(bytes))
}

pub async fn insert(
    db: &impl ConnectionTrait,
    year: i32,
    data: &NewRegistration,
    status: &str,
    wait_reason: Option<&str>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Registration> {
    let (sealed, masked) = data.national_id.clone().map_or((None, None), |(s, m)| (Some(s), Some(m)));
    let row = registration::ActiveModel {
        id: NotSet,
        plan_year: Set(year),
        school_id: Set(data.school_id),
        school_name: Set(data.school_name.clone()),
        name: Set(data.name.clone()),
        title: Set(data.title.clone()),
        email: Set(data.email.clone()),
        meal: Set(data.meal.clone()),
        national_id_sealed: Set(sealed),
        national_id_masked: Set(masked),
        status: Set(status.into()),
        wait_reason: Set(wait_reason.map(str::to_string)),
        ticket: Set(new_ticket()),
        source: Set(data.source.clone()),
        created_at: Set(now),
        created_by: Set(by.into()),
        updated_at: Set(now),
        cancelled_at: Set(None),
        cancelled_by: Set(None),
        checked_in_at: Set(None),
        checked_out_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict("ticket".into()) } else { e.into() })?;
    Ok(row)
}

/// Moves a registration to `registered` or `waiting` (with why).
pub async fn set_status(
    db: &impl ConnectionTrait,
    id: i32,
    status: &str,
    wait_reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Registration> {
    let row = get(db, id).await?.ok_or(StoreError::NotFound)?;
    let mut active: registration::ActiveModel = row.into();
    active.status = Set(status.into());
    active.wait_reason = Set(wait_reason.map(str::to_string));
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

pub async fn cancel(db: &impl ConnectionTrait, id: i32, by: &str, now: DateTime<Utc>) -> Result<Registration> {
    let row = get(db, id).await?.ok_or(StoreError::NotFound)?;
    let mut active: registration::ActiveModel = row.into();
    active.status = Set(CANCELLED.into());
    active.wait_reason = Set(None);
    active.cancelled_at = Set(Some(now));
    active.cancelled_by = Set(Some(by.into()));
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

/// Records a check-in (`out` false) or check-out at `at`.
pub async fn set_checked(
    db: &impl ConnectionTrait,
    id: i32,
    out: bool,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Registration> {
    let row = get(db, id).await?.ok_or(StoreError::NotFound)?;
    let mut active: registration::ActiveModel = row.into();
    if out {
        active.checked_out_at = Set(Some(at));
    } else {
        active.checked_in_at = Set(Some(at));
    }
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

pub async fn scan_by_id(db: &impl ConnectionTrait, scan_id: &str) -> Result<Option<Scan>> {
    Ok(scan::Entity::find().filter(scan::Column::ScanId.eq(scan_id)).one(db).await?)
}

/// A scan as it was received and answered.
pub struct NewScan<'a> {
    pub scan_id: &'a str,
    pub registration_id: i32,
    pub kind: &'a str,
    pub at: DateTime<Utc>,
    pub by: &'a str,
    pub answer: &'a str,
    pub answer_at: Option<DateTime<Utc>>,
}

pub async fn record_scan(db: &impl ConnectionTrait, s: &NewScan<'_>, now: DateTime<Utc>) -> Result<Scan> {
    scan::ActiveModel {
        id: NotSet,
        scan_id: Set(s.scan_id.into()),
        registration_id: Set(s.registration_id),
        kind: Set(s.kind.into()),
        at: Set(s.at),
        received_at: Set(now),
        scanned_by: Set(s.by.into()),
        answer: Set(s.answer.into()),
        answer_at: Set(s.answer_at),
    }
    .insert(db)
    .await
    .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict("scan".into()) } else { e.into() })
}

/// How many scans the year's registrations have had (for the desk's counter and the benches).
pub async fn scan_count(db: &impl ConnectionTrait, registration_ids: &[i32]) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(scan::Entity::find()
        .filter(scan::Column::RegistrationId.is_in(registration_ids.iter().copied()))
        .count(db)
        .await?)
}
