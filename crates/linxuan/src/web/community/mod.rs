//! The community portal (社群): everything a convener does from September to the final
//! deadline — registration, members, meeting records, uploads, self-evaluation, consent — and
//! what the office sees when it acts for a community. Conveners are often on a phone on the
//! last evening: every page is short, forgiving, and keeps what was typed.
//!
//! Access: a convener of the community, or the office acting for it (the audit log says so).
//! After the last deadline a community's record is closed unless the plan accepts late work;
//! the office can still correct it, marked late.

pub mod evaluation;
pub mod files;
pub mod meetings;
pub mod members;
pub mod outcomes;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use linxuan_core::plan::Plan;
use linxuan_core::progress::{self, CheckpointStatus, Progress};
use linxuan_core::{roc, time};
use linxuan_store::audit::{self, Actor, Change};
use linxuan_store::communities::{self, Community, CommunityData};
use linxuan_store::schools::{self, School};
use linxuan_store::{TransactionTrait, plans};
use serde::Deserialize;

use crate::app::AppState;
use crate::web::auth::Role;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::forms::FieldErrors;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/community", get(home))
        .route("/community/register", post(register))
        .route("/community/{id}", get(overview))
        .route("/community/{id}/consent", post(consent))
        .route("/community/{id}/results", get(results))
        .merge(members::routes())
        .merge(meetings::routes())
        .merge(files::routes())
        .merge(evaluation::routes())
        .merge(outcomes::routes())
}

/// A community opened by someone allowed to, with its year's plan.
pub struct Portal {
    pub community: Community,
    pub plan: Plan,
    pub school: Option<School>,
    /// The office, working on the community's behalf.
    pub acting_for: bool,
    pub actor: Actor,
    pub now: DateTime<Utc>,
}

impl Portal {
    /// Whether the last deadline has closed the record (for the community; the office may
    /// still correct it).
    pub fn closed(&self) -> bool {
        progress::closed(&self.plan, self.now)
    }

    /// Refuses a change once the record is closed, unless the office is acting.
    pub fn writable(&self) -> AppResult<()> {
        if self.closed() && !self.acting_for {
            let deadline = progress::final_deadline(&self.plan).map(roc::format_long).unwrap_or_default();
            return Err(AppError::Closed {
                zh: format!("最後期限 {deadline} 23:59:59 已過，資料已截止，不能再修改；如有疑問請聯絡承辦單位。"),
                en: format!(
                    "The last deadline ({deadline} 23:59:59 Taipei) has passed; the record is closed. Contact the programme office if needed."
                ),
            });
        }
        if self.community.status == communities::REJECTED && !self.acting_for {
            return Err(AppError::Forbidden);
        }
        Ok(())
    }

    /// An audit entry about this community.
    pub fn change<'a>(&self, action: &'a str, entity: &'a str, entity_id: impl ToString) -> Change<'a> {
        Change::new(action, entity, entity_id).year(self.community.plan_year)
    }

    pub fn base(&self) -> String {
        format!("/community/{}", self.community.id)
    }
}

/// Opens community `id` for the signed-in person, or refuses (403: not theirs; 404: none).
pub async fn portal(state: &AppState, ctx: &Ctx, id: i32) -> AppResult<Portal> {
    let me = ctx.user.as_ref().ok_or(AppError::Forbidden)?;
    let community = communities::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let acting_for = match me.role {
        Role::Admin => true,
        Role::Convener if communities::is_convener(&state.db, id, me.id).await? => false,
        _ => return Err(AppError::Forbidden),
    };
    let stored = plans::get(&state.db, community.plan_year).await?.ok_or(AppError::NotFound)?;
    let plan = state.plan_of(&stored).map_err(|e| AppError::Internal(e.to_string()))?;
    let school = schools::get(&state.db, community.school_id).await?;
    let label = if acting_for { format!("{}（代社群 {}）", me.email, community.code) } else { me.email.clone() };
    Ok(Portal { community, plan, school, acting_for, actor: Actor { id: Some(me.id), label }, now: state.now() })
}

/// Names for the community's track and group from its plan, in Traditional Chinese (for
/// exports and mail).
pub fn group_name_zh(plan: &Plan, community: &Community) -> String {
    let track = plan.tracks.get(&community.track).map_or(community.track.as_str(), |t| t.name.as_str());
    let group = plan.groups.get(&community.group_id).map_or(community.group_id.as_str(), |g| g.name.as_str());
    format!("{track}・{group}")
}

/// Names for the community's track and group from its plan, in the page's language.
pub fn group_name(ctx: &Ctx, plan: &Plan, community: &Community) -> String {
    crate::web::names::track_and_group(ctx, plan, &community.track, &community.group_id)
}

/// The status of a checkpoint as a short text and a badge class.
pub fn checkpoint_badge(ctx: &Ctx, status: &CheckpointStatus) -> (&'static str, String) {
    match status {
        CheckpointStatus::OnTime { at } => {
            ("ok", ctx.tf1("progress.on_time_at", "at", &crate::web::format::local_time(*at)))
        }
        CheckpointStatus::Late { at, by } => {
            let how = crate::web::format::lateness(ctx, *by);
            ("warn", format!("{}（{how}）", ctx.tf1("progress.late_at", "at", &crate::web::format::local_time(*at))))
        }
        CheckpointStatus::Pending => ("", ctx.t("progress.pending").into_owned()),
        CheckpointStatus::Missing => ("bad", ctx.t("progress.missing").into_owned()),
    }
}

// ---------------------------------------------------------------- a convener's home

#[derive(Template, WebTemplate)]
#[template(path = "community/home.html")]
struct HomePage {
    ctx: Ctx,
    year: i32,
    /// This year's communities of the convener.
    mine: Vec<Community>,
    /// Earlier years': each community with its published award, if any.
    past: Vec<PastYear>,
    schools: Vec<School>,
    plan: Plan,
    form: RegisterForm,
    errors: FieldErrors,
}

/// A community of an earlier year, as its convener finds it again.
pub struct PastYear {
    pub community: Community,
    /// The award as published (level name), or why none, when the year's results are out.
    pub result: Option<String>,
}

impl HomePage {
    fn past_years(&self) -> Vec<i32> {
        let mut years: Vec<i32> = self.past.iter().map(|p| p.community.plan_year).collect();
        years.dedup();
        years
    }
    fn past_of(&self, year: &i32) -> Vec<&PastYear> {
        self.past.iter().filter(|p| p.community.plan_year == *year).collect()
    }
    fn groups(&self) -> Vec<(String, String)> {
        self.plan
            .groups
            .iter()
            .map(|(id, g)| (id.clone(), crate::web::names::track_and_group(&self.ctx, &self.plan, &g.track, id)))
            .collect()
    }
    fn status_key(&self, c: &Community) -> &'static str {
        status_key(&c.status)
    }
}

pub fn status_key(status: &str) -> &'static str {
    match status {
        communities::PENDING => "community.status.pending",
        communities::REJECTED => "community.status.rejected",
        _ => "community.status.approved",
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct RegisterForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    group: String,
}

async fn latest_plan(state: &AppState) -> AppResult<Plan> {
    let stored = plans::latest(&state.db).await?.ok_or(AppError::NotFound)?;
    state.plan_of(&stored).map_err(|e| AppError::Internal(e.to_string()))
}

/// `/community`: the convener's communities this year, or registration when there is none.
async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let me = ctx.user.clone().ok_or(AppError::Forbidden)?;
    if me.role == Role::Admin {
        return Ok(Redirect::to("/office/communities").into_response());
    }
    if me.role != Role::Convener {
        return Err(AppError::Forbidden);
    }
    let plan = latest_plan(&state).await?;
    let (mine, past) = every_year(&state, &ctx, plan.academic_year, me.id).await?;
    // One community, this year's, and no other year: straight to it.
    if let ([only], true) = (mine.as_slice(), past.is_empty()) {
        return Ok(Redirect::to(&format!("/community/{}", only.id)).into_response());
    }
    Ok(HomePage {
        ctx,
        year: plan.academic_year,
        mine,
        past,
        schools: schools::list(&state.db, &Default::default()).await?,
        plan,
        form: RegisterForm::default(),
        errors: FieldErrors::default(),
    }
    .into_response())
}

/// A convener's communities: this year's, and every earlier year's with its published result.
async fn every_year(state: &AppState, ctx: &Ctx, year: i32, user: i32) -> AppResult<(Vec<Community>, Vec<PastYear>)> {
    let all = communities::convened_by_any_year(&state.db, user).await?;
    let (mine, earlier): (Vec<Community>, Vec<Community>) = all.into_iter().partition(|c| c.plan_year >= year);
    let mut past = Vec::new();
    let mut publications: std::collections::HashMap<i32, Option<crate::web::office::review::results::Published>> =
        Default::default();
    for community in earlier {
        if let std::collections::hash_map::Entry::Vacant(slot) = publications.entry(community.plan_year) {
            let published = linxuan_store::review::latest_publication(&state.db, community.plan_year)
                .await?
                .and_then(|p| serde_json::from_str(&p.result).ok());
            slot.insert(published);
        }
        let result = publications.get(&community.plan_year).and_then(Option::as_ref).map(|all| {
            match all.community(&community.code) {
                Some((_, c)) if c.revoked => ctx.t("community.past_revoked").into_owned(),
                Some((_, c)) => {
                    c.award.as_ref().map_or_else(|| ctx.t("community.past_no_award").into_owned(), |(_, n)| n.clone())
                }
                None => ctx.t("community.past_not_ranked").into_owned(),
            }
        });
        past.push(PastYear { community, result });
    }
    Ok((mine, past))
}

/// A convener registers a community; the office approves it.
async fn register(State(state): State<AppState>, ctx: Ctx, Form(form): Form<RegisterForm>) -> AppResult<Response> {
    let me = ctx.user.clone().ok_or(AppError::Forbidden)?;
    if me.role != Role::Convener {
        return Err(AppError::Forbidden);
    }
    let plan = latest_plan(&state).await?;
    let year = plan.academic_year;
    let mut errors = FieldErrors::default();
    let name = form.name.trim().to_string();
    if name.is_empty() {
        errors.add("name", ctx.t("form.required"));
    } else if name.chars().count() > 100 {
        errors.add("name", ctx.t("form.too_long"));
    }
    let school = match schools::by_code(&state.db, form.school.trim()).await? {
        Some(s) => Some(s),
        None => {
            errors.add("school", ctx.t("community.pick_school"));
            None
        }
    };
    if let Some(school) = &school
        && let Err((zh, en)) = linxuan_core::plan::check_group(&plan, form.group.trim(), &school.name, &school.level)
    {
        errors.add("group", ctx.pick(&zh, &en));
    }
    if !errors.is_empty() || school.is_none() {
        let (mine, past) = every_year(&state, &ctx, year, me.id).await?;
        let page = HomePage {
            ctx,
            year,
            mine,
            past,
            schools: schools::list(&state.db, &Default::default()).await?,
            plan,
            form,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let school = school.expect("checked above");
    let group = plan.groups.get(form.group.trim()).expect("checked above");
    let now = state.now();
    let txn = state.db.begin().await?;
    let code = communities::next_code(&txn, year, "R").await?;
    let data = CommunityData {
        code,
        school_id: school.id,
        track: group.track.clone(),
        group_id: form.group.trim().into(),
        name,
    };
    let created = communities::create(&txn, year, &data, communities::PENDING, now).await?;
    let user = linxuan_store::users::get(&txn, me.id).await?.ok_or(AppError::Forbidden)?;
    let convener = communities::MemberData {
        name: user.name.clone(),
        school_id: Some(school.id),
        title: String::new(),
        email: user.email.clone(),
        role: communities::CONVENER.into(),
    };
    communities::add_member(&txn, created.id, &convener, None, Some(me.id), now).await?;
    let actor = Actor::user(me.id, &me.email);
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("community.register", "community", created.id).year(year).after(&data),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("community.registered")).await;
    Ok(Redirect::to(&format!("/community/{}", created.id)).into_response())
}

// ---------------------------------------------------------------- overview

#[derive(Template, WebTemplate)]
#[template(path = "community/overview.html")]
struct OverviewPage {
    ctx: Ctx,
    portal: Portal,
    progress: Progress,
    next_deadline: String,
    licence: &'static str,
}

impl OverviewPage {
    fn group_name(&self) -> String {
        group_name(&self.ctx, &self.portal.plan, &self.portal.community)
    }
    fn badge(&self, status: &CheckpointStatus) -> (&'static str, String) {
        checkpoint_badge(&self.ctx, status)
    }
    fn deadline(&self, d: &chrono::NaiveDate) -> String {
        crate::web::format::date_long(&self.ctx, *d)
    }
    fn checkpoint(&self, id: &str) -> String {
        crate::web::names::checkpoint(&self.ctx, &self.portal.plan, id)
    }
    fn points(&self, d: &rust_decimal::Decimal) -> String {
        d.round_dp(2).normalize().to_string()
    }
    fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.ctx.pick(zh, en)
    }
}

/// The licence a community agrees to when it consents to publication (seed §5(1)(4)3).
pub const LICENCE_ZH: &str = "本社群同意將成果無償提供桃園市政府教育局，載於學校精進教學社群平台，並同意讀者基於個人非營利性質之教學參考利用，以利各社群間觀摩學習。社群所提供之教學資訊若違反著作權法經有關機關處罰確定者，取消其獲獎資格，並自負相關責任。";

async fn overview(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<OverviewPage> {
    let portal = portal(&state, &ctx, id).await?;
    let facts = crate::facts::of(&state.db, &portal.community).await?;
    let progress = progress::progress(&portal.plan, &facts, portal.now);
    let today = time::local_date(portal.now);
    let next_deadline = portal
        .plan
        .checkpoints
        .values()
        .map(|c| c.deadline.0)
        .filter(|d| *d >= today)
        .min()
        .map(|d| {
            let days = (d - today).num_days();
            let when = if days == 0 {
                ctx.t("timeline.today_deadline").into_owned()
            } else {
                ctx.tf1("timeline.in_days", "n", &days.to_string())
            };
            format!("{} 23:59:59{}{when}{}", crate::web::format::date_long(&ctx, d), ctx.lp(), ctx.rp())
        })
        .unwrap_or_default();
    Ok(OverviewPage { ctx, portal, progress, next_deadline, licence: LICENCE_ZH })
}

#[derive(Deserialize)]
pub struct ConsentForm {
    consent: String,
}

/// The community's explicit choice about publication (SPEC §7).
async fn consent(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(form): Form<ConsentForm>,
) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    // Consent is not part of the scored record: it may be given or withdrawn at any time, also
    // after the last deadline (withdrawing takes the showcase's materials down at once).
    if portal.community.status == communities::REJECTED && !portal.acting_for {
        return Err(AppError::Forbidden);
    }
    let consent = match form.consent.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::bad_request("請選擇同意或不同意", "choose agree or disagree")),
    };
    let before = serde_json::json!({ "consent": portal.community.consent });
    let now = state.now();
    let txn = state.db.begin().await?;
    let id = portal.community.id;
    communities::set_consent(&txn, portal.community.clone(), consent, &portal.actor.label, now).await?;
    audit::record(
        &txn,
        now,
        &portal.actor,
        portal
            .change("community.consent", "community", id)
            .before(&before)
            .after(&serde_json::json!({ "consent": consent })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t(if consent { "consent.agreed" } else { "consent.declined" })).await;
    Ok(Redirect::to(&format!("/community/{id}#consent")).into_response())
}

// ---------------------------------------------------------------- published results

#[derive(Template, WebTemplate)]
#[template(path = "community/results.html")]
struct ResultsPage {
    ctx: Ctx,
    portal: Portal,
    /// (group id, the community's published result, when published).
    published: Option<(String, crate::published::PublishedCommunity, String)>,
    /// Revoked since the publication.
    revoked: bool,
    /// The community's standing certificate number, once the office made them.
    certificate: Option<String>,
}

impl ResultsPage {
    fn group(&self, id: &str) -> String {
        crate::web::names::group(&self.ctx, &self.portal.plan, id)
    }
    fn award(&self, id: &str) -> String {
        crate::web::names::level(&self.ctx, &self.portal.plan, id)
    }
    /// A criterion by the name the publication keeps (Traditional Chinese), in the page's
    /// language.
    fn criterion(&self, name: &str) -> String {
        self.portal
            .plan
            .tracks
            .values()
            .flat_map(|t| t.criteria.values())
            .find(|c| c.name == name)
            .map_or_else(|| name.to_string(), |c| self.ctx.named(&c.name, &c.name_en).to_string())
    }
}

/// The community's own published result: rank, scores, award and the reviewers' comments
/// (reviewers stay anonymous). Nothing before the office publishes.
async fn results(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<ResultsPage> {
    let portal = portal(&state, &ctx, id).await?;
    let latest = linxuan_store::review::latest_publication(&state.db, portal.community.plan_year).await?;
    let published = latest.and_then(|p| {
        let all = crate::published::read(&p).ok()?;
        let (g, c) = all.community(&portal.community.code)?;
        Some((g.group.clone(), c.clone(), crate::web::format::local_time(p.published_at)))
    });
    let year = portal.community.plan_year;
    let revoked = published.is_some()
        && linxuan_store::review::revocations(&state.db, year)
            .await?
            .iter()
            .any(|r| r.community_id == portal.community.id);
    let key = linxuan_core::outcomes::Recipient::Community(portal.community.code.clone()).key();
    let certificate = if published.is_some() {
        linxuan_store::outcomes::certificates(&state.db, year)
            .await?
            .into_iter()
            .find(|c| c.voided_at.is_none() && c.recipient == key)
            .map(|c| c.number)
    } else {
        None
    };
    Ok(ResultsPage { ctx, portal, published, revoked, certificate })
}
