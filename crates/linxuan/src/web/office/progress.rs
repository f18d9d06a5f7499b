//! The office's progress board: every community with its checkpoint status and missing items,
//! filterable by track, group, school and district, with counts, an XLSX export, and reminder
//! e-mail to the conveners of communities with missing items (previewed, then sent, logged).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use linxuan_core::plan::Plan;
use linxuan_core::progress::{self, CheckpointStatus, Progress};
use linxuan_store::audit::{self, Actor, Change};
use linxuan_store::communities::{self, Community, Member};
use linxuan_store::mail::MailEntry;
use linxuan_store::schools::{self, School};
use serde::Deserialize;

use super::{YearPlan, current_plan};
use crate::app::AppState;
use crate::mail::{self, Delivery};
use crate::web::charts::{self, Stack, Svg};
use crate::web::community::{checkpoint_badge, group_name};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/progress", get(board))
        .route("/progress/export.xlsx", get(export))
        .route("/progress/remind", get(preview).post(send))
        .route("/mail", get(mail_log))
}

#[derive(Deserialize, Default, Clone)]
pub struct Filter {
    #[serde(default)]
    pub track: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub school: String,
    #[serde(default)]
    pub district: String,
    /// Only communities with something missing.
    #[serde(default)]
    pub missing: Option<String>,
}

impl Filter {
    pub fn query(&self) -> String {
        let enc = |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
        let mut q = format!(
            "track={}&group={}&school={}&district={}",
            enc(&self.track),
            enc(&self.group),
            enc(&self.school),
            enc(&self.district)
        );
        if self.missing.is_some() {
            q.push_str("&missing=1");
        }
        q
    }
}

pub struct Line {
    pub community: Community,
    pub school: Option<School>,
    pub conveners: Vec<Member>,
    pub progress: Progress,
    pub missing: Vec<(String, String)>,
}

pub struct Board {
    pub year: i32,
    pub years: Vec<i32>,
    pub plan: Plan,
    pub lines: Vec<Line>,
    pub schools: Vec<School>,
}

/// What the progress board is computed from, read from the database alone: the year's
/// approved communities, the schools, each community's progress facts and its conveners. Kept
/// while the database stays the same (`crate::cache`); the progress itself depends on the time
/// and is worked out on every request.
struct YearFacts {
    communities: Vec<Community>,
    schools: Vec<School>,
    school_of: HashMap<i32, School>,
    facts: HashMap<i32, linxuan_core::progress::CommunityFacts>,
    conveners_of: HashMap<i32, Vec<Member>>,
}

async fn year_facts(state: &AppState, year: i32) -> AppResult<YearFacts> {
    let _turn = state.heavy_page().await;
    let communities: Vec<Community> =
        communities::list(&state.db, year).await?.into_iter().filter(|c| c.status == communities::APPROVED).collect();
    let schools = schools::list(&state.db, &Default::default()).await?;
    let school_of: HashMap<i32, School> = schools.iter().map(|s| (s.id, s.clone())).collect();
    let facts = crate::facts::gather(&state.db, &communities).await?;
    let ids: Vec<i32> = communities.iter().map(|c| c.id).collect();
    let mut conveners_of: HashMap<i32, Vec<Member>> = HashMap::new();
    for m in communities::conveners_of(&state.db, &ids).await? {
        conveners_of.entry(m.community_id).or_default().push(m);
    }
    Ok(YearFacts { communities, schools, school_of, facts, conveners_of })
}

/// Every approved community of the year on screen, with its progress now, filtered.
pub async fn gather(state: &AppState, ctx: &Ctx, filter: &Filter) -> AppResult<Board> {
    let YearPlan { year, plan, years } = current_plan(state, &ctx.session).await?;
    let kept = state.computed.get_or_compute(&state.db, "office.progress", year, || year_facts(state, year)).await?;
    let school_of = &kept.school_of;
    let now = state.now();
    let lines = kept
        .communities
        .iter()
        .filter(|c| filter.track.is_empty() || c.track == filter.track)
        .filter(|c| filter.group.is_empty() || c.group_id == filter.group)
        .filter(|c| filter.school.is_empty() || school_of.get(&c.school_id).is_some_and(|s| s.code == filter.school))
        .filter(|c| {
            filter.district.is_empty() || school_of.get(&c.school_id).is_some_and(|s| s.district == filter.district)
        })
        .filter_map(|community| {
            let progress = progress::progress(&plan, kept.facts.get(&community.id)?, now);
            if filter.missing.is_some() && progress.missing().is_empty() {
                return None;
            }
            let missing = progress.missing();
            Some(Line {
                school: school_of.get(&community.school_id).cloned(),
                community: community.clone(),
                conveners: kept.conveners_of.get(&community.id).cloned().unwrap_or_default(),
                progress,
                missing,
            })
        })
        .collect();
    Ok(Board { year, years, plan, lines, schools: kept.schools.clone() })
}

#[derive(Template, WebTemplate)]
#[template(path = "office/progress.html")]
struct BoardPage {
    ctx: Ctx,
    year: i32,
    years: Vec<i32>,
    board: Board,
    filter: Filter,
    /// Per checkpoint: (name, on time, late, pending, missing).
    counts: Vec<(String, usize, usize, usize, usize)>,
    with_missing: usize,
}

impl BoardPage {
    fn group_name(&self, c: &Community) -> String {
        group_name(&self.ctx, &self.board.plan, c)
    }
    fn badge(&self, status: &CheckpointStatus) -> (&'static str, String) {
        checkpoint_badge(&self.ctx, status)
    }
    fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.ctx.pick(zh, en)
    }
    fn points(&self, d: &rust_decimal::Decimal) -> String {
        d.round_dp(2).normalize().to_string()
    }
    fn districts(&self) -> Vec<String> {
        let mut d: Vec<String> = self.board.schools.iter().map(|s| s.district.clone()).collect();
        d.sort();
        d.dedup();
        d
    }
    fn tracks(&self) -> Vec<(String, String)> {
        self.board
            .plan
            .tracks
            .iter()
            .map(|(id, t)| (id.clone(), self.ctx.named(&t.name, &t.name_en).to_string()))
            .collect()
    }
    fn groups(&self) -> Vec<(String, String)> {
        self.board
            .plan
            .groups
            .iter()
            .map(|(id, g)| (id.clone(), self.ctx.named(&g.name, &g.name_en).to_string()))
            .collect()
    }
    fn checkpoint_names(&self) -> Vec<String> {
        self.board.plan.checkpoints.values().map(|c| self.ctx.named(&c.name, &c.name_en).to_string()).collect()
    }
    /// Per group of the communities on screen, each checkpoint as a bar: on time, late,
    /// missing, not due yet — drawn, with the counts in words for a screen reader.
    fn charts(&self) -> Vec<Svg> {
        let parts = [
            ("ok", self.ctx.t("progress.on_time").into_owned()),
            ("late", self.ctx.t("progress.late").into_owned()),
            ("missing", self.ctx.t("progress.missing").into_owned()),
            ("pending", self.ctx.t("progress.pending").into_owned()),
        ];
        let plan = &self.board.plan;
        plan.groups
            .iter()
            .filter_map(|(gid, g)| {
                let lines: Vec<&Line> = self.board.lines.iter().filter(|l| l.community.group_id == *gid).collect();
                if lines.is_empty() {
                    return None;
                }
                let stacks: Vec<Stack> = plan
                    .checkpoints
                    .iter()
                    .map(|(cid, c)| {
                        let mut counts = vec![0; 4];
                        for l in &lines {
                            match l.progress.checkpoints.iter().find(|p| p.id == *cid).map(|p| &p.status) {
                                Some(CheckpointStatus::OnTime { .. }) => counts[0] += 1,
                                Some(CheckpointStatus::Late { .. }) => counts[1] += 1,
                                Some(CheckpointStatus::Missing) => counts[2] += 1,
                                Some(CheckpointStatus::Pending) | None => counts[3] += 1,
                            }
                        }
                        Stack { label: self.ctx.named(&c.name, &c.name_en).to_string(), counts }
                    })
                    .collect();
                let group = self.ctx.named(&g.name, &g.name_en);
                let desc = stacks
                    .iter()
                    .map(|s| {
                        let counts = parts
                            .iter()
                            .zip(&s.counts)
                            .map(|((_, name), n)| format!("{name} {n}"))
                            .collect::<Vec<_>>()
                            .join(self.ctx.pick("、", ", "));
                        format!("{}{}{counts}", s.label, self.ctx.colon())
                    })
                    .collect::<Vec<_>>()
                    .join(self.ctx.pick("；", "; "));
                let title = self.ctx.tf("progress.chart_title", &[("group", group), ("n", &lines.len().to_string())]);
                Some(charts::stacked_bars(
                    &format!("progress-{gid}"),
                    &title,
                    &desc,
                    &stacks,
                    &parts.iter().map(|(c, n)| (*c, n.clone())).collect::<Vec<_>>(),
                ))
            })
            .collect()
    }
}

fn counts(ctx: &Ctx, board: &Board) -> Vec<(String, usize, usize, usize, usize)> {
    let ctx_name = |cp: &linxuan_core::plan::Checkpoint| ctx.named(&cp.name, &cp.name_en).to_string();
    board
        .plan
        .checkpoints
        .iter()
        .map(|(id, cp)| {
            let mut c = (ctx_name(cp), 0, 0, 0, 0);
            for line in &board.lines {
                match line.progress.checkpoints.iter().find(|p| p.id == *id).map(|p| &p.status) {
                    Some(CheckpointStatus::OnTime { .. }) => c.1 += 1,
                    Some(CheckpointStatus::Late { .. }) => c.2 += 1,
                    Some(CheckpointStatus::Pending) => c.3 += 1,
                    Some(CheckpointStatus::Missing) => c.4 += 1,
                    None => {}
                }
            }
            c
        })
        .collect()
}

async fn board(State(state): State<AppState>, ctx: Ctx, Query(filter): Query<Filter>) -> AppResult<Response> {
    let board = gather(&state, &ctx, &filter).await?;
    let counts = counts(&ctx, &board);
    let with_missing = board.lines.iter().filter(|l| !l.missing.is_empty()).count();
    Ok(BoardPage { ctx, year: board.year, years: board.years.clone(), board, filter, counts, with_missing }
        .into_response())
}

/// The board as a workbook, for the office's own follow-up.
async fn export(State(state): State<AppState>, ctx: Ctx, Query(filter): Query<Filter>) -> AppResult<Response> {
    let board = gather(&state, &ctx, &filter).await?;
    let mut header: Vec<String> = ["社群代碼", "社群名稱", "學校", "行政區", "類別組別", "召集人", "召集人電子郵件"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for cp in board.plan.checkpoints.values() {
        header.push(cp.name.clone());
    }
    header.extend(["及時性", "完整性（建議）", "缺少項目"].iter().map(|s| s.to_string()));
    use linxuan_docs::export::{Cell, Sheet};
    let rows: Vec<Vec<Cell>> = board
        .lines
        .iter()
        .map(|l| {
            let mut row: Vec<Cell> = vec![
                l.community.code.clone().into(),
                l.community.name.clone().into(),
                l.school.as_ref().map(|s| s.name.clone()).unwrap_or_default().into(),
                l.school.as_ref().map(|s| s.district.clone()).unwrap_or_default().into(),
                crate::web::community::group_name_zh(&board.plan, &l.community).into(),
                l.conveners.iter().map(|m| m.name.clone()).collect::<Vec<_>>().join("、").into(),
                l.conveners.iter().map(|m| m.email.clone()).collect::<Vec<_>>().join(", ").into(),
            ];
            for cp in &l.progress.checkpoints {
                row.push(checkpoint_badge(&ctx, &cp.status).1.into());
            }
            // Points as numbers, so that the office can sum and sort them.
            row.push(Cell::score(l.progress.timeliness_points));
            row.push(Cell::score(l.progress.completeness_points));
            row.push(l.missing.iter().map(|(zh, _)| zh.clone()).collect::<Vec<_>>().join("；").into());
            row
        })
        .collect();
    let bytes = linxuan_docs::export::workbook(&[Sheet { name: "進度".into(), header, rows }])
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let name = format!("progress-{}.xlsx", board.year);
    Ok(super::schools::attachment("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &name, bytes))
}

// ---------------------------------------------------------------- reminders

/// One reminder as it will go out.
pub struct Reminder {
    pub code: String,
    pub community: String,
    pub to: Vec<(String, String)>,
    pub subject: String,
    pub body: String,
}

fn reminders(board: &Board, note: &str) -> Vec<Reminder> {
    board
        .lines
        .iter()
        .filter(|l| !l.missing.is_empty() && !l.conveners.is_empty())
        .map(|l| {
            let items: String = l.missing.iter().map(|(zh, _)| format!("  ・{zh}\n")).collect();
            let deadlines: String = board
                .plan
                .checkpoints
                .values()
                .map(|c| format!("  ・{}：{} 23:59:59 前\n", c.name, linxuan_core::roc::format_long_with_weekday(c.deadline.0)))
                .collect();
            let note = if note.trim().is_empty() { String::new() } else { format!("{}\n\n", note.trim()) };
            let names = l.conveners.iter().map(|m| m.name.clone()).collect::<Vec<_>>().join("、");
            Reminder {
                code: l.community.code.clone(),
                community: l.community.name.clone(),
                to: l.conveners.iter().map(|m| (m.name.clone(), m.email.clone())).collect(),
                subject: format!("【{}】社群「{}」尚缺資料提醒", board.plan.title, l.community.name),
                body: format!(
                    "{names} 老師您好：\n\n{note}貴社群「{}」（{}）目前尚缺以下資料：\n{items}\n各期限：\n{deadlines}\n請登入遴選平台上傳。謝謝！\n\n{}\n",
                    l.community.name, l.community.code, board.plan.organiser
                ),
            }
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct RemindForm {
    #[serde(default)]
    note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "office/remind.html")]
struct RemindPage {
    ctx: Ctx,
    filter: Filter,
    reminders: Vec<Reminder>,
    note: String,
    /// After sending: (recipient, status) per message.
    results: Vec<(String, String, &'static str)>,
    mail_configured: bool,
}

async fn preview(State(state): State<AppState>, ctx: Ctx, Query(filter): Query<Filter>) -> AppResult<RemindPage> {
    let board = gather(&state, &ctx, &filter).await?;
    Ok(RemindPage {
        reminders: reminders(&board, ""),
        filter,
        note: String::new(),
        results: Vec::new(),
        mail_configured: state.mailer.configured(),
        ctx,
    })
}

async fn send(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(filter): Query<Filter>,
    Form(form): Form<RemindForm>,
) -> AppResult<Response> {
    let me = ctx.user.clone().ok_or(AppError::Forbidden)?;
    if !state.mailer.configured() {
        return Err(AppError::bad_request(
            "尚未設定寄信伺服器（LINXUAN_SMTP_URL），無法寄出提醒",
            "no mail server is configured (LINXUAN_SMTP_URL): reminders cannot be sent",
        ));
    }
    let note: String = form.note.chars().take(2000).collect();
    let board = gather(&state, &ctx, &filter).await?;
    let list = reminders(&board, &note);
    let mut results = Vec::new();
    for r in &list {
        for (name, email) in &r.to {
            let status = match mail::send(&state, "reminder", email, &r.subject, &r.body, &me.email).await {
                Delivery::Sent => "sent",
                Delivery::NotConfigured => "not-configured",
                Delivery::Failed(_) => "failed",
            };
            results.push((format!("{name} <{email}>"), r.code.clone(), status));
        }
    }
    let sent = results.iter().filter(|r| r.2 == "sent").count();
    let mut change = Change::new("reminder.send", "mail", board.year).year(board.year);
    change.after =
        Some(serde_json::json!({ "filter": filter.query(), "messages": results.len(), "sent": sent, "note": note }));
    audit::record(&state.db, state.now(), &Actor::user(me.id, &me.email), change).await?;
    Ok(RemindPage { reminders: list, filter, note, results, mail_configured: true, ctx }.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "office/mail.html")]
struct MailPage {
    ctx: Ctx,
    entries: Vec<MailEntry>,
}

impl MailPage {
    fn when(&self, e: &MailEntry) -> String {
        crate::web::format::local_time(e.at)
    }
}

async fn mail_log(State(state): State<AppState>, ctx: Ctx) -> AppResult<MailPage> {
    Ok(MailPage { entries: linxuan_store::mail::recent(&state.db, 500).await?, ctx })
}
