//! The review's records: reviewer profiles, conflicts, assignments, scores (every submitted
//! version kept), phase overrides, cuts, presentation slots, tie decisions, publications and
//! revocations.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
    sea_query::Expr,
};

use crate::entity::{
    assignment, conflict, cut, decision, phase_state, publication, reviewer_profile, revocation, room_member, score,
    score_version, slot,
};
use crate::{Result, StoreError, is_unique_violation};

pub use assignment::Model as Assignment;
pub use conflict::Model as Conflict;
pub use cut::Model as Cut;
pub use decision::Model as Decision;
pub use phase_state::Model as PhaseState;
pub use publication::Model as Publication;
pub use reviewer_profile::Model as Profile;
pub use revocation::Model as Revocation;
pub use score::Model as Score;
pub use score_version::Model as ScoreVersion;
pub use slot::Model as Slot;

pub const DRAFT: &str = "draft";
pub const SUBMITTED: &str = "submitted";

// ---------------------------------------------------------------- profiles

pub async fn profiles(db: &impl ConnectionTrait) -> Result<Vec<Profile>> {
    Ok(reviewer_profile::Entity::find().all(db).await?)
}

pub async fn profile(db: &impl ConnectionTrait, user_id: i32) -> Result<Option<Profile>> {
    Ok(reviewer_profile::Entity::find_by_id(user_id).one(db).await?)
}

pub async fn set_profile(
    db: &impl ConnectionTrait,
    user_id: i32,
    affiliation: &str,
    school_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Profile> {
    match profile(db, user_id).await? {
        Some(existing) => {
            let mut active: reviewer_profile::ActiveModel = existing.into();
            active.affiliation = Set(affiliation.to_string());
            active.school_id = Set(school_id);
            active.updated_at = Set(now);
            Ok(active.update(db).await?)
        }
        None => Ok(reviewer_profile::ActiveModel {
            user_id: Set(user_id),
            affiliation: Set(affiliation.to_string()),
            school_id: Set(school_id),
            updated_at: Set(now),
        }
        .insert(db)
        .await?),
    }
}

// ---------------------------------------------------------------- conflicts

/// Declared conflicts involving any of these communities.
pub async fn conflicts(db: &impl ConnectionTrait, community_ids: &[i32]) -> Result<Vec<Conflict>> {
    if community_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(conflict::Entity::find()
        .filter(conflict::Column::CommunityId.is_in(community_ids.iter().copied()))
        .order_by_asc(conflict::Column::Id)
        .all(db)
        .await?)
}

/// A fingerprint of everything the results board shows, in one aggregate query (no rows are
/// read): it changes when an assignment is added or removed, a score is submitted or changed
/// (every change raises its version), a tie is decided, an award revoked, or a conflict declared,
/// added or removed (conflict ids only grow). Every open board asks twice a second.
pub async fn board_fingerprint(db: &impl ConnectionTrait, year: i32) -> Result<String> {
    let backend = db.get_database_backend();
    let p = |n: usize| if backend == DbBackend::Postgres { format!("${n}") } else { "?".to_string() };
    let submitted = |n: usize| {
        format!(
            "FROM scores s JOIN assignments a ON a.id = s.assignment_id WHERE a.plan_year = {} AND s.status = '{SUBMITTED}'",
            p(n)
        )
    };
    let sql = format!(
        "SELECT CAST((SELECT COUNT(*) FROM assignments WHERE plan_year = {}) AS BIGINT), \
         CAST((SELECT COUNT(*) {}) AS BIGINT), \
         CAST((SELECT COALESCE(SUM(s.version), 0) {}) AS BIGINT), \
         CAST((SELECT COUNT(*) FROM decisions WHERE plan_year = {}) AS BIGINT), \
         CAST((SELECT COUNT(*) FROM revocations WHERE plan_year = {}) AS BIGINT), \
         CAST((SELECT COUNT(*) FROM conflicts) AS BIGINT), \
         CAST((SELECT COALESCE(MAX(id), 0) FROM conflicts) AS BIGINT)",
        p(1),
        submitted(2),
        submitted(3),
        p(4),
        p(5)
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, (0..5).map(|_| year.into()).collect::<Vec<_>>()))
        .await?
        .ok_or_else(|| StoreError::Other("the board fingerprint query returned no row".into()))?;
    let mut parts = Vec::with_capacity(7);
    for i in 0..7 {
        parts.push(row.try_get_by_index::<i64>(i)?.to_string());
    }
    Ok(parts.join("-"))
}

pub async fn conflicts_of_reviewer(db: &impl ConnectionTrait, reviewer_id: i32) -> Result<Vec<Conflict>> {
    Ok(conflict::Entity::find().filter(conflict::Column::ReviewerId.eq(reviewer_id)).all(db).await?)
}

pub async fn conflict(db: &impl ConnectionTrait, id: i32) -> Result<Option<Conflict>> {
    Ok(conflict::Entity::find_by_id(id).one(db).await?)
}

pub async fn add_conflict(
    db: &impl ConnectionTrait,
    community_id: i32,
    reviewer_id: i32,
    reason: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Conflict> {
    conflict::ActiveModel {
        id: NotSet,
        community_id: Set(community_id),
        reviewer_id: Set(reviewer_id),
        reason: Set(reason.to_string()),
        declared_by: Set(by.to_string()),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) { StoreError::Conflict("conflict already declared".into()) } else { e.into() }
    })
}

pub async fn remove_conflict(db: &impl ConnectionTrait, id: i32) -> Result<()> {
    conflict::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

// ---------------------------------------------------------------- assignments

pub async fn assignments(db: &impl ConnectionTrait, year: i32, phase: &str) -> Result<Vec<Assignment>> {
    Ok(assignment::Entity::find()
        .filter(assignment::Column::PlanYear.eq(year))
        .filter(assignment::Column::Phase.eq(phase))
        .order_by_asc(assignment::Column::CommunityId)
        .order_by_asc(assignment::Column::ReviewerId)
        .all(db)
        .await?)
}

/// Every assignment of a year.
pub async fn assignments_of_year(db: &impl ConnectionTrait, year: i32) -> Result<Vec<Assignment>> {
    Ok(assignment::Entity::find()
        .filter(assignment::Column::PlanYear.eq(year))
        .order_by_asc(assignment::Column::Id)
        .all(db)
        .await?)
}

pub async fn assignments_of_reviewer(
    db: &impl ConnectionTrait,
    year: i32,
    reviewer_id: i32,
) -> Result<Vec<Assignment>> {
    Ok(assignment::Entity::find()
        .filter(assignment::Column::PlanYear.eq(year))
        .filter(assignment::Column::ReviewerId.eq(reviewer_id))
        .order_by_asc(assignment::Column::Phase)
        .order_by_asc(assignment::Column::CommunityId)
        .all(db)
        .await?)
}

/// The years in which a reviewer had assignments, newest first.
pub async fn years_of_reviewer(db: &impl ConnectionTrait, reviewer_id: i32) -> Result<Vec<i32>> {
    let mut years: Vec<i32> = assignment::Entity::find()
        .select_only()
        .column(assignment::Column::PlanYear)
        .filter(assignment::Column::ReviewerId.eq(reviewer_id))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    years.sort_unstable_by(|a, b| b.cmp(a));
    Ok(years)
}

pub async fn assignment(db: &impl ConnectionTrait, id: i32) -> Result<Option<Assignment>> {
    Ok(assignment::Entity::find_by_id(id).one(db).await?)
}

/// A reviewer for a community in a phase.
#[derive(Debug, Clone, Copy)]
pub struct NewAssignment<'a> {
    pub year: i32,
    pub phase: &'a str,
    pub community_id: i32,
    pub reviewer_id: i32,
    /// For presentations: the reviewer's room.
    pub room: Option<i32>,
}

pub async fn add_assignment(
    db: &impl ConnectionTrait,
    new: NewAssignment<'_>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Assignment> {
    assignment::ActiveModel {
        id: NotSet,
        plan_year: Set(new.year),
        phase: Set(new.phase.to_string()),
        community_id: Set(new.community_id),
        reviewer_id: Set(new.reviewer_id),
        room: Set(new.room),
        created_at: Set(now),
        created_by: Set(by.to_string()),
    }
    .insert(db)
    .await
    .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict("already assigned".into()) } else { e.into() })
}

/// Removes an assignment that has no score yet; `false` when it has one (scores are kept).
pub async fn remove_assignment(db: &impl ConnectionTrait, id: i32) -> Result<bool> {
    if score_of(db, id).await?.is_some() {
        return Ok(false);
    }
    assignment::Entity::delete_by_id(id).exec(db).await?;
    Ok(true)
}

// ---------------------------------------------------------------- scores

pub async fn score_of(db: &impl ConnectionTrait, assignment_id: i32) -> Result<Option<Score>> {
    Ok(score::Entity::find().filter(score::Column::AssignmentId.eq(assignment_id)).one(db).await?)
}

pub async fn scores_of(db: &impl ConnectionTrait, assignment_ids: &[i32]) -> Result<Vec<Score>> {
    if assignment_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    // Chunked: PostgreSQL and SQLite both limit the parameters of one statement.
    for chunk in assignment_ids.chunks(5_000) {
        out.extend(
            score::Entity::find().filter(score::Column::AssignmentId.is_in(chunk.iter().copied())).all(db).await?,
        );
    }
    Ok(out)
}

pub async fn versions_of(db: &impl ConnectionTrait, score_id: i32) -> Result<Vec<ScoreVersion>> {
    Ok(score_version::Entity::find()
        .filter(score_version::Column::ScoreId.eq(score_id))
        .order_by_asc(score_version::Column::Version)
        .all(db)
        .await?)
}

/// Every version of the given scores, by score and version.
pub async fn versions_of_scores(db: &impl ConnectionTrait, score_ids: &[i32]) -> Result<Vec<ScoreVersion>> {
    let mut out = Vec::new();
    // Chunked: PostgreSQL and SQLite both limit the parameters of one statement.
    for chunk in score_ids.chunks(5_000) {
        out.extend(
            score_version::Entity::find()
                .filter(score_version::Column::ScoreId.is_in(chunk.iter().copied()))
                .order_by_asc(score_version::Column::ScoreId)
                .order_by_asc(score_version::Column::Version)
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// What a reviewer enters for one assignment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// JSON: criterion id → decimal text.
    pub values: String,
    /// JSON: indicator id → decimal text.
    pub indicators: String,
    pub completeness_reason: String,
    pub comment: String,
}

/// Saves a draft. Never over a submitted score: the update is conditional on the row still
/// being a draft, so a submission that lands between the caller's check and this write wins,
/// and [`StoreError::Conflict`] says so.
pub async fn save_draft(
    db: &impl ConnectionTrait,
    assignment_id: i32,
    entry: &Entry,
    now: DateTime<Utc>,
) -> Result<Score> {
    write_entry(db, assignment_id, entry, now, true).await
}

/// Writes what was entered, creating the score if needed; with `drafts_only`, never over a
/// submitted score.
async fn write_entry(
    db: &impl ConnectionTrait,
    assignment_id: i32,
    entry: &Entry,
    now: DateTime<Utc>,
    drafts_only: bool,
) -> Result<Score> {
    if score_of(db, assignment_id).await?.is_none() {
        let inserted = score::ActiveModel {
            id: NotSet,
            assignment_id: Set(assignment_id),
            status: Set(DRAFT.into()),
            values: Set(entry.values.clone()),
            indicators: Set(entry.indicators.clone()),
            completeness_reason: Set(entry.completeness_reason.clone()),
            comment: Set(entry.comment.clone()),
            version: Set(0),
            imported_by: Set(None),
            updated_at: Set(now),
            submitted_at: Set(None),
        }
        .insert(db)
        .await;
        match inserted {
            Ok(score) => return Ok(score),
            // Another request created the row first (a submission, or a second tab's draft).
            Err(e) if is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut update = score::Entity::update_many()
        .col_expr(score::Column::Values, Expr::value(entry.values.clone()))
        .col_expr(score::Column::Indicators, Expr::value(entry.indicators.clone()))
        .col_expr(score::Column::CompletenessReason, Expr::value(entry.completeness_reason.clone()))
        .col_expr(score::Column::Comment, Expr::value(entry.comment.clone()))
        .col_expr(score::Column::UpdatedAt, Expr::value(now))
        .filter(score::Column::AssignmentId.eq(assignment_id));
    if drafts_only {
        update = update.filter(score::Column::Status.eq(DRAFT));
    }
    let updated = update.exec(db).await?;
    if updated.rows_affected == 0 {
        return Err(StoreError::Conflict("the score was submitted; a draft cannot replace it".into()));
    }
    score_of(db, assignment_id).await?.ok_or(StoreError::NotFound)
}

/// Submits (or changes a submitted score): a new version, kept for good with who, when and why.
pub async fn submit(
    db: &impl ConnectionTrait,
    assignment_id: i32,
    entry: &Entry,
    reason: &str,
    by: &str,
    imported: bool,
    now: DateTime<Utc>,
) -> Result<Score> {
    let current = write_entry(db, assignment_id, entry, now, false).await?;
    let version = current.version + 1;
    let score_id = current.id;
    let mut active: score::ActiveModel = current.into();
    active.status = Set(SUBMITTED.into());
    active.version = Set(version);
    active.submitted_at = Set(Some(now));
    // Marked imported by whom; a later change made online is no longer the paper score.
    active.imported_by = Set(imported.then(|| by.to_string()));
    let saved = active.update(db).await?;
    score_version::ActiveModel {
        id: NotSet,
        score_id: Set(score_id),
        version: Set(version),
        at: Set(now),
        by: Set(by.to_string()),
        status: Set(SUBMITTED.into()),
        values: Set(entry.values.clone()),
        indicators: Set(entry.indicators.clone()),
        comment: Set(entry.comment.clone()),
        reason: Set(reason.to_string()),
    }
    .insert(db)
    .await?;
    Ok(saved)
}

// ---------------------------------------------------------------- phases

pub async fn phase_states(db: &impl ConnectionTrait, year: i32) -> Result<Vec<PhaseState>> {
    Ok(phase_state::Entity::find().filter(phase_state::Column::PlanYear.eq(year)).all(db).await?)
}

/// Sets (`Some("open" | "closed")`) or clears (`None`) the office's override of a phase.
pub async fn set_phase_state(
    db: &impl ConnectionTrait,
    year: i32,
    phase: &str,
    state: Option<&str>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    phase_state::Entity::delete_many()
        .filter(phase_state::Column::PlanYear.eq(year))
        .filter(phase_state::Column::Phase.eq(phase))
        .exec(db)
        .await?;
    if let Some(state) = state {
        phase_state::ActiveModel {
            plan_year: Set(year),
            phase: Set(phase.to_string()),
            state: Set(state.to_string()),
            changed_at: Set(now),
            changed_by: Set(by.to_string()),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------- cuts

pub async fn cut(db: &impl ConnectionTrait, year: i32, group: &str, round: i32) -> Result<Option<Cut>> {
    Ok(cut::Entity::find_by_id((year, group.to_string(), round)).one(db).await?)
}

pub async fn cuts(db: &impl ConnectionTrait, year: i32) -> Result<Vec<Cut>> {
    Ok(cut::Entity::find().filter(cut::Column::PlanYear.eq(year)).all(db).await?)
}

/// Confirms (or confirms again, with `reason`) who passes a group's cut to `round`.
#[allow(clippy::too_many_arguments)]
pub async fn confirm_cut(
    db: &impl ConnectionTrait,
    year: i32,
    group: &str,
    round: i32,
    passing: &[i32],
    reason: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Cut> {
    cut::Entity::delete_by_id((year, group.to_string(), round)).exec(db).await?;
    Ok(cut::ActiveModel {
        plan_year: Set(year),
        group_id: Set(group.to_string()),
        round: Set(round),
        passing: Set(serde_json::to_string(passing).unwrap_or_default()),
        confirmed_at: Set(now),
        confirmed_by: Set(by.to_string()),
        reason: Set(reason.to_string()),
    }
    .insert(db)
    .await?)
}

// ---------------------------------------------------------------- presentation rooms and slots

/// (reviewer id, room) for a year.
pub async fn rooms(db: &impl ConnectionTrait, year: i32) -> Result<Vec<(i32, i32)>> {
    Ok(room_member::Entity::find()
        .filter(room_member::Column::PlanYear.eq(year))
        .order_by_asc(room_member::Column::Room)
        .order_by_asc(room_member::Column::ReviewerId)
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.reviewer_id, r.room))
        .collect())
}

/// Puts a reviewer in a room (`None` takes them out).
pub async fn set_room(db: &impl ConnectionTrait, year: i32, reviewer_id: i32, room: Option<i32>) -> Result<()> {
    room_member::Entity::delete_by_id((year, reviewer_id)).exec(db).await?;
    if let Some(room) = room {
        room_member::ActiveModel { plan_year: Set(year), reviewer_id: Set(reviewer_id), room: Set(room) }
            .insert(db)
            .await?;
    }
    Ok(())
}

pub async fn slots(db: &impl ConnectionTrait, year: i32) -> Result<Vec<Slot>> {
    Ok(slot::Entity::find()
        .filter(slot::Column::PlanYear.eq(year))
        .order_by_asc(slot::Column::Room)
        .order_by_asc(slot::Column::Position)
        .all(db)
        .await?)
}

/// A slot as the schedule gives it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NewSlot {
    pub community_id: i32,
    pub room: i32,
    pub position: i32,
    pub start: String,
    pub end: String,
}

pub async fn replace_slots(db: &impl ConnectionTrait, year: i32, new: &[NewSlot]) -> Result<()> {
    slot::Entity::delete_many().filter(slot::Column::PlanYear.eq(year)).exec(db).await?;
    for s in new {
        slot::ActiveModel {
            id: NotSet,
            plan_year: Set(year),
            community_id: Set(s.community_id),
            room: Set(s.room),
            position: Set(s.position),
            start: Set(s.start.clone()),
            end: Set(s.end.clone()),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------- decisions, publications, revocations

pub async fn decisions(db: &impl ConnectionTrait, year: i32) -> Result<Vec<Decision>> {
    Ok(decision::Entity::find()
        .filter(decision::Column::PlanYear.eq(year))
        .order_by_asc(decision::Column::Id)
        .all(db)
        .await?)
}

/// The office's decision on a tied block: the block, the decided order, and why.
#[derive(Debug, Clone, Copy)]
pub struct NewDecision<'a> {
    pub year: i32,
    pub group: &'a str,
    /// JSON list of the tied codes.
    pub block: &'a str,
    /// JSON list of the codes in the decided order.
    pub order: &'a str,
    pub reason: &'a str,
}

pub async fn add_decision(
    db: &impl ConnectionTrait,
    new: NewDecision<'_>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Decision> {
    Ok(decision::ActiveModel {
        id: NotSet,
        plan_year: Set(new.year),
        group_id: Set(new.group.to_string()),
        block: Set(new.block.to_string()),
        awards: Set(new.order.to_string()),
        reason: Set(new.reason.to_string()),
        decided_by: Set(by.to_string()),
        decided_at: Set(now),
    }
    .insert(db)
    .await?)
}

pub async fn publications(db: &impl ConnectionTrait, year: i32) -> Result<Vec<Publication>> {
    Ok(publication::Entity::find()
        .filter(publication::Column::PlanYear.eq(year))
        .order_by_asc(publication::Column::Version)
        .all(db)
        .await?)
}

pub async fn latest_publication(db: &impl ConnectionTrait, year: i32) -> Result<Option<Publication>> {
    Ok(publication::Entity::find()
        .filter(publication::Column::PlanYear.eq(year))
        .order_by_desc(publication::Column::Version)
        .one(db)
        .await?)
}

pub async fn publish(
    db: &impl ConnectionTrait,
    year: i32,
    result: &str,
    note: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Publication> {
    let last: Option<i32> = publication::Entity::find()
        .select_only()
        .column_as(publication::Column::Version.max(), "max")
        .filter(publication::Column::PlanYear.eq(year))
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten();
    Ok(publication::ActiveModel {
        id: NotSet,
        plan_year: Set(year),
        version: Set(last.unwrap_or(0) + 1),
        result: Set(result.to_string()),
        note: Set(note.to_string()),
        published_at: Set(now),
        published_by: Set(by.to_string()),
    }
    .insert(db)
    .await?)
}

pub async fn revocations(db: &impl ConnectionTrait, year: i32) -> Result<Vec<Revocation>> {
    Ok(revocation::Entity::find()
        .filter(revocation::Column::PlanYear.eq(year))
        .order_by_asc(revocation::Column::Id)
        .all(db)
        .await?)
}

pub async fn revoke(
    db: &impl ConnectionTrait,
    year: i32,
    community_id: i32,
    reason: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Revocation> {
    Ok(revocation::ActiveModel {
        id: NotSet,
        plan_year: Set(year),
        community_id: Set(community_id),
        reason: Set(reason.to_string()),
        revoked_at: Set(now),
        revoked_by: Set(by.to_string()),
    }
    .insert(db)
    .await?)
}
