//! The public showcase (績優社群成果展示): per year, group and level, the awarded communities
//! of the latest publication (school, district, community, convener); for a community that
//! consents (SPEC §7), its summary, its video links and the files the office approved. No
//! sign-in, nothing personal beyond what the results publish, and a withdrawn consent takes the
//! materials down with the next request. An anonymous visitor's page is made without a session
//! and kept while the database stays the same (`cache::Pages`), with an `ETag`.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use linxuan_core::plan::Plan;
use linxuan_store::{communities, documents, plans, schools};
use serde::Deserialize;

use crate::app::AppState;
use crate::web::ctx::{Ctx, Public};
use crate::web::error::{AppError, AppResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/showcase", get(index))
        .route("/showcase/{year}", get(year_page))
        .route("/showcase/{year}/{code}", get(community_page))
        .route("/showcase/{year}/{code}/files/{document}", get(file))
}

// ---------------------------------------------------------------- what is shown

/// An approved file of a consenting community.
#[derive(Clone)]
pub struct ShownFile {
    pub document: i32,
    pub category: String,
    pub title: String,
    pub size: i64,
}

/// A community as the showcase shows it.
#[derive(Clone)]
pub struct Shown {
    pub code: String,
    pub name: String,
    pub school: String,
    pub district: String,
    pub convener: String,
    pub group: String,
    pub level: String,
    /// Consent to publish its materials: only then are the summary, files and links shown.
    pub consent: bool,
    pub summary: String,
    pub files: Vec<ShownFile>,
    /// (title, address)
    pub links: Vec<(String, String)>,
}

impl Shown {
    fn matches(&self, q: &Query_) -> bool {
        let needle = q.q.trim().to_lowercase();
        let text_hit = needle.is_empty()
            || [&self.name, &self.school, &self.district, &self.convener]
                .iter()
                .any(|t| t.to_lowercase().contains(&needle))
            || (self.consent && self.summary.to_lowercase().contains(&needle));
        let district_hit = q.district.is_empty() || self.district == q.district;
        let group_hit = q.group.is_empty() || self.group == q.group;
        text_hit && district_hit && group_hit
    }
}

/// A year's showcase: the plan and the awarded communities in the publication's order.
pub struct YearShowcase {
    pub year: i32,
    pub plan: Plan,
    pub communities: Vec<Shown>,
}

/// Reads a year's showcase (kept per revision of the database: every commit, a consent
/// withdrawn included, makes it afresh).
async fn showcase(state: &AppState, year: i32) -> AppResult<Arc<YearShowcase>> {
    state
        .computed
        .get_or_compute(&state.db, "showcase", year, || async move {
            let stored = plans::get(&state.db, year).await?.ok_or(AppError::NotFound)?;
            let plan = state.plan_of(&stored).map_err(|e| AppError::Internal(e.to_string()))?;
            let current = crate::published::current(&state.db, year).await?.ok_or(AppError::NotFound)?;
            let list = communities::list(&state.db, year).await?;
            let all_schools = schools::list(&state.db, &Default::default()).await?;
            let mut shown = Vec::new();
            let mut consenting = Vec::new();
            for g in &current.published.groups {
                for c in g.communities.iter().filter(|c| current.holds_award(c)) {
                    let Some((level, _)) = &c.award else { continue };
                    let Some(community) = list.iter().find(|x| x.code == c.code) else { continue };
                    let consent = community.consent == Some(true);
                    if consent {
                        consenting.push(community.id);
                    }
                    shown.push((
                        community.id,
                        Shown {
                            code: c.code.clone(),
                            name: c.name.clone(),
                            school: c.school.clone(),
                            district: all_schools
                                .iter()
                                .find(|s| s.id == community.school_id)
                                .map(|s| s.district.clone())
                                .unwrap_or_default(),
                            convener: c.convener.clone(),
                            group: g.group.clone(),
                            level: level.clone(),
                            consent,
                            summary: if consent {
                                community.summary.clone().unwrap_or_default()
                            } else {
                                String::new()
                            },
                            files: Vec::new(),
                            links: Vec::new(),
                        },
                    ));
                }
            }
            // Materials only of those who consent: the files the office approved, the links.
            let files = linxuan_store::outcomes::public_documents(&state.db, &consenting).await?;
            let ids: Vec<i32> = files.iter().map(|d| d.id).collect();
            let versions = documents::versions(&state.db, &ids).await?;
            for (id, s) in shown.iter_mut().filter(|(_, s)| s.consent) {
                for d in files.iter().filter(|d| d.community_id == *id && d.category != "signin") {
                    if let Some(v) = versions.iter().filter(|v| v.document_id == d.id).max_by_key(|v| v.version) {
                        s.files.push(ShownFile {
                            document: d.id,
                            category: d.category.clone(),
                            title: d.title.clone(),
                            size: v.size,
                        });
                    }
                }
                s.links = documents::links(&state.db, *id).await?.into_iter().map(|l| (l.title, l.url)).collect();
            }
            Ok::<_, AppError>(YearShowcase { year, plan, communities: shown.into_iter().map(|(_, s)| s).collect() })
        })
        .await
}

/// The years with a publication, newest first.
async fn published_years(state: &AppState) -> AppResult<Vec<i32>> {
    let mut out = Vec::new();
    for year in plans::years(&state.db).await? {
        if linxuan_store::review::latest_publication(&state.db, year).await?.is_some() {
            out.push(year);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- sending a page

/// Sends a public page: for an anonymous visitor, the page kept for this language, `address`
/// (the path and the search as the handler read it, normalised: made-up parameters do not make
/// new pages) and revision (made once by `make`), `304` when the browser has it, and cacheable by anyone
/// (`public, no-cache`: kept, but asked again each time, so a withdrawn consent is never served
/// from a cache); for a signed-in visitor, made afresh and private.
pub async fn send<F, Fut>(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    address: &str,
    make: F,
) -> AppResult<Response>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = AppResult<String>>,
{
    if !ctx.anonymous() {
        let body = make().await?;
        return Ok((
            [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "private, no-store")],
            body,
        )
            .into_response());
    }
    let key = format!("{}|{address}", ctx.lang.code());
    let revision = state.db.revision().await?;
    let page = match state.pages.get(&key, &revision) {
        Some(page) => page,
        None => state.pages.put(key, revision, make().await?),
    };
    let etag = HeaderValue::from_str(&page.etag).map_err(|e| AppError::Internal(e.to_string()))?;
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == page.etag || t.trim() == "*"));
    let common = [
        (header::ETAG, etag),
        (header::CACHE_CONTROL, HeaderValue::from_static("public, no-cache")),
        (header::VARY, HeaderValue::from_static("Accept-Language, Cookie")),
    ];
    if fresh {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    Ok((common, [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], page.body.clone())
        .into_response())
}

// ---------------------------------------------------------------- pages

#[derive(Template)]
#[template(path = "showcase/index.html")]
struct IndexPage {
    ctx: Ctx,
    years: Vec<(i32, String, usize)>,
}

async fn index(State(state): State<AppState>, Public(ctx): Public, headers: HeaderMap) -> AppResult<Response> {
    send(&state, &ctx, &headers, "/showcase", || async {
        let mut years = Vec::new();
        for year in published_years(&state).await? {
            let s = showcase(&state, year).await?;
            let title = ctx.named(&s.plan.title, &s.plan.title_en).to_string();
            years.push((year, title, s.communities.len()));
        }
        Ok(IndexPage { ctx: ctx.clone(), years }.render()?)
    })
    .await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct Query_ {
    pub q: String,
    pub district: String,
    pub group: String,
}

/// A search term as used: trimmed, at most 100 characters.
pub fn term(text: &str) -> String {
    text.trim().chars().take(100).collect()
}

impl Query_ {
    fn normalised(&self) -> Query_ {
        Query_ { q: term(&self.q), district: term(&self.district), group: term(&self.group) }
    }
}

/// A group's levels, each with its communities that match the search.
pub struct GroupView<'a> {
    pub id: String,
    pub levels: Vec<(String, Vec<&'a Shown>)>,
}

#[derive(Template)]
#[template(path = "showcase/year.html")]
struct YearPage<'a> {
    ctx: Ctx,
    s: &'a YearShowcase,
    query: Query_,
    groups: Vec<GroupView<'a>>,
    districts: Vec<String>,
    found: usize,
}

impl YearPage<'_> {
    fn title(&self) -> String {
        self.ctx.tf1("showcase.year_title", "year", &self.s.year.to_string())
    }
    fn group(&self, id: &str) -> String {
        crate::web::names::group(&self.ctx, &self.s.plan, id)
    }
    fn level(&self, id: &str) -> String {
        crate::web::names::level(&self.ctx, &self.s.plan, id)
    }
    fn description(&self) -> String {
        self.ctx.tf(
            "showcase.year_description",
            &[("year", &self.s.year.to_string()), ("n", &self.s.communities.len().to_string())],
        )
    }
}

async fn year_page(
    State(state): State<AppState>,
    Public(ctx): Public,
    Path(year): Path<i32>,
    Query(query): Query<Query_>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let query = query.normalised();
    let address = format!("/showcase/{year}?q={}&district={}&group={}", query.q, query.district, query.group);
    send(&state, &ctx, &headers, &address, || async {
        let s = showcase(&state, year).await?;
        let districts: Vec<String> = s
            .communities
            .iter()
            .map(|c| c.district.clone())
            .filter(|d| !d.is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut found = 0;
        let groups = s
            .plan
            .groups
            .keys()
            .map(|g| GroupView {
                id: g.clone(),
                levels: s
                    .plan
                    .award_levels
                    .keys()
                    .map(|l| {
                        let list: Vec<&Shown> = s
                            .communities
                            .iter()
                            .filter(|c| &c.group == g && &c.level == l && c.matches(&query))
                            .collect();
                        found += list.len();
                        (l.clone(), list)
                    })
                    .filter(|(_, list)| !list.is_empty())
                    .collect(),
            })
            .filter(|g| !g.levels.is_empty())
            .collect();
        Ok(YearPage { ctx: ctx.clone(), s: &s, query: query.clone(), groups, districts, found }.render()?)
    })
    .await
}

#[derive(Template)]
#[template(path = "showcase/community.html")]
struct CommunityPage<'a> {
    ctx: Ctx,
    s: &'a YearShowcase,
    c: &'a Shown,
}

impl CommunityPage<'_> {
    fn group(&self) -> String {
        crate::web::names::group(&self.ctx, &self.s.plan, &self.c.group)
    }
    fn level(&self) -> String {
        crate::web::names::level(&self.ctx, &self.s.plan, &self.c.level)
    }
    fn category(&self, f: &ShownFile) -> String {
        self.ctx.t(&format!("files.category.{}", f.category)).into_owned()
    }
    fn size(&self, f: &ShownFile) -> String {
        crate::web::format::human_size(f.size)
    }
    fn description(&self) -> String {
        let first: String = self.c.summary.chars().take(140).collect();
        if first.is_empty() { format!("{} {} {}", self.c.school, self.group(), self.level()) } else { first }
    }
}

async fn community_page(
    State(state): State<AppState>,
    Public(ctx): Public,
    Path((year, code)): Path<(i32, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let address = format!("/showcase/{year}/{code}");
    send(&state, &ctx, &headers, &address, || async {
        let s = showcase(&state, year).await?;
        let c = s.communities.iter().find(|c| c.code == code).ok_or(AppError::NotFound)?;
        Ok(CommunityPage { ctx: ctx.clone(), s: &s, c }.render()?)
    })
    .await
}

/// An approved file of a consenting, awarded community: its latest version.
async fn file(
    State(state): State<AppState>,
    Path((year, code, document)): Path<(i32, String, i32)>,
) -> AppResult<Response> {
    let s = showcase(&state, year).await?;
    let c = s.communities.iter().find(|c| c.code == code).ok_or(AppError::NotFound)?;
    if !c.consent || !c.files.iter().any(|f| f.document == document) {
        return Err(AppError::NotFound);
    }
    let version = documents::versions(&state.db, &[document])
        .await?
        .into_iter()
        .max_by_key(|v| v.version)
        .ok_or(AppError::NotFound)?;
    let mut response = crate::web::community::files::send_version(&state, &version).await?;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, no-cache"));
    Ok(response)
}
