//! The public lecturer directory (學習社群到校分享講師): the conveners of awarded communities
//! who opted in, with their topic and introduction, and the form a school uses to ask for a
//! visit. A request reaches the lecturer only after the requester follows the link e-mailed to
//! them; the form is rate-limited and never shows a lecturer's e-mail address.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Duration;
use linxuan_core::people::looks_like_email;
use linxuan_store::outcomes::{self as store, RequestData};
use linxuan_store::{TransactionTrait, communities, plans, schools};
use serde::Deserialize;

use crate::app::AppState;
use crate::mail::{self, Delivery};
use crate::web::client::ClientAddr;
use crate::web::ctx::{Ctx, Public};
use crate::web::error::{AppError, AppResult};
use crate::web::forms::FieldErrors;
use crate::web::office::outcomes::{LecturerRow, lecturer_rows};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/lecturers", get(directory))
        .route("/lecturers/{id}", get(lecturer).post(request))
        .route("/lecturers/confirm/{secret}", get(confirm_page).post(confirm))
}

/// Requests one address may make in a day, whatever the client.
const REQUESTS_PER_EMAIL_PER_DAY: u64 = 5;

/// A listed lecturer, with what their community won.
pub struct Listed {
    pub row: LecturerRow,
    pub year: i32,
    pub group: String,
    pub level: String,
}

/// The lecturers listed now whose community still holds its award in its year's latest
/// publication.
async fn listed(state: &AppState) -> AppResult<Vec<Listed>> {
    let rows = lecturer_rows(state, store::listed_lecturers(&state.db).await?).await?;
    let mut out = Vec::new();
    let mut latest = HashMap::new();
    for row in rows {
        let year = row.community.plan_year;
        if let std::collections::hash_map::Entry::Vacant(slot) = latest.entry(year) {
            slot.insert(crate::published::current(&state.db, year).await?);
        }
        let Some(Some(current)) = latest.get(&year) else { continue };
        let Some((g, c)) = current.published.community(&row.community.code) else { continue };
        let Some((level, _)) = &c.award else { continue };
        if !current.holds_award(c) {
            continue;
        }
        out.push(Listed { year, group: g.group.clone(), level: level.clone(), row });
    }
    Ok(out)
}

async fn plan_names(state: &AppState, ctx: &Ctx, l: &Listed) -> AppResult<String> {
    let stored = plans::get(&state.db, l.year).await?.ok_or(AppError::NotFound)?;
    let plan = state.plan_of(&stored).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(format!(
        "{} {} {}",
        ctx.tf1("showcase.year_title", "year", &l.year.to_string()),
        crate::web::names::group(ctx, &plan, &l.group),
        crate::web::names::level(ctx, &plan, &l.level)
    ))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DirectoryQuery {
    q: String,
    district: String,
}

#[derive(Template)]
#[template(path = "lecturers/directory.html")]
struct DirectoryPage {
    ctx: Ctx,
    query: DirectoryQuery,
    /// (lecturer, award in words)
    list: Vec<(Listed, String)>,
    districts: Vec<String>,
}

async fn directory(
    State(state): State<AppState>,
    Public(ctx): Public,
    Query(query): Query<DirectoryQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let query = DirectoryQuery {
        q: crate::web::showcase::term(&query.q),
        district: crate::web::showcase::term(&query.district),
    };
    let address = format!("/lecturers?q={}&district={}", query.q, query.district);
    crate::web::showcase::send(&state, &ctx, &headers, &address, || async {
        let all = listed(&state).await?;
        let districts: Vec<String> = all
            .iter()
            .map(|l| l.row.district.clone())
            .filter(|d| !d.is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let needle = query.q.trim().to_lowercase();
        let mut list = Vec::new();
        for l in all {
            let r = &l.row;
            let hit = needle.is_empty()
                || [&r.convener, &r.school, &r.district, &r.community.name, &r.lecturer.topic, &r.lecturer.intro]
                    .iter()
                    .any(|t| t.to_lowercase().contains(&needle));
            if hit && (query.district.is_empty() || r.district == query.district) {
                let award = plan_names(&state, &ctx, &l).await?;
                list.push((l, award));
            }
        }
        Ok(DirectoryPage { ctx: ctx.clone(), query: query.clone(), list, districts }.render()?)
    })
    .await
}

#[derive(Deserialize, Default, Clone)]
pub struct RequestForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    dates: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "lecturers/lecturer.html")]
struct LecturerPage {
    ctx: Ctx,
    listed: Listed,
    award: String,
    schools: Vec<schools::School>,
    form: RequestForm,
    errors: FieldErrors,
    mail_configured: bool,
}

async fn find(state: &AppState, id: i32) -> AppResult<Listed> {
    listed(state).await?.into_iter().find(|l| l.row.lecturer.id == id).ok_or(AppError::NotFound)
}

async fn lecturer(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<LecturerPage> {
    let listed = find(&state, id).await?;
    let award = plan_names(&state, &ctx, &listed).await?;
    let schools = schools::list(&state.db, &Default::default()).await?;
    Ok(LecturerPage {
        ctx,
        listed,
        award,
        schools,
        form: RequestForm::default(),
        errors: FieldErrors::default(),
        mail_configured: state.mailer.configured(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "lecturers/sent.html")]
struct SentPage {
    ctx: Ctx,
    email: String,
    /// The confirmation mail could not be sent.
    failed: bool,
}

/// A school's request: checked, kept unconfirmed, and the confirmation link e-mailed to the
/// requester. Nothing reaches the lecturer yet.
async fn request(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddr(address): ClientAddr,
    Path(id): Path<i32>,
    Form(form): Form<RequestForm>,
) -> AppResult<Response> {
    let listed = find(&state, id).await?;
    if !state.mailer.configured() {
        return Err(AppError::Unavailable {
            zh: crate::i18n::t(linxuan_core::Lang::ZhTw, "visit.no_mail").into_owned(),
            en: crate::i18n::t(linxuan_core::Lang::En, "visit.no_mail").into_owned(),
        });
    }
    let now = state.now();
    if let Err(wait) = state.login_limiter.check_visit(&address, now) {
        return Err(AppError::TooManyRequests { retry_after_secs: wait });
    }
    let text = |s: &str, max: usize| -> String { linxuan_core::text::clean_line(s).chars().take(max + 1).collect() };
    let name = text(&form.name, 50);
    let email = form.email.trim().to_lowercase();
    let dates = text(&form.dates, 200);
    let topic = text(&form.topic, 200);
    let note = linxuan_core::text::clean(form.note.trim()).into_owned();
    let all_schools = schools::list(&state.db, &Default::default()).await?;
    let school = form.school.trim().parse::<i32>().ok().and_then(|id| all_schools.iter().find(|s| s.id == id));
    let mut errors = FieldErrors::default();
    if name.is_empty() || name.chars().count() > 50 {
        errors.add("name", ctx.t("visit.name_missing"));
    }
    if school.is_none() {
        errors.add("school", ctx.t("visit.school_missing"));
    }
    if !looks_like_email(&email) {
        errors.add("email", ctx.t("visit.email_bad"));
    }
    if dates.is_empty() || dates.chars().count() > 200 {
        errors.add("dates", ctx.t("visit.dates_missing"));
    }
    if topic.is_empty() || topic.chars().count() > 200 {
        errors.add("topic", ctx.t("visit.topic_missing"));
    }
    if note.chars().count() > 1000 {
        errors.add("note", ctx.tf1("lecturers.too_long", "n", "1000"));
    }
    if errors.is_empty()
        && store::requests_from_since(&state.db, &email, now - Duration::days(1)).await? >= REQUESTS_PER_EMAIL_PER_DAY
    {
        errors.add("email", ctx.t("visit.too_many"));
    }
    if !errors.is_empty() {
        let award = plan_names(&state, &ctx, &listed).await?;
        let page = LecturerPage { ctx, listed, award, schools: all_schools, form, errors, mail_configured: true };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    state.login_limiter.record_visit(&address, now);
    let school = school.expect("checked above");
    let data = RequestData {
        lecturer_id: listed.row.lecturer.id,
        name: name.clone(),
        school_id: school.id,
        email: email.clone(),
        dates: dates.clone(),
        topic: topic.clone(),
        note,
    };
    let txn = state.db.begin().await?;
    let (_, secret) = store::add_request(&txn, &data, now).await?;
    txn.commit().await?;
    let link = state.link(&format!("/lecturers/confirm/{secret}"));
    // Only what the server itself knows goes into this mail: the form must not be a way to send
    // any text to any address.
    let subject = format!("請確認到校分享邀請：{} 老師", listed.row.convener);
    let body = format!(
        "您好：\n\n有人以這個電子郵件地址，在「學習社群到校分享講師」頁面邀請 {} 老師（{}）到 {} 分享。\n\n若是您提出的，請開啟下列連結確認，確認後邀請才會送到老師手上：\n{link}\n\n若您沒有提出這項邀請，請忽略本信，邀請不會送出。\n",
        listed.row.convener, listed.row.school, school.name
    );
    let failed = mail::send(&state, "visit-confirm", &email, &subject, &body, "public").await != Delivery::Sent;
    Ok(SentPage { ctx, email, failed }.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "lecturers/confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    req: store::VisitRequest,
    lecturer: String,
    school: String,
    done: bool,
}

impl ConfirmPage {
    fn status(&self) -> String {
        self.ctx.t(&format!("visit.status.{}", self.req.status)).into_owned()
    }
}

async fn confirm_parts(state: &AppState, secret: &str) -> AppResult<(store::VisitRequest, String, String)> {
    let request = store::request_by_secret(&state.db, secret).await?.ok_or(AppError::NotFound)?;
    let lecturer = store::lecturer(&state.db, request.lecturer_id).await?.ok_or(AppError::NotFound)?;
    let convener = communities::conveners_of(&state.db, &[lecturer.community_id]).await?.into_iter().next();
    let school = schools::get(&state.db, request.school_id).await?.map(|s| s.name).unwrap_or_default();
    Ok((request, convener.map(|m| m.name).unwrap_or_default(), school))
}

/// The page the e-mailed link opens: what will be sent, and one button (a link alone never
/// confirms: mail scanners open links).
async fn confirm_page(State(state): State<AppState>, ctx: Ctx, Path(secret): Path<String>) -> AppResult<ConfirmPage> {
    let (request, lecturer, school) = confirm_parts(&state, &secret).await?;
    let done = request.status != store::UNCONFIRMED;
    Ok(ConfirmPage { ctx, req: request, lecturer, school, done })
}

async fn confirm(State(state): State<AppState>, ctx: Ctx, Path(secret): Path<String>) -> AppResult<ConfirmPage> {
    let (request, lecturer_name, school) = confirm_parts(&state, &secret).await?;
    // A lecturer who has since left the directory (unlisted, award revoked) takes no new request.
    if request.status == store::UNCONFIRMED && find(&state, request.lecturer_id).await.is_err() {
        return Err(AppError::refused("visit.no_longer_listed", &[]));
    }
    let now = state.now();
    let txn = state.db.begin().await?;
    let confirmed = store::confirm_request(&txn, request.id, now).await?;
    txn.commit().await?;
    if confirmed {
        let lecturer = store::lecturer(&state.db, request.lecturer_id).await?.ok_or(AppError::NotFound)?;
        if let Some(m) = communities::conveners_of(&state.db, &[lecturer.community_id])
            .await?
            .into_iter()
            .next()
            .filter(|m| !m.email.is_empty())
        {
            let link = state.link(&format!("/community/{}/lecturer#requests", lecturer.community_id));
            let body = format!(
                "{lecturer_name} 老師您好：\n\n{}（{school}）邀請您到校分享。\n希望日期：{}\n主題：{}\n\n請登入後接受或婉拒：\n{link}\n",
                request.name, request.dates, request.topic
            );
            mail::send(&state, "visit-request", &m.email, "新的到校分享邀請", &body, "public").await;
        }
    }
    let request = store::request(&state.db, request.id).await?.ok_or(AppError::NotFound)?;
    Ok(ConfirmPage { ctx, req: request, lecturer: lecturer_name, school, done: true })
}
