//! Communities of a year and their members.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;

use crate::entity::community::{self, Entity as Communities};
use crate::entity::member::{self, Entity as Members};
use crate::{Result, StoreError, is_unique_violation};

pub use community::Model as Community;
pub use member::Model as Member;

pub const PENDING: &str = "pending";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";
pub const CONVENER: &str = "convener";
pub const MEMBER: &str = "member";

/// A community's own fields, checked by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommunityData {
    pub code: String,
    pub school_id: i32,
    pub track: String,
    pub group_id: String,
    pub name: String,
}

impl From<&Community> for CommunityData {
    fn from(c: &Community) -> Self {
        CommunityData {
            code: c.code.clone(),
            school_id: c.school_id,
            track: c.track.clone(),
            group_id: c.group_id.clone(),
            name: c.name.clone(),
        }
    }
}

pub async fn create(
    db: &impl ConnectionTrait,
    year: i32,
    data: &CommunityData,
    status: &str,
    now: DateTime<Utc>,
) -> Result<Community> {
    community::ActiveModel {
        id: NotSet,
        plan_year: Set(year),
        code: Set(data.code.clone()),
        school_id: Set(data.school_id),
        track: Set(data.track.clone()),
        group_id: Set(data.group_id.clone()),
        name: Set(data.name.clone()),
        status: Set(status.to_string()),
        consent: Set(None),
        consent_at: Set(None),
        consent_by: Set(None),
        summary: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) { StoreError::Conflict(format!("community code {}", data.code)) } else { e.into() }
    })
}

pub async fn update(
    db: &impl ConnectionTrait,
    existing: Community,
    data: &CommunityData,
    now: DateTime<Utc>,
) -> Result<Community> {
    let code = data.code.clone();
    let mut active: community::ActiveModel = existing.into();
    active.code = Set(data.code.clone());
    active.school_id = Set(data.school_id);
    active.track = Set(data.track.clone());
    active.group_id = Set(data.group_id.clone());
    active.name = Set(data.name.clone());
    active.updated_at = Set(now);
    active.update(db).await.map_err(|e| {
        if is_unique_violation(&e) { StoreError::Conflict(format!("community code {code}")) } else { e.into() }
    })
}

pub async fn set_status(
    db: &impl ConnectionTrait,
    existing: Community,
    status: &str,
    now: DateTime<Utc>,
) -> Result<Community> {
    let mut active: community::ActiveModel = existing.into();
    active.status = Set(status.to_string());
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

pub async fn set_consent(
    db: &impl ConnectionTrait,
    existing: Community,
    consent: bool,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Community> {
    let mut active: community::ActiveModel = existing.into();
    active.consent = Set(Some(consent));
    active.consent_at = Set(Some(now));
    active.consent_by = Set(Some(by.to_string()));
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<Community>> {
    Ok(Communities::find_by_id(id).one(db).await?)
}

/// Reads a community inside a transaction and holds it until the transaction ends, so that
/// changes to its documents happen one at a time (PostgreSQL: `FOR UPDATE`; SQLite has one
/// writer at a time anyway).
pub async fn lock(txn: &impl ConnectionTrait, id: i32) -> Result<Option<Community>> {
    use sea_orm::QuerySelect;
    Ok(Communities::find_by_id(id).lock_exclusive().one(txn).await?)
}

pub async fn by_code(db: &impl ConnectionTrait, year: i32, code: &str) -> Result<Option<Community>> {
    Ok(Communities::find()
        .filter(community::Column::PlanYear.eq(year))
        .filter(community::Column::Code.eq(code))
        .one(db)
        .await?)
}

/// Every community of a year, by code.
pub async fn list(db: &impl ConnectionTrait, year: i32) -> Result<Vec<Community>> {
    Ok(Communities::find()
        .filter(community::Column::PlanYear.eq(year))
        .order_by_asc(community::Column::Code)
        .all(db)
        .await?)
}

pub async fn count(db: &impl ConnectionTrait, year: i32) -> Result<u64> {
    Ok(Communities::find().filter(community::Column::PlanYear.eq(year)).count(db).await?)
}

/// Whether any community (of any year) is at this school: such a school cannot be deleted.
pub async fn school_in_use(db: &impl ConnectionTrait, school_id: i32) -> Result<bool> {
    Ok(Communities::find().filter(community::Column::SchoolId.eq(school_id)).count(db).await? > 0)
}

/// The communities of a year a person convenes (their account is a convener member of them).
/// Every community `user_id` convenes or convened, of every year: newest year first, then by
/// code.
pub async fn convened_by_any_year(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<Community>> {
    let ids = convened_ids(db, user_id).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Communities::find()
        .filter(community::Column::Id.is_in(ids))
        .order_by_desc(community::Column::PlanYear)
        .order_by_asc(community::Column::Code)
        .all(db)
        .await?)
}

/// The ids of the communities `user_id` convenes, any year.
async fn convened_ids(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<i32>> {
    Ok(Members::find()
        .select_only()
        .column(member::Column::CommunityId)
        .filter(member::Column::UserId.eq(user_id))
        .filter(member::Column::Role.eq(CONVENER))
        .into_tuple()
        .all(db)
        .await?)
}

pub async fn convened_by(db: &impl ConnectionTrait, year: i32, user_id: i32) -> Result<Vec<Community>> {
    let ids = convened_ids(db, user_id).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Communities::find()
        .filter(community::Column::PlanYear.eq(year))
        .filter(community::Column::Id.is_in(ids))
        .order_by_asc(community::Column::Code)
        .all(db)
        .await?)
}

/// Whether `user_id` convenes community `id`.
pub async fn is_convener(db: &impl ConnectionTrait, id: i32, user_id: i32) -> Result<bool> {
    Ok(Members::find()
        .filter(member::Column::CommunityId.eq(id))
        .filter(member::Column::UserId.eq(user_id))
        .filter(member::Column::Role.eq(CONVENER))
        .count(db)
        .await?
        > 0)
}

/// The next free code of the form `{prefix}{n:03}` in a year (for communities that register).
pub async fn next_code(db: &impl ConnectionTrait, year: i32, prefix: &str) -> Result<String> {
    let codes: Vec<String> = Communities::find()
        .select_only()
        .column(community::Column::Code)
        .filter(community::Column::PlanYear.eq(year))
        .into_tuple()
        .all(db)
        .await?;
    let highest = codes.iter().filter_map(|c| c.strip_prefix(prefix)?.parse::<u32>().ok()).max().unwrap_or(0);
    Ok(format!("{prefix}{:03}", highest + 1))
}

// ---------------------------------------------------------------- members

/// A member's fields, checked by the caller. The national ID comes sealed and masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberData {
    pub name: String,
    pub school_id: Option<i32>,
    pub title: String,
    pub email: String,
    pub role: String,
}

impl From<&Member> for MemberData {
    fn from(m: &Member) -> Self {
        MemberData {
            name: m.name.clone(),
            school_id: m.school_id,
            title: m.title.clone(),
            email: m.email.clone(),
            role: m.role.clone(),
        }
    }
}

pub async fn members(db: &impl ConnectionTrait, community_id: i32) -> Result<Vec<Member>> {
    Ok(Members::find()
        .filter(member::Column::CommunityId.eq(community_id))
        .order_by_desc(member::Column::Role)
        .order_by_asc(member::Column::Id)
        .all(db)
        .await?)
}

/// Members of many communities at once (for the office's board), by community.
pub async fn members_of(db: &impl ConnectionTrait, community_ids: &[i32]) -> Result<Vec<Member>> {
    if community_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Members::find()
        .filter(member::Column::CommunityId.is_in(community_ids.iter().copied()))
        .order_by_asc(member::Column::Id)
        .all(db)
        .await?)
}

/// How many members each community has (a community with none is not in the map).
pub async fn member_counts(
    db: &impl ConnectionTrait,
    community_ids: &[i32],
) -> Result<std::collections::HashMap<i32, usize>> {
    use sea_orm::QuerySelect;
    if community_ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(i32, i64)> = Members::find()
        .select_only()
        .column(member::Column::CommunityId)
        .column_as(member::Column::Id.count(), "n")
        .filter(member::Column::CommunityId.is_in(community_ids.iter().copied()))
        .group_by(member::Column::CommunityId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (id, n as usize)).collect())
}

/// The conveners of many communities.
pub async fn conveners_of(db: &impl ConnectionTrait, community_ids: &[i32]) -> Result<Vec<Member>> {
    if community_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Members::find()
        .filter(member::Column::CommunityId.is_in(community_ids.iter().copied()))
        .filter(member::Column::Role.eq(CONVENER))
        .order_by_asc(member::Column::Id)
        .all(db)
        .await?)
}

pub async fn member(db: &impl ConnectionTrait, id: i32) -> Result<Option<Member>> {
    Ok(Members::find_by_id(id).one(db).await?)
}

pub async fn add_member(
    db: &impl ConnectionTrait,
    community_id: i32,
    data: &MemberData,
    national_id: Option<(String, String)>,
    user_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Member> {
    let (sealed, masked) = national_id.map_or((None, None), |(s, m)| (Some(s), Some(m)));
    Ok(member::ActiveModel {
        id: NotSet,
        community_id: Set(community_id),
        name: Set(data.name.clone()),
        school_id: Set(data.school_id),
        title: Set(data.title.clone()),
        email: Set(data.email.clone()),
        role: Set(data.role.clone()),
        user_id: Set(user_id),
        national_id_sealed: Set(sealed),
        national_id_masked: Set(masked),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// Updates a member; `national_id`: `None` keeps it, `Some(None)` clears it, `Some(Some(..))`
/// replaces it.
pub async fn update_member(
    db: &impl ConnectionTrait,
    existing: Member,
    data: &MemberData,
    national_id: Option<Option<(String, String)>>,
    now: DateTime<Utc>,
) -> Result<Member> {
    let mut active: member::ActiveModel = existing.into();
    active.name = Set(data.name.clone());
    active.school_id = Set(data.school_id);
    active.title = Set(data.title.clone());
    active.email = Set(data.email.clone());
    active.role = Set(data.role.clone());
    if let Some(id) = national_id {
        let (sealed, masked) = id.map_or((None, None), |(s, m)| (Some(s), Some(m)));
        active.national_id_sealed = Set(sealed);
        active.national_id_masked = Set(masked);
    }
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

pub async fn set_member_role(
    db: &impl ConnectionTrait,
    existing: Member,
    role: &str,
    user_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Member> {
    let mut active: member::ActiveModel = existing.into();
    active.role = Set(role.to_string());
    active.user_id = Set(user_id);
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

pub async fn remove_member(db: &impl ConnectionTrait, id: i32) -> Result<()> {
    Members::delete_by_id(id).exec(db).await?;
    Ok(())
}
