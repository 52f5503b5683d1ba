//! Same-run speed ratios of ex_dhcp against dhcproto, robust to a noisy machine.
//!
//! ```text
//! cargo run --release -p ex_dhcp-benches --bin codec_ratio -- [ROUNDS] [ITERS]
//! ```
//!
//! For each benchmark packet and each pair (ex_dhcp operation, dhcproto operation),
//! runs ROUNDS rounds (default 41); a round times ITERS iterations (default 2000) of
//! one side, then of the other, alternating which goes first so neither always gets
//! the warmer cache or the quieter moment. It prints the median ns/packet of each
//! side and the median of the per-round ratios (dhcproto time / ex_dhcp time; above
//! 1 means ex_dhcp is faster), with the targets: decode ≥ 3x, encode ≥ 2x.

use ex_dhcp_benches as support;

use support::ratio::{arg, interleaved, PAIRS};
use support::Fixture;

fn main() {
    let rounds = arg(1, 41);
    let iters = arg(2, 2000);
    println!("codec_ratio: {rounds} rounds x {iters} iterations per side, interleaved; medians");
    println!(
        "{:<16} {:<22} {:>11} {:>12} {:>7} {:>7} {:>5}",
        "packet", "operation", "ex_dhcp ns", "dhcproto ns", "ratio", "target", "met"
    );
    let mut missed = 0;
    for packet in support::packets() {
        let mut fixture = Fixture::new(&packet);
        for pair in &PAIRS {
            let (ex, other, ratio) = interleaved(pair, &mut fixture, rounds, iters);
            let met = ratio >= pair.target;
            if !met {
                missed += 1;
            }
            println!(
                "{:<16} {:<22} {:>11.1} {:>12.1} {:>6.2}x {:>6.1}x {:>5}",
                packet.name,
                pair.name,
                ex,
                other,
                ratio,
                pair.target,
                if met { "yes" } else { "NO" }
            );
        }
    }
    println!("targets missed: {missed}");
}
