//! Assignment for one phase: the matrix of communities and reviewers, automatic assignment
//! (every community gets the round's number of reviewers, loads balanced, conflicts respected,
//! the same input giving the same result), adding, removing and swapping by hand.

use std::collections::HashSet;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linxuan_core::plan::{Phase, Plan};
use linxuan_core::review::assign::{AssignRequest, assign};
use linxuan_store::audit::{self, Change};
use linxuan_store::communities::{self, Community};
use linxuan_store::review::{self as store, Assignment, NewAssignment, Profile, Score};
use linxuan_store::{StoreError, TransactionTrait, users};
use serde::Deserialize;

use super::{in_track, reviewer_list};
use crate::app::AppState;
use crate::review;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::office::{YearPlan, current_plan};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/review/assign/{phase}", get(matrix))
        .route("/review/assign/{phase}/auto", post(auto))
        .route("/review/assign/{phase}/add", post(add))
        .route("/review/assign/{phase}/remove", post(remove))
        .route("/review/assign/{phase}/swap", post(swap))
}

/// The communities a phase covers: its track's approved communities; for a later round, only
/// those the confirmed cut let through (groups without a confirmed cut have none yet).
pub async fn scope(
    state: &AppState,
    plan: &Plan,
    year: i32,
    phase: &Phase,
) -> AppResult<(Vec<Community>, Vec<String>)> {
    let list = communities::list(&state.db, year).await?;
    let mut out: Vec<Community> = in_track(&list, &phase.track).into_iter().cloned().collect();
    let mut waiting = Vec::new();
    if phase.round > 1 {
        let cuts = store::cuts(&state.db, year).await?;
        let mut passing: HashSet<i32> = HashSet::new();
        for (gid, group) in plan.groups.iter().filter(|(_, g)| g.track == phase.track) {
            match cuts.iter().find(|c| c.group_id == *gid && c.round == phase.round as i32) {
                Some(cut) => passing.extend(serde_json::from_str::<Vec<i32>>(&cut.passing).unwrap_or_default()),
                None => waiting.push(group.name.clone()),
            }
        }
        out.retain(|c| passing.contains(&c.id));
    }
    Ok((out, waiting))
}

#[derive(Template, WebTemplate)]
#[template(path = "office/review/assign.html")]
struct MatrixPage {
    ctx: Ctx,
    phase_id: String,
    phase: Phase,
    per_community: i64,
    communities: Vec<Community>,
    reviewers: Vec<(users::User, Option<Profile>)>,
    assignments: Vec<Assignment>,
    scores: Vec<Score>,
    conflicts: HashSet<(i32, i32)>,
    waiting: Vec<String>,
    problems: Vec<String>,
}

impl MatrixPage {
    /// `✓` assigned (with score status), `✗` conflict, `✗!` assigned before the conflict was
    /// known (void: replace the reviewer), `` free.
    fn cell(&self, community: &i32, reviewer: &i32) -> (&'static str, &'static str) {
        let assigned = self.assignments.iter().find(|a| a.community_id == *community && a.reviewer_id == *reviewer);
        if self.conflicts.contains(&(*community, *reviewer)) {
            return if assigned.is_some() { ("✗!", "bad") } else { ("✗", "bad") };
        }
        if let Some(a) = assigned {
            return match self.scores.iter().find(|s| s.assignment_id == a.id).map(|s| s.status.as_str()) {
                Some(store::SUBMITTED) => ("✓✓", "ok"),
                Some(_) => ("✓…", "warn"),
                None => ("✓", ""),
            };
        }
        ("", "")
    }
    fn live(&self) -> impl Iterator<Item = &Assignment> {
        self.assignments.iter().filter(|a| !self.conflicts.contains(&(a.community_id, a.reviewer_id)))
    }
    fn load(&self, reviewer: &i32) -> usize {
        self.live().filter(|a| a.reviewer_id == *reviewer).count()
    }
    fn count(&self, community: &i32) -> usize {
        self.live().filter(|a| a.community_id == *community).count()
    }
}

async fn page(state: &AppState, ctx: Ctx, phase_id: String, problems: Vec<String>) -> AppResult<MatrixPage> {
    let YearPlan { year, plan, .. } = current_plan(state, &ctx.session).await?;
    let phase = plan.review.phases.get(&phase_id).cloned().ok_or(AppError::NotFound)?;
    let (communities, waiting) = scope(state, &plan, year, &phase).await?;
    let per_community =
        plan.tracks.get(&phase.track).and_then(|t| t.rounds.get(phase.round as usize - 1)).map_or(1, |r| r.reviewers);
    let assignments = store::assignments(&state.db, year, &phase_id).await?;
    let ids: Vec<i32> = assignments.iter().map(|a| a.id).collect();
    let scores = store::scores_of(&state.db, &ids).await?;
    let conflicts = review::conflict_pairs(&state.db, &communities).await?;
    Ok(MatrixPage {
        reviewers: reviewer_list(state).await?,
        ctx,
        phase_id,
        phase,
        per_community,
        communities,
        assignments,
        scores,
        conflicts,
        waiting,
        problems,
    })
}

async fn matrix(State(state): State<AppState>, ctx: Ctx, Path(phase): Path<String>) -> AppResult<MatrixPage> {
    page(&state, ctx, phase, Vec::new()).await
}

/// Assigns every community of the phase its reviewers, keeping what is already assigned.
async fn auto(State(state): State<AppState>, ctx: Ctx, Path(phase_id): Path<String>) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let phase = plan.review.phases.get(&phase_id).cloned().ok_or(AppError::NotFound)?;
    let (list, _) = scope(&state, &plan, year, &phase).await?;
    let per_community = plan
        .tracks
        .get(&phase.track)
        .and_then(|t| t.rounds.get(phase.round as usize - 1))
        .map_or(1, |r| r.reviewers)
        .max(1) as usize;
    let reviewers: Vec<i32> = reviewer_list(&state).await?.iter().map(|(u, _)| u.id).collect();
    let communities: Vec<i32> = list.iter().map(|c| c.id).collect();
    let conflicts: Vec<(i32, i32)> = review::conflict_pairs(&state.db, &list).await?.into_iter().collect();
    let existing = store::assignments(&state.db, year, &phase_id).await?;
    // Void assignments (a conflict found since) are not kept: the community gets another reviewer.
    let keep: Vec<(i32, i32)> = existing
        .iter()
        .filter(|a| communities.contains(&a.community_id))
        .map(|a| (a.community_id, a.reviewer_id))
        .filter(|pair| !conflicts.contains(pair))
        .collect();
    let request = AssignRequest {
        communities: &communities,
        reviewers: &reviewers,
        per_community,
        conflicts: &conflicts,
        keep: &keep,
    };
    let result = match assign(&request) {
        Ok(r) => r,
        Err(e) => {
            let problems = e.problems.iter().map(|p| ctx.pick(&p.message_zh(), &p.to_string()).to_string()).collect();
            return Ok(page(&state, ctx, phase_id, problems).await?.into_response());
        }
    };
    let actor = ctx.actor()?;
    let now = state.now();
    let new: Vec<(i32, i32)> = result.pairs.iter().copied().filter(|p| !keep.contains(p)).collect();
    let txn = state.db.begin().await?;
    for (community, reviewer) in &new {
        store::add_assignment(
            &txn,
            NewAssignment { year, phase: &phase_id, community_id: *community, reviewer_id: *reviewer, room: None },
            &actor.label,
            now,
        )
        .await?;
    }
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("assignment.auto", "phase", &phase_id)
            .year(year)
            .after(&serde_json::json!({ "added": new, "kept": keep.len() })),
    )
    .await?;
    txn.commit().await?;
    let message = match &result.imbalance {
        None => ctx.tf1("review.assigned", "n", &new.len().to_string()),
        Some(i) => format!(
            "{} {}",
            ctx.tf1("review.assigned", "n", &new.len().to_string()),
            ctx.pick(
                &format!("（負擔無法完全平均：{}–{} 件）", i.min, i.max),
                &format!("(loads cannot be fully even: {}–{})", i.min, i.max)
            )
        ),
    };
    ctx.flash("ok", message).await;
    Ok(Redirect::to(&format!("/office/review/assign/{phase_id}")).into_response())
}

#[derive(Deserialize)]
pub struct PairForm {
    community: i32,
    reviewer: i32,
}

async fn checked_pair(state: &AppState, ctx: &Ctx, phase_id: &str, form: &PairForm) -> AppResult<(i32, Community)> {
    let YearPlan { year, plan, .. } = current_plan(state, &ctx.session).await?;
    let phase = plan.review.phases.get(phase_id).cloned().ok_or(AppError::NotFound)?;
    let (list, _) = scope(state, &plan, year, &phase).await?;
    let community = list.into_iter().find(|c| c.id == form.community).ok_or(AppError::NotFound)?;
    users::get(&state.db, form.reviewer)
        .await?
        .filter(|u| u.role == "reviewer" && u.active)
        .ok_or(AppError::NotFound)?;
    if review::conflict_reason(&state.db, &community, form.reviewer).await?.is_some() {
        return Err(AppError::bad_request(
            "這位委員與此社群有利益衝突，不能指派",
            "this reviewer has a conflict with the community and cannot be assigned",
        ));
    }
    Ok((year, community))
}

async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(phase_id): Path<String>,
    Form(form): Form<PairForm>,
) -> AppResult<Response> {
    let (year, community) = checked_pair(&state, &ctx, &phase_id, &form).await?;
    let actor = ctx.actor()?;
    let now = state.now();
    let txn = state.db.begin().await?;
    match store::add_assignment(
        &txn,
        NewAssignment { year, phase: &phase_id, community_id: community.id, reviewer_id: form.reviewer, room: None },
        &actor.label,
        now,
    )
    .await
    {
        Ok(a) => {
            audit::record(
                &txn,
                now,
                &actor,
                Change::new("assignment.add", "assignment", a.id).year(year).after(
                    &serde_json::json!({ "community": community.code, "reviewer": form.reviewer, "phase": phase_id }),
                ),
            )
            .await?;
            txn.commit().await?;
        }
        Err(StoreError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/office/review/assign/{phase_id}")).into_response())
}

async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(phase_id): Path<String>,
    Form(form): Form<PairForm>,
) -> AppResult<Response> {
    let YearPlan { year, .. } = current_plan(&state, &ctx.session).await?;
    let found = store::assignments(&state.db, year, &phase_id)
        .await?
        .into_iter()
        .find(|a| a.community_id == form.community && a.reviewer_id == form.reviewer)
        .ok_or(AppError::NotFound)?;
    let now = state.now();
    let void = review::conflict_reason(&state.db, &community_of(&state, year, form.community).await?, form.reviewer)
        .await?
        .is_some();
    let txn = state.db.begin().await?;
    if !store::remove_assignment(&txn, found.id).await? {
        return Err(if void {
            AppError::bad_request(
                "這份指派已因利益迴避失效，分數不予計入，並保留作為紀錄；請指派另一位委員",
                "this assignment is void for a conflict: its score does not count and is kept for the record; assign another reviewer",
            )
        } else {
            AppError::bad_request(
                "這位委員已開始評分，不能移除；請改用「替換」",
                "this reviewer has started scoring and cannot be removed; swap instead",
            )
        });
    }
    audit::record(
        &txn,
        now,
        &ctx.actor()?,
        Change::new("assignment.remove", "assignment", found.id)
            .year(year)
            .before(&serde_json::json!({ "community": form.community, "reviewer": form.reviewer, "phase": phase_id })),
    )
    .await?;
    txn.commit().await?;
    Ok(Redirect::to(&format!("/office/review/assign/{phase_id}")).into_response())
}

#[derive(Deserialize)]
pub struct SwapForm {
    community: i32,
    from: i32,
    to: i32,
}

/// Replaces one reviewer of a community by another. A score already entered stays with the
/// old assignment's history (the assignment is removed only when it has none).
async fn swap(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(phase_id): Path<String>,
    Form(form): Form<SwapForm>,
) -> AppResult<Response> {
    let (year, community) =
        checked_pair(&state, &ctx, &phase_id, &PairForm { community: form.community, reviewer: form.to }).await?;
    let existing = store::assignments(&state.db, year, &phase_id).await?;
    let from = existing
        .iter()
        .find(|a| a.community_id == community.id && a.reviewer_id == form.from)
        .ok_or(AppError::NotFound)?
        .clone();
    if existing.iter().any(|a| a.community_id == community.id && a.reviewer_id == form.to) {
        return Err(AppError::bad_request("這位委員已經審查此社群", "this reviewer already reviews the community"));
    }
    let actor = ctx.actor()?;
    let now = state.now();
    // A void assignment (the old reviewer has a conflict) that holds a score stays as a record:
    // it counts nowhere. Any other assignment with a score cannot be swapped away.
    let void = review::conflict_reason(&state.db, &community, form.from).await?.is_some();
    let txn = state.db.begin().await?;
    if !store::remove_assignment(&txn, from.id).await? && !void {
        return Err(AppError::bad_request(
            "原委員已開始評分；請先請其撤回或由承辦人員處理分數後再替換",
            "the reviewer being replaced has started scoring; settle that score first",
        ));
    }
    let added = store::add_assignment(
        &txn,
        NewAssignment { year, phase: &phase_id, community_id: community.id, reviewer_id: form.to, room: from.room },
        &actor.label,
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("assignment.swap", "assignment", added.id)
            .year(year)
            .before(&serde_json::json!({ "reviewer": form.from }))
            .after(&serde_json::json!({ "community": community.code, "reviewer": form.to, "phase": phase_id })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("review.swapped")).await;
    Ok(Redirect::to(&format!("/office/review/assign/{phase_id}")).into_response())
}

async fn community_of(state: &AppState, year: i32, id: i32) -> AppResult<Community> {
    communities::get(&state.db, id).await?.filter(|c| c.plan_year == year).ok_or(AppError::NotFound)
}
