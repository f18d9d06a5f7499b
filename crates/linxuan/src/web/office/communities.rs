//! The year's communities for the office: list and filter, add one, import many, approve or
//! reject registrations, and open any community to act for it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linxuan_core::plan::Plan;
use linxuan_store::TransactionTrait;
use linxuan_store::audit::{self, Change};
use linxuan_store::communities::{self, Community, Member};
use linxuan_store::schools::{self, School};
use serde::Deserialize;

use super::{YearPlan, current_plan};
use crate::app::AppState;
use crate::import::RowProblem;
use crate::import::communities::{self as import, ApplyError, Invited};
use crate::web::community::{group_name, status_key};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};

const IMPORT_LIMIT: usize = 10 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/communities", get(list).post(add))
        .route(
            "/communities/import",
            post(import_file).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT + 64 * 1024)),
        )
        .route("/communities/template.csv", get(template_csv))
        .route("/communities/{id}/status", post(set_status))
}

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    group: String,
}

#[derive(Clone)]
pub struct Row {
    pub community: Community,
    pub school: Option<School>,
    pub convener: Option<Member>,
    pub members: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "office/communities.html")]
struct ListPage {
    ctx: Ctx,
    year: i32,
    years: Vec<i32>,
    plan: Plan,
    rows: Vec<Row>,
    query: ListQuery,
    pending: usize,
    problems: Vec<RowProblem>,
    invited: Vec<Invited>,
    /// The outcome of an import, shown on the page it returns.
    notice: String,
    /// The one-community form, as typed.
    form: import::Fields,
}

impl ListPage {
    fn group_name(&self, c: &Community) -> String {
        group_name(&self.ctx, &self.plan, c)
    }
    fn status_key(&self, c: &Community) -> &'static str {
        status_key(&c.status)
    }
    fn problem(&self, p: &RowProblem) -> String {
        let message = p.message(self.ctx.lang);
        if p.line == 0 {
            message.to_string()
        } else {
            self.ctx.tf1("import.line", "line", &p.line.to_string()) + message
        }
    }
    fn groups(&self) -> Vec<(String, String)> {
        self.plan.groups.iter().map(|(id, g)| (id.clone(), self.ctx.named(&g.name, &g.name_en).to_string())).collect()
    }
    fn invited_without_link(&self) -> usize {
        self.invited.iter().filter(|i| i.link.is_empty()).count()
    }
}

/// Every community of the year with its school, convener and number of members, and how many
/// wait for approval: read from the database alone, and kept while it stays the same
/// (`crate::cache`).
struct YearRows {
    rows: Vec<Row>,
    pending: usize,
}

async fn year_rows(state: &AppState, year: i32) -> AppResult<YearRows> {
    let _turn = state.heavy_page().await;
    let list = communities::list(&state.db, year).await?;
    let pending = list.iter().filter(|c| c.status == communities::PENDING).count();
    let ids: Vec<i32> = list.iter().map(|c| c.id).collect();
    let counts = communities::member_counts(&state.db, &ids).await?;
    let mut conveners: std::collections::HashMap<i32, _> = std::collections::HashMap::new();
    for m in communities::conveners_of(&state.db, &ids).await? {
        conveners.entry(m.community_id).or_insert(m);
    }
    let schools: std::collections::HashMap<i32, _> =
        schools::list(&state.db, &Default::default()).await?.into_iter().map(|s| (s.id, s)).collect();
    let rows = list
        .into_iter()
        .map(|community| {
            let convener = conveners.remove(&community.id);
            let count = counts.get(&community.id).copied().unwrap_or(0);
            let school = schools.get(&community.school_id).cloned();
            Row { community, school, convener, members: count }
        })
        .collect();
    Ok(YearRows { rows, pending })
}

/// The year's communities on the list, and how many wait for approval.
async fn rows(state: &AppState, year: i32, query: &ListQuery) -> AppResult<(Vec<Row>, usize)> {
    let kept = state.computed.get_or_compute(&state.db, "office.communities", year, || year_rows(state, year)).await?;
    let q = query.q.trim().to_lowercase();
    let rows = kept
        .rows
        .iter()
        .filter(|r| query.status.is_empty() || r.community.status == query.status)
        .filter(|r| query.group.is_empty() || r.community.group_id == query.group)
        .filter(|r| {
            q.is_empty()
                || r.community.code.to_lowercase().contains(&q)
                || r.community.name.to_lowercase().contains(&q)
                || r.school
                    .as_ref()
                    .is_some_and(|s| s.name.to_lowercase().contains(&q) || s.code.to_lowercase().contains(&q))
                || r.convener
                    .as_ref()
                    .is_some_and(|m| m.name.to_lowercase().contains(&q) || m.email.to_lowercase().contains(&q))
        })
        .cloned()
        .collect();
    Ok((rows, kept.pending))
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    query: ListQuery,
    problems: Vec<RowProblem>,
    invited: Vec<Invited>,
) -> AppResult<ListPage> {
    let YearPlan { year, plan, years } = current_plan(state, &ctx.session).await?;
    let (rows, pending) = rows(state, year, &query).await?;
    Ok(ListPage {
        ctx,
        year,
        years,
        plan,
        rows,
        query,
        pending,
        problems,
        invited,
        notice: String::new(),
        form: import::Fields::default(),
    })
}

async fn list(State(state): State<AppState>, ctx: Ctx, Query(query): Query<ListQuery>) -> AppResult<ListPage> {
    page(&state, ctx, query, Vec::new(), Vec::new()).await
}

async fn import_file(State(state): State<AppState>, ctx: Ctx, multipart: Multipart) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let Some((_, bytes)) = super::schools::read_upload(multipart, IMPORT_LIMIT).await? else {
        let problems = vec![RowProblem::new(0, "請選擇要匯入的檔案", "choose a file to import")];
        let page = page(&state, ctx, ListQuery::default(), problems, Vec::new()).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let rows = match import::parse(&state.db, &plan, &bytes).await? {
        Ok(rows) => rows,
        Err(problems) => {
            let page = page(&state, ctx, ListQuery::default(), problems, Vec::new()).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match import::apply(&state, year, &rows, &ctx.actor()?, Some(&bytes)).await {
        Ok(summary) => {
            let notice = summary.render(ctx.lang);
            // Links that could not be mailed are shown now, once, to pass on.
            let mut page = page(&state, ctx, ListQuery::default(), Vec::new(), summary.invited).await?;
            page.notice = notice;
            Ok(page.into_response())
        }
        Err(ApplyError::Rows(problems)) => {
            let page = page(&state, ctx, ListQuery::default(), problems, Vec::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(ApplyError::Store(e)) => Err(e.into()),
    }
}

/// The office adds one community by hand, checked as an imported row is.
async fn add(State(state): State<AppState>, ctx: Ctx, Form(fields): Form<import::Fields>) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let all_schools = schools::list(&state.db, &Default::default()).await?;
    let refuse = |problems: Vec<RowProblem>, ctx: Ctx, fields: import::Fields| async {
        let mut page = page(&state, ctx, ListQuery::default(), problems, Vec::new()).await?;
        page.form = fields;
        Ok::<Response, AppError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let row = match import::check_row(&plan, &all_schools, 0, &fields, &[]) {
        Ok(row) => row,
        Err(problems) => return refuse(problems, ctx, fields).await,
    };
    if communities::by_code(&state.db, year, &row.data.code).await?.is_some() {
        let problems = vec![RowProblem::new(
            0,
            format!("社群代碼 {} 已存在", row.data.code),
            format!("community code {} already exists", row.data.code),
        )];
        return refuse(problems, ctx, fields).await;
    }
    match import::apply(&state, year, std::slice::from_ref(&row), &ctx.actor()?, None).await {
        Ok(summary) => {
            let notice = ctx.tf1("communities.added", "name", &row.data.name);
            let mut page = page(&state, ctx, ListQuery::default(), Vec::new(), summary.invited).await?;
            page.notice = notice;
            Ok(page.into_response())
        }
        Err(ApplyError::Rows(problems)) => refuse(problems, ctx, fields).await,
        Err(ApplyError::Store(e)) => Err(e.into()),
    }
}

async fn template_csv() -> Response {
    let header = ["社群代碼", "學校代碼", "類別", "組別", "社群名稱", "召集人", "召集人電子郵件"];
    let example = vec![vec![
        "E001".to_string(),
        "034750".into(),
        "初階".into(),
        "國小組".into(),
        "西門國小閱讀理解社群".into(),
        "林老師".into(),
        "teacher@school.tyc.edu.tw".into(),
    ]];
    super::schools::attachment(
        "text/csv; charset=utf-8",
        "communities-template.csv",
        linxuan_docs::export::csv(&header, &example),
    )
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
}

async fn set_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    let status = match form.status.as_str() {
        communities::APPROVED | communities::REJECTED | communities::PENDING => form.status.clone(),
        _ => {
            return Err(AppError::bad_request(
                "狀態只能是核准、退回或待審",
                "status must be approved, rejected or pending",
            ));
        }
    };
    let existing = communities::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let before = serde_json::json!({ "status": existing.status });
    let name = existing.name.clone();
    let year = existing.plan_year;
    let now = state.now();
    let txn = state.db.begin().await?;
    communities::set_status(&txn, existing, &status, now).await?;
    audit::record(
        &txn,
        now,
        &ctx.actor()?,
        Change::new("community.status", "community", id)
            .year(year)
            .before(&before)
            .after(&serde_json::json!({ "status": status })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1(&format!("communities.now_{status}"), "name", &name)).await;
    Ok(Redirect::to("/office/communities").into_response())
}
