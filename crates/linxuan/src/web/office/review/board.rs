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
use linxuan_core::allocation::{AllocationResult, GroupResult, RankedCommunity, Score as Exact, Standing};
use linxuan_core::plan::{Cut, Plan};
use linxuan_core::review::cut::{CutOutcome, cut};
use linxuan_store::audit::{self, Change};
use linxuan_store::communities::Community;
use linxuan_store::review::{self as store, Assignment, Decision};
use linxuan_store::{TransactionTrait, users};
use serde::Deserialize;

use crate::app::AppState;
use crate::review::{self, decode};
use crate::web::charts::{self, Bar, Dot, Mark, Svg};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::forms::FieldErrors;
use crate::web::names;
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
    /// The plan's phase id (named in the page's language when shown).
    pub phase: String,
    pub total: String,
    /// Criterion id → score.
    pub values: Vec<(String, String)>,
    pub comment: String,
    /// Who imported it from paper, if it came from a paper score sheet.
    pub imported: Option<String>,
}

/// Reviewer statistics of one phase of one group.
pub struct StatsTable {
    pub group: String,
    /// The plan's phase id.
    pub phase: String,
    pub rows: Vec<(String, linxuan_core::review::stats::ReviewerStats)>,
    pub mean: String,
    pub spread: String,
}

/// A tie decision the office sent that could not be recorded: what was typed, and why not.
#[derive(Default)]
pub struct DecisionAttempt {
    pub group: String,
    pub order: String,
    pub reason: String,
    pub errors: FieldErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "office/review/board.html")]
struct BoardPage {
    ctx: Ctx,
    year: i32,
    years: Vec<i32>,
    plan: Plan,
    data: std::sync::Arc<BoardData>,
    /// A decision refused: shown at its form, with what was typed.
    attempt: Option<DecisionAttempt>,
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
    /// Conflicts found after their phase closed, still counting: (group, reviewer, community,
    /// phase id, when, reason).
    late: Vec<LateNote>,
}

/// A conflict found after its phase closed, whose score still counts: a decision for the office
/// (on the board and the cut page).
pub struct LateNote {
    group: String,
    reviewer: String,
    community: String,
    phase: String,
    at: chrono::DateTime<chrono::Utc>,
    reason: String,
}

impl LateNote {
    /// The year's late conflicts, with the names they are told by.
    fn of(snapshot: &review::Snapshot, reviewers: &HashMap<i32, String>) -> Vec<LateNote> {
        snapshot
            .late_conflicts
            .iter()
            .filter_map(|l| {
                let c = snapshot.communities.iter().find(|c| c.id == l.assignment.community_id)?;
                Some(LateNote {
                    group: c.group_id.clone(),
                    reviewer: reviewers.get(&l.assignment.reviewer_id).cloned().unwrap_or_default(),
                    community: format!("{} {}", c.code, c.name),
                    phase: l.assignment.phase.clone(),
                    at: l.conflict.created_at,
                    reason: l.conflict.reason.clone(),
                })
            })
            .collect()
    }

    /// In words, in the page's language.
    fn describe(&self, ctx: &Ctx, plan: &Plan) -> String {
        ctx.tf(
            "board.late_conflict",
            &[
                ("reviewer", &self.reviewer),
                ("community", &self.community),
                ("phase", &names::phase(ctx, plan, &self.phase)),
                ("when", &crate::web::format::local_time(self.at)),
                ("reason", &self.reason),
            ],
        )
    }
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
    fn group_name(&self, g: &GroupResult) -> String {
        g.name_in(self.ctx.en()).to_string()
    }
    fn criterion_name(&self, g: &GroupResult, i: &usize) -> String {
        g.criterion_name_in(*i, self.ctx.en()).to_string()
    }
    /// A criterion of any track, by id, in the page's language.
    fn criterion(&self, id: &str) -> String {
        names::criterion(&self.ctx, &self.plan, id)
    }
    fn phase_name(&self, id: &str) -> String {
        names::phase(&self.ctx, &self.plan, id)
    }
    fn round_name(&self, g: &GroupResult, round: &u32) -> String {
        if self.ctx.en() { g.round_name_en(*round) } else { g.round_name_zh(*round) }
    }
    fn rank(&self, c: &RankedCommunity) -> String {
        if c.standing.competes() { c.rank.to_string() } else { "—".into() }
    }
    fn award(&self, g: &GroupResult, c: &RankedCommunity) -> String {
        if self.data.revoked.contains(&c.community) {
            return self.ctx.pick("已撤銷", "revoked").to_string();
        }
        match c.standing {
            Standing::NotPassed { round } => self.ctx.tf1("board.not_passed", "round", &self.round_name(g, &round)),
            Standing::Awaiting { round } => self.ctx.tf1("board.awaiting", "round", &self.round_name(g, &round)),
            Standing::Competes => c.award.map_or_else(|| "—".into(), |l| g.level_name_in(l, self.ctx.en()).to_string()),
        }
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
        match &g.vacant {
            Some(vacant) => vacant
                .iter()
                .enumerate()
                .map(|(l, n)| format!("{} {n}", g.level_name_in(l, self.ctx.en())))
                .collect::<Vec<_>>()
                .join(self.ctx.pick("、", ", ")),
            None => self.ctx.t("board.after_decision").into_owned(),
        }
    }
    fn decisions_of(&self, group: &str) -> Vec<&Decision> {
        self.data.decisions.iter().filter(|d| d.group_id == group).collect()
    }
    fn decision_order(&self, d: &Decision) -> String {
        serde_json::from_str::<Vec<String>>(&d.awards).unwrap_or_default().join(" → ")
    }
    fn when(&self, d: &Decision) -> String {
        crate::web::format::local_time(d.decided_at)
    }
    fn cut_rounds(&self, g: &GroupResult) -> Vec<(i64, String)> {
        let rounds = self.plan.tracks.get(&g.track).map_or(0, |t| t.rounds.len() as i64);
        (2..=rounds)
            .map(|r| (r, self.ctx.tf1("board.cut_for", "round", &names::round(&self.ctx, &self.plan, &g.track, r))))
            .collect()
    }
    fn field_id(&self, field: &str, group: &str) -> String {
        format!("{field}-{group}")
    }
    /// What was typed into a group's decision form, if it was refused.
    fn attempt_for(&self, group: &str) -> Option<&DecisionAttempt> {
        self.attempt.as_ref().filter(|a| a.group == group)
    }
    fn order_value(&self, group: &str, block: &[String]) -> String {
        self.attempt_for(group).map_or_else(|| block.join(", "), |a| a.order.clone())
    }
    fn reason_value(&self, group: &str) -> String {
        self.attempt_for(group).map(|a| a.reason.clone()).unwrap_or_default()
    }
    fn decision_errors(&self, group: &str) -> FieldErrors {
        self.attempt_for(group).map(|a| a.errors.clone()).unwrap_or_default()
    }
    /// The group's totals on a scale with the award minimums: who reached what, at a glance.
    fn spread(&self, g: &GroupResult) -> Svg {
        let en = self.ctx.en();
        let competing: Vec<&RankedCommunity> = g.ranking.iter().filter(|c| c.standing.competes()).collect();
        let dots: Vec<Dot> = competing
            .iter()
            .map(|c| Dot {
                value: c.total.rounded_hundredths() as f64 / 100.0,
                label: format!("{} {} {}", c.community, c.total_display, self.award(g, c)),
                level: c.award,
            })
            .collect();
        let marks: Vec<Mark> = g
            .levels
            .iter()
            .enumerate()
            .map(|(l, level)| Mark {
                value: level.minimum.to_string().parse().unwrap_or(0.0),
                label: format!("{} {}", g.level_name_in(l, en), level.minimum.normalize()),
            })
            .collect();
        let mut legend: Vec<String> = (0..g.levels.len()).map(|l| g.level_name_in(l, en).to_string()).collect();
        legend.push(self.ctx.t("board.no_award").into_owned());
        let (low, high) = (
            competing.iter().map(|c| c.total).min().map(|s| s.display_2dp()).unwrap_or_default(),
            competing.iter().map(|c| c.total).max().map(|s| s.display_2dp()).unwrap_or_default(),
        );
        let mut desc =
            self.ctx.tf("board.spread_desc", &[("n", &competing.len().to_string()), ("low", &low), ("high", &high)]);
        for (l, level) in g.levels.iter().enumerate() {
            let reached = competing.iter().filter(|c| c.total >= Exact::from_decimal(level.minimum)).count();
            desc.push_str(&self.ctx.tf(
                "board.spread_level",
                &[
                    ("level", g.level_name_in(l, en)),
                    ("minimum", &level.minimum.normalize().to_string()),
                    ("n", &reached.to_string()),
                    ("quota", &level.quota.to_string()),
                ],
            ));
        }
        charts::score_spread(
            &format!("spread-{}", g.group),
            &self.ctx.tf1("board.spread_title", "group", g.name_in(en)),
            &desc,
            &dots,
            &marks,
            &legend,
        )
    }
    /// Each reviewer's mean against the others' on the same communities.
    fn leniency_chart(&self, st: &StatsTable) -> Svg {
        let bars: Vec<Bar> = st
            .rows
            .iter()
            .filter_map(|(name, r)| {
                let l = r.leniency?;
                Some(Bar {
                    label: name.clone(),
                    value: l.rounded_hundredths() as f64 / 100.0,
                    text: signed(&l),
                    flagged: r.lean.is_some(),
                })
            })
            .collect();
        let desc =
            bars.iter().map(|b| format!("{} {}", b.label, b.text)).collect::<Vec<_>>().join(self.ctx.pick("；", "; "));
        charts::diverging_bars(
            &format!("lean-{}-{}", st.group, st.phase),
            &self.ctx.tf1("board.lean_title", "phase", &self.phase_name(&st.phase)),
            &format!("{}{}", self.ctx.t("board.lean_desc"), desc),
            &bars,
            &self.ctx.t("board.harsher"),
            &self.ctx.t("board.more_lenient"),
        )
    }
    fn late_of(&self, group: &str) -> Vec<String> {
        self.data.late.iter().filter(|l| l.group == group).map(|l| l.describe(&self.ctx, &self.plan)).collect()
    }
    fn has_leniency(&self, st: &StatsTable) -> bool {
        st.rows.iter().any(|(_, r)| r.leniency.is_some())
    }
}

/// A signed score as shown: +3.25, −1.50.
fn signed(s: &Exact) -> String {
    let text = s.display_2dp();
    match text.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None if text == "0.00" => text,
        None => format!("+{text}"),
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
    Ok(BoardPage { ctx, year, years, plan, data, attempt: None }.into_response())
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
                let mut values: Vec<(String, String)> = decode(&s.values).into_iter().collect();
                // In the plan's order (timeliness, completeness, richness), not the ids'.
                let order: Vec<&String> =
                    plan.tracks.get(&community.track).map(|t| t.criteria.keys().collect()).unwrap_or_default();
                values.sort_by_key(|(id, _)| order.iter().position(|o| *o == id).unwrap_or(usize::MAX));
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
                    phase: a.phase.clone(),
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
                phase,
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
    let late = LateNote::of(&snapshot, &reviewers);
    Ok(BoardData {
        late,
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
/// allocation then follows (SPEC §6: never by order of entry or by chance). A decision that
/// cannot be recorded shows the board again with what was typed and what is wrong, at the form.
async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(group): Path<String>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let YearPlan { year, plan, years } = current_plan(&state, &ctx.session).await?;
    let (_, result, _) = review::allocation(&state.db, &plan, year).await?;
    let g = result.groups.iter().find(|g| g.group == group).ok_or(AppError::NotFound)?;
    let order: Vec<String> = form
        .order
        .split([',', '，', '、', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let mut errors = FieldErrors::default();
    let block = match decided_block(g, &order) {
        Ok(block) => Some(block.clone()),
        Err(problem) => {
            errors.add("order", problem.text(&ctx, g));
            None
        }
    };
    let reason = form.reason.trim();
    if reason.is_empty() {
        errors.add("reason", ctx.t("board.reason_required"));
    }
    let Some(block) = block.filter(|_| errors.is_empty()) else {
        let data = state
            .computed
            .get_or_compute(&state.db, "office.review.board", year, || async {
                let _turn = state.heavy_page().await;
                board_data(&state, year, &plan).await
            })
            .await?;
        let attempt = DecisionAttempt { group, order: form.order.clone(), reason: form.reason.clone(), errors };
        let page = BoardPage { ctx, year, years, plan, data, attempt: Some(attempt) };
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let actor = ctx.actor()?;
    let now = state.now();
    let txn = state.db.begin().await?;
    let block_json = serde_json::to_string(&block).unwrap_or_default();
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
    Ok(Redirect::to(&format!("/office/review/board#group-{group}")).into_response())
}

/// Why a typed order is not a decision on the group's tie.
#[derive(Debug, PartialEq, Eq)]
enum OrderProblem {
    /// The group has no tie to decide (any more).
    NoTie,
    /// Codes that are not in the tied block.
    Unknown(Vec<String>),
    /// Codes of the block left out.
    Missing(Vec<String>),
    /// A code given twice.
    Repeated(String),
}

impl OrderProblem {
    fn text(&self, ctx: &Ctx, g: &GroupResult) -> String {
        let join = |codes: &[String]| codes.join(ctx.pick("、", ", "));
        match self {
            OrderProblem::NoTie => ctx.t("board.no_tie").into_owned(),
            OrderProblem::Unknown(codes) => ctx.tf(
                "board.order_unknown",
                &[("codes", &join(codes)), ("block", &g.needs_decision.first().map(|b| join(b)).unwrap_or_default())],
            ),
            OrderProblem::Missing(codes) => ctx.tf1("board.order_missing", "codes", &join(codes)),
            OrderProblem::Repeated(code) => ctx.tf1("board.order_repeated", "code", code),
        }
    }
}

/// The tied block a typed order decides: every code of the block, each once, nothing else.
fn decided_block<'a>(g: &'a GroupResult, order: &[String]) -> Result<&'a Vec<String>, OrderProblem> {
    let block = g.needs_decision.first().ok_or(OrderProblem::NoTie)?;
    let unknown: Vec<String> = order.iter().filter(|c| !block.contains(c)).cloned().collect();
    if !unknown.is_empty() {
        return Err(OrderProblem::Unknown(unknown));
    }
    if let Some((i, code)) = order.iter().enumerate().find(|(i, c)| order[..*i].contains(c)) {
        let _ = i;
        return Err(OrderProblem::Repeated(code.clone()));
    }
    let missing: Vec<String> = block.iter().filter(|c| !order.contains(c)).cloned().collect();
    if !missing.is_empty() {
        return Err(OrderProblem::Missing(missing));
    }
    Ok(block)
}

// ---------------------------------------------------------------- the cut

#[derive(Template, WebTemplate)]
#[template(path = "office/review/cut.html")]
struct CutPage {
    ctx: Ctx,
    group: String,
    group_name: String,
    round: i64,
    /// The round's name (複審), as the plan calls it.
    round_name: String,
    rule: Option<Cut>,
    /// The plan's rule applied to the scores as they stand now.
    outcome: Option<CutOutcome>,
    codes: HashMap<i32, (String, String)>,
    /// The office's confirmation: it stands until the office confirms again.
    confirmed: Option<store::Cut>,
    /// What is not finished yet before the cut (or what a new cut would leave behind).
    unfinished: Vec<String>,
    /// Conflicts found after the earlier round closed: decisions for the office.
    late: Vec<String>,
    /// A confirmation refused: the reason typed and what is wrong.
    reason: String,
    errors: FieldErrors,
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
    fn confirmed_ids(&self) -> Vec<i32> {
        self.confirmed
            .as_ref()
            .map(|c| serde_json::from_str::<Vec<i32>>(&c.passing).unwrap_or_default())
            .unwrap_or_default()
    }
    fn passing_count(&self) -> usize {
        self.confirmed_ids().len()
    }
    /// The confirmed list as it stands, each with its total now (if it has one).
    fn confirmed_rows(&self) -> Vec<(String, String)> {
        let totals: HashMap<i32, Exact> = self
            .outcome
            .as_ref()
            .map(|o| o.ranking.iter().map(|e| (e.community, e.total)).collect())
            .unwrap_or_default();
        self.confirmed_ids()
            .iter()
            .map(|id| (self.code(id), totals.get(id).map_or_else(|| "—".into(), |t| t.display_2dp())))
            .collect()
    }
    /// How the cut would change if confirmed now: (going on that were not, no longer going on).
    fn change(&self) -> Option<(Vec<String>, Vec<String>)> {
        let (outcome, _) = (self.outcome.as_ref()?, self.confirmed.as_ref()?);
        let now = outcome.passing_ids();
        let then = self.confirmed_ids();
        let added: Vec<String> = now.iter().filter(|id| !then.contains(id)).map(|id| self.code(id)).collect();
        let removed: Vec<String> = then.iter().filter(|id| !now.contains(id)).map(|id| self.code(id)).collect();
        (!added.is_empty() || !removed.is_empty()).then_some((added, removed))
    }
    fn confirmed_when(&self) -> String {
        self.confirmed.as_ref().map(|c| crate::web::format::local_time(c.confirmed_at)).unwrap_or_default()
    }
    fn sep(&self) -> &str {
        self.ctx.pick("、", ", ")
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
    cut_page_of(&state, ctx, &plan, year, &snapshot, group, round, String::new(), FieldErrors::default()).await
}

/// The cut page of a group's round, with a refused confirmation's reason and problems, if any.
#[allow(clippy::too_many_arguments)]
async fn cut_page_of(
    state: &AppState,
    ctx: Ctx,
    plan: &Plan,
    year: i32,
    snapshot: &review::Snapshot,
    group: String,
    round: i64,
    reason: String,
    errors: FieldErrors,
) -> AppResult<CutPage> {
    let (rule, outcome) = compute(snapshot, plan, &group, round)?;
    let codes = snapshot.communities.iter().map(|c| (c.id, (c.code.clone(), c.name.clone()))).collect();
    let group_name = names::group(&ctx, plan, &group);
    let round_name = names::round_of_group(&ctx, plan, &group, round);
    let confirmed = store::cut(&state.db, year, &group, round as i32).await?;
    let unfinished = cut_unfinished(state, snapshot, &ctx, plan, year, &group, round, outcome.as_ref()).await?;
    let late = late_conflicts(state, snapshot, &ctx, plan, &group).await?;
    Ok(CutPage {
        ctx,
        group,
        group_name,
        round,
        round_name,
        rule,
        outcome,
        codes,
        confirmed,
        unfinished,
        late,
        reason,
        errors,
    })
}

/// The conflicts of a group found after their phase closed whose scores still count, each as a
/// decision for the office, in words.
async fn late_conflicts(
    state: &AppState,
    snapshot: &review::Snapshot,
    ctx: &Ctx,
    plan: &Plan,
    group: &str,
) -> AppResult<Vec<String>> {
    if snapshot.late_conflicts.is_empty() {
        return Ok(Vec::new());
    }
    let reviewers: HashMap<i32, String> =
        users::list(&state.db, Some("reviewer")).await?.into_iter().map(|u| (u.id, u.name)).collect();
    Ok(LateNote::of(snapshot, &reviewers).iter().filter(|l| l.group == group).map(|l| l.describe(ctx, plan)).collect())
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
    /// Why a confirmed cut is confirmed again with another list.
    #[serde(default)]
    reason: String,
}

/// The office confirms the cut: the passing communities go on to the round. A confirmed cut
/// stands: confirming it again with another list (scores changed by a conflict found late, a
/// rule changed) shows exactly what changes and needs a reason, recorded with the cut and in
/// the audit log.
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
    let passing: Vec<i32> = outcome.passing_ids();
    let before = store::cut(&state.db, year, &group, round as i32).await?;
    let before_ids: Option<Vec<i32>> = before.as_ref().map(|c| serde_json::from_str(&c.passing).unwrap_or_default());
    if let Some(ids) = &before_ids {
        let mut a = ids.clone();
        let mut b = passing.clone();
        a.sort_unstable();
        b.sort_unstable();
        if a == b {
            ctx.flash("info", ctx.t("board.cut_unchanged")).await;
            return Ok(Redirect::to(&format!("/office/review/cut/{group}/{round}")).into_response());
        }
    }
    let reason = form.reason.trim().to_string();
    let mut errors = FieldErrors::default();
    if before.is_some() && reason.is_empty() {
        errors.add("reason", ctx.t("board.cut_reason_required"));
    }
    if form.unfinished.is_none()
        && !cut_unfinished(&state, &snapshot, &ctx, &plan, year, &group, round, Some(&outcome)).await?.is_empty()
    {
        errors.add("unfinished", ctx.t("board.cut_acknowledge_required"));
    }
    if !errors.is_empty() {
        let page = cut_page_of(&state, ctx, &plan, year, &snapshot, group, round, form.reason.clone(), errors).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let actor = ctx.actor()?;
    let now = state.now();
    let txn = state.db.begin().await?;
    store::confirm_cut(&txn, year, &group, round as i32, &passing, &reason, &actor.label, now).await?;
    let code_of = |id: &i32| snapshot.communities.iter().find(|c| c.id == *id).map(|c| c.code.clone());
    let listed: Vec<String> = passing.iter().filter_map(code_of).collect();
    let mut change = Change::new("cut.confirm", "group", &group)
        .year(year)
        .after(&serde_json::json!({ "round": round, "passing": listed, "by_tie": outcome.by_tie, "reason": reason }));
    if let Some(ids) = &before_ids {
        let earlier: Vec<String> = ids.iter().filter_map(code_of).collect();
        change = change.before(&serde_json::json!({ "round": round, "passing": earlier }));
    }
    audit::record(&txn, now, &actor, change).await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("board.cut_confirmed", "n", &passing.len().to_string())).await;
    Ok(Redirect::to(&format!("/office/review/cut/{group}/{round}")).into_response())
}
