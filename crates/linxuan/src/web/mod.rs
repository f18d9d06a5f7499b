//! The web layer: features (account, office, …) each with thin handlers and their templates
//! beside them; one error type; the layers every request passes (sessions, sign-in, CSRF,
//! security headers, body limits).
//!
//! Deny by default: a route is public only when listed in `public`; everything else is mounted
//! behind `auth::require_roles` with the roles that may use it.

pub mod account;
pub mod assets;
pub mod auth;
pub mod charts;
pub mod checkin;
pub mod client;
pub mod community;
pub mod csrf;
pub mod ctx;
pub mod download;
pub mod error;
pub mod event;
pub mod format;
pub mod forms;
pub mod home;
pub mod input;
pub mod lecturers;
pub mod limit;
pub mod names;
pub mod office;
pub mod review;
pub mod showcase;
pub mod timeout;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum_login::AuthManagerLayerBuilder;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::app::AppState;
use auth::{Backend, require_admin, require_community, require_reviewer, require_signed_in};

/// Content Security Policy: our own scripts and styles only, no inline script, never framed.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Largest request body by default; file uploads set their own limits.
const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Pages, CSV and JSON go out gzipped to a browser that asks (the board is 288 KB of HTML, 30
/// over the wire), at the fastest level: on two cores the CPU is worth more than the last few
/// bytes. Files people uploaded (PDF, images, Office documents) are compressed already and go
/// as they are.
fn compression() -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{Predicate, SizeAbove};
    let textual = |_: axum::http::StatusCode,
                   _: axum::http::Version,
                   headers: &axum::http::HeaderMap,
                   _: &axum::http::Extensions| {
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| {
            t.starts_with("text/") || t.starts_with("application/json") || t.starts_with("application/javascript")
        })
    };
    tower_http::compression::CompressionLayer::new()
        .gzip(true)
        .quality(tower_http::CompressionLevel::Fastest)
        .compress_when(SizeAbove::new(1024).and(textual))
}

pub fn router(state: AppState) -> Router {
    let secure = state.config.secure_cookies();
    // Behind https, browsers are told to use nothing else for a year.
    let hsts = state.config.public_url().starts_with("https://").then(|| HeaderValue::from_static("max-age=31536000"));
    let sessions = SessionManagerLayer::new(state.sessions.clone())
        .with_name(if secure { "__Host-linxuan" } else { "linxuan" })
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(ctx::SESSION_IDLE_HOURS)));
    let auth = AuthManagerLayerBuilder::new(Backend::new(state.db.clone()), sessions).build();

    let public = Router::new()
        .route("/", get(home::root))
        .route("/healthz", get(home::health))
        .route("/lang", get(home::switch_language))
        .merge(account::public_routes())
        .merge(showcase::routes())
        .merge(lecturers::routes())
        .merge(event::routes());
    let signed_in = account::signed_in_routes().route_layer(from_fn(require_signed_in));
    let office = office::routes().route_layer(from_fn(require_admin));
    // The role first, then (for a route naming a community or an assignment) that it is theirs.
    let community = community::routes()
        .route_layer(from_fn_with_state(state.clone(), auth::guard_community))
        .route_layer(from_fn(require_community));
    let desk = checkin::routes().route_layer(from_fn(auth::require_desk));
    let reviewing = review::routes()
        .route_layer(from_fn_with_state(state.clone(), auth::guard_assignment))
        .route_layer(from_fn(require_reviewer));

    Router::new()
        .merge(public)
        .merge(signed_in)
        .merge(community)
        .merge(reviewing)
        .merge(desk)
        .nest("/office", office)
        .fallback(home::not_found)
        .layer(from_fn_with_state(state.clone(), csrf::protect))
        .layer(from_fn(input::clean_input))
        .layer(from_fn(error::in_language))
        .layer(auth)
        .nest("/assets", assets::routes())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            move |_: &axum::response::Response| hsts.clone(),
        ))
        .layer(compression())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
