//! What a lease service counted.

use std::fmt;

use crate::lease::engine::EngineStats;

/// A lease service's counters (and its engine's): what it held, committed, dropped
/// and why. Counters only grow; `held` and `pending_admissions` are the current
/// numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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
}

impl fmt::Display for ServiceStats {
    /// One line for a periodic status.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "held {}, batches {}, changes {}, conflicts {}, contended {}, stale {}, \
             backlog drops {}, throttled offers {}, lookups {} (dropped {}), denied {}, \
             awaiting verdict {}, unanswered discovers {}, offers withdrawn {}",
            self.held,
            self.batches,
            self.changes,
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
