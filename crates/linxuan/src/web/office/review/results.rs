//! From the board to the published results: scores collected on paper imported under the
//! `linxuan allocate` file contract (marked imported, by whom), publication as a deliberate,
//! frozen step (every version kept), revocation of an award for infringement (the place stays
//! vacant), and the exports: the justification record per group and the results.

use std::collections::{BTreeMap, HashMap};

use chrono::Datelike;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linxuan_core::allocation::AllocationResult;
use linxuan_core::plan::{CriterionSource, Plan};
use linxuan_docs::export::{Cell, Sheet, workbook};
use linxuan_store::audit::{self, Change};
use linxuan_store::communities::{self, Community};
use linxuan_store::review::{self as store, Entry, Publication, Revocation};
use linxuan_store::schools;
use linxuan_store::{TransactionTrait, users};
use serde::Deserialize;

use crate::app::AppState;
use crate::review::{self, decode, encode};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::office::schools::{attachment, read_upload};
use crate::web::office::{YearPlan, current_plan};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/review/import", get(import_page).post(import))
        .route("/review/publish", get(preview).post(publish))
        .route("/review/publications/{version}", get(publication))
        .route("/review/revoke", post(revoke))
        .route("/review/justification.xlsx", get(justification))
        .route("/review/results.csv", get(results_csv))
        .route("/review/results.xlsx", get(results_xlsx))
        .route("/review/results.pdf", get(results_pdf))
        .route("/review/publications/{version}/results.pdf", get(publication_pdf))
}

// ---------------------------------------------------------------- published results

pub use crate::published::{Published, PublishedCommunity, PublishedGroup};

/// The results as they would be published now: the provisional allocation with revocations
/// applied (a revoked award leaves its place vacant), with names and anonymous comments.
pub async fn build(
    state: &AppState,
    plan: &Plan,
    year: i32,
) -> AppResult<(Published, AllocationResult, Vec<Vec<String>>)> {
    build_from(state, &review::Snapshot::load(&state.db, year).await?, plan, year).await
}

/// `build` from a snapshot already read.
async fn build_from(
    state: &AppState,
    snapshot: &review::Snapshot,
    plan: &Plan,
    year: i32,
) -> AppResult<(Published, AllocationResult, Vec<Vec<String>>)> {
    let result = snapshot.results(plan);
    let list = &snapshot.communities;
    let by_code: HashMap<&str, &Community> = list.iter().map(|c| (c.code.as_str(), c)).collect();
    let schools = schools::list(&state.db, &Default::default()).await?;
    let ids: Vec<i32> = list.iter().map(|c| c.id).collect();
    let members = communities::members_of(&state.db, &ids).await?;
    let revoked: Vec<i32> = snapshot.revocations.iter().map(|r| r.community_id).collect();
    let assignments = &snapshot.assignments;
    let scores = &snapshot.scores;
    let mut open_blocks = Vec::new();
    let groups = result
        .groups
        .iter()
        .map(|g| {
            open_blocks.extend(g.needs_decision.iter().cloned());
            let level_name =
                |id: &str| g.levels.iter().find(|l| l.id == id).map_or_else(|| id.to_string(), |l| l.name.clone());
            let vacant: Vec<(String, u32)> =
                g.vacant_by_level().unwrap_or_default().into_iter().map(|(id, v)| (level_name(id), v)).collect();
            let communities = g
                .ranking
                .iter()
                .map(|c| {
                    let found = by_code.get(c.community.as_str());
                    // `results` has already taken a revoked award back and left its place vacant.
                    let is_revoked = found.is_some_and(|f| revoked.contains(&f.id));
                    let award = g.award_id(c).zip(g.award_name(c)).map(|(id, name)| (id.to_string(), name.to_string()));
                    let comments = found
                        .map(|f| {
                            assignments
                                .iter()
                                .filter(|a| a.community_id == f.id)
                                .filter_map(|a| {
                                    scores.iter().find(|s| s.assignment_id == a.id && s.status == store::SUBMITTED)
                                })
                                .map(|s| s.comment.clone())
                                .filter(|c| !c.is_empty())
                                .enumerate()
                                .map(|(i, c)| (i + 1, c))
                                .collect()
                        })
                        .unwrap_or_default();
                    PublishedCommunity {
                        code: c.community.clone(),
                        name: found.map(|f| f.name.clone()).unwrap_or_default(),
                        school: found
                            .and_then(|f| schools.iter().find(|s| s.id == f.school_id))
                            .map(|s| s.name.clone())
                            .unwrap_or_default(),
                        convener: found
                            .and_then(|f| {
                                members.iter().find(|m| m.community_id == f.id && m.role == communities::CONVENER)
                            })
                            .map(|m| m.name.clone())
                            .unwrap_or_default(),
                        rank: c.rank,
                        round: c.round,
                        total: c.total_display.clone(),
                        criteria: g
                            .criteria
                            .iter()
                            .zip(&c.criteria)
                            .map(|(h, m)| (h.name.clone(), m.display.clone()))
                            .collect(),
                        award,
                        revoked: is_revoked,
                        not_passed: match c.standing {
                            linxuan_core::allocation::Standing::NotPassed { round } => Some(round),
                            _ => None,
                        },
                        comments,
                    }
                })
                .collect();
            PublishedGroup { group: g.group.clone(), name: g.name.clone(), communities, vacant }
        })
        .collect();
    Ok((Published { year, groups }, result, open_blocks))
}

/// A publication's names in the page's language, from the plan (a publication keeps the
/// Traditional Chinese names it was made with, and the ids).
pub struct PublishedNames<'a> {
    pub ctx: &'a Ctx,
    pub plan: &'a Plan,
}

impl PublishedNames<'_> {
    pub fn group(&self, g: &PublishedGroup) -> String {
        crate::web::names::group(self.ctx, self.plan, &g.group)
    }
    pub fn award(&self, c: &PublishedCommunity) -> Option<String> {
        c.award.as_ref().map(|(id, _)| crate::web::names::level(self.ctx, self.plan, id))
    }
    pub fn rank(&self, c: &PublishedCommunity) -> String {
        if c.not_passed.is_some() { "—".into() } else { c.rank.to_string() }
    }
    pub fn not_passed(&self, g: &PublishedGroup, c: &PublishedCommunity) -> Option<String> {
        let round = c.not_passed?;
        let name = crate::web::names::round_of_group(self.ctx, self.plan, &g.group, i64::from(round));
        Some(self.ctx.tf1("board.not_passed", "round", &name))
    }
    /// The vacancies, each level by its name in the page's language.
    pub fn vacant(&self, g: &PublishedGroup) -> String {
        g.vacant
            .iter()
            .map(|(name, n)| {
                let level = self.plan.award_levels.values().find(|l| l.name == *name);
                format!("{} {n}", level.map_or(name.as_str(), |l| self.ctx.named(&l.name, &l.name_en)))
            })
            .collect::<Vec<_>>()
            .join(self.ctx.sep())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "office/review/publish.html")]
struct PublishPage {
    ctx: Ctx,
    plan: Plan,
    preview: Published,
    open_blocks: Vec<Vec<String>>,
    unfinished: Vec<String>,
    publications: Vec<Publication>,
    revocations: Vec<Revocation>,
}

impl PublishPage {
    fn names(&self) -> PublishedNames<'_> {
        PublishedNames { ctx: &self.ctx, plan: &self.plan }
    }
    fn when(&self, p: &Publication) -> String {
        crate::web::format::local_time(p.published_at)
    }
}

/// What is not finished yet: phases still open, assigned scores not submitted, communities
/// without any score. Publishing anyway is allowed (a partial announcement may be intended) but
/// must be acknowledged.
async fn unfinished(state: &AppState, ctx: &Ctx, plan: &Plan, year: i32) -> AppResult<Vec<String>> {
    let mut out = Vec::new();
    let states = store::phase_states(&state.db, year).await?;
    let open: Vec<String> = review::phase_views(plan, &states, state.now())
        .into_iter()
        .filter(|v| v.open)
        .map(|v| ctx.pick(&v.phase.name, &v.phase.name_en).to_string())
        .collect();
    if !open.is_empty() {
        out.push(ctx.tf1("publish.open_phases", "phases", &open.join(ctx.sep())));
    }
    let assignments = review::live_assignments(&state.db, year).await?;
    let ids: Vec<i32> = assignments.iter().map(|a| a.id).collect();
    let scores = store::scores_of(&state.db, &ids).await?;
    let submitted: Vec<i32> = scores.iter().filter(|s| s.status == store::SUBMITTED).map(|s| s.assignment_id).collect();
    let pending = assignments.iter().filter(|a| !submitted.contains(&a.id)).count();
    if pending > 0 {
        out.push(ctx.tf1("publish.pending", "n", &pending.to_string()));
    }
    let list = communities::list(&state.db, year).await?;
    let scored: Vec<i32> = assignments.iter().filter(|a| submitted.contains(&a.id)).map(|a| a.community_id).collect();
    let unscored: Vec<&str> = list
        .iter()
        .filter(|c| c.status == communities::APPROVED && !scored.contains(&c.id))
        .map(|c| c.code.as_str())
        .collect();
    if !unscored.is_empty() {
        out.push(ctx.tf1("publish.unscored", "codes", &unscored.join(ctx.sep())));
    }
    Ok(out)
}

async fn preview(State(state): State<AppState>, ctx: Ctx) -> AppResult<PublishPage> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let (preview, _, open_blocks) = build(&state, &plan, year).await?;
    Ok(PublishPage {
        unfinished: unfinished(&state, &ctx, &plan, year).await?,
        publications: store::publications(&state.db, year).await?,
        revocations: store::revocations(&state.db, year).await?,
        ctx,
        plan,
        preview,
        open_blocks,
    })
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    note: String,
    /// Ticked to publish although scoring is not finished.
    #[serde(default)]
    unfinished: Option<String>,
}

/// Freezes the results as they stand into a new publication version.
async fn publish(State(state): State<AppState>, ctx: Ctx, Form(form): Form<PublishForm>) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let (published, _, open_blocks) = build(&state, &plan, year).await?;
    if !open_blocks.is_empty() {
        return Err(AppError::bad_request(
            "仍有同分待裁決，請先在結果看板記錄裁決",
            "some ties still need a decision; record it on the results board first",
        ));
    }
    if published.groups.is_empty() {
        return Err(AppError::bad_request("還沒有任何已送出的分數", "no score has been submitted yet"));
    }
    if form.unfinished.is_none() && !unfinished(&state, &ctx, &plan, year).await?.is_empty() {
        return Err(AppError::bad_request(
            "評分尚未完成：若仍要公告，請勾選「我了解評分尚未完成，仍要公告」",
            "scoring is not finished: to publish anyway, tick \"I know scoring is not finished\"",
        ));
    }
    let json = serde_json::to_string(&published).map_err(|e| AppError::Internal(e.to_string()))?;
    let actor = ctx.actor()?;
    let now = state.now();
    let txn = state.db.begin().await?;
    let publication = store::publish(&txn, year, &json, form.note.trim(), &actor.label, now).await?;
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("results.publish", "publication", publication.version)
            .year(year)
            .after(&serde_json::json!({ "version": publication.version, "note": form.note.trim() })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("publish.done", "v", &publication.version.to_string())).await;
    Ok(Redirect::to(&format!("/office/review/publications/{}", publication.version)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "office/review/publication.html")]
struct PublicationPage {
    ctx: Ctx,
    plan: Plan,
    publication: Publication,
    published: Published,
}

impl PublicationPage {
    fn names(&self) -> PublishedNames<'_> {
        PublishedNames { ctx: &self.ctx, plan: &self.plan }
    }
    fn when(&self) -> String {
        crate::web::format::local_time(self.publication.published_at)
    }
}

async fn publication(State(state): State<AppState>, ctx: Ctx, Path(version): Path<i32>) -> AppResult<PublicationPage> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let publication = store::publications(&state.db, year)
        .await?
        .into_iter()
        .find(|p| p.version == version)
        .ok_or(AppError::NotFound)?;
    let published = serde_json::from_str(&publication.result).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(PublicationPage { ctx, plan, publication, published })
}

#[derive(Deserialize)]
pub struct RevokeForm {
    community: String,
    reason: String,
}

/// Revokes a community's award (copyright infringement, seed §5(1)(4)3): recorded for good; the
/// place stays vacant in the next publication.
async fn revoke(State(state): State<AppState>, ctx: Ctx, Form(form): Form<RevokeForm>) -> AppResult<Response> {
    let YearPlan { year, .. } = current_plan(&state, &ctx.session).await?;
    let community = communities::by_code(&state.db, year, form.community.trim()).await?.ok_or(AppError::NotFound)?;
    let reason = form.reason.trim();
    if reason.is_empty() {
        return Err(AppError::bad_request("請填寫撤銷原因", "give the reason for revoking"));
    }
    if store::revocations(&state.db, year).await?.iter().any(|r| r.community_id == community.id) {
        return Err(AppError::bad_request("這個社群的獎項已撤銷", "this community's award is already revoked"));
    }
    let actor = ctx.actor()?;
    let now = state.now();
    let txn = state.db.begin().await?;
    let r = store::revoke(&txn, year, community.id, reason, &actor.label, now).await?;
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("award.revoke", "community", community.id)
            .year(year)
            .after(&serde_json::json!({ "revocation": r.id, "code": community.code, "reason": reason })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("publish.revoked", "code", &community.code)).await;
    Ok(Redirect::to("/office/review/publish").into_response())
}

// ---------------------------------------------------------------- paper scores

#[derive(Template, WebTemplate)]
#[template(path = "office/review/import.html")]
struct ImportPage {
    ctx: Ctx,
    problems: Vec<String>,
}

async fn import_page(ctx: Ctx) -> ImportPage {
    ImportPage { ctx, problems: Vec::new() }
}

/// Imports scores collected on paper, in `linxuan allocate`'s file format. The reviewer column
/// names a reviewer account (e-mail or name); every row is checked before anything is written.
async fn import(State(state): State<AppState>, ctx: Ctx, multipart: Multipart) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let refuse = |ctx: Ctx, problems: Vec<String>| {
        (StatusCode::UNPROCESSABLE_ENTITY, ImportPage { ctx, problems }).into_response()
    };
    let Some((_, bytes)) = read_upload(multipart, 20 * 1024 * 1024).await? else {
        let message = ctx.pick("請選擇要匯入的檔案", "choose a file to import").to_string();
        return Ok(refuse(ctx, vec![message]));
    };
    let rules = plan.selection_rules();
    let entries = match linxuan_docs::scores::read_scores_within(&bytes, &rules, &linxuan_docs::table::Limits::UPLOAD) {
        Ok(e) => e,
        Err(problems) => {
            let list = problems.iter().map(|p| if ctx.en() { p.to_string() } else { p.message_zh() }).collect();
            return Ok(refuse(ctx, list));
        }
    };
    let list = communities::list(&state.db, year).await?;
    let reviewers = users::list(&state.db, Some("reviewer")).await?;
    let mut problems = Vec::new();
    // (community id, reviewer id, phase) → criterion → score
    let mut grouped: BTreeMap<(i32, i32, String), BTreeMap<String, String>> = BTreeMap::new();
    for e in &entries {
        let Some(c) = list.iter().find(|c| c.code == e.community) else {
            problems.push(
                ctx.pick(
                    &format!("社群「{}」不在本年度", e.community),
                    &format!("community \"{}\" is not of this year", e.community),
                )
                .to_string(),
            );
            continue;
        };
        if c.group_id != e.group {
            problems.push(
                ctx.pick(
                    &format!("社群「{}」屬於 {}，不是 {}", c.code, c.group_id, e.group),
                    &format!("community \"{}\" is in {}, not {}", c.code, c.group_id, e.group),
                )
                .to_string(),
            );
            continue;
        }
        let Some(r) =
            reviewers.iter().find(|u| u.email == e.reviewer.trim().to_lowercase() || u.name == e.reviewer.trim())
        else {
            problems.push(
                ctx.pick(
                    &format!("找不到審查委員「{}」（請用委員的電子郵件或姓名）", e.reviewer),
                    &format!("no reviewer \"{}\" (use the reviewer's e-mail or name)", e.reviewer),
                )
                .to_string(),
            );
            continue;
        };
        let presentation = plan
            .tracks
            .get(&c.track)
            .and_then(|t| t.criteria.get(&e.criterion))
            .is_some_and(|cr| cr.source == CriterionSource::Presentation);
        let Some((phase_id, _)) = plan.review.phases.iter().find(|(_, p)| {
            p.track == c.track
                && p.round == e.round as i64
                && (p.kind == linxuan_core::plan::PhaseKind::Presentation) == presentation
        }) else {
            problems.push(
                ctx.pick(
                    &format!("{} 第 {} 輪沒有對應的審查階段", c.code, e.round),
                    &format!("{} has no review phase for round {}", c.code, e.round),
                )
                .to_string(),
            );
            continue;
        };
        if review::conflict_reason(&state.db, c, r.id).await?.is_some() {
            problems.push(
                ctx.pick(
                    &format!("{} 與 {} 有利益衝突", r.name, c.code),
                    &format!("{} has a conflict with {}", r.name, c.code),
                )
                .to_string(),
            );
            continue;
        }
        grouped
            .entry((c.id, r.id, phase_id.clone()))
            .or_default()
            .insert(e.criterion.clone(), e.score.normalize().to_string());
    }
    problems.sort();
    problems.dedup();
    if !problems.is_empty() {
        return Ok(refuse(ctx, problems));
    }
    let actor = ctx.actor()?;
    let now = state.now();
    let existing = store::assignments_of_year(&state.db, year).await?;
    let txn = state.db.begin().await?;
    let mut count = 0;
    for ((community, reviewer, phase), values) in &grouped {
        let assignment = match existing
            .iter()
            .find(|a| a.community_id == *community && a.reviewer_id == *reviewer && a.phase == *phase)
        {
            Some(a) => a.clone(),
            None => {
                store::add_assignment(
                    &txn,
                    store::NewAssignment { year, phase, community_id: *community, reviewer_id: *reviewer, room: None },
                    &actor.label,
                    now,
                )
                .await?
            }
        };
        let entry = Entry {
            values: encode(values),
            indicators: "{}".into(),
            completeness_reason: String::new(),
            comment: String::new(),
        };
        let reason = ctx.pick("紙本評分匯入", "imported from paper score sheets");
        store::submit(&txn, assignment.id, &entry, reason, &actor.label, true, now).await?;
        count += 1;
    }
    let (sha, fresh) = state.files.put_content_unrecorded("imports", bytes::Bytes::copy_from_slice(&bytes)).await?;
    let mut batch = Change::new("scores.import", "import", &sha).year(year);
    batch.after = Some(serde_json::json!({ "sha256": sha, "scores": count, "rows": entries.len() }));
    audit::record(&txn, now, &actor, batch).await?;
    txn.commit().await?;
    if let Some(fresh) = fresh {
        fresh.recorded();
    }
    ctx.flash("ok", ctx.tf1("import.scores_done", "n", &count.to_string())).await;
    Ok(Redirect::to("/office/review/board").into_response())
}

// ---------------------------------------------------------------- exports

/// Every criterion of the plan, in plan order, with its track's name: the versions sheet's
/// score columns.
fn all_criteria(plan: &Plan) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for track in plan.tracks.values() {
        for (id, c) in &track.criteria {
            if !out.iter().any(|(i, _)| i == id) {
                out.push((id.clone(), c.name.clone()));
            }
        }
    }
    out
}

/// Every version of every score of the year — who, when, the scores, the comment and why it
/// changed —, void ones included and marked, for the record.
async fn versions_sheet(
    state: &AppState,
    snapshot: &review::Snapshot,
    reviewers: &HashMap<i32, String>,
    plan: &Plan,
) -> AppResult<Sheet> {
    let (all, list, scores) = (&snapshot.all_assignments, &snapshot.communities, &snapshot.scores);
    let live: Vec<i32> = snapshot.assignments.iter().map(|a| a.id).collect();
    let score_ids: Vec<i32> = scores.iter().map(|s| s.id).collect();
    let versions = store::versions_of_scores(&state.db, &score_ids).await?;
    let criteria = all_criteria(plan);
    let mut header: Vec<String> =
        ["社群代碼", "社群名稱", "審查委員", "階段", "版本", "時間", "由誰"].map(String::from).to_vec();
    header.extend(criteria.iter().map(|(_, name)| name.clone()));
    header.extend(["評語", "原因", "計分"].map(String::from));
    let mut rows = Vec::new();
    for v in &versions {
        let Some(score) = scores.iter().find(|s| s.id == v.score_id) else { continue };
        let Some(a) = all.iter().find(|a| a.id == score.assignment_id) else { continue };
        let community = list.iter().find(|c| c.id == a.community_id);
        let values = review::decode(&v.values);
        let mut row: Vec<Cell> = vec![
            community.map(|c| c.code.clone()).unwrap_or_default().into(),
            community.map(|c| c.name.clone()).unwrap_or_default().into(),
            reviewers.get(&a.reviewer_id).cloned().unwrap_or_default().into(),
            plan.review.phases.get(&a.phase).map_or_else(|| a.phase.clone(), |p| p.name.clone()).into(),
            Cell::int(v.version),
            crate::web::format::local_time(v.at).into(),
            v.by.clone().into(),
        ];
        row.extend(criteria.iter().map(|(id, _)| values.get(id).map_or(Cell::Empty, |x| Cell::score_text(x))));
        row.extend([
            v.comment.clone().into(),
            v.reason.clone().into(),
            if live.contains(&a.id) { "計入".into() } else { "不計（利益迴避）".into() },
        ]);
        rows.push(row);
    }
    Ok(Sheet { name: "評分版本紀錄".into(), header, rows })
}

/// The office's decisions on the record: tie decisions (the block, the order decided, the
/// reason, who and when), revocations and cut confirmations, each with the communities it
/// concerns.
fn decisions_sheet(snapshot: &review::Snapshot, plan: &Plan) -> Sheet {
    let header = ["種類", "組別", "社群", "決定", "理由", "由誰", "時間"].map(String::from).to_vec();
    let group_name = |id: &str| plan.groups.get(id).map_or_else(|| id.to_string(), |g| g.name.clone());
    let code_of =
        |id: i32| snapshot.communities.iter().find(|c| c.id == id).map(|c| c.code.clone()).unwrap_or_default();
    let mut rows: Vec<(chrono::DateTime<chrono::Utc>, Vec<Cell>)> = Vec::new();
    for d in &snapshot.decisions {
        let block: Vec<String> = serde_json::from_str(&d.block).unwrap_or_default();
        let order: Vec<String> = serde_json::from_str(&d.awards).unwrap_or_default();
        rows.push((
            d.decided_at,
            vec![
                "同分裁決".into(),
                group_name(&d.group_id).into(),
                block.join("、").into(),
                format!("依序：{}", order.join(" → ")).into(),
                d.reason.clone().into(),
                d.decided_by.clone().into(),
                crate::web::format::local_time(d.decided_at).into(),
            ],
        ));
    }
    for r in &snapshot.revocations {
        let community = snapshot.communities.iter().find(|c| c.id == r.community_id);
        rows.push((
            r.revoked_at,
            vec![
                "撤銷獎項".into(),
                community.map(|c| group_name(&c.group_id)).unwrap_or_default().into(),
                code_of(r.community_id).into(),
                "撤銷，名額從缺".into(),
                r.reason.clone().into(),
                r.revoked_by.clone().into(),
                crate::web::format::local_time(r.revoked_at).into(),
            ],
        ));
    }
    for cut in &snapshot.cuts {
        let passing: Vec<i32> = serde_json::from_str(&cut.passing).unwrap_or_default();
        let round = plan
            .groups
            .get(&cut.group_id)
            .and_then(|g| plan.tracks.get(&g.track))
            .and_then(|t| t.rounds.get((cut.round as usize).wrapping_sub(1)))
            .map_or_else(|| format!("第 {} 輪", cut.round), |r| r.name.clone());
        rows.push((
            cut.confirmed_at,
            vec![
                "確認晉級名單".into(),
                group_name(&cut.group_id).into(),
                passing.iter().map(|id| code_of(*id)).collect::<Vec<_>>().join("、").into(),
                format!("晉級{round}：{} 個社群", passing.len()).into(),
                cut.reason.clone().into(),
                cut.confirmed_by.clone().into(),
                crate::web::format::local_time(cut.confirmed_at).into(),
            ],
        ));
    }
    rows.sort_by_key(|(at, _)| *at);
    Sheet { name: "裁決與撤銷紀錄".into(), header, rows: rows.into_iter().map(|(_, r)| r).collect() }
}

/// What the office decided about a community, in one cell beside its aggregate: the tie
/// decision that ranked it and its revocation, each with the reason, who and when.
fn decided_about(snapshot: &review::Snapshot, group: &str, code: &str, id: Option<i32>) -> String {
    let mut parts = Vec::new();
    for d in snapshot.decisions.iter().filter(|d| d.group_id == group) {
        let block: Vec<String> = serde_json::from_str(&d.block).unwrap_or_default();
        if block.iter().any(|c| c == code) {
            let order: Vec<String> = serde_json::from_str(&d.awards).unwrap_or_default();
            parts.push(format!(
                "同分裁決：{}（理由：{}；{}，{}）",
                order.join(" → "),
                d.reason,
                d.decided_by,
                crate::web::format::local_time(d.decided_at)
            ));
        }
    }
    for r in snapshot.revocations.iter().filter(|r| Some(r.community_id) == id) {
        parts.push(format!(
            "撤銷獎項（理由：{}；{}，{}）",
            r.reason,
            r.revoked_by,
            crate::web::format::local_time(r.revoked_at)
        ));
    }
    parts.join("；")
}

/// Every score by every reviewer, the aggregate, the rank, the award and why, and the office's
/// decisions beside the communities they concern: one sheet per group, the sheet of decisions
/// and the sheet of every version, for the file. Numbers are numbers (Excel sums and sorts
/// them); phases and rounds go by the plan's names.
async fn justification(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let snapshot = review::Snapshot::load(&state.db, year).await?;
    let (published, result, _) = build_from(&state, &snapshot, &plan, year).await?;
    let (list, assignments, scores) = (&snapshot.communities, &snapshot.assignments, &snapshot.scores);
    let reviewers: HashMap<i32, String> =
        users::list(&state.db, Some("reviewer")).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let mut sheets = Vec::new();
    for (g, pg) in result.groups.iter().zip(&published.groups) {
        let mut header: Vec<String> =
            vec!["名次".into(), "社群代碼".into(), "社群名稱".into(), "學校".into(), "階段".into(), "審查委員".into()];
        header.extend(g.criteria.iter().map(|c| c.name.clone()));
        header.extend(["總分", "獎項", "說明", "裁決與撤銷", "評語", "紙本匯入者"].map(String::from));
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for (c, pc) in g.ranking.iter().zip(&pg.communities) {
            let community = list.iter().find(|x| x.code == c.community);
            let rank = if c.standing.competes() { Cell::int(c.rank) } else { Cell::from("—") };
            let award = if pc.revoked { "撤銷".to_string() } else { linxuan_docs::results::award_zh(g, c) };
            let why = c.explanation_zh(g).join("；");
            for a in assignments.iter().filter(|a| community.is_some_and(|x| x.id == a.community_id)) {
                let Some(s) = scores.iter().find(|s| s.assignment_id == a.id && s.status == store::SUBMITTED) else {
                    continue;
                };
                let values = decode(&s.values);
                let mut row: Vec<Cell> = vec![
                    rank.clone(),
                    c.community.clone().into(),
                    pc.name.clone().into(),
                    pc.school.clone().into(),
                    plan.review.phases.get(&a.phase).map_or_else(|| a.phase.clone(), |p| p.name.clone()).into(),
                    reviewers.get(&a.reviewer_id).cloned().unwrap_or_default().into(),
                ];
                row.extend(g.criteria.iter().map(|h| values.get(&h.id).map_or(Cell::Empty, |v| Cell::score_text(v))));
                row.extend([
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    s.comment.clone().into(),
                    s.imported_by.clone().unwrap_or_default().into(),
                ]);
                rows.push(row);
            }
            let mut row: Vec<Cell> = vec![
                rank,
                c.community.clone().into(),
                pc.name.clone().into(),
                pc.school.clone().into(),
                format!("{}平均", g.round_name_zh(c.round)).into(),
                Cell::Empty,
            ];
            row.extend(c.criteria.iter().map(|m| Cell::score_text(&m.display)));
            row.extend([
                Cell::score_text(&c.total_display),
                award.into(),
                why.into(),
                decided_about(&snapshot, &g.group, &c.community, community.map(|x| x.id)).into(),
                Cell::Empty,
                Cell::Empty,
            ]);
            rows.push(row);
        }
        sheets.push(Sheet { name: g.name.clone(), header, rows });
    }
    sheets.push(decisions_sheet(&snapshot, &plan));
    sheets.push(versions_sheet(&state, &snapshot, &reviewers, &plan).await?);
    let bytes = workbook(&sheets).map_err(|e| AppError::Internal(e.to_string()))?;
    let _ = ctx;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("justification-{year}.xlsx"),
        bytes,
    ))
}

async fn results_csv(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let result = review::results(&state.db, &plan, year).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        &format!("results-{year}.csv"),
        linxuan_docs::results::to_csv_for_excel(&result),
    ))
}

async fn results_xlsx(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let result = review::results(&state.db, &plan, year).await?;
    let bytes = linxuan_docs::results::to_xlsx(&result).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("results-{year}.xlsx"),
        bytes,
    ))
}

/// The results as a document to print, sign and send: per group, rank, award, school, community,
/// convener and total, with the vacancies; dated in the ROC calendar.
fn results_document(
    ctx: &Ctx,
    plan: &Plan,
    published: &Published,
    publication: Option<&Publication>,
    date: chrono::NaiveDate,
) -> linxuan_pdf::ResultsDocument {
    let t = |key: &str| ctx.t(key).into_owned();
    let subtitle = match publication {
        Some(p) => ctx.tf1("results_pdf.subtitle_published", "v", &p.version.to_string()),
        None => t("results_pdf.subtitle_draft"),
    };
    let date = match ctx.lang {
        linxuan_core::Lang::En => date.format("%-d %B %Y").to_string(),
        _ => format!("中華民國{}", linxuan_core::roc::format_long(date)),
    };
    linxuan_pdf::ResultsDocument {
        title: ctx.pick(&plan.title, &plan.title_en).to_string(),
        subtitle,
        date,
        draft: publication.is_none(),
        headings: linxuan_pdf::ResultHeadings {
            rank: t("results_pdf.rank"),
            award: t("results_pdf.award"),
            school: t("results_pdf.school"),
            community: t("results_pdf.community"),
            convener: t("results_pdf.convener"),
            total: t("results_pdf.total"),
            page: t("results_pdf.page"),
            draft: t("results_pdf.draft"),
        },
        groups: published
            .groups
            .iter()
            .map(|g| linxuan_pdf::ResultsGroup {
                name: g.name.clone(),
                rows: g
                    .communities
                    .iter()
                    .map(|c| linxuan_pdf::ResultRow {
                        rank: c.rank.to_string(),
                        award: match (&c.award, c.revoked) {
                            (_, true) => t("results_pdf.revoked"),
                            (Some((_, name)), false) => name.clone(),
                            (None, false) => String::new(),
                        },
                        school: c.school.clone(),
                        community: c.name.clone(),
                        convener: c.convener.clone(),
                        total: c.total.clone(),
                    })
                    .collect(),
                vacant: g
                    .vacant
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(level, n)| ctx.tf("results_pdf.vacant", &[("level", level.as_str()), ("n", &n.to_string())]))
                    .collect::<Vec<_>>()
                    .join("；"),
            })
            .collect(),
        notes: publication.filter(|p| !p.note.is_empty()).map(|p| vec![p.note.clone()]).unwrap_or_default(),
    }
}

async fn pdf_response(state: &AppState, document: linxuan_pdf::ResultsDocument, file: String) -> AppResult<Response> {
    let typesetter = state.typesetter().await;
    let today = state.now().with_timezone(&linxuan_core::time::ZONE).date_naive();
    let today = (today.year(), today.month() as u8, today.day() as u8);
    let bytes = tokio::task::spawn_blocking(move || document.render(&typesetter, today))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(attachment("application/pdf", &file, bytes))
}

/// The results as they stand, marked as a draft on every page.
async fn results_pdf(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let (published, _, _) = build(&state, &plan, year).await?;
    let date = state.now().with_timezone(&linxuan_core::time::ZONE).date_naive();
    let document = results_document(&ctx, &plan, &published, None, date);
    pdf_response(&state, document, format!("results-{year}-draft.pdf")).await
}

/// A published version, dated the day it was published.
async fn publication_pdf(State(state): State<AppState>, ctx: Ctx, Path(version): Path<i32>) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let publication = store::publications(&state.db, year)
        .await?
        .into_iter()
        .find(|p| p.version == version)
        .ok_or(AppError::NotFound)?;
    let published: Published =
        serde_json::from_str(&publication.result).map_err(|e| AppError::Internal(e.to_string()))?;
    let date = publication.published_at.with_timezone(&linxuan_core::time::ZONE).date_naive();
    let document = results_document(&ctx, &plan, &published, Some(&publication), date);
    pdf_response(&state, document, format!("results-{year}-v{version}.pdf")).await
}
