//! The audit log, read-only: who changed what and when, with before and after.

use crate::web::format::local_time;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use linxuan_store::audit::{self, AuditEntry, Filter};
use serde::Deserialize;

use crate::app::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;

const PER_PAGE: u64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(list))
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    entity: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    page: Option<u64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "office/audit.html")]
struct AuditPage {
    ctx: Ctx,
    plan: linxuan_core::plan::Plan,
    entries: Vec<AuditEntry>,
    entities: Vec<String>,
    entity: String,
    actor: String,
    action: String,
    page: u64,
    pages: u64,
    total: u64,
}

impl AuditPage {
    fn action(&self, action: &str) -> String {
        crate::web::names::audit_action(&self.ctx, action)
    }
    fn object(&self, e: &AuditEntry) -> String {
        crate::web::names::audit_object(&self.ctx, &self.plan, &e.entity, &e.entity_id)
    }
    fn entity_name(&self, entity: &str) -> String {
        crate::web::names::audit_object(&self.ctx, &self.plan, entity, "")
    }
    fn when(&self, e: &AuditEntry) -> String {
        local_time(e.at)
    }
    fn pretty(&self, json: &Option<String>) -> String {
        json.as_deref()
            .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_default()
    }
    fn page_link(&self, page: u64) -> String {
        let enc = |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
        format!(
            "/office/audit?entity={}&actor={}&action={}&page={page}",
            enc(&self.entity),
            enc(&self.actor),
            enc(&self.action)
        )
    }
}

async fn list(State(state): State<AppState>, ctx: Ctx, Query(q): Query<AuditQuery>) -> AppResult<AuditPage> {
    let filter = Filter { entity: q.entity.clone(), actor: q.actor.clone(), action: q.action.clone() };
    let page = q.page.unwrap_or(0);
    let (entries, total) = audit::list(&state.db, &filter, page, PER_PAGE).await?;
    let plan = super::current_plan(&state, &ctx.session).await?.plan;
    Ok(AuditPage {
        plan,
        entities: audit::entities(&state.db).await?,
        entries,
        entity: q.entity.unwrap_or_default(),
        actor: q.actor.unwrap_or_default(),
        action: q.action.unwrap_or_default(),
        page,
        pages: total.div_ceil(PER_PAGE).max(1),
        total,
        ctx,
    })
}
