//! The office's registrations: the list with filters and counts, an XLSX of it, adding someone
//! by hand, cancelling and admitting from the waiting list; study hours with their export for
//! the national in-service network; and the paper sign-in sheet.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Datelike;
use linxuan_core::event::Shortfall;
use linxuan_core::plan::Plan;
use linxuan_docs::export::{Cell, Sheet, workbook};
use linxuan_store::audit::{self, Change};
use linxuan_store::event::{self as store, Registration};
use linxuan_store::{TransactionTrait, schools};
use serde::Deserialize;

use crate::app::AppState;
use crate::event::{Counts, HoursLine};
use crate::web::ctx::Ctx;
use crate::web::download::{PDF, XLSX, attachment};
use crate::web::error::{AppError, AppResult};
use crate::web::event::form::{self, Filled, RegistrationForm};
use crate::web::forms::FieldErrors;
use crate::web::office::{YearPlan, current_plan};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/event/registrations", get(list).post(add))
        .route("/event/registrations.xlsx", get(list_xlsx))
        .route("/event/registrations/{reg}/cancel", post(cancel))
        .route("/event/registrations/{reg}/admit", post(admit))
        .route("/event/hours", get(hours_page))
        .route("/event/hours.xlsx", get(hours_xlsx))
        .route("/event/hours.csv", get(hours_csv))
        .route("/event/signin.pdf", get(signin_pdf))
}

#[derive(Deserialize, Default)]
struct Filter {
    #[serde(default)]
    status: String,
    #[serde(default)]
    meal: String,
    #[serde(default)]
    q: String,
}

impl Filter {
    fn keeps(&self, r: &Registration) -> bool {
        let q = self.q.trim().to_lowercase();
        (self.status.is_empty() || r.status == self.status)
            && (self.meal.is_empty() || r.meal == self.meal)
            && (q.is_empty()
                || r.name.to_lowercase().contains(&q)
                || r.school_name.to_lowercase().contains(&q)
                || r.email.contains(&q))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "office/event/registrations.html")]
struct ListPage {
    ctx: Ctx,
    /// Always false: the office's form (the shared fields take another school).
    public: bool,
    plan: Plan,
    rows: Vec<Registration>,
    counts: Counts,
    filter: Filter,
    schools: Vec<schools::School>,
    form: RegistrationForm,
    errors: FieldErrors,
}

impl ListPage {
    fn status(&self, r: &Registration) -> String {
        crate::web::event::status_text(&self.ctx, r)
    }
    fn meal(&self, r: &Registration) -> String {
        self.ctx.t(&format!("registration.meal.{}", r.meal)).into_owned()
    }
    fn source(&self, r: &Registration) -> String {
        self.ctx.t(&format!("registration.source.{}", r.source)).into_owned()
    }
    fn moment(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        crate::web::format::local_time(*at)
    }
    fn capacity(&self) -> String {
        match self.plan.presentation_day.capacity {
            Some(c) => self.ctx.tf1("registration.capacity_is", "n", &c.to_string()),
            None => self.ctx.t("registration.no_capacity").into_owned(),
        }
    }
}

async fn list_page(
    state: &AppState,
    ctx: Ctx,
    filter: Filter,
    form: RegistrationForm,
    errors: FieldErrors,
) -> AppResult<ListPage> {
    let YearPlan { year, plan, .. } = current_plan(state, &ctx.session).await?;
    let all = store::list(&state.db, year).await?;
    let counts = Counts::of(&all);
    let rows = all.into_iter().filter(|r| filter.keeps(r)).collect();
    let schools = schools::list(&state.db, &Default::default()).await?;
    Ok(ListPage { ctx, public: false, plan, rows, counts, filter, schools, form, errors })
}

async fn list(State(state): State<AppState>, ctx: Ctx, Query(filter): Query<Filter>) -> AppResult<ListPage> {
    let form = RegistrationForm { meal: "meat".into(), ..Default::default() };
    list_page(&state, ctx, filter, form, FieldErrors::default()).await
}

/// The office adds someone by hand: the school's rule is the office's to waive, the venue's
/// capacity is not (past it, the person waits like anyone).
async fn add(State(state): State<AppState>, ctx: Ctx, Form(form): Form<RegistrationForm>) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let schools = schools::list(&state.db, &Default::default()).await?;
    let data = match form::check(&state, &ctx, &form, &schools, Filled::Office) {
        Ok(d) => d,
        Err(errors) => {
            let page = list_page(&state, ctx, Filter::default(), form, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let actor = ctx.actor()?;
    let row = crate::event::register(&state, &plan, year, data, crate::event::Entry::Office, &actor).await?;
    crate::event::mail_ticket(&state, &plan, &row, linxuan_core::Lang::ZhTw);
    let key = if row.status == store::REGISTERED { "registration.added" } else { "registration.added_waiting" };
    ctx.flash("ok", ctx.tf1(key, "name", &row.name)).await;
    Ok(Redirect::to("/office/event/registrations").into_response())
}

async fn own(state: &AppState, year: i32, id: i32) -> AppResult<Registration> {
    store::get(&state.db, id).await?.filter(|r| r.plan_year == year).ok_or(AppError::NotFound)
}

async fn cancel(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    own(&state, year, id).await?;
    let (cancelled, promoted) = crate::event::cancel(&state, &plan, id, &ctx.actor()?).await?;
    for p in &promoted {
        crate::event::mail_ticket(&state, &plan, p, linxuan_core::Lang::ZhTw);
    }
    let mut text = ctx.tf1("registration.cancelled_by_office", "name", &cancelled.name);
    if !promoted.is_empty() {
        let names: Vec<&str> = promoted.iter().map(|p| p.name.as_str()).collect();
        text.push(' ');
        text.push_str(&ctx.tf1("registration.promoted", "names", &names.join(ctx.sep())));
    }
    ctx.flash("ok", text).await;
    Ok(Redirect::to("/office/event/registrations").into_response())
}

async fn admit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    own(&state, year, id).await?;
    let admitted = crate::event::admit(&state, &plan, id, &ctx.actor()?).await?;
    crate::event::mail_ticket(&state, &plan, &admitted, linxuan_core::Lang::ZhTw);
    ctx.flash("ok", ctx.tf1("registration.admitted", "name", &admitted.name)).await;
    Ok(Redirect::to("/office/event/registrations").into_response())
}

/// The list as a workbook: every registration with its standing, masked ID and scans.
async fn list_xlsx(State(state): State<AppState>, ctx: Ctx, Query(filter): Query<Filter>) -> AppResult<Response> {
    let YearPlan { year, .. } = current_plan(&state, &ctx.session).await?;
    let zh = |key: &str| crate::i18n::t(linxuan_core::Lang::ZhTw, key).into_owned();
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(crate::web::format::local_time).unwrap_or_default();
    let rows: Vec<Vec<Cell>> = store::list(&state.db, year)
        .await?
        .into_iter()
        .filter(|r| filter.keeps(r))
        .enumerate()
        .map(|(i, r)| {
            let status = zh(&crate::web::event::status_key(&r));
            vec![
                Cell::int(i as i64 + 1),
                Cell::Text(status),
                Cell::Text(r.school_name.clone()),
                Cell::Text(r.name.clone()),
                Cell::Text(r.title.clone()),
                Cell::Text(r.email.clone()),
                Cell::Text(zh(&format!("registration.meal.{}", r.meal))),
                Cell::Text(r.national_id_masked.clone().unwrap_or_default()),
                Cell::Text(zh(&format!("registration.source.{}", r.source))),
                Cell::Text(crate::web::format::local_time(r.created_at)),
                Cell::Text(time(r.checked_in_at)),
                Cell::Text(time(r.checked_out_at)),
            ]
        })
        .collect();
    let header =
        ["序號", "狀態", "學校", "姓名", "職稱", "電子郵件", "餐食", "身分證字號", "來源", "報名時間", "報到", "簽退"]
            .map(String::from)
            .to_vec();
    let bytes =
        workbook(&[Sheet { name: "報名".into(), header, rows }]).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(attachment(XLSX, &format!("registrations-{year}.xlsx"), bytes))
}

// ------------------------------------------------------------------ study hours

/// Why someone has no hours, in words.
fn why(ctx: &Ctx, s: &Shortfall) -> String {
    match s {
        Shortfall::NoCheckIn => ctx.t("hours.no_check_in").into_owned(),
        Shortfall::NoCheckOut => ctx.t("hours.no_check_out").into_owned(),
        Shortfall::Late(m) => ctx.tf1("hours.late", "n", &m.to_string()),
        Shortfall::LeftEarly(m) => ctx.tf1("hours.left_early", "n", &m.to_string()),
        Shortfall::OtherDay => ctx.t("hours.other_day").into_owned(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "office/event/hours.html")]
struct HoursPage {
    ctx: Ctx,
    plan: Plan,
    /// Hours earned, with an ID number.
    granted: Vec<HoursLine>,
    /// Hours earned, without an ID number: listed apart (the network needs one).
    no_id: Vec<HoursLine>,
    /// No hours, with why.
    none: Vec<HoursLine>,
}

impl HoursPage {
    fn why(&self, l: &HoursLine) -> String {
        l.shortfalls.iter().map(|s| why(&self.ctx, s)).collect::<Vec<_>>().join(self.ctx.sep())
    }
    fn hours(&self) -> String {
        self.plan.presentation_day.study_hours.normalize().to_string()
    }
    fn rule(&self) -> String {
        let day = &self.plan.presentation_day;
        let (start, end) = day.window().map_or((String::new(), String::new()), |(s, e)| {
            (s.format("%H:%M").to_string(), e.format("%H:%M").to_string())
        });
        self.ctx.tf(
            "hours.rule",
            &[("start", &start), ("end", &end), ("grace", &day.grace_minutes.to_string()), ("hours", &self.hours())],
        )
    }
    fn moment(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        at.map(crate::web::format::clock).unwrap_or_else(|| "—".into())
    }
}

async fn hours_lines(state: &AppState, ctx: &Ctx) -> AppResult<(i32, Plan, Vec<HoursLine>)> {
    let YearPlan { year, plan, .. } = current_plan(state, &ctx.session).await?;
    let list = store::list(&state.db, year).await?;
    let lines = crate::event::hours(&plan, &list);
    Ok((year, plan, lines))
}

fn split(lines: Vec<HoursLine>) -> (Vec<HoursLine>, Vec<HoursLine>, Vec<HoursLine>) {
    let (earned, none): (Vec<HoursLine>, Vec<HoursLine>) = lines.into_iter().partition(|l| l.hours.is_some());
    let (granted, no_id) = earned.into_iter().partition(|l| l.registration.national_id_sealed.is_some());
    (granted, no_id, none)
}

async fn hours_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<HoursPage> {
    let (_, plan, lines) = hours_lines(&state, &ctx).await?;
    let (granted, no_id, none) = split(lines);
    Ok(HoursPage { ctx, plan, granted, no_id, none })
}

/// The hours as a number with as many decimals as it has (`4`, `3.5`); none: empty.
fn hours_cell(l: &HoursLine) -> Cell {
    l.hours.map_or(Cell::Empty, |h| Cell::Number { value: h.normalize(), decimals: h.normalize().scale() })
}

/// The export's rows in the plan's columns, with the full ID numbers (the office's only). An ID
/// number this server's key cannot open refuses the export, naming whose: an export missing it
/// silently would cost that teacher the hours.
fn hours_rows(state: &AppState, plan: &Plan, lines: &[HoursLine]) -> AppResult<Vec<Vec<Cell>>> {
    let day = plan.presentation_day.date.date;
    let mut unreadable = Vec::new();
    let rows = lines
        .iter()
        .map(|l| {
            let r = &l.registration;
            let id = r.national_id_sealed.as_deref().map(|s| state.sealer.open(s));
            if id == Some(None) {
                unreadable.push(r.name.clone());
            }
            plan.presentation_day
                .hours_columns
                .iter()
                .map(|c| match c.as_str() {
                    "研習日期" => Cell::Text(linxuan_core::roc::format_slash(day)),
                    "姓名" => Cell::Text(r.name.clone()),
                    "身分證字號" => Cell::Text(id.clone().flatten().unwrap_or_default()),
                    "服務學校" => Cell::Text(r.school_name.clone()),
                    "時數" => hours_cell(l),
                    "職稱" => Cell::Text(r.title.clone()),
                    "電子郵件" => Cell::Text(r.email.clone()),
                    _ => Cell::Empty,
                })
                .collect()
        })
        .collect();
    if !unreadable.is_empty() {
        return Err(AppError::refused("hours.unreadable_ids", &[("names", &unreadable.join("、"))]));
    }
    Ok(rows)
}

async fn log_export(
    state: &AppState,
    ctx: &Ctx,
    year: i32,
    format: &str,
    granted: usize,
    no_id: usize,
) -> AppResult<()> {
    let now = state.now();
    let txn = state.db.begin().await?;
    audit::record(
        &txn,
        now,
        &ctx.actor()?,
        Change::new("hours.export", "year", year)
            .year(year)
            .after(&serde_json::json!({ "format": format, "with_id": granted, "without_id": no_id })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The workbook: the rows for the network (with ID numbers), those without an ID number apart,
/// and those with no hours and why.
async fn hours_xlsx(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let (year, plan, lines) = hours_lines(&state, &ctx).await?;
    let (granted, no_id, none) = split(lines);
    let zh = |key: &str| crate::i18n::t(linxuan_core::Lang::ZhTw, key).into_owned();
    let zh_ctx = Ctx { lang: linxuan_core::Lang::ZhTw, ..ctx.clone() };
    let header = plan.presentation_day.hours_columns.clone();
    let apart_header = ["姓名", "服務學校", "職稱", "電子郵件", "時數"].map(String::from).to_vec();
    let apart: Vec<Vec<Cell>> = no_id
        .iter()
        .map(|l| {
            let r = &l.registration;
            vec![
                Cell::Text(r.name.clone()),
                Cell::Text(r.school_name.clone()),
                Cell::Text(r.title.clone()),
                Cell::Text(r.email.clone()),
                hours_cell(l),
            ]
        })
        .collect();
    let none_rows: Vec<Vec<Cell>> = none
        .iter()
        .map(|l| {
            let r = &l.registration;
            let reasons = l.shortfalls.iter().map(|s| why(&zh_ctx, s)).collect::<Vec<_>>().join("、");
            vec![Cell::Text(r.name.clone()), Cell::Text(r.school_name.clone()), Cell::Text(reasons)]
        })
        .collect();
    let sheets = [
        Sheet { name: zh("hours.sheet"), header, rows: hours_rows(&state, &plan, &granted)? },
        Sheet { name: zh("hours.sheet_no_id"), header: apart_header, rows: apart },
        Sheet {
            name: zh("hours.sheet_none"),
            header: ["姓名", "服務學校", "原因"].map(String::from).to_vec(),
            rows: none_rows,
        },
    ];
    let bytes = workbook(&sheets).map_err(|e| AppError::Internal(e.to_string()))?;
    log_export(&state, &ctx, year, "xlsx", granted.len(), no_id.len()).await?;
    Ok(attachment(XLSX, &format!("study-hours-{year}.xlsx"), bytes))
}

/// The CSV for upload: only the rows the network can take (with an ID number).
async fn hours_csv(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let (year, plan, lines) = hours_lines(&state, &ctx).await?;
    let (granted, no_id, _) = split(lines);
    let header: Vec<&str> = plan.presentation_day.hours_columns.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = hours_rows(&state, &plan, &granted)?
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|c| match c {
                    Cell::Text(t) => t,
                    Cell::Number { value, .. } => value.normalize().to_string(),
                    Cell::Empty => String::new(),
                })
                .collect()
        })
        .collect();
    let bytes = linxuan_docs::export::csv(&header, &rows);
    log_export(&state, &ctx, year, "csv", granted.len(), no_id.len()).await?;
    Ok(attachment("text/csv; charset=utf-8", &format!("study-hours-{year}.csv"), bytes))
}

// ------------------------------------------------------------------ the sign-in sheet

/// The paper sign-in sheet: everyone with a place, by school in the list's order (by school
/// code; schools not on the list after), with ten blank lines for walk-ins.
async fn signin_pdf(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let zh = |key: &str| crate::i18n::t(linxuan_core::Lang::ZhTw, key).into_owned();
    let schools = schools::list(&state.db, &Default::default()).await?;
    let order =
        |r: &Registration| r.school_id.and_then(|id| schools.iter().position(|s| s.id == id)).unwrap_or(usize::MAX);
    let mut people: Vec<Registration> =
        store::list(&state.db, year).await?.into_iter().filter(|r| r.status == store::REGISTERED).collect();
    people
        .sort_by(|a, b| order(a).cmp(&order(b)).then_with(|| a.school_name.cmp(&b.school_name)).then(a.id.cmp(&b.id)));
    let day = &plan.presentation_day;
    let document = linxuan_pdf::SigninDocument {
        title: plan.title.clone(),
        name: format!("{}　{}", day.name, zh("signin.name")),
        subtitle: format!("{}　{}", linxuan_core::roc::format_long_with_weekday(day.date.date), day.venue),
        headings: [
            "signin.no",
            "community.school",
            "registration.name",
            "registration.job_title",
            "registration.meal",
            "signin.sign_in",
            "signin.time",
            "signin.sign_out",
            "signin.time",
        ]
        .iter()
        .map(|k| zh(k))
        .collect(),
        rows: people
            .iter()
            .enumerate()
            .map(|(i, r)| linxuan_pdf::SigninRow {
                no: (i + 1).to_string(),
                school: r.school_name.clone(),
                name: r.name.clone(),
                title: r.title.clone(),
                meal: zh(&format!("registration.meal.{}", r.meal)),
            })
            .collect(),
        blank: 10,
    };
    let typesetter = state.typesetter().await;
    let today = state.now().with_timezone(&linxuan_core::time::ZONE).date_naive();
    let today = (today.year(), today.month() as u8, today.day() as u8);
    let bytes = tokio::task::spawn_blocking(move || document.render(&typesetter, today))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(attachment(PDF, &format!("sign-in-{year}.pdf"), bytes))
}
