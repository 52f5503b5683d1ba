//! What a load run measured: counts, durations and latencies.

use std::fmt;
use std::time::Duration;

/// Counts and latencies of one run (of one client, or merged over all).
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Requests sent (a DORA exchange counts its DISCOVER only).
    pub sent: u64,
    /// Exchanges completed.
    pub received: u64,
    /// Exchanges with no reply within the timeout.
    pub dropped: u64,
    /// Datagrams that matched no outstanding exchange (late replies, strangers).
    pub unmatched: u64,
    /// From the first send to the end of sending (the longest client's).
    pub sending: Duration,
    /// From the first send to the last reply or drop (the longest client's).
    pub elapsed: Duration,
    /// Latency of every completed exchange, in nanoseconds; sorted by `finish`.
    pub latencies: Vec<u32>,
}

impl Report {
    /// Adds another client's report to this one.
    pub fn merge(&mut self, other: Report) {
        self.sent += other.sent;
        self.received += other.received;
        self.dropped += other.dropped;
        self.unmatched += other.unmatched;
        self.sending = self.sending.max(other.sending);
        self.elapsed = self.elapsed.max(other.elapsed);
        self.latencies.extend(other.latencies);
    }

    /// Sorts the latencies so that percentiles can be read.
    pub fn finish(&mut self) {
        self.latencies.sort_unstable();
    }

    /// Requests sent per second while sending.
    pub fn sent_rate(&self) -> f64 {
        per_second(self.sent, self.sending)
    }

    /// Exchanges completed per second, over the whole run.
    pub fn received_rate(&self) -> f64 {
        per_second(self.received, self.elapsed)
    }

    /// The latency below which `percent` of the exchanges completed (nearest rank).
    pub fn percentile(&self, percent: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let last = self.latencies.len() - 1;
        let rank = ((percent / 100.0) * last as f64).round() as usize;
        Duration::from_nanos(u64::from(self.latencies[rank.min(last)]))
    }

    /// The slowest exchange.
    pub fn max(&self) -> Duration {
        self.latencies
            .last()
            .map_or(Duration::ZERO, |ns| Duration::from_nanos(u64::from(*ns)))
    }
}

fn per_second(count: u64, over: Duration) -> f64 {
    if over.is_zero() {
        0.0
    } else {
        count as f64 / over.as_secs_f64()
    }
}

/// Microseconds with one decimal, for tables.
pub fn micros(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1e6)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "sent      {} in {:.3} s ({:.0}/s)",
            self.sent,
            self.sending.as_secs_f64(),
            self.sent_rate()
        )?;
        writeln!(
            f,
            "received  {} in {:.3} s ({:.0}/s)",
            self.received,
            self.elapsed.as_secs_f64(),
            self.received_rate()
        )?;
        writeln!(
            f,
            "dropped   {} (no reply in time), unmatched {}",
            self.dropped, self.unmatched
        )?;
        write!(
            f,
            "latency   p50 {} us, p90 {} us, p99 {} us, max {} us",
            micros(self.percentile(50.0)),
            micros(self.percentile(90.0)),
            micros(self.percentile(99.0)),
            micros(self.max())
        )
    }
}
