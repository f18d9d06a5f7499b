//! The advanced track's presentation day (SPEC §5, issue 5): communities to rooms and slots.
//!
//! Each room has its reviewers; a community may present only in a room none of whose
//! reviewers has a conflict with it. Slots run back to back in every room from the day's
//! start, skipping breaks; a slot (20 minutes in the 111 plan) includes the change-over
//! (3 minutes), so a community presents for the slot minus the change-over. Every slot must
//! end within the day (6 hours).
//!
//! Rooms are chosen by the same balanced maximum flow as reviewers are
//! ([`assign`](mod@super::assign)): a placement is found whenever one exists, and room counts
//! differ by at most one whenever conflicts allow it (otherwise they are as even as they can
//! be, and [`Schedule::balanced`] is false). Within a room, communities present in community
//! id order. The same input, in any order, gives the same schedule.
//!
//! The office then moves communities ([`move_slot`], [`swap_slots`]) and closes gaps
//! ([`retime`]); every change is checked against conflicts and occupied slots.

use std::fmt;

use chrono::{NaiveTime, Timelike};

use super::flow;
use crate::plan::PresentationReview;

/// A presentation room and its reviewers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Room {
    pub id: i32,
    pub reviewers: Vec<i32>,
}

/// The clock of the presentation day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timing {
    /// When the first slot starts, e.g. 09:00.
    pub start: NaiveTime,
    /// Minutes per community, change-over included (20).
    pub slot_minutes: u32,
    /// Minutes at the end of each slot to change over to the next community (3).
    pub changeover_minutes: u32,
    /// Length of the day from `start` (6): every slot ends by then.
    pub day_hours: u32,
    /// `(start, end)` of breaks (lunch): no slot, change-over included, overlaps one.
    pub breaks: Vec<(NaiveTime, NaiveTime)>,
}

/// When one slot position of a room runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotTime {
    /// The presentation starts.
    pub start: NaiveTime,
    /// The presentation ends: `start` + slot − change-over.
    pub end: NaiveTime,
    /// The change-over ends and the room is ready for the next community: `start` + slot.
    /// (After a break, the next slot starts later.)
    pub next_start: NaiveTime,
}

/// The rooms, conflicts and clock of a presentation day: what every function here checks
/// against.
#[derive(Clone, Copy, Debug)]
pub struct Day<'a> {
    pub rooms: &'a [Room],
    /// `(community, reviewer)` pairs that must never meet.
    pub conflicts: &'a [(i32, i32)],
    pub timing: &'a Timing,
}

/// One community's presentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub community: i32,
    /// Room id.
    pub room: i32,
    /// 0-based position in the room's day ([`Timing::slot_times`]).
    pub index: usize,
    pub start: NaiveTime,
    /// Presentation end (the change-over follows).
    pub end: NaiveTime,
    /// Change-over end.
    pub next_start: NaiveTime,
}

/// The result of [`schedule`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Every community's slot, by room id then index.
    pub slots: Vec<Slot>,
    /// Slot positions each room has in the day.
    pub slots_per_room: usize,
    /// Whether the rooms' counts differ by at most one (false only when conflicts force it).
    pub balanced: bool,
}

/// Why a schedule or a change to it is impossible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScheduleError {
    /// The plan's start time is not `HH:MM`.
    BadStart { text: String },
    /// A number of the plan is negative or too large.
    BadNumber { field: &'static str, value: i64 },
    /// A slot is not longer than its change-over: nobody would have time to present.
    SlotTooShort { slot_minutes: u32, changeover_minutes: u32 },
    /// The day would run past midnight.
    DayPastMidnight { start: NaiveTime, hours: u32 },
    /// A break ends before it starts (or when it starts).
    BreakBackwards { start: NaiveTime, end: NaiveTime },
    /// There is no room.
    NoRooms,
    /// Two rooms have the same id.
    DuplicateRoom { room: i32 },
    /// A reviewer is in two rooms, which run at the same time.
    ReviewerInTwoRooms { reviewer: i32, rooms: [i32; 2] },
    /// More communities than slots.
    TooMany { communities: usize, capacity: usize, rooms: usize, slots_per_room: usize },
    /// These communities have a conflict with a reviewer of every room.
    NoRoomFor { communities: Vec<i32> },
    /// These communities cannot be placed: the only rooms they can use are full.
    RoomsFull { communities: Vec<i32>, slots_per_room: usize },
    /// The community has no slot.
    UnknownCommunity { community: i32 },
    /// The community has two slots.
    CommunityTwice { community: i32 },
    /// Two communities have the same slot.
    Overlap { room: i32, index: usize, communities: [i32; 2] },
    /// No such room.
    UnknownRoom { room: i32 },
    /// The room's day has no such slot position.
    NoSuchSlot { index: usize, slots_per_room: usize },
    /// The community has a conflict with these reviewers of the room.
    Conflict { community: i32, room: i32, reviewers: Vec<i32> },
    /// Another community has that slot.
    Occupied { room: i32, index: usize, community: i32 },
}

const DAY_SECONDS: u64 = 24 * 3600;

fn seconds(t: NaiveTime) -> u64 {
    u64::from(t.num_seconds_from_midnight())
}

fn time(seconds: u64) -> NaiveTime {
    // Callers keep `seconds` below a day.
    NaiveTime::from_num_seconds_from_midnight_opt(seconds as u32, 0).expect("a time within the day")
}

impl Timing {
    /// The plan's presentation settings with the given breaks.
    pub fn from_plan(
        review: &PresentationReview,
        breaks: Vec<(NaiveTime, NaiveTime)>,
    ) -> Result<Timing, ScheduleError> {
        let start = NaiveTime::parse_from_str(review.day_start.trim(), "%H:%M")
            .map_err(|_| ScheduleError::BadStart { text: review.day_start.clone() })?;
        let number = |field: &'static str, value: i64| {
            u32::try_from(value).map_err(|_| ScheduleError::BadNumber { field, value })
        };
        Ok(Timing {
            start,
            slot_minutes: number("slot_minutes", review.slot_minutes)?,
            changeover_minutes: number("changeover_minutes", review.changeover_minutes)?,
            day_hours: number("day_hours", review.day_hours)?,
            breaks,
        })
    }

    /// The times of every slot position of a room, in order: back to back from the start,
    /// each moved past any break it would overlap, as long as it ends within the day.
    pub fn slot_times(&self) -> Result<Vec<SlotTime>, ScheduleError> {
        let (slot_minutes, changeover_minutes) = (self.slot_minutes, self.changeover_minutes);
        if slot_minutes <= changeover_minutes {
            return Err(ScheduleError::SlotTooShort { slot_minutes, changeover_minutes });
        }
        let start = seconds(self.start);
        let day_end = start + u64::from(self.day_hours) * 3600;
        if day_end >= DAY_SECONDS {
            return Err(ScheduleError::DayPastMidnight { start: self.start, hours: self.day_hours });
        }
        let mut breaks = Vec::with_capacity(self.breaks.len());
        for &(from, to) in &self.breaks {
            if to <= from {
                return Err(ScheduleError::BreakBackwards { start: from, end: to });
            }
            breaks.push((seconds(from), seconds(to)));
        }
        let slot = u64::from(slot_minutes) * 60;
        let talk = u64::from(slot_minutes - changeover_minutes) * 60;
        let mut times = Vec::new();
        let mut cursor = start;
        while cursor + slot <= day_end {
            let past = breaks.iter().filter(|&&(b, e)| b < cursor + slot && e > cursor).map(|&(_, e)| e).max();
            match past {
                Some(after) => cursor = after,
                None => {
                    times.push(SlotTime {
                        start: time(cursor),
                        end: time(cursor + talk),
                        next_start: time(cursor + slot),
                    });
                    cursor += slot;
                }
            }
        }
        Ok(times)
    }
}

/// The rooms by id, checked.
fn rooms_of<'a>(day: &Day<'a>) -> Result<Vec<&'a Room>, ScheduleError> {
    let mut rooms: Vec<&Room> = day.rooms.iter().collect();
    if rooms.is_empty() {
        return Err(ScheduleError::NoRooms);
    }
    rooms.sort_by_key(|r| r.id);
    if let Some(w) = rooms.windows(2).find(|w| w[0].id == w[1].id) {
        return Err(ScheduleError::DuplicateRoom { room: w[0].id });
    }
    let mut members: Vec<(i32, i32)> =
        rooms.iter().flat_map(|room| room.reviewers.iter().map(|&r| (r, room.id))).collect();
    members.sort_unstable();
    members.dedup();
    if let Some(w) = members.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(ScheduleError::ReviewerInTwoRooms { reviewer: w[0].0, rooms: [w[0].1, w[1].1] });
    }
    Ok(rooms)
}

/// The reviewers of `room` who have a conflict with `community`, in id order.
fn conflicted(day: &Day, room: &Room, community: i32) -> Vec<i32> {
    let mut reviewers: Vec<i32> =
        room.reviewers.iter().copied().filter(|&r| day.conflicts.contains(&(community, r))).collect();
    reviewers.sort_unstable();
    reviewers.dedup();
    reviewers
}

/// Places every community in a room and a slot: see the [module documentation](self).
/// Repeated community ids count once.
pub fn schedule(day: &Day, communities: &[i32]) -> Result<Schedule, ScheduleError> {
    let rooms = rooms_of(day)?;
    let times = day.timing.slot_times()?;
    let slots_per_room = times.len();
    let mut communities = communities.to_vec();
    communities.sort_unstable();
    communities.dedup();
    let capacity = rooms.len() * slots_per_room;
    if communities.len() > capacity {
        return Err(ScheduleError::TooMany {
            communities: communities.len(),
            capacity,
            rooms: rooms.len(),
            slots_per_room,
        });
    }

    let mut conflicts = day.conflicts.to_vec();
    conflicts.sort_unstable();
    let allowed: Vec<Vec<u32>> = communities
        .iter()
        .map(|&c| {
            (0..rooms.len() as u32)
                .filter(|&m| rooms[m as usize].reviewers.iter().all(|&r| conflicts.binary_search(&(c, r)).is_err()))
                .collect()
        })
        .collect();
    let homeless: Vec<i32> = communities.iter().zip(&allowed).filter(|(_, a)| a.is_empty()).map(|(&c, _)| c).collect();
    if !homeless.is_empty() {
        return Err(ScheduleError::NoRoomFor { communities: homeless });
    }

    let cap = u32::try_from(slots_per_room).unwrap_or(u32::MAX);
    let matching = flow::balanced(&vec![1; communities.len()], &allowed, &vec![0; rooms.len()], cap);
    if !matching.complete {
        let unplaced =
            communities.iter().zip(&matching.chosen).filter(|(_, c)| c.is_empty()).map(|(&c, _)| c).collect();
        return Err(ScheduleError::RoomsFull { communities: unplaced, slots_per_room });
    }
    // Communities are in id order, so each room's list is too.
    let mut slots = Vec::with_capacity(communities.len());
    for (m, room) in rooms.iter().enumerate() {
        let here = communities.iter().zip(&matching.chosen).filter(|(_, c)| c[0] as usize == m).map(|(&c, _)| c);
        for (index, community) in here.enumerate() {
            slots.push(slot_at(community, room.id, index, &times));
        }
    }
    let counts = &matching.loads;
    let balanced = counts.iter().max().zip(counts.iter().min()).is_none_or(|(max, min)| max - min <= 1);
    Ok(Schedule { slots, slots_per_room, balanced })
}

fn slot_at(community: i32, room: i32, index: usize, times: &[SlotTime]) -> Slot {
    let t = times[index];
    Slot { community, room, index, start: t.start, end: t.end, next_start: t.next_start }
}

/// Checks that `slots` give no community twice, no slot twice and no unknown room; returns
/// them by room and index.
fn checked(rooms: &[&Room], slots: &[Slot]) -> Result<Vec<Slot>, ScheduleError> {
    if let Some(s) = slots.iter().find(|s| !rooms.iter().any(|r| r.id == s.room)) {
        return Err(ScheduleError::UnknownRoom { room: s.room });
    }
    let mut by_community = slots.to_vec();
    by_community.sort_by_key(|s| s.community);
    if let Some(w) = by_community.windows(2).find(|w| w[0].community == w[1].community) {
        return Err(ScheduleError::CommunityTwice { community: w[0].community });
    }
    let mut sorted = by_community;
    sorted.sort_by_key(|s| (s.room, s.index, s.community));
    if let Some(w) = sorted.windows(2).find(|w| (w[0].room, w[0].index) == (w[1].room, w[1].index)) {
        return Err(ScheduleError::Overlap {
            room: w[0].room,
            index: w[0].index,
            communities: [w[0].community, w[1].community],
        });
    }
    Ok(sorted)
}

/// The room with this id.
fn room<'a>(rooms: &[&'a Room], id: i32) -> Result<&'a Room, ScheduleError> {
    rooms.iter().find(|r| r.id == id).copied().ok_or(ScheduleError::UnknownRoom { room: id })
}

/// Moves `community` to slot position `to_index` of room `to_room`, which must be free and
/// without a conflict; a community not on the schedule yet (registered after it was built) is
/// placed there. Its times follow the new position; the others do not move (a gap may be left:
/// [`retime`] closes it). Returns the whole schedule, by room and index.
pub fn move_slot(
    day: &Day,
    slots: &[Slot],
    community: i32,
    to_room: i32,
    to_index: usize,
) -> Result<Vec<Slot>, ScheduleError> {
    let rooms = rooms_of(day)?;
    let times = day.timing.slot_times()?;
    let mut slots = checked(&rooms, slots)?;
    let target = room(&rooms, to_room)?;
    if to_index >= times.len() {
        return Err(ScheduleError::NoSuchSlot { index: to_index, slots_per_room: times.len() });
    }
    let reviewers = conflicted(day, target, community);
    if !reviewers.is_empty() {
        return Err(ScheduleError::Conflict { community, room: to_room, reviewers });
    }
    if let Some(other) = slots.iter().find(|s| s.room == to_room && s.index == to_index && s.community != community) {
        return Err(ScheduleError::Occupied { room: to_room, index: to_index, community: other.community });
    }
    let placed = slot_at(community, to_room, to_index, &times);
    match slots.iter().position(|s| s.community == community) {
        Some(at) => slots[at] = placed,
        None => slots.push(placed),
    }
    slots.sort_by_key(|s| (s.room, s.index));
    Ok(slots)
}

/// Exchanges the slots of communities `a` and `b`, each checked for conflicts in its new
/// room. Returns the whole schedule, by room and index.
pub fn swap_slots(day: &Day, slots: &[Slot], a: i32, b: i32) -> Result<Vec<Slot>, ScheduleError> {
    let rooms = rooms_of(day)?;
    let times = day.timing.slot_times()?;
    let mut slots = checked(&rooms, slots)?;
    let find =
        |c: i32| slots.iter().position(|s| s.community == c).ok_or(ScheduleError::UnknownCommunity { community: c });
    let (ia, ib) = (find(a)?, find(b)?);
    let (sa, sb) = (slots[ia], slots[ib]);
    for (community, to) in [(a, sb), (b, sa)] {
        let reviewers = conflicted(day, room(&rooms, to.room)?, community);
        if !reviewers.is_empty() {
            return Err(ScheduleError::Conflict { community, room: to.room, reviewers });
        }
        if to.index >= times.len() {
            return Err(ScheduleError::NoSuchSlot { index: to.index, slots_per_room: times.len() });
        }
    }
    slots[ia] = slot_at(a, sb.room, sb.index, &times);
    slots[ib] = slot_at(b, sa.room, sa.index, &times);
    slots.sort_by_key(|s| (s.room, s.index));
    Ok(slots)
}

/// Closes the gaps in `room`: its communities, in their present order, take positions 0, 1, …
/// Every slot's times are then set from `day.timing` (so changed breaks or a changed start
/// take effect everywhere). Returns the whole schedule, by room and index.
pub fn retime(day: &Day, slots: &[Slot], room_id: i32) -> Result<Vec<Slot>, ScheduleError> {
    let rooms = rooms_of(day)?;
    room(&rooms, room_id)?;
    let times = day.timing.slot_times()?;
    let slots = checked(&rooms, slots)?;
    let mut next_index = 0;
    let mut out = Vec::with_capacity(slots.len());
    for s in slots {
        let index = if s.room == room_id {
            next_index += 1;
            next_index - 1
        } else {
            s.index
        };
        if index >= times.len() {
            return Err(ScheduleError::NoSuchSlot { index, slots_per_room: times.len() });
        }
        out.push(slot_at(s.community, s.room, index, &times));
    }
    Ok(out)
}

/// Every problem of an existing schedule, by room and slot: a community twice, two in one
/// slot, a room that no longer exists, a position beyond the day, a conflict with a room's
/// reviewer. Empty when the schedule is sound. Conflicts are declared and rooms change after
/// scheduling, so the schedule is checked again wherever it is shown or used.
///
/// # Errors
///
/// When the day itself is unusable (rooms or clock), as in [`schedule`].
pub fn check(day: &Day, slots: &[Slot]) -> Result<Vec<ScheduleError>, ScheduleError> {
    let rooms = rooms_of(day)?;
    let slots_per_room = day.timing.slot_times()?.len();
    let mut problems = Vec::new();
    let mut communities: Vec<i32> = slots.iter().map(|s| s.community).collect();
    communities.sort_unstable();
    for w in communities.chunk_by(|a, b| a == b).filter(|w| w.len() > 1) {
        problems.push(ScheduleError::CommunityTwice { community: w[0] });
    }
    let mut sorted = slots.to_vec();
    sorted.sort_by_key(|s| (s.room, s.index, s.community));
    for (i, s) in sorted.iter().enumerate() {
        if let Some(next) = sorted.get(i + 1)
            && (next.room, next.index) == (s.room, s.index)
        {
            problems.push(ScheduleError::Overlap {
                room: s.room,
                index: s.index,
                communities: [s.community, next.community],
            });
        }
        match room(&rooms, s.room) {
            Err(e) => problems.push(e),
            Ok(r) => {
                let reviewers = conflicted(day, r, s.community);
                if !reviewers.is_empty() {
                    problems.push(ScheduleError::Conflict { community: s.community, room: s.room, reviewers });
                }
            }
        }
        if s.index >= slots_per_room {
            problems.push(ScheduleError::NoSuchSlot { index: s.index, slots_per_room });
        }
    }
    Ok(problems)
}

fn hm(t: &NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// How the messages name communities and reviewers: by id here, by code and name in the web layer.
pub type Namer<'a> = &'a dyn Fn(i32) -> String;

fn by_id(id: i32) -> String {
    id.to_string()
}

fn names(ids: &[i32], name: Namer, sep: &str) -> String {
    ids.iter().map(|&id| name(id)).collect::<Vec<_>>().join(sep)
}

impl ScheduleError {
    /// The problem in Traditional Chinese (zh-TW).
    pub fn message_zh(&self) -> String {
        self.message_zh_named(&by_id, &by_id)
    }

    /// The problem in Traditional Chinese, naming communities and reviewers as the caller does.
    pub fn message_zh_named(&self, community: Namer, reviewer: Namer) -> String {
        use ScheduleError::*;
        match self {
            BadStart { text } => format!("發表開始時間「{text}」不是 時:分（例如 09:00）。"),
            BadNumber { field, value } => format!("發表設定 {field} 為 {value}，不可為負數或過大。"),
            SlotTooShort { slot_minutes, changeover_minutes } => {
                format!("每場 {slot_minutes} 分鐘須長於轉場 {changeover_minutes} 分鐘。")
            }
            DayPastMidnight { start, hours } => format!("從 {} 起 {hours} 小時會超過午夜。", hm(start)),
            BreakBackwards { start, end } => format!("休息時間 {} 至 {} 的結束須晚於開始。", hm(start), hm(end)),
            NoRooms => "沒有任何發表場地。".to_owned(),
            DuplicateRoom { room } => format!("場地 {room} 重複。"),
            ReviewerInTwoRooms { reviewer: r, rooms } => {
                format!("委員 {} 同時在場地 {} 與場地 {}，兩場同時進行。", reviewer(*r), rooms[0], rooms[1])
            }
            TooMany { communities, capacity, rooms, slots_per_room } => {
                format!("共 {communities} 隊，但 {rooms} 個場地各 {slots_per_room} 場，當天最多 {capacity} 隊。")
            }
            NoRoomFor { communities } => {
                format!("社群 {} 與每個場地都有委員須利益迴避。", names(communities, community, "、"))
            }
            RoomsFull { communities, slots_per_room } => {
                format!(
                    "社群 {} 無法安排：可用的場地（各 {slots_per_room} 場）已滿。",
                    names(communities, community, "、")
                )
            }
            UnknownCommunity { community: c } => format!("社群 {} 不在場次表中。", community(*c)),
            CommunityTwice { community: c } => format!("社群 {} 在場次表中出現兩次。", community(*c)),
            Overlap { room, index, communities } => format!(
                "場地 {room} 第 {} 場同時排了社群 {} 與社群 {}。",
                index + 1,
                community(communities[0]),
                community(communities[1])
            ),
            UnknownRoom { room } => format!("沒有場地 {room}。"),
            NoSuchSlot { index, slots_per_room } => {
                format!("沒有第 {} 場：每個場地當天只有 {slots_per_room} 場。", index + 1)
            }
            Conflict { community: c, room, reviewers } => {
                format!("社群 {} 與場地 {room} 的委員 {} 須利益迴避。", community(*c), names(reviewers, reviewer, "、"))
            }
            Occupied { room, index, community: c } => {
                format!("場地 {room} 第 {} 場已排社群 {}。", index + 1, community(*c))
            }
        }
    }

    /// The problem in English, naming communities and reviewers as the caller does.
    pub fn message_en_named(&self, community: Namer, reviewer: Namer) -> String {
        use ScheduleError::*;
        match self {
            BadStart { text } => format!("the presentation start \"{text}\" is not HH:MM (such as 09:00)"),
            BadNumber { field, value } => format!("presentation setting {field} is {value}: negative or too large"),
            SlotTooShort { slot_minutes, changeover_minutes } => {
                format!("a slot of {slot_minutes} minutes must be longer than its change-over of {changeover_minutes}")
            }
            DayPastMidnight { start, hours } => format!("{hours} hours from {} run past midnight", hm(start)),
            BreakBackwards { start, end } => {
                format!("the break from {} to {} must end after it starts", hm(start), hm(end))
            }
            NoRooms => "there is no presentation room".to_owned(),
            DuplicateRoom { room } => format!("room {room} is given twice"),
            ReviewerInTwoRooms { reviewer: r, rooms } => format!(
                "reviewer {} is in room {} and in room {}, which run at the same time",
                reviewer(*r),
                rooms[0],
                rooms[1]
            ),
            TooMany { communities, capacity, rooms, slots_per_room } => {
                format!(
                    "{communities} communities, but {rooms} rooms of {slots_per_room} slots hold at most {capacity}"
                )
            }
            NoRoomFor { communities } => format!(
                "{} {} a conflict of interest with a reviewer of every room",
                plural(communities.len(), "community", "communities"),
                if communities.len() == 1 {
                    format!("{} has", community(communities[0]))
                } else {
                    format!("{} have", names(communities, community, ", "))
                }
            ),
            RoomsFull { communities, slots_per_room } => format!(
                "cannot place {} {}: the rooms {} can use ({slots_per_room} slots each) are full",
                plural(communities.len(), "community", "communities"),
                names(communities, community, ", "),
                if communities.len() == 1 { "it" } else { "they" }
            ),
            UnknownCommunity { community: c } => format!("community {} has no slot", community(*c)),
            CommunityTwice { community: c } => format!("community {} has two slots", community(*c)),
            Overlap { room, index, communities } => format!(
                "slot {} of room {room} has both community {} and community {}",
                index + 1,
                community(communities[0]),
                community(communities[1])
            ),
            UnknownRoom { room } => format!("there is no room {room}"),
            NoSuchSlot { index, slots_per_room } => {
                format!("there is no slot {}: each room has {slots_per_room} in the day", index + 1)
            }
            Conflict { community: c, room, reviewers } => format!(
                "community {} has a conflict of interest with {} {} of room {room}",
                community(*c),
                plural(reviewers.len(), "reviewer", "reviewers"),
                names(reviewers, reviewer, ", ")
            ),
            Occupied { room, index, community: c } => {
                format!("slot {} of room {room} already has community {}", index + 1, community(*c))
            }
        }
    }
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_en_named(&by_id, &by_id))
    }
}

impl std::error::Error for ScheduleError {}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Plan;

    fn t(hm: &str) -> NaiveTime {
        NaiveTime::parse_from_str(hm, "%H:%M").unwrap()
    }

    /// The 111 plan's timing: 09:00, 20-minute slots with 3 minutes of change-over, 6 hours.
    fn timing(breaks: &[(&str, &str)]) -> Timing {
        let plan = Plan::builtin();
        let review = plan.tracks["advanced"].presentation.as_ref().unwrap();
        Timing::from_plan(review, breaks.iter().map(|&(a, b)| (t(a), t(b))).collect()).unwrap()
    }

    fn rooms() -> Vec<Room> {
        vec![Room { id: 1, reviewers: vec![11, 12, 13] }, Room { id: 2, reviewers: vec![21, 22, 23] }]
    }

    fn starts(times: &[SlotTime]) -> Vec<String> {
        times.iter().map(|s| hm(&s.start)).collect()
    }

    #[test]
    fn the_plans_day_has_18_slots_per_room() {
        let times = timing(&[]).slot_times().unwrap();
        assert_eq!(times.len(), 18);
        assert_eq!(times[0], SlotTime { start: t("09:00"), end: t("09:17"), next_start: t("09:20") });
        assert_eq!(times[17], SlotTime { start: t("14:40"), end: t("14:57"), next_start: t("15:00") });
    }

    #[test]
    fn slots_skip_breaks() {
        // Lunch 12:00-13:00: 9 slots before, 6 after (the day still ends at 15:00).
        let times = timing(&[("12:00", "13:00")]).slot_times().unwrap();
        assert_eq!(times.len(), 15);
        assert_eq!(times[8], SlotTime { start: t("11:40"), end: t("11:57"), next_start: t("12:00") });
        assert_eq!(hm(&times[9].start), "13:00");
        // A 10-minute break at 10:30: the 10:20 slot would run into it, so it starts at 10:40.
        let times = timing(&[("10:30", "10:40")]).slot_times().unwrap();
        assert_eq!(starts(&times[..6]), ["09:00", "09:20", "09:40", "10:00", "10:40", "11:00"]);
        assert_eq!(times.len(), 17);
        // Overlapping breaks, given in any order, are skipped together.
        let times = timing(&[("10:10", "10:50"), ("09:50", "10:15")]).slot_times().unwrap();
        assert_eq!(starts(&times[..4]), ["09:00", "09:20", "10:50", "11:10"]);
    }

    #[test]
    fn timing_problems() {
        let mut bad = timing(&[]);
        bad.changeover_minutes = 20;
        let e = bad.slot_times().unwrap_err();
        assert_eq!(e, ScheduleError::SlotTooShort { slot_minutes: 20, changeover_minutes: 20 });
        assert_eq!(e.message_zh(), "每場 20 分鐘須長於轉場 20 分鐘。");
        assert_eq!(e.to_string(), "a slot of 20 minutes must be longer than its change-over of 20");

        let mut late = timing(&[]);
        late.start = t("18:00");
        let e = late.slot_times().unwrap_err();
        assert_eq!(e.message_zh(), "從 18:00 起 6 小時會超過午夜。");
        assert_eq!(e.to_string(), "6 hours from 18:00 run past midnight");

        let e = timing(&[("13:00", "12:00")]).slot_times().unwrap_err();
        assert_eq!(e, ScheduleError::BreakBackwards { start: t("13:00"), end: t("12:00") });
        assert_eq!(e.message_zh(), "休息時間 13:00 至 12:00 的結束須晚於開始。");

        let mut review = Plan::builtin().tracks["advanced"].presentation.clone().unwrap();
        review.day_start = "9點".into();
        let e = Timing::from_plan(&review, vec![]).unwrap_err();
        assert_eq!(e.to_string(), "the presentation start \"9點\" is not HH:MM (such as 09:00)");
        review.day_start = "08:30".into();
        review.day_hours = -1;
        let e = Timing::from_plan(&review, vec![]).unwrap_err();
        assert_eq!(e, ScheduleError::BadNumber { field: "day_hours", value: -1 });
        assert_eq!(e.message_zh(), "發表設定 day_hours 為 -1，不可為負數或過大。");
    }

    #[test]
    fn communities_go_to_rooms_without_conflicts_balanced() {
        let timing = timing(&[]);
        let rooms = rooms();
        // 101 cannot meet reviewer 11 and 103 cannot meet 12: both go to room 2.
        let conflicts = [(101, 11), (103, 12), (104, 99)];
        let day = Day { rooms: &rooms, conflicts: &conflicts, timing: &timing };
        let communities: Vec<i32> = (101..=110).rev().collect();
        let s = schedule(&day, &communities).unwrap();
        assert_eq!(s.slots_per_room, 18);
        assert!(s.balanced);
        assert_eq!(s.slots.len(), 10);
        let room_of = |c: i32| s.slots.iter().find(|x| x.community == c).unwrap().room;
        assert_eq!((room_of(101), room_of(103)), (2, 2));
        for room in [1, 2] {
            let here: Vec<&Slot> = s.slots.iter().filter(|x| x.room == room).collect();
            assert_eq!(here.len(), 5);
            // In community id order, back to back from 09:00.
            assert!(here.windows(2).all(|w| w[0].community < w[1].community));
            let expected: Vec<_> = ["09:00", "09:20", "09:40", "10:00", "10:20"].map(t).to_vec();
            assert_eq!(here.iter().map(|x| x.start).collect::<Vec<_>>(), expected);
            assert_eq!(here.iter().map(|x| x.index).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
            assert_eq!(here[0].end, t("09:17"));
            assert_eq!(here[0].next_start, t("09:20"));
        }
        // Same input in another order, with repeats: same schedule.
        let rooms_reversed: Vec<Room> = rooms.iter().rev().cloned().collect();
        let conflicts_reversed = [(104, 99), (103, 12), (101, 11)];
        let day2 = Day { rooms: &rooms_reversed, conflicts: &conflicts_reversed, timing: &timing };
        let again: Vec<i32> = (101..=110).chain([105, 101]).collect();
        assert_eq!(schedule(&day2, &again).unwrap(), s);
    }

    #[test]
    fn conflicts_can_unbalance_the_rooms() {
        let timing = timing(&[]);
        let rooms = rooms();
        let conflicts: Vec<(i32, i32)> = (1..=5).map(|c| (c, 21)).collect();
        let day = Day { rooms: &rooms, conflicts: &conflicts, timing: &timing };
        let s = schedule(&day, &[1, 2, 3, 4, 5, 6]).unwrap();
        assert!(!s.balanced);
        assert_eq!(s.slots.iter().filter(|x| x.room == 1).count(), 5);
        assert_eq!(s.slots.iter().filter(|x| x.room == 2).map(|x| x.community).collect::<Vec<_>>(), [6]);
    }

    #[test]
    fn a_day_too_short_says_its_capacity() {
        let timing = timing(&[]);
        let rooms = rooms();
        let day = Day { rooms: &rooms, conflicts: &[], timing: &timing };
        let communities: Vec<i32> = (1..=37).collect();
        let e = schedule(&day, &communities).unwrap_err();
        assert_eq!(e, ScheduleError::TooMany { communities: 37, capacity: 36, rooms: 2, slots_per_room: 18 });
        assert_eq!(e.message_zh(), "共 37 隊，但 2 個場地各 18 場，當天最多 36 隊。");
        assert_eq!(e.to_string(), "37 communities, but 2 rooms of 18 slots hold at most 36");
        assert_eq!(schedule(&day, &communities[..36]).unwrap().slots.len(), 36);
    }

    #[test]
    fn communities_with_nowhere_to_go() {
        let timing = timing(&[]);
        let rooms = rooms();
        let conflicts = [(5, 12), (5, 23), (7, 11), (7, 21), (8, 13)];
        let day = Day { rooms: &rooms, conflicts: &conflicts, timing: &timing };
        let e = schedule(&day, &[5, 6, 7, 8]).unwrap_err();
        assert_eq!(e, ScheduleError::NoRoomFor { communities: vec![5, 7] });
        assert_eq!(e.message_zh(), "社群 5、7 與每個場地都有委員須利益迴避。");
        assert_eq!(e.to_string(), "communities 5, 7 have a conflict of interest with a reviewer of every room");
        let e = schedule(&day, &[5]).unwrap_err();
        assert_eq!(e.to_string(), "community 5 has a conflict of interest with a reviewer of every room");

        // Two slots per room; three communities can only use room 1.
        let mut short = timing.clone();
        short.day_hours = 1;
        short.slot_minutes = 30;
        let conflicts = [(1, 21), (2, 22), (3, 23)];
        let day = Day { rooms: &rooms, conflicts: &conflicts, timing: &short };
        let e = schedule(&day, &[1, 2, 3]).unwrap_err();
        assert_eq!(e, ScheduleError::RoomsFull { communities: vec![3], slots_per_room: 2 });
        assert_eq!(e.message_zh(), "社群 3 無法安排：可用的場地（各 2 場）已滿。");
        assert_eq!(e.to_string(), "cannot place community 3: the rooms it can use (2 slots each) are full");
    }

    #[test]
    fn rooms_are_checked() {
        let timing = timing(&[]);
        let e = schedule(&Day { rooms: &[], conflicts: &[], timing: &timing }, &[1]).unwrap_err();
        assert_eq!(
            (e.message_zh(), e.to_string()),
            ("沒有任何發表場地。".into(), "there is no presentation room".into())
        );
        let twice = [Room { id: 1, reviewers: vec![1] }, Room { id: 1, reviewers: vec![2] }];
        let e = schedule(&Day { rooms: &twice, conflicts: &[], timing: &timing }, &[1]).unwrap_err();
        assert_eq!(e, ScheduleError::DuplicateRoom { room: 1 });
        let shared = [Room { id: 2, reviewers: vec![7, 8] }, Room { id: 1, reviewers: vec![8, 9] }];
        let e = schedule(&Day { rooms: &shared, conflicts: &[], timing: &timing }, &[1]).unwrap_err();
        assert_eq!(e, ScheduleError::ReviewerInTwoRooms { reviewer: 8, rooms: [1, 2] });
        assert_eq!(e.message_zh(), "委員 8 同時在場地 1 與場地 2，兩場同時進行。");
    }

    #[test]
    fn moving_a_community_and_closing_the_gap() {
        let timing = timing(&[("10:00", "10:20")]);
        let rooms = rooms();
        let conflicts = [(3, 22)];
        let day = Day { rooms: &rooms, conflicts: &conflicts, timing: &timing };
        let s = schedule(&day, &[1, 2, 3, 4]).unwrap();
        let layout = |slots: &[Slot]| slots.iter().map(|x| (x.community, x.room, x.index)).collect::<Vec<_>>();
        // Community 3 cannot go to room 2.
        assert_eq!(s.slots.iter().find(|x| x.community == 3).unwrap().room, 1);
        let one = s.slots.iter().find(|x| x.room == 1 && x.community != 3).unwrap().community;
        let two: Vec<i32> = s.slots.iter().filter(|x| x.room == 2).map(|x| x.community).collect();

        // Move `one` to room 2, slot 5 (the 4th slot is after the break: 10:20, then 10:40).
        let moved = move_slot(&day, &s.slots, one, 2, 4).unwrap();
        let slot = *moved.iter().find(|x| x.community == one).unwrap();
        assert_eq!((slot.room, slot.index, slot.start, slot.end), (2, 4, t("10:40"), t("10:57")));
        // Room 1 keeps a gap until it is retimed.
        let room1: Vec<usize> = moved.iter().filter(|x| x.room == 1).map(|x| x.index).collect();
        assert_eq!(room1.len(), 1);
        let retimed = retime(&day, &moved, 2).unwrap();
        let room2: Vec<(i32, usize, String)> =
            retimed.iter().filter(|x| x.room == 2).map(|x| (x.community, x.index, hm(&x.start))).collect();
        assert_eq!(room2, [(two[0], 0, "09:00".into()), (two[1], 1, "09:20".into()), (one, 2, "09:40".into())]);
        let retimed = retime(&day, &retimed, 1).unwrap();
        assert_eq!(retimed.iter().find(|x| x.community == 3).map(|x| (x.index, x.start)), Some((0, t("09:00"))));

        // Refusals.
        let e = move_slot(&day, &s.slots, 3, 2, 7).unwrap_err();
        assert_eq!(e, ScheduleError::Conflict { community: 3, room: 2, reviewers: vec![22] });
        assert_eq!(e.message_zh(), "社群 3 與場地 2 的委員 22 須利益迴避。");
        assert_eq!(e.to_string(), "community 3 has a conflict of interest with reviewer 22 of room 2");
        let e = move_slot(&day, &s.slots, one, 2, 0).unwrap_err();
        assert_eq!(e, ScheduleError::Occupied { room: 2, index: 0, community: two[0] });
        assert_eq!(e.message_zh(), format!("場地 2 第 1 場已排社群 {}。", two[0]));
        let e = move_slot(&day, &s.slots, one, 2, 17).unwrap_err();
        assert_eq!(e, ScheduleError::NoSuchSlot { index: 17, slots_per_room: 17 });
        assert_eq!(e.to_string(), "there is no slot 18: each room has 17 in the day");
        assert_eq!(move_slot(&day, &s.slots, one, 9, 0).unwrap_err(), ScheduleError::UnknownRoom { room: 9 });
        // A community registered after the schedule was built is placed into a free slot.
        let free = s.slots.iter().filter(|x| x.room == 1).map(|x| x.index).max().map_or(0, |i| i + 1);
        let placed = move_slot(&day, &s.slots, 99, 1, free).unwrap();
        assert_eq!(placed.len(), s.slots.len() + 1);
        assert_eq!(placed.iter().find(|x| x.community == 99).map(|x| (x.room, x.index)), Some((1, free)));
        // Moving to where it already is changes nothing.
        let here = s.slots.iter().find(|x| x.community == one).unwrap();
        assert_eq!(layout(&move_slot(&day, &s.slots, one, here.room, here.index).unwrap()), layout(&s.slots));
    }

    #[test]
    fn swapping_two_slots() {
        let timing = timing(&[]);
        let rooms = rooms();
        let conflicts = [(3, 22)];
        let day = Day { rooms: &rooms, conflicts: &conflicts, timing: &timing };
        let slots = [
            slot_at(1, 1, 0, &timing.slot_times().unwrap()),
            slot_at(3, 1, 1, &timing.slot_times().unwrap()),
            slot_at(2, 2, 0, &timing.slot_times().unwrap()),
        ];
        let swapped = swap_slots(&day, &slots, 1, 3).unwrap();
        let layout: Vec<_> = swapped.iter().map(|x| (x.community, x.room, x.index, hm(&x.start))).collect();
        assert_eq!(layout, [(3, 1, 0, "09:00".into()), (1, 1, 1, "09:20".into()), (2, 2, 0, "09:00".into())]);
        let e = swap_slots(&day, &slots, 3, 2).unwrap_err();
        assert_eq!(e, ScheduleError::Conflict { community: 3, room: 2, reviewers: vec![22] });
        assert!(swap_slots(&day, &slots, 1, 2).is_ok());
    }

    #[test]
    fn an_existing_schedule_is_checked_again() {
        let timing = timing(&[]);
        let rooms = rooms();
        let day = Day { rooms: &rooms, conflicts: &[], timing: &timing };
        let s = schedule(&day, &[1, 2, 3]).unwrap();
        assert_eq!(check(&day, &s.slots).unwrap(), []);
        // A conflict declared after scheduling, a room taken away, a slot past the day.
        let (c, r) = (s.slots[0].community, s.slots[0].room);
        let reviewer = rooms.iter().find(|x| x.id == r).unwrap().reviewers[1];
        let conflicts = [(c, reviewer)];
        let fewer_rooms = [rooms[0].clone()];
        let mut slots = s.slots.clone();
        slots.push(Slot { community: 9, room: 1, index: 18, ..s.slots[0] });
        let later = Day { rooms: &rooms, conflicts: &conflicts, timing: &timing };
        assert_eq!(
            check(&later, &slots).unwrap(),
            [
                ScheduleError::Conflict { community: c, room: r, reviewers: vec![reviewer] },
                ScheduleError::NoSuchSlot { index: 18, slots_per_room: 18 },
            ]
        );
        let smaller = Day { rooms: &fewer_rooms, conflicts: &[], timing: &timing };
        let problems = check(&smaller, &s.slots).unwrap();
        assert!(!problems.is_empty() && problems.iter().all(|p| *p == ScheduleError::UnknownRoom { room: 2 }));
        assert_eq!(retime(&smaller, &s.slots, 1).unwrap_err(), ScheduleError::UnknownRoom { room: 2 });
        // Two in one slot and a community twice.
        let doubled = [slots[0], Slot { community: 8, ..slots[0] }, Slot { index: 5, ..slots[0] }];
        let problems = check(&day, &doubled).unwrap();
        assert!(problems.contains(&ScheduleError::CommunityTwice { community: slots[0].community }));
        assert!(problems.iter().any(|p| matches!(p, ScheduleError::Overlap { .. })));
    }

    #[test]
    fn inconsistent_slots_are_refused() {
        let timing = timing(&[]);
        let rooms = rooms();
        let day = Day { rooms: &rooms, conflicts: &[], timing: &timing };
        let times = timing.slot_times().unwrap();
        let twice = [slot_at(1, 1, 0, &times), slot_at(1, 2, 0, &times)];
        let e = retime(&day, &twice, 1).unwrap_err();
        assert_eq!(e, ScheduleError::CommunityTwice { community: 1 });
        assert_eq!(e.message_zh(), "社群 1 在場次表中出現兩次。");
        let overlap = [slot_at(2, 1, 3, &times), slot_at(1, 1, 3, &times)];
        let e = move_slot(&day, &overlap, 1, 2, 0).unwrap_err();
        assert_eq!(e, ScheduleError::Overlap { room: 1, index: 3, communities: [1, 2] });
        assert_eq!(e.message_zh(), "場地 1 第 4 場同時排了社群 1 與社群 2。");
        assert_eq!(e.to_string(), "slot 4 of room 1 has both community 1 and community 2");
    }
}
