//! What a lease service counted.

use std::fmt;

use crate::lease::engine::EngineStats;

use super::histogram::Histogram;
use super::StoreState;

/// A lease service's counters (and its engine's): what it held, committed, dropped
/// and why. Counters only grow; `held` and `pending_admissions` are the current
/// numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceStats {
    /// The engine's counters.
    pub engine: EngineStats,
    /// Replies held now until their lease is durable.
    pub held: usize,
    /// Requests held now for an admission verdict.
    pub pending_admissions: usize,
    /// Batches the store made durable.
    pub batches: u64,
    /// Lease changes the store made durable.
    pub changes: u64,
    /// Changes a shared store refused because another server got there first: each
    /// answered with a NAK (or silence).
    pub conflicts: u64,
    /// Changes a shared store could not settle (contention past its retries): each
    /// answered with a NAK (or silence), so the client tries again.
    pub contended: u64,
    /// Held replies dropped because their client had stopped waiting
    /// ([`ServiceConfig::max_reply_age`](super::ServiceConfig::max_reply_age)); their
    /// leases were kept.
    pub stale_replies: u64,
    /// REQUESTs left unanswered because the store was stalled or too many replies
    /// were held (the client retries).
    pub backlog_drops: u64,
    /// DISCOVERs from clients without an address left unanswered for the same reason.
    pub throttled_offers: u64,
    /// Store lookups started for clients of other servers.
    pub lookups: u64,
    /// REQUESTs from clients of other servers dropped over the lookup budget.
    pub lookups_dropped: u64,
    /// Requests ignored by the admission hook's verdict.
    pub denied: u64,
    /// Requests held for a verdict.
    pub deferred_admissions: u64,
    /// Retransmissions dropped while their request was held for a verdict.
    pub duplicate_admissions: u64,
    /// Requests dropped because their verdict did not come in time, or too many
    /// were held.
    pub dropped_admissions: u64,
    /// Records of the store at start-up whose address is on none of the subnets:
    /// left out, with a warning.
    pub stray_records: u64,
    /// How the store stands: up, journaling, down, not loaded yet.
    pub store: StoreState,
    /// Changes the store kept in its journal, its shared store unreachable, that a
    /// reply left on (the outage rules allowed them).
    pub journaled: u64,
    /// Leases taken back when a journal was written to the shared store after an
    /// outage (another server's lease of the address): refused at their next request.
    pub revoked: u64,
    /// Whether this server holds its claim on its share of the ranges in a shared
    /// store (always `false` for a server that keeps no claim).
    pub claim_held: bool,
    /// How long the store's commits took, in microseconds.
    pub commit_micros: Histogram<COMMIT_BUCKETS>,
    /// How many changes each committed batch held.
    pub batch_changes: Histogram<BATCH_BUCKETS>,
}

/// The number of buckets of [`ServiceStats::commit_micros`].
pub const COMMIT_BUCKETS: usize = 12;
/// The number of buckets of [`ServiceStats::batch_changes`].
pub const BATCH_BUCKETS: usize = 10;

/// Commit times' buckets, in microseconds: 100 µs (an fsync on fast storage) to 10 s
/// (a stalled database).
pub(super) const COMMIT_BOUNDS: [u64; COMMIT_BUCKETS] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000, 500_000, 2_000_000, 10_000_000,
];
/// Batch sizes' buckets.
pub(super) const BATCH_BOUNDS: [u64; BATCH_BUCKETS] = [1, 2, 4, 8, 16, 32, 64, 256, 1024, 4096];

impl Default for ServiceStats {
    fn default() -> Self {
        ServiceStats {
            engine: EngineStats::default(),
            held: 0,
            pending_admissions: 0,
            batches: 0,
            changes: 0,
            conflicts: 0,
            contended: 0,
            stale_replies: 0,
            backlog_drops: 0,
            throttled_offers: 0,
            lookups: 0,
            lookups_dropped: 0,
            denied: 0,
            deferred_admissions: 0,
            duplicate_admissions: 0,
            dropped_admissions: 0,
            stray_records: 0,
            store: StoreState::Up,
            journaled: 0,
            revoked: 0,
            claim_held: false,
            commit_micros: Histogram::new(COMMIT_BOUNDS),
            batch_changes: Histogram::new(BATCH_BOUNDS),
        }
    }
}

impl fmt::Display for ServiceStats {
    /// One line for a periodic status.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "store {}, held {}, batches {}, changes {}, journaled {}, conflicts {}, \
             contended {}, stale {}, backlog drops {}, throttled offers {}, lookups {} \
             (dropped {}), denied {}, awaiting verdict {}, unanswered discovers {}, offers \
             withdrawn {}",
            self.store,
            self.held,
            self.batches,
            self.changes,
            self.journaled,
            self.conflicts,
            self.contended,
            self.stale_replies,
            self.backlog_drops,
            self.throttled_offers,
            self.lookups,
            self.lookups_dropped,
            self.denied,
            self.pending_admissions,
            self.engine.unanswered_discovers,
            self.engine.offers_withdrawn,
        )
    }
}
