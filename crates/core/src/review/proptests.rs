//! Property tests: whatever the instance, the review's algorithms keep their promises, checked
//! against brute force where the instance is small enough to enumerate.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveTime, Timelike};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::allocation::Score;
use crate::plan::Cut;

// ---------------------------------------------------------------------------------------------
// Assignment

/// A round: communities, reviewers, reviewers per community, conflicts, kept pairs.
#[derive(Clone, Debug)]
struct Round {
    communities: Vec<i32>,
    reviewers: Vec<i32>,
    k: usize,
    conflicts: Vec<(i32, i32)>,
    keep: Vec<(i32, i32)>,
}

impl Round {
    fn request(&self) -> AssignRequest<'_> {
        AssignRequest {
            communities: &self.communities,
            reviewers: &self.reviewers,
            per_community: self.k,
            conflicts: &self.conflicts,
            keep: &self.keep,
        }
    }
}

/// Small rounds (up to 4 communities, 5 reviewers, 3 each): about a fifth of the pairs in
/// conflict and a few kept pairs (sometimes more than a community needs).
fn small_round() -> impl Strategy<Value = Round> {
    (1usize..=4, 1usize..=5, 0usize..=3)
        .prop_flat_map(|(c, r, k)| (Just(c), Just(r), Just(k), proptest::collection::vec(0u8..100, c * r)))
        .prop_map(|(c, r, k, cells)| {
            let communities: Vec<i32> = (1..=c as i32).collect();
            let reviewers: Vec<i32> = (1..=r as i32).map(|x| 10 * x).collect();
            let mut conflicts = Vec::new();
            let mut keep = Vec::new();
            for (i, cell) in cells.into_iter().enumerate() {
                let pair = (communities[i / r], reviewers[i % r]);
                match cell {
                    0..20 => conflicts.push(pair),
                    20..28 => keep.push(pair),
                    _ => {}
                }
            }
            Round { communities, reviewers, k, conflicts, keep }
        })
}

/// Over every complete assignment: the smallest maximum load, the largest minimum load and the
/// smallest (maximum − minimum); `None` when there is no complete assignment.
fn brute_force(round: &Round) -> Option<(usize, usize, usize)> {
    let r = round.reviewers.len();
    // Per community, every admissible set of reviewer indices: the kept ones plus others
    // without a conflict, k in all.
    let options: Vec<Vec<Vec<usize>>> = round
        .communities
        .iter()
        .map(|&c| {
            let kept: Vec<usize> = (0..r).filter(|&i| round.keep.contains(&(c, round.reviewers[i]))).collect();
            let free: Vec<usize> =
                (0..r).filter(|&i| !kept.contains(&i) && !round.conflicts.contains(&(c, round.reviewers[i]))).collect();
            subsets(&free, round.k.saturating_sub(kept.len()))
                .into_iter()
                .filter(|_| kept.len() <= round.k)
                .map(|mut s| {
                    s.extend(&kept);
                    s
                })
                .collect()
        })
        .collect();
    let mut best: Option<(usize, usize, usize)> = None;
    let mut loads = vec![0usize; r];
    fn walk(options: &[Vec<Vec<usize>>], loads: &mut Vec<usize>, best: &mut Option<(usize, usize, usize)>) {
        let Some((first, rest)) = options.split_first() else {
            let max = loads.iter().copied().max().unwrap_or(0);
            let min = loads.iter().copied().min().unwrap_or(0);
            *best = Some(match *best {
                None => (max, min, max - min),
                Some((a, b, c)) => (a.min(max), b.max(min), c.min(max - min)),
            });
            return;
        };
        for set in first {
            set.iter().for_each(|&i| loads[i] += 1);
            walk(rest, loads, best);
            set.iter().for_each(|&i| loads[i] -= 1);
        }
    }
    walk(&options, &mut loads, &mut best);
    best
}

/// Every `k`-subset of `items`.
fn subsets(items: &[usize], k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![Vec::new()];
    }
    if items.len() < k {
        return Vec::new();
    }
    let (first, rest) = items.split_first().unwrap();
    let mut with: Vec<Vec<usize>> = subsets(rest, k - 1);
    for s in &mut with {
        s.insert(0, *first);
    }
    with.extend(subsets(rest, k));
    with
}

/// The promises of every successful assignment.
fn check_assignment(round: &Round, a: &Assignment) -> Result<(), TestCaseError> {
    let communities: BTreeSet<i32> = round.communities.iter().copied().collect();
    let reviewers: BTreeSet<i32> = round.reviewers.iter().copied().collect();
    prop_assert!(a.pairs.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
    for &c in &communities {
        let mine: Vec<i32> = a.pairs.iter().filter(|p| p.0 == c).map(|p| p.1).collect();
        prop_assert_eq!(mine.len(), round.k, "community {} has {:?}", c, mine);
    }
    for p in &a.pairs {
        prop_assert!(communities.contains(&p.0) && reviewers.contains(&p.1));
        prop_assert!(!round.conflicts.contains(p), "conflict {:?}", p);
    }
    for p in &round.keep {
        prop_assert!(a.pairs.contains(p), "kept {:?} lost", p);
    }
    prop_assert_eq!(a.loads.len(), reviewers.len());
    for l in &a.loads {
        prop_assert_eq!(l.load, a.pairs.iter().filter(|p| p.1 == l.reviewer).count());
    }
    let max = a.loads.iter().map(|l| l.load).max().unwrap_or(0);
    let min = a.loads.iter().map(|l| l.load).min().unwrap_or(0);
    prop_assert_eq!(a.imbalance.is_none(), max - min <= 1);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn assignment_is_complete_and_as_even_as_brute_force(round in small_round()) {
        let oracle = brute_force(&round);
        match assign(&round.request()) {
            Ok(a) => {
                check_assignment(&round, &a)?;
                let (min_max, max_min, min_spread) = oracle.expect("an assignment the brute force missed");
                if !a.loads.is_empty() {
                    let max = a.loads.iter().map(|l| l.load).max().unwrap();
                    let min = a.loads.iter().map(|l| l.load).min().unwrap();
                    prop_assert_eq!(max, min_max, "the maximum load is not the smallest possible");
                    prop_assert_eq!(min, max_min, "the minimum load is not the largest possible");
                    prop_assert_eq!(max - min, min_spread);
                }
            }
            Err(e) => {
                // Refused only when no assignment exists (or kept pairs exceed a community's need).
                let too_many_kept = e.problems.iter().any(|p| matches!(p, AssignProblem::TooManyKept { .. }));
                prop_assert!(oracle.is_none() || too_many_kept, "refused a possible round: {}", e);
                prop_assert!(!e.problems.is_empty());
            }
        }
    }

    #[test]
    fn assignment_ignores_input_order(
        (round, shuffled) in small_round().prop_flat_map(|r| {
            let s = (
                Just(r.communities.clone()).prop_shuffle(),
                Just(r.reviewers.clone()).prop_shuffle(),
                Just(r.conflicts.clone()).prop_shuffle(),
                Just(r.keep.clone()).prop_shuffle(),
            );
            (Just(r), s)
        })
    ) {
        let (communities, reviewers, conflicts, keep) = shuffled;
        let other = Round { communities, reviewers, k: round.k, conflicts, keep };
        prop_assert_eq!(assign(&round.request()), assign(&other.request()));
    }

    /// Larger rounds built around a balanced assignment (round robin over a shuffled reviewer
    /// order), with conflicts only outside it: a balanced assignment exists, so the result
    /// must be balanced.
    #[test]
    fn planted_balanced_rounds_come_out_balanced(
        (c, r, k, order, cells) in (5usize..60, 3usize..20).prop_flat_map(|(c, r)| (
            Just(c),
            Just(r),
            1usize..=r.min(3),
            Just((0..r).collect::<Vec<usize>>()).prop_shuffle(),
            proptest::collection::vec(0u8..100, c * r),
        ))
    ) {
        let communities: Vec<i32> = (0..c as i32).map(|x| 1000 + 7 * x).collect();
        let reviewers: Vec<i32> = (0..r as i32).map(|x| 50 - 3 * x).collect();
        let mut planted = BTreeSet::new();
        for i in 0..c {
            for j in 0..k {
                planted.insert((communities[i], reviewers[order[(i * k + j) % r]]));
            }
        }
        let conflicts: Vec<(i32, i32)> = (0..c * r)
            .map(|i| (communities[i / r], reviewers[i % r]))
            .zip(&cells)
            .filter(|&(p, &cell)| cell < 30 && !planted.contains(&p))
            .map(|(p, _)| p)
            .collect();
        let round = Round { communities, reviewers, k, conflicts, keep: Vec::new() };
        let a = assign(&round.request()).unwrap();
        check_assignment(&round, &a)?;
        prop_assert_eq!(a.imbalance, None);
    }

    /// On rounds too large for brute force, with conflicts and kept pairs: the shortcut of
    /// `flow::balanced` (starting at the even share) gives the same smallest and largest loads
    /// as water filling from 1.
    #[test]
    fn the_shortcut_is_as_even_as_water_filling(
        (c, r, k, cells) in (2usize..40, 2usize..12).prop_flat_map(|(c, r)| (
            Just(c),
            Just(r),
            1usize..=r.min(3),
            proptest::collection::vec(0u8..100, c * r),
        ))
    ) {
        // Per pair: conflict (25%), kept (10%, while the community needs more), or free.
        let mut demand = vec![k as u32; c];
        let mut preload = vec![0u32; r];
        let mut allowed: Vec<Vec<u32>> = vec![Vec::new(); c];
        for (i, &cell) in cells.iter().enumerate() {
            let (ci, ri) = (i / r, i % r);
            match cell {
                0..25 => {}
                25..35 if demand[ci] > 0 => {
                    demand[ci] -= 1;
                    preload[ri] += 1;
                }
                _ => allowed[ci].push(ri as u32),
            }
        }
        let fast = super::flow::balanced(&demand, &allowed, &preload, c as u32);
        let slow = super::flow::balanced_from_one(&demand, &allowed, &preload, c as u32);
        prop_assert_eq!(fast.complete, slow.complete);
        let ends = |loads: &[u32]| (loads.iter().min().copied(), loads.iter().max().copied());
        prop_assert_eq!(ends(&fast.loads), ends(&slow.loads));
        for (ci, chosen) in fast.chosen.iter().enumerate() {
            prop_assert!(chosen.iter().all(|x| allowed[ci].contains(x)));
            prop_assert!(chosen.len() as u32 <= demand[ci]);
        }
    }

    #[test]
    fn a_swap_keeps_the_assignment_valid(round in small_round(), pick in any::<(u8, u8)>()) {
        let Ok(a) = assign(&round.request()) else { return Ok(()) };
        if a.pairs.is_empty() {
            return Ok(());
        }
        let (community, from) = a.pairs[usize::from(pick.0) % a.pairs.len()];
        let to = round.reviewers[usize::from(pick.1) % round.reviewers.len()];
        match swap(&a.pairs, community, from, to, &round.conflicts) {
            Ok(s) => {
                prop_assert_eq!(s.pairs.len(), a.pairs.len());
                prop_assert!(s.pairs.contains(&(community, to)) && !s.pairs.contains(&(community, from)));
                prop_assert!(!round.conflicts.contains(&(community, to)));
                prop_assert_eq!(s.from_load + 1, a.pairs.iter().filter(|p| p.1 == from).count());
                prop_assert_eq!(s.to_load, a.pairs.iter().filter(|p| p.1 == to).count() + 1);
            }
            Err(SwapError::SameReviewer { .. }) => prop_assert_eq!(from, to),
            Err(SwapError::Conflict { .. }) => prop_assert!(round.conflicts.contains(&(community, to))),
            Err(SwapError::AlreadyAssigned { .. }) => prop_assert!(a.pairs.contains(&(community, to))),
            Err(e) => prop_assert!(false, "unexpected {}", e),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cut

fn cut_case() -> impl Strategy<Value = (Vec<(i32, Score)>, Cut, i64)> {
    let total = prop_oneof![
        // Coarse totals: many ties.
        (0i128..=40).prop_map(|q| Score::from_hundredths(q * 250)),
        // Means of three reviewers' totals.
        (0i128..=30_000).prop_map(|s| Score::mean_of_hundredths(s, 3)),
    ];
    let rule = prop_oneof![
        (0i64..=40).prop_map(|count| Cut::Top { count }),
        (0i64..=3).prop_map(|factor| Cut::TopAwardPlaces { factor }),
        (0i64..=200).prop_map(|half| Cut::Minimum { score: Decimal::new(half * 5, 1) }),
    ];
    (proptest::collection::vec(total, 0..40), rule, 0i64..=12).prop_map(|(totals, rule, places)| {
        let totals = totals.into_iter().enumerate().map(|(i, t)| (100 + 3 * i as i32, t)).collect();
        (totals, rule, places)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_cut_never_splits_a_tie((totals, rule, award_places) in cut_case()) {
        let outcome = cut(&totals, &rule, award_places).unwrap();
        let n = totals.len();
        prop_assert_eq!(outcome.ranking.len(), n);
        prop_assert!(outcome.ranking.windows(2).all(|w| w[0].total >= w[1].total));
        prop_assert!(outcome.ranking.iter().enumerate().all(|(i, e)| e.passes == (i < outcome.passed)));
        if let Some(&last) = outcome.passing().last() {
            // Everyone tied with the last one passes; nobody below it does.
            for e in &outcome.ranking {
                prop_assert_eq!(e.passes, e.total >= last.total, "{:?} vs {:?}", e, last);
            }
            prop_assert_eq!(outcome.line, Some((last.rank, last.total)));
        } else {
            prop_assert_eq!(outcome.line, None);
        }
        match rule {
            Cut::Minimum { score } => {
                let minimum = Score::from_decimal(score);
                for e in &outcome.ranking {
                    prop_assert_eq!(e.passes, e.total >= minimum);
                }
                prop_assert_eq!(outcome.by_tie, 0);
            }
            Cut::Top { .. } | Cut::TopAwardPlaces { .. } => {
                let places = match rule {
                    Cut::Top { count } => count,
                    Cut::TopAwardPlaces { factor } => factor * award_places,
                    Cut::Minimum { .. } => unreachable!(),
                } as usize;
                prop_assert_eq!(outcome.passed - outcome.by_tie, places.min(n));
                if places > 0 && places < n {
                    let at_cut = outcome.ranking[places - 1].total;
                    prop_assert_eq!(outcome.by_tie, outcome.ranking[places..].iter().filter(|e| e.total == at_cut).count());
                }
            }
        }
        // Ranks: 1-based, shared by equal totals, otherwise the position.
        for (i, e) in outcome.ranking.iter().enumerate() {
            let first_equal = outcome.ranking.iter().position(|x| x.total == e.total).unwrap();
            prop_assert_eq!(e.rank, first_equal + 1, "{}", i);
        }
    }

    #[test]
    fn the_cut_ignores_input_order(
        ((totals, rule, places), shuffled) in cut_case().prop_flat_map(|case| {
            let shuffled = Just(case.0.clone()).prop_shuffle();
            (Just(case), shuffled)
        })
    ) {
        prop_assert_eq!(cut(&totals, &rule, places), cut(&shuffled, &rule, places));
    }
}

// ---------------------------------------------------------------------------------------------
// Schedule

/// A presentation day: rooms with disjoint reviewers, communities, conflicts, a clock.
#[derive(Clone, Debug)]
struct DayCase {
    rooms: Vec<Room>,
    communities: Vec<i32>,
    conflicts: Vec<(i32, i32)>,
    timing: Timing,
}

impl DayCase {
    fn day(&self) -> Day<'_> {
        Day { rooms: &self.rooms, conflicts: &self.conflicts, timing: &self.timing }
    }
}

fn hm(minutes: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap()
}

fn minutes(t: NaiveTime) -> u32 {
    t.num_seconds_from_midnight() / 60
}

fn timing_strategy() -> impl Strategy<Value = Timing> {
    (10u32..=40, 0u32..=15, 1u32..=2, 8u32..=10, proptest::collection::vec((0u32..120, 5u32..=60), 0..=2)).prop_map(
        |(slot, change, hours, start, breaks)| {
            let start_min = start * 60;
            Timing {
                start: hm(start_min),
                slot_minutes: slot,
                changeover_minutes: change.min(slot - 1),
                day_hours: hours,
                breaks: breaks.into_iter().map(|(at, len)| (hm(start_min + at), hm(start_min + at + len))).collect(),
            }
        },
    )
}

fn day_case() -> impl Strategy<Value = DayCase> {
    (1usize..=3, 0usize..=7, timing_strategy())
        .prop_flat_map(|(m, c, timing)| {
            (
                Just(m),
                Just(c),
                Just(timing),
                proptest::collection::vec(1usize..=2, m),
                proptest::collection::vec(0u8..100, c * 6),
            )
        })
        .prop_map(|(m, c, timing, sizes, cells)| {
            let rooms: Vec<Room> = (0..m)
                .map(|i| Room { id: 7 - i as i32, reviewers: (0..sizes[i]).map(|j| (10 * i + j) as i32).collect() })
                .collect();
            let reviewers: Vec<i32> = rooms.iter().flat_map(|r| r.reviewers.clone()).collect();
            let communities: Vec<i32> = (0..c as i32).map(|x| 500 - 11 * x).collect();
            let mut conflicts = Vec::new();
            for (i, &community) in communities.iter().enumerate() {
                for (j, &reviewer) in reviewers.iter().enumerate() {
                    if cells[i * 6 + j] < 25 {
                        conflicts.push((community, reviewer));
                    }
                }
            }
            DayCase { rooms, communities, conflicts, timing }
        })
}

fn allowed_rooms(case: &DayCase, community: i32) -> Vec<i32> {
    case.rooms
        .iter()
        .filter(|r| r.reviewers.iter().all(|&x| !case.conflicts.contains(&(community, x))))
        .map(|r| r.id)
        .collect()
}

/// The smallest (largest − smallest room count) over every placement within `per_room` slots
/// per room; `None` when nothing fits.
fn brute_force_rooms(case: &DayCase, per_room: usize) -> Option<usize> {
    let ids: Vec<i32> = case.rooms.iter().map(|r| r.id).collect();
    let options: Vec<Vec<usize>> = case
        .communities
        .iter()
        .map(|&c| allowed_rooms(case, c).iter().map(|id| ids.iter().position(|x| x == id).unwrap()).collect())
        .collect();
    fn walk(options: &[Vec<usize>], counts: &mut Vec<usize>, cap: usize, best: &mut Option<usize>) {
        let Some((first, rest)) = options.split_first() else {
            let spread = counts.iter().max().unwrap() - counts.iter().min().unwrap();
            *best = Some(best.map_or(spread, |b| b.min(spread)));
            return;
        };
        for &m in first {
            if counts[m] < cap {
                counts[m] += 1;
                walk(rest, counts, cap, best);
                counts[m] -= 1;
            }
        }
    }
    let mut best = None;
    walk(&options, &mut vec![0; ids.len()], per_room, &mut best);
    best
}

/// The promises of every schedule: each community once, no conflict, slot times from the
/// clock, no overlap within a room, no slot in a break, everything within the day.
fn check_schedule(case: &DayCase, slots: &[Slot]) -> Result<(), TestCaseError> {
    prop_assert_eq!(schedule::check(&case.day(), slots).unwrap(), []);
    let times = case.timing.slot_times().unwrap();
    let mut seen: Vec<i32> = slots.iter().map(|s| s.community).collect();
    seen.sort_unstable();
    let mut expected = case.communities.clone();
    expected.sort_unstable();
    prop_assert_eq!(seen, expected);
    let day_start = minutes(case.timing.start);
    let day_end = day_start + 60 * case.timing.day_hours;
    let talk = case.timing.slot_minutes - case.timing.changeover_minutes;
    let mut by_room: BTreeMap<i32, Vec<&Slot>> = BTreeMap::new();
    for s in slots {
        prop_assert!(allowed_rooms(case, s.community).contains(&s.room), "conflict: {:?}", s);
        prop_assert!(s.index < times.len());
        prop_assert_eq!(
            (s.start, s.end, s.next_start),
            (times[s.index].start, times[s.index].end, times[s.index].next_start)
        );
        let (a, e, b) = (minutes(s.start), minutes(s.end), minutes(s.next_start));
        prop_assert_eq!(e, a + talk);
        prop_assert_eq!(b, a + case.timing.slot_minutes);
        prop_assert!(a >= day_start && b <= day_end, "outside the day: {:?}", s);
        for &(bs, be) in &case.timing.breaks {
            prop_assert!(b <= minutes(bs) || a >= minutes(be), "{:?} runs into the break {}-{}", s, bs, be);
        }
        by_room.entry(s.room).or_default().push(s);
    }
    for list in by_room.values_mut() {
        list.sort_by_key(|s| s.index);
        for w in list.windows(2) {
            prop_assert!(w[0].index < w[1].index, "two in one slot");
            prop_assert!(w[0].next_start <= w[1].start, "overlap");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn schedules_keep_their_promises(case in day_case()) {
        let per_room = case.timing.slot_times().unwrap().len();
        let oracle = brute_force_rooms(&case, per_room);
        match schedule(&case.day(), &case.communities) {
            Ok(s) => {
                prop_assert_eq!(s.slots_per_room, per_room);
                check_schedule(&case, &s.slots)?;
                let counts: Vec<usize> =
                    case.rooms.iter().map(|r| s.slots.iter().filter(|x| x.room == r.id).count()).collect();
                let spread = counts.iter().max().unwrap() - counts.iter().min().unwrap();
                prop_assert_eq!(Some(spread), oracle, "not as even as possible");
                prop_assert_eq!(s.balanced, spread <= 1);
                // Within a room, community id order from position 0.
                for r in &case.rooms {
                    let here: Vec<&Slot> = s.slots.iter().filter(|x| x.room == r.id).collect();
                    prop_assert!(here.iter().enumerate().all(|(i, x)| x.index == i));
                    prop_assert!(here.windows(2).all(|w| w[0].community < w[1].community));
                }
            }
            Err(ScheduleError::TooMany { communities, capacity, .. }) => {
                prop_assert_eq!(communities, case.communities.len());
                prop_assert_eq!(capacity, per_room * case.rooms.len());
                prop_assert!(communities > capacity);
            }
            Err(ScheduleError::NoRoomFor { communities }) => {
                prop_assert!(!communities.is_empty());
                for c in communities {
                    prop_assert!(allowed_rooms(&case, c).is_empty());
                }
            }
            Err(ScheduleError::RoomsFull { communities, .. }) => {
                prop_assert!(!communities.is_empty());
                prop_assert_eq!(oracle, None, "a placement exists");
            }
            Err(e) => prop_assert!(false, "unexpected {}", e),
        }
    }

    #[test]
    fn schedules_ignore_input_order(
        (case, communities, conflicts, rooms) in day_case().prop_flat_map(|case| {
            let c = Just(case.communities.clone()).prop_shuffle();
            let x = Just(case.conflicts.clone()).prop_shuffle();
            let r = Just(case.rooms.clone()).prop_shuffle();
            (Just(case), c, x, r)
        })
    ) {
        let other = DayCase { rooms, communities, conflicts, timing: case.timing.clone() };
        prop_assert_eq!(schedule(&case.day(), &case.communities), schedule(&other.day(), &other.communities));
    }

    #[test]
    fn moves_swaps_and_retiming_keep_the_promises(case in day_case(), picks in any::<(u8, u8, u8, u8)>()) {
        let Ok(s) = schedule(&case.day(), &case.communities) else { return Ok(()) };
        if s.slots.is_empty() {
            return Ok(());
        }
        let day = case.day();
        let community = s.slots[usize::from(picks.0) % s.slots.len()].community;
        let room = case.rooms[usize::from(picks.1) % case.rooms.len()].id;
        let index = usize::from(picks.2) % (s.slots_per_room + 1);
        match move_slot(&day, &s.slots, community, room, index) {
            Ok(moved) => {
                check_schedule(&case, &moved)?;
                let slot = moved.iter().find(|x| x.community == community).unwrap();
                prop_assert_eq!((slot.room, slot.index), (room, index));
                let retimed = retime(&day, &moved, room)?;
                check_schedule(&case, &retimed)?;
                let here: Vec<usize> = retimed.iter().filter(|x| x.room == room).map(|x| x.index).collect();
                prop_assert_eq!(here, (0..retimed.iter().filter(|x| x.room == room).count()).collect::<Vec<_>>());
            }
            Err(ScheduleError::Conflict { .. }) => prop_assert!(!allowed_rooms(&case, community).contains(&room)),
            Err(ScheduleError::Occupied { community: other, .. }) => {
                prop_assert!(s.slots.iter().any(|x| x.room == room && x.index == index && x.community == other));
            }
            Err(ScheduleError::NoSuchSlot { .. }) => prop_assert_eq!(index, s.slots_per_room),
            Err(e) => prop_assert!(false, "unexpected {}", e),
        }
        let other = s.slots[usize::from(picks.3) % s.slots.len()].community;
        match swap_slots(&day, &s.slots, community, other) {
            Ok(swapped) => check_schedule(&case, &swapped)?,
            Err(ScheduleError::Conflict { community: c, room: r, .. }) => {
                prop_assert!(!allowed_rooms(&case, c).contains(&r));
            }
            Err(e) => prop_assert!(false, "unexpected {}", e),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rubric and statistics

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Richness is the exact scaled sum rounded half up, as allocation rounds (a cross-check
    /// of two independent roundings), within 0 … points, and never falls when a score rises.
    #[test]
    fn richness_is_the_exact_scaled_sum(
        (max, points, scores, bump) in (1i64..=10, 0i64..=60, 1usize..=10).prop_flat_map(|(max, points, n)| (
            Just(max),
            Just(points),
            proptest::collection::vec(0i64..=max * 100, n),
            0usize..n,
        ))
    ) {
        let decimals: Vec<Decimal> = scores.iter().map(|&h| Decimal::new(h, 2)).collect();
        let n = decimals.len();
        let got = richness(&decimals, n, max, points).unwrap();
        let sum: i128 = scores.iter().map(|&h| i128::from(h)).sum();
        let exact = Score::from_fraction(sum * i128::from(points), i128::from(n as i64 * max) * 100);
        prop_assert_eq!(got, exact.to_decimal_2dp());
        prop_assert!(got >= Decimal::ZERO && got <= Decimal::from(points));
        let mut higher = decimals.clone();
        higher[bump] = Decimal::from(max);
        prop_assert!(richness(&higher, n, max, points).unwrap() >= got);
    }

    /// Adding a constant to every total of one reviewer moves their leniency by exactly that
    /// constant and leaves their spread alone; the order of the totals never matters.
    #[test]
    fn leniency_moves_with_a_reviewers_scores(
        cells in proptest::collection::vec((0i32..6, 0i32..4, 0i64..=10_000), 1..30),
        shift in 0i64..=1_000,
        who in 0i32..4,
    ) {
        let mut seen = BTreeSet::new();
        let totals: Vec<ReviewerTotal> = cells
            .into_iter()
            .filter(|&(c, r, _)| seen.insert((c, r)))
            .map(|(community, reviewer, h)| ReviewerTotal { community, reviewer, total: Decimal::new(h, 2) })
            .collect();
        let settings = StatsSettings::default();
        let before = reviewer_stats(&totals, &settings).unwrap();
        let shifted: Vec<ReviewerTotal> = totals
            .iter()
            .map(|t| if t.reviewer == who { ReviewerTotal { total: t.total + Decimal::new(shift, 2), ..*t } } else { *t })
            .collect();
        let after = reviewer_stats(&shifted, &settings).unwrap();
        let find = |s: &GroupStats| s.reviewers.iter().find(|r| r.reviewer == who).cloned();
        if let (Some(b), Some(a)) = (find(&before), find(&after)) {
            prop_assert_eq!(a.spread, b.spread);
            prop_assert_eq!(a.shared, b.shared);
            match (a.leniency, b.leniency) {
                (Some(la), Some(lb)) => {
                    let moved = lb.checked_add(Score::from_hundredths(i128::from(shift))).unwrap();
                    prop_assert_eq!(la, moved);
                }
                (None, None) => {}
                other => prop_assert!(false, "{:?}", other),
            }
        }
        let mut reversed = totals.clone();
        reversed.reverse();
        prop_assert_eq!(reviewer_stats(&reversed, &settings).unwrap(), before);
    }
}
