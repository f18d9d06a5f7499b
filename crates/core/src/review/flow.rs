//! Balanced bipartite assignment by maximum flow: the engine under [`assign`](mod@super::assign)
//! (communities to reviewers) and [`schedule`](mod@super::schedule) (communities to rooms).
//!
//! The network is source → left node (capacity: its demand) → right node (capacity 1 per
//! allowed pair) → sink (capacity: the right node's cap). Dinic's algorithm finds a maximum
//! flow, so an assignment is found whenever one exists, which a greedy pass does not promise
//! (a greedy choice early on can use up the only reviewer a later community could have).
//!
//! Balance comes from raising the caps one unit at a time ("water filling"): first every right
//! node may take 1, the flow is maximised; then 2, and so on. An augmenting path never passes
//! through the sink in its middle, so it never lowers the flow on a right → sink edge: a load
//! reached at one cap is kept at every later one. Hence:
//!
//! - the final maximum load is the smallest possible (at cap `t - 1` the maximum flow was not
//!   enough, so no complete assignment keeps every load at `t - 1` or below, preloads above
//!   that apart);
//! - every right node ends with at least the smallest load that any complete assignment gives
//!   to every node (at that cap the flow of such an assignment saturates every right → sink
//!   edge, so the maximum flow does too, and loads never drop afterwards).
//!
//! So when an assignment with loads that differ by at most one exists, the result is one; when
//! none exists, the result is still the best on both ends.
//!
//! Everything is deterministic: nodes and edges are visited in the order the caller gives.

/// The result of [`balanced`].
pub(super) struct Matching {
    /// For each left node, the right nodes it got, in increasing index order.
    pub chosen: Vec<Vec<u32>>,
    /// For each right node, its load: its preload plus the left nodes it got.
    pub loads: Vec<u32>,
    /// Whether every left node got its whole demand.
    pub complete: bool,
}

/// Assigns each left node `demand[i]` distinct right nodes among `allowed[i]` (right indices,
/// tried in that order), each right node taking at most `max_load` in all, `preload[r]`
/// included, with loads as even as possible (see the [module documentation](self)).
pub(super) fn balanced(demand: &[u32], allowed: &[Vec<u32>], preload: &[u32], max_load: u32) -> Matching {
    debug_assert_eq!(demand.len(), allowed.len());
    let needed: u64 = demand.iter().map(|&d| u64::from(d)).sum();
    // Shortcut: start at the even share `e = ⌊all loads / right nodes⌋` rather than at 1. No
    // complete assignment has a smallest load above `e` or every load below `e` (either way
    // it would miss the average). So if every right node is full at cap `e`, every load is
    // already as high as the smallest can be, and raising the caps one at a time from there
    // still stops at the smallest possible maximum. If some right node is not full, the flow
    // may have given its share to others: start again from a cap of 1.
    if !preload.is_empty() {
        let all: u64 = needed + preload.iter().map(|&p| u64::from(p)).sum::<u64>();
        let even = u32::try_from(all / preload.len() as u64).unwrap_or(u32::MAX).min(max_load);
        if even > 1 {
            let mut net = Network::new(demand, allowed, preload.len());
            for (r, &pre) in preload.iter().enumerate() {
                net.set_sink_cap(r, even.saturating_sub(pre));
            }
            let flow = net.max_flow();
            if (0..preload.len()).all(|r| net.sink_full(r)) {
                return water_fill(net, flow, needed, allowed, preload, even, max_load);
            }
        }
    }
    let net = Network::new(demand, allowed, preload.len());
    water_fill(net, 0, needed, allowed, preload, 0, max_load)
}

/// [`balanced`] without its shortcut: water filling from a cap of 1 (the reference the
/// shortcut is tested against).
#[cfg(test)]
pub(super) fn balanced_from_one(demand: &[u32], allowed: &[Vec<u32>], preload: &[u32], max_load: u32) -> Matching {
    let needed: u64 = demand.iter().map(|&d| u64::from(d)).sum();
    water_fill(Network::new(demand, allowed, preload.len()), 0, needed, allowed, preload, 0, max_load)
}

/// Raises the caps from `cap + 1` up to `max_load`, one at a time, maximising the flow at each,
/// until `needed` units flow.
fn water_fill(
    mut net: Network,
    mut flow: u64,
    needed: u64,
    allowed: &[Vec<u32>],
    preload: &[u32],
    mut cap: u32,
    max_load: u32,
) -> Matching {
    while flow < needed && cap < max_load {
        cap += 1;
        let mut raised = false;
        for (r, &pre) in preload.iter().enumerate() {
            raised |= net.set_sink_cap(r, cap.saturating_sub(pre));
        }
        if !raised {
            continue;
        }
        flow += net.max_flow();
        // When no right node is full, the sink edges are not what limits the flow: raising
        // them further cannot help.
        if flow < needed && !(0..preload.len()).any(|r| net.sink_full(r)) {
            break;
        }
    }
    let chosen = net.chosen(allowed);
    let loads = preload.iter().enumerate().map(|(r, &pre)| pre + net.sink_flow(r)).collect();
    Matching { chosen, loads, complete: flow == needed }
}

/// A flow network in compressed adjacency form. Edge `e`'s reverse is `e ^ 1`.
struct Network {
    left: usize,
    right: usize,
    /// Head of each edge.
    to: Vec<u32>,
    /// Residual capacity of each edge.
    cap: Vec<u32>,
    /// Total capacity each right → sink edge has been given (its flow is this minus `cap`).
    sink_total: Vec<u32>,
    /// Edges of node `v` are `adj[start[v]..start[v + 1]]`.
    start: Vec<usize>,
    adj: Vec<u32>,
    /// Index of the first left → right edge of each left node (they are consecutive).
    first_pair: Vec<u32>,
    /// Index of each right → sink edge.
    sink_edge: Vec<u32>,
    level: Vec<u32>,
    next: Vec<usize>,
}

const UNSEEN: u32 = u32::MAX;

impl Network {
    fn source(&self) -> usize {
        0
    }

    fn sink(&self) -> usize {
        self.left + self.right + 1
    }

    fn new(demand: &[u32], allowed: &[Vec<u32>], right: usize) -> Network {
        let left = demand.len();
        let nodes = left + right + 2;
        let sink = (left + right + 1) as u32;
        let pairs: usize = allowed.iter().map(Vec::len).sum();
        let edges = 2 * (left + pairs + right);
        assert!(u32::try_from(edges).is_ok() && u32::try_from(nodes).is_ok(), "at most 2^32 edges");
        let mut to = Vec::with_capacity(edges);
        let mut cap = Vec::with_capacity(edges);
        let mut from = Vec::with_capacity(edges);
        let mut add = |a: u32, b: u32, c: u32| -> u32 {
            let e = to.len() as u32;
            to.extend([b, a]);
            cap.extend([c, 0]);
            from.extend([a, b]);
            e
        };
        for (i, &d) in demand.iter().enumerate() {
            add(0, 1 + i as u32, d);
        }
        // The left → right edges come after the `left` source edges, left node by left node.
        let mut first_pair = Vec::with_capacity(left);
        let mut next_pair = 2 * left;
        for (i, rights) in allowed.iter().enumerate() {
            first_pair.push(next_pair as u32);
            next_pair += 2 * rights.len();
            for &r in rights {
                debug_assert!((r as usize) < right);
                add(1 + i as u32, 1 + (left as u32) + r, 1);
            }
        }
        let sink_edge: Vec<u32> = (0..right).map(|r| add(1 + (left + r) as u32, sink, 0)).collect();

        // Compressed adjacency: each node's edges in the order they were added.
        let mut start = vec![0usize; nodes + 1];
        for &a in &from {
            start[a as usize + 1] += 1;
        }
        for v in 0..nodes {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut adj = vec![0u32; from.len()];
        for (e, &a) in from.iter().enumerate() {
            adj[fill[a as usize]] = e as u32;
            fill[a as usize] += 1;
        }
        Network {
            left,
            right,
            to,
            cap,
            sink_total: vec![0; right],
            start,
            adj,
            first_pair,
            sink_edge,
            level: vec![UNSEEN; nodes],
            next: vec![0; nodes],
        }
    }

    /// Gives right node `r`'s sink edge a total capacity of `total` if that is more than it has;
    /// says whether it changed.
    fn set_sink_cap(&mut self, r: usize, total: u32) -> bool {
        let old = self.sink_total[r];
        if total <= old {
            return false;
        }
        self.cap[self.sink_edge[r] as usize] += total - old;
        self.sink_total[r] = total;
        true
    }

    fn sink_flow(&self, r: usize) -> u32 {
        self.sink_total[r] - self.cap[self.sink_edge[r] as usize]
    }

    fn sink_full(&self, r: usize) -> bool {
        self.cap[self.sink_edge[r] as usize] == 0
    }

    /// The right nodes each left node got, in increasing order.
    fn chosen(&self, allowed: &[Vec<u32>]) -> Vec<Vec<u32>> {
        allowed
            .iter()
            .enumerate()
            .map(|(i, rights)| {
                let first = self.first_pair[i] as usize;
                let mut got: Vec<u32> =
                    rights.iter().enumerate().filter(|(k, _)| self.cap[first + 2 * k] == 0).map(|(_, &r)| r).collect();
                got.sort_unstable();
                got
            })
            .collect()
    }

    /// Levels by breadth-first search over edges with residual capacity; whether the sink is
    /// reached.
    fn levels(&mut self) -> bool {
        self.level.fill(UNSEEN);
        let (s, t) = (self.source(), self.sink());
        self.level[s] = 0;
        let mut queue = std::collections::VecDeque::with_capacity(self.level.len());
        queue.push_back(s);
        while let Some(v) = queue.pop_front() {
            for &e in &self.adj[self.start[v]..self.start[v + 1]] {
                let w = self.to[e as usize] as usize;
                if self.cap[e as usize] > 0 && self.level[w] == UNSEEN {
                    self.level[w] = self.level[v] + 1;
                    if w == t {
                        return true;
                    }
                    queue.push_back(w);
                }
            }
        }
        false
    }

    /// Dinic's algorithm from the current flow: the flow it adds.
    fn max_flow(&mut self) -> u64 {
        let mut added = 0;
        while self.levels() {
            let nodes = self.next.len();
            self.next.copy_from_slice(&self.start[..nodes]);
            while let Some(pushed) = self.augment() {
                added += u64::from(pushed);
            }
        }
        added
    }

    /// Finds one path in the level graph (depth first, without recursion, with each node's
    /// current edge kept between searches) and pushes its bottleneck along it.
    fn augment(&mut self) -> Option<u32> {
        let (s, t) = (self.source(), self.sink());
        let mut path: Vec<u32> = Vec::new();
        let mut v = s;
        loop {
            if v == t {
                let pushed = path.iter().map(|&e| self.cap[e as usize]).min().unwrap_or(0);
                for &e in &path {
                    self.cap[e as usize] -= pushed;
                    self.cap[(e ^ 1) as usize] += pushed;
                }
                return Some(pushed);
            }
            let end = self.start[v + 1];
            let mut step = None;
            while self.next[v] < end {
                let e = self.adj[self.next[v]];
                let w = self.to[e as usize] as usize;
                if self.cap[e as usize] > 0 && self.level[w] == self.level[v] + 1 {
                    step = Some((e, w));
                    break;
                }
                self.next[v] += 1;
            }
            match step {
                Some((e, w)) => {
                    path.push(e);
                    v = w;
                }
                None => {
                    // A dead end: retreat and skip the edge that led here.
                    let e = path.pop()?;
                    v = self.to[(e ^ 1) as usize] as usize;
                    self.next[v] += 1;
                }
            }
        }
    }
}
