//! Schools: list with filters, add, edit, delete, and import from CSV/XLSX.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linxuan_core::plan::SchoolLevel;
use linxuan_store::audit::{self, Change};
use linxuan_store::schools::{self, Filter, School, SchoolData};
use linxuan_store::{StoreError, TransactionTrait};
use serde::Deserialize;

use crate::app::AppState;
use crate::import::{self, RowProblem};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::forms::FieldErrors;

/// Largest school list we accept (a whole country's schools fit easily).
const IMPORT_LIMIT: usize = 10 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/schools", get(list).post(create))
        .route(
            "/schools/import",
            post(import_file).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT + 64 * 1024)),
        )
        .route("/schools/export.csv", get(export_csv))
        .route("/schools/export.xlsx", get(export_xlsx))
        .route("/schools/template.csv", get(template_csv))
        .route("/schools/{id}", get(edit_page).post(update))
        .route("/schools/{id}/delete", post(delete))
}

pub fn level_name(ctx: &Ctx, level: &str) -> String {
    match SchoolLevel::ALL.iter().find(|l| l.id() == level) {
        Some(l) => ctx.pick(l.name_zh(), l.name_en()).to_string(),
        None => level.to_string(),
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    q: Option<String>,
    level: Option<String>,
    district: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "office/schools.html")]
struct SchoolsPage {
    ctx: Ctx,
    schools: Vec<School>,
    districts: Vec<String>,
    levels: [SchoolLevel; 3],
    q: String,
    level: String,
    district: String,
    form: SchoolData,
    errors: FieldErrors,
    import_problems: Vec<RowProblem>,
}

impl SchoolsPage {
    fn filter_query(&self) -> String {
        let enc = |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
        format!("q={}&level={}&district={}", enc(&self.q), enc(&self.level), enc(&self.district))
    }
    fn editing(&self) -> Option<i32> {
        None
    }
    fn level_name(&self, level: &str) -> String {
        level_name(&self.ctx, level)
    }
    fn level_label(&self, level: &SchoolLevel) -> &str {
        self.ctx.pick(level.name_zh(), level.name_en())
    }
    fn problem(&self, p: &RowProblem) -> String {
        let message = p.message(self.ctx.lang);
        if p.line == 0 {
            message.to_string()
        } else {
            self.ctx.tf1("import.line", "line", &p.line.to_string()) + message
        }
    }
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    q: ListQuery,
    form: SchoolData,
    errors: FieldErrors,
    import_problems: Vec<RowProblem>,
) -> AppResult<SchoolsPage> {
    let filter = Filter { text: q.q.clone(), level: q.level.clone(), district: q.district.clone() };
    Ok(SchoolsPage {
        schools: schools::list(&state.db, &filter).await?,
        districts: schools::districts(&state.db).await?,
        levels: SchoolLevel::ALL,
        q: q.q.unwrap_or_default(),
        level: q.level.unwrap_or_default(),
        district: q.district.unwrap_or_default(),
        form,
        errors,
        import_problems,
        ctx,
    })
}

fn empty_form() -> SchoolData {
    SchoolData { code: String::new(), name: String::new(), level: "elementary".into(), district: String::new() }
}

async fn list(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<SchoolsPage> {
    page(&state, ctx, q, empty_form(), FieldErrors::default(), Vec::new()).await
}

#[derive(Deserialize)]
pub struct SchoolForm {
    code: String,
    name: String,
    level: String,
    district: String,
}

impl SchoolForm {
    fn data(&self) -> SchoolData {
        SchoolData {
            code: self.code.trim().to_string(),
            name: self.name.trim().to_string(),
            level: self.level.trim().to_string(),
            district: self.district.trim().to_string(),
        }
    }
}

fn check(ctx: &Ctx, data: &SchoolData) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if let Err((zh, en)) = import::schools::check_code(&data.code) {
        errors.add("code", ctx.pick(zh, en));
    }
    if data.name.is_empty() {
        errors.add("name", ctx.t("form.required"));
    } else if data.name.chars().count() > 100 {
        errors.add("name", ctx.t("form.too_long"));
    }
    if !SchoolLevel::ALL.iter().any(|l| l.id() == data.level) {
        errors.add("level", ctx.t("schools.bad_level"));
    }
    if data.district.is_empty() {
        errors.add("district", ctx.t("form.required"));
    }
    errors
}

async fn create(State(state): State<AppState>, ctx: Ctx, Form(form): Form<SchoolForm>) -> AppResult<Response> {
    let data = form.data();
    let mut errors = check(&ctx, &data);
    if errors.is_empty() {
        let now = state.now();
        let txn = state.db.begin().await?;
        match schools::create(&txn, &data, now).await {
            Ok(created) => {
                audit::record(
                    &txn,
                    now,
                    &ctx.actor()?,
                    Change::new("school.create", "school", created.id).after(&data),
                )
                .await?;
                txn.commit().await?;
                ctx.flash("ok", ctx.tf1("schools.added", "name", &data.name)).await;
                return Ok(Redirect::to("/office/schools").into_response());
            }
            Err(StoreError::Conflict(_)) => errors.add("code", ctx.t("schools.code_taken")),
            Err(e) => return Err(e.into()),
        }
    }
    let page = page(&state, ctx, ListQuery::default(), data, errors, Vec::new()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "office/school_edit.html")]
struct EditPage {
    ctx: Ctx,
    id: i32,
    form: SchoolData,
    levels: [SchoolLevel; 3],
    errors: FieldErrors,
}

impl EditPage {
    fn editing(&self) -> Option<i32> {
        Some(self.id)
    }
    fn level_label(&self, level: &SchoolLevel) -> &str {
        self.ctx.pick(level.name_zh(), level.name_en())
    }
}

async fn edit_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<EditPage> {
    let school = schools::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(EditPage { ctx, id, form: SchoolData::from(&school), levels: SchoolLevel::ALL, errors: FieldErrors::default() })
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(form): Form<SchoolForm>,
) -> AppResult<Response> {
    let existing = schools::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let data = form.data();
    let mut errors = check(&ctx, &data);
    if errors.is_empty() {
        let now = state.now();
        let before = SchoolData::from(&existing);
        let txn = state.db.begin().await?;
        match schools::update(&txn, existing, &data, now).await {
            Ok(_) => {
                audit::record(
                    &txn,
                    now,
                    &ctx.actor()?,
                    Change::new("school.update", "school", id).before(&before).after(&data),
                )
                .await?;
                txn.commit().await?;
                ctx.flash("ok", ctx.tf1("schools.saved", "name", &data.name)).await;
                return Ok(Redirect::to("/office/schools").into_response());
            }
            Err(StoreError::Conflict(_)) => errors.add("code", ctx.t("schools.code_taken")),
            Err(e) => return Err(e.into()),
        }
    }
    let page = EditPage { ctx, id, form: data, levels: SchoolLevel::ALL, errors };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn delete(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let existing = schools::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if linxuan_store::communities::school_in_use(&state.db, id).await? {
        return Err(AppError::bad_request(
            format!("{} 有社群，不能刪除（可修改名稱或代碼）", existing.name),
            format!("{} has communities and cannot be deleted (its name or code can be changed)", existing.name),
        ));
    }
    let now = state.now();
    let txn = state.db.begin().await?;
    let before = SchoolData::from(&existing);
    schools::delete(&txn, id).await?;
    audit::record(&txn, now, &ctx.actor()?, Change::new("school.delete", "school", id).before(&before)).await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("schools.deleted", "name", &existing.name)).await;
    Ok(Redirect::to("/office/schools").into_response())
}

const EXPORT_HEADER: [&str; 4] = ["學校代碼", "學校名稱", "學制", "行政區"];

/// The schools the filters select, as rows ready to export (levels written as 國小/國中/高中,
/// so the file imports back unchanged).
async fn export_rows(state: &AppState, q: ListQuery) -> AppResult<Vec<Vec<String>>> {
    let filter = Filter { text: q.q, level: q.level, district: q.district };
    let rows = schools::list(&state.db, &filter).await?;
    Ok(rows
        .into_iter()
        .map(|s| {
            let level =
                SchoolLevel::ALL.iter().find(|l| l.id() == s.level).map_or(s.level.clone(), |l| l.name_zh().into());
            vec![s.code, s.name, level, s.district]
        })
        .collect())
}

pub use crate::web::download::attachment;

async fn export_csv(State(state): State<AppState>, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let rows = export_rows(&state, q).await?;
    Ok(attachment("text/csv; charset=utf-8", "schools.csv", linxuan_docs::export::csv(&EXPORT_HEADER, &rows)))
}

async fn export_xlsx(State(state): State<AppState>, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let rows = export_rows(&state, q).await?;
    let bytes =
        linxuan_docs::export::xlsx("學校", &EXPORT_HEADER, &rows).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(attachment("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "schools.xlsx", bytes))
}

/// An example file to fill in: the header and one row.
async fn template_csv() -> Response {
    let example = vec![vec!["034750".to_string(), "桃園市桃園區西門國民小學".into(), "國小".into(), "桃園區".into()]];
    attachment("text/csv; charset=utf-8", "schools-template.csv", linxuan_docs::export::csv(&EXPORT_HEADER, &example))
}

/// Reads the one file field of an upload form, refusing more than `limit` bytes.
pub async fn read_upload(mut multipart: Multipart, limit: usize) -> AppResult<Option<(String, Vec<u8>)>> {
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::bad_request(format!("上傳中斷：{e}"), format!("the upload broke off: {e}")))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| AppError::bad_request(format!("上傳中斷：{e}"), format!("the upload broke off: {e}")))?
        {
            if bytes.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        if name.is_empty() && bytes.is_empty() {
            return Ok(None);
        }
        return Ok(Some((name, bytes)));
    }
    Ok(None)
}

async fn import_file(State(state): State<AppState>, ctx: Ctx, multipart: Multipart) -> AppResult<Response> {
    let Some((_, bytes)) = read_upload(multipart, IMPORT_LIMIT).await? else {
        let problems = vec![RowProblem::new(0, "請選擇要匯入的檔案", "choose a file to import")];
        let page = page(&state, ctx, ListQuery::default(), empty_form(), FieldErrors::default(), problems).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    match import::schools::parse(&bytes, &linxuan_docs::table::Limits::UPLOAD) {
        Ok(rows) => {
            let summary = import::schools::apply(&state, &rows, &ctx.actor()?, &bytes).await?;
            ctx.flash("ok", summary.render(ctx.lang)).await;
            Ok(Redirect::to("/office/schools").into_response())
        }
        Err(problems) => {
            let page = page(&state, ctx, ListQuery::default(), empty_form(), FieldErrors::default(), problems).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
