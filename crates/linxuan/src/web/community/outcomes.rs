//! What an awarded community gets from its account after publication: its own certificate, its
//! summary for the public showcase, and its convener's entry in the lecturer directory with the
//! schools' requests to accept or decline.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linxuan_core::outcomes::Recipient;
use linxuan_store::audit;
use linxuan_store::outcomes::{self as store, Lecturer, VisitRequest};
use linxuan_store::{TransactionTrait, communities, schools};
use serde::Deserialize;

use super::{Portal, portal};
use crate::app::AppState;
use crate::mail;
use crate::web::ctx::Ctx;
use crate::web::download::{PDF, attachment};
use crate::web::error::{AppError, AppResult};
use crate::web::forms::FieldErrors;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/community/{id}/certificate", get(certificate))
        .route("/community/{id}/summary", post(summary))
        .route("/community/{id}/lecturer", get(lecturer_page).post(set_lecturer))
        .route("/community/{id}/requests/{request}", post(answer))
}

/// The community's award in its year's latest publication (not revoked since): (group id,
/// level id).
pub async fn award_of(state: &AppState, portal: &Portal) -> AppResult<Option<(String, String)>> {
    let year = portal.community.plan_year;
    let Some(current) = crate::published::current(&state.db, year).await? else { return Ok(None) };
    let Some((g, c)) = current.published.community(&portal.community.code) else { return Ok(None) };
    Ok(match &c.award {
        Some((level, _)) if current.holds_award(c) => Some((g.group.clone(), level.clone())),
        _ => None,
    })
}

/// Its own certificate, as numbered by the office.
async fn certificate(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    let year = portal.community.plan_year;
    let key = Recipient::Community(portal.community.code.clone()).key();
    let standing =
        store::certificates(&state.db, year).await?.into_iter().find(|c| c.voided_at.is_none() && c.recipient == key);
    let Some(c) = standing else {
        return Err(AppError::refused("certificate.not_made", &[]));
    };
    let stored = linxuan_store::plans::get(&state.db, year).await?.ok_or(AppError::NotFound)?;
    let plan = state.plan_of(&stored).map_err(|e| AppError::Internal(e.to_string()))?;
    let fonts = state.typesetter().await;
    let prepared = crate::outcomes::prepare(&state, &plan, year, fonts.fonts()).await?;
    // Only while the publication still calls for it as numbered: a revoked or corrected one is
    // not handed out.
    let doc = prepared
        .own(&Recipient::Community(portal.community.code.clone()))
        .ok_or_else(|| AppError::refused("certificate.not_made", &[]))?;
    let bytes = crate::web::office::outcomes::certificates_pdf(&state, doc).await?;
    Ok(attachment(PDF, &format!("certificate-{}-{:04}.pdf", year, c.seq), bytes))
}

#[derive(Deserialize)]
struct SummaryForm {
    #[serde(default)]
    summary: String,
}

/// The summary the showcase shows (with consent): a few paragraphs, the community's own words.
async fn summary(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(form): Form<SummaryForm>,
) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    let text = linxuan_core::text::clean(form.summary.trim()).into_owned();
    if text.chars().count() > 2000 {
        return Err(AppError::refused("showcase.summary_too_long", &[("n", "2000")]));
    }
    let now = state.now();
    let txn = state.db.begin().await?;
    store::set_summary(&txn, portal.community.id, &text, now).await?;
    audit::record(
        &txn,
        now,
        &portal.actor,
        portal
            .change("community.summary", "community", portal.community.id)
            .before(&serde_json::json!({ "summary": portal.community.summary }))
            .after(&serde_json::json!({ "summary": text })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("showcase.summary_saved")).await;
    Ok(Redirect::to(&format!("{}/results#showcase", portal.base())).into_response())
}

// ---------------------------------------------------------------- lecturer

#[derive(Default, Deserialize, Clone)]
pub struct LecturerForm {
    #[serde(default)]
    listed: Option<String>,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    intro: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "community/lecturer.html")]
struct LecturerPage {
    ctx: Ctx,
    portal: Portal,
    awarded: bool,
    lecturer: Option<Lecturer>,
    form: LecturerForm,
    errors: FieldErrors,
    requests: Vec<VisitRequest>,
    schools: std::collections::HashMap<i32, String>,
}

impl LecturerPage {
    fn school(&self, id: &i32) -> &str {
        self.schools.get(id).map_or("", String::as_str)
    }
    fn status(&self, r: &VisitRequest) -> String {
        self.ctx.t(&format!("visit.status.{}", r.status)).into_owned()
    }
    fn when(&self, r: &VisitRequest) -> String {
        crate::web::format::local_time(r.confirmed_at.unwrap_or(r.created_at))
    }
}

async fn lecturer_render(
    state: &AppState,
    ctx: Ctx,
    portal: Portal,
    form: Option<LecturerForm>,
    errors: FieldErrors,
) -> AppResult<LecturerPage> {
    let awarded = award_of(state, &portal).await?.is_some();
    let lecturer = store::lecturer_of(&state.db, portal.community.id).await?;
    let form = form.unwrap_or_else(|| match &lecturer {
        Some(l) => {
            LecturerForm { listed: l.listed.then(|| "1".to_string()), topic: l.topic.clone(), intro: l.intro.clone() }
        }
        None => LecturerForm::default(),
    });
    let requests = match &lecturer {
        Some(l) => store::requests_of(&state.db, &[l.id], false).await?,
        None => Vec::new(),
    };
    let schools = schools::list(&state.db, &Default::default()).await?.into_iter().map(|s| (s.id, s.name)).collect();
    Ok(LecturerPage { ctx, portal, awarded, lecturer, form, errors, requests, schools })
}

async fn lecturer_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<LecturerPage> {
    let portal = portal(&state, &ctx, id).await?;
    lecturer_render(&state, ctx, portal, None, FieldErrors::default()).await
}

/// Opts in (or out) of the directory, with a topic and an introduction: nothing of the
/// convener's is public without this.
async fn set_lecturer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(form): Form<LecturerForm>,
) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    if award_of(&state, &portal).await?.is_none() {
        return Err(AppError::refused("lecturers.not_awarded", &[]));
    }
    let listed = form.listed.is_some();
    let topic = linxuan_core::text::clean_line(&form.topic);
    let intro = linxuan_core::text::clean(form.intro.trim()).into_owned();
    let mut errors = FieldErrors::default();
    if listed && topic.is_empty() {
        errors.add("topic", ctx.t("lecturers.topic_missing"));
    }
    if topic.chars().count() > 100 {
        errors.add("topic", ctx.tf1("lecturers.too_long", "n", "100"));
    }
    if intro.chars().count() > 1000 {
        errors.add("intro", ctx.tf1("lecturers.too_long", "n", "1000"));
    }
    if !errors.is_empty() {
        let page = lecturer_render(&state, ctx, portal, Some(form), errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let now = state.now();
    let txn = state.db.begin().await?;
    let l = store::set_lecturer(
        &txn,
        portal.community.plan_year,
        portal.community.id,
        listed,
        &topic,
        &intro,
        &portal.actor.label,
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        &portal.actor,
        portal.change("lecturer.set", "lecturer", l.id).after(&serde_json::json!({ "listed": listed, "topic": topic })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t(if listed { "lecturers.listed_done" } else { "lecturers.unlisted_done" })).await;
    Ok(Redirect::to(&format!("{}/lecturer", portal.base())).into_response())
}

#[derive(Deserialize)]
struct AnswerForm {
    answer: String,
    #[serde(default)]
    response: String,
}

/// The lecturer accepts or declines a confirmed request; the school and the lecturer are told.
async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, request_id)): Path<(i32, i32)>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    let lecturer = store::lecturer_of(&state.db, portal.community.id).await?.ok_or(AppError::NotFound)?;
    let request = store::request(&state.db, request_id)
        .await?
        .filter(|r| r.lecturer_id == lecturer.id && r.status != store::UNCONFIRMED)
        .ok_or(AppError::NotFound)?;
    let accept = match form.answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::refused("visit.choose", &[])),
    };
    let response = linxuan_core::text::clean(form.response.trim()).into_owned();
    if response.chars().count() > 1000 {
        return Err(AppError::refused("visit.too_long", &[("n", "1000")]));
    }
    let now = state.now();
    let txn = state.db.begin().await?;
    if !store::answer_request(&txn, request.id, accept, &response, now).await? {
        return Err(AppError::refused("visit.already_answered", &[]));
    }
    audit::record(
        &txn,
        now,
        &portal.actor,
        portal.change("visit.answer", "visit_request", request.id).after(&serde_json::json!({ "accepted": accept })),
    )
    .await?;
    txn.commit().await?;

    // Both sides are told, after the answer is kept.
    let convener = communities::conveners_of(&state.db, &[portal.community.id]).await?.into_iter().next();
    let lecturer_name = convener.as_ref().map(|m| m.name.clone()).unwrap_or_default();
    let word = if accept { "接受" } else { "婉拒" };
    let subject = format!("到校分享邀請：{lecturer_name} 老師已{word}");
    let mut body = format!(
        "{} 您好：\n\n您邀請 {lecturer_name} 老師到校分享（希望日期：{}；主題：{}），老師已{word}。\n",
        request.name, request.dates, request.topic
    );
    if !response.is_empty() {
        body.push_str(&format!("\n老師的回覆：\n{response}\n"));
    }
    if accept {
        body.push_str("\n老師會以電子郵件與您聯絡，確認日期與細節。\n");
    }
    let sender = portal.actor.label.clone();
    mail::send(&state, "visit-answer", &request.email, &subject, &body, &sender).await;
    if let Some(m) = convener.filter(|m| !m.email.is_empty()) {
        let note = format!(
            "{lecturer_name} 老師您好：\n\n您已{word} {} {} 的到校分享邀請（希望日期：{}）。對方已收到通知，聯絡信箱：{}\n",
            request.name,
            schools::get(&state.db, request.school_id).await?.map(|s| s.name).unwrap_or_default(),
            request.dates,
            request.email
        );
        mail::send(&state, "visit-answer", &m.email, &format!("您已{word}到校分享邀請"), &note, &sender).await;
    }
    ctx.flash("ok", ctx.t(if accept { "visit.accepted_done" } else { "visit.declined_done" })).await;
    Ok(Redirect::to(&format!("{}/lecturer#requests", portal.base())).into_response())
}
