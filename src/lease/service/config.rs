//! How a lease service batches, bounds what it holds, and gives up.

use std::time::Duration;

use super::budget::DEFAULT_LOOKUPS_PER_SEC;

/// The lease service's limits and timings; every one has a default that suits a
/// server of a few thousand clients. Set them with the methods (which chain), read
/// them from the fields of the same names.
///
/// ```
/// use std::time::Duration;
/// use ex_dhcp::lease::ServiceConfig;
///
/// let config = ServiceConfig::default()
///     .commit_delay(Duration::from_millis(5))
///     .max_held(256)
///     .lookup_rate(50);
/// assert_eq!(config.max_held, 256);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceConfig {
    /// See [`ServiceConfig::commit_delay`].
    pub commit_delay: Duration,
    /// See [`ServiceConfig::max_held`].
    pub max_held: usize,
    /// See [`ServiceConfig::max_reply_age`].
    pub max_reply_age: Duration,
    /// See [`ServiceConfig::commit_deadline`].
    pub commit_deadline: Duration,
    /// See [`ServiceConfig::shutdown_deadline`].
    pub shutdown_deadline: Duration,
    /// See [`ServiceConfig::lookup_rate`].
    pub lookup_rate: u32,
    /// See [`ServiceConfig::compact_after`].
    pub compact_after: u64,
    /// See [`ServiceConfig::verdict_ttl`].
    pub verdict_ttl: Duration,
    /// See [`ServiceConfig::admission_timeout`].
    pub admission_timeout: Duration,
    /// See [`ServiceConfig::max_admissions`].
    pub max_admissions: usize,
    /// See [`ServiceConfig::claim_ttl`].
    pub claim_ttl: Duration,
}

/// Default [`ServiceConfig::commit_delay`]: at a few hundred leases a second, long
/// enough that several share one `fsync` or `COMMIT`, short against the seconds a
/// client waits before it retransmits.
pub const DEFAULT_COMMIT_DELAY: Duration = Duration::from_millis(2);

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            commit_delay: DEFAULT_COMMIT_DELAY,
            max_held: 1024,
            max_reply_age: Duration::from_secs(10),
            commit_deadline: Duration::from_secs(2),
            shutdown_deadline: Duration::from_secs(1),
            lookup_rate: DEFAULT_LOOKUPS_PER_SEC,
            compact_after: 100_000,
            verdict_ttl: Duration::from_secs(3600),
            admission_timeout: Duration::from_secs(10),
            max_admissions: 1024,
            claim_ttl: Duration::from_secs(300),
        }
    }
}

impl ServiceConfig {
    /// How long the store worker waits for more changes before a commit that found it
    /// idle ([`WorkerConfig::commit_delay`](crate::lease::WorkerConfig::commit_delay));
    /// [`DEFAULT_COMMIT_DELAY`] by default, at most a second.
    #[must_use]
    pub fn commit_delay(mut self, delay: Duration) -> Self {
        self.commit_delay = delay;
        self
    }

    /// The most replies held at once for their lease to be durable (1,024 by
    /// default). At the limit, and while the store is stalled (see
    /// [`commit_deadline`](Self::commit_deadline)), REQUESTs that would change a lease
    /// are left unanswered (the client retries) and DISCOVERs from clients without an
    /// address get no offer; both are counted.
    #[must_use]
    pub fn max_held(mut self, replies: usize) -> Self {
        self.max_held = replies.max(1);
        self
    }

    /// How long a held reply may wait for its batch (10 s by default): an older one is
    /// dropped and counted when its batch is durable, since its client stopped waiting
    /// for it and will ask again. The lease itself is kept.
    #[must_use]
    pub fn max_reply_age(mut self, age: Duration) -> Self {
        self.max_reply_age = age;
        self
    }

    /// How long a commit may take before the store counts as stalled (2 s by
    /// default): from then until it answers, no new work that needs it is taken.
    #[must_use]
    pub fn commit_deadline(mut self, deadline: Duration) -> Self {
        self.commit_deadline = deadline;
        self
    }

    /// How long the server's stop waits for the store to commit what is queued (1 s by
    /// default); a store that is stuck is left behind, and the replies that waited for
    /// it are not sent.
    #[must_use]
    pub fn shutdown_deadline(mut self, deadline: Duration) -> Self {
        self.shutdown_deadline = deadline;
        self
    }

    /// The most store lookups a second for clients this server has no record of (a
    /// REBINDING client of another server sharing the store): 200 by default, a
    /// burst of one second's worth; over it, such REQUESTs are dropped silently and
    /// counted. 0: none.
    #[must_use]
    pub fn lookup_rate(mut self, per_sec: u32) -> Self {
        self.lookup_rate = per_sec;
        self
    }

    /// Compacts a log-shaped store (the lease file) once this many changes were made
    /// since the last compaction and at least twice as many as it then kept (100,000
    /// by default).
    #[must_use]
    pub fn compact_after(mut self, changes: u64) -> Self {
        self.compact_after = changes;
        self
    }

    /// How long a verdict given through [`Decide`](crate::lease::Decide) is
    /// remembered for its client (an hour by default).
    #[must_use]
    pub fn verdict_ttl(mut self, ttl: Duration) -> Self {
        self.verdict_ttl = ttl;
        self
    }

    /// How long a request waits for its admission verdict before it is dropped (10 s
    /// by default); the client's next request asks again.
    #[must_use]
    pub fn admission_timeout(mut self, timeout: Duration) -> Self {
        self.admission_timeout = timeout;
        self
    }

    /// The most requests held for a verdict at once (1,024 by default): over it, a
    /// new client's request is dropped and counted, so a flood of unknown MAC
    /// addresses cannot grow the service's memory.
    #[must_use]
    pub fn max_admissions(mut self, requests: usize) -> Self {
        self.max_admissions = requests.max(1);
        self
    }

    /// How long this server's claim on its share of the ranges lasts from each
    /// renewal (5 minutes by default), when it shares a store with other servers by
    /// shares: it is renewed every third of that. While the store cannot be reached,
    /// the server goes on leasing from its own share until the claim runs out (see
    /// the outage rules of [`LeaseService`](crate::lease::LeaseService)); after it
    /// lapses (say, the server died), the others wait that long plus the longest lease
    /// before they give its part's addresses to new clients.
    #[must_use]
    pub fn claim_ttl(mut self, ttl: Duration) -> Self {
        self.claim_ttl = ttl;
        self
    }
}
