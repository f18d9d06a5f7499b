//! The budget (經費概算表), estimate beside actuals: each line's actual counted from the
//! system's records where the plan says how (reviews done × fee, trophies awarded × price,
//! certificates made), else entered here by the office with a note (in the audit log); what is
//! over its estimate is marked and each table says what is left. Printed as PDF and XLSX in the
//! bureau's layout with the signature row.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use linxuan_core::budget::Source;
use linxuan_core::plan::Plan;
use linxuan_docs::export::{Cell, Sheet, workbook};
use linxuan_store::TransactionTrait;
use linxuan_store::audit::{self, Change};
use linxuan_store::outcomes as store;
use serde::Deserialize;

use crate::app::AppState;
use crate::budget::{TableView, tables};
use crate::web::ctx::Ctx;
use crate::web::download::{PDF, XLSX, attachment};
use crate::web::error::{AppError, AppResult};
use crate::web::format::money;
use crate::web::office::{YearPlan, current_plan};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/budget", get(page))
        .route("/budget/{table}/{line}", post(set_actual))
        .route("/budget.pdf", get(pdf))
        .route("/budget.xlsx", get(xlsx))
}

#[derive(Template, WebTemplate)]
#[template(path = "office/budget/budget.html")]
struct BudgetPage {
    ctx: Ctx,
    plan: Plan,
    tables: Vec<TableView>,
}

impl BudgetPage {
    fn money(&self, n: &i64) -> String {
        money(*n)
    }
    fn source(&self, text: &str) -> String {
        match Source::parse(text, &self.plan) {
            Ok(Source::Reviews(p)) => self.ctx.tf1("budget.source.reviews", "phases", &self.phases(&p)),
            Ok(Source::Reviewers(p)) => self.ctx.tf1("budget.source.reviewers", "phases", &self.phases(&p)),
            Ok(Source::Trophies(t)) => {
                self.ctx.tf1("budget.source.trophies", "track", &crate::web::names::track(&self.ctx, &self.plan, &t))
            }
            Ok(Source::Certificates) => self.ctx.t("budget.source.certificates").into_owned(),
            Ok(Source::Meals) => self.ctx.t("budget.source.meals").into_owned(),
            Err(_) => String::new(),
        }
    }
    fn summary(&self, v: &TableView) -> String {
        let a = &v.actual;
        self.ctx.tf(
            "budget.table_summary",
            &[("estimate", &money(a.estimate)), ("actual", &money(a.actual)), ("left", &money(a.left))],
        )
    }
    fn phases(&self, phases: &[String]) -> String {
        phases
            .iter()
            .map(|p| crate::web::names::phase(&self.ctx, &self.plan, p))
            .collect::<Vec<_>>()
            .join(self.ctx.sep())
    }
}

async fn page(State(state): State<AppState>, ctx: Ctx) -> AppResult<BudgetPage> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let tables = tables(&state, &plan, year).await?;
    Ok(BudgetPage { ctx, plan, tables })
}

#[derive(Deserialize)]
struct ActualForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    note: String,
}

/// The office's actual for a line the system cannot count (empty clears it).
async fn set_actual(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((table, line)): Path<(String, usize)>,
    Form(form): Form<ActualForm>,
) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let t = plan.budget.tables.iter().find(|t| t.id == table).ok_or(AppError::NotFound)?;
    let l = t.lines.get(line).ok_or(AppError::NotFound)?;
    if !l.actual.trim().is_empty() {
        return Err(AppError::refused("budget.counted", &[("item", &l.item)]));
    }
    let text = form.amount.trim().replace([',', '，'], "");
    let amount = match text.as_str() {
        "" => None,
        t => match t.parse::<i64>() {
            // A billion NT$ is far beyond any line: a typo, not an amount.
            Ok(n) if (0..=1_000_000_000).contains(&n) => Some(n),
            _ => {
                return Err(AppError::refused(
                    "budget.bad_amount",
                    &[("item", &l.item), ("value", form.amount.trim())],
                ));
            }
        },
    };
    let note = linxuan_core::text::clean_line(&form.note);
    if note.chars().count() > 500 {
        return Err(AppError::refused("budget.note_too_long", &[("n", "500")]));
    }
    let actor = ctx.actor()?;
    let now = state.now();
    let txn = state.db.begin().await?;
    let before = store::set_budget_actual(
        &txn,
        year,
        &table,
        line as i32,
        amount.map(|a| (a, note.as_ref())),
        &actor.label,
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("budget.actual", "budget", format!("{table}/{line}"))
            .year(year)
            .before(&serde_json::json!({ "amount": before.as_ref().map(|b| b.amount), "note": before.map(|b| b.note) }))
            .after(&serde_json::json!({ "item": l.item, "amount": amount, "note": note })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("budget.saved", "item", &l.item)).await;
    Ok(Redirect::to(&format!("/office/budget#t-{table}")).into_response())
}

fn actual_text(amount: Option<i64>) -> String {
    amount.map_or_else(|| "—".to_string(), money)
}

/// The budget as printed: the bureau's columns, the actual beside the estimate, the signature
/// row. The printed form is in Traditional Chinese, as the bureau files it.
async fn pdf(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let views = tables(&state, &plan, year).await?;
    let today = state.now().with_timezone(&linxuan_core::time::ZONE).date_naive();
    let zh = |key: &str| crate::i18n::t(linxuan_core::Lang::ZhTw, key).into_owned();
    let document = linxuan_pdf::BudgetDocument {
        title: plan.title.clone(),
        date: linxuan_core::outcomes::official_date(today, linxuan_core::outcomes::DateStyle::Digits),
        headings: HEADINGS.iter().map(|h| h.to_string()).collect(),
        signatures: SIGNATURES.iter().map(|s| s.to_string()).collect(),
        total_label: "合計".into(),
        tables: views
            .iter()
            .map(|v| {
                let table = &plan.budget.tables[v.index];
                linxuan_pdf::BudgetTableDoc {
                    title: table.title.clone(),
                    rows: table
                        .lines
                        .iter()
                        .zip(&v.actual.lines)
                        .map(|(l, a)| linxuan_pdf::BudgetRowDoc {
                            no: l.no.clone(),
                            item: l.item.clone(),
                            unit_price: money(l.unit_price),
                            quantity: l.quantity.to_string(),
                            unit: l.unit.clone(),
                            total: money(l.total),
                            actual: actual_text(a.amount),
                            over: a.over,
                            note: l.note.clone(),
                        })
                        .collect(),
                    total: money(v.actual.estimate),
                    actual: money(v.actual.actual),
                    summary: crate::i18n::tf(
                        linxuan_core::Lang::ZhTw,
                        "budget.summary",
                        &[
                            ("estimate", &money(v.actual.estimate)),
                            ("actual", &money(v.actual.actual)),
                            ("left", &money(v.actual.left)),
                        ],
                    ) + &if v.actual.lines.iter().any(|l| l.over) {
                        zh("budget.over_note")
                    } else {
                        String::new()
                    },
                }
            })
            .collect(),
    };
    let typesetter = state.typesetter().await;
    let day = (today.year(), today.month() as u8, today.day() as u8);
    let bytes = tokio::task::spawn_blocking(move || document.render(&typesetter, day))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(attachment(PDF, &format!("budget-{year}.pdf"), bytes))
}

const HEADINGS: [&str; 8] = ["項次", "項目", "單價", "數量", "單位", "總價", "實支", "說明"];
const SIGNATURES: [&str; 4] = ["承辦人", "單位主管", "會計主任", "校長"];

async fn xlsx(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let views = tables(&state, &plan, year).await?;
    let sheets: Vec<Sheet> = views
        .iter()
        .map(|v| {
            let table = &plan.budget.tables[v.index];
            let mut rows: Vec<Vec<Cell>> = table
                .lines
                .iter()
                .zip(&v.actual.lines)
                .map(|(l, a)| {
                    vec![
                        Cell::from(l.no.as_str()),
                        Cell::from(l.item.as_str()),
                        Cell::int(l.unit_price),
                        Cell::int(l.quantity),
                        Cell::from(l.unit.as_str()),
                        Cell::int(l.total),
                        a.amount.map_or(Cell::Empty, Cell::int),
                        Cell::from(l.note.as_str()),
                    ]
                })
                .collect();
            rows.push(vec![
                Cell::from(""),
                Cell::from("合計"),
                Cell::from(""),
                Cell::from(""),
                Cell::from(""),
                Cell::int(v.actual.estimate),
                Cell::int(v.actual.actual),
                Cell::from(format!("尚餘 {}", money(v.actual.left))),
            ]);
            rows.push(Vec::new());
            rows.push(SIGNATURES.iter().map(|s| Cell::from(*s)).collect());
            let name: String = table.title.chars().take(31).collect();
            Sheet { name, header: HEADINGS.iter().map(|h| h.to_string()).collect(), rows }
        })
        .collect();
    let bytes = workbook(&sheets).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(attachment(XLSX, &format!("budget-{year}.xlsx"), bytes))
}
