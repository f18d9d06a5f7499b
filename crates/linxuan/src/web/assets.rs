//! Our own CSS and JavaScript, compiled into the binary (the server may have no internet, and
//! no CDN is ever used). Small and vendored: no framework.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::app::AppState;

const CSS: &str = include_str!("assets/app.css");
const JS: &str = include_str!("assets/app.js");
/// The desk's scanner (check-in page only).
const CHECKIN_JS: &str = include_str!("assets/checkin.js");
/// jsQR 1.4.0 (Apache-2.0, `assets/vendor/jsQR.LICENSE`): reads QR codes from camera frames
/// where the browser has no `BarcodeDetector` (desktop Linux, Firefox, older phones).
const JSQR: &str = include_str!("assets/vendor/jsQR.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app.css", get(css))
        .route("/app.js", get(js))
        .route("/checkin.js", get(|| script(CHECKIN_JS)))
        .route("/jsQR.js", get(|| script(JSQR)))
}

async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], CSS)
}

async fn js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], JS)
}

async fn script(body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], body)
}
