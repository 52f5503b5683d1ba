//! Same-run ratios on a noisy machine: each side timed in turn, round after round,
//! alternating which goes first, and medians taken (used by `codec_ratio` and
//! `codec_worst`).

use std::hint::black_box;
use std::time::Instant;

use crate::Fixture;

/// One measured operation on a fixture.
pub type Op = fn(&mut Fixture);

/// A comparison: what is measured on each side and the speed-up ex_dhcp must reach.
#[derive(Debug)]
pub struct Pair {
    /// The operation's name in the tables.
    pub name: &'static str,
    /// ex_dhcp's side.
    pub ex: Op,
    /// dhcproto's side.
    pub dhcproto: Op,
    /// The ratio (dhcproto time / ex_dhcp time) to reach.
    pub target: f64,
}

/// The three comparisons: fresh decode, decode into a reused packet (`decode_from`)
/// and `encode_to`, each against dhcproto, with the targets.
pub const PAIRS: [Pair; 3] = [
    Pair {
        name: "decode",
        ex: |f| drop(black_box(f.ex_decode())),
        dhcproto: |f| drop(black_box(f.dhcproto_decode())),
        target: 3.0,
    },
    Pair {
        name: "decode_from",
        ex: |f| f.ex_decode_from(),
        dhcproto: |f| drop(black_box(f.dhcproto_decode())),
        target: 3.0,
    },
    Pair {
        name: "encode_to",
        ex: |f| {
            black_box(f.ex_encode_to());
        },
        dhcproto: |f| {
            black_box(f.dhcproto_encode());
        },
        target: 2.0,
    },
];

/// Nanoseconds per call of `op`, over `iters` calls.
pub fn time(op: Op, fixture: &mut Fixture, iters: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        op(fixture);
    }
    start.elapsed().as_nanos() as f64 / f64::from(iters)
}

/// The median of `values` (sorted in place).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// Command-line argument `index` as a positive count, or `default`.
pub fn arg(index: usize, default: u32) -> u32 {
    std::env::args()
        .nth(index)
        .map(|a| a.parse().expect("ROUNDS and ITERS are positive integers"))
        .unwrap_or(default)
        .max(1)
}

/// Medians over `rounds` interleaved rounds of `iters` calls each, after one warm-up
/// of both sides: (ex_dhcp ns, dhcproto ns, median of the per-round ratios).
pub fn interleaved(pair: &Pair, fixture: &mut Fixture, rounds: u32, iters: u32) -> (f64, f64, f64) {
    time(pair.ex, fixture, iters);
    time(pair.dhcproto, fixture, iters);
    let mut ex = Vec::new();
    let mut other = Vec::new();
    let mut ratios = Vec::new();
    for round in 0..rounds {
        let (a, b) = if round % 2 == 0 {
            let a = time(pair.ex, fixture, iters);
            (a, time(pair.dhcproto, fixture, iters))
        } else {
            let b = time(pair.dhcproto, fixture, iters);
            (time(pair.ex, fixture, iters), b)
        };
        ex.push(a);
        other.push(b);
        ratios.push(b / a);
    }
    (median(&mut ex), median(&mut other), median(&mut ratios))
}
