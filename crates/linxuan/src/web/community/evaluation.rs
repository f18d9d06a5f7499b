//! The self-evaluation (成效評估檢核表): per indicator of the plan's checklist, a self-rating
//! against its 優/可/待改進 descriptors, a short account of what was done, and the uploaded
//! evidence it rests on. Saved as a draft at any time; submitted explicitly, and re-submittable
//! until the deadline.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use linxuan_core::plan::Indicator;
use linxuan_core::progress::{self, Item};
use linxuan_store::documents::{self, Document, Link};
use linxuan_store::self_evaluations::{self, SelfEvaluation};
use linxuan_store::{TransactionTrait, audit};
use serde::{Deserialize, Serialize};

use super::{Portal, portal};
use crate::app::AppState;
use crate::facts::SIGNIN;
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;
use crate::web::forms::FieldErrors;

pub fn routes() -> Router<AppState> {
    Router::new().route("/community/{id}/self-evaluation", get(page).post(save))
}

/// Most characters in one account.
pub const ACCOUNT_LIMIT: usize = 2000;

/// One indicator's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// `good` (優), `fair` (可) or `poor` (待改進); empty when not rated yet.
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub account: String,
    /// Ids of the community's documents offered as evidence.
    #[serde(default)]
    pub evidence: Vec<i32>,
    /// Ids of its video links offered as evidence.
    #[serde(default)]
    pub links: Vec<i32>,
}

/// All answers, by indicator id.
pub type Answers = BTreeMap<String, Answer>;

pub fn parse_answers(json: &str) -> Answers {
    serde_json::from_str(json).unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "community/evaluation.html")]
struct EvaluationPage {
    ctx: Ctx,
    portal: Portal,
    indicators: Vec<Indicator>,
    answers: Answers,
    stored: Option<SelfEvaluation>,
    documents: Vec<Document>,
    links: Vec<Link>,
    errors: FieldErrors,
    saved_at: String,
}

impl EvaluationPage {
    fn answer(&self, id: &str) -> Answer {
        self.answers.get(id).cloned().unwrap_or_default()
    }
    fn levels(&self) -> [(&'static str, &'static str); 3] {
        [("good", "selfeval.good"), ("fair", "selfeval.fair"), ("poor", "selfeval.poor")]
    }
    fn submitted(&self) -> String {
        self.stored.as_ref().and_then(|s| s.submitted_at).map(crate::web::format::local_time).unwrap_or_default()
    }
    fn late(&self) -> bool {
        self.stored.as_ref().is_some_and(|s| s.late)
    }
    fn descriptor<'a>(&self, indicator: &'a Indicator, level: &str) -> &'a str {
        match level {
            "good" => &indicator.good,
            "fair" => &indicator.fair,
            _ => &indicator.poor,
        }
    }
    fn limit(&self) -> usize {
        ACCOUNT_LIMIT
    }
}

async fn render(
    state: &AppState,
    ctx: Ctx,
    portal: Portal,
    answers: Option<Answers>,
    errors: FieldErrors,
) -> AppResult<EvaluationPage> {
    let stored = self_evaluations::get(&state.db, portal.community.id).await?;
    let answers = answers.unwrap_or_else(|| stored.as_ref().map(|s| parse_answers(&s.answers)).unwrap_or_default());
    let documents = documents::list(&state.db, portal.community.id, false)
        .await?
        .into_iter()
        .filter(|d| d.category != SIGNIN)
        .collect();
    let links = documents::links(&state.db, portal.community.id).await?;
    let saved_at = stored.as_ref().map(|s| s.updated_at.timestamp_millis().to_string()).unwrap_or_else(|| "0".into());
    Ok(EvaluationPage {
        indicators: portal.plan.rubric.indicators.clone(),
        answers,
        stored,
        documents,
        links,
        errors,
        saved_at,
        portal,
        ctx,
    })
}

async fn page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<EvaluationPage> {
    let portal = portal(&state, &ctx, id).await?;
    render(&state, ctx, portal, None, FieldErrors::default()).await
}

/// Reads `level.<id>`, `account.<id>`, `evidence.<id>`, `links.<id>` fields and `action`.
fn read_form(
    pairs: &[(String, String)],
    indicators: &[Indicator],
    documents: &[i32],
    links: &[i32],
) -> (Answers, bool) {
    let mut answers = Answers::new();
    for indicator in indicators {
        answers.insert(indicator.id.clone(), Answer::default());
    }
    let mut submit = false;
    for (name, value) in pairs {
        if name == "action" {
            submit = value == "submit";
            continue;
        }
        let Some((field, id)) = name.split_once('.') else { continue };
        let Some(answer) = answers.get_mut(id) else { continue };
        match field {
            "level" if matches!(value.as_str(), "good" | "fair" | "poor") => answer.level = value.clone(),
            "account" => answer.account = value.trim().to_string(),
            "evidence" => {
                if let Ok(doc) = value.parse::<i32>()
                    && documents.contains(&doc)
                    && !answer.evidence.contains(&doc)
                {
                    answer.evidence.push(doc);
                }
            }
            "links" => {
                if let Ok(link) = value.parse::<i32>()
                    && links.contains(&link)
                    && !answer.links.contains(&link)
                {
                    answer.links.push(link);
                }
            }
            _ => {}
        }
    }
    (answers, submit)
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    portal.writable()?;
    let indicators = portal.plan.rubric.indicators.clone();
    let doc_ids: Vec<i32> = documents::list(&state.db, id, false).await?.iter().map(|d| d.id).collect();
    let link_ids: Vec<i32> = documents::links(&state.db, id).await?.iter().map(|l| l.id).collect();
    let (answers, submit) = read_form(&pairs, &indicators, &doc_ids, &link_ids);
    let mut errors = FieldErrors::default();
    for indicator in &indicators {
        let answer = &answers[&indicator.id];
        if answer.account.chars().count() > ACCOUNT_LIMIT {
            errors.add(
                format!("account.{}", indicator.id),
                ctx.tf1("selfeval.too_long", "n", &ACCOUNT_LIMIT.to_string()),
            );
        }
        if submit && answer.level.is_empty() {
            errors.add(format!("level.{}", indicator.id), ctx.t("selfeval.rate_it"));
        }
        if submit && answer.account.is_empty() {
            errors.add(format!("account.{}", indicator.id), ctx.t("selfeval.say_what"));
        }
    }
    if !errors.is_empty() {
        // What was typed comes back; nothing is lost.
        let page = render(&state, ctx, portal, Some(answers), errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let json = serde_json::to_string(&answers).map_err(|e| crate::web::error::AppError::Internal(e.to_string()))?;
    let now = state.now();
    let late = submit && progress::is_late(&portal.plan, Item::SelfEvaluation, now);
    let before = self_evaluations::get(&state.db, id).await?.map(|s| parse_answers(&s.answers));
    let txn = state.db.begin().await?;
    self_evaluations::save(&txn, id, &json, submit, late, &portal.actor.label, now).await?;
    let action = if submit { "self_evaluation.submit" } else { "self_evaluation.save" };
    let mut change = portal.change(action, "community", id).after(&answers);
    if let Some(before) = before {
        change = change.before(&before);
    }
    audit::record(&txn, now, &portal.actor, change).await?;
    txn.commit().await?;
    let message = match (submit, late) {
        (true, true) => ctx.t("selfeval.submitted_late"),
        (true, false) => ctx.t("selfeval.submitted"),
        _ => ctx.t("selfeval.saved"),
    };
    ctx.flash(if late { "info" } else { "ok" }, message).await;
    Ok(Redirect::to(&format!("{}/self-evaluation", portal.base())).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicators() -> Vec<Indicator> {
        linxuan_core::plan::Plan::builtin().rubric.indicators
    }

    #[test]
    fn the_form_reads_into_answers_and_ignores_strangers() {
        let pairs: Vec<(String, String)> = [
            ("level.operation", "good"),
            ("account.operation", "  每月聚會  "),
            ("evidence.operation", "3"),
            ("evidence.operation", "99"),
            ("level.co-planning", "excellent"),
            ("level.no-such", "good"),
            ("action", "submit"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let (answers, submit) = read_form(&pairs, &indicators(), &[3], &[]);
        assert!(submit);
        assert_eq!(answers.len(), 8);
        assert_eq!(
            answers["operation"],
            Answer { level: "good".into(), account: "每月聚會".into(), evidence: vec![3], links: vec![] }
        );
        assert_eq!(answers["co-planning"].level, "", "an unknown rating is no rating");
        assert!(!answers.contains_key("no-such"));
    }
}
