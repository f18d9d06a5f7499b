//! The office's presentation day: the programme as the public sees it (sharing slots filled
//! from the latest publication) and the handbook (成果發表會手冊) to print.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::Datelike;
use linxuan_core::Lang;
use linxuan_core::event::AgendaLine;
use linxuan_core::plan::Plan;
use linxuan_store::communities;

use crate::app::AppState;
use crate::web::ctx::Ctx;
use crate::web::download::{PDF, attachment};
use crate::web::error::{AppError, AppResult};
use crate::web::office::{YearPlan, current_plan};

mod registrations;

pub fn routes() -> Router<AppState> {
    Router::new().route("/event", get(page)).route("/event/handbook.pdf", get(handbook)).merge(registrations::routes())
}

#[derive(Template, WebTemplate)]
#[template(path = "office/event/event.html")]
struct EventOffice {
    ctx: Ctx,
    plan: Plan,
    year: i32,
    agenda: Vec<AgendaLine>,
    published: bool,
    counts: crate::event::Counts,
}

impl EventOffice {
    fn group(&self, id: &str) -> String {
        crate::web::names::group(&self.ctx, &self.plan, id)
    }
}

async fn page(State(state): State<AppState>, ctx: Ctx) -> AppResult<EventOffice> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let (agenda, published) = crate::event::programme(&state, &plan, year).await?;
    let counts = crate::event::Counts::of(&linxuan_store::event::list(&state.db, year).await?);
    Ok(EventOffice { ctx, plan, year, agenda, published: published.is_some(), counts })
}

/// The handbook, in Traditional Chinese (it is printed for the day's attendees): cover,
/// programme, the awarded communities by group and level, and the summary of each top-level
/// team that consented to share it.
async fn handbook(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let (agenda, current) = crate::event::programme(&state, &plan, year).await?;
    let current = current.ok_or_else(|| AppError::refused("event.no_publication", &[]))?;
    let zh = |key: &str| crate::i18n::t(Lang::ZhTw, key).into_owned();
    let list = communities::list(&state.db, year).await?;
    let top = linxuan_core::event::top_level(&plan);
    let mut groups = Vec::new();
    let mut stories = Vec::new();
    for g in &current.published.groups {
        let name = plan.groups.get(&g.group).map_or(g.name.clone(), |p| p.name.clone());
        let mut rows = Vec::new();
        for level in plan.award_levels.keys() {
            for c in &g.communities {
                let Some((l, _)) = &c.award else { continue };
                if l != level || !current.holds_award(c) {
                    continue;
                }
                let found = list.iter().find(|x| x.code == c.code);
                let level_name = plan.award_levels.get(l).map_or(l.clone(), |a| a.name.clone());
                rows.push([level_name.clone(), c.school.clone(), c.name.clone(), c.convener.clone()]);
                if Some(l.as_str()) == top
                    && let Some(x) = found
                {
                    let summary = match (&x.consent, &x.summary) {
                        (Some(true), Some(s)) if !s.trim().is_empty() => s.clone(),
                        _ => zh("event.no_summary"),
                    };
                    stories.push(linxuan_pdf::HandbookStory {
                        heading: format!("{name}{level_name}　{}「{}」", c.school, c.name),
                        summary,
                    });
                }
            }
        }
        if !rows.is_empty() {
            groups.push(linxuan_pdf::HandbookGroup { name, rows });
        }
    }
    let day = &plan.presentation_day;
    let headings: BTreeMap<String, String> = [
        ("programme", "event.agenda"),
        ("time", "event.time"),
        ("item", "event.item"),
        ("speaker", "event.speaker"),
        ("winners", "event.winners"),
        ("award", "showcase.award"),
        ("school", "community.school"),
        ("community", "community.name"),
        ("convener", "showcase.convener"),
        ("stories", "event.stories"),
        ("notes", "event.notes"),
    ]
    .into_iter()
    .map(|(k, key)| (k.to_string(), zh(key)))
    .collect();
    let document = linxuan_pdf::HandbookDocument {
        title: plan.title.clone(),
        name: zh("event.handbook_name"),
        date: linxuan_core::roc::format_long_with_weekday(day.date.date),
        venue: day.venue.clone(),
        issuer: if plan.outcomes.issuer.trim().is_empty() {
            plan.authority.clone()
        } else {
            plan.outcomes.issuer.clone()
        },
        agenda: agenda
            .iter()
            .map(|a| linxuan_pdf::HandbookAgendaLine {
                time: format!("{}–{}", a.start, a.end),
                item: a.item.clone(),
                speaker: a.speaker.clone(),
                teams: a
                    .teams
                    .iter()
                    .map(|t| {
                        let group = plan.groups.get(&t.group).map_or(t.group.as_str(), |g| g.name.as_str());
                        format!("{group}：{}「{}」", t.school, t.community)
                    })
                    .collect(),
            })
            .collect(),
        groups,
        stories,
        notes: day.notes.clone(),
        headings,
    };
    let typesetter = state.typesetter().await;
    let today = state.now().with_timezone(&linxuan_core::time::ZONE).date_naive();
    let today = (today.year(), today.month() as u8, today.day() as u8);
    let bytes = tokio::task::spawn_blocking(move || document.render(&typesetter, today))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(attachment(PDF, &format!("handbook-{year}.pdf"), bytes))
}
