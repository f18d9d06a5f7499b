//! The presentation day (成果發表會) as the public sees it: date, venue, notes and the programme
//! with its sharing slots filled from the latest publication. Kept and sent like the showcase's
//! pages (no session for a visitor, an `ETag`).

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linxuan_store::audit::Actor;
use linxuan_store::event::{self as store, Registration};
use linxuan_store::schools;

use self::form::{Filled, RegistrationForm};
use crate::web::client::ClientAddr;
use crate::web::forms::FieldErrors;
use linxuan_core::event::AgendaLine;
use linxuan_core::plan::Plan;
use linxuan_store::plans;

use crate::app::AppState;
use crate::web::ctx::{Ctx, Public};
use crate::web::error::{AppError, AppResult};

pub mod form;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/event", get(newest))
        .route("/event/{year}", get(event_page))
        .route("/event/{year}/register", get(register_page).post(register))
        .route("/event/ticket/{ticket}", get(ticket_page))
        .route("/event/ticket/{ticket}/cancel", post(cancel))
}

/// The newest year's presentation day.
async fn newest(State(state): State<AppState>) -> AppResult<Response> {
    let year = plans::years(&state.db).await?.into_iter().next().ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/event/{year}")).into_response())
}

#[derive(Template)]
#[template(path = "event/event.html")]
pub struct EventPage {
    pub ctx: Ctx,
    pub plan: Plan,
    pub year: i32,
    pub agenda: Vec<AgendaLine>,
}

impl EventPage {
    pub fn date(&self) -> String {
        crate::web::format::date_long(&self.ctx, self.plan.presentation_day.date.date)
    }
    pub fn title(&self) -> String {
        self.ctx.tf1("event.title", "year", &self.year.to_string())
    }
    pub fn group(&self, id: &str) -> String {
        crate::web::names::group(&self.ctx, &self.plan, id)
    }
    pub fn period(&self) -> Option<String> {
        period(&self.ctx, &self.plan)
    }
}

/// The registration period as the page's language writes dates: `112年6月19日 至 112年7月4日`.
fn period(ctx: &Ctx, plan: &Plan) -> Option<String> {
    let day = &plan.presentation_day;
    let (opens, closes) = (day.registration_opens?, day.registration_closes?);
    Some(ctx.tf(
        "event.reg_period",
        &[("opens", &crate::web::format::date(ctx, opens.0)), ("closes", &crate::web::format::date(ctx, closes.0))],
    ))
}

async fn event_page(
    State(state): State<AppState>,
    Public(ctx): Public,
    Path(year): Path<i32>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let address = format!("/event/{year}");
    crate::web::showcase::send(&state, &ctx, &headers, &address, || async {
        let plan = plan_of_year(&state, year).await?;
        let (agenda, _) = crate::event::programme(&state, &plan, year).await?;
        Ok(EventPage { ctx: ctx.clone(), plan, year, agenda }.render()?)
    })
    .await
}

// ------------------------------------------------------------------ registration

async fn plan_of_year(state: &AppState, year: i32) -> AppResult<Plan> {
    let stored = plans::get(&state.db, year).await?.ok_or(AppError::NotFound)?;
    state.plan_of(&stored).map_err(|e| AppError::Internal(e.to_string()))
}

#[derive(Template)]
#[template(path = "event/register.html")]
struct RegisterPage {
    ctx: Ctx,
    plan: Plan,
    year: i32,
    schools: Vec<schools::School>,
    form: RegistrationForm,
    errors: FieldErrors,
    /// Why the form is closed, when it is.
    closed: Option<String>,
    /// The public's form (the shared fields ask for more).
    public: bool,
}

impl RegisterPage {
    fn date(&self) -> String {
        crate::web::format::date_long(&self.ctx, self.plan.presentation_day.date.date)
    }
    fn title(&self) -> String {
        self.ctx.tf1("registration.title", "year", &self.year.to_string())
    }
    fn period(&self) -> Option<String> {
        period(&self.ctx, &self.plan)
    }
    fn per_school(&self) -> String {
        self.ctx.tf1("registration.per_school", "n", &self.plan.presentation_day.registrations_per_school.to_string())
    }
}

async fn register_page(State(state): State<AppState>, ctx: Ctx, Path(year): Path<i32>) -> AppResult<Response> {
    let plan = plan_of_year(&state, year).await?;
    let closed = crate::event::registration_open(&plan, state.now()).err().map(|e| e.message(ctx.lang));
    let schools = schools::list(&state.db, &Default::default()).await?;
    let page = RegisterPage {
        ctx,
        plan,
        year,
        schools,
        form: RegistrationForm { meal: "meat".into(), ..Default::default() },
        errors: FieldErrors::default(),
        closed,
        public: true,
    };
    Ok(axum::response::Html(page.render()?).into_response())
}

async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddr(address): ClientAddr,
    Path(year): Path<i32>,
    Form(form): Form<RegistrationForm>,
) -> AppResult<Response> {
    let plan = plan_of_year(&state, year).await?;
    let now = state.now();
    crate::event::registration_open(&plan, now).map_err(|e| e.error())?;
    if let Err(wait) = state.login_limiter.check_registration(&address, now) {
        return Err(AppError::TooManyRequests { retry_after_secs: wait });
    }
    let schools = schools::list(&state.db, &Default::default()).await?;
    let data = match form::check(&state, &ctx, &form, &schools, Filled::Public) {
        Ok(d) => d,
        Err(errors) => {
            let page = RegisterPage { ctx, plan, year, schools, form, errors, closed: None, public: true };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html(page.render()?)).into_response());
        }
    };
    state.login_limiter.record_registration(&address, now);
    let actor = Actor { id: None, label: "public".into() };
    let row = crate::event::register(&state, &plan, year, data, crate::event::Entry::Public, &actor).await?;
    crate::event::mail_ticket(&state, &plan, &row, ctx.lang);
    let key = if row.status == store::REGISTERED { "registration.done" } else { "registration.waiting_done" };
    ctx.flash("ok", ctx.tf1(key, "email", &row.email)).await;
    Ok(Redirect::to(&format!("/event/ticket/{}", row.ticket)).into_response())
}

#[derive(Template)]
#[template(path = "event/ticket.html")]
struct TicketPage {
    ctx: Ctx,
    plan: Plan,
    r: Registration,
    qr: String,
}

impl TicketPage {
    fn date(&self) -> String {
        crate::web::format::date_long(&self.ctx, self.plan.presentation_day.date.date)
    }
    fn status(&self) -> String {
        status_text(&self.ctx, &self.r)
    }
    fn moment(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        crate::web::format::local_time(*at)
    }
    fn meal(&self) -> String {
        self.ctx.t(&format!("registration.meal.{}", self.r.meal)).into_owned()
    }
}

/// A registration's standing in words: has a place; waits (for the school or the venue); cancelled.
pub fn status_text(ctx: &Ctx, r: &Registration) -> String {
    ctx.t(&status_key(r)).into_owned()
}

/// The catalogue key of a registration's standing (the pages' words and the export's).
pub fn status_key(r: &Registration) -> String {
    match (r.status.as_str(), r.wait_reason.as_deref()) {
        ("waiting", Some("school")) => "registration.status.waiting_school".into(),
        ("waiting", _) => "registration.status.waiting_venue".into(),
        (status, _) => format!("registration.status.{status}"),
    }
}

async fn ticket_of(state: &AppState, ticket: &str) -> AppResult<(Registration, Plan)> {
    // Nothing but our own codes is looked up.
    if ticket.len() != 35 || !ticket.starts_with("LX-") {
        return Err(AppError::NotFound);
    }
    let r = store::by_ticket(&state.db, ticket).await?.ok_or(AppError::NotFound)?;
    let plan = plan_of_year(state, r.plan_year).await?;
    Ok((r, plan))
}

async fn ticket_page(State(state): State<AppState>, ctx: Ctx, Path(ticket): Path<String>) -> AppResult<Response> {
    let (r, plan) = ticket_of(&state, &ticket).await?;
    let qr = if r.status == store::REGISTERED { crate::event::ticket_svg(&r.ticket) } else { String::new() };
    Ok(axum::response::Html(TicketPage { ctx, plan, r, qr }.render()?).into_response())
}

async fn cancel(State(state): State<AppState>, ctx: Ctx, Path(ticket): Path<String>) -> AppResult<Response> {
    let (r, plan) = ticket_of(&state, &ticket).await?;
    let actor = Actor { id: None, label: "ticket".into() };
    let (_, promoted) = crate::event::cancel(&state, &plan, r.id, &actor).await?;
    for p in &promoted {
        crate::event::mail_ticket(&state, &plan, p, linxuan_core::Lang::ZhTw);
    }
    ctx.flash("ok", ctx.t("registration.cancelled")).await;
    Ok(Redirect::to(&format!("/event/ticket/{ticket}")).into_response())
}

impl crate::event::Counts {
    /// 報名成功 12 人（素食 2）、候補 3 人、…
    pub fn summary(&self, ctx: &Ctx) -> String {
        ctx.tf(
            "registration.summary",
            &[
                ("registered", &self.registered.to_string()),
                ("waiting", &self.waiting.to_string()),
                ("cancelled", &self.cancelled.to_string()),
                ("in", &self.checked_in.to_string()),
                ("out", &self.checked_out.to_string()),
                ("veg", &self.veg.to_string()),
            ],
        )
    }
}
