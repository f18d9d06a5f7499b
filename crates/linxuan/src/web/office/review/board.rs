//! The results board: per group, progress, every reviewer's score and the aggregate, reviewer
//! statistics, the provisional allocation with its explanation, ties the rules leave open and
//! the office's recorded decisions; and the cut between rounds. The page follows submissions
//! as they arrive (it asks every second whether anything changed).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linxuan_core::allocation::{AllocationResult, GroupResult, RankedCommunity, Score as Exact};
use linxuan_core::plan::{Cut, Plan};
use linxuan_core::review::cut::{CutOutcome, cut};
use linxuan_store::audit::{self, Change};
use linxuan_store::communities::Community;
use linxuan_store::review::{self as store, Assignment, Decision};
use linxuan_store::{TransactionTrait, users};
use serde::Deserialize;

use super::actor;
use crate::app::AppState;
use crate::review::{self, decode};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::office::{YearPlan, current_plan};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/review/board", get(board))
        .route("/review/board/version", get(version))
        .route("/review/decision/{group}", post(decide))
        .route("/review/cut/{group}/{round}", get(cut_page).post(confirm_cut))
}

/// One reviewer's submitted score of one community, for the board.
pub struct ReviewerScore {
    pub reviewer: String,
    pub phase: String,
    pub total: String,
    pub values: Vec<(String, String)>,
    pub comment: String,
    /// Who imported it from paper, if it came from a paper score sheet.
    pub imported: Option<String>,
}

/// Reviewer statistics of one phase of one group.
pub struct StatsTable {
    pub group: String,
    pub phase: String,
    pub rows: Vec<(String, linxuan_core::review::stats::ReviewerStats)>,
    pub mean: String,
    pub spread: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "office/review/board.html")]
struct BoardPage {
    ctx: Ctx,
    year: i32,
    years: Vec<i32>,
    plan: Plan,
    data: std::sync::Arc<BoardData>,
}

/// What the board shows, computed from the database alone: kept while it stays the same
/// (`crate::cache`), so sixteen offices watching the board cost one computation.
struct BoardData {
    result: AllocationResult,
    names: HashMap<String, String>,
    details: HashMap<String, Vec<ReviewerScore>>,
    decisions: Vec<Decision>,
    stamp: String,
    pending: usize,
    /// group → (scores submitted, scores assigned), over the assignments that count.
    progress: HashMap<String, (usize, usize)>,
    stats: Vec<StatsTable>,
    /// Codes of the communities whose award was revoked (SPEC §6).
    revoked: Vec<String>,
}

impl BoardPage {
    fn progress_of(&self, group: &str) -> String {
        let (done, all) = self.data.progress.get(group).copied().unwrap_or_default();
        self.ctx.tf1("board.progress", "n", &format!("{done} / {all}"))
    }
    fn stats_of(&self, group: &str) -> Vec<&StatsTable> {
        self.data.stats.iter().filter(|s| s.group == group).collect()
    }
    fn lean(&self, s: &linxuan_core::review::stats::ReviewerStats) -> String {
        match s.lean {
            Some(l) => self.ctx.pick(l.name_zh(), l.name_en()).to_string(),
            None => String::new(),
        }
    }
    fn exact(&self, s: &Option<Exact>) -> String {
        s.as_ref().map_or_else(|| "—".into(), |v| v.display_2dp())
    }
    fn dec(&self, d: &Option<rust_decimal::Decimal>) -> String {
        d.map_or_else(|| "—".into(), |v| v.to_string())
    }
    fn name(&self, code: &str) -> String {
        self.data.names.get(code).cloned().unwrap_or_default()
    }
    fn award(&self, g: &GroupResult, c: &RankedCommunity) -> String {
        if self.data.revoked.contains(&c.community) {
            return self.ctx.pick("已撤銷", "revoked").to_string();
        }
        g.award_name(c).map_or_else(|| "—".into(), str::to_string)
    }
    fn explain(&self, g: &GroupResult, c: &RankedCommunity) -> String {
        let mut steps = if self.ctx.en() { c.explanation_en(g) } else { c.explanation_zh(g) };
        if self.data.revoked.contains(&c.community) {
            steps.push(self.ctx.pick("獎項已撤銷，名額從缺", "award revoked; the place is vacant").to_string());
        }
        steps.join(self.ctx.pick("；", "; "))
    }
    fn scores_of(&self, code: &str) -> Vec<&ReviewerScore> {
        self.data.details.get(code).map(|v| v.iter().collect()).unwrap_or_default()
    }
    fn vacant(&self, g: &GroupResult) -> String {
        match g.vacant_by_level() {
            Some(levels) => levels
                .iter()
                .map(|(id, n)| {
                    let name = g.levels.iter().find(|l| l.id == *id).map_or(*id, |l| l.name.as_str());
                    format!("{name} {n}")
                })
                .collect::<Vec<_>>()
                .join("、"),
            None => self.ctx.t("board.after_decision").into_owned(),
        }
    }
    fn decisions_of(&self, group: &str) -> Vec<&Decision> {
        self.data.decisions.iter().filter(|d| d.group_id == group).collect()
    }
    fn decision_order(&self, d: &Decision) -> String {
        serde_json::from_str::<Vec<String>>(&d.awards).unwrap_or_default().join(" → ")
    }
    fn cut_rounds(&self, g: &GroupResult) -> Vec<i64> {
        self.plan.tracks.get(&g.track).map(|t| (2..=t.rounds.len() as i64).collect()).unwrap_or_default()
    }
}

/// A short fingerprint of everything the board shows (`board_fingerprint`): the page's script
/// reloads when it changes.
async fn version(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let YearPlan { year, .. } = current_plan(&state, &ctx.session).await?;
    let stamp = store::board_fingerprint(&state.db, year).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], stamp)
        .into_response())
}

async fn board(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let YearPlan { year, plan, years } = current_plan(&state, &ctx.session).await?;
    let data = state
        .computed
        .get_or_compute(&state.db, "office.review.board", year, || async {
            let _turn = state.heavy_page().await;
            board_data(&state, year, &plan).await
        })
        .await?;
    Ok(BoardPage { ctx, year, years, plan, data }.into_response())
}

/// The board of a year, read and computed.
async fn board_data(state: &AppState, year: i32, plan: &Plan) -> AppResult<BoardData> {
    // Read once; the fingerprint is read first, so that a change landing meanwhile makes the
    // page reload again rather than be missed.
    let stamp = store::board_fingerprint(&state.db, year).await?;
    let snapshot = review::Snapshot::load(&state.db, year).await?;
    let result = snapshot.results(plan);
    let list = &snapshot.communities;
    let names: HashMap<String, String> = list.iter().map(|c| (c.code.clone(), c.name.clone())).collect();
    let by_id: HashMap<i32, &Community> = list.iter().map(|c| (c.id, c)).collect();
    let assignments: &[Assignment] = &snapshot.assignments;
    let scores = &snapshot.scores;
    let reviewers: HashMap<i32, String> =
        users::list(&state.db, Some("reviewer")).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let mut details: HashMap<String, Vec<ReviewerScore>> = HashMap::new();
    // (group, phase) → totals per (community, reviewer), for the statistics.
    let mut totals: std::collections::BTreeMap<(String, String), Vec<linxuan_core::review::stats::ReviewerTotal>> =
        Default::default();
    let mut pending = 0;
    let mut progress: HashMap<String, (usize, usize)> = HashMap::new();
    let submitted: HashMap<i32, &store::Score> =
        scores.iter().filter(|s| s.status == store::SUBMITTED).map(|s| (s.assignment_id, s)).collect();
    for a in assignments {
        let Some(community) = by_id.get(&a.community_id) else { continue };
        let group = progress.entry(community.group_id.clone()).or_default();
        group.1 += 1;
        match submitted.get(&a.id) {
            Some(s) => {
                group.0 += 1;
                let values: Vec<(String, String)> = decode(&s.values).into_iter().collect();
                let total: rust_decimal::Decimal =
                    values.iter().filter_map(|(_, v)| v.parse::<rust_decimal::Decimal>().ok()).sum();
                totals.entry((community.group_id.clone(), a.phase.clone())).or_default().push(
                    linxuan_core::review::stats::ReviewerTotal {
                        community: community.id,
                        reviewer: a.reviewer_id,
                        total,
                    },
                );
                details.entry(community.code.clone()).or_default().push(ReviewerScore {
                    reviewer: reviewers.get(&a.reviewer_id).cloned().unwrap_or_else(|| format!("#{}", a.reviewer_id)),
                    phase: plan.review.phases.get(&a.phase).map_or_else(|| a.phase.clone(), |p| p.name.clone()),
                    total: total.normalize().to_string(),
                    values,
                    comment: s.comment.clone(),
                    imported: s.imported_by.clone(),
                });
            }
            None => pending += 1,
        }
    }
    let settings = linxuan_core::review::stats::StatsSettings::default();
    let stats = totals
        .into_iter()
        .filter_map(|((group, phase), list)| {
            let computed = linxuan_core::review::stats::reviewer_stats(&list, &settings).ok()?;
            Some(StatsTable {
                phase: plan.review.phases.get(&phase).map_or(phase.clone(), |p| p.name.clone()),
                group,
                mean: computed.mean.display_2dp(),
                spread: computed.spread.map_or_else(|| "—".into(), |d| d.to_string()),
                rows: computed
                    .reviewers
                    .into_iter()
                    .map(|r| (reviewers.get(&r.reviewer).cloned().unwrap_or_else(|| format!("#{}", r.reviewer)), r))
                    .collect(),
            })
        })
        .collect();
    Ok(BoardData {
        stats,
        stamp,
        progress,
        revoked: snapshot.revoked_communities().map(|c| c.code.clone()).collect(),
        decisions: snapshot.decisions.clone(),
        result,
        names,
        details,
        pending,
    })
}

#[derive(Deserialize)]
pub struct DecisionForm {
    /// The tied codes in the decided order, comma-separated.
    order: String,
    reason: String,
}

/// Records the office's decision on a tied block: the order of its communities, which the
/// allocation then follows (SPEC §6: never by order of entry or by chance).
async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(group): Path<String>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let (_, result, _) = review::allocation(&state.db, &plan, year).await?;
    let g = result.groups.iter().find(|g| g.group == group).ok_or(AppError::NotFound)?;
    let order: Vec<String> =
        form.order.split([',', '，', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
    let mut sorted = order.clone();
    sorted.sort();
    let Some(block) = g.needs_decision.iter().find(|b| {
        let mut b2 = (*b).clone();
        b2.sort();
        b2 == sorted
    }) else {
        return Err(AppError::bad_request(
            "請依序列出同分待裁決的全部社群代碼",
            "list every code of the tied block, in the decided order",
        ));
    };
    let reason = form.reason.trim();
    if reason.is_empty() {
        return Err(AppError::bad_request("請填寫裁決理由", "give the reason for the decision"));
    }
    let actor = actor(&ctx)?;
    let now = state.now();
    let txn = state.db.begin().await?;
    let block_json = serde_json::to_string(block).unwrap_or_default();
    let order_json = serde_json::to_string(&order).unwrap_or_default();
    let decision = store::add_decision(
        &txn,
        store::NewDecision { year, group: &group, block: &block_json, order: &order_json, reason },
        &actor.label,
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("decision.record", "decision", decision.id)
            .year(year)
            .after(&serde_json::json!({ "group": group, "block": block, "order": order, "reason": reason })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("board.decided")).await;
    Ok(Redirect::to("/office/review/board").into_response())
}

// ---------------------------------------------------------------- the cut

#[derive(Template, WebTemplate)]
#[template(path = "office/review/cut.html")]
struct CutPage {
    ctx: Ctx,
    group: String,
    group_name: String,
    round: i64,
    rule: Option<Cut>,
    outcome: Option<CutOutcome>,
    codes: HashMap<i32, (String, String)>,
    confirmed: Option<store::Cut>,
    /// What is not finished yet before the cut (or what a new cut would leave behind).
    unfinished: Vec<String>,
}

impl CutPage {
    fn code(&self, id: &i32) -> String {
        self.codes.get(id).map(|(c, n)| format!("{c} {n}")).unwrap_or_default()
    }
    fn total(&self, s: &Exact) -> String {
        s.display_2dp()
    }
    fn rule_text(&self) -> String {
        match &self.rule {
            Some(Cut::TopAwardPlaces { factor }) => {
                self.ctx.tf1("plan.cut.top_award_places_n", "n", &factor.to_string())
            }
            Some(Cut::Top { count }) => self.ctx.tf1("plan.cut.top_n", "n", &count.to_string()),
            Some(Cut::Minimum { score }) => self.ctx.tf1("plan.cut.minimum_n", "n", &score.to_string()),
            None => String::new(),
        }
    }
    fn passing_count(&self) -> usize {
        self.confirmed.as_ref().map_or(0, |c| serde_json::from_str::<Vec<i32>>(&c.passing).unwrap_or_default().len())
    }
}

/// The previous round's totals of a group and the plan's cut applied to them.
fn compute(
    snapshot: &review::Snapshot,
    plan: &Plan,
    group: &str,
    round: i64,
) -> AppResult<(Option<Cut>, Option<CutOutcome>)> {
    let g = plan.groups.get(group).ok_or(AppError::NotFound)?;
    let track = plan.tracks.get(&g.track).ok_or(AppError::NotFound)?;
    let rule = track.rounds.get(round as usize - 1).and_then(|r| r.cut.clone());
    let list = &snapshot.communities;
    let id_of: HashMap<&str, i32> = list.iter().map(|c| (c.code.as_str(), c.id)).collect();
    let (rules, _, entries) = snapshot.allocation(plan);
    let earlier: Vec<_> = entries.into_iter().filter(|e| (e.round as i64) < round && e.group == group).collect();
    let result = linxuan_core::allocation::allocate(&rules, &earlier);
    let totals: Vec<(i32, Exact)> = result
        .groups
        .iter()
        .filter(|r| r.group == group)
        .flat_map(|r| r.ranking.iter())
        .filter(|c| c.round as i64 == round - 1)
        .filter_map(|c| Some((*id_of.get(c.community.as_str())?, c.total)))
        .collect();
    let outcome = match &rule {
        Some(rule) => Some(cut(&totals, rule, g.award_places()).map_err(|e| AppError::Internal(format!("{e:?}")))?),
        None => None,
    };
    Ok((rule, outcome))
}

async fn cut_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((group, round)): Path<(String, i64)>,
) -> AppResult<CutPage> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let snapshot = review::Snapshot::load(&state.db, year).await?;
    let (rule, outcome) = compute(&snapshot, &plan, &group, round)?;
    let codes = snapshot.communities.iter().map(|c| (c.id, (c.code.clone(), c.name.clone()))).collect();
    let group_name = plan.groups.get(&group).map(|g| g.name.clone()).unwrap_or_default();
    let confirmed = store::cut(&state.db, year, &group, round as i32).await?;
    let unfinished = cut_unfinished(&state, &snapshot, &ctx, &plan, year, &group, round, outcome.as_ref()).await?;
    Ok(CutPage { ctx, group, group_name, round, rule, outcome, codes, confirmed, unfinished })
}

/// Before a cut: the earlier round still open, scores not submitted, communities of the group
/// not scored (they cannot pass); and, when a cut is confirmed again, communities that would
/// no longer pass although they already have assignments in this round (their scores there
/// stop counting).
#[allow(clippy::too_many_arguments)]
async fn cut_unfinished(
    state: &AppState,
    snapshot: &review::Snapshot,
    ctx: &Ctx,
    plan: &Plan,
    year: i32,
    group: &str,
    round: i64,
    outcome: Option<&CutOutcome>,
) -> AppResult<Vec<String>> {
    let mut out = Vec::new();
    let Some(g) = plan.groups.get(group) else { return Ok(out) };
    let states = store::phase_states(&state.db, year).await?;
    let views = review::phase_views(plan, &states, state.now());
    let earlier: Vec<&review::PhaseView> =
        views.iter().filter(|v| v.phase.track == g.track && v.phase.round == round - 1).collect();
    let open: Vec<String> =
        earlier.iter().filter(|v| v.open).map(|v| ctx.pick(&v.phase.name, &v.phase.name_en).to_string()).collect();
    if !open.is_empty() {
        out.push(ctx.tf1("publish.open_phases", "phases", &open.join("、")));
    }
    let members: Vec<&Community> =
        super::in_track(&snapshot.communities, &g.track).into_iter().filter(|c| c.group_id == group).collect();
    let is_member = |id: i32| members.iter().any(|c| c.id == id);
    let submitted =
        |a: &Assignment| snapshot.scores.iter().any(|s| s.assignment_id == a.id && s.status == store::SUBMITTED);
    let in_earlier = |a: &&Assignment| earlier.iter().any(|v| v.id == a.phase) && is_member(a.community_id);
    let pending = snapshot.assignments.iter().filter(in_earlier).filter(|a| !submitted(a)).count();
    if pending > 0 {
        out.push(ctx.tf1("publish.pending", "n", &pending.to_string()));
    }
    let unscored: Vec<&str> = members
        .iter()
        .filter(|c| !snapshot.assignments.iter().filter(in_earlier).any(|a| a.community_id == c.id && submitted(a)))
        .map(|c| c.code.as_str())
        .collect();
    if !unscored.is_empty() {
        out.push(ctx.tf1("publish.unscored", "codes", &unscored.join("、")));
    }
    if let Some(outcome) = outcome {
        let later: Vec<&str> = plan
            .review
            .phases
            .iter()
            .filter(|(_, p)| p.track == g.track && p.round == round)
            .map(|(id, _)| id.as_str())
            .collect();
        let dropped: Vec<&str> = members
            .iter()
            .filter(|c| !outcome.ranking.iter().any(|e| e.community == c.id && e.passes))
            .filter(|c| {
                snapshot.assignments.iter().any(|a| a.community_id == c.id && later.contains(&a.phase.as_str()))
            })
            .map(|c| c.code.as_str())
            .collect();
        if !dropped.is_empty() {
            out.push(ctx.tf1("board.cut_drops", "codes", &dropped.join("、")));
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
pub struct CutForm {
    #[serde(default)]
    unfinished: Option<String>,
}

/// The office confirms the cut: the passing communities go on to the round.
async fn confirm_cut(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((group, round)): Path<(String, i64)>,
    Form(form): Form<CutForm>,
) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let snapshot = review::Snapshot::load(&state.db, year).await?;
    let (_, outcome) = compute(&snapshot, &plan, &group, round)?;
    let outcome = outcome.ok_or_else(|| AppError::bad_request("這一輪沒有晉級規則", "this round has no cut"))?;
    if form.unfinished.is_none()
        && !cut_unfinished(&state, &snapshot, &ctx, &plan, year, &group, round, Some(&outcome)).await?.is_empty()
    {
        return Err(AppError::bad_request(
            "前一輪尚未完成：若仍要確認，請勾選「我了解，仍要確認晉級名單」",
            "the earlier round is not finished: to confirm anyway, tick \"I know; confirm anyway\"",
        ));
    }
    let passing: Vec<i32> = outcome.ranking.iter().filter(|e| e.passes).map(|e| e.community).collect();
    let actor = actor(&ctx)?;
    let now = state.now();
    let txn = state.db.begin().await?;
    store::confirm_cut(&txn, year, &group, round as i32, &passing, &actor.label, now).await?;
    let listed: Vec<String> = passing
        .iter()
        .filter_map(|id| snapshot.communities.iter().find(|c| c.id == *id).map(|c| c.code.clone()))
        .collect();
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("cut.confirm", "group", &group)
            .year(year)
            .after(&serde_json::json!({ "round": round, "passing": listed, "by_tie": outcome.by_tie })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("board.cut_confirmed", "n", &passing.len().to_string())).await;
    Ok(Redirect::to(&format!("/office/review/cut/{group}/{round}")).into_response())
}
