//! The office's outcomes: certificates (preview, numbering, one PDF per recipient and one for
//! printing), the trophy maker's workbook, the organising staff, the commendation roster, the
//! lecturer directory's requests and what the public showcase may show.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use linxuan_core::outcomes::{ROSTER_HEADERS, Recipient};
use linxuan_core::people::{mask_national_id, normalise_national_id};
use linxuan_core::plan::Plan;
use linxuan_docs::export::{Sheet, workbook};
use linxuan_store::audit::{self, Change};
use linxuan_store::communities::{self, Community};
use linxuan_store::outcomes::{self as store, Certificate, Lecturer, Staff, StaffData, VisitRequest};
use linxuan_store::{TransactionTrait, documents, schools};
use serde::Deserialize;

use crate::app::AppState;
use crate::outcomes::{self, Gap, Prepared};
use crate::web::ctx::Ctx;
use crate::web::download::{PDF, XLSX, attachment};
use crate::web::error::{AppError, AppResult};
use crate::web::forms::FieldErrors;
use crate::web::office::{YearPlan, current_plan};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/outcomes", get(page))
        .route("/outcomes/certificates", post(make))
        .route("/outcomes/preview.pdf", get(preview_pdf))
        .route("/outcomes/certificates.pdf", get(all_pdf))
        .route("/outcomes/certificates/{seq}", get(one_pdf))
        .route("/outcomes/trophies.xlsx", get(trophies))
        .route("/outcomes/roster.xlsx", get(roster_xlsx))
        .route("/outcomes/staff", post(add_staff))
        .route("/outcomes/staff/{id}/delete", post(remove_staff))
        .route("/outcomes/lecturers", get(lecturers))
        .route("/outcomes/showcase", get(showcase))
        .route("/outcomes/documents/{id}/public", post(set_public))
}

// ---------------------------------------------------------------- the page

#[derive(Default, Deserialize, Clone)]
pub struct StaffForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    national_id: String,
    #[serde(default)]
    commendation: Option<String>,
    #[serde(default)]
    certificate: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "office/outcomes/outcomes.html")]
struct OutcomesPage {
    ctx: Ctx,
    plan: Plan,
    /// None: no publication yet.
    prepared: Option<Prepared>,
    staff: Vec<Staff>,
    roster_lines: usize,
    gaps: Vec<Gap>,
    form: StaffForm,
    errors: FieldErrors,
}

impl OutcomesPage {
    fn made_from(&self, p: &Prepared) -> String {
        self.ctx.tf1("outcomes.from_publication", "v", &p.publication.version.to_string())
    }
    fn will(&self, p: &Prepared) -> String {
        let n = &p.numbering;
        self.ctx.tf(
            "outcomes.will",
            &[
                ("issue", &n.issued.len().to_string()),
                ("keep", &n.kept.len().to_string()),
                ("void", &n.voided.len().to_string()),
            ],
        )
    }
    fn problem(&self, p: &outcomes::Problem) -> String {
        p.message(self.ctx.lang)
    }
    fn number(&self, p: &Prepared, i: &outcomes::Item) -> String {
        p.number_for(i).map_or_else(|| self.ctx.t("outcomes.unnumbered").into_owned(), str::to_string)
    }
    fn level(&self, level: &str) -> String {
        if level == outcomes::STAFF_LEVEL {
            self.ctx.t("outcomes.staff_level").into_owned()
        } else {
            crate::web::names::level(&self.ctx, &self.plan, level)
        }
    }
    fn recipient(&self, p: &Prepared, c: &Certificate) -> String {
        match Recipient::parse(&c.recipient) {
            Some(Recipient::Community(code)) => p
                .items
                .iter()
                .find(|i| i.recipient == Recipient::Community(code.clone()))
                .map_or(code.clone(), |i| format!("{code} {}", i.name)),
            Some(Recipient::Staff(id)) => {
                self.staff.iter().find(|s| s.id == id).map_or_else(|| format!("#{id}"), |s| s.name.clone())
            }
            None => c.recipient.clone(),
        }
    }
    fn void_reason(&self, c: &Certificate) -> String {
        match c.void_reason.as_deref() {
            Some("corrected") => self.ctx.t("outcomes.void_corrected").into_owned(),
            Some("withdrawn") => self.ctx.t("outcomes.void_withdrawn").into_owned(),
            _ => String::new(),
        }
    }
    fn replaces(&self, p: &Prepared, c: &Certificate) -> String {
        c.replaces
            .and_then(|seq| p.register.iter().find(|r| r.seq == seq))
            .map(|r| self.ctx.tf1("outcomes.replaces", "number", &r.number))
            .unwrap_or_default()
    }
    fn when(&self, c: &Certificate) -> String {
        crate::web::format::local_time(c.issued_at)
    }
    fn gap(&self, g: &Gap) -> String {
        let mut missing = Vec::new();
        if g.title_missing {
            missing.push(self.ctx.t("members.title").into_owned());
        }
        if g.id_missing {
            missing.push(self.ctx.t("members.national_id").into_owned());
        }
        let who =
            if g.community.is_empty() { self.ctx.t("outcomes.staff_level").into_owned() } else { g.community.clone() };
        self.ctx.tf("outcomes.gap", &[("who", &who), ("name", &g.name), ("missing", &missing.join(self.ctx.sep()))])
    }
}

async fn render(state: &AppState, ctx: Ctx, form: StaffForm, errors: FieldErrors) -> AppResult<OutcomesPage> {
    let YearPlan { year, plan, .. } = current_plan(state, &ctx.session).await?;
    let fonts = state.typesetter().await;
    let prepared = match outcomes::prepare(state, &plan, year, fonts.fonts()).await {
        Ok(p) => Some(p),
        Err(AppError::BadRequest { .. }) => None,
        Err(e) => return Err(e),
    };
    let (roster_lines, gaps) = if prepared.is_some() {
        let (lines, gaps) = outcomes::roster(state, &plan, year, false).await?;
        (lines.len(), gaps)
    } else {
        (0, Vec::new())
    };
    let staff = store::staff(&state.db, year).await?;
    Ok(OutcomesPage { ctx, plan, prepared, staff, roster_lines, gaps, form, errors })
}

async fn page(State(state): State<AppState>, ctx: Ctx) -> AppResult<OutcomesPage> {
    render(&state, ctx, StaffForm::default(), FieldErrors::default()).await
}

#[derive(Deserialize)]
struct MakeForm {
    version: i32,
    fingerprint: String,
}

async fn make(State(state): State<AppState>, ctx: Ctx, Form(form): Form<MakeForm>) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let actor = ctx.actor()?;
    let made = outcomes::make(&state, &plan, year, &actor, form.version, &form.fingerprint).await?;
    ctx.flash(
        "ok",
        ctx.tf(
            "outcomes.made",
            &[
                ("issued", &made.issued.len().to_string()),
                ("kept", &made.kept.to_string()),
                ("voided", &made.voided.len().to_string()),
            ],
        ),
    )
    .await;
    Ok(Redirect::to("/office/outcomes#register").into_response())
}

// ---------------------------------------------------------------- documents

async fn prepared(state: &AppState, ctx: &Ctx) -> AppResult<(Plan, Prepared)> {
    let YearPlan { year, plan, .. } = current_plan(state, &ctx.session).await?;
    let fonts = state.typesetter().await;
    let prepared = outcomes::prepare(state, &plan, year, fonts.fonts()).await?;
    Ok((plan, prepared))
}

/// Typesets certificates away from the request threads.
pub async fn certificates_pdf(state: &AppState, document: linxuan_pdf::CertificatesDocument) -> AppResult<Vec<u8>> {
    let typesetter = state.typesetter().await;
    let today = state.now().with_timezone(&linxuan_core::time::ZONE).date_naive();
    let today = (today.year(), today.month() as u8, today.day() as u8);
    Ok(tokio::task::spawn_blocking(move || document.render(&typesetter, today))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??)
}

async fn preview_pdf(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let (_, p) = prepared(&state, &ctx).await?;
    if p.items.is_empty() {
        return Err(AppError::refused("outcomes.none", &[]));
    }
    let doc = p.preview(&crate::i18n::t(linxuan_core::Lang::ZhTw, "outcomes.unnumbered"), "預覽");
    let bytes = certificates_pdf(&state, doc).await?;
    Ok(attachment(PDF, &format!("certificates-{}-preview.pdf", p.year), bytes))
}

async fn all_pdf(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let (_, p) = prepared(&state, &ctx).await?;
    if p.blocked() {
        return Err(AppError::refused("outcomes.blocked", &[]));
    }
    let doc = p.printed(None)?;
    let bytes = certificates_pdf(&state, doc).await?;
    Ok(attachment(PDF, &format!("certificates-{}.pdf", p.year), bytes))
}

async fn one_pdf(State(state): State<AppState>, ctx: Ctx, Path(seq): Path<i64>) -> AppResult<Response> {
    let (_, p) = prepared(&state, &ctx).await?;
    let c = p.register.iter().find(|c| c.seq == seq && c.voided_at.is_none()).ok_or(AppError::NotFound)?;
    let recipient = Recipient::parse(&c.recipient).ok_or(AppError::NotFound)?;
    let doc = p.printed(Some(&recipient))?;
    let bytes = certificates_pdf(&state, doc).await?;
    Ok(attachment(PDF, &format!("certificate-{}-{seq:04}.pdf", p.year), bytes))
}

/// The trophy maker's list: 學校, 社群, 組別, 獎項, and the inscription.
async fn trophies(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let (_, p) = prepared(&state, &ctx).await?;
    if p.blocked() {
        return Err(AppError::refused("outcomes.blocked", &[]));
    }
    let rows: Vec<Vec<String>> = p
        .items
        .iter()
        .filter(|i| i.trophy)
        .map(|i| vec![i.school.clone(), i.name.clone(), i.group.clone(), i.level_name.clone(), i.inscription.clone()])
        .collect();
    let header = ["學校", "社群", "組別", "獎項", "題字"].map(String::from).to_vec();
    let bytes = workbook(&[Sheet::text("獎座", header, &rows)]).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(attachment(XLSX, &format!("trophies-{}.xlsx", p.year), bytes))
}

/// The commendation roster with the full national IDs: the office's only, and logged.
async fn roster_xlsx(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let (lines, gaps) = outcomes::roster(&state, &plan, year, true).await?;
    if lines.is_empty() {
        return Err(AppError::refused("outcomes.roster_empty", &[]));
    }
    let rows: Vec<Vec<String>> = lines.iter().map(|l| l.cells().to_vec()).collect();
    let header = ROSTER_HEADERS.map(String::from).to_vec();
    let bytes = workbook(&[Sheet::text("敘獎名冊", header, &rows)]).map_err(|e| AppError::Internal(e.to_string()))?;
    let actor = ctx.actor()?;
    let now = state.now();
    let txn = state.db.begin().await?;
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("roster.export", "year", year)
            .year(year)
            .after(&serde_json::json!({ "lines": lines.len(), "gaps": gaps.len() })),
    )
    .await?;
    txn.commit().await?;
    Ok(attachment(XLSX, &format!("commendations-{year}.xlsx"), bytes))
}

// ---------------------------------------------------------------- organising staff

async fn add_staff(State(state): State<AppState>, ctx: Ctx, Form(form): Form<StaffForm>) -> AppResult<Response> {
    let YearPlan { year, .. } = current_plan(&state, &ctx.session).await?;
    let mut errors = FieldErrors::default();
    let name = linxuan_core::text::clean_line(&form.name);
    let school = linxuan_core::text::clean_line(&form.school);
    let title = linxuan_core::text::clean_line(&form.title);
    if name.is_empty() {
        errors.add("name", ctx.t("outcomes.staff_name_missing"));
    } else if name.chars().count() > 50 {
        errors.add("name", ctx.tf1("lecturers.too_long", "n", "50"));
    }
    if school.is_empty() {
        errors.add("school", ctx.t("outcomes.staff_school_missing"));
    } else if school.chars().count() > 100 {
        errors.add("school", ctx.tf1("lecturers.too_long", "n", "100"));
    }
    if title.chars().count() > 50 {
        errors.add("title", ctx.tf1("lecturers.too_long", "n", "50"));
    }
    let national = match form.national_id.trim() {
        "" => None,
        text => match normalise_national_id(text) {
            Ok(id) => Some((state.sealer.seal(&id), mask_national_id(&id))),
            Err(e) => {
                errors.add("national_id", ctx.pick(e.message_zh(), &e.to_string()));
                None
            }
        },
    };
    if form.commendation.is_none() && form.certificate.is_none() {
        errors.add("reward", ctx.t("outcomes.staff_reward_missing"));
    }
    if !errors.is_empty() {
        let mut page = render(&state, ctx, form, errors).await?;
        page.form.national_id.clear();
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let data = StaffData {
        name,
        school,
        title,
        national_id: national,
        commendation: form.commendation.is_some(),
        certificate: form.certificate.is_some(),
    };
    let actor = ctx.actor()?;
    let now = state.now();
    let txn = state.db.begin().await?;
    let s = store::add_staff(&txn, year, &data, now).await?;
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("staff.add", "staff", s.id).year(year).after(&serde_json::json!({
            "name": s.name, "school": s.school, "title": s.title, "national_id": s.national_id_masked,
            "commendation": s.commendation, "certificate": s.certificate,
        })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("outcomes.staff_added", "name", &s.name)).await;
    Ok(Redirect::to("/office/outcomes#staff").into_response())
}

async fn remove_staff(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let YearPlan { year, .. } = current_plan(&state, &ctx.session).await?;
    let s = store::staff_member(&state.db, id).await?.filter(|s| s.plan_year == year).ok_or(AppError::NotFound)?;
    let actor = ctx.actor()?;
    let now = state.now();
    let txn = state.db.begin().await?;
    store::remove_staff(&txn, id).await?;
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("staff.remove", "staff", id).year(year).before(&serde_json::json!({ "name": s.name })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("outcomes.staff_removed", "name", &s.name)).await;
    Ok(Redirect::to("/office/outcomes#staff").into_response())
}

// ---------------------------------------------------------------- lecturers

/// A lecturer with their community, for the office's and the public's lists.
pub struct LecturerRow {
    pub lecturer: Lecturer,
    pub community: Community,
    pub school: String,
    pub district: String,
    pub convener: String,
}

/// The lecturers of some entries with their community, school and convener.
pub async fn lecturer_rows(state: &AppState, list: Vec<Lecturer>) -> AppResult<Vec<LecturerRow>> {
    let ids: Vec<i32> = list.iter().map(|l| l.community_id).collect();
    let conveners = communities::conveners_of(&state.db, &ids).await?;
    let schools: HashMap<i32, schools::School> =
        schools::list(&state.db, &Default::default()).await?.into_iter().map(|s| (s.id, s)).collect();
    let mut out = Vec::new();
    for lecturer in list {
        let Some(community) = communities::get(&state.db, lecturer.community_id).await? else { continue };
        let school = schools.get(&community.school_id);
        out.push(LecturerRow {
            convener: conveners
                .iter()
                .find(|m| m.community_id == community.id)
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            school: school.map(|s| s.name.clone()).unwrap_or_default(),
            district: school.map(|s| s.district.clone()).unwrap_or_default(),
            community,
            lecturer,
        });
    }
    Ok(out)
}

#[derive(Template, WebTemplate)]
#[template(path = "office/outcomes/lecturers.html")]
struct LecturersPage {
    ctx: Ctx,
    rows: Vec<LecturerRow>,
    requests: Vec<VisitRequest>,
    schools: HashMap<i32, String>,
}

impl LecturersPage {
    fn lecturer(&self, r: &VisitRequest) -> String {
        self.rows
            .iter()
            .find(|l| l.lecturer.id == r.lecturer_id)
            .map(|l| format!("{}{}{}", l.convener, self.ctx.sep(), l.school))
            .unwrap_or_default()
    }
    fn school(&self, id: &i32) -> &str {
        self.schools.get(id).map_or("", String::as_str)
    }
    fn status(&self, r: &VisitRequest) -> String {
        self.ctx.t(&format!("visit.status.{}", r.status)).into_owned()
    }
    fn when(&self, r: &VisitRequest) -> String {
        crate::web::format::local_time(r.created_at)
    }
}

async fn lecturers(State(state): State<AppState>, ctx: Ctx) -> AppResult<LecturersPage> {
    let YearPlan { year, .. } = current_plan(&state, &ctx.session).await?;
    let list = store::lecturers(&state.db, year).await?;
    let ids: Vec<i32> = list.iter().map(|l| l.id).collect();
    let requests = store::requests_of(&state.db, &ids, true).await?;
    let rows = lecturer_rows(&state, list).await?;
    let schools = schools::list(&state.db, &Default::default()).await?.into_iter().map(|s| (s.id, s.name)).collect();
    Ok(LecturersPage { ctx, rows, requests, schools })
}

// ---------------------------------------------------------------- showcase

pub struct ShowcaseRow {
    pub community: Community,
    pub award: String,
    pub documents: Vec<linxuan_store::documents::Document>,
}

#[derive(Template, WebTemplate)]
#[template(path = "office/outcomes/showcase.html")]
struct ShowcasePage {
    ctx: Ctx,
    year: i32,
    rows: Vec<ShowcaseRow>,
}

impl ShowcasePage {
    fn category(&self, d: &linxuan_store::documents::Document) -> String {
        self.ctx.t(&format!("files.category.{}", d.category)).into_owned()
    }
}

async fn showcase(State(state): State<AppState>, ctx: Ctx) -> AppResult<ShowcasePage> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let current = outcomes::latest(&state, year).await?;
    let mut rows = Vec::new();
    for g in &current.published.groups {
        for c in g.communities.iter().filter(|c| c.award.is_some() && !c.revoked) {
            let Some(community) = communities::by_code(&state.db, year, &c.code).await? else { continue };
            let documents = documents::list(&state.db, community.id, false)
                .await?
                .into_iter()
                .filter(|d| d.category != "signin")
                .collect();
            let award = c.award.as_ref().map(|(id, _)| crate::web::names::level(&ctx, &plan, id)).unwrap_or_default();
            rows.push(ShowcaseRow { community, award, documents });
        }
    }
    Ok(ShowcasePage { ctx, year, rows })
}

#[derive(Deserialize)]
struct PublicForm {
    public: String,
}

/// Approves a document for the public showcase (shown only while its community consents), or
/// takes the approval back.
async fn set_public(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(form): Form<PublicForm>,
) -> AppResult<Response> {
    let YearPlan { year, .. } = current_plan(&state, &ctx.session).await?;
    let doc = documents::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let community = communities::get(&state.db, doc.community_id).await?.ok_or(AppError::NotFound)?;
    if community.plan_year != year || doc.deleted_at.is_some() || doc.category == "signin" {
        return Err(AppError::NotFound);
    }
    let public = form.public == "1";
    let actor = ctx.actor()?;
    let now = state.now();
    let txn = state.db.begin().await?;
    store::set_document_public(&txn, id, public, &actor.label, now).await?;
    audit::record(
        &txn,
        now,
        &actor,
        Change::new(if public { "document.publish" } else { "document.unpublish" }, "document", id)
            .year(year)
            .after(&serde_json::json!({ "community": community.code, "title": doc.title })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t(if public { "outcomes.document_public" } else { "outcomes.document_private" })).await;
    Ok(Redirect::to(&format!("/office/outcomes/showcase#c{}", community.id)).into_response())
}
