//! The year's plan in the office's hands: every section shown, each edited through a form
//! that runs the same validation as `linxuan plan check`, every change in the audit log. The
//! whole plan can also be downloaded and uploaded as TOML, and a new year starts as a copy.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use linxuan_core::plan::{self, CriterionSource, Cut, Judging, LineKind, PhaseKind, Plan, Problem, SchoolLevel};
use linxuan_core::{Lang, roc, time};
use linxuan_store::audit::{self, Change};
use linxuan_store::{StoreError, TransactionTrait, plans};
use serde::Deserialize;

use super::plan_form::{self, FieldProblem};
use super::{YearPlan, choose_year, current_plan};
use crate::app::AppState;
use crate::web::ctx::{Ctx, local_path};
use crate::web::error::{AppError, AppResult};
use crate::web::forms::FieldErrors;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plan", get(overview))
        .route("/plan/year", post(switch_year))
        .route("/plan/next-year", post(next_year))
        .route("/plan/download", get(download))
        .route("/plan/upload", post(upload))
        .route("/plan/edit/{section}", get(edit_page).post(save_section))
}

// ---------------------------------------------------------------- timeline

/// One dated event of the year, as the dashboard and home pages list them.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub date: String,
    pub label: String,
    pub status: String,
    /// CSS badge class: `ok` (done), `warn` (soon), `` (later)
    pub badge: &'static str,
}

impl Timeline {
    pub fn of(plan: &Plan, lang: Lang, now: DateTime<Utc>) -> Vec<Timeline> {
        let tr = |key: &str| crate::i18n::t(lang, key).into_owned();
        let mut events: Vec<(chrono::NaiveDate, String, bool)> = vec![
            (plan.operating_period.start.0, tr("timeline.period_start"), false),
            (plan.operating_period.end.0, tr("timeline.period_end"), false),
        ];
        for cp in plan.checkpoints.values() {
            let name = if lang == Lang::En && !cp.name_en.is_empty() { &cp.name_en } else { &cp.name };
            events.push((cp.deadline.0, format!("{name} {}", tr("timeline.deadline")), true));
        }
        let day = &plan.presentation_day;
        let tentative = if day.tentative {
            format!(
                "{}{}{}",
                crate::i18n::pick(lang, "（", " ("),
                tr("timeline.tentative"),
                crate::i18n::pick(lang, "）", ")")
            )
        } else {
            String::new()
        };
        events.push((day.date.date, format!("{}{tentative}", tr("timeline.presentation_day")), false));
        events.sort_by_key(|(d, _, _)| *d);
        let today = time::local_date(now);
        events
            .into_iter()
            .map(|(date, label, is_deadline)| {
                let days = (date - today).num_days();
                let (status, badge) = if days < 0 {
                    (tr("timeline.past"), "ok")
                } else if days == 0 {
                    (if is_deadline { tr("timeline.today_deadline") } else { tr("timeline.today") }, "warn")
                } else {
                    let text = crate::i18n::tf(lang, "timeline.in_days", &[("n", &days.to_string())]);
                    (text, if days <= 14 { "warn" } else { "" })
                };
                Timeline { date: crate::web::format::date_long_in(lang, date), label, status, badge }
            })
            .collect()
    }
}

// ---------------------------------------------------------------- overview

#[derive(Template, WebTemplate)]
#[template(path = "office/plan.html")]
struct Overview {
    ctx: Ctx,
    year: i32,
    years: Vec<i32>,
    plan: Plan,
    upload_problems: Vec<String>,
    /// Whether the year on screen is the newest (a new year is copied from the newest).
    newest: bool,
}

impl Overview {
    /// The plan's working dates on a weekend, in words, for the office to check.
    fn weekends(&self) -> Vec<String> {
        self.plan
            .weekend_dates()
            .into_iter()
            .map(|w| format!("{}：{}", self.ctx.pick(&w.zh, &w.en), crate::web::format::date_long(&self.ctx, w.date)))
            .collect()
    }
    fn level_names(&self, levels: &[SchoolLevel]) -> String {
        levels.iter().map(|l| self.ctx.pick(l.name_zh(), l.name_en())).collect::<Vec<_>>().join(self.ctx.sep())
    }
    fn track_name(&self, id: &str) -> String {
        crate::web::names::track(&self.ctx, &self.plan, id)
    }
    fn quota(&self, group: &str, level: &str) -> String {
        self.plan.groups.get(group).and_then(|g| g.quotas.get(level)).map_or_else(|| "—".into(), |q| q.to_string())
    }
    fn cut(&self, cut: &Option<Cut>) -> String {
        cut_text(&self.ctx, cut)
    }
    fn source(&self, source: &CriterionSource) -> String {
        self.ctx.t(source_key(*source)).into_owned()
    }
    fn judging(&self, judging: &Judging) -> String {
        self.ctx.t(judging_key(*judging)).into_owned()
    }
    fn requires(&self, cp: &plan::Checkpoint) -> String {
        cp.requires
            .iter()
            .map(|r| self.ctx.t(requirement_key(*r)).into_owned())
            .collect::<Vec<_>>()
            .join(self.ctx.sep())
    }
    fn money(&self, n: &i64) -> String {
        money(*n)
    }
    fn date(&self, d: &roc::RocDate) -> String {
        crate::web::format::date_long(&self.ctx, d.0)
    }
    /// The tie-break order in words: 豐富性 → 完整性 → 及時性.
    fn tie_break(&self, track: &plan::Track) -> String {
        track
            .tie_break
            .iter()
            .map(|id| {
                track.criteria.get(id).map_or_else(|| id.clone(), |c| self.ctx.named(&c.name, &c.name_en).to_string())
            })
            .collect::<Vec<_>>()
            .join(" → ")
    }
    fn day_date(&self) -> String {
        crate::web::format::date_long(&self.ctx, self.plan.presentation_day.date.date)
    }
    fn total_places(&self, group: &plan::Group) -> i64 {
        group.award_places()
    }
}

pub use crate::web::format::money;

fn source_key(source: CriterionSource) -> &'static str {
    match source {
        CriterionSource::Computed => "plan.source.computed",
        CriterionSource::Suggested => "plan.source.suggested",
        CriterionSource::Rubric => "plan.source.rubric",
        CriterionSource::Judged => "plan.source.judged",
        CriterionSource::Presentation => "plan.source.presentation",
    }
}

fn judging_key(judging: Judging) -> &'static str {
    match judging {
        Judging::Written => "plan.judging.written",
        Judging::WrittenAndPresentation => "plan.judging.written_presentation",
    }
}

fn requirement_key(r: plan::Requirement) -> &'static str {
    match r {
        plan::Requirement::Meetings => "plan.requires.meetings",
        plan::Requirement::Report => "plan.requires.report",
        plan::Requirement::SelfEvaluation => "plan.requires.self_evaluation",
    }
}

fn line_kind_key(kind: LineKind) -> &'static str {
    match kind {
        LineKind::Other => "plan.kind.other",
        LineKind::Review => "plan.kind.review",
        LineKind::Meal => "plan.kind.meal",
        LineKind::Trophy => "plan.kind.trophy",
        LineKind::Misc => "plan.kind.misc",
    }
}

fn cut_text(ctx: &Ctx, cut: &Option<Cut>) -> String {
    match cut {
        None => "—".into(),
        Some(Cut::TopAwardPlaces { factor }) => ctx.tf1("plan.cut.top_award_places_n", "n", &factor.to_string()),
        Some(Cut::Top { count }) => ctx.tf1("plan.cut.top_n", "n", &count.to_string()),
        Some(Cut::Minimum { score }) => ctx.tf1("plan.cut.minimum_n", "n", &score.to_string()),
    }
}

async fn overview(State(state): State<AppState>, ctx: Ctx) -> AppResult<Overview> {
    let YearPlan { year, plan, years } = current_plan(&state, &ctx.session).await?;
    let newest = years.first() == Some(&year);
    Ok(Overview { ctx, year, years, plan, upload_problems: Vec::new(), newest })
}

#[derive(Deserialize)]
pub struct YearForm {
    year: i32,
    back: Option<String>,
}

async fn switch_year(State(state): State<AppState>, ctx: Ctx, Form(form): Form<YearForm>) -> AppResult<Response> {
    if plans::get(&state.db, form.year).await?.is_none() {
        return Err(AppError::NotFound);
    }
    choose_year(&ctx.session, form.year).await;
    Ok(Redirect::to(&local_path(form.back.as_deref()).unwrap_or_else(|| "/office".into())).into_response())
}

/// A plan saved with more room (a higher capacity, more places per school): the waiting list
/// moves up, and those given a place get their ticket.
async fn promote_after(state: &AppState, year: i32, plan: &Plan) -> AppResult<()> {
    for r in crate::event::after_plan_change(state, plan, year).await? {
        crate::event::mail_ticket(state, plan, &r, linxuan_core::Lang::ZhTw);
    }
    Ok(())
}

fn plan_json(plan: &Plan) -> serde_json::Value {
    serde_json::to_value(plan).unwrap_or(serde_json::Value::Null)
}

#[derive(Deserialize)]
pub struct NextYearForm {
    /// The newest year when the button was shown: a second click (or a second officer) finds
    /// the year already created instead of making another.
    from: i32,
}

async fn next_year(State(state): State<AppState>, ctx: Ctx, Form(form): Form<NextYearForm>) -> AppResult<Response> {
    let latest = plans::latest(&state.db).await?.ok_or(AppError::NotFound)?;
    if latest.academic_year != form.from {
        return Err(AppError::bad_request(
            format!("{} 學年度的計畫已經建立", form.from + 1),
            format!("the plan for academic year {} is already created", form.from + 1),
        ));
    }
    let latest_plan = Plan::from_toml(&latest.toml).map_err(|e| AppError::Internal(e.to_string()))?;
    let next = latest_plan.next_year();
    let now = state.now();
    let txn = state.db.begin().await?;
    match plans::insert(&txn, next.academic_year, &next.to_toml(), now).await {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::bad_request(
                format!("{} 學年度的計畫已經存在", next.academic_year),
                format!("the plan for academic year {} already exists", next.academic_year),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    audit::record(
        &txn,
        now,
        &ctx.actor()?,
        Change::new("plan.create", "plan", next.academic_year).year(next.academic_year).after(&plan_json(&next)),
    )
    .await?;
    txn.commit().await?;
    choose_year(&ctx.session, next.academic_year).await;
    let problems = plan::validate(&next);
    ctx.flash("ok", ctx.tf1("plan.next_created", "year", &next.academic_year.to_string())).await;
    let weekends = next.weekend_dates().len();
    if weekends > 0 {
        ctx.flash("info", ctx.tf1("plan.weekends_after_copy", "n", &weekends.to_string())).await;
    }
    if !problems.is_empty() {
        ctx.flash("info", ctx.t("plan.next_check")).await;
    }
    Ok(Redirect::to("/office/plan").into_response())
}

async fn download(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let YearPlan { year, .. } = current_plan(&state, &ctx.session).await?;
    let stored = plans::get(&state.db, year).await?.ok_or(AppError::NotFound)?;
    let disposition = format!("attachment; filename=\"linxuan-plan-{year}.toml\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/toml; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        stored.toml,
    )
        .into_response())
}

/// Saves a whole new plan for the year on screen, after the same checks as `plan check`.
async fn upload(State(state): State<AppState>, ctx: Ctx, multipart: Multipart) -> AppResult<Response> {
    let YearPlan { year, plan: before, years } = current_plan(&state, &ctx.session).await?;
    let refuse = |ctx: Ctx, plan: Plan, problems: Vec<String>| {
        let newest = years.first() == Some(&year);
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Overview { ctx, year, years: years.clone(), plan, upload_problems: problems, newest },
        )
            .into_response()
    };
    let Some((_, bytes)) = super::schools::read_upload(multipart, 2 * 1024 * 1024).await? else {
        let message = ctx.t("plan.upload_choose").into_owned();
        return Ok(refuse(ctx, before, vec![message]));
    };
    let Ok(text) = String::from_utf8(bytes) else {
        let message = ctx.t("plan.upload_not_utf8").into_owned();
        return Ok(refuse(ctx, before, vec![message]));
    };
    let uploaded = match Plan::from_toml(&text) {
        Ok(p) => p,
        Err(e) => {
            let place = e.line.map(|l| ctx.tf1("import.line", "line", &l.to_string())).unwrap_or_default();
            return Ok(refuse(ctx, before, vec![format!("{place}{}", e.message)]));
        }
    };
    let mut problems: Vec<String> = plan::validate(&uploaded).iter().map(|p| p.render(ctx.lang)).collect();
    if let Some(p) = crate::event::capacity_problem(&state, year, &before, &uploaded).await? {
        problems.push(p.render(ctx.lang));
    }
    if uploaded.academic_year != year {
        problems.insert(
            0,
            ctx.pick(
                &format!("academic_year: 檔案是 {} 學年度，目前編輯的是 {year} 學年度", uploaded.academic_year),
                &format!("academic_year: the file is for {}, the year on screen is {year}", uploaded.academic_year),
            )
            .to_string(),
        );
    }
    if !problems.is_empty() {
        return Ok(refuse(ctx, before, problems));
    }
    let now = state.now();
    let txn = state.db.begin().await?;
    plans::update(&txn, year, &text, now).await?;
    audit::record(
        &txn,
        now,
        &ctx.actor()?,
        Change::new("plan.upload", "plan", year).year(year).before(&plan_json(&before)).after(&plan_json(&uploaded)),
    )
    .await?;
    txn.commit().await?;
    promote_after(&state, year, &uploaded).await?;
    ctx.flash("ok", ctx.t("plan.uploaded")).await;
    Ok(Redirect::to("/office/plan").into_response())
}

// ---------------------------------------------------------------- section forms

/// The parts of a plan edited on one form, and the top-level keys each owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    General,
    Checkpoints,
    Tracks,
    Groups,
    Awards,
    Rubric,
    Review,
    Presentation,
    Budget,
}

impl Section {
    pub const ALL: [Section; 9] = [
        Section::General,
        Section::Checkpoints,
        Section::Tracks,
        Section::Groups,
        Section::Awards,
        Section::Rubric,
        Section::Review,
        Section::Presentation,
        Section::Budget,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Section::General => "general",
            Section::Checkpoints => "checkpoints",
            Section::Tracks => "tracks",
            Section::Groups => "groups",
            Section::Awards => "awards",
            Section::Rubric => "rubric",
            Section::Review => "review",
            Section::Presentation => "presentation",
            Section::Budget => "budget",
        }
    }

    pub fn parse(id: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.id() == id)
    }

    pub fn title_key(self) -> &'static str {
        match self {
            Section::General => "plan.section.general",
            Section::Checkpoints => "plan.section.checkpoints",
            Section::Tracks => "plan.section.tracks",
            Section::Groups => "plan.section.groups",
            Section::Awards => "plan.section.awards",
            Section::Rubric => "plan.section.rubric",
            Section::Review => "plan.section.review",
            Section::Presentation => "plan.section.presentation",
            Section::Budget => "plan.section.budget",
        }
    }

    /// Top-level keys of the plan this form may change.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Section::General => {
                &["title", "title_en", "authority", "organiser", "website", "showcase", "operating_period", "uploads"]
            }
            Section::Checkpoints => &["checkpoints"],
            Section::Tracks => &["tracks"],
            Section::Groups => &["groups"],
            // Adding or removing a level adds or removes its quota in every group.
            Section::Awards => &["award_levels", "organiser_rewards", "groups", "outcomes"],
            Section::Rubric => &["rubric"],
            Section::Review => &["review"],
            Section::Presentation => &["presentation_day"],
            Section::Budget => &["budget"],
        }
    }

    /// Whether a problem's path belongs to this form.
    fn owns(self, path: &str) -> bool {
        let head = path.split(['.', '[']).next().unwrap_or("");
        self.keys().contains(&head)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "office/plan_edit.html")]
pub struct EditPage {
    ctx: Ctx,
    year: i32,
    section: Section,
    plan: Plan,
    /// The form's working copy: the whole plan as TOML, so added rows survive until saved.
    draft: String,
    /// `updated_at` of the stored plan the form started from, to catch concurrent edits.
    version: String,
    errors: FieldErrors,
    /// (path, message): this form's problems first, then any a change here caused elsewhere.
    problems: Vec<(String, String)>,
    notice: String,
}

use crate::web::format::escape as esc;

/// Field widgets for the section forms. Each returns escaped HTML: label, input, and the
/// field's problem when it has one.
impl EditPage {
    fn error_html(&self, path: &str) -> String {
        if self.errors.has(path) {
            format!("<p class=\"field-error\" id=\"{}-error\">{}</p>", esc(path), esc(self.errors.get(path)))
        } else {
            String::new()
        }
    }

    fn invalid(&self, path: &str) -> String {
        if self.errors.has(path) {
            format!(" aria-invalid=\"true\" aria-describedby=\"{}-error\"", esc(path))
        } else {
            String::new()
        }
    }

    fn input(&self, kind: &str, path: &str, label: &str, value: &str, attrs: &str) -> String {
        format!(
            "<label for=\"{p}\">{l}</label><input id=\"{p}\" name=\"{kind}:{p}\" value=\"{v}\" {attrs}{inv}>{err}",
            p = esc(path),
            l = esc(label),
            v = esc(value),
            inv = self.invalid(path),
            err = self.error_html(path),
        )
    }

    /// A text field labelled by a translation key.
    pub fn text(&self, path: &str, label_key: &str, value: &str) -> String {
        self.input("s", path, &self.ctx.t(label_key), value, "type=\"text\"")
    }

    /// A text field with a label given as text.
    pub fn text_l(&self, path: &str, label: &str, value: &str) -> String {
        self.input("s", path, label, value, "type=\"text\"")
    }

    pub fn int(&self, path: &str, label_key: &str, value: &i64) -> String {
        self.input("i", path, &self.ctx.t(label_key), &value.to_string(), "type=\"text\" inputmode=\"numeric\"")
    }

    /// The columns the study-hours export can have: 研習日期、姓名、…
    pub fn hours_columns(&self) -> String {
        linxuan_core::plan::HOURS_COLUMNS.join("、")
    }

    /// A whole number that may be left empty (then the setting is off).
    pub fn opt_int(&self, path: &str, label_key: &str, hint_key: &str, value: &Option<i64>) -> String {
        let text = value.map(|v| v.to_string()).unwrap_or_default();
        format!(
            "{}<p class=\"hint\">{}</p>",
            self.input("I", path, &self.ctx.t(label_key), &text, "type=\"text\" inputmode=\"numeric\""),
            esc(&self.ctx.t(hint_key))
        )
    }

    pub fn int_l(&self, path: &str, label: &str, value: &i64) -> String {
        self.input("i", path, label, &value.to_string(), "type=\"text\" inputmode=\"numeric\"")
    }

    pub fn num(&self, path: &str, label_key: &str, value: &rust_decimal::Decimal) -> String {
        self.input(
            "n",
            path,
            &self.ctx.t(label_key),
            &value.normalize().to_string(),
            "type=\"text\" inputmode=\"decimal\"",
        )
    }

    pub fn date(&self, path: &str, label_key: &str, value: &roc::RocDate) -> String {
        let hint = esc(&self.ctx.t("form.date_hint"));
        format!(
            "{}<p class=\"hint\">{hint}</p>",
            self.input("d", path, &self.ctx.t(label_key), &value.to_string(), "type=\"text\" autocomplete=\"off\"")
        )
    }

    /// A date that may be left empty (then the plan's default applies).
    pub fn opt_date(&self, path: &str, label_key: &str, value: &Option<roc::RocDate>) -> String {
        let hint = esc(&self.ctx.t("plan.optional_date_hint"));
        let text = value.map(|d| d.to_string()).unwrap_or_default();
        format!(
            "{}<p class=\"hint\">{hint}</p>",
            self.input("D", path, &self.ctx.t(label_key), &text, "type=\"text\" autocomplete=\"off\"")
        )
    }

    /// A longer text (a template with `{fields}`), with the fields it may use as its hint.
    pub fn template_text(&self, path: &str, label_key: &str, value: &str, fields: &[&str]) -> String {
        let list = fields.iter().map(|f| format!("{{{f}}}")).collect::<Vec<_>>().join(" ");
        let hint = esc(&self.ctx.tf1("plan.template_fields", "fields", &list));
        format!(
            "{}<p class=\"hint\">{hint}</p>",
            self.input("s", path, &self.ctx.t(label_key), value, "type=\"text\" class=\"wide\"")
        )
    }

    pub fn check(&self, path: &str, label_key: &str, value: &bool) -> String {
        format!(
            "<div class=\"check\"><input type=\"hidden\" name=\"b:{p}\" value=\"false\"><label class=\"inline\"><input type=\"checkbox\" id=\"{p}\" name=\"b:{p}\" value=\"true\"{c}> {l}</label>{err}</div>",
            p = esc(path),
            c = if *value { " checked" } else { "" },
            l = esc(&self.ctx.t(label_key)),
            err = self.error_html(path),
        )
    }

    /// A number cell in a table row, labelled for screen readers.
    pub fn cell(&self, kind: &str, path: &str, label: &str, value: &str) -> String {
        let mode = match kind {
            "i" => " inputmode=\"numeric\"",
            "n" | "N" => " inputmode=\"decimal\"",
            _ => "",
        };
        format!(
            "<input type=\"text\" name=\"{kind}:{p}\" value=\"{v}\" aria-label=\"{l}\"{mode}{inv}>{err}",
            p = esc(path),
            v = esc(value),
            l = esc(label),
            inv = self.invalid(path),
            err = self.error_html(path),
        )
    }

    /// The problem of a part with no input of its own (a list, a table, a select), anchored so
    /// the summary at the top can link to it.
    pub fn err(&self, path: &str) -> String {
        if self.errors.has(path) {
            format!("<p class=\"field-error\" id=\"{}\">{}</p>", esc(path), esc(self.errors.get(path)))
        } else {
            String::new()
        }
    }

    /// A date with its stated weekday: `112年7月7日(星期五)`.
    pub fn stated_date(&self, path: &str, label_key: &str, hint_key: &str, value: &roc::StatedDate) -> String {
        format!(
            "{}<p class=\"hint\">{}</p>",
            self.input("w", path, &self.ctx.t(label_key), &value.to_string(), "type=\"text\" autocomplete=\"off\""),
            esc(&self.ctx.t(hint_key))
        )
    }

    pub fn t(&self, key: &str) -> String {
        self.ctx.t(key).into_owned()
    }

    pub fn source(&self, source: &CriterionSource) -> String {
        self.ctx.t(source_key(*source)).into_owned()
    }

    pub fn cut_rule(&self, cut: &Option<Cut>) -> &'static str {
        match cut {
            None => "none",
            Some(Cut::TopAwardPlaces { .. }) => "top-award-places",
            Some(Cut::Top { .. }) => "top",
            Some(Cut::Minimum { .. }) => "minimum",
        }
    }

    pub fn cut_param(&self, cut: &Option<Cut>) -> String {
        match cut {
            None => String::new(),
            Some(Cut::TopAwardPlaces { factor }) => factor.to_string(),
            Some(Cut::Top { count }) => count.to_string(),
            Some(Cut::Minimum { score }) => score.normalize().to_string(),
        }
    }

    pub fn line_kinds(&self) -> [(LineKind, &'static str, String); 5] {
        [LineKind::Other, LineKind::Review, LineKind::Meal, LineKind::Trophy, LineKind::Misc]
            .map(|k| (k, line_kind_id(k), self.ctx.t(line_kind_key(k)).into_owned()))
    }

    pub fn requirement_options(&self) -> [(plan::Requirement, &'static str, String); 3] {
        [plan::Requirement::Meetings, plan::Requirement::Report, plan::Requirement::SelfEvaluation]
            .map(|r| (r, requirement_id(r), self.ctx.t(requirement_key(r)).into_owned()))
    }

    pub fn sources(&self) -> [(CriterionSource, &'static str, String); 5] {
        [
            CriterionSource::Computed,
            CriterionSource::Suggested,
            CriterionSource::Rubric,
            CriterionSource::Judged,
            CriterionSource::Presentation,
        ]
        .map(|s| (s, source_id(s), self.ctx.t(source_key(s)).into_owned()))
    }

    pub fn levels(&self) -> [(SchoolLevel, &'static str, &'static str); 3] {
        SchoolLevel::ALL.map(|l| (l, l.id(), if self.ctx.en() { l.name_en() } else { l.name_zh() }))
    }

    pub fn weekday_of(&self, date: &roc::StatedDate) -> &'static str {
        roc::weekday_zh(chrono::Datelike::weekday(&date.date))
    }

    pub fn money(&self, n: &i64) -> String {
        money(*n)
    }

    pub fn quota(&self, group: &plan::Group, level: &str) -> i64 {
        group.quotas.get(level).copied().unwrap_or(0)
    }

    pub fn sum_lines(&self, table: &plan::BudgetTable) -> i64 {
        table.lines.iter().map(|l| l.total).sum()
    }

    pub fn join(&self, items: &[String]) -> String {
        items.join(", ")
    }

    pub fn index(&self, i: &usize) -> String {
        i.to_string()
    }
}

fn line_kind_id(kind: LineKind) -> &'static str {
    match kind {
        LineKind::Other => "other",
        LineKind::Review => "review",
        LineKind::Meal => "meal",
        LineKind::Trophy => "trophy",
        LineKind::Misc => "misc",
    }
}

fn requirement_id(r: plan::Requirement) -> &'static str {
    match r {
        plan::Requirement::Meetings => "meetings",
        plan::Requirement::Report => "report",
        plan::Requirement::SelfEvaluation => "self_evaluation",
    }
}

fn source_id(s: CriterionSource) -> &'static str {
    match s {
        CriterionSource::Computed => "computed",
        CriterionSource::Suggested => "suggested",
        CriterionSource::Rubric => "rubric",
        CriterionSource::Judged => "judged",
        CriterionSource::Presentation => "presentation",
    }
}

/// The stored plan's fingerprint: a form saves only over the version it was made from.
fn version_of(toml: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(toml.as_bytes())[..12])
}

async fn edit_page(State(state): State<AppState>, ctx: Ctx, Path(section): Path<String>) -> AppResult<EditPage> {
    let section = Section::parse(&section).ok_or(AppError::NotFound)?;
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let stored = plans::get(&state.db, year).await?.ok_or(AppError::NotFound)?;
    Ok(EditPage {
        ctx,
        year,
        section,
        draft: plan.to_toml(),
        plan,
        version: version_of(&stored.toml),
        errors: FieldErrors::default(),
        problems: Vec::new(),
        notice: String::new(),
    })
}

fn field_message(lang: Lang, p: &FieldProblem) -> String {
    crate::i18n::pick(lang, &p.zh, &p.en).to_string()
}

async fn save_section(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(section): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let section = Section::parse(&section).ok_or(AppError::NotFound)?;
    let YearPlan { year, plan: stored_plan, .. } = current_plan(&state, &ctx.session).await?;
    let stored = plans::get(&state.db, year).await?.ok_or(AppError::NotFound)?;
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let version = field("_version").unwrap_or_default().to_string();
    let structural = pairs.iter().any(|(k, _)| matches!(k.as_str(), "_add" | "_remove" | "_add_key" | "_remove_key"));

    // Start from the form's working copy (it may hold rows added but not yet saved).
    let draft_text = field("_draft").unwrap_or_default();
    let draft = Plan::from_toml(draft_text).unwrap_or_else(|_| stored_plan.clone());
    let mut value = toml::Value::try_from(&draft).map_err(|e| AppError::Internal(e.to_string()))?;
    let field_problems = plan_form::apply(&mut value, &pairs);
    let mut errors = FieldErrors::default();
    let mut messages = Vec::new();
    for p in &field_problems {
        errors.add(p.path.clone(), field_message(ctx.lang, p));
        messages.push((p.path.clone(), field_message(ctx.lang, p)));
    }
    // Only this section's keys come from the form; the rest is the stored plan as it is now.
    let mut merged = toml::Value::try_from(&stored_plan).map_err(|e| AppError::Internal(e.to_string()))?;
    if let (Some(target), Some(source)) = (merged.as_table_mut(), value.as_table()) {
        for key in section.keys() {
            match source.get(*key) {
                Some(v) => {
                    target.insert((*key).to_string(), v.clone());
                }
                None => {
                    target.remove(*key);
                }
            }
        }
    }
    let edited: Result<Plan, _> = merged.clone().try_into();
    let edited = match edited {
        Ok(p) => p,
        Err(e) => {
            messages.push((String::new(), ctx.tf1("plan.unreadable", "detail", e.message())));
            let page = EditPage {
                ctx,
                year,
                section,
                plan: draft.clone(),
                draft: draft.to_toml(),
                version,
                errors,
                problems: messages,
                notice: String::new(),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let draft_out = edited.to_toml();
    if structural || !field_problems.is_empty() {
        let notice = if structural && field_problems.is_empty() {
            ctx.t("plan.not_saved_yet").into_owned()
        } else {
            String::new()
        };
        let status = if field_problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
        let page = EditPage {
            ctx,
            year,
            section,
            plan: edited,
            draft: draft_out,
            version,
            errors,
            problems: messages,
            notice,
        };
        return Ok((status, page).into_response());
    }
    let mut problems: Vec<Problem> = plan::validate(&edited);
    problems.extend(crate::event::capacity_problem(&state, year, &stored_plan, &edited).await?);
    if !problems.is_empty() {
        for p in &problems {
            errors.add(p.path.clone(), p.message(ctx.lang));
        }
        // This form's own problems first; a change here can also upset another section
        // (a deadline moved past the presentation day), which is listed after.
        let (own, elsewhere): (Vec<&Problem>, Vec<&Problem>) = problems.iter().partition(|p| section.owns(&p.path));
        let messages =
            own.iter().chain(elsewhere.iter()).map(|p| (p.path.clone(), p.message(ctx.lang).to_string())).collect();
        let page = EditPage {
            ctx,
            year,
            section,
            plan: edited,
            draft: draft_out,
            version,
            errors,
            problems: messages,
            notice: String::new(),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    if version != version_of(&stored.toml) {
        let notice = ctx.t("plan.changed_meanwhile").into_owned();
        let page = EditPage {
            ctx,
            year,
            section,
            plan: stored_plan.clone(),
            draft: stored_plan.to_toml(),
            version: version_of(&stored.toml),
            errors,
            problems: Vec::new(),
            notice,
        };
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    let section_json = |plan: &Plan| {
        let all = plan_json(plan);
        let mut out = serde_json::Map::new();
        for key in section.keys() {
            if let Some(v) = all.get(*key) {
                out.insert((*key).to_string(), v.clone());
            }
        }
        serde_json::Value::Object(out)
    };
    let (before, after) = (section_json(&stored_plan), section_json(&edited));
    if before == after {
        ctx.flash("info", ctx.t("plan.no_change")).await;
        return Ok(Redirect::to("/office/plan").into_response());
    }
    let now = state.now();
    let txn = state.db.begin().await?;
    plans::update(&txn, year, &edited.to_toml(), now).await?;
    audit::record(
        &txn,
        now,
        &ctx.actor()?,
        Change::new("plan.update", "plan", format!("{year}/{}", section.id())).year(year).before(&before).after(&after),
    )
    .await?;
    txn.commit().await?;
    promote_after(&state, year, &edited).await?;
    ctx.flash("ok", ctx.tf1("plan.saved", "section", &ctx.t(section.title_key()))).await;
    Ok(Redirect::to(&format!("/office/plan#{}", section.id())).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_thousands_separators() {
        assert_eq!(money(216000), "216,000");
        assert_eq!(money(0), "0");
        assert_eq!(money(-1500), "-1,500");
        assert_eq!(money(100), "100");
    }

    #[test]
    fn sections_own_their_paths() {
        assert!(Section::Budget.owns("budget.tables[0].total"));
        assert!(!Section::Budget.owns("tracks.basic.criteria"));
        assert!(Section::Awards.owns("groups.basic-junior.quotas"));
    }
}
