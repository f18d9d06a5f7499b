//! The presentation day's desk (報到/簽退) on a phone: the desk's staff (or the office) scan
//! tickets with the camera, find people by name or school and check them in by hand, and add
//! walk-ins. A scan is sent as JSON with the phone's own id for it; scans made while the
//! network is down wait on the phone and are sent when it returns — sent twice, counted once.
//! The camera is allowed on this page only (its own `Permissions-Policy`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use linxuan_core::event::{ScanAnswer, ScanKind};
use linxuan_core::plan::Plan;
use linxuan_store::event::{self as store, Registration};
use linxuan_store::schools;
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::event::{ScanRequest, ScanResult};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::event::form::{self, Filled, RegistrationForm};
use crate::web::format::clock;
use crate::web::forms::FieldErrors;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/checkin", get(page))
        .route("/checkin/scan", post(scan))
        .route("/checkin/hand", post(hand))
        .route("/checkin/walk-in", get(walk_in_page).post(walk_in))
}

/// Only this page may use the camera.
fn with_camera(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(self), microphone=(), geolocation=()"),
    );
    response
}

/// The desk works on the newest year's day, whatever year the office has chosen to look at.
async fn desk_plan(state: &AppState) -> AppResult<(i32, Plan)> {
    let stored = linxuan_store::plans::latest(&state.db).await?.ok_or(AppError::NotFound)?;
    let plan = state.plan_of(&stored).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((stored.academic_year, plan))
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
}

/// A person found at the desk.
struct Found {
    r: Registration,
    status: String,
}

#[derive(Template)]
#[template(path = "checkin/checkin.html")]
struct DeskPage {
    ctx: Ctx,
    plan: Plan,
    kind: ScanKind,
    q: String,
    found: Vec<Found>,
    searched: bool,
    counts: crate::event::Counts,
}

impl DeskPage {
    fn out(&self) -> bool {
        self.kind == ScanKind::Out
    }
    fn date(&self) -> String {
        crate::web::format::date_long(&self.ctx, self.plan.presentation_day.date.date)
    }
    fn moment(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        clock(*at)
    }
    fn counts(&self) -> String {
        self.ctx.tf(
            "checkin.counts",
            &[
                ("registered", &self.counts.registered.to_string()),
                ("in", &self.counts.checked_in.to_string()),
                ("out", &self.counts.checked_out.to_string()),
            ],
        )
    }
}

/// Everyone matching a search by name, school, e-mail or the end of a ticket code, at most 30.
fn search(list: &[Registration], q: &str) -> Vec<Registration> {
    let q = q.trim().to_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    list.iter()
        .filter(|r| {
            r.name.to_lowercase().contains(&q)
                || r.school_name.to_lowercase().contains(&q)
                || (!r.email.is_empty() && r.email.contains(&q))
                || (q.len() >= 4 && r.ticket.to_lowercase().ends_with(&q))
        })
        .take(30)
        .cloned()
        .collect()
}

async fn page(State(state): State<AppState>, ctx: Ctx, Query(query): Query<PageQuery>) -> AppResult<Response> {
    let (year, plan) = desk_plan(&state).await?;
    let list = store::list(&state.db, year).await?;
    let kind = ScanKind::parse(&query.kind).unwrap_or(ScanKind::In);
    let found = search(&list, &query.q)
        .into_iter()
        .map(|r| Found { status: crate::web::event::status_text(&ctx, &r), r })
        .collect();
    let page = DeskPage {
        searched: !query.q.trim().is_empty(),
        q: query.q,
        found,
        counts: crate::event::Counts::of(&list),
        ctx,
        plan,
        kind,
    };
    Ok(with_camera(Html(page.render()?).into_response()))
}

/// A scan from the phone's script.
#[derive(Deserialize)]
struct ScanBody {
    /// The phone's id for this scan (a random UUID), so that sending it twice counts once.
    scan_id: String,
    #[serde(default)]
    ticket: Option<String>,
    #[serde(default)]
    registration: Option<i32>,
    kind: String,
    /// When the phone made the scan (RFC 3339); a queued scan keeps it.
    #[serde(default)]
    at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What the desk shows, in large type.
#[derive(Serialize)]
struct Answer {
    /// `checked-in`, `already-in`, `checked-out`, `already-out`, `not-checked-in`, `waiting`,
    /// `cancelled`, `unknown`.
    answer: &'static str,
    /// `ok` (green), `warn` (amber), `bad` (red).
    tone: &'static str,
    /// The sentence: 王小明 · 西門國小 · 08:05 報到.
    text: String,
    name: String,
    school: String,
    at: Option<String>,
    repeated: bool,
}

fn answer_of(ctx: &Ctx, result: Option<&ScanResult>) -> Answer {
    let Some(result) = result else {
        return Answer {
            answer: "unknown",
            tone: "bad",
            text: ctx.t("checkin.unknown").into_owned(),
            name: String::new(),
            school: String::new(),
            at: None,
            repeated: false,
        };
    };
    let r = &result.registration;
    let (tone, at) = match result.answer {
        ScanAnswer::CheckedIn(t) | ScanAnswer::CheckedOut(t) => ("ok", Some(clock(t))),
        ScanAnswer::AlreadyIn(t) | ScanAnswer::AlreadyOut(t) => ("warn", Some(clock(t))),
        ScanAnswer::NotCheckedIn | ScanAnswer::Waiting | ScanAnswer::Cancelled => ("bad", None),
    };
    let key = crate::event::answer_key(result.answer);
    let said = ctx.tf(&format!("checkin.answer.{key}"), &[("time", at.as_deref().unwrap_or(""))]);
    Answer {
        answer: key,
        tone,
        text: format!("{} · {} · {said}", r.name, r.school_name),
        name: r.name.clone(),
        school: r.school_name.clone(),
        at,
        repeated: result.repeated,
    }
}

fn valid_scan_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

async fn scan(State(state): State<AppState>, ctx: Ctx, Json(body): Json<ScanBody>) -> AppResult<Response> {
    let (year, _) = desk_plan(&state).await?;
    let Some(kind) = ScanKind::parse(&body.kind) else {
        return Err(AppError::refused("checkin.bad_kind", &[("kind", &body.kind)]));
    };
    if !valid_scan_id(&body.scan_id) {
        return Err(AppError::refused("checkin.bad_scan_id", &[]));
    }
    let me = ctx.actor()?;
    let request = ScanRequest {
        scan_id: body.scan_id,
        ticket: body.ticket.map(|t| t.trim().to_uppercase()).filter(|t| !t.is_empty()),
        registration_id: body.registration,
        kind,
        at: body.at,
    };
    let result = crate::event::scan(&state, year, &request, &me.label).await?;
    let answer = answer_of(&ctx, result.as_ref());
    // A ticket that is none of ours is not an error of the request: the desk is told in large type.
    Ok((StatusCode::OK, Json(answer)).into_response())
}

#[derive(Deserialize)]
struct HandForm {
    #[serde(default)]
    registration: Option<i32>,
    #[serde(default)]
    ticket: String,
    kind: String,
    #[serde(default)]
    q: String,
    /// The id of this press of the button (the page makes one; a resent form counts once).
    #[serde(default)]
    scan_id: String,
}

/// Checking in or out by hand without the script: a button beside a name found, or a ticket
/// code typed in. The answer comes back as the page's message.
async fn hand(State(state): State<AppState>, ctx: Ctx, Form(form): Form<HandForm>) -> AppResult<Response> {
    let (year, _) = desk_plan(&state).await?;
    let Some(kind) = ScanKind::parse(&form.kind) else {
        return Err(AppError::refused("checkin.bad_kind", &[("kind", &form.kind)]));
    };
    let me = ctx.actor()?;
    let scan_id = if valid_scan_id(&form.scan_id) { form.scan_id.clone() } else { store::new_ticket() };
    let ticket = form.ticket.trim().to_uppercase();
    let request = ScanRequest {
        scan_id,
        ticket: (!ticket.is_empty()).then_some(ticket),
        registration_id: form.registration,
        kind,
        at: None,
    };
    let result = crate::event::scan(&state, year, &request, &me.label).await?;
    let answer = answer_of(&ctx, result.as_ref());
    let level = if answer.tone == "ok" { "ok" } else { "error" };
    ctx.flash(level, answer.text).await;
    let q: String = url::form_urlencoded::byte_serialize(form.q.as_bytes()).collect();
    Ok(Redirect::to(&format!("/checkin?kind={}&q={q}", kind.as_str())).into_response())
}

#[derive(Template)]
#[template(path = "checkin/walk_in.html")]
struct WalkInPage {
    ctx: Ctx,
    /// Always false: the desk's form (the shared fields take another school).
    public: bool,
    schools: Vec<schools::School>,
    form: RegistrationForm,
    errors: FieldErrors,
}

async fn walk_in_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let schools = schools::list(&state.db, &Default::default()).await?;
    let page = WalkInPage {
        ctx,
        public: false,
        schools,
        form: RegistrationForm { meal: "meat".into(), ..Default::default() },
        errors: FieldErrors::default(),
    };
    Ok(Html(page.render()?).into_response())
}

/// A walk-in: registered at the desk and checked in at once.
async fn walk_in(State(state): State<AppState>, ctx: Ctx, Form(form): Form<RegistrationForm>) -> AppResult<Response> {
    let (year, plan) = desk_plan(&state).await?;
    let schools = schools::list(&state.db, &Default::default()).await?;
    let data = match form::check(&state, &ctx, &form, &schools, Filled::Desk) {
        Ok(d) => d,
        Err(errors) => {
            let page = WalkInPage { ctx, public: false, schools, form, errors };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
        }
    };
    let me = ctx.actor()?;
    let row = crate::event::register(&state, &plan, year, data, crate::event::Entry::WalkIn, &me).await?;
    let request = ScanRequest {
        scan_id: store::new_ticket(),
        ticket: None,
        registration_id: Some(row.id),
        kind: ScanKind::In,
        at: None,
    };
    let result = crate::event::scan(&state, year, &request, &me.label).await?;
    let answer = answer_of(&ctx, result.as_ref());
    ctx.flash("ok", answer.text).await;
    Ok(Redirect::to("/checkin").into_response())
}
