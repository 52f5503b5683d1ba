//! A histogram with fixed buckets, cheap to update on the handler thread and to copy
//! out for metrics.

use std::fmt;

/// Counts of observations at or below each bucket's upper bound, with their sum: the
/// shape Prometheus histograms have (cumulative buckets, `_sum`, `_count`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Histogram<const N: usize> {
    bounds: [u64; N],
    /// Observations per bucket (not cumulative); the last counts those above every
    /// bound.
    counts: [u64; N],
    above: u64,
    sum: u64,
}

impl<const N: usize> Histogram<N> {
    /// An empty histogram with these upper bounds, ascending.
    pub const fn new(bounds: [u64; N]) -> Self {
        Histogram {
            bounds,
            counts: [0; N],
            above: 0,
            sum: 0,
        }
    }

    /// Records one observation.
    pub fn observe(&mut self, value: u64) {
        self.sum = self.sum.saturating_add(value);
        match self.bounds.iter().position(|bound| value <= *bound) {
            Some(bucket) => self.counts[bucket] += 1,
            None => self.above += 1,
        }
    }

    /// The buckets: upper bound and the count at or below it (cumulative).
    pub fn buckets(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        let mut total = 0;
        self.bounds
            .iter()
            .zip(self.counts)
            .map(move |(bound, count)| {
                total += count;
                (*bound, total)
            })
    }

    /// How many observations.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.above
    }

    /// Their sum.
    pub fn sum(&self) -> u64 {
        self.sum
    }
}

impl<const N: usize> fmt::Debug for Histogram<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.count())
            .field("sum", &self.sum)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_the_rest_counts_above() {
        let mut histogram = Histogram::new([1, 10, 100]);
        for value in [0, 1, 5, 10, 50, 1000] {
            histogram.observe(value);
        }
        assert_eq!(
            histogram.buckets().collect::<Vec<_>>(),
            [(1, 2), (10, 4), (100, 5)]
        );
        assert_eq!((histogram.count(), histogram.sum()), (6, 1066));
    }
}
