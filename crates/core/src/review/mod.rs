//! The review's pure algorithms (SPEC §5, issue 5): who reviews what, who goes on to the next
//! round, when each advanced community presents, how rubric indicators become a richness
//! score, and how each reviewer compares with the others. No I/O; the server stores the
//! inputs and results and calls these.
//!
//! - [`assign`](mod@assign): reviewers to communities for a round — every community gets the
//!   round's number of reviewers, conflicts are respected, loads are balanced (no reviewer
//!   more than one above another whenever that is possible), and the same input gives the
//!   same assignment; [`assign::swap`] replaces one reviewer.
//! - [`cut`](mod@cut): the plan's cut between rounds, with every community tied at the cut
//!   passing.
//! - [`schedule`](mod@schedule): the advanced track's presentation day — communities to rooms
//!   and slots, balanced, respecting conflicts, around breaks; moves, swaps, re-timing, and a
//!   check of an existing schedule against conflicts declared since.
//! - [`rubric`]: indicator scores scaled to the richness points.
//! - [`stats`]: per reviewer mean, spread and leniency against the other reviewers.
//!
//! Like [`allocation`](crate::allocation), everything is exact (scores are
//! [`Decimal`](rust_decimal::Decimal)s with at most two decimals or exact
//! [`Score`](crate::allocation::Score) fractions, never floats) and deterministic (input order
//! never matters; ties are broken by id). Errors carry the ids involved and read in zh-TW
//! (`message_zh`) and English (`Display`).

pub mod assign;
pub mod cut;
mod flow;
pub mod rubric;
pub mod schedule;
pub mod stats;

pub use assign::{
    AssignError, AssignProblem, AssignRequest, Assignment, Imbalance, ReviewerLoad, SwapError, Swapped, assign, swap,
};
pub use cut::{CutBasis, CutEntry, CutError, CutOutcome, cut};
pub use rubric::{RubricError, check_indicator, completeness_differs, richness};
pub use schedule::{
    Day, Room, Schedule, ScheduleError, Slot, SlotTime, Timing, check as check_schedule, move_slot, retime, schedule,
    swap_slots,
};
pub use stats::{GroupStats, Lean, ReviewerStats, ReviewerTotal, StatsError, StatsSettings, reviewer_stats};

#[cfg(test)]
mod proptests;

/// A deterministic pseudo-random sequence for test instances (64-bit LCG, high bits):
/// `next(bound)` is in `0..bound`.
#[cfg(test)]
fn lcg(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut state = seed;
    move |bound| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    }
}
