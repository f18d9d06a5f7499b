//! The front door: where `/` leads each role, the language switch, health, and 404.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use linxuan_core::Lang;
use linxuan_core::plan::Plan;
use linxuan_store::plans;
use serde::Deserialize;

use crate::app::AppState;
use crate::web::auth::Role;
use crate::web::ctx::{Ctx, LANG_COOKIE, local_path};
use crate::web::error::{AppError, AppResult};
use crate::web::office::plan::Timeline;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    plan: Option<Plan>,
    timeline: Vec<Timeline>,
}

/// `/`: the office goes to its dashboard, everyone else to a page of the year's dates; people
/// not signed in to the sign-in page.
pub async fn root(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    match ctx.user.as_ref().map(|u| u.role) {
        None => Ok(Redirect::to("/login").into_response()),
        Some(Role::Admin) => Ok(Redirect::to("/office").into_response()),
        Some(Role::Convener) => Ok(Redirect::to("/community").into_response()),
        Some(_) => {
            let plan = match plans::latest(&state.db).await? {
                Some(stored) => Plan::from_toml(&stored.toml).ok(),
                None => None,
            };
            let timeline = plan.as_ref().map(|p| Timeline::of(p, ctx.lang, state.now())).unwrap_or_default();
            Ok(HomePage { ctx, plan, timeline }.into_response())
        }
    }
}

pub async fn health(State(state): State<AppState>) -> AppResult<&'static str> {
    linxuan_store::plans::years(&state.db).await?;
    Ok("ok")
}

#[derive(Deserialize)]
pub struct SwitchQuery {
    to: String,
    back: Option<String>,
}

/// Sets the language cookie and goes back where the person was.
pub async fn switch_language(Query(q): Query<SwitchQuery>) -> Response {
    let lang = Lang::parse(&q.to).unwrap_or_default();
    let back = local_path(q.back.as_deref()).unwrap_or_else(|| "/".into());
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}
