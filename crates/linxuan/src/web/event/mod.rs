//! The presentation day (成果發表會) as the public sees it: date, venue, notes and the programme
//! with its sharing slots filled from the latest publication. Kept and sent like the showcase's
//! pages (no session for a visitor, an `ETag`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use linxuan_core::event::AgendaLine;
use linxuan_core::plan::Plan;
use linxuan_store::plans;

use crate::app::AppState;
use crate::web::ctx::{Ctx, Public};
use crate::web::error::{AppError, AppResult};

pub fn routes() -> Router<AppState> {
    Router::new().route("/event", get(newest)).route("/event/{year}", get(event_page))
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
}

async fn event_page(
    State(state): State<AppState>,
    Public(ctx): Public,
    Path(year): Path<i32>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let address = format!("/event/{year}");
    crate::web::showcase::send(&state, &ctx, &headers, &address, || async {
        let stored = plans::get(&state.db, year).await?.ok_or(AppError::NotFound)?;
        let plan = state.plan_of(&stored).map_err(|e| AppError::Internal(e.to_string()))?;
        let (agenda, _) = crate::event::programme(&state, &plan, year).await?;
        Ok(EventPage { ctx: ctx.clone(), plan, year, agenda }.render()?)
    })
    .await
}
