//! How the handler thread waits for work: a short, bounded spin before it parks.
//!
//! When the handler has emptied its queue, it parks (see [`crate::wake`]), and the next
//! packet then costs a futex wake in the receive thread, a futex wait here and a
//! context switch. Under load the next packet is a few microseconds away, so polling
//! for it first is cheaper. The spin is bounded ([`Config::spin`](crate::Config::spin)),
//! so an idle server still sleeps.

use std::hint;
use std::thread;
use std::time::{Duration, Instant};

/// Rounds of busy waiting (1, 2, 4, ... spin-loop hints: 63 in all, well under a
/// microsecond) before the spin turns to `yield_now`. Busy waiting only pays while
/// the producer runs on another core; yielding lets it run on this one when every
/// core is taken, which is the common case on small machines.
const BUSY_ROUNDS: u32 = 6;

/// Polls `ready` until it returns true or `budget` has passed; returns its last
/// answer. A zero budget asks once.
pub(crate) fn spin_until(budget: Duration, mut ready: impl FnMut() -> bool) -> bool {
    if ready() {
        return true;
    }
    if budget.is_zero() {
        return false;
    }
    let start = Instant::now();
    for round in 0..BUSY_ROUNDS {
        for _ in 0..1u32 << round {
            hint::spin_loop();
        }
        if ready() {
            return true;
        }
    }
    while start.elapsed() < budget {
        thread::yield_now();
        if ready() {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Long enough to tell "gave up at the budget" from "returned at once".
    const BUDGET: Duration = Duration::from_millis(2);

    #[test]
    fn a_zero_budget_asks_once() {
        let mut asked = 0;
        assert!(!spin_until(Duration::ZERO, || {
            asked += 1;
            false
        }));
        assert_eq!(asked, 1);
    }

    #[test]
    fn returns_as_soon_as_ready() {
        let mut asked = 0;
        assert!(spin_until(BUDGET, || {
            asked += 1;
            asked == 3
        }));
        assert_eq!(asked, 3);
    }

    #[test]
    fn gives_up_after_the_budget() {
        let start = Instant::now();
        assert!(!spin_until(BUDGET, || false));
        assert!(start.elapsed() >= BUDGET);
    }
}
