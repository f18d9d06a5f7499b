//! The plan's names of things, in the page's language: a page never shows an id
//! (`completeness`, `round-1`, `special`) where a person reads a name. English pages use the
//! plan's English names; where the plan has none, its Traditional Chinese name (never the id,
//! unless the plan names nothing).

use linxuan_core::plan::Plan;

use crate::web::ctx::Ctx;

fn pick(ctx: &Ctx, zh: &str, en: &str, id: &str) -> String {
    let name = ctx.named(zh, en);
    if name.trim().is_empty() { id.to_string() } else { name.to_string() }
}

/// A criterion of any track, by id.
pub fn criterion(ctx: &Ctx, plan: &Plan, id: &str) -> String {
    plan.tracks
        .values()
        .find_map(|t| t.criteria.get(id))
        .map_or_else(|| id.to_string(), |c| pick(ctx, &c.name, &c.name_en, id))
}

/// A review phase (初審, 複審, 書面審核, 現場發表), by id.
pub fn phase(ctx: &Ctx, plan: &Plan, id: &str) -> String {
    plan.review.phases.get(id).map_or_else(|| id.to_string(), |p| pick(ctx, &p.name, &p.name_en, id))
}

/// A review round of a track (1 = 初審), else "round N".
pub fn round(ctx: &Ctx, plan: &Plan, track_id: &str, round: i64) -> String {
    plan.tracks
        .get(track_id)
        .and_then(|t| t.rounds.get((round as usize).wrapping_sub(1)))
        .map(|r| ctx.named(&r.name, &r.name_en).to_string())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| ctx.tf1("board.round_n", "n", &round.to_string()))
}

/// A review round of a group's track.
pub fn round_of_group(ctx: &Ctx, plan: &Plan, group_id: &str, n: i64) -> String {
    let track = plan.groups.get(group_id).map_or("", |g| g.track.as_str());
    round(ctx, plan, track, n)
}

/// A group, by id.
pub fn group(ctx: &Ctx, plan: &Plan, id: &str) -> String {
    plan.groups.get(id).map_or_else(|| id.to_string(), |g| pick(ctx, &g.name, &g.name_en, id))
}

/// A track, by id.
pub fn track(ctx: &Ctx, plan: &Plan, id: &str) -> String {
    plan.tracks.get(id).map_or_else(|| id.to_string(), |t| pick(ctx, &t.name, &t.name_en, id))
}

/// An award level, by id.
pub fn level(ctx: &Ctx, plan: &Plan, id: &str) -> String {
    plan.award_levels.get(id).map_or_else(|| id.to_string(), |l| pick(ctx, &l.name, &l.name_en, id))
}

/// A checkpoint, by id.
pub fn checkpoint(ctx: &Ctx, plan: &Plan, id: &str) -> String {
    plan.checkpoints.get(id).map_or_else(|| id.to_string(), |c| pick(ctx, &c.name, &c.name_en, id))
}

/// A checklist indicator, by id.
pub fn indicator(ctx: &Ctx, plan: &Plan, id: &str) -> String {
    plan.rubric
        .indicators
        .iter()
        .find(|i| i.id == id)
        .map_or_else(|| id.to_string(), |i| pick(ctx, &i.name, &i.name_en, id))
}

/// A community's track and group: `初階專業學習社群・國小組`, `Basic · Elementary`.
pub fn track_and_group(ctx: &Ctx, plan: &Plan, track_id: &str, group_id: &str) -> String {
    format!("{}{}{}", track(ctx, plan, track_id), ctx.pick("・", " · "), group(ctx, plan, group_id))
}

/// An audit action in words (`score.submit` → 送出評分); an action the catalogue does not
/// know yet shows as itself.
pub fn audit_action(ctx: &Ctx, action: &str) -> String {
    let key = format!("audit.action.{action}");
    if crate::i18n::has(ctx.lang, &key) { ctx.t(&key).into_owned() } else { action.to_string() }
}

/// What an audit entry is about, in words: `社群 #12`, `community #12`; a phase or a group by
/// its name in the plan (`審查階段「初審」`).
pub fn audit_object(ctx: &Ctx, plan: &Plan, entity: &str, id: &str) -> String {
    let key = format!("audit.entity.{entity}");
    let name = if crate::i18n::has(ctx.lang, &key) { ctx.t(&key).into_owned() } else { entity.to_string() };
    let named = match entity {
        "phase" if plan.review.phases.contains_key(id) => Some(phase(ctx, plan, id)),
        "group" if plan.groups.contains_key(id) => Some(group(ctx, plan, id)),
        _ => None,
    };
    match (named, id.is_empty()) {
        (_, true) => name,
        (Some(n), _) => format!("{name}{}{n}{}", ctx.lq(), ctx.rq()),
        (None, _) => format!("{name} #{id}"),
    }
}
