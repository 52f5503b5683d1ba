//! How many store lookups a server may start: a token bucket, with time as an input.
//!
//! A REQUEST from a client this server has no record of (REBINDING or
//! INIT-REBOOT, no server identifier) makes the server ask the shared store
//! whether another server leased it (RFC 2131 section 4.4.5). Anyone can send
//! such REQUESTs with random MAC addresses, and each one is a database query:
//! the budget caps them. Over the budget a REQUEST is dropped silently, which is
//! what a server that does not know the lease must do anyway; the drops are
//! counted and reported at most once per [`REPORT_INTERVAL`], not per packet.

use std::time::{Duration, Instant};

use crate::lease::RateLimited;

/// Lookups a second by default: far more than the clients of a failed server
/// rebinding (spread over their T2 times) and far less than a database takes.
pub(crate) const DEFAULT_LOOKUPS_PER_SEC: u32 = 200;

/// How often at most the drops are reported.
pub(super) const REPORT_INTERVAL: Duration = Duration::from_secs(60);

/// What [`LookupBudget::take`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Take {
    /// Within the budget: look the client up.
    Lookup,
    /// Over the budget: drop the request. `report` is the number of drops since the
    /// last report (this one included) when it is time to report them, else `None`.
    Drop {
        /// Drops to report now, if it is time.
        report: Option<u64>,
    },
}

/// A token bucket of lookups: `per_sec` tokens a second, holding at most one
/// second's worth (a burst of `per_sec`). `per_sec == 0` allows no lookup.
#[derive(Debug, Clone)]
pub(super) struct LookupBudget {
    per_sec: u32,
    /// Tokens, in millionths of a lookup (integer arithmetic, no drift).
    micro_tokens: u64,
    last: Option<Instant>,
    /// The time of the first drop: the drops' reports count seconds from it.
    origin: Option<Instant>,
    dropped: u64,
    report: RateLimited,
}

const MICRO: u64 = 1_000_000;

impl LookupBudget {
    /// A budget of `per_sec` lookups a second, full at the start.
    pub(super) fn new(per_sec: u32) -> Self {
        LookupBudget {
            per_sec,
            micro_tokens: u64::from(per_sec) * MICRO,
            last: None,
            origin: None,
            dropped: 0,
            report: RateLimited::new(REPORT_INTERVAL.as_secs()),
        }
    }

    /// The lookups allowed a second.
    pub(super) fn per_sec(&self) -> u32 {
        self.per_sec
    }

    /// Every request dropped so far.
    pub(super) fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Takes a lookup at `now` if the budget has one.
    pub(super) fn take(&mut self, now: Instant) -> Take {
        let capacity = u64::from(self.per_sec) * MICRO;
        if let Some(last) = self.last {
            let elapsed = now.saturating_duration_since(last);
            // per_sec lookups a second: per_sec millionths a microsecond.
            let earned = (elapsed.as_micros() as u64).saturating_mul(u64::from(self.per_sec));
            self.micro_tokens = self.micro_tokens.saturating_add(earned).min(capacity);
        }
        self.last = Some(now);
        if self.micro_tokens >= MICRO {
            self.micro_tokens -= MICRO;
            return Take::Lookup;
        }
        self.dropped += 1;
        let origin = *self.origin.get_or_insert(now);
        Take::Drop {
            report: self
                .report
                .hit(now.saturating_duration_since(origin).as_secs()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookups(budget: &mut LookupBudget, at: Instant, n: u32) -> usize {
        (0..n).filter(|_| budget.take(at) == Take::Lookup).count()
    }

    #[test]
    fn a_burst_of_one_second_then_the_rate() {
        let start = Instant::now();
        let mut budget = LookupBudget::new(10);
        assert_eq!(lookups(&mut budget, start, 25), 10, "one second's worth");
        assert_eq!(budget.dropped(), 15);
        let half = start + Duration::from_millis(500);
        assert_eq!(
            lookups(&mut budget, half, 25),
            5,
            "half a second earns five"
        );
        // A long pause fills the bucket to one second's worth, not more.
        let later = start + Duration::from_secs(100);
        assert_eq!(lookups(&mut budget, later, 25), 10);
        // 1,000 requests a second for 10 s (the last at 9.999 s) against 10 a second,
        // the bucket empty at the start: 99 lookups.
        let flood: usize = (0..10_000u64)
            .map(|n| lookups(&mut budget, later + Duration::from_millis(n), 1))
            .sum();
        assert_eq!(flood, 99);
    }

    #[test]
    fn drops_are_reported_once_per_interval_with_their_count() {
        let start = Instant::now();
        let mut budget = LookupBudget::new(1);
        assert_eq!(budget.take(start), Take::Lookup);
        assert_eq!(budget.take(start), Take::Drop { report: Some(1) });
        let reports: Vec<u64> = (1..=1_000u64)
            .filter_map(
                |n| match budget.take(start + Duration::from_millis(100 * n)) {
                    Take::Drop { report } => report,
                    Take::Lookup => None,
                },
            )
            .collect();
        // 100 s of 10 requests a second at 1 lookup a second: one report, at 60 s,
        // of the drops since the first: 601 requests, 60 of them looked up.
        assert_eq!(reports, vec![541]);
        assert_eq!(budget.dropped(), 1 + 900);
    }

    #[test]
    fn a_zero_budget_looks_nothing_up() {
        let start = Instant::now();
        let mut budget = LookupBudget::new(0);
        assert_eq!(lookups(&mut budget, start + Duration::from_secs(5), 3), 0);
        assert_eq!(budget.dropped(), 3);
    }
}
