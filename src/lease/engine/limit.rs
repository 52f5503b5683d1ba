//! A log line at most once per interval, with time as an input: how a flood of
//! packets that each deserve a warning becomes one warning a minute.

use crate::lease::table::Secs;

/// Counts events and says when one may be reported: at most once per interval, with
/// the count of events since the last report. Time is an input, in [`Secs`], so a
/// caller decides what clock it counts on.
///
/// ```
/// use ex_dhcp::lease::RateLimited;
///
/// let mut log = RateLimited::new(60);
/// assert_eq!(log.hit(1000), Some(1)); // the first event is reported
/// assert_eq!(log.hit(1001), None); // then nothing for a minute
/// assert_eq!(log.hit(1060), Some(2)); // then both events since
/// ```
#[derive(Debug, Clone)]
pub struct RateLimited {
    interval: Secs,
    last: Option<Secs>,
    since_last: u64,
}

impl RateLimited {
    /// Reports at most once every `interval` seconds.
    pub fn new(interval: Secs) -> Self {
        RateLimited {
            interval,
            last: None,
            since_last: 0,
        }
    }

    /// Counts an event at `now`. When the last report is at least an interval old (or
    /// there was none), returns the events since it, this one included.
    pub fn hit(&mut self, now: Secs) -> Option<u64> {
        self.since_last += 1;
        match self.last {
            Some(last) if now < last.saturating_add(self.interval) => None,
            _ => {
                self.last = Some(now);
                Some(std::mem::take(&mut self.since_last))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_reported_once_per_interval_with_its_count() {
        let mut limit = RateLimited::new(60);
        assert_eq!(limit.hit(1000), Some(1));
        let reports: Vec<u64> = (0..100_000u64)
            .filter_map(|n| limit.hit(1000 + n / 1000))
            .collect();
        // 100 s of packets after the first: one report at 60 s.
        assert_eq!(reports, vec![60_001]);
        assert_eq!(limit.hit(1120), Some(40_000));
    }
}
