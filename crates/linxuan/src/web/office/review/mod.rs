//! The office's side of the review: phases (close early, reopen), reviewers and their profiles,
//! conflicts of interest, assignment, the cut between rounds, the results board, tie decisions,
//! paper score imports, publication and revocation.

pub mod assign;
pub mod board;
pub mod presentation;
pub mod results;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linxuan_core::plan::Plan;
use linxuan_store::audit::{self, Change};
use linxuan_store::communities::{self, Community};
use linxuan_store::review::{self as store, Conflict, Profile};
use linxuan_store::schools::{self, School};
use linxuan_store::{StoreError, TransactionTrait, users};
use serde::Deserialize;

use super::{YearPlan, current_plan};
use crate::app::AppState;
use crate::review::{self, CLOSED, OPEN, PhaseView};
use crate::web::auth::Role;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::forms::FieldErrors;
use linxuan_core::people::looks_like_email;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/review", get(overview))
        .route("/review/phase/{phase}", post(set_phase))
        .route("/review/reviewers", get(reviewers).post(invite_reviewer))
        .route("/review/reviewers/{id}", post(update_profile))
        .route("/review/conflicts", get(conflicts).post(add_conflict))
        .route("/review/conflicts/{id}/delete", post(remove_conflict))
        .merge(assign::routes())
        .merge(board::routes())
        .merge(presentation::routes())
        .merge(results::routes())
}

/// Reviewers (accounts with the reviewer role) with their profiles.
pub async fn reviewer_list(state: &AppState) -> AppResult<Vec<(users::User, Option<Profile>)>> {
    let list = users::list(&state.db, Some(Role::Reviewer.as_str())).await?;
    let profiles = store::profiles(&state.db).await?;
    Ok(list
        .into_iter()
        .filter(|u| u.active)
        .map(|u| {
            let p = profiles.iter().find(|p| p.user_id == u.id).cloned();
            (u, p)
        })
        .collect())
}

// ---------------------------------------------------------------- overview

pub struct PhaseLine {
    pub view: PhaseView,
    pub communities: usize,
    pub assigned: usize,
    pub submitted: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "office/review/overview.html")]
struct Overview {
    ctx: Ctx,
    year: i32,
    years: Vec<i32>,
    plan: Plan,
    phases: Vec<PhaseLine>,
    reviewers: usize,
    publications: usize,
}

impl Overview {
    fn window(&self, v: &PhaseView) -> String {
        let f = |d| crate::web::format::date_long(&self.ctx, d);
        format!("{} – {}", f(v.phase.opens.0), f(v.phase.closes.0))
    }
    fn track_name(&self, id: &str) -> String {
        crate::web::names::track(&self.ctx, &self.plan, id)
    }
    fn phase_name(&self, v: &PhaseView) -> String {
        self.ctx.named(&v.phase.name, &v.phase.name_en).to_string()
    }
    fn round_name(&self, track: &str, round: &i64) -> String {
        crate::web::names::round(&self.ctx, &self.plan, track, *round)
    }
}

/// Communities a phase is about: approved ones of its track (for later rounds, the confirmed
/// cut decides who is in; see `assign`).
pub fn in_track<'a>(list: &'a [Community], track: &str) -> Vec<&'a Community> {
    list.iter().filter(|c| c.track == track && c.status == communities::APPROVED).collect()
}

async fn overview(State(state): State<AppState>, ctx: Ctx) -> AppResult<Overview> {
    let YearPlan { year, plan, years } = current_plan(&state, &ctx.session).await?;
    let states = store::phase_states(&state.db, year).await?;
    let views = review::phase_views(&plan, &states, state.now());
    let list = communities::list(&state.db, year).await?;
    let assignments = review::live_assignments(&state.db, year).await?;
    let ids: Vec<i32> = assignments.iter().map(|a| a.id).collect();
    let scores = store::scores_of(&state.db, &ids).await?;
    let phases = views
        .into_iter()
        .map(|view| {
            let mine: Vec<_> = assignments.iter().filter(|a| a.phase == view.id).collect();
            let submitted = mine
                .iter()
                .filter(|a| scores.iter().any(|s| s.assignment_id == a.id && s.status == store::SUBMITTED))
                .count();
            PhaseLine { communities: in_track(&list, &view.phase.track).len(), assigned: mine.len(), submitted, view }
        })
        .collect();
    Ok(Overview {
        reviewers: reviewer_list(&state).await?.len(),
        publications: store::publications(&state.db, year).await?.len(),
        ctx,
        year,
        years,
        plan,
        phases,
    })
}

#[derive(Deserialize)]
pub struct PhaseForm {
    /// `open`, `closed` or `auto` (by the plan's dates).
    state: String,
}

async fn set_phase(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(phase): Path<String>,
    Form(form): Form<PhaseForm>,
) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    if !plan.review.phases.contains_key(&phase) {
        return Err(AppError::NotFound);
    }
    let new = match form.state.as_str() {
        OPEN => Some(OPEN),
        CLOSED => Some(CLOSED),
        "auto" => None,
        _ => return Err(AppError::bad_request("狀態只能是開放、關閉或依日期", "state must be open, closed or auto")),
    };
    let before = store::phase_states(&state.db, year).await?.into_iter().find(|s| s.phase == phase).map(|s| s.state);
    let now = state.now();
    let actor = ctx.actor()?;
    let txn = state.db.begin().await?;
    store::set_phase_state(&txn, year, &phase, new, &actor.label, now).await?;
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("phase.state", "phase", &phase)
            .year(year)
            .before(&serde_json::json!({ "state": before }))
            .after(&serde_json::json!({ "state": new })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("review.phase_changed")).await;
    Ok(Redirect::to("/office/review").into_response())
}

// ---------------------------------------------------------------- reviewers

#[derive(Template, WebTemplate)]
#[template(path = "office/review/reviewers.html")]
struct ReviewersPage {
    ctx: Ctx,
    reviewers: Vec<(users::User, Option<Profile>)>,
    schools: Vec<School>,
    form: ReviewerForm,
    errors: FieldErrors,
    link: String,
}

impl ReviewersPage {
    fn affiliation(&self, p: &Option<Profile>) -> String {
        p.as_ref().map(|p| p.affiliation.clone()).unwrap_or_default()
    }
    fn school_id(&self, p: &Option<Profile>) -> i32 {
        p.as_ref().and_then(|p| p.school_id).unwrap_or(0)
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ReviewerForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    affiliation: String,
    #[serde(default)]
    school: String,
}

async fn reviewers_page(
    state: &AppState,
    ctx: Ctx,
    form: ReviewerForm,
    errors: FieldErrors,
    link: String,
) -> AppResult<ReviewersPage> {
    Ok(ReviewersPage {
        reviewers: reviewer_list(state).await?,
        schools: schools::list(&state.db, &Default::default()).await?,
        form,
        errors,
        link,
        ctx,
    })
}

async fn reviewers(State(state): State<AppState>, ctx: Ctx) -> AppResult<ReviewersPage> {
    reviewers_page(&state, ctx, ReviewerForm::default(), FieldErrors::default(), String::new()).await
}

/// Invites a reviewer with their affiliation and school (their school's communities are a
/// conflict from the start).
async fn invite_reviewer(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ReviewerForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    if !looks_like_email(&form.email) {
        errors.add("email", ctx.t("form.bad_email"));
    }
    if form.name.trim().is_empty() {
        errors.add("name", ctx.t("form.required"));
    }
    if form.affiliation.trim().is_empty() {
        errors.add("affiliation", ctx.t("form.required"));
    }
    let school_id = form.school.trim().parse::<i32>().ok().filter(|id| *id > 0);
    if errors.is_empty() {
        let actor = ctx.actor()?;
        match crate::accounts::invite(&state, &actor, &form.email, &form.name, Role::Reviewer.as_str(), ctx.lang).await
        {
            Ok(invited) => {
                store::set_profile(&state.db, invited.user.id, form.affiliation.trim(), school_id, state.now()).await?;
                let link = if invited.delivery == crate::mail::Delivery::Sent { String::new() } else { invited.link };
                let message = ctx.tf1("review.reviewer_invited", "name", &invited.user.name);
                let mut page =
                    reviewers_page(&state, ctx, ReviewerForm::default(), FieldErrors::default(), link).await?;
                page.ctx.flashes.push(crate::web::ctx::Flash { kind: "ok".into(), text: message });
                return Ok(page.into_response());
            }
            Err(crate::accounts::InviteError::Taken) => errors.add("email", ctx.t("users.email_taken")),
            Err(e) => return Err(AppError::Internal(e.to_string())),
        }
    }
    let page = reviewers_page(&state, ctx, form, errors, String::new()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize)]
pub struct ProfileForm {
    affiliation: String,
    #[serde(default)]
    school: String,
}

async fn update_profile(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(form): Form<ProfileForm>,
) -> AppResult<Response> {
    let user = users::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if user.role != Role::Reviewer.as_str() {
        return Err(AppError::NotFound);
    }
    let school_id = form.school.trim().parse::<i32>().ok().filter(|id| *id > 0);
    let before = store::profile(&state.db, id)
        .await?
        .map(|p| serde_json::json!({ "affiliation": p.affiliation, "school_id": p.school_id }));
    let now = state.now();
    let txn = state.db.begin().await?;
    store::set_profile(&txn, id, form.affiliation.trim(), school_id, now).await?;
    let mut change = Change::new("reviewer.profile", "user", id)
        .after(&serde_json::json!({ "affiliation": form.affiliation.trim(), "school_id": school_id }));
    if let Some(before) = before {
        change = change.before(&before);
    }
    audit::record(&txn, now, &ctx.actor()?, change).await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("review.profile_saved", "name", &user.name)).await;
    Ok(Redirect::to("/office/review/reviewers").into_response())
}

// ---------------------------------------------------------------- conflicts

#[derive(Template, WebTemplate)]
#[template(path = "office/review/conflicts.html")]
struct ConflictsPage {
    ctx: Ctx,
    communities: Vec<Community>,
    reviewers: Vec<(users::User, Option<Profile>)>,
    declared: Vec<Conflict>,
    /// (community, reviewer) pairs from the reviewer's own school.
    same_school: Vec<(i32, i32)>,
}

impl ConflictsPage {
    fn community(&self, id: &i32) -> String {
        self.communities.iter().find(|c| c.id == *id).map_or_else(String::new, |c| format!("{} {}", c.code, c.name))
    }
    fn reviewer(&self, id: &i32) -> String {
        self.reviewers.iter().find(|(u, _)| u.id == *id).map_or_else(String::new, |(u, _)| u.name.clone())
    }
}

async fn conflicts(State(state): State<AppState>, ctx: Ctx) -> AppResult<ConflictsPage> {
    let YearPlan { year, .. } = current_plan(&state, &ctx.session).await?;
    let list = communities::list(&state.db, year).await?;
    let ids: Vec<i32> = list.iter().map(|c| c.id).collect();
    let declared = store::conflicts(&state.db, &ids).await?;
    let all = review::conflict_pairs(&state.db, &list).await?;
    let mut same_school: Vec<(i32, i32)> =
        all.into_iter().filter(|pair| !declared.iter().any(|d| (d.community_id, d.reviewer_id) == *pair)).collect();
    same_school.sort_unstable();
    Ok(ConflictsPage { reviewers: reviewer_list(&state).await?, communities: list, declared, same_school, ctx })
}

#[derive(Deserialize)]
pub struct ConflictForm {
    community: i32,
    reviewer: i32,
    reason: String,
}

async fn add_conflict(State(state): State<AppState>, ctx: Ctx, Form(form): Form<ConflictForm>) -> AppResult<Response> {
    let community = communities::get(&state.db, form.community).await?.ok_or(AppError::NotFound)?;
    let reviewer = users::get(&state.db, form.reviewer)
        .await?
        .filter(|u| u.role == Role::Reviewer.as_str())
        .ok_or(AppError::NotFound)?;
    let reason: String = form.reason.trim().chars().take(500).collect();
    if reason.is_empty() {
        return Err(AppError::bad_request("請填寫原因", "give a reason"));
    }
    let actor = ctx.actor()?;
    let now = state.now();
    let txn = state.db.begin().await?;
    let conflict = match store::add_conflict(&txn, community.id, reviewer.id, &reason, &actor.label, now).await {
        Ok(c) => c,
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::bad_request("這組利益衝突已登記", "this conflict is already recorded"));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("conflict.add", "conflict", conflict.id).year(community.plan_year).after(&serde_json::json!({
            "community": community.code, "reviewer": reviewer.email, "reason": reason,
        })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("review.conflict_added")).await;
    Ok(Redirect::to("/office/review/conflicts").into_response())
}

async fn remove_conflict(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let found = store::conflict(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let now = state.now();
    let txn = state.db.begin().await?;
    store::remove_conflict(&txn, id).await?;
    audit::record(
        &txn,
        now,
        &ctx.actor()?,
        Change::new("conflict.remove", "conflict", id).before(&serde_json::json!({
            "community": found.community_id, "reviewer": found.reviewer_id, "reason": found.reason,
        })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("review.conflict_removed")).await;
    Ok(Redirect::to("/office/review/conflicts").into_response())
}
