//! Uploads: the results report, evidence by category, sign-in sheets, and links to videos kept
//! elsewhere. Files stream straight to storage (memory does not grow with their size), the
//! plan's size limit is enforced while streaming, the type is read from the bytes, and the
//! name people gave a file is kept for display only. Every file keeps its SHA-256, uploader,
//! time and version; replacing adds a version; deleting hides, never destroys. A retried
//! upload carries the same key and finds its first attempt instead of making a duplicate.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linxuan_core::filetype;
use linxuan_core::progress::{self, Item};
use linxuan_store::documents::{self, Document, FileVersion, Link, NewVersion};
use linxuan_store::files::StreamError;
use linxuan_store::{TransactionTrait, audit, meetings};
use rand::RngCore;
use serde::Deserialize;

use super::{Portal, portal};
use crate::app::AppState;
use crate::facts::{REPORT, SIGNIN};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};

/// The categories a community uploads into (SPEC §4), in page order.
pub const CATEGORIES: [&str; 5] = [REPORT, "lesson_plan", "student_learning", "records", "other"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/community/{id}/files", get(list).post(upload).layer(DefaultBodyLimit::disable()))
        .route("/community/{id}/files/{document}/delete", post(delete))
        .route("/community/{id}/files/version/{version}", get(download))
        .route("/community/{id}/links", post(add_link))
        .route("/community/{id}/links/{link}/delete", post(delete_link))
}

pub fn category_key(category: &str) -> String {
    format!("files.category.{category}")
}

use crate::web::format::human_size;

/// A fresh key for an upload form: a retry of the same form reuses it.
pub fn upload_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub struct DocumentRow {
    pub document: Document,
    pub versions: Vec<FileVersion>,
}

impl DocumentRow {
    pub fn latest(&self) -> Option<&FileVersion> {
        self.versions.last()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "community/files.html")]
struct FilesPage {
    ctx: Ctx,
    portal: Portal,
    documents: Vec<DocumentRow>,
    links: Vec<Link>,
    max_mb: i64,
    types: String,
    link_url: String,
    link_title: String,
    link_error: String,
}

impl FilesPage {
    fn is_report(&self, category: &str) -> bool {
        category == REPORT
    }
    fn categories(&self) -> [&'static str; 5] {
        CATEGORIES
    }
    fn in_category(&self, category: &str) -> Vec<&DocumentRow> {
        self.documents.iter().filter(|d| d.document.category == category).collect()
    }
    fn category_name(&self, category: &str) -> String {
        self.ctx.t(&category_key(category)).into_owned()
    }
    fn key(&self) -> String {
        upload_key()
    }
    fn when(&self, v: &FileVersion) -> String {
        crate::web::format::local_time(v.uploaded_at)
    }
    fn size(&self, v: &FileVersion) -> String {
        human_size(v.size)
    }
    fn link_when(&self, l: &Link) -> String {
        crate::web::format::local_time(l.created_at)
    }
    fn is_youtube(&self, l: &Link) -> bool {
        is_youtube(&l.url)
    }
}

async fn document_rows(state: &AppState, community_id: i32) -> AppResult<Vec<DocumentRow>> {
    let docs = documents::list(&state.db, community_id, false).await?;
    let ids: Vec<i32> = docs.iter().map(|d| d.id).collect();
    let versions = documents::versions(&state.db, &ids).await?;
    Ok(docs
        .into_iter()
        .filter(|d| d.category != SIGNIN)
        .map(|document| {
            let versions = versions.iter().filter(|v| v.document_id == document.id).cloned().collect();
            DocumentRow { document, versions }
        })
        .collect())
}

async fn files_page(
    state: &AppState,
    ctx: Ctx,
    portal: Portal,
    link_url: String,
    link_title: String,
    link_error: String,
) -> AppResult<FilesPage> {
    Ok(FilesPage {
        documents: document_rows(state, portal.community.id).await?,
        links: documents::links(&state.db, portal.community.id).await?,
        max_mb: portal.plan.uploads.max_file_mb,
        types: portal.plan.uploads.file_types.join(", "),
        link_url,
        link_title,
        link_error,
        portal,
        ctx,
    })
}

async fn list(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<FilesPage> {
    let portal = portal(&state, &ctx, id).await?;
    files_page(&state, ctx, portal, String::new(), String::new(), String::new()).await
}

#[derive(Deserialize)]
pub struct UploadQuery {
    category: String,
    /// A new version of this document.
    document: Option<i32>,
    /// For a sign-in sheet: its meeting.
    meeting: Option<i32>,
    /// The form's upload key (idempotency).
    key: String,
}

/// The outcome of an upload, for a script (JSON) or a plain form (a redirect, or a page).
///
/// A refusal may come before the browser has sent the whole file: it then says
/// `Connection: close`, so that the browser does not send its next request down a connection
/// the server is about to close.
fn reply(wants_json: bool, ctx: &Ctx, status: StatusCode, message: String, redirect: &str) -> Response {
    let mut response = answer(wants_json, ctx, status, message, redirect);
    if !status.is_success() {
        response.headers_mut().insert(header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    }
    response
}

fn answer(wants_json: bool, ctx: &Ctx, status: StatusCode, message: String, redirect: &str) -> Response {
    if wants_json {
        let body = serde_json::json!({ "ok": status.is_success(), "message": message, "redirect": redirect });
        return (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response();
    }
    if status.is_success() {
        return Redirect::to(redirect).into_response();
    }
    let _ = ctx;
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        // The only refusal of an upload by status alone: the record is closed.
        StatusCode::FORBIDDEN => AppError::Closed { zh: message.clone(), en: message },
        _ => AppError::BadRequest { zh: message.clone(), en: message },
    };
    let mut response = error.into_response();
    *response.status_mut() = status;
    response
}

/// Room for the form's other parts and the multipart framing around the file.
const UPLOAD_MARGIN: u64 = 64 * 1024;
/// The largest text part of the upload form (the title).
const TEXT_PART_LIMIT: usize = 4 * 1024;

/// Reads and drops a request body, at most `limit` bytes of it.
async fn drain(body: axum::body::Body, limit: u64) {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut seen: u64 = 0;
    while let Some(Ok(chunk)) = stream.next().await {
        seen += chunk.len() as u64;
        if seen > limit {
            break;
        }
    }
}

/// Reads a small text part of a multipart form, refusing one over `limit` bytes.
async fn small_text(mut field: axum::extract::multipart::Field<'_>, limit: usize) -> Result<String, ()> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| ())? {
        if bytes.len() + chunk.len() > limit {
            return Err(());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Query(q): Query<UploadQuery>,
    request: axum::extract::Request,
) -> AppResult<Response> {
    let headers = request.headers().clone();
    let wants_json =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"));
    let portal = portal(&state, &ctx, id).await?;
    let back = match (q.category.as_str(), q.meeting) {
        (SIGNIN, Some(m)) => format!("{}/meetings/{m}#signin", portal.base()),
        _ => format!("{}/files#{}", portal.base(), q.category),
    };
    let fail = |status: StatusCode, zh: &str, en: &str| {
        Ok(reply(wants_json, &ctx, status, ctx.pick(zh, en).to_string(), &back))
    };
    if let Err(e) = portal.writable() {
        let AppError::Closed { zh, en } = e else { return Err(e) };
        return fail(StatusCode::FORBIDDEN, &zh, &en);
    }
    if q.key.len() < 16 || q.key.len() > 64 || !q.key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return fail(
            StatusCode::BAD_REQUEST,
            "上傳表單已過期，請重新整理頁面",
            "the upload form is out of date; reload the page",
        );
    }
    if q.category != SIGNIN && !CATEGORIES.contains(&q.category.as_str()) {
        return fail(StatusCode::BAD_REQUEST, "未知的檔案類別", "unknown file category");
    }
    // A retry of an upload that already arrived: the same answer, no duplicate (the body is
    // read and dropped first, so the browser gets the answer rather than a reset connection).
    if let Some(done) = documents::by_upload_key(&state.db, &q.key).await? {
        let limit = u64::try_from(portal.plan.uploads.max_file_mb).unwrap_or(0).saturating_mul(1_000_000);
        drain(request.into_body(), limit.saturating_add(UPLOAD_MARGIN)).await;
        return already_there(&state, &ctx, id, &done, wants_json, &back).await;
    }
    let meeting = match (q.category.as_str(), q.meeting) {
        (SIGNIN, Some(m)) => match meetings::get(&state.db, m).await? {
            Some(found) if found.community_id == id => Some(found),
            _ => return Err(AppError::NotFound),
        },
        (SIGNIN, None) => {
            return fail(StatusCode::BAD_REQUEST, "簽到表要對應一次聚會", "a sign-in sheet belongs to a meeting");
        }
        _ => None,
    };
    if let Some(doc_id) = q.document {
        match documents::get(&state.db, doc_id).await? {
            Some(d) if d.community_id == id && d.deleted_at.is_none() && d.category == q.category => {}
            _ => return Err(AppError::NotFound),
        }
    }

    let max_mb = portal.plan.uploads.max_file_mb;
    let limit = u64::try_from(max_mb).unwrap_or(0).saturating_mul(1_000_000);
    let too_large = || {
        let max = max_mb.to_string();
        fail(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("檔案超過 {max} MB 的上限，沒有上傳；請壓縮或分成幾個檔案"),
            &format!("the file is over the {max} MB limit and was not uploaded; compress it or split it"),
        )
    };
    // The whole request may be the file and a little more, never what it claims beyond that.
    let request_limit = limit.saturating_add(UPLOAD_MARGIN);
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > request_limit) {
        return too_large();
    }
    let request = request.map(|body| {
        axum::body::Body::new(http_body_util::Limited::new(body, usize::try_from(request_limit).unwrap_or(usize::MAX)))
    });
    let mut multipart = match Multipart::from_request(request, &state).await {
        Ok(m) => m,
        Err(_) => return fail(StatusCode::BAD_REQUEST, "這不是檔案上傳表單", "this is not a file upload form"),
    };

    let accepted = portal.plan.uploads.file_types.clone();
    let mut title = String::new();
    let mut stored: Option<(linxuan_store::files::Stored, linxuan_store::files::Unrecorded)> = None;
    let mut file_name = String::new();
    let mut kind: Option<filetype::FileType> = None;
    let broke_off = |e: String| {
        fail(
            StatusCode::BAD_REQUEST,
            &format!("上傳中斷：{e}，請再試一次"),
            &format!("the upload broke off ({e}); try again"),
        )
    };
    // Whatever refuses the upload after the file is stored takes the file away again.
    let refused: Option<AppResult<Response>> = 'read: loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break 'read None,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => break 'read Some(too_large()),
            Err(e) => break 'read Some(broke_off(e.body_text())),
        };
        match field.name() {
            Some("title") => match small_text(field, TEXT_PART_LIMIT).await {
                Ok(text) => title = linxuan_core::text::clean_line(&text).trim().chars().take(200).collect(),
                Err(()) => {
                    break 'read Some(fail(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "標題太長（最多 200 字）",
                        "the title is too long (at most 200 characters)",
                    ));
                }
            },
            Some("file") if stored.is_some() => {
                break 'read Some(fail(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "一次只能上傳一個檔案",
                    "upload one file at a time",
                ));
            }
            Some("file") => {
                file_name =
                    linxuan_core::text::clean_line(field.file_name().unwrap_or("")).trim().chars().take(200).collect();
                if file_name.is_empty() {
                    break 'read Some(fail(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "請選擇要上傳的檔案",
                        "choose a file to upload",
                    ));
                }
                let storage_key = format!("communities/{id}/{}", upload_key());
                let check = |head: &[u8]| {
                    filetype::check(head, &file_name, &accepted)
                        .map(|t| {
                            kind = Some(t);
                        })
                        .map_err(|(zh, en)| format!("{zh}\u{1f}{en}"))
                };
                match state.files.put_stream(&storage_key, Box::pin(field), limit, check).await {
                    Ok(s) => {
                        let pending = state.files.unrecorded(&s.key);
                        stored = Some((s, pending));
                    }
                    Err(StreamError::TooLarge { .. }) => break 'read Some(too_large()),
                    Err(StreamError::Refused(reason)) => {
                        let (zh, en) = reason.split_once('\u{1f}').unwrap_or((&reason, &reason));
                        break 'read Some(fail(StatusCode::UNPROCESSABLE_ENTITY, zh, en));
                    }
                    Err(StreamError::Source(e)) if e.contains("length limit exceeded") => break 'read Some(too_large()),
                    Err(StreamError::Source(e)) => break 'read Some(broke_off(e)),
                    Err(StreamError::Store(e)) => {
                        break 'read Some(match store_failed(e) {
                            AppError::StorageFull => fail(
                                StatusCode::INSUFFICIENT_STORAGE,
                                "伺服器的儲存空間已滿，檔案沒有上傳；已上傳的檔案都還在。請通知承辦單位。",
                                "the server's storage is full and the file was not uploaded; files uploaded before are safe. Tell the programme office.",
                            ),
                            other => Err(other),
                        });
                    }
                }
            }
            _ => {
                break 'read Some(fail(
                    StatusCode::BAD_REQUEST,
                    "上傳表單有不認得的欄位，請重新整理頁面",
                    "the upload form has a field this page does not know; reload the page",
                ));
            }
        }
    };
    if let Some(answer) = refused {
        if let Some((_, pending)) = stored.take() {
            pending.discard().await;
        }
        // Read what is left of the request (within its limit), so that the browser, still
        // sending, gets this answer instead of a reset connection.
        while let Ok(Some(mut field)) = multipart.next_field().await {
            while let Ok(Some(_)) = field.chunk().await {}
        }
        return answer;
    }
    let (Some((stored, pending)), Some(kind)) = (stored, kind) else {
        return fail(StatusCode::UNPROCESSABLE_ENTITY, "請選擇要上傳的檔案", "choose a file to upload");
    };
    // Offered under the extension of what it is: a PDF named x.html downloads as x.pdf.
    let file_name = filetype::name_for(&file_name, kind);
    // The last byte has arrived: this moment decides whether it is on time, late or too late.
    let now = state.now();
    let item = match (q.category.as_str(), &meeting) {
        (REPORT, _) => Item::Report,
        (SIGNIN, Some(m)) => Item::Meeting(m.date),
        _ => Item::Evidence,
    };
    let late = match progress::arrival(&portal.plan, item, now, portal.acting_for) {
        progress::Arrival::OnTime => false,
        progress::Arrival::Late => true,
        progress::Arrival::Refused => {
            pending.discard().await;
            let deadline =
                progress::final_deadline(&portal.plan).map(linxuan_core::roc::format_long).unwrap_or_default();
            return fail(
                StatusCode::FORBIDDEN,
                &format!(
                    "最後期限 {deadline} 23:59:59 已過，檔案的最後一個位元組在截止後才到，沒有上傳；如有疑問請聯絡承辦單位。"
                ),
                &format!(
                    "the last deadline ({deadline} 23:59:59 Taipei) passed before the file's last byte arrived; it was not uploaded. Contact the programme office if needed."
                ),
            );
        }
    };
    let title = if title.is_empty() {
        match &meeting {
            Some(m) => format!("簽到表 {}", crate::facts::meeting_label(m.date, &m.kind)),
            None => file_name.clone(),
        }
    } else {
        title
    };
    let version = NewVersion {
        file_name: &file_name,
        content_type: kind.mime,
        size: stored.size as i64,
        sha256: &stored.sha256,
        storage_key: &stored.key,
        uploaded_by: &portal.actor.label,
        late,
        upload_key: &q.key,
    };
    let target = crate::uploads::Target {
        community_id: id,
        category: &q.category,
        meeting_id: meeting.as_ref().map(|m| m.id),
        document_id: q.document,
        title: &title,
    };
    let txn = state.db.begin().await?;
    let (doc_id, number) = match crate::uploads::record(&txn, &target, &version, now).await? {
        crate::uploads::Recorded::Added { document_id, version } => (document_id, version),
        crate::uploads::Recorded::AlreadyThere(done) => {
            drop(txn);
            return already_there(&state, &ctx, id, &done, wants_json, &back).await;
        }
        crate::uploads::Recorded::NoSuchDocument => return Err(AppError::NotFound),
    };
    audit::record(
        &txn,
        now,
        &portal.actor,
        portal.change("file.upload", "document", doc_id).after(&serde_json::json!({
            "category": q.category, "title": title, "version": number, "file_name": file_name,
            "size": stored.size, "sha256": stored.sha256, "late": late,
        })),
    )
    .await?;
    txn.commit().await?;
    pending.recorded();
    let message = if late {
        ctx.tf1("files.uploaded_late", "name", &file_name)
    } else {
        ctx.tf1("files.uploaded", "name", &file_name)
    };
    ctx.flash(if late { "info" } else { "ok" }, message.clone()).await;
    Ok(reply(wants_json, &ctx, StatusCode::OK, message, &back))
}

/// The answer to an upload whose key was recorded already: the same as the first time.
async fn already_there(
    state: &AppState,
    ctx: &Ctx,
    id: i32,
    done: &FileVersion,
    wants_json: bool,
    back: &str,
) -> AppResult<Response> {
    let doc = documents::get(&state.db, done.document_id).await?.ok_or(AppError::NotFound)?;
    if doc.community_id != id {
        return Err(AppError::Forbidden);
    }
    let message = ctx.tf1("files.uploaded", "name", &done.file_name);
    // Shown on the page the browser goes to next (the script follows `redirect`).
    ctx.flash("ok", message.clone()).await;
    Ok(reply(wants_json, ctx, StatusCode::OK, message, back))
}

/// A file store failure: a full disk says so; anything else is the server's fault.
fn store_failed(e: impl std::error::Error + 'static) -> AppError {
    if linxuan_store::files::is_storage_full(&e) { AppError::StorageFull } else { AppError::Internal(e.to_string()) }
}

async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, document)): Path<(i32, i32)>,
) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    let doc = documents::get(&state.db, document).await?.ok_or(AppError::NotFound)?;
    if doc.community_id != id || doc.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    portal.writable()?;
    let back = match (doc.category.as_str(), doc.meeting_id) {
        (SIGNIN, Some(m)) => format!("{}/meetings/{m}#signin", portal.base()),
        _ => format!("{}/files#{}", portal.base(), doc.category),
    };
    let now = state.now();
    let title = doc.title.clone();
    let txn = state.db.begin().await?;
    documents::delete(&txn, doc, &portal.actor.label, now).await?;
    audit::record(
        &txn,
        now,
        &portal.actor,
        portal.change("file.delete", "document", document).before(&serde_json::json!({ "title": title })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("files.deleted", "name", &title)).await;
    Ok(Redirect::to(&back).into_response())
}

/// Types a browser may show itself; everything else downloads.
fn shown_inline(content_type: &str) -> bool {
    matches!(content_type, "application/pdf" | "image/jpeg" | "image/png")
}

/// `Content-Disposition` with the original name, safely (RFC 6266 / 5987).
pub fn disposition(inline: bool, name: &str) -> String {
    let kind = if inline { "inline" } else { "attachment" };
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Sends one stored version, streamed.
pub async fn send_version(state: &AppState, version: &FileVersion) -> AppResult<Response> {
    let (size, stream) = state.files.get_stream(&version.storage_key).await?;
    let inline = shown_inline(&version.content_type);
    // Older uploads kept the name they came with: offer them under what they are, too.
    let name = match filetype::by_mime(&version.content_type) {
        Some(kind) => filetype::name_for(&version.file_name, kind),
        None => version.file_name.clone(),
    };
    Ok((
        [
            (header::CONTENT_TYPE, version.content_type.clone()),
            (header::CONTENT_LENGTH, size.to_string()),
            (header::CONTENT_DISPOSITION, disposition(inline, &name)),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, version)): Path<(i32, i32)>,
) -> AppResult<Response> {
    let _portal = portal(&state, &ctx, id).await?;
    let found = documents::version(&state.db, version).await?.ok_or(AppError::NotFound)?;
    let doc = documents::get(&state.db, found.document_id).await?.ok_or(AppError::NotFound)?;
    if doc.community_id != id {
        return Err(AppError::NotFound);
    }
    send_version(&state, &found).await
}

// ---------------------------------------------------------------- video links

/// Whether a link is a YouTube video.
pub fn is_youtube(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .is_some_and(|h| h == "youtu.be" || h == "youtube.com" || h.ends_with(".youtube.com"))
}

/// A link to a video: http(s), a real host, no credentials, not too long.
pub fn check_url(text: &str) -> Result<String, (&'static str, &'static str)> {
    let text = text.trim();
    if text.len() > 2000 {
        return Err(("網址太長", "the address is too long"));
    }
    let parsed = url::Url::parse(text).map_err(|_| {
        (
            "這不是網址；請貼上完整網址，例如 https://youtu.be/…",
            "this is not an address; paste the whole address, e.g. https://youtu.be/…",
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(("網址須以 http:// 或 https:// 開頭", "the address must start with http:// or https://"));
    }
    match parsed.host_str() {
        Some(h) if h.contains('.') => {}
        _ => return Err(("網址缺少網站名稱", "the address has no site name")),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(("網址不可含帳號密碼", "the address must not contain a user name or password"));
    }
    Ok(parsed.to_string())
}

#[derive(Deserialize)]
pub struct LinkForm {
    url: String,
    #[serde(default)]
    title: String,
}

async fn add_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(form): Form<LinkForm>,
) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    portal.writable()?;
    let url = match check_url(&form.url) {
        Ok(u) => u,
        Err((zh, en)) => {
            let message = ctx.pick(zh, en).to_string();
            let page = files_page(&state, ctx, portal, form.url, form.title, message).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let title: String = form.title.trim().chars().take(200).collect();
    let now = state.now();
    let late = progress::is_late(&portal.plan, Item::Evidence, now);
    let txn = state.db.begin().await?;
    let link = documents::add_link(&txn, id, &url, &title, late, &portal.actor.label, now).await?;
    audit::record(
        &txn,
        now,
        &portal.actor,
        portal
            .change("link.add", "link", link.id)
            .after(&serde_json::json!({ "url": url, "title": title, "late": late })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("files.link_added")).await;
    Ok(Redirect::to(&format!("{}/files#links", portal.base())).into_response())
}

async fn delete_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, link)): Path<(i32, i32)>,
) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    let found = documents::link(&state.db, link).await?.ok_or(AppError::NotFound)?;
    if found.community_id != id || found.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    portal.writable()?;
    let url = found.url.clone();
    let now = state.now();
    let txn = state.db.begin().await?;
    documents::delete_link(&txn, found, &portal.actor.label, now).await?;
    audit::record(
        &txn,
        now,
        &portal.actor,
        portal.change("link.delete", "link", link).before(&serde_json::json!({ "url": url })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("files.link_deleted")).await;
    Ok(Redirect::to(&format!("{}/files#links", portal.base())).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_links_are_checked() {
        assert_eq!(check_url(" https://youtu.be/abc123 ").unwrap(), "https://youtu.be/abc123");
        assert!(is_youtube("https://www.youtube.com/watch?v=abc"));
        assert!(!is_youtube("https://vimeo.com/1"));
        for bad in
            ["youtube.com/watch?v=1", "javascript:alert(1)", "ftp://x.tw/v", "https://localhost/v", "https://a:b@x.tw/"]
        {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_for_display_only() {
        let d = disposition(false, "../../成果報告 v2.pdf");
        assert!(d.starts_with("attachment; filename=\".._.._____ v2.pdf\""), "no slash survives: {d}");
        assert!(d.contains("filename*=UTF-8''..%2F..%2F"), "{d}");
        assert_eq!(human_size(52_428_800), "52.4 MB");
    }
}
