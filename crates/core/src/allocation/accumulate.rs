//! Gathering the score entries per community: its last round and, per criterion, the sum and
//! count of that round's scores.
//!
//! At national scale (1.5M entries, in any order) the cost is memory access, not arithmetic:
//! a hash map of 100,000 communities and their sums, looked up in file order, misses the
//! caches on almost every entry when the file is not sorted by community. So a first pass
//! splits the entries, by a hash of (group, community), into partitions of a few thousand
//! (8-byte records, in file order), and a second pass gathers each partition with a small map
//! that stays in cache. Every community falls in exactly one partition, and sums of integers
//! do not depend on their order, so neither does the result.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use rust_decimal::{Decimal, RoundingStrategy};

use super::{ScoreEntry, SelectionRules};

/// One group's gathered scores. Communities are in no particular order (callers sort).
pub(super) struct GroupAcc {
    /// Number of criteria of the group.
    pub width: usize,
    /// Community codes, one per slot.
    pub communities: Vec<String>,
    /// Last round of each slot.
    pub rounds: Vec<u32>,
    /// `width` sums per slot, in hundredths of a point, of the slot's last round.
    pub sums: Vec<i128>,
    /// `width` counts per slot: how many scores each sum is of.
    pub counts: Vec<u32>,
}

impl GroupAcc {
    fn new(width: usize) -> GroupAcc {
        GroupAcc { width, communities: Vec::new(), rounds: Vec::new(), sums: Vec::new(), counts: Vec::new() }
    }

    fn new_slot(&mut self, community: String, round: u32) -> u32 {
        let slot = self.communities.len() as u32;
        self.communities.push(community);
        self.rounds.push(round);
        self.sums.resize(self.sums.len() + self.width, 0);
        self.counts.resize(self.counts.len() + self.width, 0);
        slot
    }

    fn add(&mut self, slot: usize, round: u32, criterion: usize, hundredths: i128) {
        let width = self.width;
        let cell = slot * width + criterion;
        match round.cmp(&self.rounds[slot]) {
            Ordering::Less => {}
            Ordering::Equal => {
                self.sums[cell] += hundredths;
                self.counts[cell] += 1;
            }
            Ordering::Greater => {
                // A later round: what was gathered for earlier rounds no longer counts.
                self.rounds[slot] = round;
                let row = slot * width..(slot + 1) * width;
                self.sums[row.clone()].fill(0);
                self.counts[row].fill(0);
                self.sums[cell] = hundredths;
                self.counts[cell] = 1;
            }
        }
    }
}

/// Hundredths of a point, rounding a score with more than two decimals half up.
pub(super) fn hundredths(score: Decimal) -> i128 {
    let scale = score.scale();
    if scale <= 2 {
        score.mantissa() * 10i128.pow(2 - scale)
    } else {
        hundredths(score.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }
}

/// A fast hasher for short keys: a folded multiply per 8 bytes. Not resistant to crafted
/// collisions; the keys come from the office's own scores file.
#[derive(Default, Clone, Copy)]
struct FoldHasher(u64);

impl FoldHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        let p = u128::from(self.0 ^ word) * 0x9E37_79B9_7F4A_7C15;
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }
}

impl Hasher for FoldHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        self.mix(u64::from_le_bytes(last) ^ ((bytes.len() as u64) << 56));
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i).rotate_right(8));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FoldHasher>>;

/// A community code of up to 15 bytes packed into two words (zero-padded, the length in the
/// last byte), so that comparing and hashing it is two words.
fn pack(code: &str) -> Option<(u64, u64)> {
    let bytes = code.as_bytes();
    if bytes.len() > 15 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..bytes.len()].copy_from_slice(bytes);
    buf[15] = bytes.len() as u8;
    let mut lo = [0u8; 8];
    let mut hi = [0u8; 8];
    lo.copy_from_slice(&buf[..8]);
    hi.copy_from_slice(&buf[8..]);
    Some((u64::from_le_bytes(lo), u64::from_le_bytes(hi)))
}

/// `hi` of a record to be read from its entry: its community code is longer than 15 bytes, or
/// its score does not fit in `hundredths`.
const FROM_ENTRY: u64 = u64::MAX;

/// One entry, compacted to 32 bytes without pointers, so that gathering a partition never
/// goes back to the entries (random access to them is what is slow).
#[derive(Clone, Copy)]
struct Rec {
    /// Packed community code, or `hi` = [`FROM_ENTRY`].
    lo: u64,
    hi: u64,
    /// Score in hundredths of a point.
    hundredths: i32,
    round: u32,
    /// Index of the entry.
    entry: u32,
    group: u16,
    criterion: u16,
}

/// The code packed by [`pack`].
fn unpack(lo: u64, hi: u64) -> String {
    let mut buf = [0u8; 16];
    buf[..8].copy_from_slice(&lo.to_le_bytes());
    buf[8..].copy_from_slice(&hi.to_le_bytes());
    let len = usize::from(buf[15]).min(15);
    // Packed from a `str`, cut at its end: always valid UTF-8.
    String::from_utf8_lossy(&buf[..len]).into_owned()
}

/// A map key: a group and a community code.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key<'a> {
    group: u16,
    code: Code<'a>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Code<'a> {
    Packed(u64, u64),
    Long(&'a str),
}

impl<'a> Key<'a> {
    fn new(group: u16, community: &'a str) -> Key<'a> {
        let code = match pack(community) {
            Some((lo, hi)) => Code::Packed(lo, hi),
            None => Code::Long(community),
        };
        Key { group, code }
    }
}

impl Hash for Key<'_> {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from(self.group));
        match self.code {
            Code::Packed(lo, hi) => {
                state.write_u64(lo);
                state.write_u64(hi);
            }
            Code::Long(code) => state.write(code.as_bytes()),
        }
    }
}

fn hash_of(key: &Key<'_>) -> u64 {
    let mut h = FoldHasher::default();
    key.hash(&mut h);
    h.finish()
}

/// How many partitions (log2) for `n` entries: about 4,096 records each, at most 1,024.
pub(super) fn default_partitions_log2(n: usize) -> u32 {
    (n / 4096).max(1).next_power_of_two().trailing_zeros().min(10)
}

/// Gathers `entries` per group of `rules` (same order as `rules.groups`), in
/// `2^partitions_log2` partitions. Entries of an unknown group or of a criterion that is not
/// their group's are skipped.
///
/// # Panics
///
/// If there are 2^32 entries or more, or 2^16 groups or criteria of a group or more.
pub(super) fn accumulate<'a>(
    rules: &'a SelectionRules,
    entries: &'a [ScoreEntry],
    partitions_log2: u32,
) -> Vec<GroupAcc> {
    assert!(u32::try_from(entries.len()).is_ok(), "at most 2^32 - 1 score entries");
    assert!(
        rules.groups.len() <= usize::from(u16::MAX)
            && rules.groups.iter().all(|g| g.criteria.len() <= usize::from(u16::MAX)),
        "at most 65,535 groups, and criteria per group"
    );
    let group_index: FastMap<&str, usize> = rules
        .groups
        .iter()
        .enumerate()
        .rev() // the first group wins if ids repeat
        .map(|(i, g)| (g.id.as_str(), i))
        .collect();
    let criteria: Vec<Vec<&str>> =
        rules.groups.iter().map(|g| g.criteria.iter().map(|c| c.id.as_str()).collect()).collect();
    let mut accs: Vec<GroupAcc> = criteria.iter().map(|c| GroupAcc::new(c.len())).collect();

    // Pass 1: compact records, split into partitions by a hash of (group, community).
    let parts_n = 1usize << partitions_log2;
    let mask = parts_n as u64 - 1;
    let per_part = entries.len() / parts_n;
    let mut parts: Vec<Vec<Rec>> = (0..parts_n).map(|_| Vec::with_capacity(per_part + per_part / 8)).collect();
    // Rows usually come community by community: remember the last group and community.
    let mut last_group: Option<(&str, usize)> = None;
    let mut last_code: Option<(usize, &str, u64, u64, usize)> = None;
    for (i, entry) in entries.iter().enumerate() {
        let gi = match last_group {
            Some((id, gi)) if id == entry.group => gi,
            _ => match group_index.get(entry.group.as_str()) {
                Some(&gi) => {
                    last_group = Some((entry.group.as_str(), gi));
                    gi
                }
                None => continue,
            },
        };
        let Some(ci) = criteria[gi].iter().position(|c| *c == entry.criterion) else {
            continue;
        };
        let (mut lo, mut hi, part) = match last_code {
            Some((g, code, lo, hi, part)) if g == gi && code == entry.community => (lo, hi, part),
            _ => {
                let key = Key::new(gi as u16, &entry.community);
                let (lo, hi) = match key.code {
                    Code::Packed(lo, hi) => (lo, hi),
                    Code::Long(_) => (0, FROM_ENTRY),
                };
                // Bits 32.. choose the partition; the maps use the low and the top bits.
                let part = ((hash_of(&key) >> 32) & mask) as usize;
                last_code = Some((gi, &entry.community, lo, hi, part));
                (lo, hi, part)
            }
        };
        let hundredths = match i32::try_from(hundredths(entry.score)) {
            Ok(h) => h,
            Err(_) => {
                (lo, hi) = (0, FROM_ENTRY);
                0
            }
        };
        parts[part].push(Rec {
            lo,
            hi,
            hundredths,
            round: entry.round,
            entry: i as u32,
            group: gi as u16,
            criterion: ci as u16,
        });
    }

    // Pass 2: gather each partition with a map that fits in cache.
    let mut map: FastMap<Key<'a>, u32> = FastMap::default();
    for part in parts {
        map.clear();
        let mut last: Option<(Key<'a>, u32)> = None;
        for rec in &part {
            let (key, h) = if rec.hi == FROM_ENTRY {
                let entry = &entries[rec.entry as usize];
                (Key::new(rec.group, &entry.community), hundredths(entry.score))
            } else {
                let key = Key { group: rec.group, code: Code::Packed(rec.lo, rec.hi) };
                (key, i128::from(rec.hundredths))
            };
            let acc = &mut accs[usize::from(rec.group)];
            let slot = match last {
                Some((k, slot)) if k == key => slot,
                _ => {
                    let slot = *map.entry(key).or_insert_with(|| {
                        let code = match key.code {
                            Code::Packed(lo, hi) => unpack(lo, hi),
                            Code::Long(code) => code.to_owned(),
                        };
                        acc.new_slot(code, rec.round)
                    });
                    last = Some((key, slot));
                    slot
                }
            };
            acc.add(slot as usize, rec.round, usize::from(rec.criterion), h);
        }
    }
    accs
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn packing_round_trips() {
        for code in ["", "a", "C000001", "國小-01", "123456789012345"] {
            let (lo, hi) = pack(code).unwrap();
            assert_eq!(unpack(lo, hi), code);
        }
    }

    #[test]
    fn packing_keeps_codes_apart() {
        assert_eq!(pack("ab"), pack("ab"));
        assert_ne!(pack("ab"), pack("ab\0"));
        assert_ne!(pack(""), pack("\0"));
        assert!(pack("123456789012345").is_some());
        assert!(pack("1234567890123456").is_none());
        assert_ne!(pack("12345678A"), pack("12345678B"));
    }

    #[test]
    fn hundredths_conversion() {
        let dec = |s| Decimal::from_str(s).unwrap();
        assert_eq!(hundredths(dec("88")), 8800);
        assert_eq!(hundredths(dec("88.2")), 8820);
        assert_eq!(hundredths(dec("88.25")), 8825);
        assert_eq!(hundredths(dec("88.250")), 8825);
        assert_eq!(hundredths(dec("88.255")), 8826);
        assert_eq!(hundredths(dec("0")), 0);
        assert_eq!(hundredths(dec("-1.5")), -150);
    }

    #[test]
    fn partitions() {
        assert_eq!(default_partitions_log2(0), 0);
        assert_eq!(default_partitions_log2(10_000), 1);
        assert_eq!(default_partitions_log2(1_500_000), 9);
        assert_eq!(default_partitions_log2(usize::MAX / 2), 10);
    }
}
