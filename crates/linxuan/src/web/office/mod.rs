//! The programme office (承辦單位): dashboard, the year's plan, schools, accounts, audit log.

pub mod audit;
pub mod budget;
pub mod communities;
pub mod event;
pub mod outcomes;
pub mod plan;
pub mod plan_form;
pub mod progress;
pub mod review;
pub mod schools;
pub mod users;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use linxuan_core::plan::Plan;
use linxuan_store::audit::AuditEntry;
use linxuan_store::{audit as audit_store, plans, schools as school_store, users as user_store};
use tower_sessions::Session;

use crate::app::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use plan::Timeline;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .merge(plan::routes())
        .merge(communities::routes())
        .merge(progress::routes())
        .merge(review::routes())
        .merge(outcomes::routes())
        .merge(budget::routes())
        .merge(event::routes())
        .merge(schools::routes())
        .merge(users::routes())
        .merge(audit::routes())
}

const YEAR_KEY: &str = "office.year";

/// The plan the office is working on: the year chosen in this session, else the newest.
pub struct YearPlan {
    pub year: i32,
    pub plan: Plan,
    pub years: Vec<i32>,
}

pub async fn current_plan(state: &AppState, session: &Session) -> AppResult<YearPlan> {
    let years = plans::years(&state.db).await?;
    let chosen: Option<i32> = session.get(YEAR_KEY).await.ok().flatten();
    let year = chosen.filter(|y| years.contains(y)).or_else(|| years.first().copied()).ok_or(AppError::NotFound)?;
    let stored = plans::get(&state.db, year).await?.ok_or(AppError::NotFound)?;
    let plan = state.plan_of(&stored).map_err(|e| AppError::Internal(format!("stored plan {year}: {e}")))?;
    Ok(YearPlan { year, plan, years })
}

pub async fn choose_year(session: &Session, year: i32) {
    let _ = session.insert(YEAR_KEY, year).await;
}

#[derive(Template, WebTemplate)]
#[template(path = "office/dashboard.html")]
struct Dashboard {
    ctx: Ctx,
    plan: Plan,
    year: i32,
    years: Vec<i32>,
    timeline: Vec<Timeline>,
    schools: u64,
    admins: u64,
    conveners: u64,
    reviewers: u64,
    recent: Vec<AuditEntry>,
    mail_configured: bool,
}

impl Dashboard {
    fn action(&self, action: &str) -> String {
        crate::web::names::audit_action(&self.ctx, action)
    }
    fn object(&self, e: &AuditEntry) -> String {
        crate::web::names::audit_object(&self.ctx, &self.plan, &e.entity, &e.entity_id)
    }
    fn when(&self, entry: &AuditEntry) -> String {
        crate::web::format::local_time(entry.at)
    }
}

async fn dashboard(State(state): State<AppState>, ctx: Ctx) -> AppResult<Dashboard> {
    let current = current_plan(&state, &ctx.session).await?;
    let (recent, _) = audit_store::list(&state.db, &Default::default(), 0, 8).await?;
    Ok(Dashboard {
        timeline: Timeline::of(&current.plan, ctx.lang, state.now()),
        plan: current.plan,
        year: current.year,
        years: current.years,
        schools: school_store::count(&state.db).await?,
        admins: user_store::count_role(&state.db, "admin").await?,
        conveners: user_store::count_role(&state.db, "convener").await?,
        reviewers: user_store::count_role(&state.db, "reviewer").await?,
        recent,
        mail_configured: state.mailer.configured(),
        ctx,
    })
}
