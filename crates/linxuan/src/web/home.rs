//! The front door: where `/` leads each role, the language switch, health, and 404.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use linxuan_core::Lang;
use serde::Deserialize;

use crate::app::AppState;
use crate::web::auth::Role;
use crate::web::ctx::{Ctx, LANG_COOKIE, local_path};
use crate::web::error::{AppError, AppResult};

/// `/`: each role to its own front page; people not signed in to the sign-in page.
pub async fn root(ctx: Ctx) -> Response {
    let to = match ctx.user.as_ref().map(|u| u.role) {
        None => "/login",
        Some(Role::Admin) => "/office",
        Some(Role::Convener) => "/community",
        Some(Role::Reviewer) => "/review",
        Some(Role::Staff) => "/checkin",
    };
    Redirect::to(to).into_response()
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
