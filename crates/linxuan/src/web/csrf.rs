//! CSRF protection for every state-changing request (anything but GET, HEAD and OPTIONS).
//!
//! The token lives in the server-side session. A request carries it as the `_csrf` form field
//! (ordinary forms), the `X-CSRF-Token` header (scripts) or the `_csrf` query parameter (file
//! upload forms, whose multipart body we do not buffer). A browser's `Origin`, when sent, must be
//! this site. The session cookie is also `SameSite=Lax`.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::app::AppState;
use crate::web::ctx::CSRF_KEY;
use crate::web::error::AppError;

/// Largest URL-encoded form we read to find the token.
const FORM_LIMIT: usize = 4 * 1024 * 1024;

fn field(query_or_form: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(query_or_form).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

fn same_origin(request: &Request, state: &AppState) -> bool {
    let Some(origin) = request.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    if origin == state.config.public_url() {
        return true;
    }
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host)
}

pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    if !same_origin(&request, &state) {
        return AppError::Csrf.into_response();
    }
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return AppError::Internal("session layer missing".into()).into_response();
    };
    let expected: Option<String> = session.get(CSRF_KEY).await.ok().flatten();
    let mut given = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| request.uri().query().and_then(|q| field(q.as_bytes(), "_csrf")));
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let request = if given.is_none() && is_form {
        let (parts, body) = request.into_parts();
        let bytes = match to_bytes(body, FORM_LIMIT).await {
            Ok(b) => b,
            Err(_) => return AppError::PayloadTooLarge.into_response(),
        };
        given = field(&bytes, "_csrf");
        Request::from_parts(parts, Body::from(bytes))
    } else {
        request
    };
    match (expected, given) {
        (Some(expected), Some(given)) if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) => {
            next.run(request).await
        }
        _ => AppError::Csrf.into_response(),
    }
}
