//! One error type for every handler, mapped to a fitting status and a page that says what
//! happened, in the language of the person asking: [`in_language`] notes it for the request
//! (the language cookie, else the signed-in person's choice, else the browser's), so an error
//! raised anywhere below it — a guard, a handler — reads in that language.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use linxuan_core::Lang;

tokio::task_local! {
    /// The language of the request being answered.
    static LANG: Lang;
}

/// Notes the request's language for its error pages.
pub async fn in_language(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == crate::web::ctx::LANG_COOKIE)
        .and_then(|(_, v)| Lang::parse(v));
    let user = request
        .extensions()
        .get::<crate::web::auth::AuthSession>()
        .and_then(|a| a.user.as_ref())
        .and_then(|u| Lang::parse(&u.locale));
    let browser =
        headers.get(header::ACCEPT_LANGUAGE).and_then(|h| h.to_str().ok()).and_then(crate::i18n::from_accept_language);
    let lang = cookie.or(user).or(browser).unwrap_or(Lang::ZhTw);
    LANG.scope(lang, next.run(request)).await
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Signed in, but this is not theirs to see or do.
    #[error("forbidden")]
    Forbidden,
    /// Not signed in: go to the sign-in page and come back.
    #[error("sign in required")]
    SignIn { next: String },
    /// A state-changing request without a valid CSRF token.
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("bad request: {en}")]
    BadRequest { zh: String, en: String },
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("too large")]
    PayloadTooLarge,
    /// The community's record is closed (the last deadline has passed).
    #[error("closed: {en}")]
    Closed { zh: String, en: String },
    /// Something the server itself lacks (a font for PDF documents): the office can fix it.
    #[error("unavailable: {en}")]
    Unavailable { zh: String, en: String },
    /// The disk (or the storage quota) is full: nothing new was kept, nothing old was lost.
    #[error("storage full")]
    StorageFull,
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn bad_request(zh: impl Into<String>, en: impl Into<String>) -> Self {
        AppError::BadRequest { zh: zh.into(), en: en.into() }
    }

    /// A bad request whose message is the catalogue's `key` (both languages), with `args`.
    pub fn refused(key: &str, args: &[(&str, &str)]) -> Self {
        use linxuan_core::Lang;
        AppError::BadRequest { zh: crate::i18n::tf(Lang::ZhTw, key, args), en: crate::i18n::tf(Lang::En, key, args) }
    }
}

impl From<linxuan_store::StoreError> for AppError {
    fn from(e: linxuan_store::StoreError) -> Self {
        match e {
            linxuan_store::StoreError::NotFound => AppError::NotFound,
            other if linxuan_store::files::is_storage_full(&other) => AppError::StorageFull,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<linxuan_pdf::PdfError> for AppError {
    fn from(e: linxuan_pdf::PdfError) -> Self {
        match e {
            linxuan_pdf::PdfError::NoCjkFont { .. } => AppError::Unavailable { zh: e.message_zh(), en: e.to_string() },
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<linxuan_store::DbErr> for AppError {
    fn from(e: linxuan_store::DbErr) -> Self {
        if linxuan_store::files::is_storage_full(&e) {
            AppError::StorageFull
        } else {
            AppError::Internal(e.to_string())
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

fn page(status: StatusCode, zh: &str, en: &str, detail: Option<(&str, &str)>) -> Response {
    let lang = LANG.try_with(|l| *l).unwrap_or(Lang::ZhTw);
    let pick = |zh: &str, en: &str| crate::web::format::escape(crate::i18n::pick(lang, zh, en));
    let detail = detail.map(|(zh, en)| format!("<p>{}</p>", pick(zh, en))).unwrap_or_default();
    let body = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{code} {title}</title><link rel=\"stylesheet\" href=\"/assets/app.css\"></head>\
         <body><main class=\"narrow\"><h1>{title}</h1>{detail}\
         <p><a href=\"/\">{home}</a></p></main></body></html>",
        lang = lang.code(),
        code = status.as_u16(),
        title = pick(zh, en),
        home = pick("回首頁", "Home"),
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => page(StatusCode::NOT_FOUND, "找不到這個頁面", "Page not found", None),
            AppError::Forbidden => {
                page(StatusCode::FORBIDDEN, "您沒有權限檢視或變更這項資料", "You may not see or change this", None)
            }
            AppError::SignIn { next } => {
                let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
                Redirect::to(&format!("/login?next={next}")).into_response()
            }
            AppError::Csrf => page(
                StatusCode::FORBIDDEN,
                "表單已過期或來源不明，請重新整理頁面後再送出",
                "The form has expired or did not come from this site; reload the page and send it again",
                None,
            ),
            AppError::BadRequest { zh, en } => {
                page(StatusCode::BAD_REQUEST, "無法處理這個要求", "This request cannot be handled", Some((&zh, &en)))
            }
            AppError::TooManyRequests { retry_after_secs } => {
                let mut response = page(
                    StatusCode::TOO_MANY_REQUESTS,
                    "嘗試次數過多，請稍後再試",
                    "Too many attempts; please wait and try again",
                    None,
                );
                response.headers_mut().insert(header::RETRY_AFTER, retry_after_secs.into());
                response
            }
            AppError::PayloadTooLarge => page(StatusCode::PAYLOAD_TOO_LARGE, "檔案太大", "The file is too large", None),
            AppError::Closed { zh, en } => {
                page(StatusCode::FORBIDDEN, "已過截止期限", "The deadline has passed", Some((&zh, &en)))
            }
            AppError::Unavailable { zh, en } => {
                tracing::warn!(%en, "unavailable");
                page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "伺服器目前無法提供這項功能",
                    "The server cannot do this at the moment",
                    Some((&zh, &en)),
                )
            }
            AppError::StorageFull => {
                tracing::error!("storage full: an upload or a change was refused");
                page(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "伺服器的儲存空間已滿，這次的資料沒有存下",
                    "The server's storage is full: this was not saved",
                    Some((
                        "已經存下的檔案與資料都還在。請通知承辦單位清出空間後再試一次。",
                        "Everything saved before is still there. Tell the programme office, and try again once there is room.",
                    )),
                )
            }
            AppError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "系統發生錯誤，請稍後再試；若持續發生請聯絡承辦單位",
                    "Something went wrong; please try again, and tell the programme office if it persists",
                    None,
                )
            }
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
