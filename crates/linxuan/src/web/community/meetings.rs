//! Meeting records (運作紀錄): date, semester (from the date), kind, topic, minutes, who
//! attended, and the scanned sign-in sheet. The page counts meetings per semester against the
//! plan and, for the advanced track, looks for a full 備課→觀課→議課 cycle.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use linxuan_core::progress::{self, Item, MeetingKind};
use linxuan_core::{roc, time};
use linxuan_store::communities::{self, Member};
use linxuan_store::documents::{self, Document, FileVersion};
use linxuan_store::meetings::{self, Meeting, MeetingData};
use linxuan_store::{TransactionTrait, audit};

use super::{Portal, portal};
use crate::app::AppState;
use crate::facts::SIGNIN;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::forms::FieldErrors;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/community/{id}/meetings", get(list).post(create))
        .route("/community/{id}/meetings/new", get(new_page))
        .route("/community/{id}/meetings/{meeting}", get(edit_page).post(update))
        .route("/community/{id}/meetings/{meeting}/delete", post(delete))
}

/// One row of the meetings list.
pub struct Row {
    pub meeting: Meeting,
    pub attendees: usize,
    /// The sign-in sheet and its latest version.
    pub signin: Option<(Document, FileVersion)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "community/meetings.html")]
struct ListPage {
    ctx: Ctx,
    portal: Portal,
    rows: Vec<Row>,
    semesters: Vec<progress::SemesterCount>,
    cycle_required: bool,
    cycle: bool,
}

impl ListPage {
    fn date(&self, d: &NaiveDate) -> String {
        crate::web::format::date_long(&self.ctx, *d)
    }
    fn kind(&self, k: &str) -> String {
        kind_name(&self.ctx, k)
    }
    fn in_semester(&self, semester: &u8) -> Vec<&Row> {
        self.rows.iter().filter(|r| r.meeting.semester == *semester as i16).collect()
    }
}

pub fn kind_name(ctx: &Ctx, k: &str) -> String {
    MeetingKind::parse(k).map_or_else(|| k.to_string(), |k| ctx.pick(k.name_zh(), k.name_en()).to_string())
}

/// The sign-in sheets of a community's meetings, latest version each, by meeting.
pub async fn signin_sheets(state: &AppState, community_id: i32) -> AppResult<Vec<(i32, Document, FileVersion)>> {
    let docs: Vec<Document> = documents::list(&state.db, community_id, false)
        .await?
        .into_iter()
        .filter(|d| d.category == SIGNIN && d.meeting_id.is_some())
        .collect();
    let ids: Vec<i32> = docs.iter().map(|d| d.id).collect();
    let versions = documents::versions(&state.db, &ids).await?;
    Ok(docs
        .into_iter()
        .filter_map(|d| {
            let latest = versions.iter().filter(|v| v.document_id == d.id).max_by_key(|v| v.version)?.clone();
            Some((d.meeting_id?, d, latest))
        })
        .collect())
}

async fn list(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<ListPage> {
    let portal = portal(&state, &ctx, id).await?;
    let list = meetings::list(&state.db, id).await?;
    let ids: Vec<i32> = list.iter().map(|m| m.id).collect();
    let attendance = meetings::attendance(&state.db, &ids).await?;
    let mut sheets = signin_sheets(&state, id).await?;
    let rows = list
        .into_iter()
        .map(|meeting| {
            let attendees = attendance.iter().filter(|(m, _)| *m == meeting.id).count();
            let signin = sheets.iter().position(|(m, _, _)| *m == meeting.id).map(|i| {
                let (_, d, v) = sheets.swap_remove(i);
                (d, v)
            });
            Row { meeting, attendees, signin }
        })
        .collect();
    let facts = crate::facts::of(&state.db, &portal.community).await?;
    let progress = progress::progress(&portal.plan, &facts, portal.now);
    let cycle_required = portal.plan.tracks.get(&portal.community.track).is_some_and(|t| t.require_cycle);
    Ok(ListPage { semesters: progress.semesters.clone(), cycle: progress.cycle, cycle_required, rows, portal, ctx })
}

#[derive(serde::Deserialize, Default, Clone)]
pub struct MeetingForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    attendees: Vec<i32>,
}

#[derive(Template, WebTemplate)]
#[template(path = "community/meeting_form.html")]
struct FormPage {
    ctx: Ctx,
    portal: Portal,
    /// `None` for a new meeting.
    meeting: Option<Meeting>,
    members: Vec<Member>,
    form: MeetingForm,
    errors: FieldErrors,
    signin: Option<(Document, Vec<FileVersion>)>,
}

impl FormPage {
    fn kinds(&self) -> Vec<(&'static str, String)> {
        MeetingKind::ALL.iter().map(|k| (k.id(), self.ctx.pick(k.name_zh(), k.name_en()).to_string())).collect()
    }
    fn attended(&self, m: &Member) -> bool {
        self.form.attendees.contains(&m.id)
    }
    fn action(&self) -> String {
        match &self.meeting {
            Some(m) => format!("{}/meetings/{}", self.portal.base(), m.id),
            None => format!("{}/meetings", self.portal.base()),
        }
    }
    fn uploaded(&self, v: &FileVersion) -> String {
        crate::web::format::local_time(v.uploaded_at)
    }
    fn size(&self, v: &FileVersion) -> String {
        crate::web::format::human_size(v.size)
    }
    fn key(&self) -> String {
        super::files::upload_key()
    }
}

/// Reads `attendees=1&attendees=2` as well as a single value.
fn parse_form(pairs: Vec<(String, String)>) -> MeetingForm {
    let mut form = MeetingForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "date" => form.date = v,
            "kind" => form.kind = v,
            "topic" => form.topic = v,
            "minutes" => form.minutes = v,
            "attendees" => {
                if let Ok(id) = v.parse() {
                    form.attendees.push(id);
                }
            }
            _ => {}
        }
    }
    form
}

fn check(ctx: &Ctx, portal: &Portal, members: &[Member], form: &MeetingForm) -> Result<MeetingData, FieldErrors> {
    let mut errors = FieldErrors::default();
    let year = portal.plan.academic_year;
    let date = match roc::parse_date(&form.date) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.add("date", ctx.pick(&e.message_zh(), &e.to_string()));
            None
        }
    };
    let semester = date.and_then(|d| time::semester_of(d, year));
    if let Some(d) = date {
        let (first, last) = time::academic_year_span(year);
        if semester.is_none() {
            errors.add(
                "date",
                ctx.pick(
                    &format!(
                        "{} 不在 {year} 學年度內（{} 至 {}）",
                        roc::format_long(d),
                        roc::format_long(first),
                        roc::format_long(last)
                    ),
                    &format!("{d} is outside academic year {year} ({first} to {last})"),
                ),
            );
        } else if d > time::local_date(portal.now) {
            errors.add(
                "date",
                ctx.pick(
                    "運作紀錄只記已舉行的聚會，日期不能在今天之後",
                    "a record is of a meeting already held: the date cannot be after today",
                ),
            );
        }
    }
    if MeetingKind::parse(&form.kind).is_none() {
        errors.add("kind", ctx.t("meetings.pick_kind"));
    }
    let topic = form.topic.trim();
    if topic.is_empty() {
        errors.add("topic", ctx.t("form.required"));
    } else if topic.chars().count() > 200 {
        errors.add("topic", ctx.t("form.too_long"));
    }
    if form.minutes.chars().count() > 20_000 {
        errors.add("minutes", ctx.t("form.too_long"));
    }
    if form.attendees.iter().any(|a| !members.iter().any(|m| m.id == *a)) {
        errors.add("attendees", ctx.t("meetings.unknown_attendee"));
    }
    match (errors.is_empty(), date, semester) {
        (true, Some(date), Some(semester)) => {
            let mut attendees = form.attendees.clone();
            attendees.sort_unstable();
            attendees.dedup();
            Ok(MeetingData {
                date,
                semester: semester as i16,
                kind: form.kind.clone(),
                topic: topic.to_string(),
                minutes: form.minutes.trim().to_string(),
                attendees,
            })
        }
        _ => Err(errors),
    }
}

async fn new_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<FormPage> {
    let portal = portal(&state, &ctx, id).await?;
    let members = communities::members(&state.db, id).await?;
    let form = MeetingForm {
        date: roc::format_slash(time::local_date(portal.now)),
        kind: MeetingKind::CoPlanning.id().into(),
        attendees: members.iter().map(|m| m.id).collect(),
        ..Default::default()
    };
    Ok(FormPage { ctx, portal, meeting: None, members, form, errors: FieldErrors::default(), signin: None })
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    portal.writable()?;
    let members = communities::members(&state.db, id).await?;
    let form = parse_form(pairs);
    let data = match check(&ctx, &portal, &members, &form) {
        Ok(d) => d,
        Err(errors) => {
            let page = FormPage { ctx, portal, meeting: None, members, form, errors, signin: None };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let now = state.now();
    let late = progress::is_late(&portal.plan, Item::Meeting(data.date), now);
    let txn = state.db.begin().await?;
    let created = meetings::create(&txn, id, &data, late, &portal.actor.label, now).await?;
    audit::record(&txn, now, &portal.actor, portal.change("meeting.create", "meeting", created.id).after(&data))
        .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("meetings.saved_upload_signin")).await;
    Ok(Redirect::to(&format!("{}/meetings/{}#signin", portal.base(), created.id)).into_response())
}

async fn meeting_of(state: &AppState, portal: &Portal, meeting: i32) -> AppResult<Meeting> {
    let found = meetings::get(&state.db, meeting).await?.ok_or(AppError::NotFound)?;
    if found.community_id != portal.community.id {
        return Err(AppError::NotFound);
    }
    Ok(found)
}

async fn signin_of(
    state: &AppState,
    community_id: i32,
    meeting_id: i32,
) -> AppResult<Option<(Document, Vec<FileVersion>)>> {
    let doc = documents::list(&state.db, community_id, false)
        .await?
        .into_iter()
        .find(|d| d.category == SIGNIN && d.meeting_id == Some(meeting_id));
    match doc {
        Some(d) => {
            let versions = documents::versions(&state.db, &[d.id]).await?;
            Ok(Some((d, versions)))
        }
        None => Ok(None),
    }
}

async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, meeting)): Path<(i32, i32)>,
) -> AppResult<FormPage> {
    let portal = portal(&state, &ctx, id).await?;
    let existing = meeting_of(&state, &portal, meeting).await?;
    let members = communities::members(&state.db, id).await?;
    let form = MeetingForm {
        date: roc::format_slash(existing.date),
        kind: existing.kind.clone(),
        topic: existing.topic.clone(),
        minutes: existing.minutes.clone(),
        attendees: meetings::attendees(&state.db, meeting).await?,
    };
    let signin = signin_of(&state, id, meeting).await?;
    Ok(FormPage { ctx, portal, meeting: Some(existing), members, form, errors: FieldErrors::default(), signin })
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, meeting)): Path<(i32, i32)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    let existing = meeting_of(&state, &portal, meeting).await?;
    portal.writable()?;
    let members = communities::members(&state.db, id).await?;
    let form = parse_form(pairs);
    let data = match check(&ctx, &portal, &members, &form) {
        Ok(d) => d,
        Err(errors) => {
            let signin = signin_of(&state, id, meeting).await?;
            let page = FormPage { ctx, portal, meeting: Some(existing), members, form, errors, signin };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let before = MeetingData {
        date: existing.date,
        semester: existing.semester,
        kind: existing.kind.clone(),
        topic: existing.topic.clone(),
        minutes: existing.minutes.clone(),
        attendees: meetings::attendees(&state.db, meeting).await?,
    };
    let now = state.now();
    let late = progress::is_late(&portal.plan, Item::Meeting(data.date), now);
    let txn = state.db.begin().await?;
    meetings::update(&txn, existing, &data, late, now).await?;
    audit::record(
        &txn,
        now,
        &portal.actor,
        portal.change("meeting.update", "meeting", meeting).before(&before).after(&data),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("meetings.saved")).await;
    Ok(Redirect::to(&format!("{}/meetings", portal.base())).into_response())
}

async fn delete(State(state): State<AppState>, ctx: Ctx, Path((id, meeting)): Path<(i32, i32)>) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    let existing = meeting_of(&state, &portal, meeting).await?;
    portal.writable()?;
    let signin = signin_of(&state, id, meeting).await?;
    let now = state.now();
    // Never read through the pool while a transaction is open: SQLite has one connection.
    let txn = state.db.begin().await?;
    // Its sign-in sheet is hidden with it (and kept, like every file).
    if let Some((doc, _)) = signin {
        documents::delete(&txn, doc, &portal.actor.label, now).await?;
    }
    let before = serde_json::json!({ "date": existing.date, "kind": existing.kind, "topic": existing.topic });
    meetings::delete(&txn, meeting).await?;
    audit::record(&txn, now, &portal.actor, portal.change("meeting.delete", "meeting", meeting).before(&before))
        .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("meetings.deleted")).await;
    Ok(Redirect::to(&format!("{}/meetings", portal.base())).into_response())
}
