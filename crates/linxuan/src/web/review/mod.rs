//! The reviewer's pages (審查委員): their assignments, one scoring page per community with the
//! evidence, the community's self-evaluation beside the rubric, the computed timeliness, the
//! completeness suggestion to confirm or change, indicator scores and a comment; autosaved as a
//! draft, submitted explicitly, changed afterwards only with a reason while the phase is open,
//! every version kept. Conflicts are checked on every page, not only at assignment.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linxuan_core::plan::{Criterion, CriterionSource, Indicator, Phase, Plan};
use linxuan_core::progress::{self, Progress};
use linxuan_store::audit::{self, Change};
use linxuan_store::communities::{self, Community};
use linxuan_store::documents::{self, FileVersion, Link};
use linxuan_store::review::{self as store, Assignment, Entry, Score, ScoreVersion};
use linxuan_store::{TransactionTrait, plans, self_evaluations};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::app::AppState;
use crate::facts::SIGNIN;
use crate::review::{self, decode, encode, parse_score};
use crate::web::community::evaluation::{Answers, parse_answers};
use crate::web::community::files::{DocumentRow, category_key, send_version};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::format::human_size;
use crate::web::forms::FieldErrors;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/review", get(home))
        .route("/review/a/{id}", get(page).post(save))
        .route("/review/a/{id}/draft", post(autosave))
        .route("/review/a/{id}/total", post(total))
        .route("/review/a/{id}/conflict", post(declare_conflict))
        .route("/review/a/{id}/file/{version}", get(file))
        .route("/review/room/{room}", get(room))
        .route("/review/conflicts", get(my_conflicts).post(declare_any_conflict))
}

// ---------------------------------------------------------------- conflicts, declared ahead

#[derive(Template, WebTemplate)]
#[template(path = "review/conflicts.html")]
struct ConflictsPage {
    ctx: Ctx,
    /// Communities of the year the reviewer may still declare a conflict with: (id, code name · school).
    open: Vec<(i32, String)>,
    /// What is already known: (community, why, recorded by, when).
    known: Vec<(String, String, String, String)>,
}

/// Every community of the year, so that a reviewer can declare a conflict before any
/// assignment (a community they advised, a relative's school), not only from a scoring page.
async fn my_conflicts(State(state): State<AppState>, ctx: Ctx) -> AppResult<ConflictsPage> {
    let me = ctx.user.clone().ok_or(AppError::Forbidden)?;
    let year = latest_plan(&state).await?.academic_year;
    let list: Vec<Community> =
        communities::list(&state.db, year).await?.into_iter().filter(|c| c.status == communities::APPROVED).collect();
    let schools = linxuan_store::schools::list(&state.db, &Default::default()).await?;
    let school_of =
        |c: &Community| schools.iter().find(|s| s.id == c.school_id).map_or(String::new(), |s| s.name.clone());
    let own_school = store::profile(&state.db, me.id).await?.and_then(|p| p.school_id);
    let declared = store::conflicts_of_reviewer(&state.db, me.id).await?;
    let mut known = Vec::new();
    let mut open = Vec::new();
    for c in &list {
        let label = format!("{} {} · {}", c.code, c.name, school_of(c));
        if own_school == Some(c.school_id) {
            known.push((label, ctx.pick("委員任職學校", "your own school").to_string(), String::new(), String::new()));
        } else if let Some(d) = declared.iter().find(|d| d.community_id == c.id) {
            known.push((label, d.reason.clone(), d.declared_by.clone(), crate::web::format::local_time(d.created_at)));
        } else {
            open.push((c.id, label));
        }
    }
    Ok(ConflictsPage { ctx, open, known })
}

#[derive(Deserialize)]
pub struct AnyConflictForm {
    community: i32,
    reason: String,
}

async fn declare_any_conflict(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<AnyConflictForm>,
) -> AppResult<Response> {
    let me = ctx.user.clone().ok_or(AppError::Forbidden)?;
    let year = latest_plan(&state).await?.academic_year;
    let community = communities::get(&state.db, form.community)
        .await?
        .filter(|c| c.plan_year == year && c.status == communities::APPROVED)
        .ok_or(AppError::NotFound)?;
    let reason: String = form.reason.trim().chars().take(500).collect();
    if reason.is_empty() {
        return Err(AppError::bad_request("請簡述利益衝突的原因", "say briefly what the conflict is"));
    }
    let now = state.now();
    let txn = state.db.begin().await?;
    let conflict = match store::add_conflict(&txn, community.id, me.id, &reason, &me.email, now).await {
        Ok(c) => c,
        Err(linxuan_store::StoreError::Conflict(_)) => {
            return Err(AppError::bad_request(
                "已申報過與這個社群的利益衝突",
                "a conflict with this community is already declared",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        now,
        &ctx.actor()?,
        Change::new("conflict.declare", "conflict", conflict.id).year(year).after(&serde_json::json!({
            "community": community.code, "reviewer": me.email, "reason": reason,
        })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("review.conflict_declared")).await;
    Ok(Redirect::to("/review/conflicts").into_response())
}

async fn latest_plan(state: &AppState) -> AppResult<Plan> {
    let stored = plans::latest(&state.db).await?.ok_or(AppError::NotFound)?;
    state.plan_of(&stored).map_err(|e| AppError::Internal(e.to_string()))
}

// ---------------------------------------------------------------- my assignments

pub struct Row {
    pub assignment: Assignment,
    pub community: Community,
    pub score: Option<Score>,
}

#[derive(Template, WebTemplate)]
#[template(path = "review/home.html")]
struct HomePage {
    ctx: Ctx,
    plan: Plan,
    phases: Vec<review::PhaseView>,
    rows: Vec<Row>,
    /// The presentation room this reviewer sits in, if any.
    room: Option<i32>,
    /// The year on screen, the newest year, and every year this reviewer took part in.
    year: i32,
    newest: i32,
    years: Vec<i32>,
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    year: Option<i32>,
}

impl HomePage {
    fn rows_of(&self, phase: &str) -> Vec<&Row> {
        self.rows.iter().filter(|r| r.assignment.phase == phase).collect()
    }
    fn status(&self, row: &Row) -> (&'static str, String) {
        match &row.score {
            Some(s) if s.status == store::SUBMITTED => {
                ("ok", self.ctx.tf1("review.submitted_v", "v", &s.version.to_string()))
            }
            Some(_) => ("warn", self.ctx.t("review.draft").into_owned()),
            None => ("", self.ctx.t("review.not_started").into_owned()),
        }
    }
    fn window(&self, p: &Phase) -> String {
        format!(
            "{} – {}",
            crate::web::format::date_long(&self.ctx, p.opens.0),
            crate::web::format::date_long(&self.ctx, p.closes.0)
        )
    }
    fn phase_name(&self, p: &Phase) -> String {
        self.ctx.named(&p.name, &p.name_en).to_string()
    }
    fn group_name(&self, c: &Community) -> String {
        crate::web::community::group_name(&self.ctx, &self.plan, c)
    }
}

/// `/review`: this year's assignments by phase; `?year=` an earlier year's, read-only once its
/// phases have closed. Every year the reviewer took part in is listed, so a past year stays
/// found after the next year's plan is made.
async fn home(State(state): State<AppState>, ctx: Ctx, Query(q): Query<YearQuery>) -> AppResult<HomePage> {
    let me = ctx.user.clone().ok_or(AppError::Forbidden)?;
    let newest = latest_plan(&state).await?;
    let newest_year = newest.academic_year;
    let mut years = store::years_of_reviewer(&state.db, me.id).await?;
    if !years.contains(&newest_year) {
        years.insert(0, newest_year);
    }
    let plan = match q.year.filter(|y| *y != newest_year) {
        Some(y) if years.contains(&y) => {
            let stored = plans::get(&state.db, y).await?.ok_or(AppError::NotFound)?;
            state.plan_of(&stored).map_err(|e| AppError::Internal(e.to_string()))?
        }
        Some(_) => return Err(AppError::NotFound),
        None => newest,
    };
    let year = plan.academic_year;
    let states = store::phase_states(&state.db, year).await?;
    let phases = review::phase_views(&plan, &states, state.now());
    let assignments = store::assignments_of_reviewer(&state.db, year, me.id).await?;
    let ids: Vec<i32> = assignments.iter().map(|a| a.id).collect();
    let scores = store::scores_of(&state.db, &ids).await?;
    let all = communities::list(&state.db, year).await?;
    let conflicts = review::conflict_pairs(&state.db, &all).await?;
    let rows = assignments
        .into_iter()
        // A conflicted community is not shown, even if assigned by mistake.
        .filter(|a| !conflicts.contains(&(a.community_id, me.id)))
        .filter_map(|a| {
            let community = all.iter().find(|c| c.id == a.community_id)?.clone();
            let score = scores.iter().find(|s| s.assignment_id == a.id).cloned();
            Some(Row { assignment: a, community, score })
        })
        .collect();
    let room = store::rooms(&state.db, year).await?.into_iter().find(|(u, _)| *u == me.id).map(|(_, r)| r);
    Ok(HomePage { ctx, plan, phases, rows, room, year, newest: newest_year, years })
}

// ---------------------------------------------------------------- the presentation room

/// One community's slot in the room, with this reviewer's presentation score for it.
pub struct RoomSlot {
    pub assignment: Assignment,
    pub community: Community,
    pub start: String,
    pub end: String,
    pub submitted: bool,
    pub version: i32,
    pub value: String,
    pub comment: String,
    pub errors: FieldErrors,
    /// The server's version of this score (see `data-saved-at` in app.js).
    pub saved_at: String,
}

/// The tablet page a reviewer keeps open through the presentation day: the room's schedule, a
/// timer per presentation and the presentation score, entered as each community finishes.
#[derive(Template, WebTemplate)]
#[template(path = "review/room.html")]
struct RoomPage {
    ctx: Ctx,
    room: i32,
    phase: Phase,
    open: bool,
    slots: Vec<RoomSlot>,
    present_seconds: i64,
    present_minutes: i64,
    criterion_id: String,
    criterion_name: String,
    points: String,
}

async fn room(State(state): State<AppState>, ctx: Ctx, Path(room): Path<i32>) -> AppResult<RoomPage> {
    render_room(&state, ctx, room, None).await
}

/// What a reviewer sent from the room page that could not be accepted: shown again in its slot.
struct Rejected {
    assignment: i32,
    value: String,
    comment: String,
    errors: FieldErrors,
}

async fn render_room(state: &AppState, ctx: Ctx, room: i32, rejected: Option<Rejected>) -> AppResult<RoomPage> {
    let me = ctx.user.clone().ok_or(AppError::Forbidden)?;
    let plan = latest_plan(state).await?;
    let year = plan.academic_year;
    // Only the room's own reviewers see it.
    if !store::rooms(&state.db, year).await?.contains(&(me.id, room)) {
        return Err(AppError::Forbidden);
    }
    let (phase_id, phase) = plan
        .review
        .phases
        .iter()
        .find(|(_, p)| p.kind == linxuan_core::plan::PhaseKind::Presentation)
        .map(|(k, p)| (k.clone(), p.clone()))
        .ok_or(AppError::NotFound)?;
    let timing = plan.tracks.get(&phase.track).and_then(|t| t.presentation.as_ref()).ok_or(AppError::NotFound)?;
    let (criterion_id, criterion) = review::phase_criteria(&plan, &phase)
        .into_iter()
        .find(|(_, c)| c.source == CriterionSource::Presentation)
        .map(|(id, c)| (id.to_string(), c.clone()))
        .ok_or(AppError::NotFound)?;
    let states = store::phase_states(&state.db, year).await?;
    let open = review::is_open(&phase, &phase_id, &states, state.now());
    let assignments = store::assignments_of_reviewer(&state.db, year, me.id).await?;
    let mine: Vec<&Assignment> = assignments.iter().filter(|a| a.phase == phase_id).collect();
    let ids: Vec<i32> = mine.iter().map(|a| a.id).collect();
    let scores = store::scores_of(&state.db, &ids).await?;
    let all = communities::list(&state.db, year).await?;
    let conflicts = review::conflict_pairs(&state.db, &all).await?;
    let mut slots = Vec::new();
    for slot in store::slots(&state.db, year).await?.into_iter().filter(|s| s.room == room) {
        if conflicts.contains(&(slot.community_id, me.id)) {
            continue;
        }
        let (Some(assignment), Some(community)) =
            (mine.iter().find(|a| a.community_id == slot.community_id), all.iter().find(|c| c.id == slot.community_id))
        else {
            continue;
        };
        let score = scores.iter().find(|s| s.assignment_id == assignment.id);
        let submitted = score.is_some_and(|s| s.status == store::SUBMITTED);
        let mut value = score.and_then(|s| decode(&s.values).get(&criterion_id).cloned()).unwrap_or_default();
        let mut comment = score.map(|s| s.comment.clone()).unwrap_or_default();
        let mut errors = FieldErrors::default();
        if let Some(r) = rejected.as_ref().filter(|r| r.assignment == assignment.id) {
            value = r.value.clone();
            comment = r.comment.clone();
            errors = r.errors.clone();
        }
        slots.push(RoomSlot {
            assignment: (*assignment).clone(),
            community: community.clone(),
            start: slot.start,
            end: slot.end,
            submitted,
            version: score.map_or(0, |s| s.version),
            value,
            comment,
            errors,
            saved_at: score.map_or_else(|| "0".into(), |s| s.updated_at.timestamp_millis().to_string()),
        });
    }
    let present_minutes = timing.slot_minutes - timing.changeover_minutes;
    Ok(RoomPage {
        room,
        open,
        slots,
        present_seconds: present_minutes * 60,
        present_minutes,
        criterion_name: ctx.pick(&criterion.name, &criterion.name_en).to_string(),
        points: criterion.points.to_string(),
        criterion_id,
        phase,
        ctx,
    })
}

// ---------------------------------------------------------------- one assignment

/// An assignment opened by its reviewer, with what the page needs.
struct Opened {
    assignment: Assignment,
    community: Community,
    plan: Plan,
    phase: Phase,
    open: bool,
}

async fn open(state: &AppState, ctx: &Ctx, id: i32) -> AppResult<Opened> {
    let me = ctx.user.as_ref().ok_or(AppError::Forbidden)?;
    let assignment = store::assignment(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if assignment.reviewer_id != me.id {
        return Err(AppError::Forbidden);
    }
    let community = communities::get(&state.db, assignment.community_id).await?.ok_or(AppError::NotFound)?;
    // Checked on every page: a conflict declared after the assignment still closes the door.
    if review::conflict_reason(&state.db, &community, me.id).await?.is_some() {
        return Err(AppError::Forbidden);
    }
    let stored = plans::get(&state.db, assignment.plan_year).await?.ok_or(AppError::NotFound)?;
    let plan = state.plan_of(&stored).map_err(|e| AppError::Internal(e.to_string()))?;
    let phase = plan.review.phases.get(&assignment.phase).cloned().ok_or(AppError::NotFound)?;
    let states = store::phase_states(&state.db, assignment.plan_year).await?;
    let submitted = store::score_of(&state.db, assignment.id).await?.is_some_and(|s| s.status == store::SUBMITTED);
    let open = review::can_score(&phase, &assignment, &states, state.now(), submitted);
    Ok(Opened { assignment, community, plan, phase, open })
}

/// One criterion row of the scoring page.
pub struct CriterionRow {
    pub id: String,
    pub criterion: Criterion,
    /// `computed`, `suggested`, `rubric` or `direct`.
    pub entered: &'static str,
    /// The system's value (timeliness) or suggestion (completeness).
    pub system: Option<Decimal>,
    /// What the form shows now.
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "review/score.html")]
struct ScorePage {
    ctx: Ctx,
    opened: Opened,
    progress: Progress,
    criteria: Vec<CriterionRow>,
    indicators: Vec<Indicator>,
    indicator_values: BTreeMap<String, String>,
    answers: Answers,
    documents: Vec<DocumentRow>,
    links: Vec<Link>,
    score: Option<Score>,
    versions: Vec<ScoreVersion>,
    completeness_reason: String,
    comment: String,
    errors: FieldErrors,
    /// Where the score stands with what the form shows.
    running: review::RunningTotal,
}

/// The running total in words: `豐富性 37.81 / 50（8 / 8 項）・總分 72.31 / 100`.
fn running_text(ctx: &Ctx, plan: &Plan, running: &review::RunningTotal) -> (Vec<(String, String)>, String) {
    let parts = running
        .parts
        .iter()
        .map(|(id, v, max)| {
            let name = crate::web::names::criterion(ctx, plan, id);
            let value = v.map_or_else(|| "—".to_string(), |v| format!("{:.2}", v));
            (name, format!("{value} / {max}"))
        })
        .collect();
    let total = if running.complete {
        ctx.tf(
            "review.total_complete",
            &[("total", &format!("{:.2}", running.total)), ("max", &running.max.to_string())],
        )
    } else {
        ctx.tf(
            "review.total_so_far",
            &[
                ("total", &format!("{:.2}", running.total)),
                ("max", &running.max.to_string()),
                ("filled", &running.indicators.0.to_string()),
                ("count", &running.indicators.1.to_string()),
            ],
        )
    };
    (parts, total)
}

impl ScorePage {
    fn checkpoint_name(&self, id: &str) -> String {
        crate::web::names::checkpoint(&self.ctx, &self.opened.plan, id)
    }
    fn running_parts(&self) -> Vec<(String, String)> {
        running_text(&self.ctx, &self.opened.plan, &self.running).0
    }
    fn running_total(&self) -> String {
        running_text(&self.ctx, &self.opened.plan, &self.running).1
    }
    fn category_name(&self, category: &str) -> String {
        self.ctx.t(&category_key(category)).into_owned()
    }
    fn size(&self, v: &FileVersion) -> String {
        human_size(v.size)
    }
    fn submitted(&self) -> bool {
        self.score.as_ref().is_some_and(|s| s.status == store::SUBMITTED)
    }
    /// A version's scores by criterion name, and what changed from the version before it.
    fn version_values(&self, v: &ScoreVersion) -> String {
        let values = decode(&v.values);
        let before = self.versions.iter().find(|o| o.version == v.version - 1).map(|o| decode(&o.values));
        let mut parts = Vec::new();
        for row in &self.criteria {
            let Some(value) = values.get(&row.id) else { continue };
            let name = self.ctx.pick(&row.criterion.name, &row.criterion.name_en).to_string();
            match before.as_ref().and_then(|b| b.get(&row.id)).filter(|old| *old != value) {
                Some(old) => parts.push(format!("{name} {old} → {value}")),
                None => parts.push(format!("{name} {value}")),
            }
        }
        parts.join(self.ctx.pick("、", ", "))
    }
    fn self_level(&self, indicator: &str) -> String {
        match self.answers.get(indicator).map(|a| a.level.as_str()) {
            Some("good") => self.ctx.t("selfeval.good").into_owned(),
            Some("fair") => self.ctx.t("selfeval.fair").into_owned(),
            Some("poor") => self.ctx.t("selfeval.poor").into_owned(),
            _ => "—".into(),
        }
    }
    fn self_account(&self, indicator: &str) -> String {
        self.answers.get(indicator).map(|a| a.account.clone()).unwrap_or_default()
    }
    fn indicator_value(&self, indicator: &str) -> String {
        self.indicator_values.get(indicator).cloned().unwrap_or_default()
    }
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        crate::web::format::local_time(*at)
    }
    fn points(&self, d: &Decimal) -> String {
        d.round_dp(2).normalize().to_string()
    }
    fn max_indicator(&self) -> i64 {
        self.opened.plan.rubric.max_per_indicator
    }
    fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.ctx.pick(zh, en)
    }
    fn base(&self) -> String {
        format!("/review/a/{}", self.opened.assignment.id)
    }
    /// When the server last saved this score: the browser's kept copy is only brought back if
    /// it was made on top of this same version (see app.js, data-keep).
    fn saved_at(&self) -> String {
        self.score.as_ref().map_or_else(|| "0".into(), |s| s.updated_at.timestamp_millis().to_string())
    }
}

/// What the reviewer typed, to show again: criterion values, indicator values, the reason for
/// a different completeness score, the comment.
type Typed = (BTreeMap<String, String>, BTreeMap<String, String>, String, String);

/// The community's timeliness points and completeness suggestion, rounded as scores are.
fn system_values(progress: &Progress) -> (Decimal, Decimal) {
    let round = |d: Decimal| d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    (round(progress.timeliness_points), round(progress.completeness_points))
}

async fn render(
    state: &AppState,
    ctx: Ctx,
    opened: Opened,
    form: Option<Typed>,
    errors: FieldErrors,
) -> AppResult<ScorePage> {
    let community = &opened.community;
    let facts = crate::facts::of(&state.db, community).await?;
    let progress = progress::progress(&opened.plan, &facts, state.now());
    let (timeliness, completeness) = system_values(&progress);
    let score = store::score_of(&state.db, opened.assignment.id).await?;
    let versions = match &score {
        Some(s) => store::versions_of(&state.db, s.id).await?,
        None => Vec::new(),
    };
    let (values, indicator_values, reason, comment) = match form {
        Some(f) => f,
        None => match &score {
            Some(s) => (decode(&s.values), decode(&s.indicators), s.completeness_reason.clone(), s.comment.clone()),
            None => Default::default(),
        },
    };
    let criteria = review::phase_criteria(&opened.plan, &opened.phase)
        .into_iter()
        .map(|(id, c)| {
            let entered = review::entered(c);
            let system = match c.source {
                CriterionSource::Computed => Some(timeliness),
                CriterionSource::Suggested => Some(completeness),
                _ => None,
            };
            let value = values.get(id).cloned().unwrap_or_else(|| match (entered, system) {
                ("suggested", Some(s)) => s.normalize().to_string(),
                _ => String::new(),
            });
            CriterionRow { id: id.to_string(), criterion: c.clone(), entered, system, value }
        })
        .collect();
    let answers = self_evaluations::get(&state.db, community.id)
        .await?
        .filter(|s| s.submitted_at.is_some())
        .map(|s| parse_answers(&s.answers))
        .unwrap_or_default();
    let docs = documents::list(&state.db, community.id, false).await?;
    let doc_ids: Vec<i32> = docs.iter().map(|d| d.id).collect();
    let all_versions = documents::versions(&state.db, &doc_ids).await?;
    let documents = docs
        .into_iter()
        .filter(|d| d.category != SIGNIN)
        .map(|document| {
            let versions = all_versions.iter().filter(|v| v.document_id == document.id).cloned().collect();
            DocumentRow { document, versions }
        })
        .collect();
    let running =
        review::running_total(&opened.plan, &opened.phase, (timeliness, completeness), &values, &indicator_values);
    Ok(ScorePage {
        running,
        indicators: opened.plan.rubric.indicators.clone(),
        links: documents::links(&state.db, community.id).await?,
        ctx,
        progress,
        criteria,
        indicator_values,
        answers,
        documents,
        score,
        versions,
        completeness_reason: reason,
        comment,
        errors,
        opened,
    })
}

async fn page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<ScorePage> {
    let opened = open(&state, &ctx, id).await?;
    render(&state, ctx, opened, None, FieldErrors::default()).await
}

/// The form's fields: `c.<criterion>`, `i.<indicator>`, `completeness_reason`, `comment`,
/// `change_reason`, `action`.
fn read(
    pairs: &[(String, String)],
) -> (BTreeMap<String, String>, BTreeMap<String, String>, String, String, String, String) {
    let mut values = BTreeMap::new();
    let mut indicators = BTreeMap::new();
    let (mut reason, mut comment, mut change, mut action) = Default::default();
    for (k, v) in pairs {
        if let Some(c) = k.strip_prefix("c.") {
            values.insert(c.to_string(), v.trim().to_string());
        } else if let Some(i) = k.strip_prefix("i.") {
            indicators.insert(i.to_string(), v.trim().to_string());
        } else {
            match k.as_str() {
                "completeness_reason" => reason = v.trim().to_string(),
                "comment" => comment = v.trim().to_string(),
                "change_reason" => change = v.trim().to_string(),
                "action" => action = v.clone(),
                _ => {}
            }
        }
    }
    (values, indicators, reason, comment, change, action)
}

/// Checks a complete score; returns the stored values (criterion → score text).
fn check_submission(
    ctx: &Ctx,
    plan: &Plan,
    phase: &Phase,
    progress: &Progress,
    values: &BTreeMap<String, String>,
    indicators: &BTreeMap<String, String>,
    reason: &str,
) -> Result<BTreeMap<String, String>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut out = BTreeMap::new();
    let (timeliness, completeness) = system_values(progress);
    for (id, c) in review::phase_criteria(plan, phase) {
        let field = format!("c.{id}");
        match c.source {
            CriterionSource::Computed => {
                out.insert(id.to_string(), timeliness.normalize().to_string());
            }
            CriterionSource::Rubric => {
                let mut scores = Vec::new();
                for ind in &plan.rubric.indicators {
                    match parse_score(indicators.get(&ind.id).map_or("", String::as_str), plan.rubric.max_per_indicator)
                    {
                        Ok(v) => scores.push(v),
                        Err((zh, en)) => errors.add(format!("i.{}", ind.id), ctx.pick(&zh, &en)),
                    }
                }
                if scores.len() == plan.rubric.indicators.len() {
                    match linxuan_core::review::rubric::richness(
                        &scores,
                        plan.rubric.indicators.len(),
                        plan.rubric.max_per_indicator,
                        c.points,
                    ) {
                        Ok(v) => {
                            out.insert(id.to_string(), v.normalize().to_string());
                        }
                        Err(e) => errors.add(field, e.to_string()),
                    }
                }
            }
            _ => match parse_score(values.get(id).map_or("", String::as_str), c.points) {
                Ok(v) => {
                    if c.source == CriterionSource::Suggested && v != completeness && reason.is_empty() {
                        errors.add("completeness_reason", ctx.t("review.reason_needed"));
                    }
                    out.insert(id.to_string(), v.to_string());
                }
                Err((zh, en)) => errors.add(field, ctx.pick(&zh, &en)),
            },
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

#[derive(Deserialize, Default)]
pub struct Back {
    /// `room` when the score came from the presentation room's page.
    #[serde(default)]
    back: String,
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Query(back): Query<Back>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let opened = open(&state, &ctx, id).await?;
    // From the room page, the reviewer goes back to the room, at the community's slot.
    let room_page = match (back.back.as_str(), opened.assignment.room) {
        ("room", Some(room)) => Some(format!("/review/room/{room}#slot-{id}")),
        _ => None,
    };
    let actor = ctx.actor()?;
    let (values, indicators, reason, comment, change, action) = read(&pairs);
    if !opened.open {
        return Err(AppError::Closed {
            zh: format!("「{}」審查期間未開放，不能儲存或送出。", opened.phase.name),
            en: format!("\"{}\" is not open: nothing can be saved or submitted.", opened.phase.name_en),
        });
    }
    let existing = store::score_of(&state.db, id).await?;
    let submitted = existing.as_ref().is_some_and(|s| s.status == store::SUBMITTED);
    let too_long = comment.chars().count() > 5000 || reason.chars().count() > 2000;
    let now = state.now();
    let raw = Entry {
        values: encode(&values),
        indicators: encode(&indicators),
        completeness_reason: reason.clone(),
        comment: comment.clone(),
    };
    if action != "submit" {
        if submitted {
            return Err(AppError::bad_request(
                "已送出的分數要修改時，請填寫原因後按「送出修改」",
                "to change a submitted score, give a reason and submit the change",
            ));
        }
        if too_long {
            return Err(AppError::bad_request("評語太長", "the comment is too long"));
        }
        match store::save_draft(&state.db, id, &raw, now).await {
            Ok(_) => {}
            Err(linxuan_store::StoreError::Conflict(_)) => {
                return Err(AppError::bad_request(
                    "這份評分剛剛已送出，草稿未儲存",
                    "this score has just been submitted; the draft was not saved",
                ));
            }
            Err(e) => return Err(e.into()),
        }
        ctx.flash("ok", ctx.t("review.draft_saved")).await;
        return Ok(Redirect::to(&format!("/review/a/{id}")).into_response());
    }
    let facts = crate::facts::of(&state.db, &opened.community).await?;
    let progress = progress::progress(&opened.plan, &facts, now);
    let mut errors = match check_submission(&ctx, &opened.plan, &opened.phase, &progress, &values, &indicators, &reason)
    {
        Ok(final_values) => {
            let mut errors = FieldErrors::default();
            let entry = Entry { values: encode(&final_values), ..raw.clone() };
            if let Some(done) = &existing
                && review::repeats_submitted(done, &entry)
            {
                ctx.flash("ok", ctx.t("review.submitted")).await;
                return Ok(Redirect::to(room_page.as_deref().unwrap_or("/review")).into_response());
            }
            if submitted && change.is_empty() {
                errors.add("change_reason", ctx.t("review.change_reason_needed"));
            }
            if too_long {
                errors.add("comment", ctx.t("form.too_long"));
            }
            if errors.is_empty() {
                let before =
                    existing.as_ref().map(|s| serde_json::json!({ "values": decode(&s.values), "version": s.version }));
                let txn = state.db.begin().await?;
                let saved = store::submit(&txn, id, &entry, &change, &actor.label, false, now).await?;
                let mut record = Change::new(if submitted { "score.change" } else { "score.submit" }, "assignment", id)
                    .year(opened.assignment.plan_year)
                    .after(&serde_json::json!({ "values": final_values, "version": saved.version, "reason": change }));
                if let Some(before) = before {
                    record = record.before(&before);
                }
                audit::record(&txn, now, &actor, record).await?;
                txn.commit().await?;
                ctx.flash("ok", ctx.t(if submitted { "review.changed" } else { "review.submitted" })).await;
                return Ok(Redirect::to(room_page.as_deref().unwrap_or("/review")).into_response());
            }
            errors
        }
        Err(errors) => errors,
    };
    if submitted && change.is_empty() && !errors.has("change_reason") {
        errors.add("change_reason", ctx.t("review.change_reason_needed"));
    }
    if let (Some(_), Some(room)) = (room_page, opened.assignment.room) {
        // Shown again in its slot on the room page, with what was typed.
        let value = values.values().next().cloned().unwrap_or_default();
        let rejected = Rejected { assignment: id, value, comment, errors };
        let page = render_room(&state, ctx, room, Some(rejected)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let page = render(&state, ctx, opened, Some((values, indicators, reason, comment)), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The running total of what the form holds, for the page's script while the reviewer types:
/// nothing is saved.
async fn total(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let opened = open(&state, &ctx, id).await?;
    let (values, indicators, ..) = read(&pairs);
    let facts = crate::facts::of(&state.db, &opened.community).await?;
    let progress = progress::progress(&opened.plan, &facts, state.now());
    let running = review::running_total(&opened.plan, &opened.phase, system_values(&progress), &values, &indicators);
    let (parts, total) = running_text(&ctx, &opened.plan, &running);
    Ok((
        [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")],
        serde_json::json!({ "parts": parts.into_iter().map(|(_, v)| v).collect::<Vec<_>>(), "total": total })
            .to_string(),
    )
        .into_response())
}

/// The page's script saves a draft every few seconds while the reviewer types.
async fn autosave(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let opened = open(&state, &ctx, id).await?;
    let json = |status: StatusCode, ok: bool, message: String| {
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({ "ok": ok, "message": message }).to_string(),
        )
            .into_response()
    };
    if !opened.open {
        return Ok(json(StatusCode::FORBIDDEN, false, ctx.t("review.closed").into_owned()));
    }
    if store::score_of(&state.db, id).await?.is_some_and(|s| s.status == store::SUBMITTED) {
        // A submitted score changes only by an explicit, reasoned submission.
        return Ok(json(StatusCode::CONFLICT, false, ctx.t("review.submitted_keep_local").into_owned()));
    }
    let (values, indicators, reason, comment, _, _) = read(&pairs);
    if comment.chars().count() > 5000 || reason.chars().count() > 2000 {
        return Ok(json(StatusCode::UNPROCESSABLE_ENTITY, false, ctx.t("form.too_long").into_owned()));
    }
    let entry =
        Entry { values: encode(&values), indicators: encode(&indicators), completeness_reason: reason, comment };
    let now = state.now();
    let saved = match store::save_draft(&state.db, id, &entry, now).await {
        Ok(saved) => saved,
        Err(linxuan_store::StoreError::Conflict(_)) => {
            return Ok(json(StatusCode::CONFLICT, false, ctx.t("review.submitted_keep_local").into_owned()));
        }
        Err(e) => return Err(e.into()),
    };
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({
            "ok": true,
            "message": ctx.tf1("review.autosaved", "at", &crate::web::format::local_time(now)),
            "saved_at": saved.updated_at.timestamp_millis().to_string(),
        })
        .to_string(),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct ConflictForm {
    reason: String,
}

/// The reviewer declares a conflict: the community leaves their list at once; the office
/// reassigns it.
async fn declare_conflict(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(form): Form<ConflictForm>,
) -> AppResult<Response> {
    let opened = open(&state, &ctx, id).await?;
    let me = ctx.user.clone().ok_or(AppError::Forbidden)?;
    let reason: String = form.reason.trim().chars().take(500).collect();
    if reason.is_empty() {
        return Err(AppError::bad_request("請簡述利益衝突的原因", "say briefly what the conflict is"));
    }
    let now = state.now();
    let txn = state.db.begin().await?;
    let conflict = store::add_conflict(&txn, opened.community.id, me.id, &reason, &me.email, now).await?;
    audit::record(
        &txn,
        now,
        &ctx.actor()?,
        Change::new("conflict.declare", "conflict", conflict.id).year(opened.assignment.plan_year).after(
            &serde_json::json!({
                "community": opened.community.code, "reviewer": me.email, "reason": reason,
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("review.conflict_declared")).await;
    Ok(Redirect::to("/review").into_response())
}

async fn file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, version)): Path<(i32, i32)>,
    _headers: HeaderMap,
) -> AppResult<Response> {
    let opened = open(&state, &ctx, id).await?;
    let found = documents::version(&state.db, version).await?.ok_or(AppError::NotFound)?;
    let doc = documents::get(&state.db, found.document_id).await?.ok_or(AppError::NotFound)?;
    // Deleted documents are hidden from review.
    if doc.community_id != opened.community.id || doc.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    send_version(&state, &found).await
}
