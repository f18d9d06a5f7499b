//! The advanced track's presentation day: reviewers into rooms, the schedule (communities to
//! rooms and 20-minute slots, balanced, never before a reviewer with a conflict), moving and
//! swapping slots, the printable schedule, and the assignments that follow from it (each room's
//! reviewers score its communities' written work and presentations).

use std::collections::{HashMap, HashSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveTime;
use linxuan_core::plan::{Phase, PhaseKind, Plan};
use linxuan_core::review::schedule::{Day, Room, ScheduleError, Slot, Timing, check, move_slot, schedule, swap_slots};
use linxuan_store::audit::{self, Change};
use linxuan_store::communities::{self, Community};
use linxuan_store::review::{self as store, NewAssignment, NewSlot};
use linxuan_store::{TransactionTrait, users};
use serde::Deserialize;

use super::{in_track, reviewer_list};
use crate::app::AppState;
use crate::review;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::office::{YearPlan, current_plan};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/review/presentation", get(page))
        .route("/review/presentation/rooms", post(set_rooms))
        .route("/review/presentation/build", post(build))
        .route("/review/presentation/move", post(move_one))
        .route("/review/presentation/assign", post(assign_from_schedule))
        .route("/review/presentation/print", get(print))
}

/// The presentation track (the one whose judging includes presentations) and its phases.
fn presentation_track(plan: &Plan) -> AppResult<(String, Vec<(String, Phase)>)> {
    let (id, _) =
        plan.tracks.iter().find(|(_, t)| t.presentation.is_some()).ok_or_else(|| {
            AppError::bad_request("計畫中沒有現場發表的類別", "the plan has no track with presentations")
        })?;
    let phases =
        plan.review.phases.iter().filter(|(_, p)| p.track == *id).map(|(k, p)| (k.clone(), p.clone())).collect();
    Ok((id.clone(), phases))
}

fn timing(plan: &Plan, track: &str) -> AppResult<Timing> {
    let p = plan.tracks.get(track).and_then(|t| t.presentation.as_ref()).ok_or(AppError::NotFound)?;
    Timing::from_plan(p, Vec::new()).map_err(|e| AppError::bad_request(e.message_zh(), e.to_string()))
}

/// The problem in the user's language, naming communities by code and name, reviewers by name.
async fn explain(state: &AppState, ctx: &Ctx, year: i32, e: &ScheduleError) -> AppResult<String> {
    let list = communities::list(&state.db, year).await?;
    let reviewers = reviewer_list(state).await?;
    let community =
        |id: i32| list.iter().find(|c| c.id == id).map_or(id.to_string(), |c| format!("{} {}", c.code, c.name));
    let reviewer = |id: i32| reviewers.iter().find(|(u, _)| u.id == id).map_or(id.to_string(), |(u, _)| u.name.clone());
    Ok(ctx.pick(&e.message_zh_named(&community, &reviewer), &e.message_en_named(&community, &reviewer)).to_string())
}

/// The page again with the schedule's problem named, as 422: nothing was changed.
async fn refused(state: &AppState, ctx: Ctx, year: i32, e: &ScheduleError) -> AppResult<Response> {
    let message = explain(state, &ctx, year, e).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(state, ctx, vec![message], false).await?).into_response())
}

fn to_slots(stored: &[store::Slot]) -> Vec<Slot> {
    stored
        .iter()
        .filter_map(|s| {
            let start = NaiveTime::parse_from_str(&s.start, "%H:%M").ok()?;
            let end = NaiveTime::parse_from_str(&s.end, "%H:%M").ok()?;
            Some(Slot {
                community: s.community_id,
                room: s.room,
                index: s.position as usize,
                start,
                end,
                next_start: end,
            })
        })
        .collect()
}

fn to_new(slots: &[Slot]) -> Vec<NewSlot> {
    slots
        .iter()
        .map(|s| NewSlot {
            community_id: s.community,
            room: s.room,
            position: s.index as i32,
            start: s.start.format("%H:%M").to_string(),
            end: s.end.format("%H:%M").to_string(),
        })
        .collect()
}

/// A first-round assignment that assigning by room makes: (phase, community, reviewer, room).
type ByRoom = (String, i32, i32, i32);

/// What assigning by room makes, in schedule order: for every scheduled community, each reviewer
/// of its room without a conflict, in every first-round phase of the track (the written review
/// and the presentations).
fn wanted_by_room(
    slots: &[store::Slot],
    rooms: &[Room],
    first_round: &[&String],
    conflicted: impl Fn(&(i32, i32)) -> bool,
) -> Vec<ByRoom> {
    let mut out = Vec::new();
    for slot in slots {
        let Some(room) = rooms.iter().find(|r| r.id == slot.room) else { continue };
        for reviewer in room.reviewers.iter().filter(|r| !conflicted(&(slot.community_id, **r))) {
            for phase in first_round {
                out.push(((*phase).clone(), slot.community_id, *reviewer, room.id));
            }
        }
    }
    out
}

async fn rooms_of(state: &AppState, year: i32, count: i64) -> AppResult<Vec<Room>> {
    let members = store::rooms(&state.db, year).await?;
    Ok((1..=count as i32)
        .map(|id| Room { id, reviewers: members.iter().filter(|(_, r)| *r == id).map(|(u, _)| *u).collect() })
        .collect())
}

#[derive(Template, WebTemplate)]
#[template(path = "office/review/presentation.html")]
struct PresentationPage {
    ctx: Ctx,
    plan: Plan,
    day: String,
    rooms: Vec<Room>,
    reviewers: Vec<(users::User, Option<store::Profile>)>,
    slots: Vec<store::Slot>,
    names: HashMap<i32, String>,
    communities: usize,
    /// The track's communities, by id, for the move form (including any not yet scheduled).
    presenting: Vec<i32>,
    problems: Vec<String>,
    print: bool,
}

impl PresentationPage {
    fn room_of(&self, reviewer: &i32) -> i32 {
        self.rooms.iter().find(|r| r.reviewers.contains(reviewer)).map_or(0, |r| r.id)
    }
    fn in_room(&self, room: &i32) -> Vec<&store::Slot> {
        self.slots.iter().filter(|s| s.room == *room).collect()
    }
    fn name(&self, community: &i32) -> String {
        self.names.get(community).cloned().unwrap_or_default()
    }
    fn reviewer_names(&self, room: &Room) -> String {
        room.reviewers
            .iter()
            .filter_map(|id| self.reviewers.iter().find(|(u, _)| u.id == *id).map(|(u, _)| u.name.clone()))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn room_numbers(&self) -> Vec<i32> {
        self.rooms.iter().map(|r| r.id).collect()
    }
}

async fn render(state: &AppState, ctx: Ctx, problems: Vec<String>, print: bool) -> AppResult<PresentationPage> {
    let YearPlan { year, plan, .. } = current_plan(state, &ctx.session).await?;
    let (track, phases) = presentation_track(&plan)?;
    let count = plan.tracks.get(&track).and_then(|t| t.presentation.as_ref()).map_or(0, |p| p.rooms);
    let day = phases
        .iter()
        .find(|(_, p)| p.kind == PhaseKind::Presentation)
        .map(|(_, p)| crate::web::format::date_long(&ctx, p.opens.0))
        .unwrap_or_default();
    let list = communities::list(&state.db, year).await?;
    let names = list.iter().map(|c| (c.id, format!("{} {}", c.code, c.name))).collect();
    let rooms = rooms_of(state, year, count).await?;
    let slots = store::slots(&state.db, year).await?;
    let mut problems = problems;
    if problems.is_empty() && !slots.is_empty() {
        // Rooms or conflicts may have changed since the schedule was built: say what no longer holds.
        let timing = timing(&plan, &track)?;
        let members: Vec<Community> = in_track(&list, &track).into_iter().cloned().collect();
        let conflicts: Vec<(i32, i32)> = review::conflict_pairs(&state.db, &members).await?.into_iter().collect();
        let day = Day { rooms: &rooms, conflicts: &conflicts, timing: &timing };
        let found = match check(&day, &to_slots(&slots)) {
            Ok(found) => found,
            Err(e) => vec![e],
        };
        for e in &found {
            problems.push(explain(state, &ctx, year, e).await?);
        }
        let unscheduled: Vec<&str> =
            members.iter().filter(|c| !slots.iter().any(|s| s.community_id == c.id)).map(|c| c.code.as_str()).collect();
        if !unscheduled.is_empty() {
            problems.push(ctx.tf1("presentation.unscheduled", "codes", &unscheduled.join("、")));
        }
        // Once assigned by room, the assignments must follow moves and room changes.
        let first_round: Vec<&String> = phases.iter().filter(|(_, p)| p.round == 1).map(|(id, _)| id).collect();
        let mut assigned: Vec<store::Assignment> = Vec::new();
        for id in &first_round {
            assigned.extend(store::assignments(&state.db, year, id).await?);
        }
        if !assigned.is_empty() {
            let wanted: HashSet<(String, i32, i32)> =
                wanted_by_room(&slots, &rooms, &first_round, |p| conflicts.contains(p))
                    .into_iter()
                    .map(|(phase, community, reviewer, _)| (phase, community, reviewer))
                    .collect();
            let have: HashSet<(String, i32, i32)> = assigned
                .iter()
                .filter(|a| slots.iter().any(|s| s.community_id == a.community_id))
                .filter(|a| !conflicts.contains(&(a.community_id, a.reviewer_id)))
                .map(|a| (a.phase.clone(), a.community_id, a.reviewer_id))
                .collect();
            let off: HashSet<i32> = wanted.symmetric_difference(&have).map(|(_, community, _)| *community).collect();
            let differ: Vec<&str> = slots
                .iter()
                .filter(|slot| off.contains(&slot.community_id))
                .filter_map(|slot| list.iter().find(|c| c.id == slot.community_id).map(|c| c.code.as_str()))
                .collect();
            if !differ.is_empty() {
                problems.push(ctx.tf1("presentation.assignments_differ", "codes", &differ.join("、")));
            }
        }
        // Withdrawn or no longer approved since the schedule was built: their slots stay until
        // the office builds again, so the day's other times do not move without its word.
        let gone: Vec<&str> = slots
            .iter()
            .filter(|s| !members.iter().any(|c| c.id == s.community_id))
            .filter_map(|s| list.iter().find(|c| c.id == s.community_id).map(|c| c.code.as_str()))
            .collect();
        if !gone.is_empty() {
            problems.push(ctx.tf1("presentation.not_presenting", "codes", &gone.join("、")));
        }
    }
    Ok(PresentationPage {
        rooms,
        reviewers: reviewer_list(state).await?,
        slots,
        communities: in_track(&list, &track).len(),
        presenting: in_track(&list, &track).iter().map(|c| c.id).collect(),
        names,
        day,
        plan,
        problems,
        print,
        ctx,
    })
}

async fn page(State(state): State<AppState>, ctx: Ctx) -> AppResult<PresentationPage> {
    render(&state, ctx, Vec::new(), false).await
}

async fn print(State(state): State<AppState>, ctx: Ctx) -> AppResult<PresentationPage> {
    render(&state, ctx, Vec::new(), true).await
}

/// `room.<reviewer id>` = room number (0 for none).
async fn set_rooms(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let (track, _) = presentation_track(&plan)?;
    let count = plan.tracks.get(&track).and_then(|t| t.presentation.as_ref()).map_or(0, |p| p.rooms) as i32;
    let reviewers: Vec<i32> = reviewer_list(&state).await?.iter().map(|(u, _)| u.id).collect();
    let actor = ctx.actor()?;
    let now = state.now();
    let mut set = Vec::new();
    for (k, v) in &pairs {
        let Some(id) = k.strip_prefix("room.").and_then(|i| i.parse::<i32>().ok()) else { continue };
        let room = v.parse::<i32>().unwrap_or(0);
        if !reviewers.contains(&id) || room < 0 || room > count {
            return Err(AppError::bad_request("場地或委員不正確", "unknown room or reviewer"));
        }
        set.push((id, (room > 0).then_some(room)));
    }
    let txn = state.db.begin().await?;
    for (id, room) in &set {
        store::set_room(&txn, year, *id, *room).await?;
    }
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("rooms.set", "presentation", year).year(year).after(&serde_json::json!({ "rooms": set })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("presentation.rooms_saved")).await;
    Ok(Redirect::to("/office/review/presentation").into_response())
}

/// Builds the schedule from scratch for every approved community of the track.
async fn build(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let (track, _) = presentation_track(&plan)?;
    let timing = timing(&plan, &track)?;
    let count = plan.tracks.get(&track).and_then(|t| t.presentation.as_ref()).map_or(0, |p| p.rooms);
    let rooms = rooms_of(&state, year, count).await?;
    let list = communities::list(&state.db, year).await?;
    let members: Vec<Community> = in_track(&list, &track).into_iter().cloned().collect();
    let conflicts: Vec<(i32, i32)> = review::conflict_pairs(&state.db, &members).await?.into_iter().collect();
    let ids: Vec<i32> = members.iter().map(|c| c.id).collect();
    let day = Day { rooms: &rooms, conflicts: &conflicts, timing: &timing };
    let built = match schedule(&day, &ids) {
        Ok(s) => s,
        Err(e) => return refused(&state, ctx, year, &e).await,
    };
    let actor = ctx.actor()?;
    let now = state.now();
    let txn = state.db.begin().await?;
    store::replace_slots(&txn, year, &to_new(&built.slots)).await?;
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("schedule.build", "presentation", year).year(year).after(&to_new(&built.slots)),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("presentation.built", "n", &built.slots.len().to_string())).await;
    Ok(Redirect::to("/office/review/presentation").into_response())
}

#[derive(Deserialize)]
pub struct MoveForm {
    community: i32,
    room: i32,
    /// 1-based slot number in the room.
    position: usize,
}

/// Moves a community to another slot; into an occupied slot, the two swap.
async fn move_one(State(state): State<AppState>, ctx: Ctx, Form(form): Form<MoveForm>) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let (track, _) = presentation_track(&plan)?;
    let timing = timing(&plan, &track)?;
    let count = plan.tracks.get(&track).and_then(|t| t.presentation.as_ref()).map_or(0, |p| p.rooms);
    let rooms = rooms_of(&state, year, count).await?;
    let list = communities::list(&state.db, year).await?;
    let members: Vec<Community> = in_track(&list, &track).into_iter().cloned().collect();
    let conflicts: Vec<(i32, i32)> = review::conflict_pairs(&state.db, &members).await?.into_iter().collect();
    let day = Day { rooms: &rooms, conflicts: &conflicts, timing: &timing };
    if !members.iter().any(|c| c.id == form.community) {
        return Err(AppError::bad_request("這個社群不在現場發表的類別", "that community does not present"));
    }
    let current = to_slots(&store::slots(&state.db, year).await?);
    let index = form.position.saturating_sub(1);
    let occupant = current
        .iter()
        .find(|s| s.room == form.room && s.index == index && s.community != form.community)
        .map(|s| s.community);
    let moved = match occupant {
        Some(other) => swap_slots(&day, &current, form.community, other),
        None => move_slot(&day, &current, form.community, form.room, index),
    };
    let moved = match moved {
        Ok(m) => m,
        Err(e) => return refused(&state, ctx, year, &e).await,
    };
    let actor = ctx.actor()?;
    let now = state.now();
    let txn = state.db.begin().await?;
    store::replace_slots(&txn, year, &to_new(&moved)).await?;
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("schedule.move", "presentation", year)
            .year(year)
            .after(&serde_json::json!({ "community": form.community, "room": form.room, "position": form.position })),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.t("presentation.moved")).await;
    Ok(Redirect::to("/office/review/presentation").into_response())
}

/// Makes the track's assignments match the schedule: each room's reviewers get its communities,
/// for the written review and for the presentations; an assignment left over from an earlier
/// schedule (the community moved, or the reviewer changed rooms) is removed, unless its reviewer
/// has already entered a score, which is kept and named.
async fn assign_from_schedule(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let YearPlan { year, plan, .. } = current_plan(&state, &ctx.session).await?;
    let (track, phases) = presentation_track(&plan)?;
    let count = plan.tracks.get(&track).and_then(|t| t.presentation.as_ref()).map_or(0, |p| p.rooms);
    let rooms = rooms_of(&state, year, count).await?;
    let slots = store::slots(&state.db, year).await?;
    if slots.is_empty() {
        return Err(AppError::bad_request("請先排定發表順序", "build the schedule first"));
    }
    let list = communities::list(&state.db, year).await?;
    let reviewers = reviewer_list(&state).await?;
    let actor = ctx.actor()?;
    let now = state.now();
    let first_round: Vec<&String> = phases.iter().filter(|(_, p)| p.round == 1).map(|(id, _)| id).collect();
    let mut existing = Vec::new();
    for id in &first_round {
        existing.extend(store::assignments(&state.db, year, id).await?);
    }
    // Read before the transaction: SQLite has one connection, which the transaction holds.
    let conflicts = review::conflict_pairs(&state.db, &list).await?;
    let ids: Vec<i32> = existing.iter().map(|a| a.id).collect();
    let scored: HashSet<i32> = store::scores_of(&state.db, &ids).await?.iter().map(|s| s.assignment_id).collect();
    let wanted = wanted_by_room(&slots, &rooms, &first_round, |p| conflicts.contains(p));
    let name_of =
        |reviewer: i32| reviewers.iter().find(|(u, _)| u.id == reviewer).map_or(String::new(), |(u, _)| u.name.clone());
    let code_of = |community: i32| list.iter().find(|c| c.id == community).map_or(String::new(), |c| c.code.clone());
    let mut added = 0;
    let mut removed = 0;
    let mut kept = Vec::new();
    let mut skipped = Vec::new();
    for slot in &slots {
        let Some(room) = rooms.iter().find(|r| r.id == slot.room) else { continue };
        if room.reviewers.iter().any(|r| conflicts.contains(&(slot.community_id, *r))) {
            skipped.push(code_of(slot.community_id));
        }
    }
    let txn = state.db.begin().await?;
    for (phase, community, reviewer, room) in &wanted {
        if existing.iter().any(|a| a.phase == *phase && a.community_id == *community && a.reviewer_id == *reviewer) {
            continue;
        }
        let new = NewAssignment { year, phase, community_id: *community, reviewer_id: *reviewer, room: Some(*room) };
        store::add_assignment(&txn, new, &actor.label, now).await?;
        added += 1;
    }
    // Left over from an earlier schedule: only for scheduled communities (others keep whatever
    // the office assigned by hand).
    for a in existing.iter().filter(|a| slots.iter().any(|s| s.community_id == a.community_id)) {
        if wanted.iter().any(|(p, c, r, _)| *p == a.phase && *c == a.community_id && *r == a.reviewer_id)
            || conflicts.contains(&(a.community_id, a.reviewer_id))
        {
            continue;
        }
        if !scored.contains(&a.id) && store::remove_assignment(&txn, a.id).await? {
            removed += 1;
        } else {
            kept.push(format!("{} {}", code_of(a.community_id), name_of(a.reviewer_id)));
        }
    }
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("assignment.rooms", "presentation", year)
            .year(year)
            .after(&serde_json::json!({ "added": added, "removed": removed, "kept": kept })),
    )
    .await?;
    txn.commit().await?;
    let mut message = ctx.tf1("review.assigned", "n", &added.to_string());
    if removed > 0 {
        message.push_str(&ctx.tf1("presentation.unassigned", "n", &removed.to_string()));
    }
    ctx.flash("ok", message).await;
    if !skipped.is_empty() {
        skipped.dedup();
        ctx.flash("error", ctx.tf1("presentation.skipped", "codes", &skipped.join("、"))).await;
    }
    if !kept.is_empty() {
        kept.dedup();
        ctx.flash("error", ctx.tf1("presentation.kept_scored", "pairs", &kept.join("、"))).await;
    }
    Ok(Redirect::to("/office/review/presentation").into_response())
}
